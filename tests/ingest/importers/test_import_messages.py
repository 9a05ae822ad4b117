"""Import errors say what is really wrong, and name the file as the user knows it."""
from __future__ import annotations

import gzip

import pytest
from importer_helpers import run, write
from test_xml_formats import DISQUS

from modsvc.ingest.importers import UnknownFormatError, detect_format, iter_records


def test_scraped_page_whose_first_line_starts_with_a_bracket_is_a_page(tmp_path, seed_path):
    page = "<Exclusive> " + seed_path.read_text()
    p = write(tmp_path / "page.txt", page)
    assert detect_format(p) == "scraped_page"
    result = run(p)
    assert result.thread.title.startswith("<Exclusive> Detailed Statements")
    assert len(result.thread.comments) == 6


def test_xml_that_is_no_known_export_is_still_called_xml(tmp_path):
    with pytest.raises(UnknownFormatError, match="XML, but neither a Disqus export"):
        detect_format(write(tmp_path / "feed.xml", "<?xml version='1.0'?>\n<feed><entry>x</entry></feed>\n"))


def test_disqus_export_behind_a_large_dtd_is_refused_as_unsafe_xml(tmp_path):
    entities = "".join(f' <!ENTITY e{i} "value number {i} of a long internal subset">\n' for i in range(2000))
    doc = DISQUS.replace("<disqus ", "<!DOCTYPE disqus [\n" + entities + "]>\n<disqus ", 1)
    assert doc.index("<disqus ") > 64 * 1024
    p = write(tmp_path / "export.xml", doc)
    with pytest.raises(UnknownFormatError) as err:
        detect_format(p)
    assert "refused unsafe XML" in str(err.value) and "neither a Disqus" not in str(err.value)
    result = run(p, "disqus")  # forced: the parser refuses it the same way
    assert result.threads == [] and "refused unsafe XML" in result.rejections[0].reason


@pytest.mark.parametrize("gz", [False, True])
def test_a_file_of_nul_bytes_is_not_called_empty(tmp_path, gz):
    p = write(tmp_path / ("zeros.bin.gz" if gz else "zeros.bin"), b"\x00" * (4 << 20), gz=gz)
    with pytest.raises(UnknownFormatError) as err:
        detect_format(p)
    assert "empty" not in str(err.value) and "NUL bytes" in str(err.value)
    for fmt in (None, "jsonl", "wxr"):
        result = run(p, fmt)
        assert result.threads == [] and len(result.rejections) == 1
        assert "empty" not in result.rejections[0].reason and "NUL bytes" in result.rejections[0].reason


def test_rejections_name_the_display_name_not_the_stored_file(tmp_path):
    stored = write(tmp_path / "3f2a9c0e5b7d4e1f8a6b2c3d4e5f6a7b-upload.jsonl",
                   '{"id": "a", "comments": [{"id": "1", "body": "ok"}]}\n{broken\n')
    items = list(iter_records(stored, display_name="Reader comments (March).jsonl"))
    rejections = [i for i in items if hasattr(i, "reason")]
    assert [r.source for r in rejections] == ["Reader comments (March).jsonl:2"]

    gz = write(tmp_path / "3f2a9c0e5b7d4e1f8a6b2c3d4e5f6a7b-export.xml.gz",
               gzip.compress(DISQUS.encode())[:400])
    items = list(iter_records(gz, display_name="disqus-export.xml.gz"))
    reasons = " ".join(f"{i.source} {i.reason}" for i in items if hasattr(i, "reason"))
    assert "disqus-export.xml.gz" in reasons and "3f2a9c0e" not in reasons

    unknown = write(tmp_path / "3f2a9c0e5b7d4e1f8a6b2c3d4e5f6a7b-notes.txt", "just notes\n")
    with pytest.raises(UnknownFormatError) as err:
        iter_records(unknown, display_name="notes.txt")
    assert str(err.value).startswith("notes.txt: ") and "3f2a9c0e" not in str(err.value)
