"""Coral Talk's External Moderation Phase, without the HTTP: signatures, the comment's text and the phase result.

Coral (v6 and later) POSTs every new or edited comment to us before publishing it (``modsvc/web/coral.py``). The
answer follows from our decision:

    allow  -> None (HTTP 204: nothing to do)
    review -> {"actions": [FLAG, COMMENT_DETECTED_TOXIC]}              published, in Coral's Reported queue
    hold   -> {"actions": [FLAG, ...], "status": "SYSTEM_WITHHELD"}    hidden until a moderator approves

Coral signs the raw body: ``X-Coral-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` (several comma-separated
while a rotated secret is still active). Set-up: docs/coral.md.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from html import unescape
from typing import Any

HELD_STATUS = "SYSTEM_WITHHELD"
FLAG_REASON = "COMMENT_DETECTED_TOXIC"


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


def plain_text(body: str) -> str:
    """The comment's text: the phase may be set to send HTML."""
    if "<" in body and ">" in body:
        body = unescape(re.sub(r"<br\s*/?>|</p>", "\n", body, flags=re.I))
        body = re.sub(r"<[^>]+>", "", body)
    return body


def phase_result(result: Any) -> dict | None:
    """Coral's phase result for an AnalysisResult, or None when the comment may go through as it is."""
    action = result.decision.action
    if action == "allow":
        return None
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
    return answer
