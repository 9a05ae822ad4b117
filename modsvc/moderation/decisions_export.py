"""Human decisions as labelled data for retraining (`modsvc export --decisions`), one JSON object a line.

Each approve/reject in the audit log that was not undone becomes a record:
  {"comment_id", "text", "labels" (flagged by the detectors), "decision" ("approved"|"rejected"),
   "reason" (reject reason code or null), "note", "reviewer", "time" (ISO 8601 UTC), "site", "model_version",
   "language" (the comment's language when it was scored: ISO 639-1, "und", or null)}
A comment decided twice (e.g. approved, later rejected by a senior) yields two records; the later one is
the current truth, and both are kept because disagreement is itself a useful signal.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditLog, Comment, CommentFlag, Site, Thread

DECISION_STATUS = {"approve": "approved", "reject": "rejected"}


def _surviving_decisions(session: Session, site: str | None) -> Iterator[list[AuditLog]]:
    """Per comment, its approve/reject rows minus the ones an undo took back (an undo cancels the latest)."""
    query = (select(AuditLog)
             .where(AuditLog.comment_id.is_not(None), AuditLog.user_id.is_not(None),
                    AuditLog.action.in_(("approve", "reject", "escalate", "undo")))
             .order_by(AuditLog.comment_id, AuditLog.id))
    if site:
        site_comments = (select(Comment.id).join(Thread, Comment.thread_id == Thread.id)
                         .join(Site, Thread.site_id == Site.id).where(Site.key == site))
        query = query.where(AuditLog.comment_id.in_(site_comments))
    current_id, stack = None, []
    for entry in session.scalars(query.execution_options(yield_per=2000)):
        if entry.comment_id != current_id:
            if stack:
                yield [e for e in stack if e.action in DECISION_STATUS]
            current_id, stack = entry.comment_id, []
        if entry.action == "undo":
            if stack:
                stack.pop()
        else:
            stack.append(entry)
    if stack:
        yield [e for e in stack if e.action in DECISION_STATUS]


def iter_decisions(session: Session, site: str | None = None, batch: int = 500) -> Iterator[dict]:
    pending: list[list[AuditLog]] = []
    for group in _surviving_decisions(session, site):
        if group:
            pending.append(group)
        if len(pending) >= batch:
            yield from _records(session, pending)
            pending = []
    yield from _records(session, pending)


def _records(session: Session, groups: list[list[AuditLog]]) -> Iterator[dict]:
    if not groups:
        return
    ids = [g[0].comment_id for g in groups]
    comments = {c.id: (c, key) for c, key in session.execute(
        select(Comment, Site.key).join(Thread, Comment.thread_id == Thread.id).join(Site, Thread.site_id == Site.id)
        .where(Comment.id.in_(ids)))}
    labels: dict[int, set[str]] = {}
    for comment_id, label in session.execute(select(CommentFlag.comment_id, CommentFlag.label)
                                             .where(CommentFlag.comment_id.in_(ids))):
        labels.setdefault(comment_id, set()).add(label)
    for group in groups:
        for entry in group:
            found = comments.get(entry.comment_id)
            if found is None:
                continue
            comment, site_key = found
            yield {
                "comment_id": comment.id,
                "text": comment.body,
                "labels": sorted(labels.get(comment.id, ())),
                "decision": DECISION_STATUS[entry.action],
                "reason": entry.reason,
                "note": entry.note,
                "reviewer": entry.actor,
                "time": entry.created_at.isoformat() if entry.created_at else None,
                "site": site_key,
                "model_version": comment.model_version,
                "language": comment.language,
            }


def write_decisions(session: Session, out: IO[str], site: str | None = None) -> int:
    count = 0
    for record in iter_decisions(session, site=site):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
