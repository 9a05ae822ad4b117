"""Request bodies as JSON, one way for every endpoint: depth-limited, and a 400 that says what is wrong.

Views call ``request_json()`` (or ``request_json_object()``) and let ``JSONInputError`` propagate; the handler
registered here answers it in the shape of the path's API: Google's on ``/v1alpha1``, ours on ``/api/``, a JSON
``{"error": ...}`` for the moderation UI's scripts. The app's JSON provider goes through the same parser, so a
``request.get_json()`` anywhere can no longer end in a RecursionError.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from .errors import api_error
from .google_errors import google_error
from .json_input import MAX_DEPTH, JSONInputError, loads


def request_json(max_depth: int | None = MAX_DEPTH) -> Any:
    """The body parsed as JSON whatever its Content-Type (``curl -d`` sends form encoding)."""
    return loads(request.get_data(cache=True), max_depth)


def request_json_object() -> dict:
    body = request_json()
    if not isinstance(body, dict):
        raise JSONInputError("the body must be a JSON object")
    return body


class LimitedJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):  # JSONInputError is a ValueError: get_json(silent=True) gives None
        return loads(s)


def _answer(exc: JSONInputError):
    message = str(exc)
    if request.path.startswith("/v1alpha1/"):
        return google_error(400, f"Invalid JSON payload received. {message}")
    if request.path.startswith("/api/"):
        return api_error(400, message)
    return {"error": message}, 400


def init_app(app: Flask) -> None:
    app.json = LimitedJSONProvider(app)
    app.register_error_handler(JSONInputError, _answer)
