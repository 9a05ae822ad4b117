"""Comments the scoring API has already scored, stored in the moderation queue without a second model run
(``POST /api/v1/score`` with ``store=true``).

The comments go in through the ingestor like any import (idempotent: the same comment again changes nothing),
then ``score_comments`` stores the results the caller was answered with: an analyzer that hands them back
stands in for the model, which runs only for a text whose result is missing.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..ingest.importers.records import CommentRecord, ThreadRecord
from ..ingest.ingestor import Ingestor
from ..integrations import webhooks
from ..models import Comment, Site, Thread
from .scorer import accepts_languages, score_comments


@dataclass(frozen=True)
class ScoredComment:
    thread: str  # the thread's external id
    external_id: str
    text: str
    parent: str | None
    author: str | None
    result: Any  # the AnalysisResult the caller was answered with
    language: str | None  # the caller's language for it (None: identified)


class _Precomputed:
    """An analyzer that hands back results already computed for these texts, so storing costs no model run."""

    def __init__(self, model_version: str, results_by_text: dict[str, Any], fallback: Callable) -> None:
        self.model_version = model_version
        self._results = results_by_text
        self._fallback = fallback

    def analyze(self, texts, policy=None):
        if all(t in self._results for t in texts):
            return [self._results[t] for t in texts]
        return self._fallback(texts, policy=policy)


def _analyze_in(model, language: str | None) -> Callable:
    """``model.analyze`` with the caller's language for every text (the fallback of a precomputed batch)."""
    if language is None or not accepts_languages(model):
        return model.analyze
    return lambda texts, policy=None: model.analyze(texts, policy=policy, languages=[language] * len(texts))


def store_scored(sessions: sessionmaker[Session], site_key: str, comments: Sequence[ScoredComment], analyzer: Any, *,
                 actor: str, thread_title: str | None = None, thread_url: str | None = None) -> list[int | None]:
    """Store the comments in site ``site_key`` with their results; their ids, in order (None: not stored)."""
    by_thread: dict[str, list[ScoredComment]] = {}
    for comment in comments:
        by_thread.setdefault(comment.thread, []).append(comment)
    records = []
    with sessions() as session:  # closed before the ingest writes (SQLite allows one writer)
        site = session.scalar(select(Site).where(Site.key == site_key))
        for thread_ext, members in by_thread.items():
            existing = None
            if site is not None:
                existing = session.scalar(select(Thread).where(Thread.site_id == site.id,
                                                               Thread.external_id == thread_ext))
            records.append(ThreadRecord(
                external_id=thread_ext, site=site_key,
                # Keep what we know about an existing thread: this request only adds comments to it.
                title=thread_title or (existing.title if existing else None),
                url=thread_url or (existing.url if existing else None),
                author=existing.author if existing else None,
                published_at=existing.published_at if existing else None,
                body=existing.body if existing else None,
                closed=existing.closed if existing else False,
                comments=[CommentRecord(external_id=c.external_id, body=c.text, parent_external_id=c.parent,
                                        author=c.author) for c in members],
                source="api",
            ))
    # race-free: a concurrent request's new rows are found and added to
    Ingestor(sessions, actor=actor).add_all(records)
    ids = comment_ids(sessions, site_key, [(c.thread, c.external_id) for c in comments])
    # one pass per caller language: the same text may have been given two languages (two different results)
    by_language: dict[str | None, list[int]] = {}
    for n, comment in enumerate(comments):
        by_language.setdefault(comment.language, []).append(n)
    model_version = str(getattr(analyzer, "model_version", "unknown"))
    for language, members in by_language.items():
        model = _Precomputed(model_version, {comments[n].text: comments[n].result for n in members},
                             _analyze_in(analyzer, language))
        score_comments(sessions, [ids[n] for n in members if ids[n] is not None], model,
                       on_scored=webhooks.on_scored(sessions))
    return ids


def comment_ids(sessions: sessionmaker[Session], site_key: str, keys: list[tuple[str, str]]) -> list[int | None]:
    """The ids of comments (thread external id, comment external id) of site ``site_key``, in order."""
    with sessions() as session:
        rows = session.execute(
            select(Comment.id, Thread.external_id, Comment.external_id)
            .join(Thread, Thread.id == Comment.thread_id).join(Site, Site.id == Thread.site_id)
            .where(Site.key == site_key, Thread.external_id.in_({t for t, _ in keys}),
                   Comment.external_id.in_({c for _, c in keys}))
        ).all()
    found = {(r[1], r[2]): r[0] for r in rows}
    return [found.get(k) for k in keys]
