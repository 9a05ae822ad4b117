"""Line and record size caps (MODSVC_MAX_LINE_BYTES, MODSVC_MAX_RECORD_BYTES): a "line bomb" is rejected with its
line number, the records around it still import, and the reader never holds much more than the cap."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from importer_helpers import run, write

MIB = 1 << 20
CAP = 1 * MIB
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def small_caps(monkeypatch):
    monkeypatch.setenv("MODSVC_MAX_LINE_BYTES", str(CAP))
    monkeypatch.setenv("MODSVC_MAX_RECORD_BYTES", str(CAP))


def _line(tid: str, body: str = "fine") -> str:
    return json.dumps({"id": tid, "title": tid, "comments": [{"id": "1", "body": body}]})


def _run_traced(path, fmt=None):
    tracemalloc.start()
    try:
        result = run(path, fmt)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def _gzip_stream(parts) -> bytes:
    """A multi-member gzip file of the parts (bytes, or (byte, count) runs), built without the plain text:
    a run is one compressed MiB repeated (gzip readers concatenate members), so 1 GiB costs about 1 MB."""
    out = []
    for part in parts:
        if isinstance(part, tuple):
            byte, count = part
            block = gzip.compress(byte * MIB, compresslevel=9)
            out.append(block * (count // MIB))
            if count % MIB:
                out.append(gzip.compress(byte * (count % MIB)))
        else:
            out.append(gzip.compress(part))
    return b"".join(out)


def test_gzip_line_bomb_in_jsonl_is_rejected_and_the_rest_imports(tmp_path):
    data = _gzip_stream([
        (_line("a") + "\n").encode(),
        (b" ", 64 * MIB), b"\n",  # line 2: 64 MiB of spaces
        (_line("c") + "\n").encode(),
        (_line("d", "x" * (2 * CAP)) + "\n").encode(),  # line 4: a real record over the cap
        (_line("e") + "\n").encode(),
    ])
    path = write(tmp_path / "bomb.jsonl.gz", data)
    result, peak = _run_traced(path)
    assert [t.external_id for t in result.threads] == ["a", "c", "e"]
    assert [r.source for r in result.rejections] == ["bomb.jsonl.gz:2", "bomb.jsonl.gz:4"]
    assert all("MODSVC_MAX_LINE_BYTES" in r.reason for r in result.rejections)
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"


def test_json_array_element_over_the_cap_is_skipped_and_the_next_ones_import(tmp_path):
    tricky = 'x\\"]}{[' * (CAP // 4)  # escaped quotes and brackets inside the oversized string
    doc = "[\n" + ",\n".join([_line("a"), _line("big").replace("fine", tricky), _line("c")]) + "\n]\n"
    result, peak = _run_traced(write(tmp_path / "arr.json", doc))
    assert [t.external_id for t in result.threads] == ["a", "c"]
    assert [r.source for r in result.rejections] == ["arr.json:3"]
    assert "MODSVC_MAX_RECORD_BYTES" in result.rejections[0].reason
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"

    wrapped = '{"site": "s", "threads": [' + ", ".join(
        [_line("a"), '{"id": "n", "meta": ' + "[" * 1000 + '"' + "y" * (2 * CAP) + '"' + "]" * 1000 + "}",
         _line("c")]) + "]}"
    result = run(write(tmp_path / "wrapped.json", wrapped))
    assert [t.external_id for t in result.threads] == ["a", "c"]
    assert [r.source for r in result.rejections] == ["wrapped.json:1"]


def test_a_single_giant_json_document_is_rejected_without_reading_it_whole(tmp_path):
    data = _gzip_stream([b'{"id": "one", "comments": [{"id": "1", "body": "', (b"z", 64 * MIB), b'"}]}'])
    result, peak = _run_traced(write(tmp_path / "one.json.gz", data))
    assert result.threads == []
    assert [r.source for r in result.rejections] == ["one.json.gz:1"]
    assert "MODSVC_MAX_RECORD_BYTES" in result.rejections[0].reason
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"


def test_scraped_page_with_a_giant_line_keeps_the_rest_of_the_page(tmp_path, seed_path):
    lines = seed_path.read_text().split("\n")
    page = "\n".join(lines[:8] + ["w" * (3 * CAP)] + lines[8:])  # in the article, after the source line
    result, peak = _run_traced(write(tmp_path / "000_14b138b21b3c6e77.txt", page))
    assert len(result.thread.comments) == 6
    assert [r.source for r in result.rejections] == ["000_14b138b21b3c6e77.txt:9"]
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"

    long_page = "\n".join(lines + ["padding line " * 10] * (CAP // 100))  # every line short, the page not
    result = run(write(tmp_path / "long.txt", long_page))
    assert result.threads == []
    assert "MODSVC_MAX_RECORD_BYTES" in result.rejections[0].reason


def test_coral_csv_rows_over_the_caps_are_rejected_with_their_lines(tmp_path):
    from test_coral_csv import make_coral

    rows = [
        ["k1", "u1", "s1", "", "before", "", "APPROVED", ""],
        ["k2", "u1", "s1", "", "h" * (2 * CAP), "", "APPROVED", ""],  # one line over the line cap
        ["k3", "u1", "s1", "", "short line\n" * (CAP // 8), "", "APPROVED", ""],  # short lines, record too big
        ["k4", "u1", "s1", "", "after", "", "APPROVED", ""],
    ]
    folder = make_coral(tmp_path / "c", comments=rows)
    result, peak = _run_traced(folder)
    assert [c.external_id for c in result.threads[0].comments] == ["k1", "k4"]
    assert [r.source for r in result.rejections] == ["comments.csv:3", "comments.csv:4"]
    assert "MODSVC_MAX_LINE_BYTES" in result.rejections[0].reason
    assert "MODSVC_MAX_RECORD_BYTES" in result.rejections[1].reason
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"


def test_disqus_post_with_a_giant_text_node_is_rejected_and_the_others_import(tmp_path):
    from test_xml_formats import DISQUS

    doc = DISQUS.replace("<![CDATA[Top comment]]>", "q" * (3 * CAP))
    line = DISQUS[: DISQUS.index('<post dsq:id="p1">')].count("\n") + 1
    result, peak = _run_traced(write(tmp_path / "d.xml", doc))
    t1, t2 = result.threads
    assert [c.external_id for c in t1.comments] == ["p2", "p3"]
    assert [c.body for c in t2.comments] == ["On the second thread"]
    assert [r.source for r in result.rejections] == [f"d.xml:{line}"]
    assert "<post>" in result.rejections[0].reason and "MODSVC_MAX_RECORD_BYTES" in result.rejections[0].reason
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"


def test_xml_whitespace_bomb_between_records_does_not_pile_up(tmp_path):
    from test_xml_formats import DISQUS

    head, tail = DISQUS.split('<post dsq:id="p1">')
    data = _gzip_stream([head.encode(), (b" ", 64 * MIB), ('<post dsq:id="p1">' + tail).encode()])
    result, peak = _run_traced(write(tmp_path / "ws.xml.gz", data))
    assert result.rejections == [], result.text()
    assert [c.external_id for c in result.threads[0].comments] == ["p1", "p2", "p3"]
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"


def test_wxr_item_over_the_record_cap_is_rejected_and_the_next_item_imports(tmp_path):
    from test_xml_formats import WXR

    many = "".join(f"<wp:comment><wp:comment_id>{1000 + i}</wp:comment_id><wp:comment_content>"
                   f"{'c' * 200}</wp:comment_content></wp:comment>" for i in range(CAP // 200))
    doc = WXR.replace("<wp:postmeta>", many + "<wp:postmeta>", 1)
    line = WXR[: WXR.index("<item>")].count("\n") + 1
    result, peak = _run_traced(write(tmp_path / "w.xml", doc))
    assert [t.external_id for t in result.threads] == ["44"]
    assert [r.source for r in result.rejections] == [f"w.xml:{line}"]
    assert "<item>" in result.rejections[0].reason
    assert peak < 8 * CAP, f"peak {peak / MIB:.1f} MiB"


RSS_PROBE = """
import resource, sys
from modsvc.ingest.importers import iter_records
from modsvc.ingest.importers.records import Rejection, ThreadRecord
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
items = list(iter_records(sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print([t.external_id for t in items if isinstance(t, ThreadRecord)])
print([r.source for r in items if isinstance(r, Rejection)])
print((after - before) // 1024)
"""


@pytest.mark.slow
def test_one_gib_line_bomb_keeps_the_process_small(tmp_path, monkeypatch):
    """The reported attack: a ~1 MB .jsonl.gz whose second line is 1 GiB of spaces, at the default caps."""
    monkeypatch.delenv("MODSVC_MAX_LINE_BYTES")
    monkeypatch.delenv("MODSVC_MAX_RECORD_BYTES")
    data = _gzip_stream([(_line("a") + "\n").encode(), (b" ", 1 << 30), b"\n", (_line("c") + "\n").encode()])
    assert len(data) < 2 * MIB
    path = write(tmp_path / "bomb.jsonl.gz", data)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", RSS_PROBE, str(path)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    threads, rejections, grown_mib = done.stdout.strip().split("\n")
    assert threads == "['a', 'c']" and rejections == "['bomb.jsonl.gz:2']"
    assert int(grown_mib) < 400, f"the reader grew by {grown_mib} MiB"
