"""An analysis result with the site adapter's verdict beside the base model's (what scoring stores and shows)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.types import AnalysisResult, Decision
from .adapter import Adapter
from .features import BaseOutput


@dataclass
class AdaptedResult(AnalysisResult):
    """An ``AnalysisResult`` whose ``scores`` stay the base model's and whose ``decision`` is the site's; ``adapted``
    holds the site score, the base decision and how reviewers decided similar comments."""

    adapted: dict = field(default_factory=dict)

    @classmethod
    def wrap(cls, result, adapter: Adapter) -> AdaptedResult:
        base = BaseOutput(result.scores, [s.to_dict() for s in result.spans], result.language,
                          result.decision.action)
        verdict = adapter.verdict(base, result.language_supported)
        base_version = (result.model or {}).get("model_version", "")
        verdict.update(base_reason=result.decision.reason, model_version=f"{base_version}+{adapter.name}")
        decision = Decision(verdict["action"], adapted_reason(verdict),
                            result.decision.labels if verdict["action"] != "allow" else ())
        model = {**(result.model or {}), "model_version": verdict["model_version"],
                 "base_model_version": base_version, "site_adapter": adapter.name}
        return cls(dict(result.scores), list(result.spans), decision, model, list(result.warnings),
                   result.language, result.language_supported, adapted=verdict)

    def to_dict(self) -> dict:
        return {**AnalysisResult.to_dict(self),
                "site": {k: self.adapted.get(k) for k in ("adapter", "site_score", "threshold", "base_action",
                                                           "base_label", "base_score", "similar")}}


def adapted_reason(adapted: dict) -> str:
    """The decision reason of an adapted result: the site's verdict, then the base's reason."""
    if adapted.get("site_score") is None:
        return adapted.get("base_reason") or ""
    sign = "≥" if adapted["action"] != "allow" else "<"
    return (f"this site's adapter {adapted.get('adapter')}: {float(adapted['site_score']):.2f} {sign} its review "
            f"line {float(adapted.get('threshold') or 0):.2f}. Base model: "
            f"{adapted.get('base_reason') or adapted.get('base_action')}")


def describe(adapted: dict | None) -> str:
    """What a reviewer reads: "base toxicity 0.81, this site 0.22: your reviewers approved 14 similar comments"."""
    if not adapted or adapted.get("site_score") is None:
        return ""
    similar = adapted.get("similar") or {}
    text = (f"base {adapted.get('base_label')} {float(adapted.get('base_score') or 0):.2f}, "
            f"this site {float(adapted['site_score']):.2f}")
    approved, rejected = int(similar.get("approved", 0)), int(similar.get("rejected", 0))
    if approved or rejected:
        text += f": your reviewers approved {approved} similar comment{'s' if approved != 1 else ''}"
        if rejected:
            text += f" and rejected {rejected}"
    return text + f" ({adapted.get('adapter')})"
