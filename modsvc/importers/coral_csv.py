"""Coral Talk importer CSV set: stories.csv, comments.csv, users.csv (plain or .gz).

stories.csv and users.csv are read into memory (one small row per story / user);
comments.csv is streamed once and grouped by story with ``CommentGrouper``
(in memory up to a limit, then spilled to a temporary SQLite file), because
comments may come in any order. Threads are then yielded in stories.csv order.
"""
from __future__ import annotations

import csv
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .common import arrange_comments, clean_body, clean_text, id_str, parse_datetime
from .detect import coral_file
from .grouping import DEFAULT_LIMIT, CommentGrouper
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


def _rows(inp: InputFile, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """(line, {column: value}, error) for each data row; columns matched by header name."""
    lines = (line for _, line in inp.iter_text_lines())
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        yield 0, None, "the file is empty (no header row)"
        return
    except csv.Error as exc:
        yield 1, None, f"unreadable header row: {exc}"
        return
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        yield 1, None, f"header lacks column(s) {', '.join(missing)} (found: {', '.join(names)})"
        return
    width = len(names)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, f"malformed CSV row: {exc}"
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield reader.line_num, dict(zip(names, row)), None


def iter_coral(path: Path, site: str, progress: Progress | None = None, *,
               group_limit: int | None = None) -> Iterator[Item]:
    folder = path if path.is_dir() else path.parent
    rep = Reporter()
    prog = _Progress(progress)
    stories_path = coral_file(folder, "stories")
    comments_path = coral_file(folder, "comments")
    users_path = coral_file(folder, "users")
    if stories_path is None or comments_path is None:
        yield Rejection(source=str(folder), reason="a Coral CSV import needs stories.csv and comments.csv in one folder")
        return

    users: dict[str, str] = {}
    if users_path is None:
        yield Warning_(source=str(folder), message="no users.csv: comment authors are the author_id values")
    else:
        with InputFile(users_path, prog.for_file(), rep) as inp:
            for line, row, error in _rows(inp, ("id", "username")):
                if error:
                    rep.reject(f"{inp.name}:{line}", error)
                    continue
                uid = id_str(row["id"])
                name = clean_text(row.get("username"))
                if uid and name:
                    users[uid] = name
            yield from rep.drain()
            yield from inp.truncation_rejection()
            prog.finished(inp)

    stories: list[ThreadRecord] = []
    story_ids: set[str] = set()
    now = datetime.now(timezone.utc)
    with InputFile(stories_path, prog.for_file(), rep) as inp:
        for line, row, error in _rows(inp, ("id",)):
            source = f"{inp.name}:{line}"
            if error:
                rep.reject(source, error)
                continue
            sid = id_str(row["id"])
            if sid is None:
                rep.reject(source, "story has no id", ",".join(row.values()))
                continue
            if sid in story_ids:
                rep.reject(source, f"duplicate story id {sid!r}; the first one was kept", ",".join(row.values()))
                continue
            closed_at = parse_datetime(row.get("closed_at"), source, rep)
            thread = ThreadRecord(
                external_id=sid, site=site, title=clean_text(row.get("title")), url=clean_text(row.get("url")),
                author=clean_text(row.get("author")), published_at=parse_datetime(row.get("published_at"), source, rep),
                closed=closed_at is not None and closed_at <= now, source=source,
            )
            extra = {}
            if row.get("mode"):
                extra["mode"] = row["mode"].strip()
            if closed_at is not None:
                extra["closed_at"] = closed_at.isoformat()
            thread.extra = extra
            story_ids.add(sid)
            stories.append(thread)
        yield from rep.drain()
        yield from inp.truncation_rejection()
        prog.finished(inp)

    with CommentGrouper(limit=group_limit or GROUP_LIMIT) as grouper:
        with InputFile(comments_path, prog.for_file(), rep) as inp:
            for line, row, error in _rows(inp, ("id", "story_id", "body")):
                source = f"{inp.name}:{line}"
                if error:
                    rep.reject(source, error)
                elif (comment := _comment(row, source, users, rep)) is not None:
                    story = id_str(row.get("story_id"))
                    if story is None:
                        rep.reject(source, f"comment {comment.external_id!r} has no story_id", comment.body)
                    else:
                        comment.extra["line"] = line
                        grouper.add(story, comment)
                if rep.pending:
                    yield from rep.drain()
            yield from inp.truncation_rejection()
            prog.finished(inp)

        for thread in stories:
            thread.comments = grouper.take(thread.external_id)
            for c in thread.comments:
                c.extra.pop("line", None)
            arrange_comments(thread, rep)
            yield from rep.drain()
            yield thread
        for orphan_story in grouper.keys():
            for c in grouper.take(orphan_story):
                yield Rejection(source=f"{comments_path.name}:{c.extra.get('line', '?')}",
                                reason=f"comment {c.external_id!r} refers to story {orphan_story!r}, "
                                       "which is not in stories.csv", record=c.body[:200])
    yield from rep.drain()
    yield from rep.summary(folder.name)


def _comment(row: dict[str, str], source: str, users: dict[str, str], rep: Reporter) -> CommentRecord | None:
    cid = id_str(row.get("id"))
    if cid is None:
        rep.reject(source, "comment has no id", row.get("body"))
        return None
    body = clean_body(row.get("body"), source, rep)
    if not body:
        rep.reject(source, f"comment {cid!r} has an empty body")
        return None
    author_id = id_str(row.get("author_id"))
    status = (row.get("status") or "").strip().lower() or None
    comment = CommentRecord(
        external_id=cid,
        body=body,
        parent_external_id=id_str(row.get("parent_id")),
        author=users.get(author_id, author_id) if author_id else None,
        posted_at=parse_datetime(row.get("created_at"), source, rep),
        status=status,
    )
    rating = (row.get("rating") or "").strip()
    if rating:
        try:
            comment.extra["rating"] = int(rating)
        except ValueError:
            comment.extra["rating"] = rating
    return comment
