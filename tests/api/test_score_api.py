"""POST /api/v1/score (single, batch, store into the queue), GET /api/v1/comments, OpenAPI + schemathesis."""
from __future__ import annotations

from api_helpers import make_key
from sqlalchemy import select

from modsvc.models import Comment, Site, Thread


def test_single_and_batch(sqlite_app):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    one = client.post("/api/v1/score", json={"text": "you idiot", "id": 7}, headers={"X-API-Key": key})
    assert one.status_code == 200
    body = one.get_json()
    assert body["id"] == 7 and body["scores"]["insult"] == 0.9
    assert body["decision"]["action"] == "review" and body["spans"][0]["label"] == "insult"
    assert body["model"]["model_version"] == "keyword-test-1" and "stored" not in body

    batch = client.post("/api/v1/score", headers={"X-API-Key": key}, json={"comments": [
        {"text": "lovely", "id": "a"}, {"text": "I will kill you", "id": "b"}]})
    assert batch.status_code == 200
    results = batch.get_json()["results"]
    assert [r["id"] for r in results] == ["a", "b"]
    assert [r["decision"]["action"] for r in results] == ["allow", "hold"]


def test_batch_limit_and_validation_messages(sqlite_app):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    too_many = client.post("/api/v1/score", headers={"X-API-Key": key},
                           json={"comments": [{"text": "x"}] * 101})
    assert too_many.status_code == 400
    assert "101 in one request, the limit is 100" in too_many.get_json()["error"]["message"]
    for bad, needle in [({"text": ""}, "text"), ({"txt": "x"}, "text"), ([1, 2], "JSON object"),
                        ({"comments": [{"text": 5}]}, "comments.0.text")]:
        response = client.post("/api/v1/score", json=bad, headers={"X-API-Key": key})
        assert response.status_code == 400 and needle in response.get_json()["error"]["message"], bad


def test_store_puts_comments_in_the_queue_and_status_is_readable(api_app):
    key = make_key(api_app, "paper", site="paper")
    client = api_app.test_client()
    headers = {"X-API-Key": key}
    response = client.post("/api/v1/score", headers=headers, json={
        "store": True, "thread": "story-1", "thread_title": "Budget", "thread_url": "https://paper.example/1",
        "comments": [{"text": "Great piece", "id": "c1"},
                     {"text": "The jews control the banks", "id": "c2", "parent": "c1", "author": "x"}]})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert results[1]["decision"]["action"] == "hold"
    stored = results[1]["stored"]
    assert stored["status"] == "held"

    with api_app.extensions["modsvc.sessions"]() as session:
        thread = session.scalar(select(Thread).join(Site).where(Site.key == "paper"))
        assert thread.external_id == "story-1" and thread.title == "Budget"
        comments = {c.external_id: c for c in session.scalars(select(Comment).where(Comment.thread_id == thread.id))}
        assert set(comments) == {"c1", "c2"}
        assert comments["c2"].parent_id == comments["c1"].id
        assert comments["c2"].score_state == "scored" and comments["c1"].status == "allowed"

    status = client.get(stored["url"], headers=headers).get_json()
    assert status["status"] == "held" and status["id"] == "c2" and status["thread"] == "story-1"
    assert status["decision"]["action"] == "hold" and status["scores"]["antisemitism"] == 0.9
    by_ext = client.get("/api/v1/comments?thread=story-1&id=c2", headers=headers)
    assert by_ext.status_code == 200 and by_ext.get_json()["comment_id"] == stored["comment_id"]

    # a second request adds a comment without wiping what we know about the thread
    again = client.post("/api/v1/score", headers=headers,
                        json={"store": True, "thread": "story-1", "text": "me too", "id": "c3"})
    assert again.status_code == 200 and again.get_json()["stored"]["status"] == "allowed"
    with api_app.extensions["modsvc.sessions"]() as session:
        assert session.scalar(select(Thread.title).where(Thread.external_id == "story-1")) == "Budget"

    # keys tied to another site see nothing of this one, and cannot store into it
    other = {"X-API-Key": make_key(api_app, "other", site="elsewhere")}
    assert client.get(stored["url"], headers=other).status_code == 404
    refused = client.post("/api/v1/score", headers=other,
                          json={"store": True, "site": "paper", "thread": "t", "text": "x", "id": "1"})
    assert refused.status_code == 403


def test_store_needs_ids(sqlite_app):
    key = make_key(sqlite_app)
    response = sqlite_app.test_client().post("/api/v1/score", headers={"X-API-Key": key},
                                             json={"store": True, "text": "x"})
    assert response.status_code == 400 and "needs each comment's 'id' and a 'thread'" in \
        response.get_json()["error"]["message"]


def test_overload_answers_503_with_retry_after(sqlite_app, keyword_analyzer):
    import threading

    from modsvc.scoring.batcher import MicroBatcher

    release = threading.Event()

    def slow(texts, policy=None):
        release.wait(5)
        return keyword_analyzer.analyze(texts, policy)

    sqlite_app.extensions["modsvc.batcher"] = MicroBatcher(slow, max_pending=2, timeout=5)
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    first = threading.Thread(target=lambda: client.post("/api/v1/score", headers={"X-API-Key": key},
                                                        json={"comments": [{"text": "a"}, {"text": "b"}]}))
    first.start()
    try:
        import time

        time.sleep(0.3)
        response = client.post("/api/v1/score", headers={"X-API-Key": key}, json={"text": "c"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1" and "queue is full" in response.get_json()["error"]["message"]
    finally:
        release.set()
        first.join()


def test_openapi_document_and_docs_page(sqlite_app):
    client = sqlite_app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/score", "/api/v1/comments/{comment_id}", "/api/v1/coral/moderate"} <= set(spec["paths"])
    assert "ScoreOne" in spec["components"]["schemas"] and "ScoreBatch" in spec["components"]["schemas"]
    batch = spec["components"]["schemas"]["ScoreBatch"]["properties"]["comments"]
    assert batch["maxItems"] == 100
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/api/v1/score" in page.data
    assert b"<script" not in page.data and b"http://" not in page.data.replace(b"http://localhost", b"")


def test_schemathesis_against_the_wsgi_app(sqlite_app):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                     status_code_conformance)

    key = make_key(sqlite_app, "fuzz", rate_limit="100000/second")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sqlite_app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures = []
    calls: dict[str, set[int]] = {}
    for operation in schema.get_all_operations():
        op = operation.ok()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def run(case):
            try:
                response = case.call_and_validate(headers={"X-API-Key": key}, checks=checks)
                calls.setdefault(f"{op.method.upper()} {op.path}", set()).add(response.status_code)
            except AssertionError as exc:
                failures.append(f"{op.method.upper()} {op.path}: {exc}")
                raise

        run()
    assert not failures
    # every operation was exercised, and with valid requests too (not only 400s)
    assert set(calls) == {"POST /api/v1/score", "GET /api/v1/comments/{comment_id}", "GET /api/v1/comments",
                          "POST /api/v1/coral/moderate"}, calls
    assert 200 in calls["POST /api/v1/score"] and 404 in calls["GET /api/v1/comments/{comment_id}"], calls


def test_unknown_and_absurd_comment_ids_are_404(sqlite_app):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    for comment_id in (1, 2**31, 10**30):
        response = client.get(f"/api/v1/comments/{comment_id}", headers={"X-API-Key": key})
        assert response.status_code == 404, comment_id


def test_same_objects_as_modsvc_score_with_the_real_model(real_app, tmp_path):
    """The API answers exactly what `modsvc score` prints for the same comments (same model, default policy)."""
    import json

    from click.testing import CliRunner

    from modsvc.cli import cli

    comments = [{"id": 1, "text": "Thank you, this was a careful and fair article."},
                {"id": "b", "text": "You are a pathetic idiot, shut up."},
                {"id": 3, "text": "The Jews control the banks and the media."}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in comments))
    printed = CliRunner().invoke(cli, ["score", str(source)])
    assert printed.exit_code == 0, printed.output
    expected = [json.loads(line) for line in printed.output.splitlines() if line.strip()]

    key = make_key(real_app)
    response = real_app.test_client().post("/api/v1/score", json={"comments": comments},
                                           headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.get_json()["results"] == expected
    actions = [r["decision"]["action"] for r in expected]
    assert actions[0] == "allow" and actions[1] != "allow" and actions[2] != "allow"


def test_concurrent_requests_share_model_calls(sqlite_app, keyword_analyzer, live_server_factory):
    """The micro-batcher: 24 simultaneous single-comment requests need far fewer than 24 model calls."""
    import json
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    original = keyword_analyzer.analyze

    def slow(texts, policy=None):
        time.sleep(0.05)  # a model call costs time whatever the batch size: the reason to batch
        return original(texts, policy)

    keyword_analyzer.analyze = slow
    server = live_server_factory(sqlite_app)
    key = make_key(sqlite_app)

    def call(i):
        request = urllib.request.Request(f"{server.url}/api/v1/score", data=json.dumps(
            {"text": f"comment {i} idiot" if i % 2 else f"comment {i}", "id": i}).encode(),
            headers={"Content-Type": "application/json", "X-API-Key": key})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(call, range(24)))
    assert [r["id"] for r in results] == list(range(24))
    assert all((r["decision"]["action"] == "review") == bool(r["id"] % 2) for r in results)  # no mix-ups
    calls = keyword_analyzer.calls
    assert sum(calls) == 24 and len(calls) < 12 and max(calls) > 1, calls


def test_json_without_a_content_type_is_accepted(sqlite_app):
    key = make_key(sqlite_app)
    response = sqlite_app.test_client().post("/api/v1/score", data='{"text": "hello", "id": 1}',
                                             content_type="application/x-www-form-urlencoded",
                                             headers={"X-API-Key": key})
    assert response.status_code == 200 and response.get_json()["id"] == 1
