"""JSON errors for API paths; the HTML pages keep Flask's own error pages."""
from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from ..access.sites import SiteForbidden


def api_error(status: int, message: str, **extra):
    response = jsonify({"error": {"code": status, "message": message, **extra}})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(SiteForbidden)
    def _other_site(exc: SiteForbidden):
        return api_error(403, str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            message = exc.description or exc.name
            if exc.code == 413:
                limit = app.config.get("MAX_CONTENT_LENGTH")
                message = f"request body too large: the limit is {limit} bytes (MODSVC_MAX_UPLOAD_MB)"
            response = api_error(exc.code or 500, message)
            if exc.code == 429 or exc.code == 503:
                retry = exc.get_headers() and dict(exc.get_headers()).get("Retry-After")
                if retry:
                    response.headers["Retry-After"] = retry
            return response
        return exc
