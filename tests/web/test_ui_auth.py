"""Sign-in, CSRF, open redirects and roles in the moderation UI."""
from __future__ import annotations

import pytest

from web.conftest import PASSWORD, Reviewer, csrf_token, sign_in
from web.seeding import add_comment, add_thread

PAGES = ["/", "/queue", "/queue?tab=held", "/queue/1/context", "/audit", "/audit.csv", "/dashboard",
         "/admin/users", "/admin/sites", "/admin/sites/1/settings"]


def test_every_page_needs_sign_in(client, users):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/login?next="), path
    response = client.post("/queue/1/decide", json={"action": "approve", "version": 1},
                           headers={"Accept": "application/json"})
    assert response.status_code in (400, 401)  # no session: refused by CSRF or by sign-in, never done
    assert client.get("/login").status_code == 200


def test_sign_in_wrong_password_then_right(client, users):
    response = sign_in(client, "bob", "not the password")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.get_data(as_text=True)
    response = sign_in(client, "nobody", PASSWORD)
    assert response.status_code == 401
    response = sign_in(client, "bob")
    assert response.status_code == 302 and response.location == "/queue"
    assert client.get("/queue").status_code == 200


def test_brute_force_is_throttled(client, users):
    for _ in range(5):
        assert sign_in(client, "bob", "guess").status_code == 401
    response = sign_in(client, "bob")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_sign_out_ends_the_session(app, users):
    r = Reviewer(app.test_client(), "bob")
    response = r.client.post("/logout", data={"csrf_token": r.token})
    assert response.status_code == 302
    assert r.client.get("/queue").status_code == 302


def test_csrf_required_on_forms_and_json_posts(app, db, users):
    thread = add_thread(db)
    comment = add_comment(db, thread, "hello", scores={"toxicity": 0.9})
    db.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": "bob", "password": PASSWORD})  # no token
    assert response.status_code == 400
    r = Reviewer(client, "bob")
    no_token = client.post(f"/queue/{comment.id}/decide", json={"action": "approve", "version": 1},
                           headers={"Accept": "application/json"})
    assert no_token.status_code == 400 and "CSRF" in no_token.get_json()["error"]
    wrong = client.post(f"/queue/{comment.id}/decide", json={"action": "approve", "version": 1},
                        headers={"Accept": "application/json", "X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    form = client.post(f"/queue/{comment.id}/decide", data={"action": "approve", "version": "1"})
    assert form.status_code == 400
    assert r.decide(comment.id, "approve", 1).status_code == 200


def test_api_paths_are_not_csrf_checked(client, users):
    # The JSON API authenticates with API keys: a CSRF failure there would be the wrong answer.
    response = client.post("/api/v1/threads", data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code != 400 or "CSRF" not in response.get_data(as_text=True)
    assert "CSRF" not in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                    "http:/evil.example", "/\r\nLocation: https://evil.example",
                                    "/\t/evil.example"])
def test_no_open_redirect_after_sign_in(client, users, target):
    response = sign_in(client, "bob", next_url=target)
    assert response.status_code == 302
    assert response.location == "/queue"


def test_next_to_a_local_page_is_kept(client, users):
    response = sign_in(client, "bob", next_url="/audit?user=bob")
    assert response.location == "/audit?user=bob"


def test_roles_admin_pages_only_for_admins(reviewer, admin):
    for path in ("/admin/users", "/admin/sites"):
        assert reviewer.get(path).status_code == 403
        assert admin.get(path).status_code == 200
    forbidden = reviewer.client.post("/admin/users", data={"csrf_token": reviewer.token, "username": "eve",
                                                           "role": "admin", "password": "x" * 10, "password2": "x" * 10})
    assert forbidden.status_code == 403
    nav = reviewer.get("/queue").get_data(as_text=True)
    assert "/admin/users" not in nav
    assert "/admin/users" in admin.get("/queue").get_data(as_text=True)


def test_admin_creates_user_who_can_sign_in(app, admin):
    response = admin.client.post("/admin/users", data={"csrf_token": admin.token, "username": "carol",
                                                       "role": "moderator", "password": "long enough pw",
                                                       "password2": "long enough pw"})
    assert response.status_code == 302
    assert sign_in(app.test_client(), "carol", "long enough pw").status_code == 302


def test_disabled_user_loses_session_and_cannot_sign_in(app, db, users, admin):
    bob = Reviewer(app.test_client(), "bob")
    from modsvc.access.accounts import find_user

    bob_id = find_user(db, "bob").id
    assert admin.client.post(f"/admin/users/{bob_id}", data={"csrf_token": admin.token, "what": "disable"}).status_code == 302
    assert bob.get("/queue").status_code == 302  # signed out at the next request
    assert sign_in(app.test_client(), "bob").status_code == 401


def test_security_headers_and_cookie_flags(app, users):
    client = app.test_client()
    response = sign_in(client, "bob")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/queue")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert csrf_token(client, "/queue")


def test_throttle_is_shared_through_redis_across_processes(settings, db):
    """Two app instances (two gunicorn workers) with MODSVC_REDIS_URL count failures together."""
    import dataclasses
    import os
    import random
    import uuid

    import redis as redis_lib

    from modsvc.app import create_app
    REDIS_URL = os.environ.get("MODSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    from web.seeding import add_user

    import time

    for attempt in range(20):  # other tests restart Redis on purpose: give it a moment
        try:
            redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
            break
        except Exception:
            time.sleep(0.5)
    else:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable at {REDIS_URL}")
        pytest.skip("Redis not reachable")
    name = f"u{uuid.uuid4().hex[:8]}"
    add_user(db, name, "moderator", PASSWORD)
    addr = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    prefix = f"modsvc-test-{uuid.uuid4().hex[:8]}"  # the shared Redis outlives this test
    first, second = (create_app(shared, TESTING=True, RATELIMIT_KEY_PREFIX=prefix).test_client() for _ in range(2))
    try:
        for client in (first, second, first, second, first):
            client.environ_base["REMOTE_ADDR"] = addr
            assert sign_in(client, name, "guess").status_code == 401
        second.environ_base["REMOTE_ADDR"] = addr
        assert sign_in(second, name).status_code == 429  # five failures across both processes
    finally:
        redis = redis_lib.Redis.from_url(REDIS_URL)
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)


def test_password_change_signs_out_other_sessions(app, db, users):
    from modsvc.access.accounts import find_user, set_password

    bob = Reviewer(app.test_client(), "bob")
    assert bob.get("/queue").status_code == 200
    set_password(find_user(db, "bob"), "a brand new password")
    db.commit()
    assert bob.get("/queue").status_code == 302


# ----- sessions: a server-side identity that logout, disabling and password changes revoke, with a lifetime ------

def _copy_session(app, reviewer):
    """Another browser holding a copy of the reviewer's session cookie (what a thief would replay)."""
    thief = app.test_client()
    thief.set_cookie("session", reviewer.client.get_cookie("session").value)
    return thief


def test_cookie_copied_before_logout_is_refused_after_it(app, users):
    bob = Reviewer(app.test_client(), "bob")
    thief = _copy_session(app, bob)
    assert thief.get("/queue").status_code == 200  # the copy works while the session lives
    assert bob.client.post("/logout", data={"csrf_token": bob.token}).status_code == 302
    response = thief.get("/queue")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_logout_ends_only_that_session(app, users):
    laptop = Reviewer(app.test_client(), "bob")
    phone = Reviewer(app.test_client(), "bob")
    laptop.client.post("/logout", data={"csrf_token": laptop.token})
    assert laptop.get("/queue").status_code == 302
    assert phone.get("/queue").status_code == 200


def test_disable_then_enable_does_not_revive_old_sessions(app, db, users, admin):
    from modsvc.access.accounts import find_user

    bob = Reviewer(app.test_client(), "bob")
    thief = _copy_session(app, bob)
    bob_id = find_user(db, "bob").id
    for what in ("disable", "enable"):
        response = admin.client.post(f"/admin/users/{bob_id}", data={"csrf_token": admin.token, "what": what})
        assert response.status_code == 302
    assert bob.get("/queue").status_code == 302
    assert thief.get("/queue").status_code == 302
    assert sign_in(app.test_client(), "bob").status_code == 302  # enabled again: a fresh sign-in works


def test_cli_set_password_and_disable_end_every_session(app, users):
    from click.testing import CliRunner

    from modsvc.cli import cli

    runner = CliRunner()
    sessions = [Reviewer(app.test_client(), "bob") for _ in range(2)]
    result = runner.invoke(cli, ["users", "set-password", "bob"], input="a fresh new passphrase\n")
    assert result.exit_code == 0, result.output
    assert [s.get("/queue").status_code for s in sessions] == [302, 302]

    client = app.test_client()
    assert sign_in(client, "bob", "a fresh new passphrase").status_code == 302
    assert client.get("/queue").status_code == 200
    result = runner.invoke(cli, ["users", "disable", "bob"])
    assert result.exit_code == 0, result.output
    runner.invoke(cli, ["users", "enable", "bob"])
    assert client.get("/queue").status_code == 302


def _age_sessions(db, *, idle_minutes: int = 0, age_hours: int = 0) -> None:
    """Let time pass for every stored session: last seen `idle_minutes` ago, started `age_hours` ago."""
    from datetime import timedelta

    from sqlalchemy import update

    from modsvc.models import UserSession, utcnow

    now = utcnow()
    db.execute(update(UserSession).values(last_seen_at=now - timedelta(minutes=idle_minutes),
                                          created_at=now - timedelta(hours=age_hours)))
    db.commit()


def test_session_ends_after_idle_time(app, db, users):
    idle = app.extensions["modsvc.settings"].session_idle_minutes
    bob = Reviewer(app.test_client(), "bob")
    _age_sessions(db, idle_minutes=idle - 5)
    assert bob.get("/queue").status_code == 200  # still within the idle time, and it counts as activity
    _age_sessions(db, idle_minutes=idle + 1)
    assert bob.get("/queue").status_code == 302


def test_session_ends_after_its_absolute_lifetime_even_when_active(app, db, users):
    max_hours = app.extensions["modsvc.settings"].session_max_hours
    bob = Reviewer(app.test_client(), "bob")
    _age_sessions(db, age_hours=max_hours - 1)
    assert bob.get("/queue").status_code == 200
    _age_sessions(db, age_hours=max_hours + 1)  # last seen a moment ago, but signed in too long ago
    assert bob.get("/queue").status_code == 302


def test_session_lifetimes_are_settings(monkeypatch):
    from modsvc.config import Settings

    monkeypatch.setenv("MODSVC_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("MODSVC_SESSION_MAX_HOURS", "4")
    settings = Settings(secret_key="x")
    assert (settings.session_idle_minutes, settings.session_max_hours) == (15, 4)


# ----- sign-in throttling: per account and address, per address, per account from unfamiliar addresses ------------

def _from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_for_one_account_do_not_lock_other_accounts_on_that_address(app, users):
    client = _from(app.test_client(), "192.0.2.10")
    for _ in range(5):
        assert sign_in(client, "bob", "guess").status_code == 401
    assert sign_in(client, "bob").status_code == 429
    assert sign_in(_from(app.test_client(), "192.0.2.10"), "alice").status_code == 302


def test_attacker_cannot_lock_out_an_admin_from_an_address_she_uses(app, users):
    from modsvc.access.login_throttle import PER_ACCOUNT_FROM_NEW_ADDRESSES

    office = "192.0.2.20"
    assert sign_in(_from(app.test_client(), office), "alice").status_code == 302  # her usual address
    guesses = PER_ACCOUNT_FROM_NEW_ADDRESSES.amount  # a botnet: each guess from another address
    attempts = [sign_in(_from(app.test_client(), f"198.51.100.{n + 1}"), "alice", f"guess {n}").status_code
                for n in range(guesses)]
    assert attempts == [401] * guesses
    assert sign_in(_from(app.test_client(), "198.51.100.200"), "alice").status_code == 429  # a new address waits
    assert sign_in(_from(app.test_client(), office), "alice").status_code == 302  # she still gets in


def test_one_address_guessing_many_accounts_is_throttled(app, users):
    from modsvc.access.login_throttle import PER_ADDRESS

    client = _from(app.test_client(), "192.0.2.30")
    codes = [sign_in(client, f"user{n}", "guess").status_code for n in range(PER_ADDRESS.amount)]
    assert codes == [401] * PER_ADDRESS.amount
    assert sign_in(client, "bob").status_code == 429
    assert sign_in(_from(app.test_client(), "192.0.2.31"), "bob").status_code == 302


def test_throttle_still_counts_while_redis_is_down(settings, users):
    """Redis configured but unreachable: sign-ins work, and failures are counted in the process meanwhile."""
    import dataclasses

    from modsvc.app import create_app

    app = create_app(dataclasses.replace(settings, redis_url="redis://127.0.0.1:9/0"), TESTING=True)
    client = app.test_client()  # nothing listens on the discard port
    for _ in range(5):
        assert sign_in(client, "bob", "guess").status_code == 401
    assert sign_in(client, "bob").status_code == 429
    assert sign_in(app.test_client(), "alice").status_code == 302
