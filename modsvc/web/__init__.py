"""Blueprints. Each module owns one area of the web app and registers itself here."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import db_session, errors
    from .api_threads import bp as api_threads_bp

    db_session.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api_threads_bp)
    from .api_status import bp as api_status_bp; app.register_blueprint(api_status_bp)  # workers: /api/v1/status
    from . import admin, auth, moderation  # moderation UI: sign-in + CSRF for every non-API path, queue, admin
    auth.init_app(app); app.register_blueprint(moderation.bp); app.register_blueprint(admin.bp)
    from .api_keys import init_api  # scoring API: Perspective drop-in, /api/v1/score, Coral, keys, limits
    init_api(app)
