"""Huge, malformed and out-of-range numbers in paths, query strings, forms and JSON bodies: 400 or 404, never 500.

The sweep walks every route of ``app.url_map`` (so routes added later are covered too) as a signed-in admin with
an unscoped API key, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from api_helpers import make_app, make_key
from web.seeding import add_comment, add_thread, add_user

HUGE = ("2147483648", "9223372036854775808", "99999999999999999999999", "9" * 5000)
QUERY_NUMBERS = ("page", "thread", "comment", "min_score", "max_score", "version", "id", "limit")
PASSWORD = "correct horse battery"


@pytest.fixture
def sweep_app(settings, keyword_analyzer):
    # PROPAGATE_EXCEPTIONS off: a crash answers 500, as it would in production, so the sweep sees every one.
    app = make_app(settings, keyword_analyzer, PROPAGATE_EXCEPTIONS=False, MODSVC_QUEUE_COUNT_BUDGET_MS=10_000)
    with app.extensions["modsvc.sessions"]() as session:
        add_user(session, "alice", "admin", PASSWORD)
        thread = add_thread(session, "news")
        add_comment(session, thread, "you idiot", scores={"insult": 0.9})
        session.commit()
    return app


def _admin_client(app):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}).status_code \
        == 302
    page = client.get("/audit").get_data(as_text=True)
    return client, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _json_bodies(n: str) -> dict[str, str]:
    """Per endpoint, a JSON body with the number ``n`` wherever the API takes a number (or an id)."""
    big = "__N__"
    bodies = {
        "api_score.score": {"text": "x", "id": big, "store": True, "thread": big, "parent": big},
        "api_threads.create_thread": {"external_id": big, "comments": [{"id": big, "body": "x", "parent_id": big}]},
        "perspective.analyze": {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": big}}},
        "perspective.suggest_score": {"comment": {"text": "x"}, "attributeScores": {"TOXICITY": {
            "summaryScore": {"value": big}, "spanScores": [{"begin": big, "end": big, "score": {"value": 0.5}}]}}},
        "coral.moderate": {"action": "NEW", "comment": {"body": "x", "parentID": big}},
    }
    return {endpoint: json.dumps(body).replace('"__N__"', n) for endpoint, body in bodies.items()}


def _form(n: str) -> dict[str, str]:
    return {"version": n, "items": f"{n}:{n}", "action": "approve", "daily_quota": n, "name": "k", "page": n,
            "comment": n, "thread": n, "what": "role", "role": "admin", "key": "k"}


def test_every_route_answers_huge_numbers_without_a_server_error(sweep_app):
    client, csrf = _admin_client(sweep_app)
    api_key = make_key(sweep_app, "sweep", rate_limit="100000/second")
    headers = {"X-API-Key": api_key, "X-CSRFToken": csrf}
    crashes = []
    rules = [r for r in sweep_app.url_map.iter_rules() if r.endpoint not in ("auth.logout", "static")]
    assert len(rules) > 30
    for rule in rules:
        for n in HUGE:
            # the path's numbers huge, and also a real id (1) so that huge query and form values reach the view
            for path_number in (n, "1"):
                values = {arg: (path_number if rule._converters[arg].regex == r"\d+" else "x")
                          for arg in rule.arguments}
                path = rule.rule
                for arg, value in values.items():
                    path = re.sub(rf"<[^>]*:?{arg}>", value, path)
                url = path + "?" + urlencode({name: n for name in QUERY_NUMBERS})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    body = _json_bodies(n).get(rule.endpoint)
                    kwargs = ({"data": body, "content_type": "application/json"} if body is not None
                              else {"data": _form(n)} if method != "GET" else {})
                    try:  # a streamed body (audit.csv) fails while it is read, after its 200
                        response = client.open(url, method=method, headers=headers, **kwargs)
                        status = response.status_code
                    except Exception as exc:  # noqa: BLE001
                        status = type(exc).__name__
                    if status == 500 or not isinstance(status, int):
                        crashes.append((method, url[:100], status))
    assert crashes == []


@pytest.mark.parametrize("path, status", [
    ("/queue?thread=99999999999999999999999", 400),
    ("/queue?page=99999999999999999999999", 400),
    ("/queue?thread=abc", 400),
    ("/queue?page=0", 400),
    ("/queue/counts?thread=9223372036854775808", 400),
    ("/audit?comment=99999999999999999999999", 400),
    ("/audit?page=-3", 400),
    ("/queue/9223372036854775808/context", 404),
    ("/api/v1/threads/9223372036854775808", 404),
    ("/api/v1/imports/99999999999999999999999", 404),
    ("/api/v1/comments/2147483648", 404),
])
def test_bad_numbers_name_the_parameter(sweep_app, path, status):
    client, _csrf = _admin_client(sweep_app)
    response = client.get(path, headers={"X-API-Key": make_key(sweep_app, "k")})
    assert response.status_code == status
    if status == 400:
        name = re.search(r"\?(\w+)=", path).group(1)
        assert name in response.get_data(as_text=True)


def test_huge_form_numbers_are_refused_with_a_message(sweep_app):
    client, csrf = _admin_client(sweep_app)
    decided = client.post("/queue/1/decide", json={"action": "approve", "version": "9" * 30},
                          headers={"X-CSRFToken": csrf, "Accept": "application/json"})
    assert decided.status_code == 400 and "version" in decided.get_json()["error"]
    quota = client.post("/admin/api-keys", data={"name": "k", "daily_quota": "9" * 30}, headers={"X-CSRFToken": csrf},
                        follow_redirects=True)
    assert quota.status_code == 200 and "daily quota" in quota.get_data(as_text=True).lower()
