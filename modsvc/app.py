"""Flask application factory: the web door (``modsvc/web/``) wired to the database and to the dispatch port."""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from workers import dispatch

from .config import Settings, load_settings
from .db import get_sessionmaker
from .web import register_blueprints


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
    sessions = get_sessionmaker(settings.database_url)
    app.extensions["modsvc.settings"] = settings
    app.extensions["modsvc.sessions"] = sessions
    # Where uploads' import jobs and webhook deliveries go: the broker in scaled mode, this process otherwise.
    app.extensions["modsvc.dispatcher"] = dispatch.dispatcher_for(settings, sessions)
    dispatch.install()

    if settings.trusted_proxies:
        # Behind a proxy: the discovery document and OpenAPI servers must show the public scheme and host.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)

    register_blueprints(app)
    return app
