"""modsvc.scoring.scorer on SQLite and PostgreSQL: idempotent upserts, flags, statuses, failures, audit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update

from modsvc.scoring import backlog
from modsvc.db import get_sessionmaker
from modsvc.ingest.importers.records import CommentRecord, ThreadRecord
from modsvc.ingest.ingestor import Ingestor
from modsvc.models import AuditLog, Comment, CommentFlag, CommentScore, Site
from modsvc.moderation.priority import priority_band
from modsvc.scoring.scorer import score_comments
from workers_fake_analyzer import FakeAnalyzer


def _import(url, bodies: dict[str, str], site="news") -> dict[str, int]:
    record = ThreadRecord(external_id="t1", site=site, title="An article",
                          comments=[CommentRecord(ext, body) for ext, body in bodies.items()])
    Ingestor(get_sessionmaker(url)).add_all([record])
    with get_sessionmaker(url)() as s:
        return {c.external_id: c.id for c in s.scalars(select(Comment))}


def _by_ext(url) -> dict[str, Comment]:
    with get_sessionmaker(url)() as s:
        return {c.external_id: c for c in s.scalars(select(Comment))}


def _count(url, model) -> int:
    with get_sessionmaker(url)() as s:
        return s.scalar(select(func.count()).select_from(model))


BODIES = {"a": "a kind word", "b": "you are rude", "c": "I hate you", "d": "the jews control the banks"}


def test_statuses_flags_priority_and_audit(db_url):
    ids = _import(db_url, BODIES)
    counts = score_comments(get_sessionmaker(db_url), list(ids.values()), FakeAnalyzer())
    assert counts["scored"] == 4 and counts["failed"] == 0
    c = _by_ext(db_url)
    assert [c[x].status for x in "abcd"] == ["allowed", "review", "held", "held"]
    assert all(c[x].score_state == "scored" and c[x].model_version == "fake-1" and c[x].scored_at for x in "abcd")
    assert c["c"].top_label == "toxicity" and c["c"].top_score == pytest.approx(0.99)
    # antisemitism is weighted above toxicity, and the trope span adds evidence
    assert c["d"].priority > c["c"].priority > c["b"].priority > c["a"].priority
    assert priority_band(c["d"].priority) == "high" and priority_band(c["a"].priority) == "low"
    with get_sessionmaker(db_url)() as s:
        flags = {(f.comment_id, f.label, f.trope) for f in s.scalars(select(CommentFlag))}
        audit = s.execute(select(AuditLog.comment_id, AuditLog.actor, AuditLog.new_status)).all()
    assert (ids["d"], "antisemitism", "control_finance") in flags
    assert (ids["d"], "antisemitism", None) in flags
    assert not any(f[0] == ids["a"] for f in flags)
    assert sorted(audit) == sorted([(ids["b"], "system", "review"), (ids["c"], "system", "held"),
                                    (ids["d"], "system", "held")])


def test_second_run_is_a_no_op_and_edits_rescore(db_url):
    ids = _import(db_url, BODIES)
    sessions = get_sessionmaker(db_url)
    score_comments(sessions, list(ids.values()), FakeAnalyzer())
    again = score_comments(sessions, list(ids.values()), FakeAnalyzer())
    assert again["skipped"] == 4 and again["scored"] == 0
    assert _count(db_url, CommentScore) == 4
    n_flags = _count(db_url, CommentFlag)

    _import(db_url, {**BODIES, "a": "now I hate everyone"})  # an edit: ingest sets it back to pending
    assert _by_ext(db_url)["a"].score_state == "pending"
    third = score_comments(sessions, list(ids.values()), FakeAnalyzer())
    assert third["scored"] == 1 and third["skipped"] == 3
    assert _count(db_url, CommentScore) == 4  # upserted: one row per comment and model version
    assert _by_ext(db_url)["a"].status == "held"
    assert _count(db_url, CommentFlag) == n_flags + 1


def test_human_decisions_survive_rescoring(db_url):
    ids = _import(db_url, BODIES)
    sessions = get_sessionmaker(db_url)
    with sessions() as s, s.begin():
        s.execute(update(Comment).where(Comment.id == ids["c"]).values(status="approved"))
        s.execute(update(Comment).where(Comment.id == ids["a"]).values(status="rejected"))
    score_comments(sessions, list(ids.values()), FakeAnalyzer())
    c = _by_ext(db_url)
    assert c["c"].status == "approved" and c["a"].status == "rejected"
    assert c["c"].score_state == "scored" and c["c"].top_label == "toxicity"


def test_a_status_a_reviewer_set_is_never_changed_by_a_new_model(db_url):
    """Escalated (held by a human), or put back in review by an undo: a re-score keeps the reviewer's status."""
    from modsvc.access.accounts import create_user
    from modsvc.moderation.actions import Actor, decide, undo

    ids = _import(db_url, BODIES)
    sessions = get_sessionmaker(db_url)
    score_comments(sessions, list(ids.values()), FakeAnalyzer())
    with sessions() as s:
        user = create_user(s, "rita", "correct horse battery", "moderator")
        s.commit()
        actor = Actor(user.id, user.username)
        decide(s, ids["a"], s.get(Comment, ids["a"]).version, "escalate", actor)  # "a kind word": allowed -> held
        approved = decide(s, ids["b"], s.get(Comment, ids["b"]).version, "approve", actor)  # review -> approved
        undo(s, ids["b"], approved.version, actor)  # -> review again, by a human

    class NewModel(FakeAnalyzer):
        model_version = "fake-2"

    score_comments(sessions, [ids["a"], ids["b"]], NewModel())
    c = _by_ext(db_url)
    assert (c["a"].status, c["a"].model_version) == ("held", "fake-2")
    assert (c["b"].status, c["b"].model_version) == ("review", "fake-2")


def test_poison_comment_fails_alone(db_url, monkeypatch):
    monkeypatch.setenv("MODSVC_TEST_POISON_SUBSTRING", "POISON")
    ids = _import(db_url, {**BODIES, "p": "this one is POISON for the model"})
    counts = score_comments(get_sessionmaker(db_url), list(ids.values()), FakeAnalyzer())
    assert counts["scored"] == 4 and counts["failed"] == 1
    p = _by_ext(db_url)["p"]
    assert (p.score_state, p.status, p.score_attempts) == ("failed", "failed", 1)
    assert "POISON" in p.score_error and "PoisonError" in p.score_error
    # failed comments go back to pending with retry_failed semantics until attempts run out
    assert backlog.reset_failed(get_sessionmaker(db_url), max_attempts=1) == []
    assert backlog.reset_failed(get_sessionmaker(db_url), max_attempts=2) == [ids["p"]]


def test_site_policy_changes_the_decision(db_url):
    ids = _import(db_url, BODIES)
    sessions = get_sessionmaker(db_url)
    with sessions() as s, s.begin():
        s.execute(update(Site).where(Site.key == "news").values(
            policy={"thresholds": {"toxicity": {"review": 0.95, "hold": 1.0}}}))
    score_comments(sessions, list(ids.values()), FakeAnalyzer())
    c = _by_ext(db_url)
    assert c["b"].status == "allowed"  # 0.9 < the site's review threshold 0.95
    assert c["c"].status == "review"


def test_concurrent_scorers_store_each_comment_once(db_url):
    ids = _import(db_url, {f"k{i}": f"comment {i} rude" for i in range(40)})
    sessions = get_sessionmaker(db_url)
    errors = []

    def run():
        try:
            score_comments(sessions, list(ids.values()), FakeAnalyzer())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert _count(db_url, CommentScore) == 40
    assert _count(db_url, CommentFlag) == 40  # flags rewritten under the row lock, never doubled
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 40


def test_claims_and_sweeps(db_url):
    ids = _import(db_url, {f"k{i}": f"comment {i}" for i in range(10)})
    sessions = get_sessionmaker(db_url)
    first = backlog.claim_pending(sessions, 4, lease_seconds=300)
    second = backlog.claim_pending(sessions, 100, lease_seconds=300)
    assert len(first) == 4 and len(second) == 6 and not set(first) & set(second)
    assert backlog.claim_pending(sessions, 100, lease_seconds=300) == []
    assert backlog.release_leases(sessions) == 10
    assert sorted(backlog.claim_pending(sessions, 100, lease_seconds=300)) == sorted(ids.values())
    backlog.release_leases(sessions)
    assert backlog.requeue_stale(sessions, older_than_seconds=3600) == []
    assert backlog.requeue_stale(sessions, older_than_seconds=-1) == sorted(ids.values())
