from __future__ import annotations

import os

import click

from .. import paths
from ..config import load_settings
from .exits import FatalError


@click.command("worker", context_settings={"show_default": True})
@click.option("--concurrency", "-c", type=int, default=None,
              help="Worker processes (each loads the model once). Default: the number of cores.")
@click.option("--beat", is_flag=True,
              help="Also run the periodic sweep (re-queues comments left pending after lost messages or crashes). "
                   "Run exactly one worker with --beat per installation, or `celery -A workers beat` once.")
@click.option("--pool", type=click.Choice(["prefork", "solo", "threads"]), default="prefork",
              help="Celery pool. prefork isolates a crashing model in a child process.")
@click.option("--loglevel", "-l", default="INFO", help="Log level.")
@click.option("--queues", "-Q", default=None, help="Queues to consume (default MODSVC_CELERY_QUEUE or 'modsvc').")
@click.option("--retry-failed", is_flag=True,
              help="At start, send failed comments with attempts left (MODSVC_MAX_SCORE_ATTEMPTS) back for scoring.")
@click.option("--rescore-outdated", is_flag=True,
              help="At start, re-score comments scored by an older model version.")
def worker(concurrency: int | None, beat: bool, pool: str, loglevel: str, queues: str | None,
           retry_failed: bool, rescore_outdated: bool) -> None:
    """Run a Celery scoring worker (scaled mode: needs MODSVC_BROKER_URL, redis:// or amqp://).

    Workers take batches of comment ids from the broker, score them with the analysis core
    and store the results; start as many as you like on any machines that reach the database
    and the broker. Same as `celery -A workers worker` with these defaults: late acknowledgement
    (a killed worker's batch is delivered again), prefetch 1, time limits, recycling after
    MODSVC_WORKER_MAX_TASKS_PER_CHILD tasks or MODSVC_WORKER_MAX_MEMORY_MB. On start it
    sweeps once, so comments left pending while no worker ran are picked up.

    In embedded mode (no broker) there is no separate worker: `modsvc serve` scores in-process.
    """
    settings = load_settings()
    if settings.embedded:
        raise FatalError("MODSVC_BROKER_URL is not set: in embedded mode `modsvc serve` runs the worker itself; "
                         "set MODSVC_BROKER_URL=redis://... (or amqp://...) for separate workers")
    if concurrency is not None and not os.environ.get("MODSVC_THREADS"):
        os.environ["MODSVC_THREADS"] = str(max(1, (os.cpu_count() or 1) // max(concurrency, 1)))
    from workers import celery_app

    # gossip and mingle only serve remote control and events, which modsvc does not use
    argv = ["worker", f"--loglevel={loglevel}", f"--pool={pool}", "--without-gossip", "--without-mingle"]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    if queues:
        argv.append(f"--queues={queues}")
    if beat:
        schedule = paths.beat_schedule_file()
        schedule.parent.mkdir(parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={schedule}"]
    if retry_failed:
        celery_app.send_task("workers.tasks.retry_failed")
    if rescore_outdated:
        celery_app.send_task("workers.tasks.rescore_outdated")
    celery_app.worker_main(argv)
