"""Scraped article pages: the seed page and constructed variants of the same family."""
from __future__ import annotations

import shutil

import pytest

from modsvc.ingest.importers import detect_format

from importer_helpers import run, write

FOOTER_PHRASES = ("We See The World From All Sides", "About VT", "Due to the nature of uncensored content",
                  "intentional disinformation", "Comments are closed")


def test_seed_gives_the_exact_comment_tree(seed_path):
    result = run(seed_path)
    assert result.rejections == []
    t = result.thread
    assert detect_format(seed_path) == "scraped_page"
    assert t.external_id == "000_14b138b21b3c6e77"
    assert t.title.startswith("Detailed Statements of the Heads of State of the CSTO")
    assert t.closed is True
    assert t.author == "Anti-Spiegel"
    assert t.published_at.isoformat() == "2022-01-10T00:00:00+00:00"
    assert [c.external_id for c in t.comments] == ["c1", "c2", "c2.1", "c3", "c3.1", "c3.2"]
    by_id = result.comments()
    assert {k: c.parent_external_id for k, c in by_id.items()} == {
        "c1": None, "c2": None, "c2.1": "c2", "c3": None, "c3.1": "c3", "c3.2": "c3"}
    assert by_id["c1"].body.startswith("Further investigation ??\n\nVlad was prepared")
    assert by_id["c1"].body.endswith("that airlift was impressive….")
    assert by_id["c2"].body.startswith("No disrespect, Andrew")
    assert by_id["c2.1"].body == ("Oh, ok. If I’m wrong – I admit. Longest on EurAsian continent )\n"
                                  "And, yes, life in Russia is calm, safe, normal now. It is safer to live here. "
                                  "And more freedom.")
    assert by_id["c3"].body.endswith("A lot of questions.\nI watched this meeting on TV today.")
    assert by_id["c3.1"].body.startswith("Good to hear from you, Andrew.")
    assert "\n\nAlways ask, where does the money come from?" in by_id["c3.1"].body
    assert by_id["c3.2"].body.startswith("The responsibility was taken")
    assert by_id["c3.2"].body.endswith("7,500 km from the Caspian Sea to Siberia.")
    for c in t.comments:
        assert c.author is None
        assert not c.body.startswith((" ", "•", "1.", "2.", "3.")), c.body[:20]
        assert "\n " not in c.body  # indentation stripped
        assert not any(p in c.body for p in FOOTER_PHRASES)
    assert not any(p in t.body for p in FOOTER_PHRASES)
    assert "Further investigation" not in t.body
    assert t.body.rstrip().endswith("can be sold to the population as a “democratic revolution.")
    assert "On January 10, a summit of the heads of state" in t.body


def test_thread_id_is_stable_and_hash_based_without_a_scrape_stem(seed_path, tmp_path):
    a = tmp_path / "article.txt"
    b = tmp_path / "other-name.txt"
    shutil.copy(seed_path, a)
    shutil.copy(seed_path, b)
    ida, idb = run(a).thread.external_id, run(b).thread.external_id
    assert ida == idb and ida.startswith("page-")
    assert run(a).thread.external_id == ida  # re-import gives the same id


VARIANT = """\
A Title About Things

…from Some Blog – March 3, 2023

First paragraph of the article.
Still the first paragraph.

Second paragraph with a list:
1. not a comment
2. also not a comment

Share this:

{comments}
{end}
"""


def _variant(tmp_path, comments: str, end: str = "Comments are closed.", crlf=False, name="v.txt"):
    text = VARIANT.format(comments=comments, end=end)
    if crlf:
        text = text.replace("\n", "\r\n")
    return run(write(tmp_path / name, text), "scraped_page")


def _tree(result):
    return [(c.external_id, c.parent_external_id, c.body) for c in result.thread.comments]


def test_flat_layout_with_parenthesis_numbers_and_dash_bullets(tmp_path):
    result = _variant(tmp_path, "1) first comment\n\n- a reply\n\n- another reply\n2) second comment\nline two\n")
    assert _tree(result) == [
        ("c1", None, "first comment"), ("c1.1", "c1", "a reply"), ("c1.2", "c1", "another reply"),
        ("c2", None, "second comment\nline two")]
    assert "Share this" not in result.thread.body
    assert "1. not a comment" in result.thread.body


def test_hash_numbers_star_bullets_and_deeper_indentation_nest(tmp_path):
    comments = ("#1 top one\n\n    * reply A\n\n        * reply to A\n          continued\n\n"
                "    * reply B\n#2 top two\n")
    assert _tree(_variant(tmp_path, comments)) == [
        ("c1", None, "top one"), ("c1.1", "c1", "reply A"), ("c1.1.1", "c1.1", "reply to A\ncontinued"),
        ("c1.2", "c1", "reply B"), ("c2", None, "top two")]


def test_more_bullets_mean_deeper_replies(tmp_path):
    comments = "1. top\n• one\n•• one-one\n• • • one-one-one\n• two\n2. next\n◦ r\n"
    assert [(i, p) for i, p, _ in _tree(_variant(tmp_path, comments))] == [
        ("c1", None), ("c1.1", "c1"), ("c1.1.1", "c1.1"), ("c1.1.1.1", "c1.1.1"), ("c1.2", "c1"),
        ("c2", None), ("c2.1", "c2")]


def test_tabs_crlf_and_en_dash_bullets(tmp_path):
    comments = "\t1. tabbed top\n\n\t\tsecond paragraph\n\n\t– en dash reply\n\t  more\n\t2. second\n"
    result = _variant(tmp_path, comments, crlf=True)
    assert _tree(result) == [
        ("c1", None, "tabbed top\n\nsecond paragraph"), ("c1.1", "c1", "en dash reply\nmore"), ("c2", None, "second")]
    assert "\r" not in result.thread.body


def test_numbered_list_inside_a_comment_is_body_text(tmp_path):
    comments = "  1. my points:\n\n      1. first point\n      2. second point\n\n  2. other\n"
    assert _tree(_variant(tmp_path, comments)) == [
        ("c1", None, "my points:\n\n1. first point\n2. second point"), ("c2", None, "other")]


def test_dash_list_inside_a_comment_body_is_not_a_reply(tmp_path):
    comments = "1. shopping:\nmilk\n- eggs\n- bread\n"
    assert _tree(_variant(tmp_path, comments)) == [("c1", None, "shopping:\nmilk\n- eggs\n- bread")]


def test_open_comments_and_no_comments(tmp_path):
    open_ = _variant(tmp_path, "1. hello\n", end="Leave a Reply", name="open.txt")
    assert open_.thread.closed is False and len(open_.thread.comments) == 1
    none = _variant(tmp_path, "", end="Comments are closed.", name="none.txt")
    assert none.thread.closed is True and none.thread.comments == []
    assert "2. also not a comment" in none.thread.body  # the article's list stays in the body
    nothing = _variant(tmp_path, "", end="", name="nothing.txt")
    assert nothing.thread.comments == [] and nothing.thread.closed is False


def test_empty_comment_is_rejected_and_its_reply_kept_at_the_root(tmp_path):
    result = _variant(tmp_path, "1. fine\n2.\n• orphan reply\n3. last\n")
    assert [(c.external_id, c.parent_external_id) for c in result.thread.comments] == [
        ("c1", None), ("c2.1", None), ("c3", None)]
    assert [r.reason for r in result.rejections] == ["comment c2 has an empty body"]
    assert result.rejections[0].source == "v.txt:15"
    assert any("'c2'" in w.message and "root" in w.message for w in result.warnings)


def test_source_line_variants(tmp_path):
    for line, author, date in [("...from Some Site", "Some Site", None),
                               ("from The Daily – September 3, 2021", "The Daily", "2021-09-03"),
                               ("…from X Y Z — Feb. 7, 2020", "X Y Z", "2020-02-07")]:
        p = write(tmp_path / "s.txt", f"Title\n\n{line}\n\nBody text.\n\n1. a comment\n")
        t = run(p).thread
        assert t.author == author and t.body == "Body text."
        assert (t.published_at.date().isoformat() if t.published_at else None) == date
        assert [c.body for c in t.comments] == ["a comment"]


def test_boilerplate_after_open_comments_is_not_part_of_the_last_comment(tmp_path):
    result = _variant(tmp_path, "1. one\n2. two\n\nRelated posts:\nSome other article\n", end="")
    assert _tree(result) == [("c1", None, "one"), ("c2", None, "two")]


def _restyle(text: str, number: str, bullet: str, tabs: bool, crlf: bool) -> str:
    import re

    head, sep, comments = text.partition("\n  1. ")
    comments = sep.lstrip("\n") + comments
    comments = re.sub(r"(?m)^  (\d)\. ", lambda m: "  " + number.format(m.group(1)) + " ", comments)
    comments = comments.replace("    • ", f"    {bullet} ")
    if tabs:
        comments = re.sub(r"(?m)^((?:  )+)", lambda m: "\t" * (len(m.group(1)) // 2), comments)
    out = head + "\n" + comments
    return out.replace("\n", "\r\n") if crlf else out


@pytest.mark.parametrize("number,bullet,tabs,crlf", [
    ("{}.", "•", False, True), ("{})", "-", False, False), ("#{}", "*", True, False),
    ("#{}.", "◦", True, True), ("{})", "–", False, True),
])
def test_seed_restyled_gives_the_same_tree(seed_path, tmp_path, number, bullet, tabs, crlf):
    original = run(seed_path).thread
    text = _restyle(seed_path.read_text(encoding="utf-8"), number, bullet, tabs, crlf)
    assert text != seed_path.read_text(encoding="utf-8")
    restyled = run(write(tmp_path / "000_14b138b21b3c6e77.txt", text)).thread
    assert [(c.external_id, c.parent_external_id, c.body) for c in restyled.comments] == [
        (c.external_id, c.parent_external_id, c.body) for c in original.comments]
    assert restyled.body == original.body and restyled.closed
