"""Format detection by content, forced formats, input expansion, progress in bytes."""
from __future__ import annotations

import json
import shutil

import pytest
from importer_helpers import run, write
from test_coral_csv import make_coral
from test_xml_formats import DISQUS, WXR

from modsvc.ingest.importers import FORMATS, UnknownFormatError, detect_format, input_size, iter_paths


@pytest.mark.parametrize("name,content,expected", [
    ("a.dat", json.dumps({"id": 1, "comments": []}, indent=2), "json"),
    ("b.dat", json.dumps([{"id": 1}]), "json"),
    ("c.dat", json.dumps({"threads": []}), "json"),
    ("d.dat", json.dumps({"id": 1}) + "\n" + json.dumps({"id": 2}) + "\n", "jsonl"),
    ("e.dat", DISQUS, "disqus"),
    ("f.dat", WXR, "wxr"),
    ("g.dat", "id,author_id,story_id,created_at,body,parent_id,status,rating\n", "coral_csv"),
    ("h.dat", "Title\n\n…from Somewhere – Feb 2, 2020\n\nText.\n", "scraped_page"),
    ("i.dat", "\ufeff" + json.dumps([{"id": 1}]), "json"),
])
def test_detected_from_content_not_name(tmp_path, name, content, expected):
    p = write(tmp_path / name, content)
    assert detect_format(p) == expected
    assert detect_format(p.read_bytes()[:4096]) == expected  # the HTTP upload passes the head
    assert detect_format(content) == expected  # or the text itself
    gz = write(tmp_path / (name + ".gz"), content, gz=True)
    assert detect_format(gz) == expected
    assert detect_format(gz.read_bytes()[:2048]) == expected


def test_seed_and_coral_folder_detected(seed_path, tmp_path):
    assert detect_format(seed_path) == "scraped_page"
    assert detect_format(make_coral(tmp_path / "coral")) == "coral_csv"
    with pytest.raises(UnknownFormatError, match="not a Coral CSV export"):
        detect_format(tmp_path)


def test_forced_format_overrides_detection(tmp_path):
    p = write(tmp_path / "one.txt", json.dumps({"id": "x", "comments": [{"id": 1, "body": "hi"}]}))
    assert detect_format(p) == "jsonl"
    assert run(p, "json").thread.comments[0].body == "hi"
    result = run(p, "wxr")  # the wrong format forced: a clear rejection, no crash
    assert result.threads == [] and "malformed XML" in result.rejections[0].reason


def test_iter_paths_walks_sorted_and_treats_a_coral_folder_as_one_input(tmp_path, seed_path):
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    shutil.copy(seed_path, root / "b" / "page.txt")
    write(root / "a.jsonl", "{}\n")
    write(root / "z.json.gz", "[]", gz=True)
    write(root / ".hidden", "x")
    make_coral(root / "coral")
    single = write(tmp_path / "single.xml", WXR)
    got = list(iter_paths([str(root), str(single), str(root / "coral" / "comments.csv")]))
    assert got == [root / "a.jsonl", root / "b" / "page.txt", root / "coral", root / "z.json.gz", single]
    assert input_size(root / "coral") == sum(f.stat().st_size for f in (root / "coral").iterdir())


@pytest.mark.parametrize("fmt", FORMATS)
def test_progress_is_reported_in_bytes_up_to_the_file_size(tmp_path, fmt, seed_path):
    if fmt == "scraped_page":
        p = seed_path
    elif fmt == "json":
        p = write(tmp_path / "x.json", json.dumps([{"id": i, "comments": []} for i in range(5000)]))
    elif fmt == "jsonl":
        p = write(tmp_path / "x.jsonl", "".join(json.dumps({"id": i}) + "\n" for i in range(5000)))
    elif fmt == "coral_csv":
        p = make_coral(tmp_path / "coral")
    elif fmt == "disqus":
        p = write(tmp_path / "d.xml", DISQUS)
    else:
        p = write(tmp_path / "w.xml.gz", WXR, gz=True)
    seen: list[int] = []
    run(p, progress=seen.append)
    assert seen and seen == sorted(seen)
    assert seen[-1] == input_size(p)


def test_symlink_loop_is_walked_once(tmp_path):
    root = tmp_path / "loop"
    (root / "sub").mkdir(parents=True)
    write(root / "sub" / "a.jsonl", "{}\n")
    (root / "sub" / "back").symlink_to(root)
    assert list(iter_paths([root])) == [root / "sub" / "a.jsonl"]


def test_latin1_text_is_detected_and_repaired(tmp_path):
    p = write(tmp_path / "latin1.jsonl", json.dumps({"id": 1, "comments": [{"id": 1, "body": "Grüße é à"}]},
                                                    ensure_ascii=False).encode("latin-1") + b"\n")
    assert detect_format(p) == "jsonl"
    result = run(p)
    assert result.thread.comments[0].body == "Gr\ufffd\ufffde \ufffd \ufffd"
    assert [w.source for w in result.warnings] == ["latin1.jsonl:1"]
