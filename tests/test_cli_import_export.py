"""`modsvc import` and `modsvc export` as a user runs them: real processes, real databases, exit codes."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from modsvc.db import get_sessionmaker
from modsvc.models import Comment, Thread

REPO = Path(__file__).resolve().parents[1]

MODSVC = [sys.executable, "-m", "modsvc.cli"]


def run(args, url, stdin=None, cwd=None):
    env = {**os.environ, "MODSVC_DATABASE_URL": url, "MODSVC_BROKER_URL": ""}
    return subprocess.run(MODSVC + args, input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


SEED_PAGE = str(REPO / "seeds" / "000_14b138b21b3c6e77.txt")


def test_seed_page_imports_into_the_right_tree_and_reimport_changes_nothing(db_url):
    first = run(["import", "--quiet", SEED_PAGE], db_url)
    assert first.returncode == 0, first.stderr
    assert "threads: 1 new" in first.stdout
    assert "comments: 6 new, 0 unchanged, 0 updated, 0 rejected" in first.stdout

    with get_sessionmaker(db_url)() as s:
        thread = s.scalar(select(Thread))
        assert thread.closed is True
        assert thread.title.startswith("Detailed Statements of the Heads of State of the CSTO")
        comments = s.scalars(select(Comment).order_by(Comment.id)).all()
    by_start = {c.body[:25]: c for c in comments}
    top = [c for c in comments if c.parent_id is None]
    assert len(top) == 3
    second, third = top[1], top[2]
    assert second.body.startswith("No disrespect, Andrew")
    assert third.body.startswith("As far as I know, 70%")
    oh_ok = next(c for k, c in by_start.items() if k.startswith("Oh, ok. If I"))
    good = next(c for k, c in by_start.items() if k.startswith("Good to hear from you"))
    resp = next(c for k, c in by_start.items() if k.startswith("The responsibility was"))
    assert oh_ok.parent_id == second.id
    assert good.parent_id == third.id and resp.parent_id == third.id
    assert "Khazar" in good.body and "\n" in good.body  # multi-paragraph body kept whole
    assert all(c.depth == (0 if c.parent_id is None else 1) for c in comments)

    again = run(["import", "--quiet", SEED_PAGE], db_url)
    assert again.returncode == 0, again.stderr
    assert "threads: 0 new, 1 unchanged" in again.stdout
    assert "comments: 0 new, 6 unchanged, 0 updated, 0 rejected" in again.stdout


def test_seeds_folder_holds_the_english_german_and_russian_demo_threads(sqlite_url):
    result = run(["import", "--quiet", str(REPO / "seeds")], sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "threads: 3 new" in result.stdout
    with get_sessionmaker(sqlite_url)() as s:
        titles = {t.title for t in s.scalars(select(Thread))}
        bodies = [c.body for c in s.scalars(select(Comment))]
    assert len(titles) == 3
    assert any("Khasaren" in b or "Chasaren" in b for b in bodies)  # the German demo's Khazar-myth reply
    assert any("хазар" in b.lower() for b in bodies)  # the Russian demo's


def test_bad_lines_are_listed_and_exit_code_is_1(sqlite_url, tmp_path):
    path = tmp_path / "threads.jsonl"
    good = {"external_id": "t1", "title": "T", "comments": [{"id": "1", "body": "fine"}]}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "external_id": "t2"}) + "\n")
    result = run(["import", "--quiet", str(path)], sqlite_url)
    assert result.returncode == 1
    assert "threads: 2 new" in result.stdout
    assert "threads.jsonl:2" in result.stderr  # file and line of the bad record


def test_unknown_format_names_the_formats_tried(sqlite_url, tmp_path):
    path = tmp_path / "mystery.bin"
    path.write_bytes(b"\x00\x01\x02 this is no comment export at all \xff" * 10)
    result = run(["import", "--quiet", str(path)], sqlite_url)
    assert result.returncode in (1, 2)
    for name in ("json", "disqus", "wxr", "coral"):
        assert name in result.stderr.lower()


def test_missing_path_is_a_usage_error(sqlite_url, tmp_path):
    result = run(["import", str(tmp_path / "nope.json")], sqlite_url)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_export_csv_neutralises_formulas_and_jsonl_has_the_fields(sqlite_url, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"external_id": "t1", "title": "T", "comments": [
        {"id": "1", "author": "=HYPERLINK(\"http://evil\")", "body": "=1+1"},
        {"id": "2", "parent_id": "1", "author": "bob", "body": "+SUM(A1:A2) and more"},
    ]}))
    assert run(["import", "--quiet", str(path)], sqlite_url).returncode == 0

    out = run(["export", "--format", "csv"], sqlite_url)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["body"] for r in rows] == ["'=1+1", "'+SUM(A1:A2) and more"]
    assert rows[0]["author"].startswith("'=")

    out = run(["export", "--format", "jsonl"], sqlite_url)
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert items[1]["parent_id"] == items[0]["id"]
    for field in ("id", "thread_id", "parent_id", "external_id", "author", "body", "posted_at"):
        assert field in items[0]
    assert items[0]["body"] == "=1+1"  # only CSV is escaped


@pytest.mark.parametrize("command", [
    [], ["import"], ["export"], ["score"], ["serve"], ["db", "upgrade"], ["doctor"],
])
def test_every_command_has_help(command, sqlite_url):
    result = run(command + ["--help"], sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_doctor_reports_database_and_mode(sqlite_url):
    result = run(["doctor", "--skip-model"], sqlite_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database: ok" in result.stdout
    assert "embedded" in result.stdout


def test_doctor_fails_with_exit_2_when_database_unreachable(tmp_path):
    result = run(["doctor", "--skip-model"], "postgresql://postgres@127.0.0.1:1/nope")
    assert result.returncode == 2
    assert "database: FAILED" in result.stdout


def test_export_of_a_thread_id_beyond_the_database_range_is_a_usage_error(sqlite_url):
    result = run(["export", "--thread", "99999999999999999999999"], sqlite_url)
    assert result.returncode == 2
    assert "--thread" in result.stderr and "range" in result.stderr and "Traceback" not in result.stderr


def _wxr_with_pingbacks(tmp_path) -> Path:
    sys.path.insert(0, str(REPO / "tests" / "ingest" / "importers"))
    from test_xml_formats import PINGBACKS, WXR

    path = tmp_path / "blog.xml"
    path.write_text(WXR.replace("<wp:postmeta>", PINGBACKS + "<wp:postmeta>", 1))
    return path


def _comment_ids(url) -> list[str]:
    with get_sessionmaker(url)() as s:
        return sorted(s.scalars(select(Comment.external_id)).all())


def test_wordpress_pingbacks_are_skipped_unless_kept(db_url, tmp_path):
    path = _wxr_with_pingbacks(tmp_path)
    result = run(["import", "--quiet", str(path)], db_url)
    assert result.returncode == 0, result.stderr
    assert "comments: 4 new, 0 unchanged, 0 updated, 0 rejected" in result.stdout
    assert "skipped: 2 (1 pingback, 1 trackback; --keep-pingbacks imports them)" in result.stdout
    assert _comment_ids(db_url) == ["1", "2", "3", "9"]

    kept = run(["import", "--quiet", "--keep-pingbacks", str(path)], db_url)
    assert kept.returncode == 0, kept.stderr
    assert "comments: 2 new, 4 unchanged" in kept.stdout and "skipped" not in kept.stdout
    assert _comment_ids(db_url) == ["1", "2", "3", "7", "8", "9"]


def test_coral_row_with_extra_fields_is_rejected_and_exit_code_is_1(sqlite_url, tmp_path):
    folder = tmp_path / "coral"
    folder.mkdir()
    (folder / "stories.csv").write_text("id,url,title\ns1,https://x.test/1,One\n")
    (folder / "comments.csv").write_text(
        "id,author_id,story_id,created_at,body,parent_id,status,rating\n"
        "c-1,u1,s1,2024-01-01,first,,APPROVED,\n"
        "c-4,u1,s1,2024-01-01,too,many,columns,here,x,y,z\n")
    result = run(["import", "--quiet", str(folder)], sqlite_url)
    assert result.returncode == 1
    assert "rejected: comments.csv:3: 11 fields where the header has 8" in result.stderr
    with get_sessionmaker(sqlite_url)() as s:
        assert [(c.external_id, c.body) for c in s.scalars(select(Comment))] == [("c-1", "first")]
