"""Our own scoring API: ``POST /api/v1/score``, ``GET /api/v1/comments/...``, the OpenAPI document and docs.

``POST /api/v1/score`` takes one comment ``{"text", "id"}`` or a batch ``{"comments": [...]}`` (up to 100)
and answers what ``modsvc score`` prints: the analysis (scores, spans, decision, language, model) plus ``id``.
``language`` (or Perspective's ``languages`` list) gives the comment's language instead of identifying it; a
comment in a language the model does not know gets no scores and ``language_supported: false``. With
``"store": true`` and external ids (``thread``, ``id``, optionally ``parent``) the comments also enter the
moderation queue of the key's site: rows are created as needed, the result is stored at once (no second
model run), and ``GET /api/v1/comments/<id>`` tells its status and the human decision later.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Union

from flask import Blueprint, current_app, g, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from ..analysis.language import normalize_code
from ..models import Comment, CommentFlag, CommentScore, Site, Thread
from ..params import MAX_DB_INT
from ..scoring.store_scored import ScoredComment, store_scored
from .analysis_access import analyzer, score_texts
from .api_docs import render_docs
from .api_keys import SCORE_MAX_BODY, require_api_key
from .db_session import get_session
from .errors import api_error
from .openapi import documented, openapi_document
from .public_url import cache_headers, public_base_url
from .request_json import request_json

bp = Blueprint("api_score", __name__, url_prefix="/api/v1")

MAX_BATCH = 100
MAX_TEXT_CHARS = 100_000  # the model reads the first 20,000 (with a warning); more is refused by the 1 MB body cap

ExternalId = Annotated[Union[str, int], Field(description="Your id for it (string or integer)")]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, description="The comment text")]
ShortStr = Annotated[str, Field(min_length=1, max_length=500)]


# ----- request and response models (the OpenAPI document is generated from these) ---------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _language_code(value):

    return normalize_code(value) if isinstance(value, str) else value


LanguageCode = Annotated[str, Field(min_length=2, max_length=35, description="Language code, e.g. 'de' or 'de-AT'")]


class _LanguageIn(_Strict):
    language: LanguageCode | None = Field(
        None, description="The comment's language (ISO 639-1); overrides language identification")
    languages: Annotated[list[LanguageCode], Field(max_length=10)] | None = Field(
        None, description="Perspective's form: a list of languages; the first one is used (`language` wins)")

    @field_validator("language", mode="after")
    @classmethod
    def _check_language(cls, value):
        return _language_code(value)

    @field_validator("languages", mode="after")
    @classmethod
    def _check_languages(cls, value):
        return [code for code in map(_language_code, value) if code] if value is not None else None

    def given_language(self) -> str | None:
        return self.language or (self.languages[0] if self.languages else None)


class StoreOptions(_LanguageIn):
    store: bool = Field(False, description="Also put the comment(s) in the moderation queue (needs thread and id)")
    site: ShortStr | None = Field(None, description="Site key; default: the API key's site, else 'default'")
    thread: ExternalId | None = Field(None, description="External id of the thread (article) the comments are in")
    thread_url: Annotated[str, Field(max_length=2000)] | None = None
    thread_title: Annotated[str, Field(max_length=2000)] | None = None


class CommentIn(_LanguageIn):
    text: Text
    id: ExternalId | None = None
    thread: ExternalId | None = Field(None, description="Overrides the request's thread for this comment")
    parent: ExternalId | None = Field(None, description="External id of the comment this one replies to")
    author: ShortStr | None = None


class ScoreOne(StoreOptions):
    """One comment."""

    text: Text
    id: ExternalId | None = None
    parent: ExternalId | None = None
    author: ShortStr | None = None


class ScoreBatch(StoreOptions):
    """Up to 100 comments, scored together (faster than one request each)."""

    comments: Annotated[list[CommentIn], Field(min_length=1, max_length=MAX_BATCH)]


ScoreRequest = Union[ScoreOne, ScoreBatch]


class SpanOut(BaseModel):
    begin: int = Field(description="Start offset in the text (Python characters = Unicode code points)")
    end: int
    label: str
    score: float
    reason: str
    trope: str | None = None


class DecisionOut(BaseModel):
    action: Literal["allow", "review", "hold"]
    reason: str
    labels: list[str]


class StoredRef(BaseModel):
    comment_id: int = Field(description="Our id: GET /api/v1/comments/{comment_id} for its status later")
    status: str
    url: str


class ScoreResult(BaseModel):
    id: ExternalId | None = None
    scores: dict[str, float] = Field(description="The nine labels; empty when language_supported is false (the "
                                                 "model does not know the language: nothing was scored)")
    spans: list[SpanOut]
    decision: DecisionOut
    language: str | None = Field(None, description="ISO 639-1 code identified or given ('und': too short to tell)")
    language_supported: bool = Field(True, description="false: the model does not know this language")
    model: dict[str, str]
    warnings: list[str] | None = None
    stored: StoredRef | None = None


class ScoreBatchResult(BaseModel):
    results: list[ScoreResult]
    count: int


class CommentStatus(BaseModel):
    comment_id: int
    id: str = Field(description="Your external id")
    site: str
    thread: str
    status: str = Field(description="unscored | allowed | review | held | approved | rejected | failed")
    score_state: str
    language: str | None = Field(None, description="ISO 639-1 code found when scored ('und': too short to tell)")
    decision: DecisionOut | None = None
    scores: dict[str, float] | None = None
    top_label: str | None = None
    top_score: float | None = None
    model_version: str | None = None
    updated_at: str | None = None


# ----- views ---------------------------------------------------------------------------------------------------

@bp.post("/score")
@documented("/api/v1/score", "post", "Score one comment or a batch of up to 100", request=ScoreRequest,
            responses={200: ("Analysis of the comment (or {results: [...]} for a batch)",
                             Union[ScoreResult, ScoreBatchResult])}, errors=(400, 401, 403, 413, 429, 503))
@require_api_key(max_body=SCORE_MAX_BODY)
def score():
    """Body: `{"text": "...", "id": 1}` or `{"comments": [{"text": ..., "id": ...}, ...]}`.

    Add `"store": true` with `"thread"` and each comment's `"id"` to put them in the moderation queue."""

    payload = request_json()  # whatever the Content-Type: `curl -d` sends form encoding; JSON is meant anyway
    if not isinstance(payload, dict):
        return api_error(400, "body must be a JSON object: {\"text\": ...} or {\"comments\": [...]}")
    if isinstance(payload.get("comments"), list) and len(payload["comments"]) > MAX_BATCH:
        return api_error(400, f"too many comments: {len(payload['comments'])} in one request, the limit is "
                              f"{MAX_BATCH}; split the batch")
    try:
        parsed = (ScoreBatch if "comments" in payload else ScoreOne).model_validate(payload)
    except ValidationError as exc:
        return api_error(400, "invalid request: " + _validation_message(exc),
                         details=exc.errors(include_url=False, include_context=False, include_input=False))
    batch = isinstance(parsed, ScoreBatch)
    items = parsed.comments if batch else [CommentIn(text=parsed.text, id=parsed.id, parent=parsed.parent,
                                                     author=parsed.author)]
    languages = [c.given_language() or parsed.given_language() for c in items]
    site_id = g.api_key.site_id
    site_key = None
    if parsed.store:
        site_key = g.api_key.scope.site_for(parsed.site)  # SiteForbidden (403) for a bound key's other site
        missing = [i for i, c in enumerate(items) if c.id is None or (c.thread if c.thread is not None
                                                                         else parsed.thread) is None]
        if missing:
            return api_error(400, "store=true needs each comment's 'id' and a 'thread' (top level or per comment); "
                                  f"missing for comment(s) at index {', '.join(map(str, missing[:10]))}")
        site_id = _site_id_for(site_key)
    results = score_texts([c.text for c in items], site_id,
                          languages=languages if any(languages) else None)
    out = [{"id": c.id, **r.to_dict()} for c, r in zip(items, results)]
    if parsed.store:
        stored = _store(site_key, parsed, items, results, languages)
        for entry, ref in zip(out, stored):
            entry["stored"] = ref
    return jsonify({"results": out, "count": len(out)} if batch else out[0])


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        where = ".".join(str(x) for x in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _site_id_for(site_key: str) -> int | None:
    return get_session().scalar(select(Site.id).where(Site.key == site_key))


def _store(site_key: str, parsed, items: list[CommentIn], results: list,
           languages: list[str | None]) -> list[dict]:
    """Store the scored comments in the moderation queue; a reference to each for the answer."""
    session = get_session()
    session.rollback()  # end the request's read transaction before the ingest writes (SQLite allows one writer)
    ids = store_scored(
        current_app.extensions["modsvc.sessions"], site_key,
        [ScoredComment(thread=str(item.thread if item.thread is not None else parsed.thread), external_id=str(item.id),
                       text=item.text, parent=None if item.parent is None else str(item.parent), author=item.author,
                       result=result, language=language)
         for item, result, language in zip(items, results, languages)],
        analyzer(), actor=f"api:{g.api_key.name}", thread_title=parsed.thread_title, thread_url=parsed.thread_url)
    refs = []
    for comment_id in ids:
        row = session.get(Comment, comment_id) if comment_id is not None else None
        refs.append({"comment_id": comment_id, "status": row.status if row else "unscored",
                     "url": url_for("api_score.get_comment", comment_id=comment_id)} if comment_id else None)
    return refs


@bp.get("/comments/<int:comment_id>")
@documented("/api/v1/comments/{comment_id}", "get", "Status and decision of a stored comment",
            parameters=[{"name": "comment_id", "in": "path", "required": True,
                         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT}}],
            responses={200: ("The comment's moderation status", CommentStatus)}, errors=(401, 404, 429))
@require_api_key()
def get_comment(comment_id: int):
    """The comment as the moderation queue sees it: machine decision, then the human one when made."""
    row = _visible_comment(Comment.id == comment_id)  # ids beyond MAX_DB_INT never reach here (404)
    if row is None:
        return api_error(404, f"no comment with id {comment_id} for this API key")
    return jsonify(_status(*row))


@bp.get("/comments")
@documented("/api/v1/comments", "get", "Status of a stored comment by its external ids",
            parameters=[
                {"name": "thread", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "id", "in": "query", "required": True, "schema": {"type": "string"},
                 "description": "Your external comment id"},
                {"name": "site", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "Site key (default: the API key's site, else 'default')"},
            ],
            responses={200: ("The comment's moderation status", CommentStatus)}, errors=(400, 401, 403, 404, 429))
@require_api_key()
def find_comment():
    """Look a comment up by the ids you stored it with (site, thread, id)."""
    thread, ext_id = request.args.get("thread"), request.args.get("id")
    if not thread or not ext_id:
        return api_error(400, "give the comment's external ids: ?thread=THREAD&id=ID (and &site=SITE)")
    site = g.api_key.scope.site_for(request.args.get("site"))  # SiteForbidden (403) for a bound key's other site
    row = _visible_comment(Thread.external_id == thread, Comment.external_id == ext_id, Site.key == site)
    if row is None:
        return api_error(404, f"no comment {ext_id!r} in thread {thread!r} for this API key")
    return jsonify(_status(*row))


def _visible_comment(*conditions):
    """(Comment, Thread, Site) if it exists and the key may see it (keys tied to a site see only that site)."""
    query = (select(Comment, Thread, Site).join(Thread, Thread.id == Comment.thread_id)
             .join(Site, Site.id == Thread.site_id).where(*conditions))
    return get_session().execute(g.api_key.scope.visible(query, Site).limit(1)).first()


def _status(comment: Comment, thread: Thread, site: Site) -> dict:
    score = get_session().scalars(select(CommentScore).where(CommentScore.comment_id == comment.id)
                                  .order_by(CommentScore.id.desc()).limit(1)).first()
    decision = None
    if score is not None:

        labels = get_session().scalars(select(CommentFlag.label).where(CommentFlag.comment_id == comment.id)
                                       .distinct()).all()
        decision = {"action": score.decision, "reason": score.decision_reason or "", "labels": sorted(labels)}
    return {
        "comment_id": comment.id,
        "id": comment.external_id,
        "site": site.key,
        "thread": thread.external_id,
        "status": comment.status,
        "score_state": comment.score_state,
        "language": comment.language,
        "decision": decision,
        "scores": score.scores if score is not None else None,
        "top_label": comment.top_label,
        "top_score": comment.top_score,
        "model_version": comment.model_version,
        "updated_at": _iso(comment.updated_at),
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    from datetime import timezone

    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


@bp.get("/openapi.json")
def openapi_json():
    base, configured = public_base_url()
    return jsonify(openapi_document(base)), 200, cache_headers(configured)


@bp.get("/docs")
def docs():

    base, configured = public_base_url()
    html, status, headers = render_docs(openapi_document(base))
    return html, status, {**headers, **cache_headers(configured)}
