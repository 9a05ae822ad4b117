"""An analysis result with the site adapter's verdict beside the base model's (what scoring stores and shows)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.types import Decision, Span
from .adapter import Adapter
from .features import BaseOutput


@dataclass
class AdaptedResult:
    """Duck-types ``AnalysisResult``: ``scores`` stay the base model's, ``decision`` is the site's, ``adapted``
    holds the site score, the base decision and how reviewers decided similar comments."""

    scores: dict[str, float]
    spans: list[Span]
    decision: Decision
    model: dict[str, str]
    adapted: dict
    warnings: list[str] = field(default_factory=list)
    language: str | None = None
    language_supported: bool = True

    @classmethod
    def wrap(cls, result, adapter: Adapter) -> AdaptedResult:
        from .service import adapted_reason

        base = BaseOutput(result.scores, [s.to_dict() for s in result.spans], result.language,
                          result.decision.action)
        verdict = adapter.verdict(base, result.language_supported)
        base_version = (result.model or {}).get("model_version", "")
        verdict.update(base_reason=result.decision.reason, model_version=f"{base_version}+{adapter.name}")
        decision = Decision(verdict["action"], adapted_reason(verdict),
                            result.decision.labels if verdict["action"] != "allow" else ())
        model = {**(result.model or {}), "model_version": verdict["model_version"],
                 "base_model_version": base_version, "site_adapter": adapter.name}
        return cls(dict(result.scores), list(result.spans), decision, model, verdict, list(result.warnings),
                   result.language, result.language_supported)

    def to_dict(self) -> dict:
        out = {
            "scores": {k: round(float(v), 6) for k, v in self.scores.items()},
            "spans": [s.to_dict() for s in self.spans],
            "decision": self.decision.to_dict(),
            "language": self.language,
            "language_supported": self.language_supported,
            "model": dict(self.model),
            "site": {k: self.adapted.get(k) for k in ("adapter", "site_score", "threshold", "base_action",
                                                       "base_label", "base_score", "similar")},
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out
