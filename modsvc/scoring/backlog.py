"""Finding work in the database: the queue is only a fast path, the comment rows are the truth.

A comment waits for scoring while ``score_state = 'pending'``. ``queued_at`` says when it
was last handed to a worker. Both modes build on that:

- scaled (Celery): ``requeue_stale`` picks pending rows whose ``queued_at`` is older than
  MODSVC_REQUEUE_AFTER_SECONDS (a lost message, a crashed worker, a broker restarted
  without persistence), sets ``queued_at = now`` and returns them for re-enqueueing;
- embedded: ``claim_pending`` leases rows by setting ``queued_at`` into the future, so a
  second process (``modsvc import --wait`` next to ``modsvc serve``) takes other rows; an
  expired lease (the process died) makes them claimable again, and ``release_leases`` at
  start-up hands back every lease at once.

Every update is a single conditional statement (``... WHERE score_state = 'pending' AND
queued_at < cutoff``), so two sweepers never hand out the same row twice.
"""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import Comment, utcnow

REQUEUE_AFTER_SECONDS = int(os.environ.get("MODSVC_REQUEUE_AFTER_SECONDS") or 600)
MAX_SCORE_ATTEMPTS = int(os.environ.get("MODSVC_MAX_SCORE_ATTEMPTS") or 3)


def _pick(session: Session, condition, limit: int) -> list[int]:
    """Up to ``limit`` ids matching ``condition``, oldest first; on PostgreSQL locked (rows another
    sweeper holds are skipped) until the caller's transaction ends. Two statements rather than
    UPDATE ... IN (SELECT ... LIMIT ... FOR UPDATE): PostgreSQL may re-run such a subquery."""
    query = select(Comment.id).where(condition).order_by(Comment.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def claim_pending(sessions: sessionmaker[Session], limit: int, lease_seconds: float) -> list[int]:
    """Embedded mode: lease up to ``limit`` pending comments (oldest first) for ``lease_seconds``."""
    now = utcnow()
    claimable = and_(Comment.score_state == "pending", or_(Comment.queued_at.is_(None), Comment.queued_at <= now))
    with sessions() as session, session.begin():
        ids = session.scalars(
            update(Comment)
            .where(Comment.id.in_(_pick(session, claimable, limit)), claimable)
            .values(queued_at=now + timedelta(seconds=lease_seconds))
            .returning(Comment.id)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted(ids)


def release_leases(sessions: sessionmaker[Session]) -> int:
    """Start-up: make every leased pending comment claimable now."""
    now = utcnow()
    with sessions() as session, session.begin():
        result = session.execute(
            update(Comment).where(Comment.score_state == "pending", Comment.queued_at > now)
            .values(queued_at=now).execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


def release(sessions: sessionmaker[Session], comment_ids: list[int]) -> int:
    """Hand back leased comments still pending (a stopping process): claimable again now."""
    now = utcnow()
    with sessions() as session, session.begin():
        result = session.execute(
            update(Comment).where(Comment.id.in_(comment_ids), Comment.score_state == "pending",
                                  Comment.queued_at > now)
            .values(queued_at=now).execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


def requeue_stale(sessions: sessionmaker[Session], older_than_seconds: float, limit: int = 5000) -> list[int]:
    """Scaled mode: pending comments handed out longer ago than ``older_than_seconds``, re-stamped now."""
    now = utcnow()
    stale = and_(Comment.score_state == "pending",
                 or_(Comment.queued_at.is_(None), Comment.queued_at < now - timedelta(seconds=older_than_seconds)))
    with sessions() as session, session.begin():
        ids = session.scalars(
            update(Comment).where(Comment.id.in_(_pick(session, stale, limit)), stale)
            .values(queued_at=now).returning(Comment.id).execution_options(synchronize_session=False)
        ).all()
    return sorted(ids)


def _requeue(sessions: sessionmaker[Session], condition, limit: int) -> list[int]:
    """Send up to ``limit`` comments matching ``condition`` back to pending (status kept); returns their ids."""
    with sessions() as session, session.begin():
        ids = session.scalars(
            update(Comment).where(Comment.id.in_(_pick(session, condition, limit)), condition)
            .values(score_state="pending", queued_at=utcnow()).returning(Comment.id)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted(ids)


def reset_failed(sessions: sessionmaker[Session], max_attempts: int = MAX_SCORE_ATTEMPTS,
                 limit: int = 5000) -> list[int]:
    """Failed comments with fewer than ``max_attempts`` attempts go back to pending; returns their ids."""
    return _requeue(sessions, and_(Comment.score_state == "failed", Comment.score_attempts < max_attempts), limit)


def mark_outdated(sessions: sessionmaker[Session], model_version: str, limit: int = 5000) -> list[int]:
    """Comments scored by another model version go back to pending (status kept); returns their ids."""
    return _requeue(sessions, and_(Comment.score_state == "scored", Comment.model_version != model_version), limit)


def state_counts(sessions: sessionmaker[Session], comment_ids: list[int] | None = None) -> dict[str, dict[str, int]]:
    """Counts of comments by score_state and by status, for all comments or the given ids."""
    out = {"score_state": {}, "status": {}}
    with sessions() as session:
        for column, key in ((Comment.score_state, "score_state"), (Comment.status, "status")):
            if comment_ids is None:
                rows = session.execute(select(column, func.count()).group_by(column)).all()
            else:
                rows = []
                totals: dict[str, int] = {}
                for start in range(0, len(comment_ids), 1000):
                    chunk = comment_ids[start:start + 1000]
                    for value, n in session.execute(
                        select(column, func.count()).where(Comment.id.in_(chunk)).group_by(column)
                    ):
                        totals[value] = totals.get(value, 0) + n
                rows = list(totals.items())
            out[key] = {value: n for value, n in rows}
    return out


def pending_among(sessions: sessionmaker[Session], comment_ids: list[int]) -> list[int]:
    """Which of these comments are still pending."""
    left: list[int] = []
    with sessions() as session:
        for start in range(0, len(comment_ids), 1000):
            chunk = comment_ids[start:start + 1000]
            left.extend(session.scalars(
                select(Comment.id).where(Comment.id.in_(chunk), Comment.score_state == "pending")
            ))
    return left
