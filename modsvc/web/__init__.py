"""The web door: Flask blueprints that turn requests into calls of the domain packages and back.

Each module owns one area of the web app and is registered here.
"""
from __future__ import annotations

from flask import Flask

from . import (admin, admin_adaptation, api_adaptation, api_admin, api_keys, api_score, api_status, api_threads, auth,
               coral, db_session, errors, moderation, params, perspective, ratelimit, request_json)


def register_blueprints(app: Flask) -> None:
    params.init_app(app)  # first: the bounded <int:...> converter must be in place before any route is added
    db_session.init_app(app)
    errors.init_app(app)
    request_json.init_app(app)  # JSON bodies: depth-limited, a 400 in each API's shape
    # Thread import and the workers' status endpoint.
    app.register_blueprint(api_threads.bp)
    app.register_blueprint(api_status.bp)
    app.register_blueprint(api_adaptation.bp)  # per-site adapters, thresholds, spot checks (modsvc/adaptation/)
    # Moderation UI: sign-in and CSRF for every non-API path, the queue, the admin area.
    auth.init_app(app)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_adaptation.bp)  # adapters on the settings page, the Spot check tab, the miss rate
    # Scoring API: Perspective drop-in, /api/v1/score, Coral, API keys, rate limits.
    register_scoring_api(app)


def register_scoring_api(app: Flask) -> None:
    """The limiter, Perspective, our API, Coral and the admin pages for keys and webhooks. API paths need no CSRF
    exemption: ``auth`` checks CSRF on non-API paths only."""
    ratelimit.init_app(app)
    api_keys.install_log_redaction()
    for bp in (perspective.bp, api_score.bp, coral.bp):
        app.register_blueprint(bp)
    app.register_blueprint(api_admin.bp)  # admin pages: API keys, webhooks (in the admin navigation)
