"""Sign-in for reviewers: Flask-Login sessions, CSRF on every browser form and POST, role checks.

Other blueprints use this module like so:
  * ``from modsvc.web.auth import csrf`` — the app's CSRFProtect. Paths under ``API_PREFIXES`` are exempt
    automatically (they authenticate with API keys, not cookies); no need to call ``csrf.exempt``.
  * ``@admin_required`` / ``@public`` on a view.
Every page that is not under ``API_PREFIXES`` or marked ``@public`` needs a signed-in user.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timezone
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..accounts import authenticate
from ..models import User
from .db_session import get_session

API_PREFIXES = ("/api/", "/v1alpha1/")
PUBLIC_PREFIXES = ("/static/", "/ui-static/", "/login", "/healthz")

csrf = CSRFProtect()
login_manager = LoginManager()
bp = Blueprint("auth", __name__, template_folder="templates")


class Reviewer(UserMixin):
    """The signed-in user as Flask-Login sees it; detached from the DB session."""

    def __init__(self, user: User):
        self.user_id = user.id
        self.username = user.username
        self.role = user.role
        self._token = f"{user.id}:{_password_stamp(user)}"

    def get_id(self) -> str:
        # A keyed digest of the password hash is part of the id: a password change or reset signs out every
        # other session. Keyed, so the (readable) session cookie tells nothing about the hash itself.
        return self._token

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _password_stamp(user: User) -> str:
    import hashlib
    import hmac

    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, user.password_hash.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


@login_manager.user_loader
def _load_user(token: str) -> Reviewer | None:
    import hmac

    user_id, _, stamp = token.partition(":")
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(_password_stamp(user), stamp):
        return None
    return Reviewer(user)


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


class LoginThrottle:
    """Slows password guessing: after MAX_FAILURES failed sign-ins for one name or one address within
    WINDOW seconds, further attempts are refused until the window has passed. In-process (per worker)."""

    MAX_FAILURES = 5
    WINDOW = 15 * 60

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._failures[key]
        while hits and hits[0] < now - self.WINDOW:
            hits.popleft()
        return hits

    def retry_after(self, *keys: str) -> int:
        now = time.monotonic()
        with self._lock:
            waits = [int(hits[0] + self.WINDOW - now) + 1 for key in keys
                     if len(hits := self._recent(key, now)) >= self.MAX_FAILURES]
        return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        # Only the name's count: one good sign-in from an address must not wipe that address's failures
        # against other names (an attacker with one account of their own could reset it otherwise).
        with self._lock:
            for key in keys:
                if key.startswith("name:"):
                    self._failures.pop(key, None)


class RedisLoginThrottle:
    """The same rule counted in Redis (``MODSVC_REDIS_URL``), so it holds across gunicorn workers and machines.
    Fixed windows: a name's failures expire WINDOW seconds after its first failure. Falls back to the
    in-process throttle when Redis cannot be reached, rather than letting sign-ins through unthrottled."""

    MAX_FAILURES = LoginThrottle.MAX_FAILURES
    WINDOW = LoginThrottle.WINDOW

    def __init__(self, redis_url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        self._fallback = LoginThrottle()

    @staticmethod
    def _key(key: str) -> str:
        import hashlib

        return "modsvc:login-failures:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def retry_after(self, *keys: str) -> int:
        try:
            pipe = self._redis.pipeline()
            for key in keys:
                pipe.get(self._key(key))
                pipe.ttl(self._key(key))
            values = pipe.execute()
        except Exception as exc:  # redis down: count in this process meanwhile
            logging.getLogger(__name__).warning("login throttle: Redis unavailable (%s); counting in-process", exc)
            return self._fallback.retry_after(*keys)
        waits = [max(int(ttl), 1) for count, ttl in zip(values[::2], values[1::2])
                 if count is not None and int(count) >= self.MAX_FAILURES]
        return max(waits + [self._fallback.retry_after(*keys)])

    def failed(self, *keys: str) -> None:
        try:
            pipe = self._redis.pipeline()
            for key in keys:
                pipe.incr(self._key(key))
                pipe.expire(self._key(key), self.WINDOW, nx=True)
            pipe.execute()
        except Exception:
            self._fallback.failed(*keys)

    def succeeded(self, *keys: str) -> None:
        self._fallback.succeeded(*keys)
        try:
            self._redis.delete(*(self._key(k) for k in keys if k.startswith("name:")))
        except Exception:
            pass


def _throttle():
    ext = current_app.extensions
    if "modsvc.login_throttle" not in ext:
        settings = ext.get("modsvc.settings")
        redis_url = getattr(settings, "redis_url", "") if settings is not None else ""
        ext["modsvc.login_throttle"] = RedisLoginThrottle(redis_url) if redis_url else LoginThrottle()
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
        keys = (f"name:{username.lower()}", f"addr:{request.remote_addr}")
        wait = _throttle().retry_after(*keys)
        if wait:
            error = f"Too many failed sign-ins. Try again in {max(1, wait // 60)} minute(s)."
            status = 429
        else:
            db = get_session()
            user = authenticate(db, username, password)
            if user is None:
                _throttle().failed(*keys)
                error = "Wrong user name or password."
                status = 401
            else:
                _throttle().succeeded(*keys)
                user.last_login_at = datetime.now(timezone.utc)
                db.commit()
                session.clear()  # no session fixation: a fresh session (and CSRF token) after sign-in
                login_user(Reviewer(user))
                return redirect(safe_next(request.form.get("next") or request.args.get("next")))
    return render_template("login.html", error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
def logout():
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
