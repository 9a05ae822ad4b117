"""Coral Talk importer CSV set: stories.csv, comments.csv, users.csv (plain or .gz).

stories.csv and users.csv are read into memory (one small row per story / user);
comments.csv is streamed once and grouped by story with ``CommentGrouper``
(in memory up to a limit, then spilled to a temporary SQLite file), because
comments may come in any order. Threads are then yielded in stories.csv order.
A row whose field count differs from the header's is rejected (its fields
cannot be trusted to be in their columns), as is a row over the line or record cap.
"""
from __future__ import annotations

import csv
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .common import arrange_comments, clean_body, clean_text, parse_datetime
from .detect import coral_file
from .grouping import DEFAULT_LIMIT, CommentGrouper
from .options import ImportOptions
from .records import CommentRecord, Rejection, ThreadRecord, Warning_
from .source import InputFile, Progress, Reporter

Item = ThreadRecord | Rejection | Warning_

STORY_COLUMNS = ("id", "url", "title", "author", "published_at", "closed_at", "mode")
COMMENT_COLUMNS = ("id", "author_id", "story_id", "created_at", "body", "parent_id", "status", "rating")
USER_COLUMNS = ("id", "email", "username", "role", "banned", "created_at")

GROUP_LIMIT = DEFAULT_LIMIT  # comments held in memory before grouping spills to a temporary SQLite file

# A single comment body may be far above csv's default 128 KiB field limit; the body cap applies later.
csv.field_size_limit(min(sys.maxsize, 1 << 30))


class _Progress:
    """Sums bytes over the three files so one progress bar covers the folder."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.base = 0

    def for_file(self) -> Progress | None:
        if self.progress is None:
            return None
        base = self.base
        return lambda done: self.progress(base + done)

    def finished(self, inp: InputFile) -> None:
        self.base += inp.bytes_read


class _RowTooLarge(Exception):
    """The row being read went over the record cap; its remaining lines were read past."""


class _RowLines:
    """The lines csv.reader reads, numbered, with a stop for a row over the record cap.

    Counts the characters and quotes of the current row; past the cap it reads on (dropping
    lines) while the row's quotes are unbalanced, i.e. to the end of a multi-line quoted field,
    then raises _RowTooLarge, so csv.reader starts afresh at the next row.
    """

    def __init__(self, lines: Iterator[str], max_chars: int) -> None:
        self._lines = lines
        self.max_chars = max_chars
        self.lineno = 0
        self._chars = 0
        self._quotes = 0

    def __iter__(self) -> "_RowLines":
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.lineno += 1
        self._chars += len(line)
        self._quotes += line.count('"')
        if self._chars > self.max_chars:
            while self._quotes % 2:
                rest = next(self._lines, None)
                if rest is None:
                    break
                self.lineno += 1
                self._quotes += rest.count('"')
            self.new_row()
            raise _RowTooLarge()
        return line

    def new_row(self) -> None:
        self._chars = self._quotes = 0


class _CsvRows:
    """Rows of one CSV file as lists as wide as the header, with ``col`` giving each header name's index."""

    def __init__(self, inp: InputFile, required: tuple[str, ...]) -> None:
        self.inp = inp
        self.required = required
        self.col: dict[str, int] = {}

    def get(self, row: list[str], name: str) -> str:
        i = self.col.get(name)
        return row[i] if i is not None else ""

    def __iter__(self) -> Iterator[tuple[int, list[str] | None, str | None, str | None]]:
        """(line, row, error, record): exactly one of row / error is set; ``record`` may show a rejected row.

        ``line`` is where the row starts."""
        inp = self.inp
        lines = _RowLines(inp.iter_text(), inp.limits.max_record_bytes)
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            yield 0, None, "the file is empty (no header row)", None
            return
        except (csv.Error, _RowTooLarge) as exc:
            yield 1, None, f"unreadable header row: {exc or 'larger than the record limit'}", None
            return
        if inp.long_lines:
            yield 1, None, f"unreadable header row: {inp.limits.line_too_long(inp.long_lines[0][1])}", None
            return
        names = [h.strip().lower().lstrip("\ufeff") for h in header]
        missing = [c for c in self.required if c not in names]
        if missing:
            yield 1, None, f"header lacks column(s) {', '.join(missing)} (found: {', '.join(names)})", None
            return
        self.col = {name: i for i, name in reversed(list(enumerate(names)))}
        width = len(names)
        long_seen = 0
        while True:
            start = lines.lineno + 1
            lines.new_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except _RowTooLarge:
                yield start, None, inp.limits.record_too_large("the row"), None
                continue
            except csv.Error as exc:
                yield start, None, f"malformed CSV row: {exc}", None
                continue
            if len(inp.long_lines) > long_seen:  # a line of this row was over the line cap
                size = inp.long_lines[long_seen][1]
                long_seen = len(inp.long_lines)
                yield start, None, inp.limits.line_too_long(size), None
                continue
            n = len(row)
            if n != width:
                if n == 0 or (n == 1 and not row[0].strip()):
                    continue
                yield start, None, f"{n} fields where the header has {width}; the row was not imported", \
                    ",".join(row)
                continue
            yield start, row, None, None


def iter_coral(path: Path, site: str, progress: Progress | None = None, options: ImportOptions | None = None,
               name: str | None = None, *, group_limit: int | None = None) -> Iterator[Item]:
    """``name`` (the folder as the user knows it) is used in folder-level messages; rows name their file."""
    options = options or ImportOptions()
    folder = path if path.is_dir() else path.parent
    shown = name or str(folder)
    rep = Reporter()
    prog = _Progress(progress)
    stories_path = coral_file(folder, "stories")
    comments_path = coral_file(folder, "comments")
    users_path = coral_file(folder, "users")
    if stories_path is None or comments_path is None:
        yield Rejection(source=shown,
                        reason="a Coral CSV import needs stories.csv and comments.csv in one folder")
        return

    users: dict[str, str] = {}
    if users_path is None:
        yield Warning_(source=shown, message="no users.csv: comment authors are the author_id values")
    else:
        with InputFile(users_path, prog.for_file(), rep, limits=options.limits) as inp:
            rows = _CsvRows(inp, ("id", "username"))
            for line, row, error, record in rows:
                if error:
                    rep.reject(_where(inp.name, line), error, record)
                    continue
                uid = rows.get(row, "id").strip()
                name = clean_text(rows.get(row, "username"))
                if uid and name:
                    users[uid] = name
            yield from rep.drain()
            yield from inp.truncation_rejection()
            prog.finished(inp)

    stories: list[ThreadRecord] = []
    story_ids: set[str] = set()
    now = datetime.now(timezone.utc)
    with InputFile(stories_path, prog.for_file(), rep, limits=options.limits) as inp:
        rows = _CsvRows(inp, ("id",))
        for line, row, error, record in rows:
            source = _where(inp.name, line)
            if error:
                rep.reject(source, error, record)
                continue
            sid = rows.get(row, "id").strip()
            if not sid:
                rep.reject(source, "story has no id", ",".join(row))
                continue
            if sid in story_ids:
                rep.reject(source, f"duplicate story id {sid!r}; the first one was kept", ",".join(row))
                continue
            closed_at = parse_datetime(rows.get(row, "closed_at"), source, rep)
            thread = ThreadRecord(
                external_id=sid, site=site, title=clean_text(rows.get(row, "title")),
                url=clean_text(rows.get(row, "url")), author=clean_text(rows.get(row, "author")),
                published_at=parse_datetime(rows.get(row, "published_at"), source, rep),
                closed=closed_at is not None and closed_at <= now, source=source,
            )
            mode = rows.get(row, "mode").strip()
            if mode:
                thread.extra["mode"] = mode
            if closed_at is not None:
                thread.extra["closed_at"] = closed_at.isoformat()
            story_ids.add(sid)
            stories.append(thread)
        yield from rep.drain()
        yield from inp.truncation_rejection()
        prog.finished(inp)

    with CommentGrouper(limit=group_limit or GROUP_LIMIT) as grouper:
        with InputFile(comments_path, prog.for_file(), rep, limits=options.limits) as inp:
            yield from _read_comments(inp, users, story_ids, grouper, rep)
            yield from inp.truncation_rejection()
            prog.finished(inp)
        stories.reverse()
        while stories:
            thread = stories.pop()  # nothing keeps a yielded thread (and its comments) alive
            thread.comments = grouper.take(thread.external_id)
            arrange_comments(thread, rep)
            yield from rep.drain()
            yield thread
    yield from rep.drain()
    yield from rep.summary(name or folder.name)


def _read_comments(inp: InputFile, users: dict[str, str], story_ids: set[str], grouper: CommentGrouper,
                   rep: Reporter) -> Iterator[Rejection | Warning_]:
    """Stream comments.csv into the grouper. The hot loop: column indexes, no per-row dicts."""
    rows = _CsvRows(inp, ("id", "story_id", "body"))
    name = inp.name
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    col = rows.col
    i_id, i_story, i_body = col.get("id"), col.get("story_id"), col.get("body")
    i_author, i_parent, i_created = col.get("author_id"), col.get("parent_id"), col.get("created_at")
    i_status, i_rating = col.get("status"), col.get("rating")
    lookup_user = users.get
    pending = [first]
    for line, row, error, record in _chain(pending, it):
        if error:
            rep.reject(_where(name, line), error, record)
            yield from rep.drain()
            continue
        source = f"{name}:{line}"
        cid = row[i_id].strip()
        body = clean_body(row[i_body], source, rep)
        story = row[i_story].strip()
        if not cid:
            rep.reject(source, "comment has no id", body)
        elif not body:
            rep.reject(source, f"comment {cid!r} has an empty body")
        elif not story:
            rep.reject(source, f"comment {cid!r} has no story_id", body)
        elif story not in story_ids:
            rep.reject(source, f"comment {cid!r} refers to story {story!r}, which is not in stories.csv", body)
        else:
            author_id = row[i_author].strip() if i_author is not None else ""
            comment = CommentRecord(
                external_id=cid,
                body=body,
                parent_external_id=(row[i_parent].strip() or None) if i_parent is not None else None,
                author=lookup_user(author_id, author_id) or None,
                posted_at=parse_datetime(row[i_created], source, rep) if i_created is not None else None,
                status=(row[i_status].strip().lower() or None) if i_status is not None else None,
            )
            rating = row[i_rating].strip() if i_rating is not None else ""
            if rating:
                comment.extra["rating"] = int(rating) if rating.lstrip("-").isdigit() else rating
            grouper.add(story, comment)
        if rep.pending:
            yield from rep.drain()


def _where(name: str, line: int) -> str:
    return f"{name}:{line}" if line else name


def _chain(first: list, rest: Iterator):
    yield from first
    yield from rest
