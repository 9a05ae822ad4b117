"""Grouping a comment stream by thread when the input is not ordered by thread.

Coral's comments.csv and Disqus' <post> elements come in any order, but a
ThreadRecord carries all its comments. ``CommentGrouper`` keeps comments in
per-thread lists in memory up to ``limit`` comments in total; past that it moves
everything to a temporary SQLite file (indexed by thread key, insertion order
kept) and keeps appending there in batches, so memory stays flat whatever the
input size. No sorting, one pass over the input, one indexed read per thread.
"""
from __future__ import annotations

import marshal
import os
import pickle
import sqlite3
import tempfile
from datetime import datetime

from .records import CommentRecord

DEFAULT_LIMIT = 100_000
_BATCH = 10_000


def _pack(c: CommentRecord) -> bytes:
    # marshal of plain values is several times faster than pickling the record (and its datetime)
    when = c.posted_at.isoformat() if c.posted_at is not None else None
    fields = (c.external_id, c.body, c.parent_external_id, c.author, when, c.status, c.extra or None)
    try:
        return b"m" + marshal.dumps(fields)
    except ValueError:  # an extra value marshal cannot hold
        return b"p" + pickle.dumps((*fields[:4], c.posted_at, c.status, c.extra), protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(blob: bytes) -> CommentRecord:
    if blob[:1] == b"m":
        ext, body, parent, author, when, status, extra = marshal.loads(blob[1:])
        posted_at = datetime.fromisoformat(when) if when is not None else None
    else:
        ext, body, parent, author, posted_at, status, extra = pickle.loads(blob[1:])
    return CommentRecord(external_id=ext, body=body, parent_external_id=parent, author=author,
                         posted_at=posted_at, status=status, extra=extra or {})


class CommentGrouper:
    def __init__(self, limit: int = DEFAULT_LIMIT, tmpdir: str | None = None) -> None:
        self.limit = limit
        self.tmpdir = tmpdir
        self.count = 0
        self._mem: dict[str, list[CommentRecord]] = {}
        self._keys: dict[str, None] = {}  # first-seen order of every key
        self._db: sqlite3.Connection | None = None
        self._db_path: str | None = None
        self._batch: list[tuple[str, bytes]] = []

    @property
    def spilled(self) -> bool:
        return self._db is not None

    def add(self, key: str, comment: CommentRecord) -> None:
        if key not in self._keys:
            self._keys[key] = None
        self.count += 1
        if self._db is None:
            bucket = self._mem.get(key)
            if bucket is None:
                self._mem[key] = [comment]
            else:
                bucket.append(comment)
            if self.count > self.limit:
                self._spill()
        else:
            self._batch.append((key, _pack(comment)))
            if len(self._batch) >= _BATCH:
                self._flush()

    def keys(self) -> list[str]:
        """Every key that received a comment, in first-seen order."""
        return list(self._keys)

    def take(self, key: str) -> list[CommentRecord]:
        """All comments of ``key`` in arrival order, removed from the grouper."""
        self._keys.pop(key, None)
        if self._db is None:
            return self._mem.pop(key, [])
        self._flush()
        rows = self._db.execute("SELECT payload FROM c WHERE k = ? ORDER BY seq", (key,)).fetchall()
        return [_unpack(r[0]) for r in rows]

    def _spill(self) -> None:
        fd, self._db_path = tempfile.mkstemp(prefix="modsvc-group-", suffix=".sqlite", dir=self.tmpdir)
        os.close(fd)
        self._db = sqlite3.connect(self._db_path)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE c (seq INTEGER PRIMARY KEY, k TEXT NOT NULL, payload BLOB NOT NULL);"
            "CREATE INDEX c_k ON c (k, seq);"
        )
        for key, bucket in self._mem.items():
            for comment in bucket:
                self._batch.append((key, _pack(comment)))
                if len(self._batch) >= _BATCH:
                    self._flush()
        self._mem = {}
        self._flush()

    def _flush(self) -> None:
        if self._batch and self._db is not None:
            self._db.executemany("INSERT INTO c (k, payload) VALUES (?, ?)", self._batch)
            self._db.commit()
            self._batch = []

    def close(self) -> None:
        self._mem = {}
        self._batch = []
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._db_path:
            try:
                os.unlink(self._db_path)
            except OSError:
                pass
            self._db_path = None

    def __enter__(self) -> "CommentGrouper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
