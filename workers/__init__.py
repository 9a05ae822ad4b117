"""Celery workers: ``celery -A workers worker`` (or ``modsvc worker``) finds ``celery_app`` here."""
from __future__ import annotations

from .celery_app import create_celery

celery_app = create_celery()

from . import tasks  # noqa: E402,F401  (registers the shared tasks on celery_app)
