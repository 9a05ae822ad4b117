"""Celery tasks. Each takes ids, re-reads the database and is idempotent, so a re-delivered or
duplicated message is harmless: ``score_batch`` skips comments already scored by this model
version for the same text, ``sweep`` only re-queues rows still pending after a while.

Webhook hook: after each committed batch, ``modsvc.integrations.webhooks.on_comments_scored(sessions,
changes)`` is called (``changes`` = one dict per stored comment with ``comment_id``, ``old_status``,
``new_status``, ``decision``).
"""
from __future__ import annotations

import logging
import os
import threading

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc
from celery import shared_task, signals
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import update

from modsvc.ingest import job_leases
from modsvc.ingest.jobs import remove_finished_uploads, run_import_job
from modsvc.ingest.uploads import remove_orphan_uploads
from modsvc.integrations import webhooks
from modsvc.models import Comment
from modsvc.scoring import backlog
from modsvc.scoring.scorer import get_default_analyzer, mark_failed, score_comments

from .celery_app import worker_context
from .dispatch import CeleryDispatcher

log = logging.getLogger(__name__)

# Transient: the database or the broker is away for a moment. Retried with exponential backoff.
RETRY_ON = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
)
RETRY_OPTIONS = dict(autoretry_for=RETRY_ON, retry_backoff=2, retry_backoff_max=60, retry_jitter=True,
                     max_retries=15)
IMPORT_TIME_LIMIT = 6 * 3600
SWEEP_CHUNK = 5000


def _sessions():
    return worker_context().sessions


def _dispatcher(task) -> CeleryDispatcher:
    return CeleryDispatcher(task.app, worker_context().settings.score_batch_size)


def _on_scored(changes: list[dict]) -> None:
    webhooks.on_comments_scored(_sessions(), changes)


@shared_task(bind=True, name="workers.tasks.score_batch", **RETRY_OPTIONS)
def score_batch(self, comment_ids: list[int]) -> dict:
    """Score these comments (a batch of MODSVC_SCORE_BATCH_SIZE) and store the results."""
    if (self.request.delivery_info or {}).get("redelivered"):
        # This message was running when a worker process died. If a comment kills the process every time
        # (a crash in native code, memory), re-running the batch would loop forever: run each comment as its
        # own task, and count each re-delivery of a single one as an attempt until it is marked failed.
        if len(comment_ids) > 1:
            for comment_id in comment_ids:
                self.app.send_task(self.name, args=[[comment_id]])
            return {"split": len(comment_ids)}
        if counts := _count_crash(comment_ids):
            return counts
    try:
        return score_comments(_sessions(), comment_ids, get_default_analyzer(),
                              passthrough_errors=(SoftTimeLimitExceeded,), on_scored=_on_scored)
    except SoftTimeLimitExceeded:
        if len(comment_ids) > 1:  # find the slow one: split the batch until it is alone
            half = len(comment_ids) // 2
            log.warning("batch of %d hit the soft time limit; splitting", len(comment_ids))
            for part in (comment_ids[:half], comment_ids[half:]):
                self.app.send_task(self.name, args=[part])
            return {"split": len(comment_ids)}
        mark_failed(_sessions(), comment_ids, "analysis timed out (soft time limit)")
        return {"failed": 1}


def _count_crash(comment_ids: list[int]) -> dict | None:
    """One attempt more for a comment whose task was re-delivered; failed once the attempts are used up."""
    sessions = _sessions()
    with sessions() as session, session.begin():
        attempts = session.execute(
            update(Comment).where(Comment.id.in_(comment_ids), Comment.score_state == "pending")
            .values(score_attempts=Comment.score_attempts + 1).returning(Comment.score_attempts)
        ).scalars().all()
    if attempts and max(attempts) >= backlog.MAX_SCORE_ATTEMPTS:
        mark_failed(sessions, comment_ids, "the analysis crashed the worker process "
                                           f"{backlog.MAX_SCORE_ATTEMPTS} times", count_attempt=False)
        return {"failed": len(comment_ids)}
    return None


@shared_task(bind=True, name="workers.tasks.run_import", acks_late=False,
             soft_time_limit=IMPORT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT + 60, **RETRY_OPTIONS)
def run_import(self, job_id: int) -> dict | None:
    """Run an import job under a lease (``modsvc/ingest/jobs.py``); each committed batch of comments is enqueued for
    scoring right after its commit. A transient failure comes back as a retry, sent with its backoff as
    countdown; if that message is lost (this worker killed), the sweep finds the job due and sends it again."""
    dispatcher = _dispatcher(self)
    outcome = run_import_job(_sessions(), job_id, on_batch_committed=dispatcher.enqueue_scoring,
                             owner=job_leases.new_owner("celery"))
    if outcome.status == "retry":
        dispatcher.enqueue_import(job_id, countdown=outcome.retry_in)
    return {"status": outcome.status, **(outcome.summary.counts() if outcome.summary else {})}


@shared_task(bind=True, name="workers.tasks.sweep", **RETRY_OPTIONS)
def sweep(self, include_failed: bool = False) -> dict:
    """Re-queue comments pending for longer than MODSVC_REQUEUE_AFTER_SECONDS (lost messages, crashed workers),
    import jobs whose message was lost or whose worker died, and with ``include_failed`` failed comments with
    attempts left; delete the files of import jobs that have ended, and old uploads no job owns (a crash)."""
    sessions, dispatcher = _sessions(), _dispatcher(self)
    counts = {"requeued": 0, "failed_retried": 0, "imports": 0, "uploads_removed": 0, "orphan_uploads_removed": 0}
    while ids := backlog.requeue_stale(sessions, backlog.REQUEUE_AFTER_SECONDS, SWEEP_CHUNK):
        dispatcher.enqueue_scoring(ids)
        counts["requeued"] += len(ids)
        if len(ids) < SWEEP_CHUNK:
            break
    if include_failed:
        counts["failed_retried"] = _retry_failed(sessions, dispatcher)
    # jobs whose message was lost, or whose worker died (its lease expired): importing is idempotent, so they
    # start over; a job another live worker runs is not due (its lease is renewed) and a duplicate message is a no-op
    for job_id in job_leases.due_jobs(sessions, queued_for_seconds=backlog.REQUEUE_AFTER_SECONDS):
        dispatcher.enqueue_import(job_id)
        counts["imports"] += 1
    counts["uploads_removed"] = remove_finished_uploads(sessions)
    counts["orphan_uploads_removed"] = remove_orphan_uploads(sessions, worker_context().settings.upload_dir)
    if any(counts.values()):
        log.info("sweep: %s", counts)
    return counts


@shared_task(bind=True, name="workers.tasks.retry_failed", **RETRY_OPTIONS)
def retry_failed(self, max_attempts: int | None = None) -> int:
    """Send failed comments with fewer than MODSVC_MAX_SCORE_ATTEMPTS attempts back for scoring."""
    return _retry_failed(_sessions(), _dispatcher(self), max_attempts)


def _retry_failed(sessions, dispatcher, max_attempts: int | None = None) -> int:
    total = 0
    while ids := backlog.reset_failed(sessions, max_attempts or backlog.MAX_SCORE_ATTEMPTS, SWEEP_CHUNK):
        dispatcher.enqueue_scoring(ids)
        total += len(ids)
    return total


@shared_task(bind=True, name="workers.tasks.rescore_outdated", **RETRY_OPTIONS)
def rescore_outdated(self) -> int:
    """Re-score, in batches, every comment scored by another model version than the one loaded now."""
    sessions, dispatcher = _sessions(), _dispatcher(self)
    model_version = str(get_default_analyzer().model_version)
    total = 0
    while ids := backlog.mark_outdated(sessions, model_version, SWEEP_CHUNK):
        dispatcher.enqueue_scoring(ids)
        total += len(ids)
    return total


# -- worker process life cycle ------------------------------------------------------------------------
@shared_task(bind=True, name="workers.tasks.adapt_sites", **RETRY_OPTIONS)
def adapt_sites(self) -> list[dict]:
    """The scheduled refit: every site with enough decisions gets a new adapter fit, deployed if the guardrail
    lets it (modsvc/adaptation/service.py: each fit and deployment goes to the audit log)."""
    from modsvc.adaptation.service import fit_all

    return [{"site": o.site, "adapter": o.row.name if o.row else None, "deployed": o.report.deploy,
             "reason": o.report.reason} for o in fit_all(_sessions())]


@signals.celeryd_init.connect
def _share_cores(sender=None, conf=None, options=None, **_kwargs) -> None:
    """Give each pool process its share of the cores, unless MODSVC_THREADS says otherwise:
    N processes each running the model on every core just thrash."""
    if os.environ.get("MODSVC_THREADS"):
        return
    concurrency = (options or {}).get("concurrency") or os.cpu_count() or 1
    os.environ["MODSVC_THREADS"] = str(max(1, (os.cpu_count() or 1) // int(concurrency)))


@signals.worker_process_init.connect
def _init_process(**_kwargs) -> None:
    """Fresh database connections after the fork, then load the model in the background.

    Celery kills a pool process whose worker_process_init takes over 4 s, and loading the
    model can take longer: a thread warms it up, and the first task waits for it (the
    loader holds a lock) instead of loading it a second time.
    """
    worker_context().sessions.kw["bind"].dispose(close=False)
    threading.Thread(target=_warm_up, name="model-warm-up", daemon=True).start()


def _warm_up() -> None:
    try:
        get_default_analyzer()
    except Exception:  # the first task reports it properly
        log.exception("model warm-up failed")


@signals.worker_ready.connect
def _sweep_at_start(sender=None, **_kwargs) -> None:
    """A (re)started worker re-queues what was lost while no worker ran, and failed comments with attempts left."""
    try:
        sender.app.send_task("workers.tasks.sweep", kwargs={"include_failed": True})
    except Exception as exc:
        log.warning("start-up sweep not sent: %s", exc)
