"""Outgoing webhooks: tell a site when one of its comments is approved, rejected or held.

An outbox: ``emit(session, comment, event)`` adds a pending ``WebhookDelivery`` row in the caller's
transaction, so an event exists exactly when the status change was committed. After that commit the
delivery is dispatched: to the Celery task ``workers.webhook_tasks.deliver_webhook`` in scaled mode
(through the broker port, ``modsvc/task_queue.py``), to a background thread otherwise. Failed attempts are retried with backoff (10 s, 30 s, 2 min, 10 min,
30 min, 1 h, 3 h, 6 h), then the delivery is marked ``failed``; the admin page lists them and can retry.

Each POST carries the JSON event and is signed with the site's ``webhook_secret``:

    X-Modsvc-Timestamp: 1764030000
    X-Modsvc-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
    X-Modsvc-Event: comment.approved
    X-Modsvc-Delivery: 42

Receivers recompute the HMAC over the raw body and reject timestamps older than a few minutes (replays).
Deliveries go only to public addresses, or to ranges MODSVC_WEBHOOK_ALLOW_PRIVATE allows, checked on the address
actually connected to (webhook_address, pinned_http); redirects are not followed. With HTTP_PROXY / HTTPS_PROXY
set (and NO_PROXY not covering the host) the destination is checked the same way and the request goes through
the proxy (webhook_proxy).
Settings (environment): MODSVC_WEBHOOK_TIMEOUT (5 s per attempt), MODSVC_WEBHOOK_RETRY_DELAYS
(comma-separated seconds, overriding the schedule above), MODSVC_WEBHOOK_ALLOW_PRIVATE.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import http.client
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .. import task_queue
from ..config import load_settings
from ..db import get_sessionmaker
from ..models import Comment, Site, Thread, WebhookDelivery, utcnow
from . import pinned_http, webhook_proxy
from .webhook_address import (DestinationRefused, WebhookAddressError, allowed_networks, parse_webhook_url,
                              refusal_reason, resolve_allowed)

log = logging.getLogger(__name__)

EVENTS = ("comment.approved", "comment.rejected", "comment.held")
DEFAULT_DELAYS = (10, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
TASK_NAME = "workers.webhook_tasks.deliver_webhook"
USER_AGENT = "modsvc-webhooks/1"
MAX_ERROR_CHARS = 500


def retry_delays() -> tuple[float, ...]:
    raw = os.environ.get("MODSVC_WEBHOOK_RETRY_DELAYS", "").strip()
    if raw:
        return tuple(float(x) for x in raw.split(",") if x.strip())
    return DEFAULT_DELAYS


def max_attempts() -> int:
    return len(retry_delays()) + 1


def request_timeout() -> float:
    return float(os.environ.get("MODSVC_WEBHOOK_TIMEOUT", "5"))


def event_name(event: str) -> str:
    name = event if event.startswith("comment.") else f"comment.{event}"
    if name not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; one of {', '.join(EVENTS)}")
    return name


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: float = 300) -> bool:
    """What a receiver does (and what our tests do): signature matches and the timestamp is recent."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


# ----- emitting (in the caller's transaction) --------------------------------------------------------------

def emit(session: Session, comment: Comment, event: str, *, actor: str | None = None) -> WebhookDelivery | None:
    """Record a pending delivery for this comment's site, if the site has a webhook URL. The caller commits;
    the delivery is dispatched right after that commit (and dropped with a rollback)."""
    name = event_name(event)
    thread = comment.thread if comment.thread is not None else session.get(Thread, comment.thread_id)
    site = thread.site if thread is not None else None
    if site is None or not site.webhook_url:
        return None
    payload = {
        "id": uuid.uuid4().hex,
        "type": name,
        "created_at": datetime.now(timezone.utc).isoformat(),
        "site": site.key,
        "comment": {
            "id": comment.id,
            "external_id": comment.external_id,
            "thread": thread.external_id,
            "thread_url": thread.url,
            "status": comment.status,
            "top_label": comment.top_label,
            "top_score": comment.top_score,
            "language": comment.language,
        },
    }
    if actor:
        payload["actor"] = actor
    delivery = WebhookDelivery(site_id=site.id, comment_id=comment.id, event=name, payload=payload,
                               status="pending", attempts=0)
    session.add(delivery)
    session.flush()
    _dispatch_after_commit(session, delivery.id)
    return delivery


def _dispatch_after_commit(session: Session, delivery_id: int) -> None:
    ids: list[int] = session.info.setdefault("modsvc_webhook_ids", [])
    ids.append(delivery_id)
    if session.info.get("modsvc_webhook_listening"):
        return
    session.info["modsvc_webhook_listening"] = True
    url = session.get_bind().url.render_as_string(hide_password=False)

    def _after_commit(sess: Session) -> None:
        pending = sess.info.pop("modsvc_webhook_ids", [])
        if pending:
            dispatch(url, pending)

    def _after_rollback(sess: Session) -> None:
        sess.info.pop("modsvc_webhook_ids", None)

    sa_event.listen(session, "after_commit", _after_commit)
    sa_event.listen(session, "after_soft_rollback", _after_rollback)


def on_comments_scored(sessions: sessionmaker[Session], changes: list[dict]) -> None:
    """The scoring hook: the machine held a comment -> 'comment.held' to its site (if it has a webhook)."""
    held = [c["comment_id"] for c in changes if c.get("new_status") == "held" and c.get("old_status") != "held"]
    if not held:
        return
    with sessions() as session:
        for comment in session.scalars(select(Comment).where(Comment.id.in_(held))):
            emit(session, comment, "held", actor="system")
        session.commit()


def on_scored(sessions: sessionmaker[Session], _settings: Any = None):
    """``score_comments(..., on_scored=on_scored(sessions))`` for callers that hold a sessionmaker."""
    return lambda changes: on_comments_scored(sessions, changes)


# ----- dispatching and delivering ---------------------------------------------------------------------------

def dispatch(database_url: str, delivery_ids: list[int]) -> None:
    """Hand deliveries to the Celery workers (scaled mode) or to a background thread (embedded mode)."""
    settings = load_settings()
    if settings.broker_url:
        try:
            for delivery_id in delivery_ids:
                task_queue.send(settings, TASK_NAME, [delivery_id])
        except Exception as exc:  # the rows stay pending; the sweep (retry_due) sends them later
            log.warning("could not enqueue webhook deliveries %s: %s", delivery_ids, exc)
        return
    threading.Thread(target=_deliver_with_retries, args=(database_url, list(delivery_ids)),
                     name="modsvc-webhooks", daemon=True).start()


def _deliver_with_retries(database_url: str, delivery_ids: list[int]) -> None:
    sessions = get_sessionmaker(database_url)
    delays = retry_delays()
    for delivery_id in delivery_ids:
        try:
            while deliver(sessions, delivery_id) == "retry":
                attempts = _attempts(sessions, delivery_id)
                time.sleep(delays[min(attempts - 1, len(delays) - 1)])
        except Exception:
            log.exception("webhook delivery %s crashed; it stays pending for the sweep", delivery_id)


def _attempts(sessions, delivery_id: int) -> int:
    with sessions() as session:
        row = session.get(WebhookDelivery, delivery_id)
        return row.attempts if row is not None else 0


def deliver(sessions: sessionmaker[Session], delivery_id: int, timeout: float | None = None) -> str:
    """One attempt. Returns 'delivered', 'retry' (failed, attempts left), 'failed' (gave up) or 'skipped'."""
    with sessions() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None or row.status != "pending":
            return "skipped"
        site = session.get(Site, row.site_id)
        if site is None or not site.webhook_url:
            row.status, row.last_error = "failed", "the site has no webhook URL any more"
            session.commit()
            return "failed"
        body = json.dumps(row.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
        url, secret, event = site.webhook_url, site.webhook_secret or "", row.event
    status_code, error = _post(url, secret, body, event, delivery_id, timeout or request_timeout())
    with sessions() as session:
        row = session.get(WebhookDelivery, delivery_id)
        row.attempts += 1
        row.last_status_code = status_code
        if error is None:
            row.status, row.last_error, row.delivered_at = "delivered", None, utcnow()
            outcome = "delivered"
        else:
            row.last_error = error[:MAX_ERROR_CHARS]
            outcome = "retry" if row.attempts < max_attempts() else "failed"
            if outcome == "failed":
                row.status = "failed"
        session.commit()
    if error is not None:
        log.info("webhook %s to %s: attempt failed (%s)", delivery_id, url, error)
    return outcome


def _post(url: str, secret: str, body: bytes, event: str, delivery_id: int, timeout: float):
    """(status code or None, error message or None). Connects only to addresses webhook_address allows."""
    try:
        allowed = allowed_networks()
        target = parse_webhook_url(url)
        addresses = resolve_allowed(target, allowed)
    except DestinationRefused as exc:  # the log says only DESTINATION_REFUSED: no oracle, no port scanner
        return None, _refused(delivery_id, exc)
    except WebhookAddressError as exc:  # a bad URL or setting
        return None, str(exc)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Modsvc-Timestamp": timestamp,
        "X-Modsvc-Signature": sign(secret, timestamp, body),
        "X-Modsvc-Event": event,
        "X-Modsvc-Delivery": str(delivery_id),
    }
    try:
        proxy = webhook_proxy.proxy_for(target)
        if proxy is None:
            status, reason = pinned_http.post(target, addresses, body, headers, timeout,
                                              peer_ok=lambda peer: refusal_reason(peer, allowed) is None)
        else:  # the destination was checked above; the operator's proxy may be anywhere
            status, reason = webhook_proxy.post(target, proxy, body, headers, timeout)
    except DestinationRefused as exc:  # the peer connected to was not the one checked
        return None, _refused(delivery_id, exc)
    except WebhookAddressError as exc:  # a proxy setting that cannot be used
        return None, str(exc)
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}"
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status} {reason}".strip()  # a 3xx too: redirects are answers, not instructions


def _refused(delivery_id: int, exc: DestinationRefused) -> str:
    log.warning("webhook %s refused: %s", delivery_id, exc.detail)  # the operator's log may say which and why
    return str(exc)


def retry_due(sessions: sessionmaker[Session], database_url: str | None = None, limit: int = 500) -> int:
    """Re-dispatch pending deliveries whose next attempt is due (for a periodic sweep after restarts)."""
    delays = retry_delays()
    now = utcnow()
    due = []
    with sessions() as session:
        rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "pending")
                               .order_by(WebhookDelivery.id).limit(limit)).all()
        for row in rows:
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
            waited = sum(delays[:row.attempts]) + 60  # the schedule so far, plus a minute for in-flight attempts
            if (now - created).total_seconds() >= waited:
                due.append(row.id)
        url = database_url or session.get_bind().url.render_as_string(hide_password=False)
    if due:
        dispatch(url, due)
    return len(due)


def retry_now(session: Session, delivery_id: int) -> WebhookDelivery | None:
    """Admin 'retry': a failed delivery becomes pending again (dispatched after the caller's commit)."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        return None
    row.status = "pending"
    row.attempts = 0
    session.flush()
    _dispatch_after_commit(session, row.id)
    return row
