"""Spot checks: a random share of allowed comments goes to a human, so what the model lets through is measured.

Drawing is a hash of the comment id and its text, not a random call: scoring the same comment twice draws the same
way (tasks are idempotent), and an edited comment is a new draw. The miss rate is estimated from those checks:

    harmful allowed  ≈  allowed comments × p,   p = harmful share of the spot-checked ones
    miss rate        =  harmful allowed / (harmful allowed + harmful caught by the routing)

with p's Wilson interval carried through (the miss rate grows with p, so its bounds are those at p's bounds).
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


def drawn(comment_id: int, content_hash: str | None, share: float) -> bool:
    if share <= 0:
        return False
    digest = hashlib.sha256(f"spot-check:{comment_id}:{content_hash or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def proportion_interval(successes: int, trials: int, confidence: float = 0.9) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (good coverage for small counts and proportions near 0)."""
    from scipy.stats import binomtest

    if trials <= 0:
        return 0.0, 1.0
    ci = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class MissRate:
    checked: int  # spot-checked comments a human decided
    harmful: int  # of those, rejected as harmful (for the label, when per label)
    allowed: int  # comments the routing allowed in the period
    caught: int  # harmful comments the routing sent to review (rejected by reviewers)
    allowed_harmful_share: float | None  # p: harmful share of allowed comments
    allowed_harmful_interval: tuple[float, float] | None
    miss_rate: float | None  # share of harmful comments that were allowed
    miss_rate_interval: tuple[float, float] | None
    confidence: float = 0.9

    def as_dict(self) -> dict:
        return asdict(self)


def estimate_miss_rate(checked: int, harmful: int, allowed: int, caught: int, confidence: float = 0.9) -> MissRate:
    if checked <= 0:
        return MissRate(checked, harmful, allowed, caught, None, None, None, None, confidence)
    p = harmful / checked
    lo, hi = proportion_interval(harmful, checked, confidence)

    def miss(share: float) -> float | None:
        missed = allowed * share
        return missed / (missed + caught) if missed + caught > 0 else None

    rate = miss(p)
    interval = (miss(lo) or 0.0, miss(hi) or 0.0) if rate is not None or caught > 0 else None
    return MissRate(checked, harmful, allowed, caught, p, (lo, hi), rate, interval, confidence)
