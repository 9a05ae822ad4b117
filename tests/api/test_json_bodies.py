"""Over-deep or broken JSON bodies get a 400 with a clear message on every endpoint that reads JSON, never a 500
(a RecursionError from the decoder), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import time

import pytest
from api_helpers import make_key

from modsvc.access.accounts import create_user

UNCLOSED = b"[" * 200_000  # the attack from the review: 200,000 nested '['
DEEP_ARRAY = b"[" * 5_000 + b"]" * 5_000  # valid JSON, but nested far deeper than any request needs
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000
DEEP_INSIDE = b'{"text": "hi", "id": "c1", "author": ' + b"[" * 3_000 + b"]" * 3_000 + b"}"
BROKEN = b'{"text": "hi",'
PASSWORD = "correct horse battery"


def _message(response) -> str:
    return response.get_json()["error"]["message"]


def _api_client(app):
    key = make_key(app)
    return app.test_client(), {"X-API-Key": key, "Content-Type": "application/json"}


@pytest.mark.parametrize("body", [UNCLOSED, DEEP_ARRAY, DEEP_OBJECT, DEEP_INSIDE], ids=["unclosed", "array",
                                                                                          "object", "inside"])
@pytest.mark.parametrize("path", ["/api/v1/score", "/v1alpha1/comments:analyze", "/v1alpha1/comments:suggestscore",
                                  "/api/v1/coral/moderate"])
def test_scoring_endpoints_refuse_deep_json_with_a_400(api_app, path, body):
    client, headers = _api_client(api_app)
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "nested too deeply" in _message(response)
    assert "100 levels" in _message(response)


@pytest.mark.parametrize("path", ["/api/v1/score", "/v1alpha1/comments:analyze", "/api/v1/coral/moderate",
                                  "/api/v1/threads"])
def test_broken_json_is_a_400_that_says_so(api_app, path):
    client, headers = _api_client(api_app)
    response = client.post(path, data=BROKEN, headers=headers)
    assert response.status_code == 400
    assert "JSON" in _message(response)


def test_perspective_keeps_googles_error_shape_for_deep_json(api_app):
    client, headers = _api_client(api_app)
    error = client.post("/v1alpha1/comments:analyze", data=UNCLOSED, headers=headers).get_json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and error["message"].startswith("Invalid JSON payload received.")


def test_thread_import_refuses_unclosed_nesting_and_still_takes_deep_reply_chains(api_app):
    """The thread schema legitimately nests replies (the importer takes 10,000 levels); 200,000 unclosed '['
    is not JSON at all."""
    client, headers = _api_client(api_app)
    response = client.post("/api/v1/threads", data=UNCLOSED, headers=headers)
    assert response.status_code == 400
    assert "not valid JSON" in _message(response)
    not_a_thread = client.post("/api/v1/threads", data=DEEP_ARRAY, headers=headers)
    assert not_a_thread.status_code == 400

    depth = 600  # 1,200 JSON levels: deeper than Python's decoder recursion allows
    head = "".join(f'{{"id": "n{i}", "body": "level {i}", "replies": [' for i in range(depth))
    chain = '{"external_id": "deep-chain", "comments": [' + head + "]}" * depth + "]}"
    created = client.post("/api/v1/threads", data=chain.encode(), headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["comments_new"] == depth


def test_an_uploaded_deep_json_file_is_reported_not_crashed(api_app):
    """Uploads are parsed by the import job (a file up to MODSVC_MAX_UPLOAD_MB, any format): the upload is
    accepted and the job reports the record it could not read, with its place in the file."""
    client, headers = _api_client(api_app)
    response = client.post("/api/v1/imports?format=json&filename=deep.json", data=UNCLOSED, headers=headers)
    assert response.status_code == 202
    deadline = time.time() + 60
    while time.time() < deadline:
        job = client.get(response.headers["Location"], headers=headers).get_json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] in ("done", "failed"), job
    problems = job["rejections"] + job["warnings"] + ([{"reason": job["error"]}] if job["error"] else [])
    assert problems, job


def _reviewer(app):
    with app.extensions["modsvc.sessions"]() as session:
        create_user(session, "rev1", PASSWORD, "moderator")
        session.commit()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    signed_in = client.post("/login", data={"username": "rev1", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    html = client.get("/audit").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client, {"X-CSRFToken": token, "Accept": "application/json", "Content-Type": "application/json"}


@pytest.mark.parametrize("body", [UNCLOSED, DEEP_OBJECT, BROKEN], ids=["unclosed", "object", "broken"])
@pytest.mark.parametrize("path", ["/queue/1/decide", "/queue/1/undo", "/queue/bulk"])
def test_moderation_json_actions_refuse_bad_json_with_a_400(api_app, path, body):
    client, headers = _reviewer(api_app)
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "JSON" in response.get_json()["error"]
