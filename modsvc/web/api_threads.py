"""Thread import and read API: POST /api/v1/threads, /api/v1/imports, GET a thread's comment tree."""
from __future__ import annotations

import os
import tempfile

from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.utils import secure_filename

from ..ingest.importers import FORMATS, iter_records
from ..ingest.ingestor import Ingestor
from ..ingest.jobs import create_import_job
from ..scoring.dispatch import Dispatcher
from ..models import Comment, CommentScore, ImportJob, ImportRejection, Thread
from ..ingest.uploads import (TooManyWaitingImports, UploadLimits, check_waiting_imports, display_name, new_upload_path,
                              remove_upload)
from .api_keys import require_api_key
from .db_session import get_session
from .errors import api_error
from .request_json import request_json

bp = Blueprint("api_threads", __name__, url_prefix="/api/v1")

# Deeper trees come back flat (each comment with parent_id and depth): JSON nested thousands deep
# is more than most clients' parsers take, and than Python's encoder does.
MAX_NESTED_DEPTH = 200
WAITING_RETRY_AFTER_SECONDS = 30  # a hint for a key at its limit of waiting imports: about one small import


def dispatcher() -> Dispatcher:
    return current_app.extensions["modsvc.dispatcher"]  # chosen by the app factory


@bp.post("/threads")
@require_api_key()
def create_thread():
    """Import one thread in our JSON schema (docs/import-formats.md). Same thread again = no change."""
    payload = request.get_data()
    if not payload.strip():
        return api_error(400, "empty body: send one thread as JSON (see docs/import-formats.md)")
    request_json(max_depth=None)  # replies nest legitimately: any depth, parsed without recursion
    scope = g.api_key.scope
    site = scope.site_for(request.args.get("site"))
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        tmp.write(payload)
    try:
        sessions = current_app.extensions["modsvc.sessions"]
        ingestor = Ingestor(sessions, on_batch_committed=dispatcher().enqueue_scoring,
                            only_site=site if scope.bound else None, actor=f"api:{g.api_key.name}")
        summary = ingestor.add_all(iter_records(tmp.name, "json", site=site))
    finally:
        os.unlink(tmp.name)
    threads = summary.threads_new + summary.threads_updated + summary.threads_unchanged
    if threads == 0:
        return api_error(400, "no thread could be imported", details=summary.to_dict()["rejections"])
    body = summary.to_dict()
    thread_id = _last_thread_id(summary)
    if thread_id is not None:
        body["thread_id"] = thread_id
        body["url"] = url_for("api_threads.get_thread", thread_id=thread_id)
    return jsonify(body), 201 if summary.threads_new else 200


def _last_thread_id(summary) -> int | None:
    if summary.to_score:
        return get_session().scalar(select(Comment.thread_id).where(Comment.id == summary.to_score[-1]))
    return None


@bp.post("/imports")
@require_api_key()
def create_import():
    """Upload a file in any supported format; the import runs in the background."""
    fmt = request.args.get("format") or request.form.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        return api_error(400, f"unknown format {fmt!r}; supported: {', '.join(FORMATS)}")
    scope = g.api_key.scope
    site = scope.site_for(request.args.get("site") or request.form.get("site"))
    settings = current_app.extensions["modsvc.settings"]
    limits = UploadLimits(settings.max_queued_imports, settings.max_queued_import_mb * 1024 * 1024)
    keep_pingbacks = _flag(request.args.get("keep_pingbacks", request.form.get("keep_pingbacks")))
    if keep_pingbacks is None:
        return api_error(400, "keep_pingbacks must be true or false (1 / 0)")
    session = get_session()
    try:  # before reading the body: a key at its limit costs no disk
        check_waiting_imports(session, g.api_key.id, limits)
    except TooManyWaitingImports as exc:
        return _too_many_waiting(exc)
    uploaded = request.files.get("file")
    client_name = (uploaded.filename if uploaded else request.args.get("filename")) or "upload"
    stored = new_upload_path(settings.upload_dir, client_name)  # never the client's name on disk
    if uploaded:
        uploaded.save(stored)
    else:
        with open(stored, "wb") as out:
            while chunk := request.stream.read(1 << 20):
                out.write(chunk)
    size = stored.stat().st_size
    if size == 0:
        remove_upload(stored)
        return api_error(400, "empty upload: send the file as multipart field 'file' or as the request body")
    try:  # checked again, atomically with the insert: simultaneous uploads may have filled the limit meanwhile
        job = create_import_job(session, filename=(secure_filename(client_name) or "upload")[:255],
                                original_filename=display_name(client_name), stored_path=str(stored), fmt=fmt,
                                site_key=site, api_key_id=g.api_key.id,
                                site_locked=scope.bound,
                                options={"keep_pingbacks": True} if keep_pingbacks else None, limits=limits)
    except TooManyWaitingImports as exc:
        remove_upload(stored)
        return _too_many_waiting(exc)
    dispatcher().enqueue_import(job.id)
    return jsonify(_job_dict(job)), 202, {"Location": url_for("api_threads.get_import", job_id=job.id)}


def _too_many_waiting(exc: TooManyWaitingImports):
    response = api_error(429, str(exc), reason="too_many_waiting_imports")
    response.headers["Retry-After"] = str(WAITING_RETRY_AFTER_SECONDS)
    return response


def _flag(value: str | None) -> bool | None:
    """A boolean query parameter: absent or false-ish -> False, true-ish -> True, anything else -> None."""
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    return None


@bp.get("/imports/<int:job_id>")
@require_api_key()
def get_import(job_id: int):
    session = get_session()
    job = g.api_key.scope.get(session, ImportJob, job_id)
    if job is None:
        return api_error(404, f"no import with id {job_id}")
    body = _job_dict(job)
    problems = session.scalars(
        select(ImportRejection).where(ImportRejection.import_id == job_id).order_by(ImportRejection.id).limit(1000)
    ).all()
    body["rejections"] = [{"source": p.source, "reason": p.reason, "record": p.record}
                          for p in problems if p.kind == "rejected"]
    body["warnings"] = [{"source": p.source, "message": p.reason} for p in problems if p.kind == "warning"]
    return jsonify(body)


def _job_dict(job: ImportJob) -> dict:
    total, done = job.bytes_total, job.bytes_done or 0
    return {
        "id": job.id,
        "filename": job.filename,
        "original_filename": job.original_filename,
        "format": job.format,
        "site": job.site_key,
        "options": job.options or {},
        "status": job.status,
        "error": job.error,
        "attempts": job.attempts,
        "next_attempt_at": _iso(job.next_attempt_at),
        "progress": {"bytes_done": done, "bytes_total": total,
                     "fraction": round(done / total, 4) if total else None},
        "summary": job.summary,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "url": url_for("api_threads.get_import", job_id=job.id),
    }


@bp.get("/threads/<int:thread_id>")
@require_api_key()
def get_thread(thread_id: int):
    session = get_session()
    thread = g.api_key.scope.get(session, Thread, thread_id)
    if thread is None:
        return api_error(404, f"no thread with id {thread_id}")
    comments = session.scalars(select(Comment).where(Comment.thread_id == thread_id).order_by(Comment.id)).all()
    latest = _latest_scores(session, [c.id for c in comments])
    items = [_comment_dict(c, latest.get(c.id)) for c in comments]
    flat = request.args.get("layout") == "flat" or any(c.depth > MAX_NESTED_DEPTH for c in comments)
    return jsonify({
        "id": thread.id,
        "site": thread.site.key,
        "external_id": thread.external_id,
        "title": thread.title,
        "url": thread.url,
        "author": thread.author,
        "published_at": _iso(thread.published_at),
        "body": thread.body,
        "closed": thread.closed,
        "comment_count": len(items),
        "layout": "flat" if flat else "nested",
        "comments": items if flat else _nest(items),
    })


def _latest_scores(session, comment_ids: list[int]) -> dict[int, CommentScore]:
    latest: dict[int, CommentScore] = {}
    for chunk_start in range(0, len(comment_ids), 1000):
        chunk = comment_ids[chunk_start:chunk_start + 1000]
        for score in session.scalars(
            select(CommentScore).where(CommentScore.comment_id.in_(chunk)).order_by(CommentScore.id)
        ):
            latest[score.comment_id] = score  # ordered by id, so the newest wins
    return latest


def _comment_dict(c: Comment, score: CommentScore | None) -> dict:
    item = {
        "id": c.id,
        "external_id": c.external_id,
        "parent_id": c.parent_id,
        "author": c.author,
        "body": c.body,
        "posted_at": _iso(c.posted_at),
        "depth": c.depth,
        "status": c.status,
        "score_state": c.score_state,
    }
    if c.score_error:
        item["score_error"] = c.score_error
    if score is not None:
        item["analysis"] = {
            "scores": score.scores, "spans": score.spans,
            "decision": {"action": score.decision, "reason": score.decision_reason},
            "model_version": score.model_version,
        }
    return item


def _nest(items: list[dict]) -> list[dict]:
    by_id = {item["id"]: item for item in items}
    roots = []
    for item in items:
        item["replies"] = []
    for item in items:
        parent = by_id.get(item["parent_id"])
        (parent["replies"] if parent else roots).append(item)
    return roots


def _iso(value) -> str | None:
    if value is None:
        return None
    from datetime import timezone

    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()
