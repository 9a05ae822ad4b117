"""Coral Talk's External Moderation Phase: ``POST /api/v1/coral/moderate?key=API_KEY``.

Coral (v6 and later) POSTs every new or edited comment here before publishing it and waits up to the phase's timeout.
We answer 204 when the comment may go through, or 200 with Coral's phase result (``modsvc/integrations/coral.py``).
With ``MODSVC_CORAL_SIGNING_SECRETS`` set (comma-separated, to allow rotation) unsigned or wrongly signed requests
are refused with 401. Set-up: docs/coral.md.
"""
from __future__ import annotations

import os

from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..integrations.coral import phase_result, plain_text, signature_valid
from .analysis_access import score_texts
from .api_keys import SCORE_MAX_BODY, require_api_key
from .errors import api_error
from .openapi import documented
from .request_json import request_json

bp = Blueprint("coral", __name__, url_prefix="/api/v1/coral")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")  # Coral adds fields over versions; unknown ones are ignored


class CoralComment(_Loose):
    body: str = Field(max_length=200_000)
    parentID: str | None = None


class CoralAuthor(_Loose):
    id: str | None = None
    role: str | None = None


class CoralStory(_Loose):
    id: str | None = None
    url: str | None = None


class CoralSite(_Loose):
    id: str | None = None


class CoralTenant(_Loose):
    id: str | None = None
    domain: str | None = None


class CoralRequest(_Loose):
    """The body Coral's external moderation phase sends."""

    action: str = Field(description="NEW or EDIT")
    comment: CoralComment
    author: CoralAuthor | None = None
    story: CoralStory | None = None
    site: CoralSite | None = None
    tenant: CoralTenant | None = None
    tenantID: str | None = None
    tenantDomain: str | None = None


class CoralAction(BaseModel):
    actionType: str = Field(description="Always FLAG")
    reason: str = Field(description="COMMENT_DETECTED_TOXIC")
    additionalDetails: str | None = None
    metadata: dict | None = None


class CoralResult(BaseModel):
    """Coral's phase result (204 No Content instead when the comment is fine)."""

    actions: list[CoralAction]
    status: str | None = Field(None, description="SYSTEM_WITHHELD when the comment must wait for a moderator")
    metadata: dict | None = None


def signing_secrets() -> list[str]:
    configured = current_app.config.get("CORAL_SIGNING_SECRETS")
    if configured is None:
        configured = os.environ.get("MODSVC_CORAL_SIGNING_SECRETS", "")
    if isinstance(configured, str):
        configured = configured.split(",")
    return [s.strip() for s in configured if s and s.strip()]


@bp.post("/moderate")
@documented("/api/v1/coral/moderate", "post", "Coral Talk external moderation phase", request=CoralRequest,
            responses={200: ("Flag or withhold the comment", CoralResult),
                       204: ("The comment is fine: publish it", None)}, errors=(400, 401, 413, 429, 503))
@require_api_key(max_body=SCORE_MAX_BODY)
def moderate():
    """Point Coral's External Moderation Phase at this URL with `?key=API_KEY` (see docs/coral.md)."""
    raw = request.get_data(cache=True)
    secrets = signing_secrets()
    if secrets and not signature_valid(raw, request.headers.get("X-Coral-Signature"), secrets):
        return api_error(401, "X-Coral-Signature missing or not valid for the configured signing secret(s) "
                              "(MODSVC_CORAL_SIGNING_SECRETS)")
    try:
        parsed = CoralRequest.model_validate(request_json() if raw else {})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in first["loc"]) or "body"
        return api_error(400, f"not a Coral moderation request: {where}: {first['msg']}")
    text = plain_text(parsed.comment.body)
    if not text.strip():
        return "", 204
    answer = phase_result(score_texts([text], g.api_key.site_id)[0])
    return ("", 204) if answer is None else jsonify(answer)
