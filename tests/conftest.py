"""Shared fixtures: real SQLite files and a real PostgreSQL database per test session.

PostgreSQL tests create their own database on the local server (never the
shared ``test`` database's tables) and drop it afterwards, so parallel runs
never see each other's rows. Set MODSVC_TEST_PG_ADMIN_URL to use another server.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_14b138b21b3c6e77.txt"
PG_ADMIN_URL = os.environ.get("MODSVC_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MODSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def create_pg_database() -> str:
    """A fresh PostgreSQL database; returns its URL. Fails loudly in CI if the server is down."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"modsvc_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from modsvc.db import get_engine

    get_engine.cache_clear()  # close pooled connections first, or DROP waits for them
    name = make_url(url).database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _require_pg() -> None:
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}; .ci/run should have started it")
        pytest.skip("PostgreSQL not reachable")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    from modsvc import migrations

    url = f"sqlite:///{tmp_path / 'modsvc.db'}"
    migrations.upgrade(url)
    return url


@pytest.fixture
def pg_url():
    from modsvc import migrations

    _require_pg()
    url = create_pg_database()
    migrations.upgrade(url)
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """Runs the test once on SQLite and once on the real local PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def settings(db_url, tmp_path, monkeypatch):
    """Settings pointing at the test database, embedded mode, files under tmp_path."""
    from modsvc.config import Settings

    monkeypatch.setenv("MODSVC_DATABASE_URL", db_url)
    return Settings(
        database_url=db_url,
        broker_url="",
        redis_url="",
        secret_key="test-secret-key",
        upload_dir=str(tmp_path / "uploads"),
        model_dir=str(tmp_path / "models"),
    )


@pytest.fixture
def app(settings):
    from modsvc.app import create_app

    app = create_app(settings, TESTING=True)
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_headers(app):
    """Headers that authenticate an API client: a real API key created for the test's database."""
    try:
        from modsvc.apikeys import create_api_key
    except ImportError:  # before API keys existed the API was open
        return {}
    with app.extensions["modsvc.sessions"]() as session:
        _record, key = create_api_key(session, name="tests")
        session.commit()
    return {"X-API-Key": key}
