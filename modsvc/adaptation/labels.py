"""A human decision as a label for the site adapter and the miss-rate estimate.

A rejection is harmful for the labels its reason names (a rejection for spam or being off-topic says nothing
about the model's labels and is left out); an approval is harmless (for the labels that flagged it, and for all
when it was a spot check). An escalation counts once it is resolved into an approval or a rejection.
"""
from __future__ import annotations

from ..analysis.types import LABELS

# reject reason code (modsvc.moderation_actions.REJECT_REASONS) -> the labels it stands for
REASON_LABELS: dict[str, tuple[str, ...]] = {
    "toxic": ("toxicity", "severe_toxicity", "obscene", "insult", "sexual_explicit"),
    "threat": ("threat",),
    "hate": ("identity_attack", "antisemitism"),
    "conspiracy": ("conspiracy",),
    "other": LABELS,  # harmful, the reviewer did not say how
    "spam": (),
    "off_topic": (),
}


def harmful(status: str, reason: str | None) -> bool | None:
    """True / False for a decided comment, None when the decision is no label (spam, off-topic, undecided)."""
    if status == "approved":
        return False
    if status == "rejected":
        labels = REASON_LABELS.get(reason or "other", LABELS)
        return True if labels else None
    return None


def harmful_labels(status: str, reason: str | None) -> tuple[str, ...]:
    return REASON_LABELS.get(reason or "other", LABELS) if status == "rejected" else ()
