"""JSON that arrives from outside (request bodies): parsed with a clear error instead of a crash.

Python's decoder recurses once per nesting level and raises RecursionError near 1,000 levels -- a 500 if nobody
catches it -- and everything after it (validation, serialising an echoed value) recurses again. No request this
service takes needs more than a handful of levels, so bodies nested deeper than ``MAX_DEPTH`` are refused up
front. The one schema that nests legitimately (a thread's ``replies``) is read with ``max_depth=None``: the
importer's decoder, which keeps its own stack and takes any depth.
"""
from __future__ import annotations

import json
from typing import Any

from ..ingest.importers.json_format import loads as loads_any_depth

MAX_DEPTH = 100


class JSONInputError(ValueError):
    """The body is not JSON we can take; the message says why, for the client."""


def too_deep_message(max_depth: int) -> str:
    return f"JSON nested too deeply: more than {max_depth} levels of arrays and objects"


def loads(data: bytes | str, max_depth: int | None = MAX_DEPTH) -> Any:
    """The parsed value, or JSONInputError. ``max_depth=None``: any depth, decoded without recursion."""
    try:
        text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, (bytes, bytearray)) \
            else data
        if max_depth is None:
            return loads_any_depth(text)
        value = json.loads(text)
    except RecursionError:
        raise JSONInputError(too_deep_message(max_depth or MAX_DEPTH)) from None
    except UnicodeDecodeError as exc:
        raise JSONInputError(f"not valid JSON: the body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise JSONInputError(f"not valid JSON: {exc}") from None
    if nesting_exceeds(value, max_depth):
        raise JSONInputError(too_deep_message(max_depth))
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """True if arrays/objects nest more than ``limit`` levels (walked with a stack, not recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
