"""Review priority of a scored comment: which comment a moderator should look at first.

The formula (stored as ``Comment.priority``, a float, higher = more urgent)::

    severity  = max over labels L of  weight(L) * score(L) / hold_threshold(L)
    evidence  = 0.15 if the analysis found at least one span (quoted evidence)
              + 0.05 for each further distinct trope, at most +0.10
    evasion   = 0.10 if any span or warning says the text was obfuscated to evade
                detection (homoglyphs, leetspeak, spacing, zero-width characters)
    priority  = round(severity + evidence + evasion, 4)

``weight`` is 1.5 for ``antisemitism`` and ``threat``, 1.3 for ``severe_toxicity``,
1.2 for ``identity_attack`` and 1.0 for every other label, so a comment at the hold
threshold of a weighted label outranks one at the hold threshold of plain
``toxicity``. Dividing by the site's hold threshold makes a stricter site policy
raise priorities, and makes 1.0 mean "as bad as the site's hold line".

Bands (``priority_band``): ``high`` from 1.0 (at or past the hold line once
weighted), ``medium`` from 0.5, ``low`` below. In the queue, comments are ordered
by priority (highest first) and then by age (oldest first) as the tie-breaker.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

LABEL_WEIGHTS: dict[str, float] = {
    "antisemitism": 1.5,
    "threat": 1.5,
    "severe_toxicity": 1.3,
    "identity_attack": 1.2,
}
DEFAULT_WEIGHT = 1.0
DEFAULT_HOLD_THRESHOLD = 0.8
EVIDENCE_BONUS = 0.15
EXTRA_TROPE_BONUS = 0.05
MAX_EXTRA_TROPE_BONUS = 0.10
EVASION_BONUS = 0.10
EVASION_WORDS = ("evasion", "evade", "obfusc", "homoglyph", "leet", "spacing", "zero-width", "zero_width",
                 "confusable", "masked")

HIGH, MEDIUM = 1.0, 0.5


def compute_priority(
    scores: Mapping[str, float],
    spans: Iterable[Any] = (),
    warnings: Iterable[str] = (),
    hold_threshold: Callable[[str], float] | None = None,
) -> float:
    """The priority of one analysis result; see the module docstring for the formula.

    ``spans`` are Span objects or their dicts (``label``, ``trope``, ``reason``);
    ``hold_threshold(label)`` gives the site's hold threshold (default 0.8).
    """
    severity = 0.0
    for label, score in scores.items():
        threshold = (hold_threshold(label) if hold_threshold else None) or DEFAULT_HOLD_THRESHOLD
        severity = max(severity, LABEL_WEIGHTS.get(label, DEFAULT_WEIGHT) * float(score) / max(threshold, 1e-6))

    spans = [_span_fields(s) for s in spans]
    evidence = 0.0
    if spans:
        tropes = {s["trope"] for s in spans if s["trope"]}
        evidence = EVIDENCE_BONUS + min(MAX_EXTRA_TROPE_BONUS, EXTRA_TROPE_BONUS * max(len(tropes) - 1, 0))

    texts = [f"{s['trope'] or ''} {s['reason'] or ''}".lower() for s in spans] + [w.lower() for w in warnings]
    evasion = EVASION_BONUS if any(word in t for t in texts for word in EVASION_WORDS) else 0.0
    return round(severity + evidence + evasion, 4)


def priority_band(priority: float | None) -> str:
    """``high`` (>= 1.0), ``medium`` (>= 0.5) or ``low``."""
    p = priority or 0.0
    if p >= HIGH:
        return "high"
    if p >= MEDIUM:
        return "medium"
    return "low"


def _span_fields(span: Any) -> dict[str, Any]:
    if isinstance(span, Mapping):
        return {"trope": span.get("trope"), "reason": span.get("reason"), "label": span.get("label")}
    return {"trope": getattr(span, "trope", None), "reason": getattr(span, "reason", None),
            "label": getattr(span, "label", None)}
