"""Test data written straight through the models: sites, threads, scored comments with spans and flags, users."""
from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone

from modsvc.access.accounts import create_user
from modsvc.models import Comment, CommentFlag, CommentScore, Site, Thread

MODEL_VERSION = "builtin-test-1"
_ids = itertools.count(1)


def add_user(session, name: str, role: str = "moderator", password: str = "correct horse battery") -> None:
    create_user(session, name, password, role)
    session.commit()


def add_thread(session, site_key: str = "news", title: str = "An article", url: str | None = "https://example.org/a") -> Thread:
    site = session.query(Site).filter_by(key=site_key).one_or_none()
    if site is None:
        site = Site(key=site_key, name=site_key.title())
        session.add(site)
        session.flush()
    thread = Thread(site_id=site.id, external_id=f"t{next(_ids)}", title=title, url=url)
    session.add(thread)
    session.flush()
    return thread


def add_comment(session, thread: Thread, body: str, *, status: str = "review", priority: float = 0.5,
                scores: dict | None = None, spans: list | None = None, author: str | None = "alice",
                parent: Comment | None = None, age_minutes: int = 0, reason: str = "toxicity 0.90 ≥ review threshold 0.80",
                scored: bool = True) -> Comment:
    scores = scores or {}
    spans = spans or []
    created = datetime.now(timezone.utc) - timedelta(minutes=age_minutes)
    top_label = max(scores, key=scores.get) if scores else None
    comment = Comment(thread_id=thread.id, external_id=f"c{next(_ids)}", author=author, body=body,
                      parent_id=parent.id if parent else None, depth=(parent.depth + 1) if parent else 0,
                      content_hash=hashlib.sha256(body.encode()).hexdigest(), status=status, priority=priority,
                      top_label=top_label, top_score=scores.get(top_label) if top_label else None,
                      score_state="scored" if scored else "pending", model_version=MODEL_VERSION if scored else None,
                      posted_at=created, created_at=created)
    session.add(comment)
    session.flush()
    if scored:
        session.add(CommentScore(comment_id=comment.id, model_version=MODEL_VERSION, content_hash=comment.content_hash,
                                 scores=scores, spans=spans, decision=status if status in ("review", "held") else "allow",
                                 decision_reason=reason))
        flagged = {label for label, value in scores.items() if value >= 0.5}
        for label in sorted(flagged):
            session.add(CommentFlag(comment_id=comment.id, label=label, trope=None, score=scores[label]))
        for span in spans:
            if span.get("trope"):
                session.add(CommentFlag(comment_id=comment.id, label=span["label"], trope=span["trope"], score=span["score"]))
    session.flush()
    return comment
