"""The broker side of the domain's ports, for every process that enqueues: the web app, ``modsvc import``, the workers.

``dispatcher_for(settings, sessions)`` is the ``Dispatcher`` (``modsvc/scoring/dispatch.py``) for these settings:
``CeleryDispatcher`` when MODSVC_BROKER_URL is set, the embedded one otherwise. ``install()`` makes ``send_task``
this process's ``modsvc.task_queue`` sender (webhook deliveries). Sending needs neither the tasks' code nor the
workers' context: ``producer(settings)`` is a plain Celery app configured like the workers.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from modsvc import task_queue
from modsvc.config import Settings
from modsvc.scoring.dispatch import Dispatcher, EmbeddedDispatcher

from .celery_app import celery_config

log = logging.getLogger(__name__)

SCORE_TASK = "workers.tasks.score_batch"
IMPORT_TASK = "workers.tasks.run_import"


def chunks(ids: list[int], size: int) -> list[list[int]]:
    size = max(1, size)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


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


_producers: dict[str, Celery] = {}
_producers_lock = threading.Lock()


def producer(settings: Settings) -> Celery:
    """A Celery app that sends to the broker of ``settings`` like the workers expect; one per configuration."""
    config = celery_config(settings)
    key = json.dumps(config, sort_keys=True, default=str)
    with _producers_lock:
        if key not in _producers:
            app = Celery("modsvc")
            app.config_from_object(config)
            _producers[key] = app
        return _producers[key]


def send_task(settings: Settings, task_name: str, args: Sequence[Any]) -> None:
    producer(settings).send_task(task_name, args=list(args))


def install() -> None:
    """Let the domain reach the broker from this process (``modsvc.task_queue``)."""
    task_queue.install(send_task)


def dispatcher_for(settings: Settings, sessions: sessionmaker[Session]) -> Dispatcher:
    """The dispatcher for these settings: Celery when a broker is configured, embedded otherwise."""
    if settings.embedded:
        return EmbeddedDispatcher(sessions)
    return CeleryDispatcher(producer(settings), settings.score_batch_size)
