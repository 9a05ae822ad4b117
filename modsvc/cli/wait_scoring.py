"""``modsvc import --wait``: a second progress bar until every imported comment is scored.

Embedded mode scores in this process (the same claim loop as ``modsvc serve``; if a serve
process runs too, the two share the work through leases). Scaled mode only watches the
database while the Celery workers score.
"""
from __future__ import annotations

import sys
import time

import click
from tqdm import tqdm

POLL_SECONDS = 1.0


def wait_for_scoring(settings, sessions, comment_ids: list[int], quiet: bool = False) -> dict[str, int]:
    from ..scoring import backlog

    remaining = sorted(set(comment_ids))
    total = len(remaining)
    bar = tqdm(total=total, unit=" comments", desc="scoring", disable=quiet or None, file=sys.stderr,
               dynamic_ncols=True)
    worker = None
    if settings.embedded:
        from ..scoring.embedded_worker import EmbeddedWorker

        worker = EmbeddedWorker(sessions, batch_size=settings.score_batch_size)
    started = time.monotonic()
    try:
        while remaining:
            took = worker.run_once() if worker is not None else 0
            if not took:
                time.sleep(POLL_SECONDS)
            remaining = backlog.pending_among(sessions, remaining)
            bar.n = total - len(remaining)
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.set_postfix(rate=f"{bar.n / elapsed:,.0f}/s", refresh=False)
            bar.refresh()
    finally:
        bar.close()
    counts = backlog.state_counts(sessions, sorted(set(comment_ids)))
    states = counts["score_state"]
    click.echo(f"scoring: {states.get('scored', 0)} scored, {states.get('failed', 0)} failed "
               f"in {time.monotonic() - started:.1f}s; status: "
               + ", ".join(f"{n} {status}" for status, n in sorted(counts["status"].items())))
    return states
