"""Figures of the review routing on decided comments, weighted by how each came to be decided.

A comment the routing sent to review was decided because it was routed (weight 1); an allowed comment was decided
only if a spot check drew it (weight 1 / share). Weighting by the inverse of that probability (Horvitz-Thompson)
makes precision and recall estimates of the whole stream, not just of what was flagged.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class RoutingFigures:
    precision: float
    recall: float
    f1: float
    flagged_share: float  # weighted share of comments sent to review

    def as_dict(self) -> dict:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def routing_figures(routed: np.ndarray, harmful: np.ndarray, weights: np.ndarray | None = None) -> RoutingFigures:
    routed, harmful = np.asarray(routed, bool), np.asarray(harmful, bool)
    w = np.ones(len(routed)) if weights is None else np.asarray(weights, float)
    tp = float(w[routed & harmful].sum())
    fp = float(w[routed & ~harmful].sum())
    fn = float(w[~routed & harmful].sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = float(w.sum())
    return RoutingFigures(precision, recall, f1, (tp + fp) / total if total else 0.0)


def precision_at_recall(scores: np.ndarray, harmful: np.ndarray, recall: float,
                        weights: np.ndarray | None = None) -> tuple[float, float]:
    """(precision, threshold) of routing by ``scores`` at the highest threshold whose recall reaches ``recall``."""
    scores, harmful = np.asarray(scores, float), np.asarray(harmful, bool)
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, float)
    positives = float(w[harmful].sum())
    if positives == 0 or len(scores) == 0:
        return 0.0, 1.0
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(np.where(harmful[order], w[order], 0.0))
    fp = np.cumsum(np.where(harmful[order], 0.0, w[order]))
    # only cut between distinct scores: equal scores are routed together
    last_of_value = np.r_[scores[order][1:] != scores[order][:-1], True]
    reach = np.nonzero(last_of_value & (tp >= recall * positives - 1e-9))[0]
    i = int(reach[0]) if len(reach) else len(scores) - 1
    return float(tp[i] / (tp[i] + fp[i])), float(scores[order][i])


def best_f1_threshold(scores: np.ndarray, harmful: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The threshold that maximises weighted F1 of routing ``scores >= threshold``."""
    scores, harmful = np.asarray(scores, float), np.asarray(harmful, bool)
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, float)
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(np.where(harmful[order], w[order], 0.0))
    fp = np.cumsum(np.where(harmful[order], 0.0, w[order]))
    positives = float(w[harmful].sum()) or 1.0
    f1 = 2 * tp / (tp + fp + positives)
    last_of_value = np.r_[scores[order][1:] != scores[order][:-1], True]
    f1 = np.where(last_of_value, f1, -1.0)
    return float(scores[order][int(np.argmax(f1))])
