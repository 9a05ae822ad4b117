"""Coral's External Moderation Phase: 204 for fine comments, FLAG / SYSTEM_WITHHELD otherwise, signatures."""
from __future__ import annotations

import hashlib
import hmac
import json

from api_helpers import make_key


def coral_body(text: str) -> bytes:
    """What Coral sends (JSON.stringify(data, null, 2), as in its generateFetchOptions)."""
    return json.dumps({
        "tenant": {"id": "t1", "domain": "comments.paper.example"},
        "action": "NEW",
        "comment": {"body": text, "parentID": None},
        "author": {"id": "u1", "role": "COMMENTER"},
        "story": {"id": "s1", "url": "https://paper.example/s1"},
        "site": {"id": "site1"},
    }, indent=2).encode()


def coral_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_fine_review_and_hold(sqlite_app):
    key = make_key(sqlite_app, "coral")
    client = sqlite_app.test_client()
    url = f"/api/v1/coral/moderate?key={key}"
    fine = client.post(url, data=coral_body("<p>Great reporting</p>"), content_type="application/json")
    assert fine.status_code == 204 and fine.data == b""

    review = client.post(url, data=coral_body("<p>you <b>idiot</b></p>"), content_type="application/json")
    assert review.status_code == 200
    body = review.get_json()
    assert body["actions"][0]["actionType"] == "FLAG" and body["actions"][0]["reason"] == "COMMENT_DETECTED_TOXIC"
    assert "status" not in body  # published, but flagged for a moderator

    hold = client.post(url, data=coral_body("The jews control the media"), content_type="application/json")
    assert hold.status_code == 200
    held = hold.get_json()
    assert held["status"] == "SYSTEM_WITHHELD"
    assert held["actions"][0]["metadata"]["modsvc"]["labels"] == ["antisemitism"]


def test_signature_checked_when_a_secret_is_configured(sqlite_app):
    sqlite_app.config["CORAL_SIGNING_SECRETS"] = ["ems_old", "ems_new"]
    key = make_key(sqlite_app, "coral")
    client = sqlite_app.test_client()
    url = f"/api/v1/coral/moderate?key={key}"
    body = coral_body("Great reporting")
    unsigned = client.post(url, data=body, content_type="application/json")
    assert unsigned.status_code == 401 and "X-Coral-Signature" in unsigned.get_json()["error"]["message"]
    wrong = client.post(url, data=body, content_type="application/json",
                        headers={"X-Coral-Signature": coral_signature("ems_other", body)})
    assert wrong.status_code == 401
    tampered = client.post(url, data=coral_body("Great reporting!"), content_type="application/json",
                           headers={"X-Coral-Signature": coral_signature("ems_new", body)})
    assert tampered.status_code == 401
    # during a rotation Coral sends one signature per active secret
    both = f"{coral_signature('ems_unknown', body)},{coral_signature('ems_old', body)}"
    ok = client.post(url, data=body, content_type="application/json", headers={"X-Coral-Signature": both})
    assert ok.status_code == 204


def test_bad_requests_and_missing_key(sqlite_app):
    client = sqlite_app.test_client()
    assert client.post("/api/v1/coral/moderate", data=coral_body("x"),
                       content_type="application/json").status_code == 401
    key = make_key(sqlite_app, "coral")
    bad = client.post(f"/api/v1/coral/moderate?key={key}", json={"action": "NEW"})
    assert bad.status_code == 400 and "comment" in bad.get_json()["error"]["message"]
