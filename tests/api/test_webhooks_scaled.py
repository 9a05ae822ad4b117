"""Scaled mode: a moderator's decision committed in the web process reaches a real Celery worker
(`modsvc worker` on the local Redis), which POSTs the signed event and retries a failure via the broker."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workers"))

from test_webhooks import SECRET, Receiver  # noqa: E402

from modsvc.integrations import webhooks  # noqa: E402
from modsvc.db import get_sessionmaker  # noqa: E402
from modsvc.models import Comment, Site, WebhookDelivery  # noqa: E402
from workers import dispatch  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


def test_celery_worker_delivers_and_retries(pg_url, tmp_path, monkeypatch):
    from workers_harness import Worker, import_comments, redis_up, worker_env

    if not redis_up():
        pytest.skip("Redis not reachable")
    env = worker_env(pg_url, tmp_path, MODSVC_WEBHOOK_RETRY_DELAYS="0.5,0.5", MODSVC_WEBHOOK_TIMEOUT="2",
                     MODSVC_WEBHOOK_ALLOW_PRIVATE="127.0.0.1/32")  # the receiver lives on loopback
    for name in ("MODSVC_BROKER_URL", "MODSVC_BROKER_KEY_PREFIX", "MODSVC_CELERY_QUEUE", "MODSVC_DATABASE_URL"):
        monkeypatch.setenv(name, env[name])  # this process produces like the web app would
    dispatch.install()  # as the web app does at start-up: the domain reaches the broker through this port
    receiver = Receiver(plan=[500, 200])
    worker = Worker(env, tmp_path / "worker.log")
    try:
        sessions = get_sessionmaker(pg_url)
        with sessions() as session:
            session.add(Site(key="news", name="News", webhook_url=receiver.url, webhook_secret=SECRET))
            session.commit()
        [comment_id] = import_comments(pg_url, ["a comment"])
        with sessions() as session:
            comment = session.get(Comment, comment_id)
            comment.status = "rejected"
            webhooks.emit(session, comment, "rejected")
            session.commit()  # dispatch happens here: a Celery message, nothing sent from this process
        requests = receiver.wait_for(2, timeout=60)
        assert [r["answered"] for r in requests] == [500, 200], (tmp_path / "worker.log").read_text()[-3000:]
        event = json.loads(requests[1]["body"])
        assert event["type"] == "comment.rejected" and event["comment"]["id"] == comment_id
        headers = requests[1]["headers"]
        assert webhooks.verify(SECRET, headers["X-Modsvc-Timestamp"], requests[1]["body"],
                               headers["X-Modsvc-Signature"])
        deadline = time.time() + 10
        while time.time() < deadline:
            with sessions() as session:
                row = session.scalar(select(WebhookDelivery))
            if row.status == "delivered":
                break
            time.sleep(0.2)
        assert row.status == "delivered" and row.attempts == 2
    finally:
        worker.stop()
        receiver.close()
