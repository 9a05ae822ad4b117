"""Admin pages of the scoring API: create/revoke keys (the key shown once, never in the cookie), webhook
settings and the delivery log with retry. Signed in as an admin through the real login form with CSRF."""
from __future__ import annotations

import re

from sqlalchemy import select

from modsvc.access.accounts import create_user
from modsvc.models import ApiKey, Site, WebhookDelivery

PASSWORD = "correct horse battery"


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _admin_client(app, role="admin"):
    with app.extensions["modsvc.sessions"]() as session:
        create_user(session, f"{role}1", PASSWORD, role)
        session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": f"{role}1", "password": PASSWORD,
                                           "csrf_token": _token(client, "/login")})
    assert response.status_code == 302
    return client


def test_create_use_and_revoke_a_key_from_the_admin_page(api_app):
    client = _admin_client(api_app)
    page = client.get("/admin/api-keys")
    assert page.status_code == 200 and b"Create a key" in page.data
    token = _token(client, "/admin/api-keys")
    created = client.post("/admin/api-keys", data={"name": "discourse", "site": "forum", "rate_limit": "5/second",
                                                   "daily_quota": "100", "csrf_token": token})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    key = re.search(r'data-testid="new-key">([^<]+)<', created.get_data(as_text=True)).group(1)
    assert key not in (created.headers.get("Set-Cookie") or "")
    api = api_app.test_client()
    assert api.post("/api/v1/score", json={"text": "hello"}, headers={"X-API-Key": key}).status_code == 200
    assert key not in client.get("/admin/api-keys").get_data(as_text=True)  # shown once only

    with api_app.extensions["modsvc.sessions"]() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.name == "discourse"))
        assert row.rate_limit == "5/second" and row.daily_quota == 100
    assert client.post(f"/admin/api-keys/{row.id}/revoke", data={"csrf_token": token}).status_code == 302
    assert api.post("/api/v1/score", json={"text": "hello"}, headers={"X-API-Key": key}).status_code == 401


def test_admin_pages_need_an_admin_and_csrf(api_app):
    anonymous = api_app.test_client()
    assert anonymous.get("/admin/api-keys").status_code == 302  # to the login page
    moderator = _admin_client(api_app, "moderator")
    assert moderator.get("/admin/api-keys").status_code == 403
    admin = _admin_client(api_app)
    assert admin.post("/admin/api-keys", data={"name": "no token"}).status_code == 400


def test_webhook_settings_and_delivery_log(api_app, monkeypatch):
    monkeypatch.setenv("MODSVC_WEBHOOK_ALLOW_PRIVATE", "127.0.0.0/8")  # a receiver on this machine
    with api_app.extensions["modsvc.sessions"]() as session:
        site = Site(key="paper", name="Paper")
        session.add(site)
        session.flush()
        session.add(WebhookDelivery(site_id=site.id, event="comment.held", payload={}, status="failed", attempts=9,
                                    last_status_code=500, last_error="HTTP 500 Internal Server Error"))
        session.commit()
        site_id = site.id
    client = _admin_client(api_app)
    token = _token(client, "/admin/webhooks")
    saved = client.post(f"/admin/webhooks/sites/{site_id}", data={
        "webhook_url": "http://127.0.0.1:9/hook", "new_secret": "1", "csrf_token": token})
    secret = re.search(r'data-testid="webhook-secret">([^<]+)<', saved.get_data(as_text=True)).group(1)
    with api_app.extensions["modsvc.sessions"]() as session:
        site = session.get(Site, site_id)
        assert site.webhook_url == "http://127.0.0.1:9/hook" and site.webhook_secret == secret
    log = client.get("/admin/webhooks?status=failed").get_data(as_text=True)
    assert "HTTP 500 Internal Server Error" in log and "Retry" in log
    bad = client.post(f"/admin/webhooks/sites/{site_id}", data={"webhook_url": "ftp://x", "csrf_token": token})
    assert bad.status_code == 302
