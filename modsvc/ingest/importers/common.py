"""Helpers every parser shares: dates, body cleaning, HTML to text, and the comment tree check."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .records import CommentRecord, ThreadRecord
from .source import Reporter

# Bodies longer than this (UTF-8 bytes) are cut; the analysis truncates far earlier anyway.
MAX_BODY_BYTES = 1 << 20

_NULL_DATES = {"", "0", "0000-00-00 00:00:00", "0000-00-00T00:00:00", "0000-00-00", "null", "none"}
_TEXT_DATE_FORMATS = (
    "%b %d, %Y", "%B %d, %Y", "%b. %d, %Y", "%d %b %Y", "%d %B %Y",
    "%Y-%m-%d %H:%M:%S %z", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%d.%m.%Y", "%d.%m.%Y %H:%M",
)


def parse_datetime(value, source: str, reporter: Reporter) -> datetime | None:
    """Any common date form -> timezone-aware UTC; naive times are taken as UTC.

    Ambiguous numeric forms like 03/01/2021 (US or European?) are deliberately not guessed.

    Unparseable values become None with a warning (the record itself is kept).
    """
    if value is None or value is False:
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value  # epoch milliseconds vs seconds
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            reporter.warn(source, f"unparseable date {value!r}, stored as empty", kind="date")
            return None
    else:
        text = str(value).strip()
        if text.lower() in _NULL_DATES:
            return None
        dt = _parse_date_text(text)
        if dt is None:
            reporter.warn(source, f"unparseable date {text[:60]!r}, stored as empty", kind="date")
            return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _parse_date_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if text.endswith(("Z", "z")):
        try:
            return datetime.fromisoformat(text[:-1] + "+00:00")
        except ValueError:
            pass
    if text[-4:].upper() in (" UTC", " GMT"):  # "2021-03-01 10:05:00 UTC"
        parsed = _parse_date_text(text[:-4].rstrip())
        return parsed.replace(tzinfo=timezone.utc) if parsed is not None and parsed.tzinfo is None else parsed
    if re.fullmatch(r"-?\d{9,13}(\.\d+)?", text):
        seconds = float(text)
        return datetime.fromtimestamp(seconds / 1000 if abs(seconds) > 1e11 else seconds, tz=timezone.utc)
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:  # RFC 2822, as in RSS <pubDate>
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def clean_body(body, source: str, reporter: Reporter) -> str:
    """NULs dropped, line ends normalised to "\n", outer whitespace trimmed, over-long bodies cut (warned).

    Returns "" for an empty body; the caller turns that into a Rejection.
    """
    if body is None:
        return ""
    if not isinstance(body, str):
        body = str(body)
    if "\x00" in body:
        body = body.replace("\x00", "")
        reporter.warn(source, "NUL characters removed from the body", kind="nul")
    if "\r" in body:  # CRLF / CR line ends (Windows exports, CSV fields) -> "\n"
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    body = body.strip()
    if len(body) > MAX_BODY_BYTES // 4:  # cheap pre-check before encoding
        encoded = body.encode("utf-8")
        if len(encoded) > MAX_BODY_BYTES:
            body = encoded[:MAX_BODY_BYTES].decode("utf-8", "ignore")
            reporter.warn(
                source, f"body of {len(encoded):,} bytes truncated to {MAX_BODY_BYTES:,} bytes", kind="body-cap"
            )
    return body


def clean_text(value) -> str | None:
    """Optional short text field (title, author, url): stripped, NUL-free, None when empty."""
    if value is None:
        return None
    if isinstance(value, dict):  # {"name": ...} author objects
        value = value.get("name") or value.get("username") or value.get("id")
        if value is None:
            return None
    text = str(value).replace("\x00", "").strip()
    return text or None


_BLOCK_END = re.compile(r"</(p|div|blockquote|li|h[1-6]|pre|tr|ul|ol)\s*>", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_HTML_HINT = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


def html_to_text(markup: str | None) -> str:
    """Comment HTML (Disqus messages, WordPress content) to plain text with paragraph breaks.

    Regex based: good enough to feed the text analysis, not a sanitiser.
    """
    if not markup:
        return ""
    if not _HTML_HINT.search(markup):
        return markup
    text = _DROP.sub("", markup)
    text = _BR.sub("\n", text)
    text = _BLOCK_END.sub("\n\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _MANY_BLANKS.sub("\n\n", text)
    return text.strip()


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in {"1", "true", "yes", "y", "closed", "t"}


def id_str(value) -> str | None:
    """External ids are strings; 12 and "12" are the same id. Empty -> None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def arrange_comments(thread: ThreadRecord, reporter: Reporter) -> None:
    """Check the reply tree of ``thread.comments`` and order it parents-first, in place.

    - a duplicate comment id: the later one is rejected;
    - a parent id that does not exist: warned, the comment moves to the root;
    - a parent cycle (a -> b -> a): warned, the comment closing the cycle moves to the root.
    All of it iterative and linear, so a 10,000-level reply chain is fine.
    Output order is depth-first pre-order, siblings in source order, so the ingest layer
    always sees a parent before its replies.
    """
    comments = thread.comments
    if not comments:
        return
    by_id: dict[str, CommentRecord] = {}
    kept: list[CommentRecord] = []
    where = thread.source or thread.external_id
    for c in comments:
        if c.external_id in by_id:
            reporter.reject(f"{where}#{c.external_id}", f"duplicate comment id {c.external_id!r} in thread "
                            f"{thread.external_id!r}; the first one was kept", c.body)
            continue
        by_id[c.external_id] = c
        kept.append(c)

    for c in kept:
        p = c.parent_external_id
        if p is not None and (p == c.external_id or p not in by_id):
            why = "is the comment itself" if p == c.external_id else "does not exist in this thread"
            reporter.warn(f"{where}#{c.external_id}", f"parent id {p!r} {why}; the comment was kept at the root",
                          kind="missing-parent")
            c.parent_external_id = None

    # Cycle check: walk up from every comment, colouring nodes (0 new, 1 on current path, 2 done).
    state: dict[str, int] = {}
    for c in kept:
        path = []
        cur = c
        while cur is not None and state.get(cur.external_id, 0) == 0:
            state[cur.external_id] = 1
            path.append(cur)
            cur = by_id[cur.parent_external_id] if cur.parent_external_id is not None else None
        if cur is not None and state.get(cur.external_id) == 1:
            breaker = path[-1]
            reporter.warn(f"{where}#{breaker.external_id}",
                          f"reply cycle through parent {breaker.parent_external_id!r}; "
                          "the comment was kept at the root",
                          kind="cycle")
            breaker.parent_external_id = None
        for node in path:
            state[node.external_id] = 2

    children: dict[str, list[CommentRecord]] = {}
    roots: list[CommentRecord] = []
    for c in kept:
        if c.parent_external_id is None:
            roots.append(c)
        else:
            children.setdefault(c.parent_external_id, []).append(c)
    if not children:
        thread.comments = kept
        return
    ordered: list[CommentRecord] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        ordered.append(node)
        kids = children.get(node.external_id)
        if kids:
            stack.extend(reversed(kids))
    thread.comments = ordered
