"""API-key authentication for the API blueprints, with per-key rate limits, daily quotas and error shapes.

``@require_api_key()`` on a view: the key comes from ``?key=``, ``Authorization: Bearer``, ``X-API-Key`` or
``X-Goog-Api-Key``; an unknown or revoked key is refused, then the key's daily quota and rate limit are
charged, and ``g.api_key`` (a KeyInfo) is set for the view. ``errors="perspective"`` answers in Google's
error shape (for the Perspective-compatible paths), the default in ours. ``max_body`` sets a smaller
request-size limit than the app's (scoring requests are small; imports are not).

The key itself is never logged: error messages name only its prefix, at most.
"""
from __future__ import annotations

import logging
import re
from functools import wraps

from flask import current_app, g, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import RequestEntityTooLarge

from . import ratelimit
from ..access.apikeys import KeyResolver
from ..scoring.batcher import Overloaded
from .errors import api_error
from .google_errors import google_error

SCORE_MAX_BODY = 1024 * 1024  # 1 MB: a thousand long comments; anything bigger is a mistake or an attack


def resolver() -> KeyResolver:
    ext = current_app.extensions
    if "modsvc.key_resolver" not in ext:
        seconds = float(current_app.config.get("API_KEY_CACHE_SECONDS", 2.0))
        ext["modsvc.key_resolver"] = KeyResolver(ext["modsvc.sessions"], cache_seconds=seconds)
    return ext["modsvc.key_resolver"]


def presented_key() -> str | None:
    key = request.args.get("key") or request.headers.get("X-API-Key") or request.headers.get("X-Goog-Api-Key")
    if key:
        return key.strip()
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _error(style: str, code: int, message: str, reason: str | None = None, retry_after: int | None = None):
    if style == "perspective":
        return google_error(code, message, reason, retry_after=retry_after)
    response = api_error(code, message, **({"reason": reason} if reason else {}))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="modsvc"'
    return response


def require_api_key(errors: str = "modsvc", max_body: int | None = None):
    def decorate(view):
        @wraps(view)
        def charged(*args, **kwargs):  # runs after the rate limit passed: refused requests cost no quota
            ratelimit.charge_daily_quota(g.api_key.id, g.api_key.daily_quota)
            return view(*args, **kwargs)

        limited = ratelimit.key_rate_limit(charged)

        @wraps(view)
        def wrapper(*args, **kwargs):
            if max_body is not None:
                request.max_content_length = min(max_body, current_app.config.get("MAX_CONTENT_LENGTH") or max_body)
            key = presented_key()
            if not key:
                if errors == "perspective":
                    return _error(errors, 403, "The request is missing a valid API key.")
                return _error(errors, 401, "an API key is required: pass it as ?key=, 'Authorization: Bearer KEY' "
                                           "or 'X-API-Key: KEY' (create one with 'modsvc api-keys create')")
            info = resolver().resolve(key)
            if info is None:
                if errors == "perspective":
                    return _error(errors, 400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID")
                return _error(errors, 401, "API key not valid (unknown or revoked)")
            g.api_key = info
            try:
                return limited(*args, **kwargs)
            except ratelimit.QuotaExceeded as exc:
                return _error(errors, 429, str(exc), "QUOTA_EXCEEDED" if errors == "perspective" else None,
                              retry_after=exc.retry_after)
            except RateLimitExceeded:
                retry = ratelimit.retry_after_seconds()
                limit = info.rate_limit or ratelimit.DEFAULT_RATE_LIMIT
                message = f"rate limit of {limit} for this API key exceeded; retry after {retry} s"
                if errors == "perspective":
                    message = (f"Quota exceeded for quota metric 'Analysis requests' and limit '{limit}' of "
                               f"service 'commentanalyzer.googleapis.com' for API key {info.prefix}...")
                return _error(errors, 429, message, "RATE_LIMIT_EXCEEDED" if errors == "perspective" else None,
                              retry_after=retry)
            except Overloaded as exc:
                return _error(errors, 503, str(exc), retry_after=exc.retry_after)
            except RequestEntityTooLarge:
                limit = request.max_content_length
                return _error(errors, 413, f"request body too large: the limit for this endpoint is {limit} bytes")

        return wrapper

    return decorate


_KEY_IN_TEXT = re.compile(r"((?:[?&](?:key|api_key)=)|(?:Bearer\s+))[^&\s\"']+", re.IGNORECASE)


def redact_keys(text: str) -> str:
    """'...?key=msk_abc&x=1' -> '...?key=[redacted]&x=1' (also 'Bearer ...')."""
    return _KEY_IN_TEXT.sub(r"\1[redacted]", text)


class RedactKeysFilter(logging.Filter):
    """Access and error logs (werkzeug's, waitress', gunicorn's) print request lines; keys in query strings
    must not reach them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_keys(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_keys(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_keys(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install_log_redaction() -> None:
    for name in ("werkzeug", "waitress", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeysFilter) for f in logger.filters):
            logger.addFilter(RedactKeysFilter())
