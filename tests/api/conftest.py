"""Fixtures for the scoring API: the real app on SQLite and PostgreSQL, API keys, live servers.

``api_app`` plugs a deterministic keyword analyzer in (tests of keys, limits, Coral, webhooks, storage);
``real_app`` uses the analysis core's real model (tests of the Perspective drop-in with Google's client).
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from api_helpers import make_app as _make_app, make_key  # noqa: E402,F401
from api_keyword_analyzer import KeywordAnalyzer  # noqa: E402


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch):
    """Webhook deliveries honour HTTP_PROXY and friends: a proxy set on the test machine must not carry the
    loopback receivers' traffic (tests of the proxy set their own)."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def keyword_analyzer():
    return KeywordAnalyzer()


@pytest.fixture
def api_app(settings, keyword_analyzer):
    return _make_app(settings, keyword_analyzer)


@pytest.fixture
def sqlite_settings(sqlite_url, tmp_path, monkeypatch):
    from modsvc.config import Settings

    monkeypatch.setenv("MODSVC_DATABASE_URL", sqlite_url)
    return Settings(database_url=sqlite_url, broker_url="", redis_url="", secret_key="test-secret-key",
                    upload_dir=str(tmp_path / "uploads"), model_dir=str(tmp_path / "models"))


@pytest.fixture
def sqlite_app(sqlite_settings, keyword_analyzer):
    """For tests whose subject does not touch the database beyond the key look-up."""
    return _make_app(sqlite_settings, keyword_analyzer)


@pytest.fixture(scope="session")
def real_analyzer():
    try:
        from modsvc.analysis import get_analyzer

        analyzer = get_analyzer()
        analyzer.analyze(["warm-up"])
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the real model is not available here: {exc}")
    return analyzer


@pytest.fixture
def real_app(sqlite_settings, real_analyzer):
    return _make_app(sqlite_settings, real_analyzer)


class LiveServer:
    """The app on a free loopback port in a thread (werkzeug's threaded server)."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def live_server_factory():
    servers = []

    def start(app):
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
