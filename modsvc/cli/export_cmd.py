from __future__ import annotations

import sys

import click

from ..config import load_settings
from ..params import MAX_DB_INT
from .exits import FatalError


@click.command("export")
@click.option("--thread", "thread_id", type=click.IntRange(1, MAX_DB_INT), help="Only this thread (modsvc id).")
@click.option("--site", help="Only threads of this site key.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default stdout).")
@click.option("--decisions", is_flag=True, help="Instead: every human approve/reject (not undone) as JSONL training data: "
              "text, labels flagged, decision, reason, reviewer, time.")
def export_command(thread_id: int | None, site: str | None, fmt: str, output, decisions: bool = False) -> None:
    """Export comments with their thread, parent, author, body, time, scores and decision.

    CSV cells that a spreadsheet would run as a formula (starting with = + - @)
    are prefixed with a single quote.
    """
    from ..db import get_sessionmaker
    from ..moderation.export import write_export

    settings = load_settings()
    if decisions:  # the moderation UI's labelled data (modsvc/moderation/decisions_export.py)
        from ..moderation.decisions_export import write_decisions

        with get_sessionmaker(settings.database_url)() as session:
            click.echo(f"exported {write_decisions(session, output, site=site)} decisions", err=True)
        return
    try:
        sessions = get_sessionmaker(settings.database_url)
        with sessions() as session:
            count = write_export(session, output, fmt, thread_id=thread_id, site=site)
    except Exception as exc:
        raise FatalError(f"export failed: {exc}") from exc
    click.echo(f"exported {count} comments", err=True)
    if output is not sys.stdout:
        output.close()
