"""Comment export as JSON, JSON Lines or CSV, streamed so it works on millions of rows."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Comment, CommentScore, Site, Thread

EXPORT_FIELDS = ("id", "thread_id", "thread_external_id", "site", "parent_id", "external_id", "author", "body",
                 "posted_at", "status", "decision", "decision_reason", "model_version", "scores", "language")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def iter_export_rows(session: Session, *, thread_id: int | None = None, site: str | None = None) -> Iterator[dict]:
    query = (
        select(Comment, Thread.external_id, Site.key)
        .join(Thread, Comment.thread_id == Thread.id)
        .join(Site, Thread.site_id == Site.id)
        .order_by(Comment.id)
    )
    if thread_id is not None:
        query = query.where(Comment.thread_id == thread_id)
    if site is not None:
        query = query.where(Site.key == site)
    batch: list[tuple] = []
    for row in session.execute(query.execution_options(yield_per=1000)):
        batch.append(row)
        if len(batch) >= 1000:
            yield from _rows(session, batch)
            batch = []
    yield from _rows(session, batch)


def _rows(session: Session, batch: list[tuple]) -> Iterator[dict]:
    if not batch:
        return
    ids = [row[0].id for row in batch]
    latest: dict[int, CommentScore] = {}
    for score in session.scalars(select(CommentScore).where(CommentScore.comment_id.in_(ids)).order_by(CommentScore.id)):
        latest[score.comment_id] = score
    for comment, thread_ext, site_key in batch:
        score = latest.get(comment.id)
        yield {
            "id": comment.id,
            "thread_id": comment.thread_id,
            "thread_external_id": thread_ext,
            "site": site_key,
            "parent_id": comment.parent_id,
            "external_id": comment.external_id,
            "author": comment.author,
            "body": comment.body,
            "language": comment.language,
            "posted_at": comment.posted_at.isoformat() if comment.posted_at else None,
            "status": comment.status,
            "decision": score.decision if score else None,
            "decision_reason": score.decision_reason if score else None,
            "model_version": score.model_version if score else None,
            "scores": score.scores if score else None,
        }


def csv_safe(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading quote makes the cell plain text."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_export(session: Session, out: IO[str], fmt: str, **filters) -> int:
    rows = iter_export_rows(session, **filters)
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "json":
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow([csv_safe(row[f]) for f in EXPORT_FIELDS])
            count += 1
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return count
