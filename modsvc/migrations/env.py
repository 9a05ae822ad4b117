"""Alembic environment: the URL comes from modsvc settings, never from alembic.ini."""
from __future__ import annotations

from alembic import context

from modsvc.config import load_settings, normalize_database_url
from modsvc.db import get_engine
from modsvc.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalize_database_url(config.get_main_option("sqlalchemy.url") or load_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = get_engine(_url())
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables there.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
