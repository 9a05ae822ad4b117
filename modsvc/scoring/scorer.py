"""Score comments and store the results: plain Python + SQLAlchemy, no Celery.

``score_comments(sessions, ids, analyzer)`` is what every path runs: the Celery
task, the embedded worker inside ``modsvc serve``, ``modsvc import --wait`` and
the scoring API (store=true). It is idempotent and safe to run twice at once:

1. re-read the rows; skip those already scored by this model version for the same
   text (``content_hash``), so a re-delivered task costs one query;
2. analyse the rest in one batch per site policy; if the batch raises, analyse item
   by item and mark only the failing items ``failed`` with the reason;
3. in one transaction, with the comment rows locked: upsert ``CommentScore`` (one
   row per comment and model version, ON CONFLICT on PostgreSQL and SQLite),
   rewrite the comment's ``CommentFlag`` rows, set score_state/scored_at/
   model_version/top label/priority/language, and the status from the decision unless a
   human already decided (``human_decided``, or approved/rejected: the status stays
   theirs, e.g. "review" after a re-import edited a decided comment). A comment in a language the model
   does not know comes back without scores: no flags, no top label, and the status the
   site's ``unsupported_language`` policy gives it. Rows whose text changed while
   the model ran are left pending (ingest re-queued them).

Analyzer selection: ``MODSVC_ANALYZER=module:callable`` (a factory returning an
object with ``analyze(texts, policy=None)`` and ``model_version``) overrides the
analysis core's ``get_analyzer()``; tests use it to plug in a small deterministic
analyzer, the worker processes read it from their environment.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..adaptation.service import adapt_results, select_spot_checks
from ..analysis import Policy, get_analyzer
from ..analysis.policy import DEFAULT_POLICY
from ..models import MACHINE_STATUS_FOR_ACTION, AuditLog, Comment, CommentFlag, CommentScore, Site, Thread, utcnow
from ..moderation.priority import compute_priority

log = logging.getLogger(__name__)

HUMAN_STATUSES = frozenset({"approved", "rejected"})
AUDITED_STATUSES = frozenset({"review", "held"})
MAX_ERROR_CHARS = 1000
DEFAULT_REVIEW_THRESHOLD = 0.5
DEFAULT_HOLD_THRESHOLD = 0.8
READ_CHUNK = 500

_analyzer_lock = threading.Lock()
_analyzer: Any = None


# -- analyzer and policy ---------------------------------------------------------------------------
def accepts_languages(model: Any) -> bool:
    """Whether ``model.analyze`` takes the caller's ``languages`` (a ``MODSVC_ANALYZER`` plug-in may not)."""
    try:
        return "languages" in inspect.signature(model.analyze).parameters
    except (TypeError, ValueError):
        return False


def get_default_analyzer() -> Any:
    """The process-wide analyzer, loaded once (thread-safe: a warm-up thread and a task may race)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                _analyzer = _load_analyzer()
    return _analyzer


def _load_analyzer() -> Any:
    spec = os.environ.get("MODSVC_ANALYZER", "").strip()
    if spec:
        module_name, _, attr = spec.partition(":")
        factory = getattr(importlib.import_module(module_name), attr or "get_analyzer")
        analyzer = factory()
    else:
        analyzer = get_analyzer()
    log.info("analyzer loaded: %s", getattr(analyzer, "model_version", "?"))
    return analyzer


def load_policy(data: dict | None) -> Any:
    """A site's ``Policy`` from its JSON, or None (the analysis core's defaults)."""
    if not data:
        return None
    return Policy.from_dict(data)


def _policy_threshold(policy: Any, label: str, kind: str, default: float | None) -> float | None:
    """The ``kind`` ('review' or 'hold') threshold of ``label``; None = that step is off for the label."""
    policy = policy if policy is not None else DEFAULT_POLICY
    table = getattr(policy, kind, None) or {}
    return table.get(label, default)


# -- scoring ---------------------------------------------------------------------------------------
def score_comments(
    sessions: sessionmaker[Session],
    comment_ids: Iterable[int],
    analyzer: Any = None,
    *,
    passthrough_errors: tuple[type[BaseException], ...] = (),
    on_scored: Callable[[list[dict]], None] | None = None,
) -> dict[str, int]:
    """Score these comments and store the results; returns counts (scored, skipped, failed, missing, changed).

    ``passthrough_errors`` are re-raised instead of being blamed on a comment (the Celery
    task passes its soft time limit). ``on_scored(changes)`` runs after the commit with one
    dict per stored comment (``comment_id``, ``old_status``, ``new_status``, ``decision``), the
    hook for webhook deliveries.
    """
    analyzer = analyzer or get_default_analyzer()
    model_version = str(analyzer.model_version)
    ids = sorted({int(i) for i in comment_ids})
    counts = {"requested": len(ids), "scored": 0, "skipped": 0, "failed": 0, "missing": 0, "changed": 0}
    if not ids:
        return counts

    todo, policies = _read_todo(sessions, ids, model_version, counts)
    if not todo:
        return counts

    outcomes: dict[int, Any] = {}  # comment id -> AnalysisResult, or an error message
    by_site: dict[int, list] = {}
    for row in todo:
        by_site.setdefault(row.site_id, []).append(row)
    for site_id, rows in by_site.items():
        results = analyze_with_fallback(analyzer, [r.body for r in rows], policies.get(site_id),
                                        passthrough_errors=passthrough_errors)
        results = _site_adapted(sessions, site_id, results)
        for row, outcome in zip(rows, results):
            outcomes[row.id] = outcome

    hashes = {row.id: row.content_hash for row in todo}
    site_of = {row.id: row.site_id for row in todo}
    changes = _store(sessions, outcomes, hashes, site_of, policies, model_version, counts)
    if changes:
        select_spot_checks(sessions, changes)  # a share of what was allowed goes to the "Spot check" tab
    if on_scored and changes:
        on_scored(changes)
    return counts


def _site_adapted(sessions, site_id: int, results: list) -> list:
    """The site's deployed adapter (modsvc/adaptation/) applied to the base results; the base's on any trouble."""
    try:
        return adapt_results(sessions, site_id, results)
    except Exception as exc:  # a broken adapter must not stop scoring: the base model decides, say why
        log.warning("site %s: adapter not applied (%s: %s)", site_id, type(exc).__name__, exc)
        return results


def _read_todo(sessions, ids: list[int], model_version: str, counts: dict[str, int]):
    todo = []
    site_ids: set[int] = set()
    with sessions() as session:
        for start in range(0, len(ids), READ_CHUNK):
            chunk = ids[start:start + READ_CHUNK]
            rows = session.execute(
                select(Comment.id, Comment.body, Comment.content_hash, Comment.score_state, Comment.model_version,
                       Thread.site_id)
                .join(Thread, Thread.id == Comment.thread_id)
                .where(Comment.id.in_(chunk))
            ).all()
            done = set(session.scalars(
                select(CommentScore.comment_id)
                .join(Comment, Comment.id == CommentScore.comment_id)
                .where(CommentScore.comment_id.in_(chunk), CommentScore.model_version == model_version,
                       CommentScore.content_hash == Comment.content_hash, Comment.score_state == "scored",
                       Comment.model_version == model_version)
            ))
            counts["missing"] += len(chunk) - len(rows)
            for row in rows:
                if row.id in done:
                    counts["skipped"] += 1
                else:
                    todo.append(row)
                    site_ids.add(row.site_id)
        policies = {}
        if site_ids:
            for site_id, data in session.execute(select(Site.id, Site.policy).where(Site.id.in_(site_ids))):
                try:
                    policies[site_id] = load_policy(data)
                except Exception as exc:  # a broken policy must not stop scoring: use the defaults, say why
                    log.warning("site %s: policy ignored (%s: %s)", site_id, type(exc).__name__, exc)
                    policies[site_id] = None
    return todo, policies


def analyze_with_fallback(
    analyzer: Any, texts: Sequence[str], policy: Any = None, *,
    passthrough_errors: tuple[type[BaseException], ...] = (),
) -> list[Any]:
    """``analyzer.analyze`` on the batch; if that raises, item by item. Failed items become error strings."""
    try:
        results = list(analyzer.analyze(list(texts), policy=policy))
        if len(results) != len(texts):
            raise RuntimeError(f"analyzer returned {len(results)} results for {len(texts)} texts")
        return [_reported_error(r) or r for r in results]
    except passthrough_errors:
        raise
    except Exception as exc:
        if len(texts) == 1:
            return [_error_text(exc)]
        log.warning("batch of %d failed (%s); retrying item by item", len(texts), _error_text(exc))
    out: list[Any] = []
    for text in texts:
        try:
            result = analyzer.analyze([text], policy=policy)[0]
            out.append(_reported_error(result) or result)
        except passthrough_errors:
            raise
        except Exception as exc:
            out.append(_error_text(exc))
    return out


def _reported_error(result: Any) -> str | None:
    """The analysis core reports an item it could not analyse as a warning "error: ..." (and never raises)."""
    for warning in getattr(result, "warnings", None) or ():
        if isinstance(warning, str) and warning.startswith("error:"):
            return warning.removeprefix("error:").strip()[:MAX_ERROR_CHARS] or "analysis failed"
    return None


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


def _lock_rows(session: Session, ids: list[int]):
    """Current state of the rows, locked until commit so two scorers of one comment take turns."""
    if session.get_bind().dialect.name == "sqlite":
        # A write first takes SQLite's database write lock, so what we read next cannot change under us.
        session.execute(update(Comment).where(Comment.id.in_(ids)).values(score_attempts=Comment.score_attempts))
        query = select(Comment.id, Comment.content_hash, Comment.status, Comment.score_state, Comment.model_version,
                       Comment.score_attempts, Comment.human_decided).where(Comment.id.in_(ids))
    else:
        query = (select(Comment.id, Comment.content_hash, Comment.status, Comment.score_state, Comment.model_version,
                        Comment.score_attempts, Comment.human_decided).where(Comment.id.in_(ids)).order_by(Comment.id)
                 .with_for_update())
    return {row.id: row for row in session.execute(query)}


def _store(sessions, outcomes: dict[int, Any], hashes, site_of, policies, model_version: str, counts) -> list[dict]:
    now = utcnow()
    score_rows, flag_rows, comment_updates, audit_rows, changes = [], [], [], [], []
    with sessions() as session, session.begin():
        current = _lock_rows(session, sorted(outcomes))
        touched: list[int] = []
        for comment_id, outcome in sorted(outcomes.items()):
            row = current.get(comment_id)
            if row is None:
                counts["missing"] += 1
                continue
            if row.content_hash != hashes[comment_id]:
                counts["changed"] += 1  # edited while we analysed: ingest queued the new text
                continue
            if row.score_state == "scored" and row.model_version == model_version:
                counts["skipped"] += 1  # a concurrent scorer of the same message got here first
                continue
            touched.append(comment_id)
            human = row.status in HUMAN_STATUSES or row.human_decided
            if isinstance(outcome, str):
                counts["failed"] += 1
                new_status = row.status if human else "failed"
                comment_updates.append({
                    "id": comment_id, "score_state": "failed", "score_error": outcome,
                    "score_attempts": (row.score_attempts or 0) + 1, "status": new_status,
                    "scored_at": None, "model_version": model_version, "top_label": None, "top_score": None,
                    "priority": 0.0, "language": None, "updated_at": now,
                })
                continue
            counts["scored"] += 1
            policy = policies.get(site_of[comment_id])
            result = outcome
            scores = {k: float(v) for k, v in result.scores.items()}
            top_label = max(scores, key=scores.get) if scores else None
            action = result.decision.action
            new_status = row.status if human else MACHINE_STATUS_FOR_ACTION.get(action, "review")
            priority = compute_priority(scores, result.spans, getattr(result, "warnings", ()),
                                        lambda label: _policy_threshold(policy, label, "hold", DEFAULT_HOLD_THRESHOLD)
                                        or 1.0)
            score_rows.append({
                "comment_id": comment_id, "model_version": model_version, "content_hash": hashes[comment_id],
                "scores": scores, "spans": [s.to_dict() for s in result.spans], "decision": action,
                "decision_reason": result.decision.reason, "model": dict(result.model or {}), "created_at": now,
                "adapted": getattr(result, "adapted", None),
            })
            flag_rows.extend(_flags(comment_id, scores, result, policy))
            comment_updates.append({
                "id": comment_id, "score_state": "scored", "score_error": None, "status": new_status,
                "scored_at": now, "model_version": model_version, "top_label": top_label,
                "top_score": scores.get(top_label) if top_label else None, "priority": priority,
                "language": _language_code(result), "updated_at": now,
            })
            if new_status != row.status and new_status in AUDITED_STATUSES:
                audit_rows.append({
                    "comment_id": comment_id, "actor": "system", "action": "score", "old_status": row.status,
                    "new_status": new_status, "reason": action, "note": (result.decision.reason or "")[:2000],
                    "created_at": now,
                })
            changes.append({"comment_id": comment_id, "old_status": row.status, "new_status": new_status,
                            "decision": action})
        if not touched:
            return []
        status_before = {cid: current[cid].status for cid in touched}
        if score_rows:
            _upsert_scores(session, score_rows)
        session.execute(delete(CommentFlag).where(CommentFlag.comment_id.in_(touched)))
        if flag_rows:
            session.execute(insert(CommentFlag), flag_rows)
        session.execute(update(Comment), comment_updates)
        # version is bumped only where the status changes, so a reviewer's open form conflicts only then
        bumped = [u["id"] for u in comment_updates if u["status"] != status_before[u["id"]]]
        if bumped:
            session.execute(update(Comment).where(Comment.id.in_(bumped)).values(version=Comment.version + 1))
        if audit_rows:
            session.execute(insert(AuditLog), audit_rows)
    return changes


def _language_code(result: Any) -> str | None:
    """The result's language as stored on the comment (analyzers without language identification: None)."""
    language = getattr(result, "language", None)
    return str(language)[:16] if language else None


def _flags(comment_id: int, scores: dict[str, float], result: Any, policy: Any) -> list[dict]:
    """Labels over the review threshold plus each span's (label, trope), highest score per pair."""
    best: dict[tuple[str, str | None], float] = {}
    crossed = set(getattr(result.decision, "labels", ()) or ())
    for label, score in scores.items():
        threshold = _policy_threshold(policy, label, "review", DEFAULT_REVIEW_THRESHOLD)
        if label in crossed or (threshold is not None and score >= threshold):
            best[(label, None)] = max(best.get((label, None), 0.0), score)
    for span in result.spans:
        key = (span.label, span.trope)
        best[key] = max(best.get(key, 0.0), float(span.score))
    return [{"comment_id": comment_id, "label": label, "trope": trope, "score": score}
            for (label, trope), score in sorted(best.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]


def _upsert_scores(session: Session, rows: list[dict]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database {dialect}")
    # executemany with one statement (no .values(rows)): SQLAlchemy then caches its compiled form and batches the
    # rows itself; a multi-VALUES statement was compiled afresh for every batch (~0.3 ms per comment)
    stmt = dialect_insert(CommentScore)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[CommentScore.comment_id, CommentScore.model_version],
        set_={
            "content_hash": excluded.content_hash, "scores": excluded.scores, "spans": excluded.spans,
            "decision": excluded.decision, "decision_reason": excluded.decision_reason, "model": excluded.model,
            "adapted": excluded.adapted,
            "created_at": excluded.created_at,
        },
    )
    session.execute(stmt, rows)


def mark_failed(sessions: sessionmaker[Session], comment_ids: Iterable[int], reason: str, *,
                count_attempt: bool = True) -> None:
    """Mark comments failed without analysing them (e.g. the analysis timed out); human decisions stay."""
    ids = sorted({int(i) for i in comment_ids})
    if not ids:
        return
    now = utcnow()
    with sessions() as session, session.begin():
        base = update(Comment).where(Comment.id.in_(ids), Comment.score_state != "scored")
        session.execute(base.values(score_state="failed", score_error=reason[:MAX_ERROR_CHARS],
                                    score_attempts=Comment.score_attempts + int(count_attempt), updated_at=now))
        session.execute(update(Comment).where(Comment.id.in_(ids), Comment.score_state == "failed",
                                              Comment.status.not_in(HUMAN_STATUSES), Comment.human_decided.is_(False))
                        .values(status="failed"))
