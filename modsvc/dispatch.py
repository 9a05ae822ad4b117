"""How work leaves the request or the import: to a Celery queue, or to the embedded worker.

The database stays the source of truth either way: a comment is ``score_state =
'pending'`` until a result is written, and the sweep (scaled mode) or the embedded
worker's claim loop picks up anything that was enqueued and lost. So a failure to
publish is logged, never raised into the import that produced the rows.
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SCORE_TASK = "workers.tasks.score_batch"
IMPORT_TASK = "workers.tasks.run_import"


class Dispatcher(Protocol):
    def enqueue_import(self, job_id: int) -> None: ...

    def enqueue_scoring(self, comment_ids: list[int]) -> None: ...


def chunks(ids: list[int], size: int) -> list[list[int]]:
    size = max(1, size)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


class EmbeddedDispatcher:
    """Embedded mode: imports run on threads of this process (``modsvc/embedded_imports.py``, under a
    lease, retried, resumed after a crash); scoring wakes the in-process worker if there is one.

    Without a worker in this process (``modsvc import`` next to a running ``modsvc serve``)
    the rows simply stay pending and the serve process's worker claims them.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def enqueue_import(self, job_id: int) -> None:
        from .embedded_imports import runner_for

        runner_for(self.sessions).start(job_id)

    def enqueue_scoring(self, comment_ids: list[int]) -> None:
        from .embedded import current_worker

        worker = current_worker()
        if worker is not None:
            worker.nudge()


# Kept for callers that imported the placeholder's name.
ThreadDispatcher = EmbeddedDispatcher


class CeleryDispatcher:
    """Scaled mode: score_batch tasks of ``batch_size`` ids, run_import tasks, on the broker."""

    def __init__(self, celery_app: Any, batch_size: int = 128) -> None:
        self.celery_app = celery_app
        self.batch_size = batch_size

    def enqueue_scoring(self, comment_ids: list[int]) -> None:
        batches = chunks(sorted(comment_ids), self.batch_size)
        try:
            with self.celery_app.producer_or_acquire() as producer:
                for batch in batches:
                    self.celery_app.send_task(SCORE_TASK, args=[batch], producer=producer)
        except Exception as exc:  # the rows are pending in the database: the sweep re-queues them
            log.warning("could not enqueue %d comments (%s: %s); the sweep will re-queue them",
                        len(comment_ids), type(exc).__name__, exc)

    def enqueue_import(self, job_id: int, countdown: float | None = None) -> None:
        try:
            self.celery_app.send_task(IMPORT_TASK, args=[job_id], countdown=countdown)
        except Exception as exc:
            log.warning("could not enqueue import %s (%s: %s); the sweep will re-queue it",
                        job_id, type(exc).__name__, exc)


def get_dispatcher(settings, sessions: sessionmaker[Session]) -> Dispatcher:
    """The dispatcher for these settings: Celery when a broker is configured, embedded otherwise."""
    if settings.embedded:
        return EmbeddedDispatcher(sessions)
    from workers.celery_app import create_celery

    return CeleryDispatcher(create_celery(settings), settings.score_batch_size)


def current_dispatcher(app) -> Dispatcher:
    """The dispatcher of a Flask app, made once (Celery is wired onto the app when a broker is set)."""
    ext = app.extensions
    if "modsvc.dispatcher" not in ext:
        settings, sessions = ext["modsvc.settings"], ext["modsvc.sessions"]
        if settings.embedded:
            ext["modsvc.dispatcher"] = EmbeddedDispatcher(sessions)
        else:
            from workers.celery_app import celery_init_app

            celery_app = ext.get("celery") or celery_init_app(app)
            ext["modsvc.dispatcher"] = CeleryDispatcher(celery_app, settings.score_batch_size)
    return ext["modsvc.dispatcher"]
