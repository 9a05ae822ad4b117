"""Google's JSON error shape, as Perspective answers it, for the Perspective-compatible paths.

``{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [...]}}`` -- clients
written for Perspective (Coral, Discourse plugins, googleapiclient's HttpError) parse exactly this.
"""
from __future__ import annotations

from flask import jsonify

STATUS_FOR_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
SERVICE = "commentanalyzer.googleapis.com"


def google_error(code: int, message: str, reason: str | None = None, *, retry_after: int | None = None,
                 details: list[dict] | None = None):
    """A Google-style error response. ``reason`` adds an ErrorInfo detail (e.g. API_KEY_INVALID); ``details``
    are added as given (the commentanalyzer Error of perspective_errors)."""
    details = list(details or [])
    if reason:
        details.append({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": {"service": SERVICE},
        })
    error = {"code": code, "message": message, "status": STATUS_FOR_CODE.get(code, "UNKNOWN")}
    if details:
        error["details"] = details
    response = jsonify({"error": error})
    response.status_code = code
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response
