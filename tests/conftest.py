"""Shared fixtures: real SQLite files and a real PostgreSQL database per test session.

PostgreSQL tests create their own database on the local server (never the
shared ``test`` database's tables) and drop it afterwards, so parallel runs
never see each other's rows. Set MODSVC_TEST_PG_ADMIN_URL to use another server.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_14b138b21b3c6e77.txt"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # pg_databases, by name
from pg_databases import (PG_ADMIN_URL, REDIS_URL, _pg_available, create_pg_database,  # noqa: E402,F401
                          drop_pg_database, require_pg as _require_pg)


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
        from modsvc.access.apikeys import create_api_key
    except ImportError:  # before API keys existed the API was open
        return {}
    with app.extensions["modsvc.sessions"]() as session:
        _record, key = create_api_key(session, name="tests")
        session.commit()
    return {"X-API-Key": key}
