"""Settings of adaptation and spot checks, from MODSVC_* environment variables (documented in the README)."""
from __future__ import annotations

import os
from dataclasses import dataclass


def _number(name: str, default: float, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


@dataclass(frozen=True)
class AdaptationSettings:
    min_decisions: int = 200  # a site's adapter is fitted only from this many usable decisions on
    holdout_share: float = 0.25  # the newest share of decisions the guardrail evaluates on (trained on the rest)
    interval_seconds: int = 3600  # how often the scheduled task refits every site (0: never)
    spot_check_share: float = 0.01  # default share of allowed comments sent to the "Spot check" tab


def load_adaptation_settings() -> AdaptationSettings:
    return AdaptationSettings(
        min_decisions=int(_number("MODSVC_ADAPT_MIN_DECISIONS", 200, 10, 10**7)),
        holdout_share=_number("MODSVC_ADAPT_HOLDOUT_SHARE", 0.25, 0.05, 0.5),
        interval_seconds=int(_number("MODSVC_ADAPT_INTERVAL_SECONDS", 3600, 0, 10**7)),
        spot_check_share=_number("MODSVC_SPOT_CHECK_SHARE", 0.01, 0.0, 1.0),
    )
