"""SQLAlchemy 2.0 typed models. Schema changes go through Alembic (modsvc/migrations).

Status vocabulary for a comment (``Comment.status``):
  unscored  imported, waiting for the analysis
  allowed   the policy let it through (no human needed)
  review    the policy wants a human look (the default queue)
  held      the policy held it back until a human decides
  approved  a human approved it
  rejected  a human rejected it
  failed    the analysis failed on it (reason in ``score_error``); can be retried
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

COMMENT_STATUSES = ("unscored", "allowed", "review", "held", "approved", "rejected", "failed")
MACHINE_STATUS_FOR_ACTION = {"allow": "allowed", "review": "review", "hold": "held"}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    """A platform or tenant whose threads we moderate; carries its own policy and webhook."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # per-label thresholds overriding the defaults
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    threads: Mapped[list[Thread]] = relationship(back_populates="site")


class Thread(Base):
    """An article (story) and the discussion under it."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site_id", "external_id", name="uq_thread_site_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    body: Mapped[str | None] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship(back_populates="threads")
    comments: Mapped[list[Comment]] = relationship(back_populates="thread", order_by="Comment.id")


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("thread_id", "external_id", name="uq_comment_thread_external"),
        Index("ix_comments_queue", "status", "priority", "id"),
        Index("ix_comments_score_state", "score_state", "queued_at"),
        Index("ix_comments_author", "author"),
        Index("ix_comments_parent", "parent_id"),
        # Moderation queue order (priority high first, then oldest): one index walk per tab and for "All".
        Index("ix_comments_review_order", "status", text("priority DESC"), "id"),
        Index("ix_comments_priority_order", text("priority DESC"), "id"),
        Index("ix_comments_created", "created_at"),
        Index("ix_comments_language", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    # No FK on parent: imports write parents and children in one batch in any order; ingest guarantees validity.
    parent_id: Mapped[int | None] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(500))
    parent_external_id: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_status: Mapped[str | None] = mapped_column(String(50))  # status in the source system (spam, deleted...)

    # Machine scoring state, separate from the moderation status so a re-score never loses a human decision.
    score_state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | scored | failed
    score_error: Mapped[str | None] = mapped_column(Text)
    score_attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    model_version: Mapped[str | None] = mapped_column(String(200))
    # ISO 639-1 code (639-3 without one; "und" = the text does not tell) found when scored, or given by the client
    language: Mapped[str | None] = mapped_column(String(16))

    status: Mapped[str] = mapped_column(String(20), default="unscored")
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    top_label: Mapped[str | None] = mapped_column(String(50))
    top_score: Mapped[float | None] = mapped_column(Float)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once a human has acted on the comment: from then on scoring updates its scores, evidence and priority but
    # never its status, which is for humans to set (an edit by a re-import sends it back to "review" for them).
    human_decided: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency for reviewers

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    thread: Mapped[Thread] = relationship(back_populates="comments")
    scores: Mapped[list[CommentScore]] = relationship(
        back_populates="comment", order_by="CommentScore.id", cascade="all, delete-orphan"
    )


class CommentScore(Base):
    """One analysis result per comment and model version (upserted, so re-delivery is harmless)."""

    __tablename__ = "comment_scores"
    __table_args__ = (UniqueConstraint("comment_id", "model_version", name="uq_score_comment_model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))  # what text was scored
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    spans: Mapped[list[Any]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    model: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The site adapter's verdict beside the base result above (modsvc/adaptation/): None = no adapter applied.
    adapted: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="scores")


class CommentFlag(Base):
    """Denormalised labels and tropes of the latest score, so queue filters are index look-ups."""

    __tablename__ = "comment_flags"
    __table_args__ = (
        Index("ix_flags_label", "label", "comment_id"),
        Index("ix_flags_trope", "trope", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(50))
    trope: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)


class ImportJob(Base):
    """An uploaded import, with its progress and summary (life cycle: modsvc/ingest/jobs.py).

    ``status`` queued (waiting, or waiting for a retry at ``next_attempt_at``) -> running (under a lease:
    ``lease_owner`` renews ``lease_expires_at`` while it works; an expired lease means that process died,
    and any process may take the job over) -> done | failed. ``attempts`` counts the runs started.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_status", "status", "api_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str | None] = mapped_column(String(1000))  # the client's name made file-system safe
    original_filename: Mapped[str | None] = mapped_column(String(255))  # the client's name, cleaned for display
    stored_path: Mapped[str | None] = mapped_column(String(2000))  # our copy; NULL once deleted (job ended)
    format: Mapped[str | None] = mapped_column(String(50))
    site_key: Mapped[str] = mapped_column(String(100), default="default")
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    # Uploaded with a site-bound API key: records naming another site are rejected, never written there.
    site_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the uploader chose for this import, e.g. {"keep_pingbacks": true}; None = the defaults.
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    rejections: Mapped[list[ImportRejection]] = relationship(cascade="all, delete-orphan")


class ImportRejection(Base):
    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="rejected")  # rejected | warning
    source: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(Text)
    record: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20))  # admin | moderator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# User names are unique regardless of case ("Admin" cannot join "admin"), enforced by the database itself.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class UserSession(Base):
    """A reviewer's sign-in: the server-side identity behind a session cookie (see modsvc/access/reviewer_sessions.py).

    The cookie carries a random token, only its SHA-256 is stored. Ended sessions are kept for a while: they tell
    the sign-in throttle which addresses a reviewer usually signs in from.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_address", "user_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str | None] = mapped_column(String(100))  # the client address at sign-in
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(50))  # signed out | password changed | disabled | expired


class AuditLog(Base):
    """Every status change of a comment: who, when, from what to what, and why."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(100))  # username, "system" or "api:<key name>"
    action: Mapped[str] = mapped_column(String(50))  # approve | reject | escalate | undo | score | ...
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    prefix: Mapped[str] = mapped_column(String(20), index=True)  # shown in listings; the key itself is never stored
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    rate_limit: Mapped[str | None] = mapped_column(String(100))  # e.g. "20/second"; None = the default
    daily_quota: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKeyDailyUsage(Base):
    """Requests an API key made on one UTC day, for its daily quota when no Redis is configured (survives restarts)."""

    __tablename__ = "api_key_daily_usage"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class Feedback(Base):
    """Scores suggested by a client (Perspective's comments:suggestscore): labelled data for retraining."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    attribute_scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_token: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SiteAdapter(Base):
    """One fit of a site adapter (modsvc/adaptation/): its parameters as JSON, its held-out figures, and whether
    the guardrail let it deploy. At most one row per site is ``active``; none active = the base model decides."""

    __tablename__ = "site_adapters"
    __table_args__ = (
        UniqueConstraint("site_id", "version", name="uq_site_adapter_version"),
        Index("uq_site_adapters_one_active", "site_id", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per site
    name: Mapped[str] = mapped_column(String(200))  # e.g. "site-forum-a3"
    base_model_version: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # deployed | kept_base (guardrail said no) | retired
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # features, scaling, coefficients, threshold
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # held-out precision / recall / F1, base and adapter
    reason: Mapped[str | None] = mapped_column(Text)  # why it was or was not deployed
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deployed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SpotCheck(Base):
    """An allowed comment drawn at random for a human look: what the model lets through, measured.
    ``share`` is the probability it was drawn with (its weight in estimates is 1 / share)."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    share: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SiteAdaptationSettings(Base):
    """Per-site settings of adaptation and spot checks (a row only when an admin changed the defaults)."""

    __tablename__ = "site_adaptation_settings"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    spot_check_share: Mapped[float] = mapped_column(Float)
