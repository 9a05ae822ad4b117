"""The service's own base URL for documents that name it (discovery document, OpenAPI servers, docs page).

A Host header is the client's to choose: reflected into a cached document it would send other clients -- and
their API keys -- elsewhere. So: MODSVC_PUBLIC_URL when configured (the same for everyone, cacheable); else the
request's own address (X-Forwarded-* only through MODSVC_TRUSTED_PROXIES, see create_app) marked no-store.
"""
from __future__ import annotations

from flask import current_app, request

PUBLIC_MAX_AGE = 3600


def public_base_url() -> tuple[str, bool]:
    """(base URL ending in '/', whether it is the configured one)."""
    configured = current_app.extensions["modsvc.settings"].public_url
    if configured:
        return configured, True
    return request.url_root, False


def cache_headers(configured: bool) -> dict[str, str]:
    if configured:
        return {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"}
    return {"Cache-Control": "no-store", "Vary": "Host, X-Forwarded-Host, X-Forwarded-Proto"}
