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
    from modsvc.accounts import find_user

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
    first, second = (create_app(shared, TESTING=True).test_client() for _ in range(2))
    try:
        for client in (first, second, first, second, first):
            client.environ_base["REMOTE_ADDR"] = addr
            assert sign_in(client, name, "guess").status_code == 401
        second.environ_base["REMOTE_ADDR"] = addr
        assert sign_in(second, name).status_code == 429  # five failures across both processes
    finally:
        throttle = first.application.extensions["modsvc.login_throttle"]
        throttle._redis.delete(throttle._key(f"name:{name}"), throttle._key(f"addr:{addr}"))


def test_password_change_signs_out_other_sessions(app, db, users):
    from modsvc.accounts import find_user, set_password

    bob = Reviewer(app.test_client(), "bob")
    assert bob.get("/queue").status_code == 200
    set_password(find_user(db, "bob"), "a brand new password")
    db.commit()
    assert bob.get("/queue").status_code == 302
