"""Reviewers' decisions teach a site adapter, on SQLite and PostgreSQL: fit through the guardrail, deploy, the
waiting queue re-routed with the base scores beside the site's, roll back, spot checks and the miss rate."""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from adaptation.scripted_analyzer import ScriptedAnalyzer, body
from modsvc.adaptation import service
from modsvc.adaptation.settings import AdaptationSettings
from modsvc.db import get_sessionmaker
from modsvc.ingest.importers.records import CommentRecord, ThreadRecord
from modsvc.ingest.ingestor import Ingestor
from modsvc.models import AuditLog, Comment, CommentScore, SiteAdapter, SpotCheck
from modsvc.moderation.actions import Actor, decide
from modsvc.scoring.scorer import score_comments

SETTINGS = AdaptationSettings(min_decisions=100, holdout_share=0.25, spot_check_share=0.0)
REVIEWER = Actor(None, "bob")


def import_and_score(sessions, site: str, rows: list[tuple[float, float]], start: int = 0) -> list[int]:
    Ingestor(sessions).add_all([ThreadRecord(external_id=f"t-{site}-{start}", site=site, title="Match report",
                                             comments=[CommentRecord(f"c{start + i}", body(start + i, t, a))
                                                       for i, (t, a) in enumerate(rows)])])
    with sessions() as s:
        ids = list(s.scalars(select(Comment.id).where(Comment.external_id.in_(
            [f"c{start + i}" for i in range(len(rows))])).order_by(Comment.id)))
    score_comments(sessions, ids, ScriptedAnalyzer())
    return ids


def review_like_a_sports_site(sessions, ids: list[int]) -> None:
    """Swearing is fine here; identity attacks are rejected."""
    with sessions() as s:
        for comment_id in ids:
            c = s.get(Comment, comment_id)
            attack = float(c.body.split("ia=")[1]) > 0.5
            decide(s, c.id, c.version, "reject" if attack else "approve", REVIEWER,
                   reason="hate" if attack else None)


@pytest.fixture
def sessions(db_url):
    return get_sessionmaker(db_url)


def flagged_rows(n: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    return [(float(t), float(a)) for t, a in zip(rng.uniform(0.72, 0.94, n), rng.uniform(0, 1, n))]


def test_decisions_deploy_an_adapter_that_reroutes_the_waiting_queue(sessions):
    decided = import_and_score(sessions, "sports", flagged_rows(160, 1))
    waiting = import_and_score(sessions, "sports", [(0.9, 0.05), (0.9, 0.85)], start=1000)
    review_like_a_sports_site(sessions, decided)
    with sessions() as s:  # every allowed comment is spot-checked here
        service.set_spot_check_share(s, service.site_by_key(s, "sports").id, 1.0)
        s.commit()

    outcome = service.fit_site(sessions, "sports", actor="alice", settings=SETTINGS)
    assert outcome.report.deploy, outcome.report.reason
    assert outcome.row.name == "site-sports-a1" and outcome.row.status == "deployed"
    assert outcome.rerouted == 1  # the swearing-only comment left the queue

    with sessions() as s:
        swearing, attack = (s.get(Comment, i) for i in waiting)
        assert (swearing.status, attack.status) == ("allowed", "review")
        stored = s.scalar(select(CommentScore).where(CommentScore.comment_id == swearing.id))
        assert stored.scores["toxicity"] == pytest.approx(0.9)  # the base scores stay beside the site's
        assert stored.adapted["base_action"] == "review" and stored.adapted["site_score"] < 0.5
        assert stored.adapted["model_version"] == "scripted-1+site-sports-a1"
        assert stored.decision_reason.startswith(f"this site's adapter site-sports-a1: "
                                                 f"{stored.adapted['site_score']:.2f} < its review line ")
        assert stored.decision_reason.endswith("Base model: toxicity 0.90 ≥ review threshold 0.70")
        assert service.describe(stored.adapted).startswith(
            f"base toxicity 0.90, this site {stored.adapted['site_score']:.2f}: your reviewers approved ")
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.comment_id.is_(None))
                                               .order_by(AuditLog.id))]
        assert actions == ["adapter_fit", "adapter_deploy"]

    # a new comment is scored through the deployed adapter
    (fresh,) = import_and_score(sessions, "sports", [(0.85, 0.02)], start=2000)
    with sessions() as s:
        assert s.get(Comment, fresh).status == "allowed"
        row = s.scalar(select(CommentScore).where(CommentScore.comment_id == fresh))
        assert row.model["model_version"] == "scripted-1+site-sports-a1"
        assert row.model["base_model_version"] == "scripted-1"

    # a new base model: the adapter, fitted on the old one's outputs, stands aside until it is refitted
    class NewBase(ScriptedAnalyzer):
        model_version = "scripted-2"

        def _one(self, text, policy):
            result = super()._one(text, policy)
            result.model["model_version"] = self.model_version
            return result

    Ingestor(sessions).add_all([ThreadRecord(external_id="t-new", site="sports", comments=[
        CommentRecord("new-base", body(3000, 0.85, 0.02))])])
    with sessions() as s:
        newer = s.scalar(select(Comment.id).where(Comment.external_id == "new-base"))
    score_comments(sessions, [newer], NewBase())
    with sessions() as s:
        assert s.get(Comment, newer).status == "review"
        assert s.scalar(select(CommentScore.adapted).where(CommentScore.comment_id == newer)) is None

    # what the adapter allows is spot-checked like everything else allowed
    spot = select(SpotCheck.comment_id).order_by(SpotCheck.comment_id)
    with sessions() as s:
        assert list(s.scalars(spot)) == sorted([waiting[0], fresh])

    # roll back to the base: the queue gets the base's routing again, and the audit log says so
    assert service.roll_back(sessions, "sports", None, actor="alice") == 2  # the waiting one and the new one
    with sessions() as s:
        assert s.get(Comment, waiting[0]).status == "review"
        assert list(s.scalars(spot)) == []  # back in review: no longer a draw from the allowed ones
        assert s.scalar(select(SiteAdapter.active).where(SiteAdapter.version == 1)) is False
        assert s.scalar(select(AuditLog.note).where(AuditLog.action == "adapter_rollback")) == \
            "sports: rolled back from site-sports-a1 to the base model"
    # ... and forward again to version 1
    service.roll_back(sessions, "sports", 1, actor="alice")
    with sessions() as s:
        assert s.get(Comment, waiting[0]).status == "allowed"


def test_another_site_keeps_the_base(sessions):
    decided = import_and_score(sessions, "sports", flagged_rows(160, 2))
    other = import_and_score(sessions, "news", [(0.9, 0.05)], start=5000)
    review_like_a_sports_site(sessions, decided)
    assert service.fit_site(sessions, "sports", settings=SETTINGS).report.deploy
    with sessions() as s:
        assert s.get(Comment, other[0]).status == "review"
    outcome = service.fit_site(sessions, "news", settings=SETTINGS)
    assert outcome.row is None and outcome.report.reason == "0 usable decisions, 100 needed"


def test_spot_checks_measure_what_was_allowed(sessions):
    with sessions() as s:
        from modsvc.models import Site

        s.add(Site(key="forum"))
        s.commit()
        site_id = s.scalar(select(Site.id).where(Site.key == "forum"))
        service.set_spot_check_share(s, site_id, 0.5)
        s.commit()
    rows = [(0.1, 0.6 if i % 4 == 0 else 0.1) for i in range(200)] + [(0.9, 0.9)] * 10
    ids = import_and_score(sessions, "forum", rows)
    with sessions() as s:
        checks = list(s.scalars(select(SpotCheck).order_by(SpotCheck.comment_id)))
        assert 70 <= len(checks) <= 130 and all(c.share == 0.5 for c in checks)
        assert {s.get(Comment, c.comment_id).status for c in checks} == {"allowed"}
        for c in checks:  # reviewers reject the identity attacks the model let through
            comment = s.get(Comment, c.comment_id)
            attack = "ia=0.600" in comment.body
            decide(s, comment.id, comment.version, "reject" if attack else "approve", REVIEWER,
                   reason="hate" if attack else None)
        flagged = list(s.scalars(select(Comment).where(Comment.id.in_(ids), Comment.status.in_(("review", "held")))))
        assert len(flagged) == 10
        for comment in flagged:
            decide(s, comment.id, comment.version, "reject", REVIEWER, reason="hate")
        figures = service.miss_rates(s, site_id)
    overall = figures["all"]
    assert overall.allowed == 200 and overall.caught == 10
    true_miss = 50 / 60
    assert overall.miss_rate_interval[0] <= true_miss <= overall.miss_rate_interval[1]
    assert figures["identity_attack"].harmful == overall.harmful
    assert figures["threat"].harmful == 0
