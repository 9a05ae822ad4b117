"""Blueprints. Each module owns one area of the web app and registers itself here."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import admin, auth, db_session, errors, moderation, params, request_json
    from .api_keys import init_api
    from .api_status import bp as api_status_bp
    from .api_threads import bp as api_threads_bp

    params.init_app(app)  # first: the bounded <int:...> converter must be in place before any route is added
    db_session.init_app(app)
    errors.init_app(app)
    request_json.init_app(app)  # JSON bodies: depth-limited, a 400 in each API's shape
    # Thread import and the workers' status endpoint.
    app.register_blueprint(api_threads_bp)
    app.register_blueprint(api_status_bp)
    from .api_adaptation import bp as api_adaptation_bp

    app.register_blueprint(api_adaptation_bp)  # per-site adapters, thresholds, spot checks (modsvc/adaptation/)
    # Moderation UI: sign-in and CSRF for every non-API path, the queue, the admin area.
    auth.init_app(app)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(admin.bp)
    from .admin_adaptation import bp as adaptation_bp

    app.register_blueprint(adaptation_bp)  # adapters on the settings page, the Spot check tab, the miss rate
    # Scoring API: Perspective drop-in, /api/v1/score, Coral, API keys, rate limits.
    init_api(app)
