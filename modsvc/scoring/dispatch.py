"""The dispatch port: how work leaves the request or the import -- to a queue, or to this process.

``Dispatcher`` is what the domain and the doors call; the doors choose the implementation at start-up
(``workers.dispatch.dispatcher_for``): Celery's when a broker is configured, the embedded one below otherwise.

The database stays the source of truth either way: a comment is ``score_state = 'pending'`` until a
result is written, and the sweep (scaled mode) or the embedded worker's claim loop picks up anything
that was enqueued and lost. So a failure to publish is logged, never raised into the import that
produced the rows.
"""
from __future__ import annotations

import threading
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from ..ingest.embedded_imports import EmbeddedImports
from .embedded_worker import current_worker


class Dispatcher(Protocol):
    def enqueue_import(self, job_id: int) -> None: ...

    def enqueue_scoring(self, comment_ids: list[int]) -> None: ...


def nudge_scoring(_comment_ids: list[int]) -> None:
    """Wake this process's embedded worker, if it runs one (otherwise the rows wait for whoever claims them)."""
    worker = current_worker()
    if worker is not None:
        worker.nudge()


_runners: dict[int, EmbeddedImports] = {}
_runners_lock = threading.Lock()


def runner_for(sessions: sessionmaker[Session]) -> EmbeddedImports:
    """The one import runner of this process for these sessions (the dispatcher and ``serve`` share it);
    each batch it commits wakes the embedded worker."""
    with _runners_lock:
        if id(sessions) not in _runners:
            _runners[id(sessions)] = EmbeddedImports(sessions, on_batch_committed=nudge_scoring)
        return _runners[id(sessions)]


class EmbeddedDispatcher:
    """Embedded mode: imports run on threads of this process (``modsvc/ingest/embedded_imports.py``, under a
    lease, retried, resumed after a crash); scoring wakes the in-process worker if there is one.

    Without a worker in this process (``modsvc import`` next to a running ``modsvc serve``)
    the rows simply stay pending and the serve process's worker claims them.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def enqueue_import(self, job_id: int) -> None:
        runner_for(self.sessions).start(job_id)

    def enqueue_scoring(self, comment_ids: list[int]) -> None:
        nudge_scoring(comment_ids)


# Kept for callers that imported the placeholder's name.
ThreadDispatcher = EmbeddedDispatcher
