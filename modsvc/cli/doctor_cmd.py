from __future__ import annotations

import sys

import click

from ..config import load_settings


def _check(name: str, fn) -> tuple[bool, str]:
    try:
        return True, fn()
    except Exception as exc:  # doctor reports, never crashes
        return False, f"{type(exc).__name__}: {exc}"


@click.command()
@click.option("--skip-model", is_flag=True, help="Do not load the scoring model (faster).")
def doctor(skip_model: bool) -> None:
    """Print what is configured and whether each service is reachable. Exits 2 if the database is not."""
    settings = load_settings()
    click.echo("settings:")
    for key, value in settings.describe().items():
        click.echo(f"  {key}: {value}")
    click.echo(f"  mode: {'embedded (in-process worker)' if settings.embedded else 'scaled (Celery broker)'}")

    def database() -> str:
        from sqlalchemy import text

        from .. import migrations
        from ..db import get_engine

        with get_engine(settings.database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = migrations.current_revision(settings.database_url), migrations.head_revision()
        state = "up to date" if current == head else f"needs 'modsvc db upgrade' (head is {head})"
        return f"reachable, schema revision {current} ({state})"

    def broker() -> str:
        if settings.embedded:
            return "none configured: embedded mode"
        from kombu import Connection

        with Connection(settings.broker_url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return "reachable"

    def redis() -> str:
        if not settings.redis_url:
            return "none configured: rate limits kept in memory per process"
        import redis as redis_lib

        redis_lib.Redis.from_url(settings.redis_url, socket_connect_timeout=3).ping()
        return "reachable"

    def model() -> str:
        from ..analysis import get_analyzer

        info = get_analyzer().describe()
        return ", ".join(f"{k}={v}" for k, v in info.items())

    checks = [("database", database), ("broker", broker), ("redis", redis)]
    if not skip_model:
        checks.append(("model", model))
    failed_fatal = False
    click.echo("checks:")
    for name, fn in checks:
        ok, message = _check(name, fn)
        click.echo(f"  {name}: {'ok' if ok else 'FAILED'}: {message}")
        failed_fatal |= not ok and name == "database"
    if failed_fatal:
        sys.exit(2)
