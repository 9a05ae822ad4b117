"""Reviewer sessions: the server-side identity behind a sign-in cookie.

The cookie carries a random token (as Flask-Login's user id); the database keeps its SHA-256 with the user, the
address signed in from, when it started and when it was last used. A request counts as signed in only while that
row is live: not ended (sign-out ends one session; a password change or disabling the account ends all of the
user's) and within both lifetimes, idle and absolute. A copied cookie therefore dies with its session.

Ended rows are kept for KNOWN_ADDRESS_DAYS: the sign-in throttle asks which addresses a user signed in from lately.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from ..models import User, UserSession, utcnow

KNOWN_ADDRESS_DAYS = 30
# last_seen_at is written at most once a minute per session (not on every request): idle time is exact to that.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Lifetime:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, idle_minutes: int, max_hours: int) -> Lifetime:
        if idle_minutes < 1 or max_hours < 1:
            raise ValueError("MODSVC_SESSION_IDLE_MINUTES and MODSVC_SESSION_MAX_HOURS must be at least 1")
        return cls(timedelta(minutes=idle_minutes), timedelta(hours=max_hours))


@dataclass(frozen=True, slots=True)
class LiveSession:
    id: int
    user: User
    needs_touch: bool  # last used long enough ago that the new use should be written (see touch())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def start_session(db: Session, user: User, address: str | None, lifetime: Lifetime) -> str:
    """A new session for ``user`` (added, not committed); returns the token for the cookie."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    db.add(UserSession(user_id=user.id, token_hash=_digest(token), address=(address or "")[:100] or None,
                       created_at=now, last_seen_at=now))
    # Rows nobody can use or ask about any more; pruned here, at the rare moment a row is added.
    keep = max(timedelta(days=KNOWN_ADDRESS_DAYS), lifetime.absolute)
    db.execute(delete(UserSession).where(UserSession.created_at < now - keep))
    return token


def find_live_session(db: Session, token: str, lifetime: Lifetime) -> LiveSession | None:
    """The session behind ``token`` if it is live and its user active, else None."""
    if not token or len(token) > 200:
        return None
    row = db.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                     .where(UserSession.token_hash == _digest(token), UserSession.ended_at.is_(None))).first()
    if row is None:
        return None
    session, user = row
    now = utcnow()
    last_seen = _aware(session.last_seen_at)
    if not user.active or now - _aware(session.created_at) > lifetime.absolute or now - last_seen > lifetime.idle:
        return None
    return LiveSession(session.id, user, needs_touch=now - last_seen >= TOUCH_EVERY)


def touch(db: Session, session_id: int) -> None:
    """Record a use of the session (keeps it from idling out)."""
    db.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow()))


def end_session(db: Session, token: str, reason: str) -> None:
    db.execute(update(UserSession).where(UserSession.token_hash == _digest(token), UserSession.ended_at.is_(None))
               .values(ended_at=utcnow(), end_reason=reason))


def end_user_sessions(db: Session, user_id: int, reason: str) -> None:
    """End every session of a user (password changed, account disabled)."""
    db.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
               .values(ended_at=utcnow(), end_reason=reason))


def signed_in_recently(db: Session, username: str, address: str | None) -> bool:
    """Whether the user with this name (in any case) signed in from ``address`` in the last KNOWN_ADDRESS_DAYS."""
    if not address:
        return False
    since = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return bool(db.scalar(select(exists().where(
        UserSession.user_id == User.id, func.lower(User.username) == func.lower(username),
        UserSession.address == address[:100], UserSession.created_at >= since))))
