"""API keys: creation, look-up and revocation. Shared by the CLI, the admin pages and the API decorator.

A key is ``msk_`` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored: with that much
entropy a slow hash adds nothing, and a fast one keeps the per-request check cheap. The first
characters (``prefix``) are stored too, so listings and ``revoke`` can name a key without revealing it.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import ApiKey, Site, utcnow
from ..params import MAX_DB_INT
from .sites import SiteScope, get_or_create_site_id

KEY_MARK = "msk_"
PREFIX_LENGTH = 12  # "msk_" + 8 characters: enough to tell keys apart, far too little to guess the rest
LAST_USED_WRITE_SECONDS = 60  # last_used_at is a hint; writing it on every request would serialise the API


class ApiKeyError(ValueError):
    """A user-facing problem with a key command (unknown site, bad limit, no such key)."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What a request needs to know about its key: a detached, immutable copy of the row."""

    id: int
    name: str
    prefix: str
    site_id: int | None
    rate_limit: str | None
    daily_quota: int | None
    site_key: str | None = None  # the key's site, when it is bound to one

    @property
    def scope(self) -> SiteScope:
        return SiteScope(self.site_id, self.site_key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> str:
    return KEY_MARK + secrets.token_urlsafe(32)


def parse_rate_limit(value: str) -> str:
    """Validate a rate limit such as ``20/second`` or ``1000 per hour``; returns it normalised."""
    from limits import parse

    try:
        item = parse(value)
    except ValueError as exc:
        raise ApiKeyError(f"bad rate limit {value!r}: use e.g. '20/second', '600/minute' or '10000/day'") from exc
    if item.amount < 1:
        raise ApiKeyError(f"bad rate limit {value!r}: the amount must be at least 1")
    return value.strip()


def create_api_key(
    session: Session,
    name: str,
    site_key: str | None = None,
    rate_limit: str | None = None,
    daily_quota: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key row (added, not committed) and the plaintext key, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("a key needs a name (who or what uses it)")
    site_id = get_or_create_site_id(session, site_key) if site_key else None
    if rate_limit:
        rate_limit = parse_rate_limit(rate_limit)
    if daily_quota is not None and not 1 <= daily_quota <= MAX_DB_INT:
        raise ApiKeyError(f"the daily quota must be a positive number of requests, at most {MAX_DB_INT}")
    plaintext = generate_key()
    row = ApiKey(
        name=name,
        site_id=site_id,
        prefix=plaintext[:PREFIX_LENGTH],
        key_hash=hash_key(plaintext),
        rate_limit=rate_limit or None,
        daily_quota=daily_quota,
    )
    session.add(row)
    session.flush()
    return row, plaintext


def find_keys(session: Session, ident: str) -> list[ApiKey]:
    """Keys matching a numeric id, a prefix as ``list`` shows it, or the whole key."""
    ident = ident.strip()
    if ident.isdigit():
        return list(session.scalars(select(ApiKey).where(ApiKey.id == int(ident))))
    if len(ident) >= PREFIX_LENGTH:
        return list(session.scalars(select(ApiKey).where(ApiKey.prefix == ident[:PREFIX_LENGTH])))
    if len(ident) > len(KEY_MARK):
        return list(session.scalars(select(ApiKey).where(ApiKey.prefix.startswith(ident, autoescape=True))))
    return []


def revoke_api_key(session: Session, ident: str) -> ApiKey:
    rows = find_keys(session, ident)
    if not rows:
        raise ApiKeyError(f"no API key with id or prefix {ident!r} (see 'modsvc api-keys list')")
    if len(rows) > 1:
        raise ApiKeyError(f"{ident!r} matches {len(rows)} keys; use the numeric id")
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def key_info(row: ApiKey, site_key: str | None = None) -> KeyInfo:
    return KeyInfo(row.id, row.name, row.prefix, row.site_id, row.rate_limit, row.daily_quota, site_key)


class KeyResolver:
    """Plaintext key -> KeyInfo for live keys, with a short per-process cache.

    The cache keeps the hot path off the database; revoking a key therefore takes effect within
    ``cache_seconds`` (default 2 s) in every web process.
    """

    def __init__(self, sessions: sessionmaker[Session], cache_seconds: float = 2.0) -> None:
        self.sessions = sessions
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}
        self._last_written: dict[int, float] = {}
        self._lock = threading.Lock()

    def resolve(self, plaintext: str) -> KeyInfo | None:
        if not plaintext or len(plaintext) > 200:
            return None
        digest = hash_key(plaintext)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < self.cache_seconds:
            info = cached[1]
        else:
            info = self._load(digest)
            with self._lock:
                if len(self._cache) > 10_000:  # junk keys must not grow memory without bound
                    self._cache.clear()
                self._cache[digest] = (now, info)
        if info is not None:
            self._touch(info.id, now)
        return info

    def _load(self, digest: str) -> KeyInfo | None:
        with self.sessions() as session:
            found = session.execute(select(ApiKey, Site.key).outerjoin(Site, Site.id == ApiKey.site_id)
                                    .where(ApiKey.key_hash == digest)).first()
            if found is None or found[0].revoked_at is not None:
                return None
            return key_info(*found)

    def _touch(self, key_id: int, now: float) -> None:
        last = self._last_written.get(key_id)
        if last is not None and now - last < LAST_USED_WRITE_SECONDS:
            return
        self._last_written[key_id] = now
        try:
            with self.sessions() as session:
                session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))
                session.commit()
        except Exception:  # a busy database must not fail the request over a usage hint
            self._last_written.pop(key_id, None)


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"
