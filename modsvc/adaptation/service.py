"""The database side of adaptation: a site's decisions as labels, fit / deploy / roll back (each in the audit log),
re-routing the comments still waiting once the adapter changes, spot-check selection after scoring, threshold
suggestions and the miss-rate figures. Plain SQLAlchemy; the CLI, API, admin pages and scheduled task call this.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import is_write_race
from ..models import (AuditLog, Comment, CommentScore, Site, SiteAdaptationSettings, SiteAdapter, SpotCheck, Thread,
                      utcnow)
from .adapter import Adapter, FitReport, LabelledDecision, fit_with_guardrail
from .features import BaseOutput
from .labels import harmful, harmful_labels
from .result import AdaptedResult, adapted_reason, describe
from .settings import AdaptationSettings, load_adaptation_settings
from .site_lock import lock_site
from .spotcheck import MissRate, drawn, estimate_miss_rate
from .thresholds import LabelledScores, Suggestion, suggest

log = logging.getLogger(__name__)

DECIDED = ("approved", "rejected")
MACHINE = ("allowed", "review", "held")
STATUS_FOR_ACTION = {"allow": "allowed", "review": "review", "hold": "held"}
REROUTE_CHUNK = 1000


class AdaptationError(Exception):
    """A request that cannot be met (unknown site or adapter)."""


@dataclass
class Decided:
    comment_id: int
    output: BaseOutput
    status: str
    reason: str | None
    weight: float
    decided_at: datetime | None


def base_output(score: CommentScore, language: str | None) -> BaseOutput:
    """The base model's view of a stored result (the adapted action is stored beside it, never fed back)."""
    adapted = score.adapted or {}
    return BaseOutput(score.scores or {}, score.spans or [], language, adapted.get("base_action") or score.decision)


def site_by_key(session: Session, key: str) -> Site:
    site = session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise AdaptationError(f"no site {key!r}")
    return site


def locked_site(session: Session, key: str) -> Site:
    """``site_by_key``, locked against other changes of its adapters until the transaction ends (site_lock.py)."""
    site = lock_site(session, Site.key == key)
    if site is None:
        raise AdaptationError(f"no site {key!r}")
    return site


def decided_comments(session: Session, site_id: int) -> list[Decided]:
    """The site's human decisions (approved / rejected), oldest decision first, with the base result of each."""
    last = (select(AuditLog.comment_id, func.max(AuditLog.id).label("audit_id"))
            .where(AuditLog.action.in_(("approve", "reject"))).group_by(AuditLog.comment_id).subquery())
    rows = session.execute(
        select(Comment.id, Comment.status, Comment.language, Comment.model_version, last.c.audit_id,
               SpotCheck.share)
        .join(Thread, Thread.id == Comment.thread_id)
        .join(last, last.c.comment_id == Comment.id)
        .outerjoin(SpotCheck, SpotCheck.comment_id == Comment.id)
        .where(Thread.site_id == site_id, Comment.status.in_(DECIDED), Comment.score_state == "scored")
        .order_by(last.c.audit_id)).all()
    if not rows:
        return []
    audits = {a.id: a for a in session.scalars(select(AuditLog).where(AuditLog.id.in_([r.audit_id for r in rows])))}
    scores: dict[int, CommentScore] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), REROUTE_CHUNK):
        for s in session.scalars(select(CommentScore).where(CommentScore.comment_id.in_(ids[start:start + 1000]))
                                 .order_by(CommentScore.id)):
            scores[s.comment_id] = s  # the newest
    out = []
    for r in rows:
        score = scores.get(r.id)
        if score is None or not score.scores:
            continue  # failed or unscored language: nothing the adapter could learn from
        audit = audits[r.audit_id]
        out.append(Decided(r.id, base_output(score, r.language), r.status, audit.reason,
                           1.0 / r.share if r.share else 1.0, audit.created_at))
    return out


def labelled(decided: Iterable[Decided]) -> list[LabelledDecision]:
    out = []
    for d in decided:
        label = harmful(d.status, d.reason)
        if label is not None:
            out.append(LabelledDecision(d.output, label, d.weight))
    return out


def active_adapter_row(session: Session, site_id: int) -> SiteAdapter | None:
    return session.scalar(select(SiteAdapter).where(SiteAdapter.site_id == site_id, SiteAdapter.active.is_(True)))


def active_adapter(session: Session, site_id: int) -> Adapter | None:
    row = active_adapter_row(session, site_id)
    if row is None:
        return None
    adapter = Adapter.from_json(row.name, row.params)
    adapter.base_model_version = row.base_model_version
    return adapter


def _audit(session: Session, actor: str, action: str, note: str, user_id: int | None = None) -> None:
    session.add(AuditLog(actor=actor, user_id=user_id, action=action, note=note[:2000]))


@dataclass
class FitOutcome:
    site: str
    report: FitReport
    row: SiteAdapter | None  # None: not enough decisions, nothing fitted
    rerouted: int = 0


FIT_ATTEMPTS = 3  # the site lock makes a lost race rare; one that keeps recurring is a real problem: let it raise


def fit_site(sessions: sessionmaker[Session], site_key: str, actor: str = "system", user_id: int | None = None,
             settings: AdaptationSettings | None = None, only_if_new: bool = False) -> FitOutcome:
    """Fit the site's adapter from its decisions; deploy it if the guardrail says so (then re-route the queue).
    ``only_if_new`` (the scheduled refit): skip when no decision came in since the latest fit.

    Simultaneous refits of one site take turns (``lock_site``): the later one fits with the earlier one's adapter
    as the deployed one and takes the next version, or skips when ``only_if_new`` and nothing came in since.
    A write that still loses a race (a writer that takes no lock) is rolled back and the fit made again."""
    settings = settings or load_adaptation_settings()
    for attempt in range(1, FIT_ATTEMPTS + 1):
        try:
            outcome, changed = _fit_locked(sessions, site_key, actor, user_id, settings, only_if_new)
            break
        except Exception as exc:  # noqa: BLE001 - is_write_race tells
            if attempt == FIT_ATTEMPTS or not is_write_race(exc):
                raise
            log.info("adaptation: fitting site %s lost a race with another write (%s); fitting again (attempt %d)",
                     site_key, type(getattr(exc, "orig", exc)).__name__, attempt + 1)
    if changed:
        outcome.rerouted = reroute_site(sessions, outcome.row.site_id)
    return outcome


def _fit_locked(sessions: sessionmaker[Session], site_key: str, actor: str, user_id: int | None,
                settings: AdaptationSettings, only_if_new: bool) -> tuple[FitOutcome, bool]:
    """One attempt, in one transaction under the site's lock. Returns the outcome and whether the active adapter
    changed."""
    with sessions() as session:
        site = locked_site(session, site_key)
        current_row = active_adapter_row(session, site.id)
        current = Adapter.from_json(current_row.name, current_row.params) if current_row else None
        decisions = labelled(decided_comments(session, site.id))
        latest = session.scalar(select(SiteAdapter).where(SiteAdapter.site_id == site.id)
                                .order_by(SiteAdapter.version.desc()).limit(1))
        if only_if_new and latest is not None and latest.decisions == len(decisions):
            return FitOutcome(site.key, FitReport(None, False, f"no new decisions since {latest.name}",
                                                  {"decisions": len(decisions)}), None), False
        version = (latest.version if latest is not None else 0) + 1
        name = f"site-{site.key}-a{version}"
        report = fit_with_guardrail(name, decisions, settings.holdout_share, settings.min_decisions, current=current)
        if report.adapter is None:
            return FitOutcome(site.key, report, None), False
        base_version = session.scalar(select(Comment.model_version).join(Thread, Thread.id == Comment.thread_id)
                                      .where(Thread.site_id == site.id, Comment.score_state == "scored")
                                      .group_by(Comment.model_version).order_by(func.count().desc())
                                      .limit(1)) or ""
        now = utcnow()
        row = SiteAdapter(site_id=site.id, version=version, name=name, base_model_version=base_version,
                          status="deployed" if report.deploy else "kept_base", active=False,
                          params=report.adapter.to_json(), figures=report.figures, reason=report.reason,
                          decisions=len(decisions), created_at=now)
        session.add(row)
        _audit(session, actor, "adapter_fit", f"{site.key}: fitted {name} on {len(decisions)} decisions; "
                                               f"{report.reason}", user_id)
        changed = report.deploy or report.retire_current
        if changed:
            session.execute(update(SiteAdapter).where(SiteAdapter.site_id == site.id, SiteAdapter.active.is_(True))
                            .values(active=False))
            if current_row is not None:
                current_row.status = "retired"
        if report.deploy:
            session.flush()
            row.active, row.deployed_at = True, now
            _audit(session, actor, "adapter_deploy", f"{site.key}: {name} deployed ({report.reason})", user_id)
        elif report.retire_current:
            _audit(session, actor, "adapter_rollback", f"{site.key}: {current_row.name} retired, back to the base "
                                                       f"({report.reason})", user_id)
        session.commit()
        session.refresh(row)
        session.expunge(row)
    return FitOutcome(site_key, report, row), changed


def fit_all(sessions: sessionmaker[Session], settings: AdaptationSettings | None = None) -> list[FitOutcome]:
    with sessions() as session:
        keys = list(session.scalars(select(Site.key).order_by(Site.key)))
    out = []
    for key in keys:
        try:
            out.append(fit_site(sessions, key, settings=settings, only_if_new=True))
        except Exception:  # one site's trouble must not stop the others
            log.exception("adaptation: fitting site %s failed", key)
    return out


def roll_back(sessions: sessionmaker[Session], site_key: str, version: int | None, actor: str,
              user_id: int | None = None) -> int:
    """Make adapter ``version`` of the site the active one (any earlier fit), or the base model (None).
    Returns the number of waiting comments re-routed."""
    with sessions() as session:
        site = locked_site(session, site_key)  # not while a refit of the site decides what is active
        target = None
        if version is not None:
            target = session.scalar(select(SiteAdapter).where(SiteAdapter.site_id == site.id,
                                                              SiteAdapter.version == version))
            if target is None:
                raise AdaptationError(f"site {site_key} has no adapter version {version}")
        before = active_adapter_row(session, site.id)
        session.execute(update(SiteAdapter).where(SiteAdapter.site_id == site.id, SiteAdapter.active.is_(True))
                        .values(active=False))
        if target is not None:
            target.active, target.status, target.deployed_at = True, "deployed", utcnow()
        was = before.name if before else "the base model"
        now = target.name if target else "the base model"
        _audit(session, actor, "adapter_rollback", f"{site_key}: rolled back from {was} to {now}", user_id)
        session.commit()
        site_id = site.id
    return reroute_site(sessions, site_id)


def reroute_site(sessions: sessionmaker[Session], site_id: int) -> int:
    """Apply the site's active adapter (or none) to the stored base results of comments no human decided yet:
    no re-scoring is needed, the base scores are stored. Returns how many comments changed status."""
    changed, last_id = 0, 0
    while True:
        newly_allowed: list[dict] = []
        with sessions() as session, session.begin():
            # Re-routes of one site (a refit's and a roll-back's) take turns chunk by chunk: each reads the statuses
            # the other wrote, so a comment is moved (audited, spot-check drawn) once, by the adapter now active.
            lock_site(session, Site.id == site_id)
            adapter = active_adapter(session, site_id)
            rows = session.execute(
                select(Comment, CommentScore)
                .join(Thread, Thread.id == Comment.thread_id)
                .join(CommentScore, (CommentScore.comment_id == Comment.id)
                      & (CommentScore.model_version == Comment.model_version))
                .where(Thread.site_id == site_id, Comment.id > last_id, Comment.status.in_(MACHINE),
                       Comment.human_decided.is_(False), Comment.score_state == "scored")
                .order_by(Comment.id).limit(REROUTE_CHUNK)).all()
            if not rows:
                break
            for comment, score in rows:
                last_id = comment.id
                base = base_output(score, comment.language)
                verdict = adapter.verdict(base, bool(score.scores)) \
                    if adapter and adapter.fits(score.model_version) else None
                base_reason = (score.adapted or {}).get("base_reason") or score.decision_reason
                if verdict is not None:
                    score.adapted = {**verdict, "base_reason": base_reason,
                                     "model_version": f"{score.model_version}+{adapter.name}"}
                    score.decision, score.decision_reason = verdict["action"], adapted_reason(score.adapted)
                elif score.adapted is not None:  # back to the base: its own action and reason
                    score.adapted, score.decision, score.decision_reason = None, base.action, base_reason
                action = score.decision
                new_status = STATUS_FOR_ACTION.get(action, "review")
                if new_status != comment.status:
                    session.add(AuditLog(comment_id=comment.id, actor="system", action="score",
                                         old_status=comment.status, new_status=new_status, reason=action,
                                         note=describe(score.adapted) if verdict else "site adapter removed: "
                                                                                      "the base model decides"))
                    if new_status == "allowed":
                        newly_allowed.append({"comment_id": comment.id, "new_status": new_status})
                    elif comment.status == "allowed":  # routed to review now: no longer a draw from the allowed
                        session.execute(delete(SpotCheck).where(SpotCheck.comment_id == comment.id))
                    comment.status = new_status
                    comment.version = comment.version + 1
                    changed += 1
        select_spot_checks(sessions, newly_allowed)  # what the adapter now allows is measured like the rest
    return changed


# -- scoring hooks -------------------------------------------------------------------------------------------------
def adapt_results(sessions: sessionmaker[Session], site_id: int, results: list) -> list:
    """Scoring hook: the site's deployed adapter applied to fresh analysis results (errors pass through)."""
    with sessions() as session:
        adapter = active_adapter(session, site_id)
    if adapter is None:
        return results
    return [AdaptedResult.wrap(r, adapter)
            if not isinstance(r, str) and adapter.fits((r.model or {}).get("model_version")) else r
            for r in results]


def spot_check_share(session: Session, site_id: int, settings: AdaptationSettings | None = None) -> float:
    share = session.scalar(select(SiteAdaptationSettings.spot_check_share)
                           .where(SiteAdaptationSettings.site_id == site_id))
    return float(share) if share is not None else (settings or load_adaptation_settings()).spot_check_share


def set_spot_check_share(session: Session, site_id: int, share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise AdaptationError("the spot-check share must be between 0 and 1")
    row = session.get(SiteAdaptationSettings, site_id)
    if row is None:
        session.add(SiteAdaptationSettings(site_id=site_id, spot_check_share=share))
    else:
        row.spot_check_share = share


def select_spot_checks(sessions: sessionmaker[Session], changes: list[dict]) -> int:
    """Scoring hook: draw this site's share of the comments just allowed for the "Spot check" tab."""
    allowed = [c["comment_id"] for c in changes if c.get("new_status") == "allowed"]
    if not allowed:
        return 0
    added = 0
    with sessions() as session, session.begin():
        rows = session.execute(select(Comment.id, Comment.content_hash, Thread.site_id)
                               .join(Thread, Thread.id == Comment.thread_id).where(Comment.id.in_(allowed))).all()
        have = set(session.scalars(select(SpotCheck.comment_id).where(SpotCheck.comment_id.in_(allowed))))
        shares: dict[int, float] = {}
        for comment_id, content_hash, site_id in rows:
            if site_id not in shares:
                shares[site_id] = spot_check_share(session, site_id)
            if comment_id not in have and drawn(comment_id, content_hash, shares[site_id]):
                session.add(SpotCheck(comment_id=comment_id, site_id=site_id, share=shares[site_id]))
                added += 1
    return added


# -- figures -------------------------------------------------------------------------------------------------------
def threshold_suggestions(session: Session, site_id: int, review_precision: float = 0.6,
                          hold_precision: float = 0.9) -> list[Suggestion]:
    rows = [LabelledScores(dict(d.output.scores), harmful_labels(d.status, d.reason), d.weight)
            for d in decided_comments(session, site_id)]
    return suggest(rows, review_precision, hold_precision)


def accept_thresholds(session: Session, site: Site, suggestions: list[Suggestion], actor: str,
                      user_id: int | None = None) -> None:
    """Write the suggested thresholds into the site's policy (labels without a suggestion keep theirs)."""
    from ..analysis.policy import Policy

    policy = Policy.from_dict(site.policy)
    for s in suggestions:
        policy = policy.with_thresholds(s.label, review=s.review if s.review is not None else policy.review[s.label],
                                        hold=s.hold if s.hold is not None else policy.hold[s.label])
    site.policy = {**(site.policy or {}), **policy.to_dict()}
    _audit(session, actor, "thresholds", f"{site.key}: accepted suggested thresholds " + ", ".join(
        f"{s.label} {s.review}/{s.hold}" for s in suggestions), user_id)


def miss_rates(session: Session, site_id: int | None = None, confidence: float = 0.9,
               since: datetime | None = None, until: datetime | None = None) -> dict[str, MissRate]:
    """The miss rate overall ("all") and per label, from the spot checks of comments created in [since, until)."""
    from ..analysis.types import LABELS

    def scoped(query):
        if site_id is not None:
            query = query.where(Thread.site_id == site_id)
        if since is not None:
            query = query.where(Comment.created_at >= since)
        if until is not None:
            query = query.where(Comment.created_at < until)
        return query

    # allowed = allowed by the routing: still allowed, or decided after a spot check drew it
    allowed = session.scalar(scoped(
        select(func.count()).select_from(Comment).join(Thread, Thread.id == Comment.thread_id)
        .outerjoin(SpotCheck, SpotCheck.comment_id == Comment.id)
        .where((Comment.status == "allowed") | (SpotCheck.id.is_not(None))))) or 0
    checks = session.execute(scoped(
        select(Comment.id, Comment.status).join(Thread, Thread.id == Comment.thread_id)
        .join(SpotCheck, SpotCheck.comment_id == Comment.id).where(Comment.status.in_(DECIDED)))).all()
    caught_rows = session.execute(scoped(
        select(Comment.id).join(Thread, Thread.id == Comment.thread_id)
        .outerjoin(SpotCheck, SpotCheck.comment_id == Comment.id)
        .where(Comment.status == "rejected", SpotCheck.id.is_(None)))).all()
    ids = [r.id for r in checks] + [r.id for r in caught_rows]
    reasons = _last_reasons(session, ids)
    out = {}
    for label in ("all", *LABELS):
        def hit(comment_id: int, status: str) -> bool:
            labels = harmful_labels(status, reasons.get(comment_id))
            return bool(labels) if label == "all" else label in labels
        harmful_checks = sum(1 for r in checks if hit(r.id, r.status))
        caught = sum(1 for r in caught_rows if hit(r.id, "rejected"))
        out[label] = estimate_miss_rate(len(checks), harmful_checks, allowed, caught, confidence)
    return out


def _last_reasons(session: Session, ids: list[int]) -> dict[int, str | None]:
    reasons: dict[int, str | None] = {}
    for start in range(0, len(ids), 1000):
        for comment_id, reason in session.execute(
                select(AuditLog.comment_id, AuditLog.reason).where(AuditLog.comment_id.in_(ids[start:start + 1000]),
                                                                   AuditLog.action == "reject")
                .order_by(AuditLog.id)):
            reasons[comment_id] = reason
    return reasons


def miss_rate_by_month(session: Session, site_id: int | None, months: int = 6) -> list[tuple[str, MissRate]]:
    now = datetime.now(timezone.utc)
    starts = []
    year, month = now.year, now.month
    for _ in range(months):
        starts.append(datetime(year, month, 1, tzinfo=timezone.utc))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    out = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else None
        out.append((start.strftime("%Y-%m"), miss_rates(session, site_id, since=start, until=end)["all"]))
    return out


def adapters_of(session: Session, site_id: int) -> list[SiteAdapter]:
    return list(session.scalars(select(SiteAdapter).where(SiteAdapter.site_id == site_id)
                                .order_by(SiteAdapter.version.desc())))


def pending_spot_checks(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SpotCheck).join(Comment, Comment.id == SpotCheck.comment_id)
                          .where(Comment.status == "allowed")) or 0
