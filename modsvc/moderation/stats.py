"""Dashboard figures: flags per label per day, and how often reviewers agreed with each detector."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..models import Comment, CommentFlag, Site, Thread


@dataclass
class LabelAgreement:
    label: str
    approved: int
    rejected: int

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def precision(self) -> float | None:
        """Share of human-decided comments flagged with this label that reviewers rejected."""
        return self.rejected / self.decided if self.decided else None


def _site_filter(query, site_key: str | None):
    if site_key:
        site_threads = select(Thread.id).join(Site, Thread.site_id == Site.id).where(Site.key == site_key)
        query = query.where(Comment.thread_id.in_(site_threads))
    return query


def label_agreement(session: Session, site_key: str | None = None) -> list[LabelAgreement]:
    query = (select(CommentFlag.label, Comment.status, func.count(distinct(Comment.id)))
             .join(Comment, Comment.id == CommentFlag.comment_id)
             .where(Comment.status.in_(("approved", "rejected")))
             .group_by(CommentFlag.label, Comment.status))
    rows: dict[str, LabelAgreement] = {}
    for label, status, count in session.execute(_site_filter(query, site_key)):
        entry = rows.setdefault(label, LabelAgreement(label, 0, 0))
        if status == "approved":
            entry.approved = count
        else:
            entry.rejected = count
    return sorted(rows.values(), key=lambda r: (-r.decided, r.label))


def flags_per_day(session: Session, days: int = 30, site_key: str | None = None,
                  today: date | None = None) -> tuple[list[date], dict[str, list[int]]]:
    """Days (oldest first) and, per label, how many comments received that day were flagged with it."""
    today = today or datetime.now(timezone.utc).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=timezone.utc)
    day = func.date(Comment.created_at)
    query = (select(day, CommentFlag.label, func.count(distinct(Comment.id)))
             .join(Comment, Comment.id == CommentFlag.comment_id)
             .where(Comment.created_at >= start)
             .group_by(day, CommentFlag.label))
    axis = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(axis)}
    series: dict[str, list[int]] = {}
    for raw_day, label, count in session.execute(_site_filter(query, site_key)):
        d = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day)[:10])
        if d in index:
            series.setdefault(label, [0] * days)[index[d]] = count
    return axis, dict(sorted(series.items(), key=lambda kv: -sum(kv[1])))
