"""Per-API-key rate limits (Flask-Limiter) and daily quotas, in Redis when scaled.

With ``MODSVC_REDIS_URL`` set, every web process counts in the same Redis, so a key's limit holds across
gunicorn workers and machines. Without it, rate limits are counted in each process's memory (fine for the
single-process mode: a restart only forgives a second's worth), and daily quotas in the database
(modsvc/access/daily_quota.py), so a restart does not hand out a fresh day's quota.

Settings (environment):
  MODSVC_API_RATE_LIMIT  limit for keys without their own (default ``50/second``)
"""
from __future__ import annotations

import logging
import math
import os
import time
from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, g
from flask_limiter import Limiter
from limits.storage import MemoryStorage
from sqlalchemy.exc import SQLAlchemyError

from ..access.daily_quota import charge

log = logging.getLogger(__name__)
DEFAULT_RATE_LIMIT = os.environ.get("MODSVC_API_RATE_LIMIT", "50/second")
QUOTA_KEY = "quota/{key_id}/{day}"


class QuotaExceeded(Exception):
    def __init__(self, quota: int, retry_after: int) -> None:
        self.quota = quota
        self.retry_after = retry_after
        super().__init__(
            f"daily quota of {quota} requests for this API key is used up; it resets at 00:00 UTC "
            f"(in {retry_after} s)"
        )


def storage_uri_for(redis_url: str) -> str:
    return redis_url or "memory://"


def _limit_key() -> str:
    info = g.get("api_key")
    return f"apikey:{info.id}" if info is not None else "apikey:none"


def _limit_value() -> str:
    info = g.get("api_key")
    return (info.rate_limit if info is not None and info.rate_limit else None) or DEFAULT_RATE_LIMIT


def init_app(app: Flask) -> Limiter:
    """One limiter per app; views opt in through :func:`key_rate_limit` (no global limits)."""
    settings = app.extensions["modsvc.settings"]
    limiter = Limiter(
        key_func=_limit_key,
        app=app,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or storage_uri_for(settings.redis_url),
        storage_options={"socket_timeout": 1, "socket_connect_timeout": 1} if settings.redis_url else {},
        strategy="fixed-window",
        # Redis away: count in this process's memory meanwhile rather than failing every API request.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,  # we set Retry-After ourselves; its after_request rewrite would round it to 0
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "modsvc"),
    )
    app.extensions["modsvc.limiter"] = limiter
    return limiter


def limiter() -> Limiter:
    return current_app.extensions["modsvc.limiter"]


def key_rate_limit(view):
    """Limit a view per API key, with the key's own limit (g.api_key must be set before it runs)."""
    from functools import wraps

    @wraps(view)
    def wrapper(*args, **kwargs):
        # Resolved per call: the limiter lives on the app, and views are defined before any app exists.
        limited = current_app.extensions.setdefault("modsvc.limited_views", {})
        inner = limited.get(view)
        if inner is None:
            # One budget per key across every API endpoint (a shared scope), not one per endpoint.
            inner = limited[view] = limiter().shared_limit(_limit_value, scope="apikey", key_func=_limit_key)(view)
        return inner(*args, **kwargs)

    return wrapper


def retry_after_seconds() -> int:
    """Seconds until the limit that was just hit resets (at least 1)."""
    current = limiter().current_limit
    if current is None:
        return 1
    window = current.limit.get_expiry()  # reset_at is rounded up to whole seconds: never say more than a window
    return max(1, min(window, math.ceil(current.reset_at - time.time())))


def charge_daily_quota(key_id: int, quota: int | None, amount: int = 1) -> None:
    """Count ``amount`` requests against today's quota (UTC day); raise QuotaExceeded when it is used up."""
    if not quota:
        return
    now = datetime.now(timezone.utc)
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    seconds_left = max(1, math.ceil((tomorrow - now).total_seconds()))
    storage = limiter().storage
    if isinstance(storage, MemoryStorage):
        used = _charge_in_database(key_id, now.date(), amount)
        if used is not None and used > quota:
            raise QuotaExceeded(quota, seconds_left)
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "modsvc")
    key = prefix + "/" + QUOTA_KEY.format(key_id=key_id, day=now.strftime("%Y%m%d"))
    try:
        used = storage.incr(key, expiry=seconds_left + 60, amount=amount)
    except Exception as exc:  # Redis away: serve rather than refuse; the rate limit falls back to memory
        log.warning("daily quota not counted (%s: %s)", type(exc).__name__, exc)
        return
    if used > quota:
        raise QuotaExceeded(quota, seconds_left)


def _charge_in_database(key_id: int, day, amount: int) -> int | None:
    try:
        with current_app.extensions["modsvc.sessions"]() as session:
            used = charge(session, key_id, day, amount)
            session.commit()
            return used
    except SQLAlchemyError as exc:  # a busy database: serve rather than refuse, as when Redis is away
        log.warning("daily quota not counted (%s: %s)", type(exc).__name__, exc)
        return None
