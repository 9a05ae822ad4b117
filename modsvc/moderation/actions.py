"""Reviewer decisions: approve, reject, escalate, undo — each one a version-checked UPDATE plus an audit row.

Two reviewers acting on the same comment: the UPDATE carries ``WHERE id = ? AND version = ?``, so exactly one
of them changes the row; the other gets a ``Conflict`` naming who decided what, never a second decision.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..integrations import webhooks
from ..models import AuditLog, Comment

log = logging.getLogger(__name__)

# Reject reasons: (code, label). The code is what the audit log and the exports store.
REJECT_REASONS: tuple[tuple[str, str], ...] = (
    ("toxic", "Toxic or insulting"),
    ("threat", "Threat"),
    ("hate", "Hate speech / antisemitism"),
    ("conspiracy", "Conspiracy / misinformation"),
    ("spam", "Spam"),
    ("off_topic", "Off-topic"),
    ("other", "Other"),
)
REJECT_REASON_CODES = {code for code, _ in REJECT_REASONS}
# The reason offered first when rejecting, from the comment's strongest label.
SUGGESTED_REASON = {"antisemitism": "hate", "identity_attack": "hate", "threat": "threat", "conspiracy": "conspiracy"}


def suggested_reason(top_label: str | None) -> str:
    return SUGGESTED_REASON.get(top_label or "", "toxic")
ACTIONS = {"approve": "approved", "reject": "rejected", "escalate": "held"}
DECISION_ACTIONS = ("approve", "reject", "escalate")
WEBHOOK_STATUSES = ("approved", "rejected", "held")
MAX_NOTE = 2000


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str


class ActionError(Exception):
    """A decision that cannot be made; ``status`` is the HTTP status to answer with."""

    status = 400


class NotFound(ActionError):
    status = 404


class Conflict(ActionError):
    """Someone else changed the comment first (or it is already in that state)."""

    status = 409

    def __init__(self, message: str, comment: Comment | None = None):
        super().__init__(message)
        self.comment = comment


@dataclass
class Outcome:
    comment_id: int
    old_status: str
    new_status: str
    version: int
    audit_id: int


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _describe_last_change(session: Session, comment: Comment) -> str:
    last = session.scalar(select(AuditLog).where(AuditLog.comment_id == comment.id).order_by(AuditLog.id.desc()).limit(1))
    if last is None:
        return f"It is now {comment.status}."
    when = last.created_at.strftime("%Y-%m-%d %H:%M UTC") if last.created_at else "earlier"
    return f"It is now {comment.status} ({last.action} by {last.actor}, {when})."


def _apply(session: Session, comment_id: int, expected_version: int, new_status: str, escalated: bool | None,
           actor: Actor, action: str, reason: str | None, note: str | None) -> Outcome:
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None:
        raise NotFound(f"comment {comment_id} does not exist")
    if comment.version != expected_version:
        raise Conflict(f"Comment {comment_id} was already decided by someone else. "
                       f"{_describe_last_change(session, comment)}", comment)
    if action == "escalate" and comment.escalated:
        raise Conflict(f"Comment {comment_id} is already escalated.", comment)
    if comment.status == new_status and action != "escalate":
        raise Conflict(f"Comment {comment_id} is already {new_status}.", comment)
    old_status = comment.status
    # human_decided: from now on the machine's scores never set this comment's status (see modsvc.scoring)
    values: dict = {"status": new_status, "version": Comment.version + 1, "updated_at": _now(), "human_decided": True}
    if escalated is not None:
        values["escalated"] = escalated
    result = session.execute(
        update(Comment).where(Comment.id == comment_id, Comment.version == expected_version).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        comment = session.get(Comment, comment_id, populate_existing=True)
        raise Conflict(f"Comment {comment_id} was already decided by someone else. "
                       f"{_describe_last_change(session, comment)}" if comment else "comment gone", comment)
    entry = AuditLog(comment_id=comment_id, user_id=actor.user_id, actor=actor.username, action=action,
                     old_status=old_status, new_status=new_status, reason=reason, note=note or None)
    session.add(entry)
    session.flush()
    session.refresh(comment)
    if new_status in WEBHOOK_STATUSES and new_status != old_status:
        _emit_webhook(session, comment, new_status, actor.username)
    return Outcome(comment_id=comment_id, old_status=old_status, new_status=new_status,
                   version=comment.version, audit_id=entry.id)


def _emit_webhook(session: Session, comment: Comment, event: str, actor: str) -> None:
    """The site's webhook (``modsvc/integrations/webhooks.py``): an outbox row in this transaction, sent after the commit."""
    webhooks.emit(session, comment, event, actor=actor)


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ActionError(f"the note is longer than {MAX_NOTE} characters")
    return note or None


def decide(session: Session, comment_id: int, expected_version: int, action: str, actor: Actor,
           reason: str | None = None, note: str | None = None) -> Outcome:
    """Approve, reject (with a reason) or escalate one comment, and commit."""
    if action not in ACTIONS:
        raise ActionError(f"unknown action {action!r}")
    note = _clean_note(note)
    if action == "reject":
        if reason not in REJECT_REASON_CODES:
            raise ActionError("choose a reason to reject: " + ", ".join(sorted(REJECT_REASON_CODES)))
    else:
        reason = None
    escalated = True if action == "escalate" else None
    try:
        outcome = _apply(session, comment_id, expected_version, ACTIONS[action], escalated, actor, action, reason, note)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcome


def undo(session: Session, comment_id: int, expected_version: int, actor: Actor) -> Outcome:
    """Put the comment back where the last human decision found it (old status from the audit log)."""
    last = session.scalar(select(AuditLog).where(AuditLog.comment_id == comment_id,
                                                 AuditLog.action.in_(DECISION_ACTIONS + ("undo",)))
                          .order_by(AuditLog.id.desc()).limit(1))
    if last is None or last.action == "undo" or not last.old_status:
        raise Conflict(f"Comment {comment_id} has no decision to undo.")
    escalated = False if last.action == "escalate" else None
    try:
        outcome = _apply(session, comment_id, expected_version, last.old_status, escalated, actor, "undo",
                         None, f"undid {last.action} #{last.id} by {last.actor}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcome


@dataclass
class BulkResult:
    done: list[Outcome]
    conflicts: list[tuple[int, str]]


def decide_many(session: Session, items: list[tuple[int, int]], action: str, actor: Actor,
                reason: str | None = None, note: str | None = None) -> BulkResult:
    """Bulk approve/reject: each (comment id, version) on its own, so one conflict does not stop the rest."""
    if action not in ("approve", "reject"):
        raise ActionError("bulk actions are approve and reject")
    result = BulkResult(done=[], conflicts=[])
    for comment_id, version in items:
        try:
            result.done.append(decide(session, comment_id, version, action, actor, reason, note))
        except (Conflict, NotFound) as exc:
            result.conflicts.append((comment_id, str(exc)))
    return result


def undo_last_of(session: Session, actor: Actor) -> Outcome:
    """Undo this reviewer's most recent decision that still stands (nobody changed the comment since)."""
    recent = session.scalars(select(AuditLog).where(AuditLog.user_id == actor.user_id,
                                                    AuditLog.action.in_(DECISION_ACTIONS))
                             .order_by(AuditLog.id.desc()).limit(20))
    for entry in recent:
        latest = session.scalar(select(AuditLog).where(AuditLog.comment_id == entry.comment_id)
                                .order_by(AuditLog.id.desc()).limit(1))
        if latest is not None and latest.id == entry.id:
            comment = session.get(Comment, entry.comment_id)
            if comment is not None and comment.status == entry.new_status:
                return undo(session, comment.id, comment.version, actor)
    raise Conflict("You have no recent decision left to undo.")
