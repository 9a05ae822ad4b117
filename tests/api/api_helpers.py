"""Helpers the API tests import by name (a module of its own: several folders have a conftest.py)."""
from __future__ import annotations


def make_app(settings, analyzer=None, **config):
    from modsvc.app import create_app

    options = {"TESTING": True, "API_KEY_CACHE_SECONDS": 0, "RATELIMIT_STORAGE_URI": "memory://",
               "CORAL_SIGNING_SECRETS": [], **config}
    app = create_app(settings, **options)
    if analyzer is not None:
        app.extensions["modsvc.analyzer"] = analyzer
    return app


def make_key(app, name="test client", site=None, rate_limit=None, daily_quota=None) -> str:
    from modsvc.access.apikeys import create_api_key

    with app.extensions["modsvc.sessions"]() as session:
        _row, plaintext = create_api_key(session, name, site, rate_limit, daily_quota)
        session.commit()
    return plaintext
