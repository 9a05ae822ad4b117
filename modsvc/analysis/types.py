"""The analysis core's public data types.

Plain dataclasses so the CLI, the Celery tasks and the HTTP API all return the
same JSON shape (``AnalysisResult.to_dict``) without any framework in between.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

# Detoxify's label set, then our own two detectors. Order is the output order.
TOXICITY_LABELS: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)
LABELS: tuple[str, ...] = TOXICITY_LABELS + ("antisemitism", "conspiracy")

Action = Literal["allow", "review", "hold"]


@dataclass(frozen=True, slots=True)
class Span:
    """Evidence: a character range of the *original* text and why it was flagged."""

    begin: int
    end: int
    label: str  # one of LABELS
    score: float
    reason: str  # short human explanation, e.g. "Jewish control of finance"
    trope: str | None = None  # machine name, e.g. "control_finance", "khazar_myth"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str
    labels: tuple[str, ...] = ()  # labels that crossed a threshold

    def to_dict(self) -> dict:
        return {"action": self.action, "reason": self.reason, "labels": list(self.labels)}


@dataclass(slots=True)
class AnalysisResult:
    """``scores`` holds the nine labels, or nothing when ``language_supported`` is false: a comment in a language
    the model does not know is not scored (the decision then comes from the policy's ``unsupported_language``).

    ``language``: ISO 639-1 code (ISO 639-3 for languages without one) detected or given by the caller; ``"und"``
    when the text does not tell (very short texts: "ok", "+1"), which counts as supported; None only from
    analyzers that do not identify languages."""

    scores: dict[str, float]
    spans: list[Span]
    decision: Decision
    model: dict[str, str] = field(default_factory=dict)  # component -> version
    warnings: list[str] = field(default_factory=list)  # e.g. "text truncated to 20000 characters"
    language: str | None = None
    language_supported: bool = True

    def to_dict(self) -> dict:
        return {
            "scores": {k: round(float(v), 6) for k, v in self.scores.items()},
            "spans": [s.to_dict() for s in self.spans],
            "decision": self.decision.to_dict(),
            "language": self.language,
            "language_supported": self.language_supported,
            "model": dict(self.model),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }
