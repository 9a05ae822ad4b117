"""Writes importer records to the database in batches, idempotently.

Identity is (site, thread external id) and (thread, comment external id), so
importing the same data twice creates nothing new. A changed body updates the
comment and sends it back for scoring. Each batch is its own transaction: a
crash mid-import keeps the finished batches, and re-running the import fills in
the rest. Comments are inserted level by level (parents first) with RETURNING,
which gives parent ids without a second UPDATE pass and works the same on
SQLite and PostgreSQL.

Concurrent imports into the same new site, thread or comments: sites are
get-or-created with INSERT ... ON CONFLICT DO NOTHING; a batch that loses a race
for a thread or comment (a duplicate key, a deadlock) is rolled back and written
again, and the retry finds the winner's rows and treats them as existing.
"""
from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import is_write_race
from .importers.records import CommentRecord, Rejection, Skipped, ThreadRecord, Warning_
from ..models import AuditLog, Comment, Thread, utcnow
from ..access.sites import get_or_create_site_id

log = logging.getLogger(__name__)

MAX_LISTED_PROBLEMS = 10_000  # beyond this only the counts grow, so memory stays flat on hostile input
WRITE_ATTEMPTS = 8  # a batch that keeps losing races this often has a real problem: let it raise


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _thread_hash(rec: ThreadRecord) -> str:
    parts = [rec.title, rec.url, rec.author, _iso(rec.published_at), rec.body, str(bool(rec.closed))]
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8", "surrogatepass")).hexdigest()


def _iso(value: datetime | None) -> str | None:
    """Comparable form of a timestamp; SQLite hands back naive UTC, PostgreSQL aware."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds")


@dataclass
class ImportSummary:
    threads_new: int = 0
    threads_unchanged: int = 0
    threads_updated: int = 0
    comments_new: int = 0
    comments_unchanged: int = 0
    comments_updated: int = 0
    comments_rejected: int = 0
    comments_skipped: int = 0  # left out on purpose (WordPress pingbacks and trackbacks)
    skipped_kinds: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warning_list: list[Warning_] = field(default_factory=list)
    to_score: list[int] = field(default_factory=list)  # comment ids that need (re-)scoring

    def add_rejection(self, rejection: Rejection) -> None:
        self.comments_rejected += 1
        if len(self.rejections) < MAX_LISTED_PROBLEMS:
            self.rejections.append(rejection)

    def add_skipped(self, skipped: Skipped) -> None:
        self.comments_skipped += 1
        self.skipped_kinds[skipped.reason] = self.skipped_kinds.get(skipped.reason, 0) + 1

    def add_warning(self, warning: Warning_) -> None:
        self.warnings += 1
        if len(self.warning_list) < MAX_LISTED_PROBLEMS:
            self.warning_list.append(warning)

    def merge(self, other: ImportSummary) -> None:
        """Add the counts and problems of ``other`` (one committed batch) to these."""
        for name in ("threads_new", "threads_unchanged", "threads_updated", "comments_new", "comments_unchanged",
                     "comments_updated", "comments_rejected", "warnings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejections.extend(other.rejections[:MAX_LISTED_PROBLEMS - len(self.rejections)])
        self.warning_list.extend(other.warning_list[:MAX_LISTED_PROBLEMS - len(self.warning_list)])
        self.to_score.extend(other.to_score)

    @property
    def comments_total(self) -> int:
        return self.comments_new + self.comments_unchanged + self.comments_updated

    def counts(self) -> dict[str, int]:
        return {
            "threads_new": self.threads_new,
            "threads_unchanged": self.threads_unchanged,
            "threads_updated": self.threads_updated,
            "comments_new": self.comments_new,
            "comments_unchanged": self.comments_unchanged,
            "comments_updated": self.comments_updated,
            "rejected": self.comments_rejected,
            "comments_skipped": self.comments_skipped,
            "warnings": self.warnings,
        }

    def to_dict(self, limit: int = 1000) -> dict:
        return {
            **self.counts(),
            "rejections": [
                {"source": r.source, "reason": r.reason, "record": r.record} for r in self.rejections[:limit]
            ],
            "warning_messages": [{"source": w.source, "message": w.message} for w in self.warning_list[:limit]],
        }


class Ingestor:
    """Collects records and writes them in batches of about ``batch_comments`` comments.

    ``on_batch_committed(comment_ids)`` runs after each commit with the ids that
    need scoring, which is where the workers' queue is fed: enqueueing only
    after the commit means a worker never looks for a row that is not there yet.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        batch_comments: int = 5000,
        on_batch_committed: Callable[[list[int]], None] | None = None,
        summary: ImportSummary | None = None,
        only_site: str | None = None,
        actor: str = "import",
    ) -> None:
        self.sessions = sessions
        self.batch_comments = batch_comments
        self.on_batch_committed = on_batch_committed
        self.summary = summary or ImportSummary()
        self.only_site = only_site  # set: threads of any other site are rejected (a site-bound API key's import)
        self.actor = actor  # who the audit log names for edits of decided comments
        self._pending: dict[tuple[str, str], ThreadRecord] = {}
        self._pending_comments = 0
        self._site_ids: dict[str, int] = {}

    # -- feeding -----------------------------------------------------------------------------------
    def add(self, item: ThreadRecord | Rejection | Warning_ | Skipped) -> None:
        if isinstance(item, Rejection):
            self.summary.add_rejection(item)
        elif isinstance(item, Warning_):
            self.summary.add_warning(item)
        elif self.only_site is not None and (item.site or "default") != self.only_site:
            self.summary.add_rejection(Rejection(
                item.source or item.external_id,
                f"thread {item.external_id!r} names site {item.site!r}; this import stores into site "
                f"{self.only_site!r} only"))
        elif isinstance(item, Skipped):
            self.summary.add_skipped(item)
        else:
            key = (item.site or "default", item.external_id)
            if key in self._pending:  # the same thread twice in one batch: write the first, then this one
                self.flush()
            self._pending[key] = item
            self._pending_comments += len(item.comments) + 1
            if self._pending_comments >= self.batch_comments:
                self.flush()

    def add_all(self, items: Iterable[ThreadRecord | Rejection | Warning_ | Skipped]) -> ImportSummary:
        for item in items:
            self.add(item)
        self.flush()
        return self.summary

    def flush(self) -> None:
        if not self._pending:
            return
        records = list(self._pending.values())
        self._pending.clear()
        self._pending_comments = 0
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            # Counts and cached site ids of this attempt only: a rolled-back attempt must leave no trace.
            batch, site_ids = ImportSummary(), dict(self._site_ids)
            try:
                with self.sessions() as session, session.begin():
                    batch.to_score = self._write(session, records, batch, site_ids)
                break
            except Exception as exc:  # noqa: BLE001 - is_write_race tells; COPY raises the driver's own errors
                if attempt == WRITE_ATTEMPTS or not is_write_race(exc):
                    raise
                log.info("import batch lost a race with a concurrent import (%s); writing it again (attempt %d)",
                         type(getattr(exc, "orig", exc)).__name__, attempt + 1)
                time.sleep(random.uniform(0, 0.05 * attempt))  # de-synchronise the racers before they meet again
        self._site_ids = site_ids
        self.summary.merge(batch)
        if self.on_batch_committed and batch.to_score:
            self.on_batch_committed(batch.to_score)

    # -- writing -----------------------------------------------------------------------------------
    def _write(self, session: Session, records: list[ThreadRecord], summary: ImportSummary,
               site_ids: dict[str, int]) -> list[int]:
        thread_ids = self._upsert_threads(session, records, summary, site_ids)
        existing = self._existing_comments(session, list(thread_ids.values()))
        to_score: list[int] = []
        # New comments of every thread in the batch, grouped by depth: one INSERT per level, not per thread.
        new_by_depth: dict[int, list[dict]] = {}
        ids: dict[tuple[int, str], int] = {}
        for rec in records:
            thread_id = thread_ids[(rec.site or "default", rec.external_id)]
            old = existing.get(thread_id, {})
            ids.update(((thread_id, ext), row.id) for ext, row in old.items())
            for depth, row in self._plan_comments(session, rec, thread_id, old, ids, to_score, summary):
                new_by_depth.setdefault(depth, []).append(row)
        for rows in new_by_depth.values():  # one key order for every importer: racing inserts wait, not deadlock
            rows.sort(key=lambda row: (row["thread_id"], row["external_id"]))
        if new_by_depth and session.bind.dialect.name == "postgresql":
            self._copy_new_comments(session, new_by_depth, ids, to_score, summary)
            return to_score
        for depth in sorted(new_by_depth):
            rows = new_by_depth[depth]
            for row in rows:
                parent_ext = row["parent_external_id"]
                row["parent_id"] = ids.get((row["thread_id"], parent_ext)) if parent_ext else None
            result = session.execute(
                insert(Comment).returning(Comment.id, Comment.thread_id, Comment.external_id,
                                          sort_by_parameter_order=True),
                rows,
            )
            for row in result:
                ids[(row.thread_id, row.external_id)] = row.id
                to_score.append(row.id)
            summary.comments_new += len(rows)
        return to_score

    def _copy_new_comments(self, session: Session, new_by_depth: dict[int, list[dict]],
                           ids: dict[tuple[int, str], int], to_score: list[int], summary: ImportSummary) -> None:
        """PostgreSQL fast path: take ids from the sequence up front, then one COPY for the whole batch."""
        rows = [row for depth in sorted(new_by_depth) for row in new_by_depth[depth]]
        new_ids = session.execute(
            text("SELECT nextval(pg_get_serial_sequence('comments', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        ).scalars().all()
        for row, new_id in zip(rows, new_ids):  # parents come first (sorted by depth), so their ids are known
            row["id"] = new_id
            ids[(row["thread_id"], row["external_id"])] = new_id
            parent_ext = row["parent_external_id"]
            row["parent_id"] = ids.get((row["thread_id"], parent_ext)) if parent_ext else None
        columns = list(rows[0])
        # COPY skips SQLAlchemy's Python-side defaults, so fill in every scalar default here.
        defaults = {
            col.name: col.default.arg for col in Comment.__table__.columns
            if col.name not in rows[0] and col.default is not None and col.default.is_scalar
        }
        columns += list(defaults)
        for row in rows:
            row.update(defaults)
        cursor = session.connection().connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY comments ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        to_score.extend(new_ids)
        summary.comments_new += len(rows)

    def _upsert_threads(self, session: Session, records: list[ThreadRecord], summary: ImportSummary,
                        site_ids: dict[str, int]) -> dict[tuple[str, str], int]:
        ids: dict[tuple[str, str], int] = {}
        by_site: dict[int, list[ThreadRecord]] = {}
        for rec in sorted(records, key=lambda r: (r.site or "default", r.external_id)):  # one lock order for all
            key = rec.site or "default"
            if key not in site_ids:
                site_ids[key] = get_or_create_site_id(session, key)
            by_site.setdefault(site_ids[key], []).append(rec)
        for site_id, recs in by_site.items():
            rows = session.execute(
                select(Thread.id, Thread.external_id, Thread.content_hash).where(
                    Thread.site_id == site_id, Thread.external_id.in_([r.external_id for r in recs])
                )
            ).all()
            known = {row.external_id: (row.id, row.content_hash) for row in rows}
            new_rows = []
            for rec in recs:
                values = {
                    "site_id": site_id,
                    "external_id": rec.external_id,
                    "url": rec.url,
                    "title": rec.title,
                    "author": rec.author,
                    "published_at": rec.published_at,
                    "body": rec.body,
                    "closed": bool(rec.closed),
                    "content_hash": _thread_hash(rec),
                }
                if rec.external_id not in known:
                    new_rows.append(values)
                    continue
                thread_id, old_hash = known[rec.external_id]
                ids[(rec.site or "default", rec.external_id)] = thread_id
                if old_hash == values["content_hash"]:
                    summary.threads_unchanged += 1
                else:
                    session.execute(update(Thread).where(Thread.id == thread_id).values(**values, updated_at=utcnow()))
                    summary.threads_updated += 1
            if new_rows:
                now = utcnow()
                for row in new_rows:
                    row["created_at"] = row["updated_at"] = now
                result = session.execute(
                    insert(Thread).returning(Thread.id, Thread.external_id, sort_by_parameter_order=True), new_rows
                )
                site_key = recs[0].site or "default"
                for row in result:
                    ids[(site_key, row.external_id)] = row.id
                summary.threads_new += len(new_rows)
        return ids

    def _existing_comments(self, session: Session, thread_ids: list[int]) -> dict[int, dict[str, tuple]]:
        out: dict[int, dict[str, tuple]] = {}
        if not thread_ids:
            return out
        rows = session.execute(
            select(
                Comment.id, Comment.thread_id, Comment.external_id, Comment.content_hash, Comment.author,
                Comment.posted_at, Comment.parent_external_id, Comment.source_status, Comment.depth,
                Comment.status, Comment.human_decided,
            ).where(Comment.thread_id.in_(thread_ids))
        ).all()
        for row in rows:
            out.setdefault(row.thread_id, {})[row.external_id] = row
        return out

    def _plan_comments(
        self, session: Session, rec: ThreadRecord, thread_id: int, existing: dict[str, tuple],
        ids: dict[tuple[int, str], int], to_score: list[int], summary: ImportSummary,
    ) -> Iterator[tuple[int, dict]]:
        """Update changed comments now; yield (depth, row) for the new ones, inserted later by level."""
        comments = self._unique_comments(rec, summary)
        parents = _resolve_parents(comments, existing, rec, summary)
        depth_of = _depths(comments, parents, existing)
        now = utcnow()
        for c in comments:
            parent_ext = parents[c.external_id]
            old = existing.get(c.external_id)
            if old is None:
                yield depth_of[c.external_id], {
                    "thread_id": thread_id,
                    "external_id": c.external_id,
                    "parent_external_id": parent_ext,
                    "author": c.author,
                    "body": c.body,
                    "posted_at": c.posted_at,
                    "depth": depth_of[c.external_id],
                    "content_hash": body_hash(c.body),
                    "source_status": c.status,
                    "score_state": "pending",
                    "status": "unscored",
                    "queued_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                continue
            new_hash = body_hash(c.body)
            meta = {
                "author": c.author, "posted_at": c.posted_at, "parent_external_id": parent_ext,
                "parent_id": ids.get((thread_id, parent_ext)) if parent_ext else None,
                "depth": depth_of[c.external_id], "source_status": c.status, "updated_at": now,
            }
            if new_hash != old.content_hash:
                status = _status_after_edit(old)
                session.execute(update(Comment).where(Comment.id == old.id).values(
                    **meta, body=c.body, content_hash=new_hash, score_state="pending", status=status,
                    queued_at=now, score_error=None, version=Comment.version + 1,
                ))
                if old.status != "unscored":  # it had a status someone relied on: say why it changed
                    session.execute(insert(AuditLog).values(
                        comment_id=old.id, actor=self.actor[:100], action="reimport", old_status=old.status,
                        new_status=status, reason="edited", note=_edit_note(old, status), created_at=now))
                summary.comments_updated += 1
                to_score.append(old.id)
            elif (old.author != c.author or _iso(old.posted_at) != _iso(c.posted_at)
                  or old.parent_external_id != parent_ext or old.source_status != c.status):
                session.execute(update(Comment).where(Comment.id == old.id).values(**meta))
                summary.comments_updated += 1
            else:
                summary.comments_unchanged += 1

    def _unique_comments(self, rec: ThreadRecord, summary: ImportSummary) -> list[CommentRecord]:
        seen: set[str] = set()
        out: list[CommentRecord] = []
        for c in rec.comments:
            if c.external_id in seen:
                summary.add_rejection(
                    Rejection(rec.source or rec.external_id, f"duplicate comment id {c.external_id!r} in thread")
                )
                continue
            seen.add(c.external_id)
            out.append(c)
        return out


HUMAN_QUEUES = ("review", "held")


def _decided_by_human(old) -> bool:
    return bool(old.human_decided) or old.status in ("approved", "rejected")


def _status_after_edit(old) -> str:
    """An edited comment is scored again; one a human decided goes back to a human queue, never to the machine."""
    if not _decided_by_human(old):
        return "unscored"
    return old.status if old.status in HUMAN_QUEUES else "review"


def _edit_note(old, status: str) -> str:
    if _decided_by_human(old):
        return (f"A re-import edited the text of this comment, which a human had decided ({old.status}); that "
                f"decision stays in this history. Back in {status} for a human: the new text is scored, but the "
                f"machine does not decide it.")
    return f"A re-import edited the text of this comment ({old.status}); the new text is scored again."


def _resolve_parents(
    comments: list[CommentRecord], existing: dict[str, tuple], rec: ThreadRecord, summary: ImportSummary
) -> dict[str, str | None]:
    """Parent external id per comment; unknown parents and cycles fall back to the root, with a warning."""
    known = {c.external_id for c in comments} | set(existing)
    parents: dict[str, str | None] = {}
    for c in comments:
        parent = c.parent_external_id or None
        if parent is not None and (parent not in known or parent == c.external_id):
            summary.add_warning(
                Warning_(rec.source or rec.external_id,
                         f"comment {c.external_id!r}: parent {parent!r} not found; kept at the root")
            )
            parent = None
        parents[c.external_id] = parent
    for ext, row in existing.items():
        parents.setdefault(ext, row.parent_external_id)
    # Break cycles iteratively: walk up from each node, colouring the path.
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in list(parents):
        path = []
        node: str | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parents.get(node)
        if node is not None and state.get(node) == 1:  # came back onto the path: a cycle through `node`
            summary.add_warning(
                Warning_(rec.source or rec.external_id,
                         f"comment {node!r}: reply chain forms a cycle; kept at the root")
            )
            parents[node] = None
        for n in path:
            state[n] = 2
    return parents


def _depths(comments: list[CommentRecord], parents: dict[str, str | None], existing: dict[str, tuple]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for c in comments:
        chain = []
        node: str | None = c.external_id
        while node is not None and node not in depth:
            chain.append(node)
            parent = parents.get(node)
            if parent is None:
                break
            node = parent
        base = depth[node] + 1 if node is not None and node in depth else 0
        # `chain` ends at the root (or just below a node of known depth); assign top-down.
        for offset, n in enumerate(reversed(chain)):
            depth[n] = base + offset
    return depth
