"""training/leak_check.py: a TRAIN row that came out close to a held-out comment is found and can be dropped."""
import json

from training.datasets import Example
from training.leak_check import close_pairs, main

HELDOUT = ["Die Rothschilds steuern seit 200 Jahren jede Zentralbank der Welt.",
           "Schöner Bericht über die Synagoge in Görlitz, danke!"]


def test_a_near_copy_is_found_and_a_new_comment_is_not():
    rows = [{"text": "die Rothschilds steuern seit 200 Jahren jede  Zentralbank der Welt!"},
            {"text": "Wann fährt eigentlich wieder die S-Bahn nach Pankow?"}]
    pairs = close_pairs(rows, HELDOUT, 0.75)
    assert [(i, text) for i, text, _ in pairs] == [(0, HELDOUT[0])]


def test_drop_rewrites_the_file_without_the_close_rows(tmp_path, monkeypatch, capsys):
    import training.leak_check as leak_check
    monkeypatch.setattr(leak_check, "handwritten_heldout",
                        lambda: [Example(t, "handwritten_heldout_de", "test", {}) for t in HELDOUT])
    train = tmp_path / "train.jsonl"
    kept = {"text": "Wann fährt eigentlich wieder die S-Bahn nach Pankow?", "antisemitism": 0}
    close = {"text": "Schöner Bericht über die Synagoge in Görlitz. Danke!", "antisemitism": 0}
    train.write_text(json.dumps(close) + "\n" + json.dumps(kept) + "\n", encoding="utf-8")

    assert main([str(train), "--drop"]) == 0

    assert [json.loads(line) for line in train.read_text(encoding="utf-8").splitlines()] == [kept]
    assert "1 of 2 rows are closer than 0.75" in capsys.readouterr().out
