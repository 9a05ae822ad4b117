"""Helpers for the moderation UI tests: a DB session on the app's database, users, signing in with CSRF."""
from __future__ import annotations

import re

import pytest

from web.seeding import add_user

PASSWORD = "correct horse battery"


@pytest.fixture
def app(settings):
    """The shared app fixture, but tab counts may take their time: on a loaded CI machine a 50 ms budget would
    defer them (tested on its own in test_counts_deferred_when_too_slow...)."""
    from modsvc.app import create_app

    return create_app(settings, TESTING=True, MODSVC_QUEUE_COUNT_BUDGET_MS=10_000)


@pytest.fixture
def db(app):
    session = app.extensions["modsvc.sessions"]()
    yield session
    session.close()


@pytest.fixture
def users(db):
    add_user(db, "alice", "admin", PASSWORD)
    add_user(db, "bob", "moderator", PASSWORD)
    return {"admin": "alice", "moderator": "bob"}


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    token = csrf_token(client)
    data = {"username": username, "password": password, "csrf_token": token}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


class Reviewer:
    """A signed-in test client that sends the CSRF header like queue.js does."""

    def __init__(self, client, username: str):
        response = sign_in(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.client = client
        self.token = csrf_token(client, "/audit")  # not /queue: that would cache the (empty) tab counts

    def post_json(self, path: str, body: dict):
        return self.client.post(path, json=body, headers={"X-CSRFToken": self.token, "Accept": "application/json"})

    def decide(self, comment_id: int, action: str, version: int, **extra):
        return self.post_json(f"/queue/{comment_id}/decide", {"action": action, "version": version, **extra})

    def get(self, path: str):
        return self.client.get(path)


@pytest.fixture
def reviewer(app, users):
    return Reviewer(app.test_client(), "bob")


@pytest.fixture
def admin(app, users):
    return Reviewer(app.test_client(), "alice")
