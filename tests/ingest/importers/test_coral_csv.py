"""Coral Talk CSV folders: stories + comments (any order) + users."""
from __future__ import annotations

import csv
import io

from importer_helpers import run, write

from modsvc.ingest.importers import coral_csv, detect_format


def _csv(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def make_coral(folder, comments=None, gz=False):
    folder.mkdir(exist_ok=True)
    z = ".gz" if gz else ""
    write(folder / f"stories.csv{z}", _csv([
        ["id", "url", "title", "author", "published_at", "closed_at", "mode"],
        ["s1", "https://x.test/1", "Story one", "Ed", "2024-01-02T03:04:05Z", "2020-01-01T00:00:00Z", "COMMENTS"],
        ["s2", "https://x.test/2", "Story two", "", "2024-01-03 00:00:00", "", "QA"],
        ["s3", "https://x.test/3", "No comments", "", "", "", ""],
    ]), gz=gz)
    write(folder / f"users.csv{z}", _csv([
        ["id", "email", "username", "role", "banned", "created_at"],
        ["u1", "a@x.test", "alice", "COMMENTER", "false", "2020-01-01"],
        ["u2", "b@x.test", "bob", "MODERATOR", "false", "2020-01-01"],
    ]), gz=gz)
    rows = comments if comments is not None else [
        ["k3", "u2", "s1", "2024-01-02T05:00:00Z", "reply to reply", "k2", "APPROVED", ""],
        ["k1", "u1", "s1", "2024-01-02T04:00:00Z", "first,\n\"quoted\" and multi-line", "", "APPROVED", "5"],
        ["k9", "u1", "s2", "2024-01-03T01:00:00Z", "on story two", "", "REJECTED", ""],
        ["k2", "u9", "s1", "2024-01-02T04:30:00Z", "reply", "k1", "NONE", ""],
    ]
    write(folder / f"comments.csv{z}", _csv(
        [["id", "author_id", "story_id", "created_at", "body", "parent_id", "status", "rating"]] + rows), gz=gz)
    return folder


def _check(result):
    assert result.rejections == [], result.text()
    assert [t.external_id for t in result.threads] == ["s1", "s2", "s3"]
    s1, s2, s3 = result.threads
    assert s1.title == "Story one" and s1.closed is True and s1.extra["mode"] == "COMMENTS"
    assert s2.closed is False and s1.published_at.isoformat() == "2024-01-02T03:04:05+00:00"
    assert [(c.external_id, c.parent_external_id, c.author, c.status) for c in s1.comments] == [
        ("k1", None, "alice", "approved"), ("k2", "k1", "u9", "none"), ("k3", "k2", "bob", "approved")]
    assert s1.comments[0].body == 'first,\n"quoted" and multi-line'
    assert s1.comments[0].extra == {"rating": 5}
    assert [(c.external_id, c.status) for c in s2.comments] == [("k9", "rejected")]
    assert s3.comments == []


def test_folder_round_trip(tmp_path):
    folder = make_coral(tmp_path / "coral")
    assert detect_format(folder) == "coral_csv"
    _check(run(folder))
    _check(run(folder / "comments.csv"))  # one file of the set stands for the folder


def test_gzipped_set(tmp_path):
    _check(run(make_coral(tmp_path / "coralgz", gz=True)))


def test_grouping_spills_to_disk_past_the_limit(tmp_path, monkeypatch):
    rows = []
    for i in range(300):
        story = f"s{1 + i % 3}"
        parent = f"k{i - 3}" if i >= 3 else ""
        rows.append([f"k{i}", "u1", story, "", f"body {i}", parent, "APPROVED", ""])
    folder = make_coral(tmp_path / "big", comments=rows)
    monkeypatch.setattr(coral_csv, "GROUP_LIMIT", 10)
    spilled = []
    real = coral_csv.CommentGrouper

    class Spy(real):
        def close(self):
            spilled.append(self.spilled)
            super().close()

    monkeypatch.setattr(coral_csv, "CommentGrouper", Spy)
    result = run(folder)
    assert spilled == [True]
    assert result.rejections == []
    counts = [len(t.comments) for t in result.threads]
    assert counts == [100, 100, 100]
    s1 = result.threads[0]
    assert [c.external_id for c in s1.comments[:3]] == ["k0", "k3", "k6"]
    assert all(c.parent_external_id == (f"k{int(c.external_id[1:]) - 3}" if c.external_id != "k0" else None)
               for c in s1.comments)


def test_missing_story_id_unknown_story_and_empty_body_are_rejected(tmp_path):
    rows = [
        ["k1", "u1", "s1", "", "good", "", "APPROVED", ""],
        ["k2", "u1", "", "", "no story", "", "APPROVED", ""],
        ["k3", "u1", "s404", "", "ghost story", "", "APPROVED", ""],
        ["k4", "u1", "s1", "", "   ", "", "APPROVED", ""],
        ["k5", "u1", "s1", "not a date", "bad date kept", "", "APPROVED", ""],
    ]
    result = run(make_coral(tmp_path / "bad", comments=rows))
    reasons = {r.source: r.reason for r in result.rejections}
    assert reasons == {
        "comments.csv:3": "comment 'k2' has no story_id",
        "comments.csv:4": "comment 'k3' refers to story 's404', which is not in stories.csv",
        "comments.csv:5": "comment 'k4' has an empty body",
    }
    assert [c.external_id for c in result.threads[0].comments] == ["k1", "k5"]
    assert result.threads[0].comments[1].posted_at is None
    assert any("unparseable date 'not a date'" in w.message and w.source == "comments.csv:6" for w in result.warnings)


def test_folder_without_users_falls_back_to_author_ids(tmp_path):
    folder = make_coral(tmp_path / "nousers")
    (folder / "users.csv").unlink()
    result = run(folder)
    assert result.threads[0].comments[0].author == "u1"
    assert any("no users.csv" in w.message for w in result.warnings)


def test_crlf_csv_with_multiline_bodies(tmp_path):
    folder = make_coral(tmp_path / "crlf")
    for f in folder.iterdir():
        f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    result = run(folder)
    assert result.rejections == []
    assert result.threads[0].comments[0].body == 'first,\n"quoted" and multi-line'


def test_empty_comments_file_still_imports_the_stories(tmp_path):
    folder = make_coral(tmp_path / "nocomments")
    (folder / "comments.csv").write_text("")
    result = run(folder / "comments.csv")
    assert [t.external_id for t in result.threads] == ["s1", "s2", "s3"]
    assert [(r.source, r.reason) for r in result.rejections] == [("comments.csv", "the file is empty (no header row)")]


def test_rows_with_more_or_fewer_fields_than_the_header_are_rejected(tmp_path):
    rows = [
        ["k1", "u1", "s1", "", "fine", "", "APPROVED", ""],
        ["c-4", "u1", "s1", "", "too", "many", "columns", "here", "x", "y", "z"],
        ["k5", "u1", "s1", "", "short"],
        ["k6", "u1", "s1", "", "also fine", "k1", "APPROVED", ""],
    ]
    folder = make_coral(tmp_path / "fields", comments=rows)
    with open(folder / "stories.csv", "a") as f:
        f.write("s4,https://x.test/4,Story four,,,,,extra\n")
    with open(folder / "users.csv", "a") as f:
        f.write("u3,c@x.test\n")
    result = run(folder)
    assert [(r.source, r.reason) for r in result.rejections] == [
        ("users.csv:4", "2 fields where the header has 6; the row was not imported"),
        ("stories.csv:5", "8 fields where the header has 7; the row was not imported"),
        ("comments.csv:3", "11 fields where the header has 8; the row was not imported"),
        ("comments.csv:4", "5 fields where the header has 8; the row was not imported"),
    ]
    assert result.rejections[2].record.startswith("c-4,u1,s1,,too,many")
    assert [t.external_id for t in result.threads] == ["s1", "s2", "s3"]
    assert [(c.external_id, c.body, c.status) for c in result.threads[0].comments] == [
        ("k1", "fine", "approved"), ("k6", "also fine", "approved")]


def test_blank_lines_between_rows_are_not_field_count_errors(tmp_path):
    folder = make_coral(tmp_path / "blank")
    p = folder / "comments.csv"
    p.write_text(p.read_text().replace("\nk9,", "\n\n   \nk9,"))
    result = run(folder)
    assert result.rejections == [], result.text()
    assert [c.body for c in result.threads[1].comments] == ["on story two"]
