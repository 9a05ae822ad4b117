"""Celery workers: ``celery -A workers worker`` (or ``modsvc worker``) finds the app here.

``workers.celery_app`` (also ``workers.app``) is the workers' Celery app. It is created on
first access rather than at import, so processes that only need the helpers of the package
(the web app and ``modsvc import`` enqueueing through ``workers/dispatch.py``, tests) do not
configure a worker. The submodule's name is unbound from the package below so that
``from workers import celery_app`` always means the app, never the module.
"""
from __future__ import annotations

from typing import Any

from . import celery_app as _celery_app_module
from . import dispatch

del celery_app  # noqa: F821 - the attribute the import system set to the submodule; see the docstring

_app: Any = None


def get_celery_app():
    global _app
    if _app is None:
        _app = _celery_app_module.create_celery()
        dispatch.install()  # webhook deliveries from the tasks go back to the broker
        from . import tasks, webhook_tasks  # noqa: F401  (registers the shared tasks once the app exists)
    return _app


def __getattr__(name: str) -> Any:
    if name in ("celery_app", "app", "celery"):
        return get_celery_app()
    raise AttributeError(name)
