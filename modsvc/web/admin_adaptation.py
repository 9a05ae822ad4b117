"""Admin actions on a site's adaptation (a section of its settings page): fit now, roll back to any adapter or the
base, accept suggested thresholds with one click, the spot-check share. Reviewers' "Spot check" tab and the
miss-rate panel of the dashboard. The work is ``modsvc.adaptation.service``'s."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..adaptation import service
from ..analysis.language import LANGUAGE_NAMES
from ..analysis.types import LABELS
from ..models import Comment, Site, SpotCheck
from ..moderation.queue import TABS, QueueFilters, QueuePage, attach_details, filter_conditions, status_counts
from ..params import ParameterError, require_int
from .auth import admin_required
from .db_session import get_session
from .params import query_int

bp = Blueprint("adaptation", __name__, template_folder="templates")

SPOT_TAB = ("Spot check", ("allowed",))
SPOT_PAGE = 25


def _sessions():
    return current_app.extensions["modsvc.sessions"]


def _site(site_id: int) -> Site:
    site = get_session().get(Site, site_id)
    if site is None:
        abort(404)
    return site


def _back(site: Site):
    return redirect(url_for("admin.site_settings", site_id=site.id) + "#adaptation")


@bp.app_template_global()
def adaptation_panel(site: Site) -> dict:
    """What the settings page shows of the site's adaptation."""
    session = get_session()
    rows = service.adapters_of(session, site.id)
    return {"adapters": rows, "active": next((r for r in rows if r.active), None),
            "share": service.spot_check_share(session, site.id),
            "suggestions": service.threshold_suggestions(session, site.id),
            "miss": service.miss_rates(session, site.id)["all"],
            "settings": service.load_adaptation_settings()}


@bp.app_template_global()
def adapted_note(score) -> str:
    """The reviewer's line under an adapted item: "base toxicity 0.81, this site 0.22: your reviewers approved …"."""
    return service.describe(getattr(score, "adapted", None)) if score is not None else ""


@bp.post("/admin/sites/<int:site_id>/adaptation/fit")
@admin_required
def fit_now(site_id: int):
    site = _site(site_id)
    outcome = service.fit_site(_sessions(), site.key, actor=current_user.username, user_id=current_user.user_id)
    name = outcome.row.name if outcome.row else "No adapter"
    flash(f"{name}: {outcome.report.reason}" + (f" ({outcome.rerouted} waiting comments re-routed)"
                                                 if outcome.rerouted else ""), "ok" if outcome.report.deploy else "info")
    return _back(site)


@bp.post("/admin/sites/<int:site_id>/adaptation/rollback")
@admin_required
def rollback(site_id: int):
    site = _site(site_id)
    raw = request.form.get("version") or "base"
    try:
        version = None if raw == "base" else require_int(raw, "adapter version", minimum=1)
        moved = service.roll_back(_sessions(), site.key, version, actor=current_user.username,
                                  user_id=current_user.user_id)
    except (ParameterError, service.AdaptationError) as exc:
        flash(str(exc), "error")
        return _back(site)
    flash(f"{'The base model' if version is None else f'Adapter v{version}'} is now active; {moved} waiting "
          f"comments re-routed.", "ok")
    return _back(site)


@bp.post("/admin/sites/<int:site_id>/adaptation/thresholds")
@admin_required
def accept_thresholds(site_id: int):
    site = _site(site_id)
    session = get_session()
    suggestions = service.threshold_suggestions(session, site.id)
    if not suggestions:
        flash("No threshold suggestion to accept yet.", "error")
        return _back(site)
    service.accept_thresholds(session, site, suggestions, actor=current_user.username, user_id=current_user.user_id)
    session.commit()
    flash("Suggested thresholds accepted: " + ", ".join(f"{s.label} {s.review}/{s.hold}" for s in suggestions)
          + ". New scores use them.", "ok")
    return _back(site)


@bp.post("/admin/sites/<int:site_id>/adaptation/spot-checks")
@admin_required
def spot_share(site_id: int):
    site = _site(site_id)
    session = get_session()
    try:
        share = float(request.form.get("share_percent") or "") / 100
        service.set_spot_check_share(session, site.id, share)
    except (ValueError, service.AdaptationError):
        flash("Spot-check share: a percentage from 0 to 100.", "error")
        return _back(site)
    session.commit()
    flash(f"{site.key}: {share:.1%} of allowed comments go to the Spot check tab.", "ok")
    return _back(site)


def spot_count(session, filters: QueueFilters) -> int:

    query = (select(Comment.id).join(SpotCheck, SpotCheck.comment_id == Comment.id)
             .where(Comment.status == "allowed", *filter_conditions(filters, session.bind.dialect.name)))

    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def queue_tabs() -> dict:
    return {**TABS, "spot": SPOT_TAB}


@bp.get("/queue/spot-checks")
def spot_checks():
    """Allowed comments drawn at random: a reviewer's decision here measures what the model lets through."""

    session = get_session()
    filters = QueueFilters.from_args(request.args)
    page = query_int("page", default=1, minimum=1)
    comments = list(session.scalars(
        select(Comment).join(SpotCheck, SpotCheck.comment_id == Comment.id)
        .where(Comment.status == "allowed", *filter_conditions(filters, session.bind.dialect.name))
        .order_by(Comment.id).limit(SPOT_PAGE + 1).offset((page - 1) * SPOT_PAGE)))
    counts = dict(status_counts(session, filters))
    counts["spot"] = spot_count(session, filters)
    result = QueuePage(tab="spot", filters=filters, items=attach_details(session, comments[:SPOT_PAGE]), page=page,
                       has_next=len(comments) > SPOT_PAGE, counts=counts)
    sites = session.scalars(select(Site).order_by(Site.key)).all()
    return render_template("queue.html", page=result, tabs=queue_tabs(), sites=sites, language_names=LANGUAGE_NAMES)


@bp.app_template_global()
def miss_rate_panel(site_key: str | None) -> dict:
    """The dashboard's miss-rate figures: per label and over months, for one site or all."""
    session = get_session()
    site_id = None
    if site_key:
        site_id = session.scalar(select(Site.id).where(Site.key == site_key))
    by_label = service.miss_rates(session, site_id)
    per_site = []
    if site_key is None:
        for site in session.scalars(select(Site).order_by(Site.key)):
            per_site.append((site.key, service.miss_rates(session, site.id)["all"]))
    return {"labels": [(lb, by_label[lb]) for lb in ("all", *LABELS)], "sites": per_site,
            "months": service.miss_rate_by_month(session, site_id)}
