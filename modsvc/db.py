"""Engine and session set-up, shared by the web app, the CLI and the workers."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

from sqlalchemy import ColumnElement, create_engine, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import normalize_database_url


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_unicode_case)
        return engine
    # pool_pre_ping: a restarted PostgreSQL must not surface as errors in long-lived workers.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the in-process worker write while the web app reads; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_unicode_case(dbapi_connection, _record) -> None:
    """SQLite's own lower()/upper() fold only ASCII: "Émile" and "émile" would be two user names, and a search
    for "ÉMILE" would miss "émile" (SQLAlchemy's ILIKE on SQLite is lower(x) LIKE lower(y)). Python's str.lower
    and str.upper fold every script, as PostgreSQL does. Deterministic, so the expression index on lower(username)
    may use them; a connection without them (the sqlite3 shell) must not change user names."""
    dbapi_connection.create_function("lower", 1, _fold(str.lower), deterministic=True)
    dbapi_connection.create_function("upper", 1, _fold(str.upper), deterministic=True)


def _fold(method):
    def fold(value):
        return method(value) if isinstance(value, str) else value  # NULL stays NULL; numbers and blobs as SQLite

    return fold


@lru_cache(maxsize=8)
def get_sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(engine_or_session) -> bool:
    bind = getattr(engine_or_session, "bind", None) or engine_or_session
    return bind.dialect.name == "postgresql"


def lock_row(session: Session, model, which: ColumnElement[bool], touch):
    """Lock the row of ``model`` that ``which`` selects until the session's transaction ends, and return it (None:
    no such row). Call it first in the transaction, before anything is read; ``touch`` is a column of ``model``.

    PostgreSQL: a lock on that row only. FOR NO KEY UPDATE, not FOR UPDATE: inserts that reference the row take
    KEY SHARE on it, which FOR UPDATE would block. SQLite has no row locks and lets one writer at a time into the
    whole file, but a transaction becomes a writer only at its first write, after its reads. So the first statement
    there is a write (``touch`` set to itself): it waits for the write lock, and whatever is read after it is what
    the previous writer committed."""
    if not is_postgres(session):
        session.execute(update(model).where(which).values({touch: touch})
                        .execution_options(synchronize_session=False))
    return session.scalar(select(model).where(which).with_for_update(key_share=True))  # SQLite: a plain SELECT


def insert_ignoring_conflicts(session: Session, model):
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``model``: the race-free first half of a get-or-create."""
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing()


def is_write_race(exc: BaseException) -> bool:
    """A write that lost to a concurrent transaction and succeeds when retried: a duplicate key another
    transaction inserted first, a deadlock, or SQLite's write lock held past the busy timeout."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return sqlstate in ("23505", "40P01", "40001")  # unique_violation, deadlock_detected, serialization_failure
    name = getattr(orig, "sqlite_errorname", "")  # sqlite3
    return name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY") or name.startswith("SQLITE_BUSY")
