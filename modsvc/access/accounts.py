"""Reviewer accounts: argon2 password hashes, the password policy, creation, lookup. Used by the web login and
`modsvc users`.

User names are unique regardless of case (the database's ``uq_users_username_lower`` index); look-ups ignore case.
Passwords need MIN_PASSWORD_LENGTH characters and must not be easy to guess: zxcvbn (Dropbox's estimator, with
its lists of common and leaked passwords, words, names, keyboard patterns, dates and the user's own name) must
rate them at least MIN_PASSWORD_SCORE out of 4, i.e. more than 10^8 guesses.
"""
from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from ..models import User
from .reviewer_sessions import end_user_sessions

ROLES = ("admin", "moderator")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work a request can cause
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable", more than 10^8 guesses
_ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters decide
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps the user's own words in a module-level dictionary
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password (no user probing).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A user-facing problem with an account request (duplicate name, weak password, unknown role)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, username: str | None = None) -> None:
    """Raise AccountError with the reason when ``password`` is too short, too long or too easy to guess."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    from zxcvbn import zxcvbn

    with _zxcvbn_lock:
        verdict = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[username] if username else [])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        feedback = verdict["feedback"]
        hints = " ".join(part for part in [feedback.get("warning"), *feedback.get("suggestions", [])] if part)
        raise AccountError("password is too easy to guess" + (f": {hints}" if hints else
                                                              ": it follows a common pattern; use a longer phrase"))


def find_user(session: Session, username: str) -> User | None:
    """The user with this name in any case ("Bob" finds "bob")."""
    return session.scalar(select(User).where(func.lower(User.username) == func.lower(username)))


def _already_exists(name: str) -> AccountError:
    return AccountError(f"a user named {name!r} already exists (user names are not case-sensitive)")


def create_user(session: Session, username: str, password: str, role: str) -> User:
    """A new active user (flushed, not committed). On a name clash the session is rolled back."""
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("user name must be 1 to 100 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    existing = find_user(session, username)
    if existing is not None:
        raise _already_exists(existing.username)
    check_password_strength(password, username)
    user = User(username=username, password_hash=hash_password(password), role=role, active=True)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # created meanwhile ("Ann" and "ann" at once): the index refused this one
        session.rollback()
        raise _already_exists(username) from exc
    return user


def set_password(user: User, password: str) -> None:
    """Change the password and end every session of the user (a stolen session must not outlive the change)."""
    check_password_strength(password, user.username)
    user.password_hash = hash_password(password)
    session = object_session(user)
    if session is not None and user.id is not None:
        end_user_sessions(session, user.id, "password changed")


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends all its sessions, so enabling it again revives none."""
    user.active = active
    session = object_session(user)
    if not active and session is not None and user.id is not None:
        end_user_sessions(session, user.id, "disabled")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None. Rehashes when argon2 parameters changed."""
    user = find_user(session, username)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
