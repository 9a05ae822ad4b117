"""Flask application factory: the web app, the API and the Celery wiring all hang off this."""
from __future__ import annotations

from typing import Any

from flask import Flask

from .config import Settings, load_settings
from .db import get_sessionmaker


def create_app(settings: Settings | None = None, **config_overrides: Any) -> Flask:
    settings = settings or load_settings()
    app = Flask("modsvc", instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config_overrides)
    app.extensions["modsvc.settings"] = settings
    app.extensions["modsvc.sessions"] = get_sessionmaker(settings.database_url)

    if settings.trusted_proxies:
        # Behind a proxy: the discovery document and OpenAPI servers must show the public scheme and host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)

    from .web import register_blueprints

    register_blueprints(app)
    return app
