"""The adapter's input: what every backend returns, so an adapter works whatever the base model is.

Per label the base score (as a logit: differences near 0 and 1 matter), the strongest trope span per rule label,
how many distinct tropes fired, the language (en / de / ru / und / other) and the base routing itself.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..analysis.types import LABELS

RULE_LABELS = ("antisemitism", "conspiracy")
LANGUAGES = ("en", "de", "ru", "und")
FEATURES: tuple[str, ...] = (
    *(f"logit:{lb}" for lb in LABELS),
    *(f"trope:{lb}" for lb in RULE_LABELS),
    "tropes",
    *(f"lang:{lang}" for lang in LANGUAGES),
    "lang:other",
    "base:flagged",
)
_EPS = 1e-4


@dataclass(frozen=True)
class BaseOutput:
    """One comment as the base model saw it (an ``AnalysisResult.to_dict()`` or a stored ``CommentScore``)."""

    scores: Mapping[str, float]
    spans: Sequence[Mapping]
    language: str | None
    action: str  # the base decision: allow | review | hold

    @classmethod
    def from_result(cls, result: Mapping) -> BaseOutput:
        decision = result.get("decision") or {}
        return cls(result.get("scores") or {}, result.get("spans") or [], result.get("language"),
                   decision.get("action", "allow") if isinstance(decision, Mapping) else str(decision))

    @property
    def flagged(self) -> bool:
        return self.action in ("review", "hold")


def _logit(p: float) -> float:
    p = min(1 - _EPS, max(_EPS, float(p)))
    return math.log(p / (1 - p))


def vector(out: BaseOutput) -> list[float]:
    row = [_logit(out.scores.get(lb, 0.0)) for lb in LABELS]
    for lb in RULE_LABELS:
        row.append(max((float(s.get("score", 0.0)) for s in out.spans if s.get("label") == lb and s.get("trope")),
                       default=0.0))
    row.append(float(len({s.get("trope") for s in out.spans if s.get("trope")})))
    lang = out.language or "und"
    row.extend(1.0 if lang == code else 0.0 for code in LANGUAGES)
    row.append(0.0 if lang in LANGUAGES else 1.0)
    row.append(1.0 if out.flagged else 0.0)
    return row


def matrix(outputs: Sequence[BaseOutput]) -> np.ndarray:
    return np.asarray([vector(o) for o in outputs], dtype=float).reshape(len(outputs), len(FEATURES))


def base_ranking(out: BaseOutput) -> float:
    """The base model as a ranking: what it routes first, then by its strongest score (for equal-recall figures)."""
    return (1.0 if out.flagged else 0.0) + max((float(v) for v in out.scores.values()), default=0.0) / 1.001
