"""The site adapter: a logistic regression on the base model's outputs (``features``) that predicts what this
site's reviewers decide, stored as JSON (never pickle), and the guardrail that decides whether it deploys.

Fit: train on the older decisions, evaluate on the newest ``holdout_share`` of them (by decision time). The adapter
deploys only if, on those held-out decisions, it routes to review more precisely than the base at the base's own
recall, and its F1 at its chosen threshold is not below the base's. Otherwise the base keeps deciding and the
report says why. The deployed adapter is the one that was evaluated (it has not seen the held-out decisions).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..analysis.types import LABELS
from .evaluation import best_f1_threshold, precision_at_recall, routing_figures
from .features import FEATURES, BaseOutput, base_ranking, matrix

MIN_PER_CLASS = 5  # harmful and harmless decisions each, in training and in the held-out part
MIN_PRECISION_GAIN = 0.01  # at equal recall, on the held-out decisions
SCORE_BINS = 10


@dataclass(frozen=True)
class LabelledDecision:
    output: BaseOutput
    harmful: bool
    weight: float = 1.0  # 1 / probability that this comment came to be decided (spot checks: 1 / share)


def similar_key(out: BaseOutput, site_score: float) -> str:
    """Comments "like this one" for the reviewer's explanation: the same strongest base label, and a site score in
    the same tenth (what the adapter sees alike, so the counts explain its verdict)."""
    if not out.scores:
        return "none"
    label = max(LABELS, key=lambda lb: float(out.scores.get(lb, 0.0)))
    return f"{label}:{min(SCORE_BINS - 1, int(site_score * SCORE_BINS))}"


@dataclass
class Adapter:
    name: str
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float  # site score from which a comment goes to review
    similar: dict[str, list[int]] = field(default_factory=dict)  # similar_key -> [approved, rejected]
    features: tuple[str, ...] = FEATURES
    base_model_version: str = ""  # the base model it was fitted on ("": any)

    def fits(self, base_model_version: str | None) -> bool:
        """Whether this adapter reads outputs of that base model: fitted on another one, it would misread them
        (a new base model is adapted only after a refit on its own scores)."""
        return not self.base_model_version or base_model_version == self.base_model_version

    def scores(self, outputs: Sequence[BaseOutput]) -> np.ndarray:
        if list(self.features) != list(FEATURES):
            raise ValueError(f"adapter {self.name} was fitted on other features; refit it")
        x = (matrix(outputs) - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(x @ np.asarray(self.coef) + self.intercept)))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean, "scale": self.scale, "coef": self.coef,
                "intercept": self.intercept, "threshold": self.threshold, "similar": self.similar}

    @classmethod
    def from_json(cls, name: str, data: Mapping) -> Adapter:
        return cls(name=name, mean=list(data["mean"]), scale=list(data["scale"]), coef=list(data["coef"]),
                   intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                   similar={k: list(v) for k, v in (data.get("similar") or {}).items()},
                   features=tuple(data["features"]))

    def verdict(self, out: BaseOutput, language_supported: bool = True) -> dict:
        """The adapted decision of one comment, with the base's beside it (stored in ``CommentScore.adapted``)."""
        label = max(LABELS, key=lambda lb: float(out.scores.get(lb, 0.0))) if out.scores else None
        base_score = float(out.scores.get(label, 0.0)) if label else None
        if not language_supported or not out.scores:  # not scored: the policy's rule for the language stands
            return {"adapter": self.name, "site_score": None, "action": out.action, "base_action": out.action,
                    "base_label": label, "base_score": base_score, "similar": {"approved": 0, "rejected": 0}}
        site = float(self.scores([out])[0])
        approved, rejected = self.similar.get(similar_key(out, site), [0, 0])
        action = ("hold" if out.action == "hold" else "review") if site >= self.threshold else "allow"
        return {"adapter": self.name, "site_score": round(site, 4), "threshold": round(self.threshold, 4),
                "action": action, "base_action": out.action, "base_label": label,
                "base_score": round(base_score, 4) if base_score is not None else None,
                "similar": {"approved": approved, "rejected": rejected}}


def fit(name: str, decisions: Sequence[LabelledDecision], c: float = 1.0) -> Adapter:
    from sklearn.linear_model import LogisticRegression

    x = matrix([d.output for d in decisions])
    y = np.asarray([d.harmful for d in decisions], bool)
    w = np.asarray([d.weight for d in decisions], float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0  # constant features (a language nobody wrote in) stay at 0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y, sample_weight=w / w.mean())
    adapter = Adapter(name, mean.tolist(), scale.tolist(), model.coef_[0].tolist(), float(model.intercept_[0]), 0.5)
    fitted = adapter.scores([d.output for d in decisions])
    adapter.threshold = best_f1_threshold(fitted, y, w)
    for d, site in zip(decisions, fitted):
        counts = adapter.similar.setdefault(similar_key(d.output, float(site)), [0, 0])
        counts[1 if d.harmful else 0] += 1
    return adapter


@dataclass
class FitReport:
    adapter: Adapter | None
    deploy: bool
    reason: str
    figures: dict
    retire_current: bool = False  # the deployed adapter now does worse than the base: back to the base


def _judge(adapter: Adapter, test: Sequence[LabelledDecision]) -> tuple[dict, str | None]:
    """Held-out figures of ``adapter`` beside the base's, and why it fails the guardrail (None: it passes).

    Equal recall: the base is ranked too (its routing first, then its strongest score), so both are compared at
    the recall the adapter runs at. Comparing at the base's own recall alone was too noisy: held-out decisions are
    mostly routed comments, the base's recall there is often 1.0, and precision at recall 1.0 hangs on the single
    lowest-scored harmful comment."""
    y = np.asarray([d.harmful for d in test], bool)
    w = np.asarray([d.weight for d in test], float)
    base = routing_figures(np.asarray([d.output.flagged for d in test]), y, w)
    site_scores = adapter.scores([d.output for d in test])
    site = routing_figures(site_scores >= adapter.threshold, y, w)
    base_rank = np.asarray([base_ranking(d.output) for d in test])
    base_at_equal_recall, _ = precision_at_recall(base_rank, y, site.recall, w)
    at_base_recall, _ = precision_at_recall(site_scores, y, base.recall, w)
    figures = {"base": base.as_dict(), "adapter": site.as_dict(), "threshold": round(adapter.threshold, 4),
               "base_precision_at_adapter_recall": round(base_at_equal_recall, 4),
               "precision_at_base_recall": round(at_base_recall, 4)}
    if site.precision - base_at_equal_recall < MIN_PRECISION_GAIN:
        return figures, (f"at recall {site.recall:.2f} the adapter's precision {site.precision:.2f} does not beat "
                         f"the base's {base_at_equal_recall:.2f} on the {len(test)} newest decisions")
    if site.f1 < base.f1:
        return figures, (f"F1 at the adapter's threshold {site.f1:.2f} is below the base's {base.f1:.2f} on the "
                         f"{len(test)} newest decisions")
    return figures, None


def _classes(decisions: Sequence[LabelledDecision]) -> tuple[int, int]:
    harmful = sum(1 for d in decisions if d.harmful)
    return harmful, len(decisions) - harmful


def fit_with_guardrail(name: str, decisions: Sequence[LabelledDecision], holdout_share: float = 0.25,
                       min_decisions: int = 200, current: Adapter | None = None) -> FitReport:
    """``decisions`` oldest first. Fit on the older ones, judge on the newest ``holdout_share``; ``current`` (the
    deployed adapter) is judged on them too and retired if it no longer beats the base."""
    n = len(decisions)
    figures: dict = {"decisions": n}
    if n < min_decisions:
        return FitReport(None, False, f"{n} usable decisions, {min_decisions} needed", figures)
    split = n - max(1, int(round(n * holdout_share)))
    train, test = decisions[:split], decisions[split:]
    figures.update(train=len(train), held_out=len(test))
    for part, rows in (("training", train), ("held-out", test)):
        harmful, harmless = _classes(rows)
        if min(harmful, harmless) < MIN_PER_CLASS:
            return FitReport(None, False, f"the {part} decisions hold {harmful} harmful and {harmless} harmless "
                                          f"comments; at least {MIN_PER_CLASS} of each are needed", figures)
    adapter = fit(name, train)
    judged, failure = _judge(adapter, test)
    figures.update(judged)
    retire = False
    if current is not None:  # the deployed adapter faces the same newest decisions
        current_figures, current_failure = _judge(current, test)
        figures["deployed"] = {"name": current.name, **current_figures}
        retire = current_failure is not None
    if failure is not None:
        reason = "kept the base: " + failure
        if current is not None:
            reason = (f"{current.name} retired, back to the base ({current_failure}); " if retire
                      else f"kept {current.name}; ") + f"the new fit: {failure}"
        return FitReport(adapter, False, reason, figures, retire_current=retire)
    b, a = figures["base"], figures["adapter"]
    return FitReport(adapter, True, f"deployed: precision {a['precision']:.2f} vs the base's "
                                    f"{figures['base_precision_at_adapter_recall']:.2f} at recall {a['recall']:.2f}; "
                                    f"F1 {a['f1']:.2f} vs {b['f1']:.2f} on the {len(test)} newest decisions", figures)
