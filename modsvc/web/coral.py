"""Coral Talk's External Moderation Phase: ``POST /api/v1/coral/moderate?key=API_KEY``.

Coral (v6 and later) POSTs every new or edited comment here before publishing it and waits up to the phase's timeout.
We answer 204 when the comment may go through, or 200 with Coral's phase result:

    allow  -> 204 (nothing to do)
    review -> 200 {"actions": [FLAG, COMMENT_DETECTED_TOXIC]}              published, in Coral's Reported queue
    hold   -> 200 {"actions": [FLAG, ...], "status": "SYSTEM_WITHHELD"}    hidden until a moderator approves

Coral signs the raw body: ``X-Coral-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` (several comma-separated
while a rotated secret is still active). With ``MODSVC_CORAL_SIGNING_SECRETS`` set (comma-separated, to allow
rotation) unsigned or wrongly signed requests are refused with 401. Set-up: docs/coral.md.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from html import unescape

from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .analysis_access import score_texts
from .api_keys import SCORE_MAX_BODY, require_api_key
from .errors import api_error
from .openapi import documented
from .request_json import request_json

bp = Blueprint("coral", __name__, url_prefix="/api/v1/coral")

HELD_STATUS = "SYSTEM_WITHHELD"
FLAG_REASON = "COMMENT_DETECTED_TOXIC"


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


def signature_valid(body: bytes, header: str | None, secrets: list[str]) -> bool:
    """True if any ``sha256=`` signature in the header is the HMAC of the body under any configured secret."""
    if not header:
        return False
    given = [part.strip()[len("sha256="):] for part in header.split(",") if part.strip().startswith("sha256=")]
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, sig) for sig in given):
            return True
    return False


def _plain_text(body: str) -> str:
    if "<" in body and ">" in body:  # the phase may be set to send HTML
        body = unescape(re.sub(r"<br\s*/?>|</p>", "\n", body, flags=re.I))
        body = re.sub(r"<[^>]+>", "", body)
    return body


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
    text = _plain_text(parsed.comment.body)
    if not text.strip():
        return "", 204
    result = score_texts([text], g.api_key.site_id)[0]
    action = result.decision.action
    if action == "allow":
        return "", 204
    # no scores at all for a language the model does not know (the reason says so): then no label either
    labels = list(result.decision.labels) or ([max(result.scores, key=result.scores.get)] if result.scores else [])
    scores = {label: round(float(result.scores[label]), 4) for label in labels if label in result.scores}
    flag = {
        "actionType": "FLAG",
        "reason": FLAG_REASON,
        "additionalDetails": f"modsvc: {result.decision.reason}"[:500],
        "metadata": {"modsvc": {"labels": labels, "scores": scores, "decision": action,
                                "language": getattr(result, "language", None),
                                "model": str(result.model.get("model_version", ""))}},
    }
    answer: dict = {"actions": [flag]}
    if action == "hold":
        answer["status"] = HELD_STATUS
    return jsonify(answer)
