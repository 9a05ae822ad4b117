from __future__ import annotations

import click

from ..config import load_settings
from .exits import FatalError


@click.group()
def db() -> None:
    """Database schema management (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade_command(revision: str) -> None:
    """Migrate the database at MODSVC_DATABASE_URL to the newest schema."""
    from .. import migrations

    url = load_settings().database_url
    try:
        migrations.upgrade(url, revision)
    except Exception as exc:
        raise FatalError(f"database upgrade failed: {exc}") from exc
    click.echo(f"database at revision {migrations.current_revision(url)}")
