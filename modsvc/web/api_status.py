"""GET /api/v1/status: how far the background work is (comment counts by score_state and status, imports),
for the API key's site when it is bound to one."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify
from sqlalchemy import func, select

from ..models import Comment, ImportJob
from .api_keys import require_api_key
from .db_session import get_session

bp = Blueprint("api_status", __name__, url_prefix="/api/v1")


@bp.get("/status")
@require_api_key()
def status():
    session = get_session()
    settings = current_app.extensions["modsvc.settings"]
    scope = g.api_key.scope  # a site-bound key counts its own site's work only

    def comments(*columns):
        return scope.visible(select(*columns), Comment)

    by_state = dict(session.execute(comments(Comment.score_state, func.count()).group_by(Comment.score_state)).all())
    by_status = dict(session.execute(comments(Comment.status, func.count()).group_by(Comment.status)).all())
    imports = dict(session.execute(scope.visible(select(ImportJob.status, func.count()), ImportJob)
                                   .group_by(ImportJob.status)).all())
    oldest_pending = session.scalar(comments(func.min(Comment.created_at)).where(Comment.score_state == "pending"))
    return jsonify({
        "mode": "embedded" if settings.embedded else "scaled",
        "comments": {
            "total": sum(by_state.values()),
            "score_state": {k: by_state.get(k, 0) for k in ("pending", "scored", "failed")},
            "status": by_status,
            "oldest_pending_since": oldest_pending.isoformat() if oldest_pending else None,
        },
        "imports": imports,
    })
