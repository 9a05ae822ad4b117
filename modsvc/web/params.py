"""Numbers in requests, one way for every blueprint: ``<int:...>`` path segments and ``query_int`` for query strings.

``init_app`` replaces Flask's ``int`` URL converter with one bounded by the database's integer range, so an id that
cannot exist (``/api/v1/threads/9223372036854775808``) is a plain 404 on every route, including routes added
later; and it answers ``ParameterError`` (a malformed or out-of-range query or form number) with 400.
"""
from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter, ValidationError

from ..params import MAX_DB_INT, ParameterError, parse_int
from .errors import api_error


class DatabaseIdConverter(IntegerConverter):
    """``int`` bounded by the database's integers: a larger value does not match the route (404)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):  # before int(): thousands of digits are slow or refused by Python
            raise ValidationError()
        return super().to_python(value)


def query_int(name: str, **bounds: int) -> int | None:
    """The query-string parameter ``name`` as a checked int (see ``modsvc.params.parse_int``)."""
    return parse_int(request.args.get(name), name, **bounds)


def _parameter_error(exc: ParameterError):
    if request.path.startswith("/api/"):
        return api_error(400, str(exc), parameter=exc.name)
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {"error": str(exc), "parameter": exc.name}, 400
    return render_template("error.html", title="Bad request", message=str(exc)), 400


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: rules bind their converters when they are added."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.register_error_handler(ParameterError, _parameter_error)
