"""What every importer yields: format-neutral records, no database in sight.

A parser turns bytes into a stream of ``ThreadRecord`` (each carrying its
comments) and ``Rejection`` items. The ingest layer (``modsvc.ingest``) writes
them to the database. Keeping parsing free of I/O beyond the input makes every
format testable on its own and lets the bulk writer batch across formats.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class CommentRecord:
    external_id: str
    body: str
    parent_external_id: str | None = None
    author: str | None = None
    posted_at: datetime | None = None
    status: str | None = None  # source moderation status, e.g. "approved", "spam", "deleted"
    extra: dict = field(default_factory=dict)


@dataclass(slots=True)
class ThreadRecord:
    external_id: str
    site: str = "default"  # site key (a platform / tenant)
    title: str | None = None
    url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    body: str | None = None
    closed: bool = False
    comments: list[CommentRecord] = field(default_factory=list)
    source: str = ""  # "file:line" or "file#record" of the thread, for messages
    extra: dict = field(default_factory=dict)  # format-specific leftovers (e.g. Coral story mode, Disqus forum)


@dataclass(slots=True)
class Rejection:
    """One record that could not be used, and why. Never fatal for the rest."""

    source: str  # file name plus line / record number, e.g. "comments.csv:17"
    reason: str
    record: str | None = None  # a short excerpt of the offending input


@dataclass(slots=True)
class Warning_:
    """Something was repaired rather than rejected (bad UTF-8, NUL bytes, cycles)."""

    source: str
    message: str


@dataclass(slots=True)
class Skipped:
    """A record left out on purpose (e.g. a WordPress pingback), counted in the summary, not an error."""

    source: str
    reason: str  # the kind of record, e.g. "pingback"
