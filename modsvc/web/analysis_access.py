"""How the API blueprints reach the model: one analyzer and one micro-batcher per web process.

The policy applied is the one of the API key's site (``Site.policy``), cached for a few seconds so the
hot path does not read the database; without a site the defaults apply.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from ..analysis import Policy
from ..models import Site
from ..scoring.batcher import MicroBatcher, Overloaded
from ..scoring.scorer import accepts_languages, get_default_analyzer

POLICY_CACHE_SECONDS = 5.0
_lock = threading.Lock()


def analyzer():
    ext = current_app.extensions
    if "modsvc.analyzer" not in ext:
        with _lock:
            if "modsvc.analyzer" not in ext:
                try:  # the workers' loader: same model (and MODSVC_ANALYZER override) as the queue uses
                    ext["modsvc.analyzer"] = get_default_analyzer()
                except Exception as exc:  # a missing model file must read as "unavailable", not as a crash
                    current_app.logger.exception("cannot load the scoring model")
                    raise Overloaded(f"the scoring model is not available: {exc}", retry_after=60) from exc
    return ext["modsvc.analyzer"]


def batcher() -> MicroBatcher:
    ext = current_app.extensions
    if "modsvc.batcher" not in ext:
        model = analyzer()
        with _lock:
            if "modsvc.batcher" not in ext:
                ext["modsvc.batcher"] = MicroBatcher.from_env(model.analyze)
    return ext["modsvc.batcher"]


def site_policy(site_id: int | None) -> Any:
    """The Policy for a site (None = the analyzer's defaults)."""
    if site_id is None:
        return None
    cache: dict = current_app.extensions.setdefault("modsvc.policy_cache", {})
    hit = cache.get(site_id)
    now = time.monotonic()
    if hit is not None and now - hit[0] < POLICY_CACHE_SECONDS:
        return hit[1]
    with current_app.extensions["modsvc.sessions"]() as session:
        site = session.get(Site, site_id)
        raw = site.policy if site is not None else None
    policy = Policy.from_dict(raw) if raw else None
    cache[site_id] = (now, policy)
    return policy


def score_texts(texts: list[str], site_id: int | None = None, languages: list[str | None] | None = None) -> list:
    """AnalysisResults for ``texts`` with the site's policy, through the batcher (may raise Overloaded).

    ``languages``: the caller's language per text (None: identify it); dropped for an analyzer that cannot take
    them (a ``MODSVC_ANALYZER`` plug-in without language support)."""
    if languages is not None and not any(languages):
        languages = None
    if languages is not None and not accepts_languages(analyzer()):
        languages = None
    return batcher().score(texts, policy=site_policy(site_id), policy_key=site_id, languages=languages)


def model_version() -> str:
    return str(getattr(analyzer(), "model_version", "unknown"))


def analysis_error(result) -> str | None:
    """The analysis core reports a text it could not analyse as a warning "error: ..." with zero scores."""
    for warning in getattr(result, "warnings", None) or ():
        if isinstance(warning, str) and warning.startswith("error:"):
            return warning.removeprefix("error:").strip() or "analysis failed"
    return None
