"""GET /api/v1/status, the priority formula, and the embedded worker's start-up sweep (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from modsvc.analysis.types import Span
from modsvc.db import get_sessionmaker
from modsvc.scoring.embedded_worker import EmbeddedWorker
from modsvc.models import Comment
from modsvc.moderation.priority import compute_priority, priority_band
from modsvc.scoring.scorer import score_comments
from test_workers_scoring import BODIES, _by_ext, _import
from workers_fake_analyzer import FakeAnalyzer


def test_status_counts_by_score_state_and_status(app, client, settings):
    from modsvc.access.apikeys import create_api_key

    url = settings.database_url
    sessions = get_sessionmaker(url)
    with sessions() as s, s.begin():
        key = create_api_key(s, "status test")[1]
    assert client.get("/api/v1/status").status_code == 401
    ids = _import(url, BODIES)
    score_comments(sessions, [ids["b"], ids["c"]], FakeAnalyzer())
    body = client.get("/api/v1/status", headers={"X-API-Key": key}).get_json()
    assert body["mode"] == "embedded"
    assert body["comments"]["total"] == 4
    assert body["comments"]["score_state"] == {"pending": 2, "scored": 2, "failed": 0}
    assert body["comments"]["status"] == {"unscored": 2, "review": 1, "held": 1}
    assert body["comments"]["oldest_pending_since"]


def test_priority_weights_thresholds_evidence_and_evasion():
    hold = {"toxicity": 0.97, "antisemitism": 0.85, "threat": 0.9}.get
    plain = compute_priority({"toxicity": 0.97}, hold_threshold=hold)
    assert plain == pytest.approx(1.0) and priority_band(plain) == "high"
    # the same score relative to the hold line ranks higher for a weighted label
    assert compute_priority({"antisemitism": 0.85}, hold_threshold=hold) == pytest.approx(1.5)
    assert compute_priority({"threat": 0.45}, hold_threshold=hold) == pytest.approx(0.75)
    # a stricter site (lower hold threshold) raises the priority of the same score
    assert compute_priority({"toxicity": 0.5}, hold_threshold=lambda _: 0.6) > compute_priority(
        {"toxicity": 0.5}, hold_threshold=hold)
    span = Span(0, 5, "antisemitism", 0.7, "Jewish control of finance", "control_finance")
    other = Span(6, 9, "antisemitism", 0.7, "Khazar myth", "khazar_myth")
    base = compute_priority({"antisemitism": 0.2}, hold_threshold=hold)
    assert compute_priority({"antisemitism": 0.2}, [span], hold_threshold=hold) == pytest.approx(base + 0.15)
    assert compute_priority({"antisemitism": 0.2}, [span, other], hold_threshold=hold) == pytest.approx(base + 0.2)
    assert compute_priority({"antisemitism": 0.2}, [], ["homoglyphs replaced"], hold_threshold=hold) == \
        pytest.approx(base + 0.1)
    assert [priority_band(p) for p in (0.1, 0.5, 0.99, 1.0)] == ["low", "medium", "medium", "high"]


def test_embedded_start_up_sweep_rescores_an_older_model_and_frees_leases(db_url):
    from modsvc.scoring import backlog

    ids = _import(db_url, BODIES)
    sessions = get_sessionmaker(db_url)
    score_comments(sessions, [ids["a"], ids["b"]], FakeAnalyzer())
    with sessions() as s, s.begin():  # as if scored by last release's model, and a human decided one
        s.execute(update(Comment).where(Comment.id == ids["a"]).values(model_version="fake-0"))
        s.execute(update(Comment).where(Comment.id == ids["b"]).values(status="approved"))
    leased = backlog.claim_pending(sessions, 1, lease_seconds=3600)  # a process died holding this
    worker = EmbeddedWorker(sessions, batch_size=2, analyzer_factory=FakeAnalyzer)
    worker.startup_sweep()
    assert worker.drain() == 3  # a (outdated) + the two never scored, including the leased one
    c = _by_ext(db_url)
    assert all(x.score_state == "scored" and x.model_version == "fake-1" for x in c.values())
    assert c["b"].status == "approved"
    assert leased
