"""Settings from ``MODSVC_*`` environment variables, with documented defaults.

The defaults make one command work on a laptop with no external service:
SQLite under the instance directory (``modsvc/paths.py``), an in-process worker, no Redis. Point the URLs at
PostgreSQL / Redis / RabbitMQ to scale out (see README, "Scaled mode").
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields

from . import paths
from .analysis.settings import DEFAULT_MODEL


def _default_secret_key() -> str:
    """A per-installation random key kept in the instance directory, so sessions survive restarts."""
    path = paths.secret_key_file()
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def normalize_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (what every other tool writes) and use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def normalize_public_url(url: str) -> str:
    """'' or ``scheme://host[:port]/[prefix/]``; anything else is a configuration error, refused at start."""
    from urllib.parse import urlsplit

    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 -- raises ValueError on a bad port
        bad_port = False
    except ValueError:
        bad_port = True
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "must start with http:// or https://"
    elif any(ch.isspace() or ord(ch) < 32 for ch in url):
        problem = "must not contain spaces or control characters"
    elif not parts.hostname or bad_port:
        problem = "needs a host (and a valid port, if any)"
    elif parts.username is not None or parts.password is not None:
        problem = "must not contain a user name or password"
    elif parts.query or parts.fragment:
        problem = "must not have a query string or fragment"
    if problem:
        raise ValueError(f"MODSVC_PUBLIC_URL {url!r} {problem}, e.g. https://moderation.example.org/")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass(slots=True)
class Settings:
    """Every setting, with the environment variable that sets it in its help text."""

    # MODSVC_DATABASE_URL: SQLAlchemy URL; plain postgresql:// works.
    database_url: str = field(default_factory=lambda: normalize_database_url(
        _env("MODSVC_DATABASE_URL", "") or paths.default_database_url()))
    # MODSVC_BROKER_URL: Celery broker. Empty = embedded mode (in-process worker, no broker server).
    broker_url: str = field(default_factory=lambda: _env("MODSVC_BROKER_URL", ""))
    # MODSVC_REDIS_URL: shared state for rate limits across web processes. Empty = in-memory.
    redis_url: str = field(default_factory=lambda: _env("MODSVC_REDIS_URL", ""))
    # MODSVC_SECRET_KEY: signs sessions and CSRF tokens. Default: a random key kept in instance/secret_key.
    secret_key: str = field(default_factory=lambda: _env("MODSVC_SECRET_KEY", "") or _default_secret_key())
    # MODSVC_MODEL: multilingual (en, de, ru) | by-language (English to builtin, German and Russian to multilingual)
    # | builtin | detoxify-original | detoxify-unbiased | detoxify-multilingual
    model: str = field(default_factory=lambda: _env("MODSVC_MODEL", DEFAULT_MODEL))
    # MODSVC_MODEL_DIR: where exported/downloaded model files live.
    model_dir: str = field(default_factory=lambda: _env("MODSVC_MODEL_DIR", "") or str(paths.default_model_dir()))
    # MODSVC_SCORE_BATCH_SIZE: comments per scoring task. 128: each batch costs ~10 database round trips, which
    # at 64 took a fifth of the pipeline's time next to the fast built-in model (bench/pipeline_throughput.py).
    score_batch_size: int = field(default_factory=lambda: _env_int("MODSVC_SCORE_BATCH_SIZE", 128))
    # MODSVC_MAX_UPLOAD_MB: request bodies above this are refused with 413.
    max_upload_mb: int = field(default_factory=lambda: _env_int("MODSVC_MAX_UPLOAD_MB", 512))
    # MODSVC_MAX_QUEUED_IMPORTS: import jobs one API key may have queued or running at once (0 = no limit).
    max_queued_imports: int = field(default_factory=lambda: _env_int("MODSVC_MAX_QUEUED_IMPORTS", 10))
    # MODSVC_MAX_QUEUED_IMPORT_MB: megabytes of uploads one API key may have queued or running (0 = no limit).
    max_queued_import_mb: int = field(default_factory=lambda: _env_int("MODSVC_MAX_QUEUED_IMPORT_MB", 2048))
    # MODSVC_UPLOAD_DIR: where uploaded import files wait for a worker (each is deleted when its job ends).
    upload_dir: str = field(default_factory=lambda: _env("MODSVC_UPLOAD_DIR", "") or str(paths.default_upload_dir()))
    # MODSVC_SECURE_COOKIES: set Secure on cookies (turn off only for plain-HTTP local use).
    secure_cookies: bool = field(default_factory=lambda: _env_bool("MODSVC_SECURE_COOKIES", False))
    # MODSVC_TRUSTED_PROXIES: how many reverse proxies set X-Forwarded-* in front of the app (0 = trust none).
    trusted_proxies: int = field(default_factory=lambda: _env_int("MODSVC_TRUSTED_PROXIES", 0))
    # MODSVC_SWEEP_SECONDS: how often unscored comments are re-queued.
    sweep_seconds: int = field(default_factory=lambda: _env_int("MODSVC_SWEEP_SECONDS", 60))
    # MODSVC_SESSION_IDLE_MINUTES: a reviewer's session ends after this long without a request.
    session_idle_minutes: int = field(default_factory=lambda: _env_int("MODSVC_SESSION_IDLE_MINUTES", 120))
    # MODSVC_SESSION_MAX_HOURS: and this long after signing in, however active (a working day by default).
    session_max_hours: int = field(default_factory=lambda: _env_int("MODSVC_SESSION_MAX_HOURS", 12))
    # MODSVC_PUBLIC_URL: the address clients reach the service at (https://moderation.example.org/), written into
    # the discovery document and the OpenAPI servers. Empty = each request's own address, sent uncacheable.
    public_url: str = field(default_factory=lambda: _env("MODSVC_PUBLIC_URL", ""))

    def __post_init__(self) -> None:
        self.public_url = normalize_public_url(self.public_url)

    @property
    def embedded(self) -> bool:
        """No broker configured: the web process runs the worker itself."""
        return not self.broker_url

    def describe(self) -> dict[str, str]:
        """Settings for display, with passwords and keys masked."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "secret_key":
                value = "(set)" if value else "(unset)"
            elif isinstance(value, str) and "://" in value:
                value = _mask_url_password(value)
            shown[f.name] = str(value)
        return shown


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL (e.g. amqp://); mask crudely
        scheme, _, rest = url.partition("://")
        if "@" in rest:
            creds, _, host = rest.rpartition("@")
            user = creds.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}"
        return url


def load_settings() -> Settings:
    return Settings()
