"""Behind a reverse proxy, documents that name the service's own URL show the public address."""
from __future__ import annotations

import dataclasses

from modsvc.app import create_app


def _discovery_root(settings, headers):
    app = create_app(settings, TESTING=True)
    response = app.test_client().get("/$discovery/rest?version=v1alpha1", headers=headers)
    assert response.status_code == 200
    return response.get_json()["rootUrl"]


def test_forwarded_headers_are_used_only_when_proxies_are_trusted(settings):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "moderation.example.org"}
    assert _discovery_root(settings, forwarded).startswith("http://localhost")
    trusted = dataclasses.replace(settings, trusted_proxies=1)
    assert _discovery_root(trusted, forwarded) == "https://moderation.example.org/"
