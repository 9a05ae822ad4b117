"""Webhooks: signed POSTs to a real local receiver when comments are held (by the model) or approved/rejected
(by a moderator), retried after failures with backoff, given up after the schedule, time-bounded."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from api_helpers import make_key
from sqlalchemy import select

from modsvc.integrations import webhooks
from modsvc.models import Comment, Site, WebhookDelivery

SECRET = "whsec-test-1"


class Receiver:
    """A real HTTP server on loopback that records requests; ``plan`` says how to answer each one (a status,
    "sleep", or ("redirect", URL)). ``tls``: an ssl.SSLContext to serve HTTPS with."""

    def __init__(self, plan=None, host="127.0.0.1", port=0, tls=None) -> None:
        self.requests: list[dict] = []
        self.plan = list(plan or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                action = receiver.plan.pop(0) if receiver.plan else 200
                if action == "sleep":
                    time.sleep(2)
                    action = 200
                location = None
                if isinstance(action, tuple):
                    action, location = 302, action[1]
                receiver.requests.append({"headers": dict(self.headers), "body": body, "answered": action})
                self.send_response(action)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10) -> list[dict]:
        deadline = time.time() + timeout
        while len(self.requests) < count and time.time() < deadline:
            time.sleep(0.05)
        return self.requests

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(plan=None):
        made.append(Receiver(plan))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("MODSVC_WEBHOOK_RETRY_DELAYS", "0.2,0.3")
    monkeypatch.setenv("MODSVC_WEBHOOK_TIMEOUT", "0.5")
    monkeypatch.setenv("MODSVC_WEBHOOK_ALLOW_PRIVATE", "127.0.0.1/32")  # the receivers live on loopback


def _site_with_hook(app, url, key="paper"):
    with app.extensions["modsvc.sessions"]() as session:
        session.add(Site(key=key, name=key, webhook_url=url, webhook_secret=SECRET))
        session.commit()


def _store(app, text, ext_id):
    key = make_key(app, f"k-{ext_id}", site="paper")
    response = app.test_client().post("/api/v1/score", headers={"X-API-Key": key},
                                      json={"store": True, "thread": "t1", "text": text, "id": ext_id})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["stored"]["comment_id"]


def _deliveries(app):
    with app.extensions["modsvc.sessions"]() as session:
        return session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def _wait_status(app, status, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = _deliveries(app)
        if rows and all(r.status == status for r in rows):
            return rows
        time.sleep(0.05)
    raise AssertionError([(r.status, r.attempts, r.last_error) for r in _deliveries(app)])


def test_held_by_the_model_then_approved_by_a_moderator(api_app, receiver):
    from modsvc.moderation.actions import Actor, decide

    hook = receiver()
    _site_with_hook(api_app, hook.url)
    comment_id = _store(api_app, "I will kill you", "c1")
    first = hook.wait_for(1)[0]
    event = json.loads(first["body"])
    assert event["type"] == "comment.held" and event["comment"]["external_id"] == "c1"
    assert event["comment"]["status"] == "held" and event["site"] == "paper"
    headers = first["headers"]
    assert headers["X-Modsvc-Event"] == "comment.held"
    assert webhooks.verify(SECRET, headers["X-Modsvc-Timestamp"], first["body"], headers["X-Modsvc-Signature"])
    assert not webhooks.verify("other-secret", headers["X-Modsvc-Timestamp"], first["body"],
                               headers["X-Modsvc-Signature"])

    with api_app.extensions["modsvc.sessions"]() as session:
        version = session.get(Comment, comment_id).version
        decide(session, comment_id, version, "approve", Actor(None, "mod"))
    second = hook.wait_for(2)[1]
    assert json.loads(second["body"])["type"] == "comment.approved"
    rows = _wait_status(api_app, "delivered")
    assert [r.event for r in rows] == ["comment.held", "comment.approved"]
    assert all(r.attempts == 1 and r.last_status_code == 200 for r in rows)


def test_allowed_comments_and_sites_without_hooks_send_nothing(api_app, receiver):
    hook = receiver()
    _site_with_hook(api_app, hook.url)
    _store(api_app, "Lovely piece", "c1")
    time.sleep(0.3)
    assert hook.requests == [] and _deliveries(api_app) == []


def test_retried_after_failures_with_backoff(api_app, receiver):
    hook = receiver(plan=[500, 503, 200])
    _site_with_hook(api_app, hook.url)
    _store(api_app, "I will kill you", "c1")
    requests = hook.wait_for(3)
    assert [r["answered"] for r in requests] == [500, 503, 200]
    [row] = _wait_status(api_app, "delivered")
    assert row.attempts == 3 and row.last_status_code == 200 and row.last_error is None
    stamps = [int(r["headers"]["X-Modsvc-Timestamp"]) for r in requests]
    assert stamps == sorted(stamps)  # each attempt is signed afresh


def test_gives_up_after_the_schedule_and_timeouts_are_bounded(api_app, receiver):
    hook = receiver(plan=["sleep", 500, 500])
    _site_with_hook(api_app, hook.url)
    started = time.time()
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "failed")
    assert row.attempts == 3 and row.last_status_code == 500
    assert time.time() - started < 8  # a 2 s hang costs one 0.5 s timeout, not the whole budget
    assert "HTTP 500" in row.last_error

    # the admin "retry" makes it pending again and delivers it
    hook.plan = [200]
    with api_app.extensions["modsvc.sessions"]() as session:
        webhooks.retry_now(session, row.id)
        session.commit()
    [row] = _wait_status(api_app, "delivered")
