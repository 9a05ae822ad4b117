from __future__ import annotations

import json
import sys
import time

import click
from tqdm import tqdm

from ..config import load_settings
from ..ingest.importers import FORMATS
from .exits import EXIT_REJECTED, FatalError


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Force a format instead of detecting it.")
@click.option("--site", default="default", show_default=True, help="Site (tenant) key the threads belong to.")
@click.option("--rejections", "rejections_file", type=click.File("w"),
              help="Also write every rejection and warning as JSON Lines to this file.")
@click.option("--keep-pingbacks", is_flag=True, help="Import WordPress pingbacks and trackbacks as comments "
              "(by default they are skipped and counted).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--wait", is_flag=True, help="Then show scoring progress until every imported comment is scored "
              "(embedded mode scores in this process; scaled mode waits for the workers).")
def import_command(paths: tuple[str, ...], fmt: str | None, site: str, rejections_file, keep_pingbacks: bool,
                   quiet: bool, wait: bool) -> None:
    """Import comment threads from files, folders and .gz files.

    Formats are detected from content: scraped article pages, modsvc JSON / JSONL,
    Coral Talk CSV folders, Disqus XML and WordPress WXR. Re-importing the same
    data creates nothing new; a changed comment body is updated and re-scored.
    Exits 1 when some records were rejected (each is listed on stderr), 2 on a
    fatal error.
    """
    from .. import migrations
    from ..db import get_sessionmaker
    from ..ingest.importers import UnknownFormatError, input_size, iter_paths, iter_records
    from ..ingest.importers.records import Rejection
    from ..ingest.ingestor import ImportSummary, Ingestor
    from workers import dispatch

    settings = load_settings()
    try:
        migrations.upgrade(settings.database_url)
        sessions = get_sessionmaker(settings.database_url)
    except Exception as exc:
        raise FatalError(f"cannot open the database: {exc}") from exc

    dispatcher = dispatch.dispatcher_for(settings, sessions)
    summary = ImportSummary()
    ingestor = Ingestor(sessions, summary=summary, on_batch_committed=dispatcher.enqueue_scoring)
    files = list(iter_paths(list(paths)))
    total = sum(input_size(p) for p in files)
    started = time.monotonic()
    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=quiet or None,
               desc="import", file=sys.stderr, dynamic_ncols=True)
    offset = 0
    try:
        for path in files:
            def progress(done: int, _base=offset) -> None:
                bar.n = _base + done
                elapsed = max(time.monotonic() - started, 1e-6)
                bar.set_postfix(threads=summary.threads_new + summary.threads_updated + summary.threads_unchanged,
                                comments=summary.comments_total,
                                rate=f"{summary.comments_total / elapsed:,.0f}/s", refresh=False)
                bar.refresh()
            try:
                for item in iter_records(path, fmt, site=site, progress=progress, keep_pingbacks=keep_pingbacks):
                    ingestor.add(item)
            except UnknownFormatError as exc:
                summary.add_rejection(Rejection(str(path), str(exc)))
            offset += input_size(path)
            bar.n = offset
            bar.refresh()
        ingestor.flush()
    except Exception as exc:
        bar.close()
        raise FatalError(f"import stopped: {type(exc).__name__}: {exc}. Finished batches are kept; "
                         "run the same import again to complete it.") from exc
    bar.close()
    elapsed = time.monotonic() - started

    for w in summary.warning_list:
        click.echo(f"warning: {w.source}: {w.message}", err=True)
    for r in summary.rejections:
        click.echo(f"rejected: {r.source}: {r.reason}", err=True)
    if rejections_file:
        for w in summary.warning_list:
            rejections_file.write(json.dumps({"kind": "warning", "source": w.source, "message": w.message}) + "\n")
        for r in summary.rejections:
            rejections_file.write(json.dumps({"kind": "rejected", "source": r.source, "reason": r.reason,
                                              "record": r.record}) + "\n")
    c = summary.counts()
    click.echo(
        f"threads: {c['threads_new']} new, {c['threads_unchanged']} unchanged, {c['threads_updated']} updated\n"
        f"comments: {c['comments_new']} new, {c['comments_unchanged']} unchanged, {c['comments_updated']} updated, "
        f"{c['rejected']} rejected\n"
        + _skipped_line(summary)
        + f"warnings: {c['warnings']}\n"
        f"{summary.comments_total:,} comments in {elapsed:.1f}s ({summary.comments_total / max(elapsed, 1e-6):,.0f}/s)"
    )
    if wait and summary.to_score:
        from .wait_scoring import wait_for_scoring

        wait_for_scoring(settings, sessions, summary.to_score, quiet)
    if summary.comments_rejected:
        sys.exit(EXIT_REJECTED)



def _skipped_line(summary) -> str:
    """"skipped: 2 (1 pingback, 1 trackback; …)", or nothing when nothing was skipped."""
    if not summary.comments_skipped:
        return ""
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.skipped_kinds.items()))
    return f"skipped: {summary.comments_skipped} ({kinds}; --keep-pingbacks imports them)\n"
