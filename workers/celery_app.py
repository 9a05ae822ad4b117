"""The workers' Celery app: ``create_celery(settings)`` configures it and the ``WorkerContext`` (settings and
database sessions) its tasks work with. No Flask app: the tasks call the domain packages directly.
``create_celery`` makes the app the default, so ``shared_task`` tasks in ``workers.tasks`` bind to it;
``workers/__init__.py`` exposes ``celery_app`` for ``celery -A workers worker``. Processes that only send
tasks use a producer configured the same way (``workers/dispatch.py``).

Delivery guarantees (the database is the source of truth, tasks only carry ids):
- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged after the
  task finished, so a worker killed mid-batch leaves it to be delivered again;
- ``worker_prefetch_multiplier=1``: a worker holds one message per process, not a backlog
  another worker could have taken;
- soft/hard time limits per batch, and workers recycle after N tasks or M memory;
- publish retries, and task retries with exponential backoff on database and broker errors;
- no result backend: results live in the database.

Environment (besides the MODSVC_* settings): MODSVC_CELERY_QUEUE (default ``modsvc``),
MODSVC_BROKER_KEY_PREFIX (Redis key prefix, to share one Redis between installations),
MODSVC_VISIBILITY_TIMEOUT (seconds before Redis re-delivers an unacknowledged message,
default 600; must exceed the longest scoring task), MODSVC_TASK_SOFT_TIME_LIMIT /
MODSVC_TASK_TIME_LIMIT (default 300 / 360 s per batch), MODSVC_WORKER_MAX_TASKS_PER_CHILD
(default 2000), MODSVC_WORKER_MAX_MEMORY_MB (default 3000 MB per worker process),
MODSVC_BROKER_TRANSPORT_OPTIONS (JSON merged into the broker transport options).
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from modsvc.adaptation import load_adaptation_settings
from modsvc.config import Settings, load_settings
from modsvc.db import get_sessionmaker


def celery_config(settings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Celery settings for these modsvc settings and environment (default os.environ)."""
    env = os.environ if env is None else env

    def _int_env(name: str, default: int) -> int:
        value = env.get(name)
        return int(value) if value not in (None, "") else default

    broker = settings.broker_url
    transport: dict[str, Any] = {}
    if broker.startswith(("redis://", "rediss://", "redis+socket://")):
        transport["visibility_timeout"] = _int_env("MODSVC_VISIBILITY_TIMEOUT", 600)
        prefix = env.get("MODSVC_BROKER_KEY_PREFIX", "")
        if prefix:
            transport["global_keyprefix"] = prefix
    transport.update(json.loads(env.get("MODSVC_BROKER_TRANSPORT_OPTIONS") or "{}"))
    queue = env.get("MODSVC_CELERY_QUEUE") or "modsvc"
    return {
        "broker_url": broker,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a worker waits for the broker forever instead of exiting
        "task_default_queue": queue,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # With acks_late the broker re-delivers what was running when the connection dropped,
        # so the worker should not finish (and duplicate) it.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_soft_time_limit": _int_env("MODSVC_TASK_SOFT_TIME_LIMIT", 300),
        "task_time_limit": _int_env("MODSVC_TASK_TIME_LIMIT", 360),
        "worker_max_tasks_per_child": _int_env("MODSVC_WORKER_MAX_TASKS_PER_CHILD", 2000),
        "worker_max_memory_per_child": _int_env("MODSVC_WORKER_MAX_MEMORY_MB", 3000) * 1024,  # KiB
        "task_publish_retry": True,
        "task_publish_retry_policy": {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5,
                                      "interval_max": 3},
        "worker_hijack_root_logger": False,
        "beat_schedule": {
            "sweep": {"task": "workers.tasks.sweep", "schedule": float(settings.sweep_seconds)},
            "sweep-webhooks": {"task": "workers.webhook_tasks.sweep_webhooks",
                               "schedule": float(max(settings.sweep_seconds, 30))},
            **_adaptation_schedule(),
        },
        "imports": ["workers.tasks", "workers.webhook_tasks"],
    }


def _adaptation_schedule() -> dict:
    """Refit every site's adapter every MODSVC_ADAPT_INTERVAL_SECONDS (0: never; modsvc/adaptation/)."""
    interval = load_adaptation_settings().interval_seconds
    return {"adapt-sites": {"task": "workers.tasks.adapt_sites", "schedule": float(interval)}} if interval else {}


@dataclass(frozen=True)
class WorkerContext:
    """What the tasks of this worker process work with."""

    settings: Settings
    sessions: sessionmaker[Session]


_context: WorkerContext | None = None


def worker_context() -> WorkerContext:
    if _context is None:
        raise RuntimeError("the workers' Celery app is not created yet (workers.celery_app.create_celery)")
    return _context


def create_celery(settings: Settings | None = None) -> Celery:
    """The workers' Celery app for these settings (default: the environment's), made the default app."""
    global _context
    settings = settings or load_settings()
    celery_app = Celery("modsvc")
    celery_app.config_from_object(celery_config(settings))
    celery_app.set_default()
    _context = WorkerContext(settings, get_sessionmaker(settings.database_url))
    return celery_app
