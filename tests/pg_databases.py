"""Per-test PostgreSQL databases on the local server (imported by name from tests and benchmarks)."""
from __future__ import annotations

import os
import uuid

PG_ADMIN_URL = os.environ.get("MODSVC_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MODSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def require_pg() -> None:
    """Skip the test without a PostgreSQL server; under CI (.ci/run starts one) fail instead."""
    import pytest

    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}; .ci/run should have started it")
        pytest.skip("PostgreSQL not reachable")


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
