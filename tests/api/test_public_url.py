"""Documents that name the service's own URL (discovery document, OpenAPI servers, the docs page) must not let a
request's Host header decide where Google's clients send their keys: MODSVC_PUBLIC_URL when set (cacheable),
else the request's address with caching forbidden, and forwarded headers only from trusted proxies."""
from __future__ import annotations

import dataclasses

import pytest
from api_helpers import make_app, make_key

DISCOVERY = "/$discovery/rest?version=v1alpha1"
POISON = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def _get(app, path, headers=None):
    response = app.test_client().get(path, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_without_a_public_url_the_documents_are_never_cached(settings):
    app = make_app(settings)
    for path in (DISCOVERY, "/api/v1/openapi.json", "/api/v1/docs"):
        response = _get(app, path, POISON)
        cache = response.headers.get("Cache-Control", "")
        assert "no-store" in cache and "public" not in cache, (path, cache)
    root = _get(app, DISCOVERY, POISON).get_json()["rootUrl"]
    assert root == "http://evil.example/"  # what this one client asked for, and nobody else will see it


def test_the_configured_public_url_wins_over_any_header(settings):
    app = make_app(dataclasses.replace(settings, public_url="https://moderation.example.org/"))
    discovery = _get(app, DISCOVERY, POISON)
    body = discovery.get_json()
    assert body["rootUrl"] == body["baseUrl"] == "https://moderation.example.org/"
    assert "evil" not in discovery.get_data(as_text=True)
    assert "public" in discovery.headers["Cache-Control"] and "max-age=" in discovery.headers["Cache-Control"]
    openapi = _get(app, "/api/v1/openapi.json", POISON)
    assert openapi.get_json()["servers"] == [{"url": "https://moderation.example.org/"}]
    assert "public" in openapi.headers["Cache-Control"]
    docs = _get(app, "/api/v1/docs", POISON)
    assert "evil" not in docs.get_data(as_text=True)


def test_a_public_url_under_a_path_prefix(settings):
    app = make_app(dataclasses.replace(settings, public_url="https://example.org/moderation"))
    assert _get(app, DISCOVERY, POISON).get_json()["rootUrl"] == "https://example.org/moderation/"


def test_trusted_proxy_headers_are_used_but_not_cached(settings):
    app = make_app(dataclasses.replace(settings, trusted_proxies=1))
    response = _get(app, DISCOVERY, {"X-Forwarded-Host": "moderation.example.org", "X-Forwarded-Proto": "https"})
    assert response.get_json()["rootUrl"] == "https://moderation.example.org/"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("bad", ["moderation.example.org", "ftp://example.org/", "https://", "https://ex ample.org/",
                                 "https://example.org/?x=1", "https://user:pw@example.org/"])
def test_an_unusable_public_url_is_refused_at_start(settings, bad):
    with pytest.raises(ValueError, match="MODSVC_PUBLIC_URL"):
        make_app(dataclasses.replace(settings, public_url=bad))


def test_public_url_from_the_environment(monkeypatch):
    from modsvc.config import Settings

    monkeypatch.setenv("MODSVC_PUBLIC_URL", "https://moderation.example.org")
    assert Settings(secret_key="x").public_url == "https://moderation.example.org/"


def test_urls_in_api_answers_stay_relative(settings):
    """Import and thread URLs, and the Location header, carry no host at all: nothing for a Host header to poison."""
    app = make_app(settings)
    client = app.test_client()
    headers = {**POISON, "X-API-Key": make_key(app)}
    created = client.post("/api/v1/threads", json={"external_id": "t1", "comments": [{"id": "c1", "body": "hi"}]},
                          headers=headers)
    assert created.status_code == 201 and created.get_json()["url"].startswith("/api/v1/threads/")
    upload = client.post("/api/v1/imports?filename=t.jsonl", data=b'{"external_id": "t2", "comments": []}\n',
                         headers=headers)
    assert upload.status_code == 202
    assert upload.headers["Location"].startswith("/api/v1/imports/") and upload.get_json()["url"].startswith("/")
