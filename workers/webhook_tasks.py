"""Celery tasks for outgoing webhooks (logic in modsvc.integrations.webhooks): one attempt per task run, retried with
the backoff schedule by re-scheduling itself, and a sweep for deliveries left pending by a restart.

Wiring (workers engineer): import this module where the Celery app imports its tasks, and schedule
``workers.webhook_tasks.sweep_webhooks`` in beat next to ``workers.tasks.sweep``.
"""
from __future__ import annotations

import logging

from celery import shared_task

from modsvc.integrations import webhooks
from modsvc.models import WebhookDelivery

from .celery_app import worker_context

log = logging.getLogger(__name__)


def _sessions():
    return worker_context().sessions


@shared_task(bind=True, name=webhooks.TASK_NAME, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    """POST one pending delivery; on failure schedule the next attempt after the backoff delay."""
    outcome = webhooks.deliver(_sessions(), delivery_id)
    if outcome == "retry":
        with _sessions()() as session:
            attempts = session.get(WebhookDelivery, delivery_id).attempts
        delays = webhooks.retry_delays()
        countdown = delays[min(attempts - 1, len(delays) - 1)]
        self.apply_async(args=[delivery_id], countdown=countdown)
    return outcome


@shared_task(name="workers.webhook_tasks.sweep_webhooks")
def sweep_webhooks() -> int:
    """Re-dispatch deliveries still pending past their next attempt time (lost messages, restarts)."""
    count = webhooks.retry_due(_sessions())
    if count:
        log.info("webhook sweep: re-dispatched %d deliveries", count)
    return count
