"""What the review queue shows: tabs, filters, counts and one page of comments with their evidence.

Kept free of Flask so the benchmark and the tests can call it directly. Sort order everywhere:
priority high first, then oldest first (``ix_comments_review_order`` / ``ix_comments_priority_order``).
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, text, union_all
from sqlalchemy.orm import Session, aliased

from ..analysis.language import normalize_code
from ..models import COMMENT_STATUSES, AuditLog, Comment, CommentFlag, CommentScore, Site, Thread
from ..params import parse_int
from .priority import priority_band  # noqa: F401  (re-exported for the templates)

# Tab key -> (title, statuses shown; None = every status). The first screen is "waiting": everything a human
# must decide, held and review alike, in one priority order (held comments are often the most urgent ones).
TABS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "waiting": ("Waiting", ("held", "review")),
    "review": ("Needs review", ("review",)),
    "held": ("Held", ("held",)),
    "approved": ("Approved", ("approved",)),
    "rejected": ("Rejected", ("rejected",)),
    "failed": ("Failed", ("failed",)),
    "all": ("All", None),
}
DEFAULT_TAB = "waiting"
PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilters:
    site: str | None = None  # Site.key
    thread: int | None = None  # Thread.id
    label: str | None = None  # a label or a trope
    min_score: float | None = None
    max_score: float | None = None
    author: str | None = None
    q: str | None = None  # text search in the comment body
    escalated: bool = False
    language: str | None = None  # Comment.language: an ISO code, or "und" (undetermined)

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        def text(name: str, limit: int = 500) -> str | None:
            value = (args.get(name) or "").strip()
            return value[:limit] or None

        def score(name: str) -> float | None:
            try:
                value = float(args.get(name))
            except (TypeError, ValueError):
                return None
            return value if value == value else None  # NaN is no filter

        min_score, max_score = score("min_score"), score("max_score")
        return cls(site=text("site", 100), thread=parse_int(args.get("thread"), "thread", minimum=1),
                   label=text("label", 100),
                   min_score=None if min_score is None else min(max(min_score, 0.0), 1.0),
                   max_score=None if max_score is None else min(max(max_score, 0.0), 1.0),
                   author=text("author"), q=text("q", 200), escalated=args.get("escalated") in ("1", "on", "true"),
                   language=language_arg(args.get("language")))

    def as_args(self) -> dict[str, Any]:
        """Query-string form, without empty values (for links that keep the filters)."""
        out = {k: v for k, v in self.__dict__.items() if v not in (None, "", False)}
        if self.escalated:
            out["escalated"] = "1"
        return out

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def language_arg(raw: str | None) -> str | None:
    """The language filter's value: "de", "DE" or "de-AT" -> "de"; anything that is no language code -> no filter."""
    try:
        return normalize_code((raw or "")[:20])
    except ValueError:
        return None


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: what the "simple" parser calls a word


def search_words(q: str) -> list[str]:
    return _WORD.findall(q.lower())[:10]


def text_search_condition(q: str, dialect: str, word_shares: dict[str, float] | None = None,
                          for_count: bool = False):
    """Every word of ``q`` must appear in the comment. PostgreSQL: word prefixes through the full-text index
    (``ix_comments_body_words``: "idiot" finds "idiotic"); SQLite: each word as a substring."""
    words = search_words(q)
    if not words:
        return Comment.body.ilike(_like_pattern(q), escape="\\")
    if dialect != "postgresql":
        return and_(*(Comment.body.ilike(_like_pattern(w), escape="\\") for w in words))
    query = " & ".join(f"{w}:*" for w in words)  # letters and digits only: no tsquery operators get in

    def matches(table):
        return func.to_tsvector(literal_column("'simple'"), table.body).op("@@")(
            func.to_tsquery(literal_column("'simple'"), query))

    if for_count or is_common_search(q, word_shares):
        # Counting: every match is needed, the GIN index is the way. A page of common words: load_page walks
        # the queue in order instead (see there), the first rows already hold a page of matches.
        return matches(Comment)
    # A page of rare words: collect the matching ids through the GIN index first (MATERIALIZED). Left to
    # itself the planner may walk the priority index and run to_tsvector on every row it passes (seconds).
    other = aliased(Comment)
    matching = select(other.id).where(matches(other)).cte("text_matches").prefix_with("MATERIALIZED")
    return Comment.id.in_(select(matching.c.id))


def is_common_search(q: str | None, shares: dict[str, float] | None) -> bool:
    words = search_words(q or "")
    return bool(words) and shares is not None and _estimated_share(words, shares) >= COMMON_SHARE


COMMON_SHARE = 0.02  # a search matching more than this share of comments is "common"


def _estimated_share(words: list[str], shares: dict[str, float]) -> float:
    """Share of comments containing every word (as a prefix), from PostgreSQL's statistics of the index;
    a word absent from the most-common list is rare. Words taken as independent."""
    estimate = 1.0
    for word in words:
        estimate *= min(1.0, sum(freq for elem, freq in shares.items() if elem.startswith(word)))
    return estimate


_word_stats: dict[str, tuple[float, dict[str, float]]] = {}
_WORD_STATS_TTL = 600.0


def word_shares(session: Session) -> dict[str, float]:
    """Most common words of the comments and the share of comments holding each (PostgreSQL's ANALYZE
    statistics of ix_comments_body_words), cached for ten minutes per database."""
    key = str(session.bind.url)
    hit = _word_stats.get(key)
    if hit and time.monotonic() - hit[0] < _WORD_STATS_TTL:
        return hit[1]
    shares: dict[str, float] = {}
    try:
        row = session.execute(text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'ix_comments_body_words' LIMIT 1")).first()
        if row and row[0] and row[1]:
            shares = {elem: float(freq) for elem, freq in zip(row[0], row[1])}
    except Exception:  # statistics unreadable: treat every word as rare (the index path)
        session.rollback()
    _word_stats[key] = (time.monotonic(), shares)
    return shares


def filter_conditions(f: QueueFilters, dialect: str = "sqlite", shares: dict[str, float] | None = None,
                      for_count: bool = False) -> list:
    conds: list = []
    if f.site:
        site_threads = select(Thread.id).join(Site, Thread.site_id == Site.id).where(Site.key == f.site)
        conds.append(Comment.thread_id.in_(site_threads))
    if f.thread is not None:
        conds.append(Comment.thread_id == f.thread)
    if f.label:
        # IN (one subquery), not OR of two EXISTS: PostgreSQL can hash the flagged ids once, or drive from them.
        conds.append(Comment.id.in_(select(CommentFlag.comment_id)
                                    .where(or_(CommentFlag.label == f.label, CommentFlag.trope == f.label))))
    if f.min_score is not None:
        conds.append(Comment.top_score >= f.min_score)
    if f.max_score is not None:
        conds.append(Comment.top_score <= f.max_score)
    if f.author:
        conds.append(Comment.author == f.author)
    if f.q:
        conds.append(text_search_condition(f.q, dialect, shares, for_count))
    if f.escalated:
        conds.append(Comment.escalated.is_(True))
    if f.language:
        conds.append(Comment.language == f.language)
    return conds


def _shares_for(session: Session, f: QueueFilters) -> dict[str, float] | None:
    return word_shares(session) if f.q and session.bind.dialect.name == "postgresql" else None


class CountCache:
    """Tab counts kept for a while, but only when counting was slow (a big table): counting a million rows
    on every page view is the slowest part of the page. Small databases are always counted afresh.
    This process's own decisions adjust the unfiltered counts in place and drop the filtered ones;
    other processes' changes show within TTL seconds."""

    TTL = 15.0
    SLOW = 0.03  # seconds: counts that took less are not worth caching

    def __init__(self) -> None:
        self._data: dict[Any, tuple[float, dict[str, int]]] = {}
        self._slow: dict[Any, float] = {}
        self._lock = threading.Lock()

    def get(self, key) -> dict[str, int] | None:
        with self._lock:
            hit = self._data.get(key)
        if hit and time.monotonic() - hit[0] < self.TTL:
            return hit[1]
        return None

    def put(self, key, counts: dict[str, int]) -> None:
        with self._lock:
            if len(self._data) > 500:
                self._data.clear()
            self._data[key] = (time.monotonic(), counts)

    def moved(self, old_status: str, new_status: str) -> None:
        """One comment changed status: exact for unfiltered counts; filtered ones are dropped."""
        with self._lock:
            for key in list(self._data):
                stamp, counts = self._data[key]
                if key[1] != QueueFilters():
                    del self._data[key]
                    continue
                counts = dict(counts)
                for status, delta in ((old_status, -1), (new_status, 1)):
                    counts[f"status:{status}"] = counts.get(f"status:{status}", 0) + delta
                    for tab, (_title, statuses) in TABS.items():
                        if statuses is not None and status in statuses:
                            counts[tab] = counts.get(tab, 0) + delta
                self._data[key] = (stamp, counts)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._slow.clear()

    SLOW_MEMORY = 60.0  # seconds a filter stays known as too slow to count within a page's budget

    def mark_slow(self, key) -> None:
        with self._lock:
            self._slow[key] = time.monotonic()

    def known_slow(self, key) -> bool:
        with self._lock:
            stamp = self._slow.get(key)
        return stamp is not None and time.monotonic() - stamp < self.SLOW_MEMORY


class CountsTooSlow(Exception):
    """Counting under these filters takes longer than the page may wait; the browser fetches them after."""


def status_counts(session: Session, f: QueueFilters, cache: CountCache | None = None,
                  budget_ms: int | None = None) -> dict[str, int]:
    """Comments per status under the filters, plus "all": one GROUP BY status (an index-only scan unfiltered).

    With ``budget_ms`` on PostgreSQL the count is cancelled after that long and CountsTooSlow is raised, so
    a page never waits seconds for a count over a million rows; ``/queue/counts`` then counts without limit.
    """
    key = (str(session.bind.url), f)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    if budget_ms and cache is not None and cache.known_slow(key):
        raise CountsTooSlow()  # timed out a moment ago: do not make this page wait for it again
    started = time.monotonic()
    query = select(Comment.status, func.count()).group_by(Comment.status)
    for cond in filter_conditions(f, session.bind.dialect.name, for_count=True):
        query = query.where(cond)
    by_status = {status: 0 for status in COMMENT_STATUSES}
    if session.bind.dialect.name == "postgresql":
        try:
            rows = _count_on_postgres(session, query, budget_ms)
        except CountsTooSlow:
            if cache is not None:
                cache.mark_slow(key)
            raise
    else:
        rows = session.execute(query).all()
    for status, count in rows:
        by_status[status] = count
    counts = {tab: (sum(by_status.values()) if statuses is None else sum(by_status.get(s, 0) for s in statuses))
              for tab, (_title, statuses) in TABS.items()}
    counts.update({f"status:{s}": n for s, n in by_status.items()})
    if cache is not None and time.monotonic() - started >= cache.SLOW:
        cache.put(key, counts)
    return counts


def _count_on_postgres(session: Session, query, budget_ms: int | None) -> list:
    from sqlalchemy.exc import OperationalError

    # Own connection and transaction: SET LOCAL ends with it, and a cancelled count leaves the page's
    # session untouched. JIT off: compiling this plan costs more than running it.
    with session.bind.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL jit = off"))
        if budget_ms:
            conn.execute(text(f"SET LOCAL statement_timeout = {int(budget_ms)}"))
        try:
            return conn.execute(query).all()
        except OperationalError as exc:
            if "statement timeout" in str(exc) or "canceling statement" in str(exc):
                raise CountsTooSlow() from exc
            raise


@dataclass
class QueueItem:
    comment: Comment
    thread: Thread
    site: Site
    score: CommentScore | None
    flags: list[CommentFlag] = field(default_factory=list)

    @property
    def band(self) -> str:
        return priority_band(self.comment.priority)

    @property
    def language_unsupported(self) -> bool:
        """Scored without scores: the model does not know the comment's language (see analysis/pipeline.py)."""
        return (self.score is not None and not self.score.scores
                and self.comment.language not in (None, "und") and self.comment.status != "failed")

    @property
    def spans(self) -> list[dict]:
        return list(self.score.spans or []) if self.score else []

    @property
    def sorted_scores(self) -> list[tuple[str, float]]:
        if not self.score or not self.score.scores:
            return []
        return sorted(((k, float(v)) for k, v in self.score.scores.items() if isinstance(v, (int, float))),
                      key=lambda kv: -kv[1])


@dataclass
class QueuePage:
    tab: str
    filters: QueueFilters
    items: list[QueueItem]
    page: int
    has_next: bool
    counts: dict[str, int] | None  # None: too slow to count within the page's budget; fetched after


def load_page(session: Session, tab: str, f: QueueFilters, page: int = 1, *,
              cache: CountCache | None = None, page_size: int = PAGE_SIZE,
              count_budget_ms: int | None = None) -> QueuePage:
    tab = tab if tab in TABS else DEFAULT_TAB
    page = max(1, page)
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))  # JIT compiling costs more than these short queries run
    statuses = TABS[tab][1]
    shares = _shares_for(session, f)
    conds = filter_conditions(f, session.bind.dialect.name, shares)
    query = _page_query(statuses, conds, page_size + 1, (page - 1) * page_size)
    walk = session.bind.dialect.name == "postgresql" and is_common_search(f.q, shares)
    if walk:
        # Common words match a good share of the queue: read it in priority order (the order index) and stop
        # after a page. The planner underestimates prefix matches and would fetch every match by the GIN index.
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        session.execute(text("SET LOCAL enable_seqscan = off"))
    comments = list(session.scalars(query))
    if walk:
        session.execute(text("RESET enable_bitmapscan"))
        session.execute(text("RESET enable_seqscan"))
    has_next = len(comments) > page_size
    items = attach_details(session, comments[:page_size])
    try:
        counts = status_counts(session, f, cache, budget_ms=count_budget_ms)
    except CountsTooSlow:
        counts = None
    return QueuePage(tab=tab, filters=f, items=items, page=page, has_next=has_next, counts=counts)


def _page_query(statuses: tuple[str, ...] | None, conds: list, limit: int, offset: int):
    """One page of comments in queue order (priority high first, then oldest).

    Several statuses (the "waiting" tab) are read as one ordered walk of ix_comments_review_order per status,
    each stopping after offset + limit rows, then merged: a single ``status IN (...)`` would make both
    databases collect and sort every waiting comment for each page.
    """
    order = (Comment.priority.desc(), Comment.id.asc())
    if statuses is None or len(statuses) == 1:
        query = select(Comment).where(*conds)
        if statuses is not None:
            query = query.where(Comment.status == statuses[0])
        return query.order_by(*order).limit(limit).offset(offset)
    walks = [select(Comment.id, Comment.priority).where(Comment.status == status, *conds)
             .order_by(*order).limit(offset + limit).subquery() for status in statuses]
    merged = union_all(*(select(walk) for walk in walks)).subquery()
    return (select(Comment).join(merged, Comment.id == merged.c.id)
            .order_by(merged.c.priority.desc(), merged.c.id.asc()).limit(limit).offset(offset))


def attach_details(session: Session, comments: list[Comment]) -> list[QueueItem]:
    """Thread, site, the latest score and the flags of each comment, in three queries for the whole page."""
    if not comments:
        return []
    ids = [c.id for c in comments]
    thread_ids = {c.thread_id for c in comments}
    threads = {t.id: (t, s) for t, s in session.execute(
        select(Thread, Site).join(Site, Thread.site_id == Site.id).where(Thread.id.in_(thread_ids)))}
    latest: dict[int, CommentScore] = {}
    for score in session.scalars(select(CommentScore).where(CommentScore.comment_id.in_(ids)).order_by(CommentScore.id)):
        latest[score.comment_id] = score
    flags: dict[int, list[CommentFlag]] = {}
    for flag in session.scalars(select(CommentFlag).where(CommentFlag.comment_id.in_(ids)).order_by(CommentFlag.score.desc())):
        flags.setdefault(flag.comment_id, []).append(flag)
    items = []
    for c in comments:
        thread, site = threads[c.thread_id]
        score = latest.get(c.id)
        # Prefer the score of the model version the status came from, when several models scored it.
        if c.model_version and score is not None and score.model_version != c.model_version:
            matching = [s for s in c.scores if s.model_version == c.model_version]
            score = matching[-1] if matching else score
        items.append(QueueItem(comment=c, thread=thread, site=site, score=score, flags=flags.get(c.id, [])))
    return items


@dataclass
class CommentContext:
    item: QueueItem
    parents: list[Comment]  # root first
    replies: list[Comment]
    reply_count: int
    author_comments: list[Comment]
    author_total: int
    author_outcomes: dict[str, int]
    history: list[AuditLog]


MAX_PARENTS = 20
MAX_REPLIES = 20
MAX_AUTHOR_COMMENTS = 10


def load_context(session: Session, comment_id: int) -> CommentContext | None:
    comment = session.get(Comment, comment_id)
    if comment is None:
        return None
    item = attach_details(session, [comment])[0]
    parents: list[Comment] = []
    parent_id, seen = comment.parent_id, {comment.id}
    while parent_id is not None and parent_id not in seen and len(parents) < MAX_PARENTS:
        parent = session.get(Comment, parent_id)
        if parent is None:
            break
        parents.append(parent)
        seen.add(parent.id)
        parent_id = parent.parent_id
    parents.reverse()
    replies = list(session.scalars(select(Comment).where(Comment.parent_id == comment.id)
                                   .order_by(Comment.id).limit(MAX_REPLIES)))
    reply_count = session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id == comment.id)) or 0
    author_comments: list[Comment] = []
    outcomes: dict[str, int] = {}
    total = 0
    if comment.author:
        same_author = Comment.author == comment.author
        author_comments = list(session.scalars(select(Comment).where(same_author, Comment.id != comment.id)
                                               .order_by(Comment.id.desc()).limit(MAX_AUTHOR_COMMENTS)))
        for status, count in session.execute(select(Comment.status, func.count()).where(same_author)
                                             .group_by(Comment.status)):
            outcomes[status] = count
            total += count
    history = list(session.scalars(select(AuditLog).where(AuditLog.comment_id == comment.id)
                                   .order_by(AuditLog.id.desc()).limit(20)))
    return CommentContext(item=item, parents=parents, replies=replies, reply_count=reply_count,
                          author_comments=author_comments, author_total=total, author_outcomes=outcomes,
                          history=history)


def with_filters(f: QueueFilters, **changes) -> QueueFilters:
    return replace(f, **changes)
