"""Upgrading an existing SQLite database keeps its rows: no migration may rebuild a table whose dependants a
foreign-key cascade would empty (import_rejections under import_jobs, audit rows under comments)."""
from __future__ import annotations

import sqlite3

from alembic import command

from modsvc.migrations import alembic_config

BEFORE_IMPORT_JOB_LEASES = "e4a19c2b7d60"


def test_upgrading_keeps_import_jobs_and_their_rejections(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), BEFORE_IMPORT_JOB_LEASES)
    con = sqlite3.connect(tmp_path / "old.db")
    con.execute("INSERT INTO import_jobs (id, site_key, status, bytes_done, created_at) "
                "VALUES (1, 'default', 'done', 0, '2026-01-01 00:00:00')")
    con.execute("INSERT INTO import_rejections (import_id, kind, source, reason) "
                "VALUES (1, 'record', 'threads.jsonl:2', 'not JSON')")
    con.commit()
    con.close()

    command.upgrade(alembic_config(url), "head")

    con = sqlite3.connect(tmp_path / "old.db")
    assert con.execute("SELECT count(*) FROM import_jobs").fetchone() == (1,)
    assert con.execute("SELECT reason FROM import_rejections").fetchall() == [("not JSON",)]
