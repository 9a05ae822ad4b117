"""Sign-in for reviewers: Flask-Login sessions, CSRF on every browser form and POST, role checks.

Other blueprints use this module like so:
  * ``from modsvc.web.auth import csrf`` — the app's CSRFProtect. Paths under ``API_PREFIXES`` are exempt
    automatically (they authenticate with API keys, not cookies); no need to call ``csrf.exempt``.
  * ``@admin_required`` / ``@public`` on a view.
Every page that is not under ``API_PREFIXES`` or marked ``@public`` needs a signed-in user.
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timezone
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from ..access.accounts import authenticate
from ..access.login_throttle import Attempt, LoginThrottle
from ..models import User
from ..access.reviewer_sessions import (Lifetime, end_session, find_live_session, signed_in_recently, start_session,
                                        touch)
from . import ratelimit
from .db_session import get_session

API_PREFIXES = ("/api/", "/v1alpha1/")
PUBLIC_PREFIXES = ("/static/", "/ui-static/", "/login", "/healthz")

csrf = CSRFProtect()
login_manager = LoginManager()
bp = Blueprint("auth", __name__, template_folder="templates")


class Reviewer(UserMixin):
    """The signed-in user as Flask-Login sees it; detached from the DB session."""

    def __init__(self, user: User, session_token: str):
        self.user_id = user.id
        self.username = user.username
        self.role = user.role
        self._token = session_token

    def get_id(self) -> str:
        # Flask-Login's "alternative token": the id in the cookie names a server-side session
        # (modsvc/access/reviewer_sessions.py), not the user, so that session can be ended on the server.
        return self._token

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _lifetime() -> Lifetime:
    return current_app.extensions["modsvc.session_lifetime"]


@login_manager.user_loader
def _load_user(token: str) -> Reviewer | None:
    live = find_live_session(get_session(), token, _lifetime())
    if live is None:
        return None
    if live.needs_touch:
        try:  # its own short transaction: the request's session stays clean for the view
            with current_app.extensions["modsvc.sessions"]() as db:
                touch(db, live.id)
                db.commit()
        except SQLAlchemyError as exc:  # a busy database must not fail the request over a last-seen time
            logging.getLogger(__name__).warning("session last-seen time not written: %s", exc)
    return Reviewer(live.user, token)


def public(view):
    """Mark a view as reachable without signing in."""
    view.modsvc_public = True
    return view


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def safe_next(target: str | None) -> str:
    """Only same-site paths: '/queue?x=1' yes; 'https://evil', '//evil', '/\\evil', 'javascript:' no."""
    fallback = url_for("moderation.queue")
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def _throttle() -> LoginThrottle:
    ext = current_app.extensions
    if "modsvc.login_throttle" not in ext:
        ext["modsvc.login_throttle"] = LoginThrottle(ratelimit.limiter().storage,
                                                     prefix=current_app.config.get("RATELIMIT_KEY_PREFIX", "modsvc"))
    return ext["modsvc.login_throttle"]


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    error = None
    status = 200
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:100]
        password = request.form.get("password") or ""
        address = request.remote_addr or "unknown"
        db = get_session()
        attempt = Attempt(username, address, familiar=signed_in_recently(db, username, address))
        wait = _throttle().retry_after(attempt)
        if wait:
            error = f"Too many failed sign-ins. Try again in {math.ceil(wait / 60)} minute(s)."
            status = 429
        else:
            user = authenticate(db, username, password)
            if user is None:
                _throttle().failed(attempt)
                error = "Wrong user name or password."
                status = 401
            else:
                _throttle().succeeded(attempt)
                user.last_login_at = datetime.now(timezone.utc)
                token = start_session(db, user, address, _lifetime())
                db.commit()
                session.clear()  # no session fixation: a fresh session (and CSRF token) after sign-in
                login_user(Reviewer(user, token))
                return redirect(safe_next(request.form.get("next") or request.args.get("next")))
    return render_template("login.html", error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        db = get_session()
        end_session(db, current_user.get_id(), "signed out")  # a copy of the cookie dies with it
        db.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _require_login():
    path = request.path
    if is_api_path(path) or path.startswith(PUBLIC_PREFIXES):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "modsvc_public", False):
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return login_manager.unauthorized()
    return None


def _csrf_unless_api():
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not is_api_path(request.path):
        csrf.protect()


def init_app(app: Flask) -> None:
    settings = app.extensions["modsvc.settings"]
    # Checked at start-up: a bad lifetime setting is a clear error now, not every sign-in failing later.
    app.extensions["modsvc.session_lifetime"] = Lifetime.from_settings(settings.session_idle_minutes,
                                                                       settings.session_max_hours)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below for every non-API path
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session: reviewers keep tabs open all day
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
    app.before_request(_csrf_unless_api)
    app.before_request(_require_login)
    app.register_blueprint(bp)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.accept_mimetypes.best == "application/json" or request.is_json:
            return {"error": "sign in required"}, 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        if request.is_json or request.accept_mimetypes.best == "application/json":
            return {"error": f"CSRF check failed: {exc.description} Reload the page."}, 400
        return render_template("error.html", title="Form expired",
                               message=f"{exc.description} Reload the page and try again."), 400

    @app.after_request
    def _security_headers(response):
        if not is_api_path(request.path):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        return response
