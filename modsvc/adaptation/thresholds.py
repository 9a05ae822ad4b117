"""Per-label review / hold thresholds suggested from a site's decisions, to reach a target precision.

For each label, the comments reviewers rejected for a reason naming it are its positives, everything else decided
is negative (weighted as in ``evaluation``: spot checks stand for all the allowed comments). The suggested review
threshold is the lowest score whose routing reaches the review precision target, the hold threshold the lowest
reaching the hold target. Labels with too few positives get no suggestion.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..analysis.types import LABELS

MIN_POSITIVES = 10


@dataclass(frozen=True)
class LabelledScores:
    scores: dict[str, float]
    harmful_labels: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class Suggestion:
    label: str
    review: float | None
    hold: float | None
    review_precision: float | None
    hold_precision: float | None
    review_recall: float | None
    positives: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _lowest_reaching(scores: np.ndarray, positive: np.ndarray, w: np.ndarray, target: float):
    """(threshold, precision, recall) for the lowest threshold with precision >= target, or Nones."""
    order = np.argsort(-scores, kind="stable")
    s, pos, ww = scores[order], positive[order], w[order]
    tp = np.cumsum(np.where(pos, ww, 0.0))
    fp = np.cumsum(np.where(pos, 0.0, ww))
    cut = np.r_[s[1:] != s[:-1], True]
    precision = tp / np.maximum(tp + fp, 1e-12)
    ok = np.nonzero(cut & (precision >= target))[0]
    if not len(ok):
        return None, None, None
    i = int(ok[-1])
    return round(float(s[i]), 3), float(precision[i]), float(tp[i] / max(tp[-1], 1e-12))


def suggest(rows: Sequence[LabelledScores], review_precision: float = 0.6,
            hold_precision: float = 0.9) -> list[Suggestion]:
    out = []
    w = np.asarray([r.weight for r in rows], float)
    for label in LABELS:
        scores = np.asarray([float(r.scores.get(label, 0.0)) for r in rows], float)
        positive = np.asarray([label in r.harmful_labels for r in rows], bool)
        if int(positive.sum()) < MIN_POSITIVES:
            continue
        review, rp, rr = _lowest_reaching(scores, positive, w, review_precision)
        hold, hp, _ = _lowest_reaching(scores, positive, w, hold_precision)
        if review is not None and hold is not None and hold < review:
            hold = review
        if review is None and hold is None:
            continue
        out.append(Suggestion(label, review, hold, rp and round(rp, 3), hp and round(hp, 3), rr and round(rr, 3),
                              int(positive.sum())))
    return out
