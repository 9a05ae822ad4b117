"""Whole numbers from outside (query strings, form fields, path segments), checked before they reach SQL.

Python's integers are unbounded; the database's are not. A number too large for its column makes the driver raise
(SQLite: ``OverflowError``, PostgreSQL: out of range) instead of finding nothing, so every number a request carries
goes through ``parse_int`` (or, in URL paths, the web layer's converter built on ``MAX_DB_INT``) first.
"""
from __future__ import annotations

import re

MAX_DB_INT = 2**31 - 1  # ids and counters are 32-bit ``integer`` columns on PostgreSQL
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)  # more digits cannot be in range (nor be parsed cheaply)


class ParameterError(ValueError):
    """A malformed or out-of-range parameter; the web layer answers it with 400 and this message."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def parse_int(raw: object, name: str, *, default: int | None = None, minimum: int = 0,
              maximum: int = MAX_DB_INT) -> int | None:
    """``raw`` as an int in [minimum, maximum]; ``default`` when it is absent or blank; else ParameterError."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return default
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ParameterError(name, f"{name} must be a whole number, not {text[:40]!r}")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ParameterError(name, f"{name} must be between {minimum} and {maximum}, not {text[:40]}")
    return value


def require_int(raw: object, name: str, **bounds: int) -> int:
    """Like ``parse_int`` for a parameter that must be there."""
    value = parse_int(raw, name, **bounds)
    if value is None:
        raise ParameterError(name, f"{name} is missing")
    return value
