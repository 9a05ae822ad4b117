"""Reviewer accounts: argon2 password hashes, creation, lookup. Used by the web login and `modsvc users`."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import User

ROLES = ("admin", "moderator")
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password (no user probing).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A user-facing problem with an account request (duplicate name, weak password, unknown role)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(session: Session, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("user name must be 1 to 100 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if find_user(session, username) is not None:
        raise AccountError(f"a user named {username!r} already exists")
    check_password_strength(password)
    user = User(username=username, password_hash=hash_password(password), role=role, active=True)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)


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
