"""Our JSON / JSONL schema: nesting, flat parent ids, containers, streaming."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from importer_helpers import run, write

from modsvc.ingest.importers import json_format
from modsvc.ingest.importers.source import InputFile, TextChunks

THREAD = {
    "site": "news", "external_id": "t1", "title": "Hello", "url": "https://x.test/a", "author": "ed",
    "published_at": "2024-05-01T12:00:00+02:00", "body": "Article text", "closed": True, "section": "world",
    "comments": [
        {"id": "a", "author": "ann", "body": "top A", "posted_at": "2024-05-01T13:00:00Z",
         "replies": [{"id": "a1", "body": "reply to A", "replies": [{"id": 7, "body": "deep", "status": "spam"}]}]},
        {"id": "b", "body": "top B", "score": 3},
        {"id": "b1", "body": "flat reply to B", "parent_id": "b"},
        {"id": "b0", "body": "reply that comes before its parent", "parent_id": "c"},
        {"id": "c", "body": "top C"},
    ],
}


def _check(thread):
    assert thread.external_id == "t1" and thread.site == "news" and thread.closed is True
    assert thread.published_at == datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
    assert thread.extra == {"section": "world"}
    tree = [(c.external_id, c.parent_external_id, c.body) for c in thread.comments]
    assert tree == [
        ("a", None, "top A"), ("a1", "a", "reply to A"), ("7", "a1", "deep"),
        ("b", None, "top B"), ("b1", "b", "flat reply to B"),
        ("c", None, "top C"), ("b0", "c", "reply that comes before its parent"),
    ]
    by_id = {c.external_id: c for c in thread.comments}
    assert by_id["a"].author == "ann" and by_id["a"].posted_at == datetime(2024, 5, 1, 13, tzinfo=timezone.utc)
    assert by_id["7"].status == "spam"
    assert by_id["b"].extra == {"score": 3}


def test_single_object_list_and_wrapper_all_round_trip(tmp_path):
    for name, doc in [("one.json", THREAD), ("list.json", [THREAD, dict(THREAD, external_id="t2")]),
                      ("wrap.json", {"threads": [THREAD]})]:
        result = run(write(tmp_path / name, json.dumps(doc, indent=2)))
        assert result.rejections == [], result.text()
        _check(result.threads[0])
    second = run(tmp_path / "list.json").threads[1]
    assert second.external_id == "t2"


def test_wrapper_site_applies_to_threads(tmp_path):
    doc = {"site": "blog", "threads": [{"id": 1, "comments": []}, {"id": 2, "site": "own", "comments": []}]}
    result = run(write(tmp_path / "w.json", json.dumps(doc)), site="default")
    assert [(t.external_id, t.site) for t in result.threads] == [("1", "blog"), ("2", "own")]


def test_jsonl_round_trip_and_default_site(tmp_path):
    other = dict(THREAD, external_id="t9")
    del other["site"]
    p = write(tmp_path / "x.jsonl", json.dumps(THREAD) + "\n\n" + json.dumps(other) + "\n")
    result = run(p, site="mysite")
    assert result.rejections == []
    _check(result.threads[0])
    assert result.threads[1].site == "mysite"
    assert result.threads[0].source == "x.jsonl:1" and result.threads[1].source == "x.jsonl:3"


def test_json_array_is_streamed_in_small_pieces(tmp_path):
    # A chunk size far smaller than one element forces the refill path on every element.
    threads = [dict(THREAD, external_id=f"t{i}", body="x" * 5000) for i in range(30)]
    p = write(tmp_path / "big.json", json.dumps(threads, indent=1))
    with InputFile(p) as inp:
        chunks = TextChunks(inp, size=97)
        stream = json_format._Stream(chunks, 1 << 30)
        values = list(json_format._iter_json_values(stream, inp, ["default"]))
        assert [v["external_id"] for _, v in values] == [f"t{i}" for i in range(30)]
        assert len(stream.buf) < 200_000  # the window never holds the whole 150 KB document... much


def test_json_array_progress_reports_bytes(tmp_path):
    threads = [dict(THREAD, external_id=f"t{i}") for i in range(2000)]
    p = write(tmp_path / "many.json", json.dumps(threads))
    seen = []
    result = run(p, progress=seen.append)
    assert len(result.threads) == 2000
    assert seen and seen[-1] == p.stat().st_size and seen == sorted(seen)


def test_iterative_decoder_matches_json_module():
    doc = '{"a": [1, -2.5e3, true, false, null, "s\\u00e9\\n", {}, [], {"b": [[]]}], "c": {"d": "e"}}'
    assert json_format.iterative_raw_decode(doc, 0) == (json.loads(doc), len(doc))


def test_a_stray_quote_does_not_make_the_reader_swallow_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MODSVC_MAX_RECORD_BYTES", "50000")
    good = json.dumps(dict(THREAD, external_id="ok"))
    broken = '{"id": "bad", "title": "unterminated' + " filler" * 20_000
    result = run(write(tmp_path / "q.json", "[" + good + ",\n" + broken + "]"))
    assert [t.external_id for t in result.threads] == ["ok"]
    assert result.rejections[0].source == "q.json:2"
    assert "larger than" in result.rejections[0].reason
