"""API keys (CLI, storage, the three ways to present one), per-key rate limits and daily quotas."""
from __future__ import annotations

import hashlib

from click.testing import CliRunner
from api_helpers import make_key
from sqlalchemy import select

from modsvc.cli import cli
from modsvc.models import ApiKey, Site

ONE = {"text": "thanks for the article", "id": "c1"}


def test_cli_create_list_revoke(settings, api_app):
    runner = CliRunner()
    created = runner.invoke(cli, ["api-keys", "create", "coral prod", "--site", "news", "--rate-limit", "20/second",
                                  "--daily-quota", "5000"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("msk_") and len(key) > 40

    with api_app.extensions["modsvc.sessions"]() as session:
        row = session.scalar(select(ApiKey))
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in (row.prefix, row.key_hash, row.name) and key.startswith(row.prefix)
        assert row.rate_limit == "20/second" and row.daily_quota == 5000
        assert session.get(Site, row.site_id).key == "news"

    listing = runner.invoke(cli, ["api-keys", "list"])
    assert listing.exit_code == 0 and "coral prod" in listing.output and key[:12] in listing.output
    assert key not in listing.output

    client = api_app.test_client()
    assert client.post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code == 200
    revoked = runner.invoke(cli, ["api-keys", "revoke", key[:12]])
    assert revoked.exit_code == 0, revoked.output
    response = client.post("/api/v1/score", json=ONE, headers={"X-API-Key": key})
    assert response.status_code == 401
    assert "not valid" in response.get_json()["error"]["message"]
    assert "coral prod" not in runner.invoke(cli, ["api-keys", "list"]).output
    assert "revoked" in runner.invoke(cli, ["api-keys", "list", "--all"]).output


def test_cli_refuses_bad_limits(settings):
    runner = CliRunner()
    result = runner.invoke(cli, ["api-keys", "create", "x", "--rate-limit", "lots"])
    assert result.exit_code == 2 and "bad rate limit" in result.output
    result = runner.invoke(cli, ["api-keys", "revoke", "msk_doesnotexist"])
    assert result.exit_code == 2 and "no API key" in result.output


def test_key_accepted_as_query_bearer_or_header(sqlite_app):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    assert client.post(f"/api/v1/score?key={key}", json=ONE).status_code == 200
    assert client.post("/api/v1/score", json=ONE, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert client.post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code == 200
    missing = client.post("/api/v1/score", json=ONE)
    assert missing.status_code == 401 and "API key is required" in missing.get_json()["error"]["message"]
    assert client.post("/api/v1/score", json=ONE, headers={"X-API-Key": key + "x"}).status_code == 401


def test_key_is_never_logged(sqlite_app, caplog):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    with caplog.at_level("DEBUG"):
        client.post(f"/api/v1/score?key={key}", json=ONE)
        client.post(f"/api/v1/score?key={key}zz", json=ONE)
    assert key not in caplog.text


def test_rate_limit_answers_429_with_retry_after_per_key(sqlite_app):
    limited = make_key(sqlite_app, "slow", rate_limit="3/minute")
    other = make_key(sqlite_app, "other", rate_limit="3/minute")
    client = sqlite_app.test_client()
    codes = [client.post("/api/v1/score", json=ONE, headers={"X-API-Key": limited}).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.post("/api/v1/score", json=ONE, headers={"X-API-Key": limited})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "rate limit of 3/minute" in refused.get_json()["error"]["message"]
    # another key has its own budget
    assert client.post("/api/v1/score", json=ONE, headers={"X-API-Key": other}).status_code == 200
    # the Perspective path answers in Google's shape
    perspective = client.post(f"/v1alpha1/comments:analyze?key={limited}",
                              json={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}})
    assert perspective.status_code == 429 and perspective.headers["Retry-After"]
    assert perspective.get_json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_daily_quota(sqlite_app):
    key = make_key(sqlite_app, "quota", daily_quota=2)
    client = sqlite_app.test_client()
    assert [client.post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code
            for _ in range(2)] == [200, 200]
    refused = client.post("/api/v1/score", json=ONE, headers={"X-API-Key": key})
    assert refused.status_code == 429
    message = refused.get_json()["error"]["message"]
    assert "daily quota of 2 requests" in message and "00:00 UTC" in message
    assert int(refused.headers["Retry-After"]) <= 86400


def test_rate_limits_shared_through_redis(sqlite_settings, keyword_analyzer):
    """Two app instances (two web processes) with the same Redis share one key's budget."""
    import uuid

    import pytest
    import redis

    from api_helpers import make_app as _make_app
    from tests_redis import REDIS_URL

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:
        pytest.skip("Redis not reachable")
    sqlite_settings.redis_url = REDIS_URL
    prefix = f"modsvc-test-{uuid.uuid4().hex[:8]}"  # the shared Redis outlives this test's database
    first = _make_app(sqlite_settings, keyword_analyzer, RATELIMIT_STORAGE_URI=None, RATELIMIT_KEY_PREFIX=prefix)
    second = _make_app(sqlite_settings, keyword_analyzer, RATELIMIT_STORAGE_URI=None, RATELIMIT_KEY_PREFIX=prefix)
    key = make_key(first, "shared", rate_limit="4/minute")
    codes = []
    for app in (first, second, first, second, first, second):
        codes.append(app.test_client().post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code)
    assert codes == [200, 200, 200, 200, 429, 429]


def test_thread_api_requires_a_key(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/api/v1/threads/1").status_code == 401
    key = make_key(sqlite_app)
    assert client.get("/api/v1/threads/1", headers={"X-API-Key": key}).status_code == 404


def test_keys_in_urls_do_not_reach_the_access_log(sqlite_app, live_server_factory, caplog):
    import urllib.request

    key = make_key(sqlite_app)
    server = live_server_factory(sqlite_app)
    with caplog.at_level("INFO", logger="werkzeug"):
        request = urllib.request.Request(f"{server.url}/api/v1/score?key={key}&x=1", data=b'{"text": "hi"}',
                                         headers={"Content-Type": "application/json"})
        assert urllib.request.urlopen(request, timeout=10).status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/api/v1/score?key=[redacted]&x=1" in line for line in lines), lines
    assert key not in caplog.text


def test_redis_outage_does_not_fail_requests(sqlite_settings, keyword_analyzer):
    """Limits fall back to per-process memory while Redis is unreachable; requests are still served."""
    from api_helpers import make_app as _make_app

    sqlite_settings.redis_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    app = _make_app(sqlite_settings, keyword_analyzer, RATELIMIT_STORAGE_URI=None)
    key = make_key(app, "no redis", rate_limit="2/minute", daily_quota=10)
    codes = [app.test_client().post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_daily_quota_survives_a_restart_without_redis(settings, keyword_analyzer):
    """Embedded mode (no Redis): the count is in the database, so a new process keeps what was used today."""
    from api_helpers import make_app as _make_app

    before = _make_app(settings, keyword_analyzer)
    key = make_key(before, "quota", daily_quota=3)
    assert [before.test_client().post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code
            for _ in range(2)] == [200, 200]
    after = _make_app(settings, keyword_analyzer)  # the server restarted: a new app, new in-memory limiter
    codes = [after.test_client().post("/api/v1/score", json=ONE, headers={"X-API-Key": key}).status_code
             for _ in range(2)]
    assert codes == [200, 429]
    other = make_key(after, "other", daily_quota=3)  # each key has its own count
    assert after.test_client().post("/api/v1/score", json=ONE, headers={"X-API-Key": other}).status_code == 200


def test_daily_quota_survives_a_real_restart(settings, tmp_path):
    """The same across real processes: each `python -c` is a server process that serves two requests and exits."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from modsvc.app import create_app

    key = make_key(create_app(settings, TESTING=True), "quota", daily_quota=3)
    script = (
        "import sys; sys.path.insert(0, sys.argv[2])\n"
        "from api_keyword_analyzer import KeywordAnalyzer\n"
        "from modsvc.app import create_app\n"
        "app = create_app(TESTING=True); app.extensions['modsvc.analyzer'] = KeywordAnalyzer()\n"
        "c = app.test_client()\n"
        "print(*[c.post('/api/v1/score', json={'text': 'hi'}, headers={'X-API-Key': sys.argv[1]}).status_code"
        " for _ in range(2)])\n"
    )
    env = dict(os.environ, MODSVC_DATABASE_URL=settings.database_url, MODSVC_REDIS_URL="",
               MODSVC_SECRET_KEY="test-secret-key", MODSVC_INSTANCE_DIR=str(tmp_path))
    here = str(Path(__file__).parent)
    runs = [subprocess.run([sys.executable, "-c", script, key, here], env=env, capture_output=True, text=True,
                           timeout=120) for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["200 200", "200 429"], [r.stderr[-2000:] for r in runs]


def test_daily_quota_counts_every_request_under_concurrency(settings):
    """Concurrent charges from many threads (web workers) add up exactly, on SQLite and PostgreSQL."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import date

    from modsvc.app import create_app
    from modsvc.access.daily_quota import charge, used_on

    app = create_app(settings, TESTING=True)
    sessions = app.extensions["modsvc.sessions"]
    make_key(app, "busy", daily_quota=1000)
    with sessions() as session:
        key_id = session.scalar(select(ApiKey.id))
    today = date(2030, 1, 2)

    def charge_five(_):
        totals = []
        for _ in range(5):
            with sessions() as session:
                totals.append(charge(session, key_id, today))
                session.commit()
        return totals

    with ThreadPoolExecutor(8) as pool:
        totals = [t for batch in pool.map(charge_five, range(8)) for t in batch]
    assert sorted(totals) == list(range(1, 41))  # every charge saw its own, distinct running total
    with sessions() as session:
        assert used_on(session, key_id, today) == 40
