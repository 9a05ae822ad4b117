"""The adaptation API: a site's adapters (fit, roll back), threshold suggestions, spot-check share and miss rate.

A site-bound API key reaches only its own site (403 for another). The work is ``modsvc.adaptation.service``'s.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from ..adaptation import service
from ..models import Site
from ..params import MAX_DB_INT
from .db_session import get_session
from .errors import api_error
from .request_json import request_json_object
from .api_keys import require_api_key

bp = Blueprint("api_adaptation", __name__, url_prefix="/api/v1/sites/<site_key>/adaptation")


def _site(site_key: str) -> Site | None:
    g.api_key.scope.site_for(site_key)  # SiteForbidden (403) for a bound key's other site
    try:
        return service.site_by_key(get_session(), site_key)
    except service.AdaptationError:
        return None


def adapter_json(row) -> dict:
    return {"version": row.version, "name": row.name, "status": row.status, "active": row.active,
            "base_model_version": row.base_model_version, "decisions": row.decisions, "reason": row.reason,
            "figures": row.figures, "created_at": row.created_at.isoformat() if row.created_at else None,
            "deployed_at": row.deployed_at.isoformat() if row.deployed_at else None}


def _number(body: dict, name: str, default: float, low: float, high: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"'{name}' must be a number from {low} to {high}")
    return float(value)


@bp.get("")
@require_api_key()
def overview(site_key: str):
    site = _site(site_key)
    if site is None:
        return api_error(404, f"no site {site_key!r}")
    session = get_session()
    rows = service.adapters_of(session, site.id)
    active = next((r.name for r in rows if r.active), None)
    return jsonify({
        "site": site.key, "active": active or "base",
        "adapters": [adapter_json(r) for r in rows],
        "spot_check_share": service.spot_check_share(session, site.id),
        "miss_rate": {label: m.as_dict() for label, m in service.miss_rates(session, site.id).items()},
    })


@bp.post("/fit")
@require_api_key()
def fit(site_key: str):
    if _site(site_key) is None:
        return api_error(404, f"no site {site_key!r}")
    outcome = service.fit_site(get_session_factory(), site_key, actor=f"api:{g.api_key.name}")
    return jsonify({"adapter": adapter_json(outcome.row) if outcome.row else None, "deployed": outcome.report.deploy,
                    "reason": outcome.report.reason, "figures": outcome.report.figures,
                    "rerouted": outcome.rerouted}), 201 if outcome.row else 200


@bp.post("/rollback")
@require_api_key()
def rollback(site_key: str):
    if _site(site_key) is None:
        return api_error(404, f"no site {site_key!r}")
    body = request_json_object()
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 1 <= version <= MAX_DB_INT):
        return api_error(400, "'version' must be an adapter version number, or null for the base model")
    try:
        moved = service.roll_back(get_session_factory(), site_key, version, actor=f"api:{g.api_key.name}")
    except service.AdaptationError as exc:
        return api_error(404, str(exc))
    return jsonify({"active": "base" if version is None else version, "rerouted": moved})


@bp.post("/thresholds")
@require_api_key()
def thresholds(site_key: str):
    site = _site(site_key)
    if site is None:
        return api_error(404, f"no site {site_key!r}")
    body = request_json_object()
    try:
        review = _number(body, "precision", 0.6, 0.05, 1.0)
        hold = _number(body, "hold_precision", 0.9, 0.05, 1.0)
    except ValueError as exc:
        return api_error(400, str(exc))
    session = get_session()
    suggestions = service.threshold_suggestions(session, site.id, review, hold)
    accepted = bool(body.get("accept")) and bool(suggestions)
    if accepted:
        service.accept_thresholds(session, site, suggestions, actor=f"api:{g.api_key.name}")
        session.commit()
    return jsonify({"suggestions": [s.as_dict() for s in suggestions], "accepted": accepted})


@bp.put("/spot-checks")
@require_api_key()
def spot_checks(site_key: str):
    site = _site(site_key)
    if site is None:
        return api_error(404, f"no site {site_key!r}")
    try:
        share = _number(request_json_object(), "share", -1, 0.0, 1.0)
    except ValueError as exc:
        return api_error(400, str(exc))
    session = get_session()
    service.set_spot_check_share(session, site.id, share)
    session.commit()
    return jsonify({"spot_check_share": share})


def get_session_factory():
    from flask import current_app

    return current_app.extensions["modsvc.sessions"]
