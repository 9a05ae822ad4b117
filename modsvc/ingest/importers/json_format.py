"""Our own JSON and JSON Lines schema (see docs/import-formats.md).

JSONL is read line by line. A JSON file is streamed with the stdlib decoder: the
top-level array (or the ``"threads"`` array of a wrapper object) is decoded one
element at a time from a sliding text buffer, so a 1 GB export never sits in
memory whole. A value over the record cap (``MODSVC_MAX_RECORD_BYTES``) is
scanned past without being kept and rejected with its line; the next one is read.
Documents nested deeper than the C decoder's recursion limit (a
10,000-level ``replies`` chain) fall back to a small iterative decoder, and
threads are flattened with an explicit stack, so nothing here recurses.
"""
from __future__ import annotations

import json
import re
from json.decoder import JSONDecodeError, scanstring
from json.scanner import NUMBER_RE
from typing import Iterator

from .common import arrange_comments, clean_body, clean_text, id_str, parse_bool, parse_datetime
from .options import ImportOptions
from .records import CommentRecord, Rejection, ThreadRecord, Warning_
from .source import InputFile, Reporter, TextChunks

Item = ThreadRecord | Rejection | Warning_

_DECODER = json.JSONDecoder(strict=False)
_WS = re.compile(r"[ \t\n\r]*")
_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]}\s]")
THREAD_KEYS = {"site", "external_id", "id", "title", "url", "author", "published_at", "body", "closed", "comments"}
COMMENT_KEYS = {"external_id", "id", "author", "body", "posted_at", "parent_id", "replies", "status"}


# -- decoding without recursion ---------------------------------------------------------------
def _literal(s: str, idx: int):
    for text, value in (("true", True), ("false", False), ("null", None), ("NaN", float("nan")),
                        ("Infinity", float("inf")), ("-Infinity", float("-inf"))):
        if s.startswith(text, idx):
            return value, idx + len(text)
    raise JSONDecodeError("Expecting value", s, idx)


def _key(s: str, idx: int) -> tuple[str, int]:
    n = len(s)
    idx = _WS.match(s, idx).end()
    if idx >= n:
        raise JSONDecodeError("Unexpected end of data", s, n)
    if s[idx] != '"':
        raise JSONDecodeError("Expecting property name enclosed in double quotes", s, idx)
    key, idx = scanstring(s, idx + 1, False)
    idx = _WS.match(s, idx).end()
    if idx >= n:
        raise JSONDecodeError("Unexpected end of data", s, n)
    if s[idx] != ":":
        raise JSONDecodeError("Expecting ':' delimiter", s, idx)
    return key, idx + 1


def iterative_raw_decode(s: str, idx: int = 0):
    """Like ``JSONDecoder.raw_decode`` but with an explicit stack: any nesting depth works.

    Pure Python and slower, so only used when the C decoder hits its recursion limit.
    """
    n = len(s)
    stack: list[list] = []  # [container, pending key]
    while True:
        idx = _WS.match(s, idx).end()
        if idx >= n:
            raise JSONDecodeError("Unexpected end of data", s, n)
        c = s[idx]
        if c == "{":
            idx = _WS.match(s, idx + 1).end()
            if idx < n and s[idx] == "}":
                value, idx = {}, idx + 1
            else:
                key, idx = _key(s, idx)
                stack.append([{}, key])
                continue
        elif c == "[":
            idx = _WS.match(s, idx + 1).end()
            if idx < n and s[idx] == "]":
                value, idx = [], idx + 1
            else:
                stack.append([[], None])
                continue
        elif c == '"':
            value, idx = scanstring(s, idx + 1, False)
        else:
            m = NUMBER_RE.match(s, idx)
            if m and not (c == "-" and s.startswith("-Infinity", idx)):
                integer, frac, exp = m.groups()
                value = float(integer + (frac or "") + (exp or "")) if (frac or exp) else int(integer)
                idx = m.end()
            else:
                value, idx = _literal(s, idx)
        # Attach the finished value, closing every container it completes.
        while True:
            if not stack:
                return value, idx
            top = stack[-1]
            container = top[0]
            if isinstance(container, dict):
                container[top[1]] = value
            else:
                container.append(value)
            idx = _WS.match(s, idx).end()
            if idx >= n:
                raise JSONDecodeError("Unexpected end of data", s, n)
            c = s[idx]
            if c == ",":
                idx += 1
                if isinstance(container, dict):
                    top[1], idx = _key(s, idx)
                break
            if c == ("}" if isinstance(container, dict) else "]"):
                idx += 1
                stack.pop()
                value = container
                continue
            raise JSONDecodeError("Expecting ',' delimiter", s, idx)


def decode_at(s: str, idx: int = 0):
    try:
        return _DECODER.raw_decode(s, idx)
    except RecursionError:
        return iterative_raw_decode(s, idx)


def loads(s: str):
    """``json.loads`` that survives any nesting depth."""
    start = _WS.match(s, 0).end()
    value, end = decode_at(s, start)
    end = _WS.match(s, end).end()
    if end != len(s):
        raise JSONDecodeError("Extra data", s, end)
    return value


class _TooLarge:
    """Stands for a value that was over the record cap and was skipped."""


TOO_LARGE = _TooLarge()


class _Stream:
    """A sliding text window over a JSON file: decode one value at a time, read more as needed.

    A value longer than ``max_chars`` is never held: ``value()`` scans past it and returns TOO_LARGE.
    """

    def __init__(self, chunks: TextChunks, max_chars: int) -> None:
        self.chunks = chunks
        self.max_chars = max_chars
        self.buf = ""
        self.pos = 0
        self._cursor = 0  # line-number bookkeeping: line at buf[_cursor]
        self._cursor_line = 1

    def line_at(self, pos: int) -> int:
        if pos > self._cursor:
            self._cursor_line += self.buf.count("\n", self._cursor, pos)
            self._cursor = pos
        return self._cursor_line

    def _more(self, at_least: int = 1) -> bool:
        if self.pos:
            self.line_at(self.pos)
            self.buf = self.buf[self.pos:]
            self._cursor -= self.pos
            self.pos = 0
        parts, got = [self.buf], 0
        while got < at_least:
            text = self.chunks.read()
            if not text:
                break
            parts.append(text)
            got += len(text)
        if got:
            self.buf = "".join(parts)
        return got > 0

    def peek(self) -> str:
        """Next non-whitespace character ("" at the end of the file)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def value(self):
        """The next JSON value, or TOO_LARGE (then skipped) when its text is over the record cap."""
        self.peek()
        while True:
            try:
                value, end = decode_at(self.buf, self.pos)
            except JSONDecodeError as exc:
                near_end = exc.pos >= len(self.buf) - 64 or exc.msg.startswith("Unterminated string")
                unread = len(self.buf) - self.pos
                if near_end and not self.chunks.eof:
                    if unread > self.max_chars:
                        self._skip_value()
                        return TOO_LARGE
                    # Grow geometrically (so a big value is re-scanned O(log n) times), but not past the cap.
                    if self._more(at_least=min(max(unread, 1 << 16), self.max_chars + 1 - unread)):
                        continue
                raise
            if end - self.pos > self.max_chars:
                self.pos = end
                return TOO_LARGE
            self.pos = end
            return value

    def _refill(self) -> bool:
        """Drop the whole window (counting its lines) and read the next chunk; False at the end of the file."""
        self.line_at(len(self.buf))
        text = self.chunks.read()
        self.buf, self.pos, self._cursor = text, 0, 0
        return bool(text)

    def _skip_value(self) -> None:
        """Move past the value at ``pos`` holding one chunk at a time: strings, escapes and brackets followed.

        A file that ends inside it (a stray quote) leaves ``pos`` at the end; the caller then reports that.
        """
        i = self.pos
        if self.buf[i] not in '{["':  # a number or literal, absurdly long
            while not (m := _SCALAR_END.search(self.buf, i)):
                if not self._refill():
                    return
                i = 0
            self.pos = m.start()
            return
        depth, in_string, escaped = 0, False, False
        while True:
            if i >= len(self.buf):
                if not self._refill():
                    return
                i = 0
            if escaped:  # the character after a backslash, possibly at the start of a new chunk
                i, escaped = i + 1, False
                continue
            if in_string:
                m = _STRING_STOP.search(self.buf, i)
                if m is None:
                    i = len(self.buf)
                elif m.group() == "\\":
                    i, escaped = m.end(), True
                else:
                    i, in_string = m.end(), False
                    if depth == 0:
                        break
                continue
            m = _STRUCTURE.search(self.buf, i)
            if m is None:
                i = len(self.buf)
                continue
            ch, i = m.group(), m.end()
            if ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    break
        self.pos = i


def _iter_json_values(stream: _Stream, inp: InputFile, site_holder: list) -> Iterator[tuple[int, object]]:
    """(line, thread object) pairs from a JSON document: an object, a list, or {"threads": [...]}."""
    c = stream.peek()
    if c == "[":
        stream.pos += 1
        yield from _iter_array(stream)
    elif c == "{":
        start_line = stream.line_at(stream.pos)
        stream.pos += 1
        members: dict = {}
        saw_threads = too_large = False
        first = True
        while True:
            c = stream.peek()
            if c == "}":
                stream.pos += 1
                break
            if not first:
                if c != ",":
                    raise JSONDecodeError("Expecting ',' delimiter", stream.buf, stream.pos)
                stream.pos += 1
                c = stream.peek()
            first = False
            if c != '"':
                raise JSONDecodeError("Expecting property name enclosed in double quotes", stream.buf, stream.pos)
            key = stream.value()
            if key is TOO_LARGE:
                yield start_line, TOO_LARGE  # nothing of an object with a giant key can be trusted
                return
            if stream.peek() != ":":
                raise JSONDecodeError("Expecting ':' delimiter", stream.buf, stream.pos)
            stream.pos += 1
            if key == "threads" and stream.peek() == "[":
                saw_threads = True
                if isinstance(members.get("site"), str):
                    site_holder[0] = members["site"]
                stream.pos += 1
                yield from _iter_array(stream)
            else:
                member = stream.value()
                if member is TOO_LARGE:
                    too_large = True
                elif not too_large:
                    members[key] = member
        if too_large and not saw_threads:
            yield start_line, TOO_LARGE
        elif not saw_threads:
            yield start_line, members
    elif c == "":
        if not inp.truncation:
            inp.reporter.reject(inp.name, "the file is empty: no JSON document found")
        return
    else:
        raise JSONDecodeError("Expecting a JSON object or array", stream.buf, stream.pos)
    if stream.peek() != "":
        raise JSONDecodeError("Extra data after the JSON document", stream.buf, stream.pos)


def _iter_array(stream: _Stream) -> Iterator[tuple[int, object]]:
    first = True
    while True:
        c = stream.peek()
        if c == "]":
            stream.pos += 1
            return
        if not first:
            if c != ",":
                raise JSONDecodeError("Expecting ',' delimiter", stream.buf, stream.pos)
            stream.pos += 1
            stream.peek()
        first = False
        line = stream.line_at(stream.pos)
        yield line, stream.value()


# -- schema -> records ------------------------------------------------------------------------
def brief(value) -> str:
    """A short, non-recursive description of a JSON value for a rejection message."""
    if isinstance(value, dict):
        keys = list(value)[:8]
        parts = [f"{k}: {value[k]!r}"[:60] if isinstance(value[k], (str, int, float, bool, type(None)))
                 else f"{k}: {type(value[k]).__name__}" for k in keys]
        return "{" + ", ".join(parts) + (", …" if len(value) > 8 else "") + "}"
    if isinstance(value, list):
        return f"[a list of {len(value)} items]"
    return repr(value[:200] if isinstance(value, str) else value)[:200]


def thread_from_obj(obj, source: str, site: str, rep: Reporter) -> ThreadRecord | None:
    """One thread object of our schema -> ThreadRecord (problems go to ``rep``)."""
    if not isinstance(obj, dict):
        rep.reject(source, f"a thread must be a JSON object, got {type(obj).__name__}", brief(obj))
        return None
    ext = id_str(obj.get("external_id", obj.get("id")))
    if ext is None:
        rep.reject(source, "thread has no \"external_id\" (or \"id\")", brief(obj))
        return None
    thread = ThreadRecord(
        external_id=ext,
        site=clean_text(obj.get("site")) or site,
        title=clean_text(obj.get("title")),
        url=clean_text(obj.get("url")),
        author=clean_text(obj.get("author")),
        published_at=parse_datetime(obj.get("published_at"), source, rep),
        body=clean_body(obj.get("body"), source, rep) or None,
        closed=parse_bool(obj.get("closed")),
        source=source,
    )
    extra = {k: v for k, v in obj.items() if k not in THREAD_KEYS}
    if extra:
        thread.extra = extra
    comments = obj.get("comments")
    if comments is None:
        comments = []
    if not isinstance(comments, list):
        rep.reject(source, f"thread {ext!r}: \"comments\" must be a list", brief(comments))
        comments = []
    thread.comments = _flatten(comments, thread, rep)
    arrange_comments(thread, rep)
    return thread


def _flatten(items: list, thread: ThreadRecord, rep: Reporter) -> list[CommentRecord]:
    """Nested ``replies`` and flat ``parent_id`` both become parent_external_id; explicit stack, no recursion."""
    out: list[CommentRecord] = []
    where = thread.source
    seq = 0
    stack: list[tuple[object, str | None]] = [(c, None) for c in reversed(items)]
    while stack:
        item, nested_parent = stack.pop()
        seq += 1
        if not isinstance(item, dict):
            rep.reject(f"{where}#comment-{seq}", f"a comment must be a JSON object, got {type(item).__name__}",
                       brief(item))
            continue
        cid = id_str(item.get("external_id", item.get("id"))) or f"pos-{seq}"
        csource = f"{where}#{cid}"
        parent = id_str(item.get("parent_id"))
        if nested_parent is not None:
            if parent is not None and parent != nested_parent:
                rep.warn(csource, f"parent_id {parent!r} disagrees with the nesting under {nested_parent!r}; "
                                  "the nesting was used", kind="parent-disagrees")
            parent = nested_parent
        replies = item.get("replies")
        if replies:
            if isinstance(replies, list):
                stack.extend((r, cid) for r in reversed(replies))
            else:
                rep.reject(csource, "\"replies\" must be a list", brief(replies))
        body = clean_body(item.get("body"), csource, rep)
        if not body:
            rep.reject(csource, f"comment {cid!r} has an empty body", None)
            continue
        comment = CommentRecord(
            external_id=cid,
            body=body,
            parent_external_id=parent,
            author=clean_text(item.get("author")),
            posted_at=parse_datetime(item.get("posted_at"), csource, rep),
            status=clean_text(item.get("status")),
        )
        if not item.keys() <= COMMENT_KEYS:
            extra = {k: v for k, v in item.items() if k not in COMMENT_KEYS}
            if extra:
                comment.extra = extra
        out.append(comment)
    return out


# -- entry points -----------------------------------------------------------------------------
def iter_jsonl(inp: InputFile, site: str, options: ImportOptions) -> Iterator[Item]:
    rep = inp.reporter
    seen_any = False
    for lineno, line in inp.iter_text_lines():
        source = f"{inp.name}:{lineno}"
        if line is None:  # over the line cap: skipped as it was read
            seen_any = True
            rep.reject(source, inp.limits.line_too_long(inp.long_lines[-1][1]))
            yield from rep.drain()
            continue
        if not line.strip():
            continue
        seen_any = True
        try:
            obj = loads(line)
        except JSONDecodeError as exc:
            rep.reject(source, f"malformed JSON line: {exc.msg} at column {exc.colno}", line)
        else:
            thread = thread_from_obj(obj, source, site, rep)
            if thread is not None:
                yield from rep.drain()
                yield thread
        if rep.pending:
            yield from rep.drain()
    if not seen_any and not inp.truncation:
        yield Rejection(source=inp.name, reason="the file is empty: no JSON lines found")
    yield from inp.truncation_rejection()


def iter_json(inp: InputFile, site: str, options: ImportOptions) -> Iterator[Item]:
    rep = inp.reporter
    stream = _Stream(TextChunks(inp), inp.limits.max_record_bytes)
    site_holder = [site]
    values = _iter_json_values(stream, inp, site_holder)
    index = 0
    while True:
        try:
            line, obj = next(values)
        except StopIteration:
            break
        except JSONDecodeError as exc:
            line = stream.line_at(min(exc.pos, len(stream.buf)))
            reason = f"malformed JSON: {exc.msg}; nothing after this point could be read"
            if inp.truncation:
                reason = f"JSON cut off at the end ({exc.msg})"
            rep.reject(f"{inp.name}:{line}", reason, stream.buf[exc.pos: exc.pos + 120] if exc.pos < len(stream.buf)
                       else None)
            break
        index += 1
        if obj is TOO_LARGE:
            rep.reject(f"{inp.name}:{line}", inp.limits.record_too_large("this JSON value"))
            yield from rep.drain()
            continue
        thread = thread_from_obj(obj, f"{inp.name}:{line}", site_holder[0], rep)
        yield from rep.drain()
        if thread is not None:
            yield thread
    yield from rep.drain()
    yield from inp.truncation_rejection()
