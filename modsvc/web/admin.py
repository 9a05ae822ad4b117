"""Admin area: reviewer accounts, sites and each site's policy (thresholds, what to do with unsupported languages).

Other teams add pages to the admin navigation with ``register_admin_nav("API keys", "api_keys.index")``
(call it at import time of their blueprint module); the link shows for admins when the endpoint exists.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..access.accounts import ROLES, AccountError, create_user, set_active, set_password
from ..analysis.policy import ACTIONS as UNSUPPORTED_ACTIONS
from ..analysis.policy import DEFAULT_THRESHOLDS, DEFAULT_UNSUPPORTED_LANGUAGE, Policy
from ..analysis.types import LABELS
from ..models import Site, Thread, User
from ..moderation.stats import label_agreement
from .auth import admin_required
from .db_session import get_session

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

ADMIN_NAV: list[tuple[str, str]] = [("Users", "admin.users"), ("Sites & thresholds", "admin.sites")]


def register_admin_nav(title: str, endpoint: str) -> None:
    if (title, endpoint) not in ADMIN_NAV:
        ADMIN_NAV.append((title, endpoint))


@bp.app_context_processor
def _admin_nav():
    return {"admin_nav": [(t, e) for t, e in ADMIN_NAV if e in current_app.view_functions]}


@bp.before_request
@admin_required
def _admins_only():
    return None


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


# ----- users -----------------------------------------------------------------------------------------------

@bp.get("/users")
def users():
    rows = get_session().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows, roles=ROLES)


@bp.post("/users")
def create_user_view():
    db = get_session()
    password = request.form.get("password") or ""
    if password != (request.form.get("password2") or ""):
        flash("The two passwords differ.", "error")
        return redirect(url_for("admin.users"))
    try:
        user = create_user(db, request.form.get("username") or "", password, request.form.get("role") or "")
        db.commit()
    except AccountError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    flash(f"User {user.username} ({user.role}) created.", "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    db = get_session()
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    what = request.form.get("what")
    try:
        if what == "role" and request.form.get("role") in ROLES:
            if user.id == current_user.user_id and request.form["role"] != "admin":
                raise AccountError("you cannot remove your own admin role")
            user.role = request.form["role"]
        elif what in ("disable", "enable"):
            if user.id == current_user.user_id:
                raise AccountError("you cannot disable your own account")
            set_active(user, what == "enable")
        elif what == "password":
            set_password(user, request.form.get("password") or "")
        else:
            abort(400)
        db.commit()
    except AccountError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    flash(f"User {user.username} updated.", "ok")
    return redirect(url_for("admin.users"))


# ----- sites and thresholds --------------------------------------------------------------------------------

@bp.get("/sites")
def sites():
    db = get_session()
    rows = db.execute(select(Site, func.count(Thread.id)).outerjoin(Thread, Thread.site_id == Site.id)
                      .group_by(Site.id).order_by(Site.key)).all()
    return render_template("admin/sites.html", sites=rows)


@bp.post("/sites")
def create_site():
    db = get_session()
    key = (request.form.get("key") or "").strip()
    if not key or len(key) > 100 or not all(ch.isalnum() or ch in "-_." for ch in key):
        flash("Site key: 1–100 letters, digits, '-', '_' or '.'.", "error")
        return redirect(url_for("admin.sites"))
    if db.scalar(select(Site).where(Site.key == key)) is not None:
        flash(f"A site with key {key!r} already exists.", "error")
        return redirect(url_for("admin.sites"))
    db.add(Site(key=key, name=(request.form.get("name") or "").strip()[:200] or None))
    db.commit()
    flash(f"Site {key} created.", "ok")
    return redirect(url_for("admin.sites"))


def _threshold_rows(policy):
    return [{"label": label, "review": policy.review[label], "hold": policy.hold[label],
             "default_review": DEFAULT_THRESHOLDS[label][0], "default_hold": DEFAULT_THRESHOLDS[label][1]}
            for label in LABELS]


def _parse_threshold(raw: str | None, label: str, step: str) -> float | None:
    """'' keeps the default; 'off' turns the step off for this label; else a number in [0, 1]."""
    raw = (raw or "").strip()
    if raw == "":
        return DEFAULT_THRESHOLDS[label][0 if step == "review" else 1]
    if raw.lower() in ("off", "never", "none"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{label} {step}: {raw!r} is not a number")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{label} {step}: must be between 0 and 1")
    return value


@bp.route("/sites/<int:site_id>/settings", methods=["GET", "POST"])
def site_settings(site_id: int):
    db = get_session()
    site = db.get(Site, site_id)
    if site is None:
        abort(404)
    errors: list[str] = []
    try:
        policy = Policy.from_dict(site.policy)
    except ValueError as exc:
        errors.append(f"The stored policy is invalid ({exc}); showing the defaults.")
        policy = Policy()
    if request.method == "POST":
        review, hold = {}, {}
        for label in LABELS:
            try:
                review[label] = _parse_threshold(request.form.get(f"review_{label}"), label, "review")
                hold[label] = _parse_threshold(request.form.get(f"hold_{label}"), label, "hold")
            except ValueError as exc:
                errors.append(str(exc))
        unsupported = request.form.get("unsupported_language") or DEFAULT_UNSUPPORTED_LANGUAGE
        if unsupported not in UNSUPPORTED_ACTIONS:
            errors.append(f"Unsupported languages: {unsupported!r} is not one of {', '.join(UNSUPPORTED_ACTIONS)}.")
        if not errors:
            try:  # validates 0..1 and review <= hold
                new_policy = Policy(review=review, hold=hold, unsupported_language=unsupported)
            except ValueError as exc:
                errors.append(str(exc))
            else:
                other = {k: v for k, v in (site.policy or {}).items()
                         if k not in ("thresholds", "unsupported_language") and k not in LABELS}
                site.policy = {**other, **new_policy.to_dict()}
                db.commit()
                flash(f"Settings of {site.key} saved. New scores use them; re-score to apply them to old ones.",
                      "ok")
                return redirect(url_for("admin.site_settings", site_id=site.id))
        rows = [{"label": lb, "review": request.form.get(f"review_{lb}", ""), "hold": request.form.get(f"hold_{lb}", ""),
                 "default_review": r["default_review"], "default_hold": r["default_hold"]}
                for lb, r in zip(LABELS, _threshold_rows(policy))]
        return render_template("admin/site_settings.html", site=site, rows=rows, errors=errors,
                               unsupported=unsupported, **_language_context(),
                               agreement={a.label: a for a in label_agreement(db, site.key)}), 400
    return render_template("admin/site_settings.html", site=site, rows=_threshold_rows(policy), errors=errors,
                           unsupported=policy.unsupported_language, **_language_context(),
                           agreement={a.label: a for a in label_agreement(db, site.key)})


def _language_context() -> dict:
    """The actions for comments in languages the model does not know, and which languages it knows (if loaded)."""
    model = current_app.extensions.get("modsvc.analyzer")  # only if already loaded: the page never loads the model
    langs = getattr(model, "supported_languages", None)
    return {"unsupported_actions": UNSUPPORTED_ACTIONS, "default_unsupported": DEFAULT_UNSUPPORTED_LANGUAGE,
            "supported_languages": sorted(langs) if langs else None}
