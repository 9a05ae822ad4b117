"""Upgrading an existing SQLite database keeps its rows: no migration may rebuild a table whose dependants a
foreign-key cascade would empty (import_rejections under import_jobs, audit rows under comments), and a migration
that adds a constraint settles the rows that break it instead of failing."""
from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from modsvc.migrations import alembic_config
from pg_databases import create_pg_database, drop_pg_database, require_pg

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


BEFORE_ONE_ACTIVE_ADAPTER = "c6f1a9d2e8b4"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require_pg()
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def test_upgrading_keeps_one_of_two_active_adapters_and_refuses_a_second(empty_db_url):
    """Two simultaneous refits could leave a site with two active adapters: the upgrade keeps the one deployed
    last active and retires the other; from then on the database refuses a second active adapter."""
    command.upgrade(alembic_config(empty_db_url), BEFORE_ONE_ACTIVE_ADAPTER)
    adapter = ("INSERT INTO site_adapters (site_id, version, name, base_model_version, status, active, params, "
               "figures, decisions, created_at, deployed_at) VALUES (:site, :v, :name, '', 'deployed', :active, "
               "'{}', '{}', 0, '2026-12-01 00:00:00', :deployed)")
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sites (id, key, created_at) VALUES (1, 'sports', '2026-12-01 00:00:00'), "
                          "(2, 'news', '2026-12-01 00:00:00')"))
        for site, v, active, deployed in ((1, 1, False, "2026-12-01 09:00:00"), (1, 2, True, "2026-12-02 10:00:00"),
                                          (1, 3, True, "2026-12-02 09:00:00"), (2, 1, True, "2026-12-01 09:00:00")):
            conn.execute(text(adapter), {"site": site, "v": v, "name": f"a{v}", "active": active,
                                         "deployed": deployed})
    engine.dispose()

    command.upgrade(alembic_config(empty_db_url), "head")

    engine = create_engine(empty_db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT site_id, version, active, status FROM site_adapters "
                                 "ORDER BY site_id, version")).all()
        assert [tuple(r) for r in rows] == [(1, 1, False, "deployed"), (1, 2, True, "deployed"),
                                            (1, 3, False, "retired"), (2, 1, True, "deployed")]
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE site_adapters SET active = :yes WHERE site_id = 1 AND version = 1"),
                         {"yes": True})
    engine.dispose()
