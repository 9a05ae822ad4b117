"""A site-scoped API key reads and writes its own site only; a re-import never silently undoes a human decision.

SQLite and PostgreSQL. "paper" holds data written by an unscoped key; "news" is the scoped key's site.
"""
from __future__ import annotations

import io
import json
import time

from api_helpers import make_key
from sqlalchemy import select

from modsvc.models import AuditLog, Comment, ImportJob, Site, Thread, User

PAPER_THREAD = {"site": "paper", "external_id": "story-1", "title": "Paper's own title",
                "comments": [{"id": "c1", "author": "ann", "body": "Paper's comment"}]}


def _wait_for_import(client, url, headers, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = client.get(url, headers=headers).get_json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"import did not finish: {body}")


def _paper_data(app, client, admin_headers):
    """A thread and an import job of site 'paper', written with an unscoped key."""
    created = client.post("/api/v1/threads", json=PAPER_THREAD, headers=admin_headers)
    assert created.status_code == 201, created.get_json()
    upload = client.post("/api/v1/imports?site=paper", headers=admin_headers, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(json.dumps({**PAPER_THREAD, "external_id": "story-2"}).encode()),
                                        "paper.json")})
    assert upload.status_code == 202
    job = _wait_for_import(client, upload.headers["Location"], admin_headers)
    assert job["status"] == "done", job
    return created.get_json()["thread_id"], job["id"]


def test_scoped_key_cannot_read_other_sites_threads_imports_or_comments(api_app):
    client = api_app.test_client()
    admin = {"X-API-Key": make_key(api_app, "unscoped")}
    news = {"X-API-Key": make_key(api_app, "news only", site="news")}
    thread_id, job_id = _paper_data(api_app, client, admin)

    for path in (f"/api/v1/threads/{thread_id}", f"/api/v1/imports/{job_id}"):
        assert client.get(path, headers=admin).status_code == 200, path  # an unscoped key keeps its reach
        refused = client.get(path, headers=news)
        assert refused.status_code == 404, (path, refused.get_json())
        assert "Paper" not in refused.get_data(as_text=True)

    # naming another site in the query is refused outright, not answered "not found"
    lookup = client.get("/api/v1/comments?site=paper&thread=story-1&id=c1", headers=news)
    assert lookup.status_code == 403 and "news" in lookup.get_json()["error"]["message"]
    assert client.get("/api/v1/comments?site=paper&thread=story-1&id=c1", headers=admin).status_code == 200


def test_scoped_key_cannot_write_into_other_sites(api_app):
    client = api_app.test_client()
    admin = {"X-API-Key": make_key(api_app, "unscoped")}
    news = {"X-API-Key": make_key(api_app, "news only", site="news")}
    _paper_data(api_app, client, admin)
    hostile = {**PAPER_THREAD, "title": "Overwritten", "comments": [{"id": "c1", "body": "Overwritten body"}]}

    post = client.post("/api/v1/threads?site=paper", json={**hostile, "site": None}, headers=news)
    assert post.status_code == 403 and "news" in post.get_json()["error"]["message"]
    upload = client.post("/api/v1/imports?site=paper", headers=news, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(json.dumps(hostile).encode()), "x.json")})
    assert upload.status_code == 403

    # a body that names the other site itself: the thread is refused, the rest of the request is not
    body_site = client.post("/api/v1/threads", json=hostile, headers=news)
    assert body_site.status_code == 400, body_site.get_json()
    assert "paper" in json.dumps(body_site.get_json())
    upload = client.post("/api/v1/imports", headers=news, content_type="multipart/form-data",
                         data={"file": (io.BytesIO((json.dumps(hostile) + "\n" + json.dumps(
                             {**hostile, "site": "news", "external_id": "own"}) + "\n").encode()), "x.jsonl")})
    assert upload.status_code == 202
    job = _wait_for_import(client, upload.headers["Location"], news)
    assert job["site"] == "news" and job["summary"]["threads_new"] == 1 and job["summary"]["rejected"] == 1, job
    assert "paper" in job["rejections"][0]["reason"]

    # without ?site= a scoped key stores into its own site
    own = client.post("/api/v1/threads", json={**hostile, "site": None, "external_id": "mine"}, headers=news)
    assert own.status_code == 201 and client.get(own.get_json()["url"], headers=news).get_json()["site"] == "news"

    with api_app.extensions["modsvc.sessions"]() as session:
        paper = session.scalars(select(Thread).join(Site).where(Site.key == "paper")).all()
        assert {t.title for t in paper} == {"Paper's own title"}
        bodies = session.scalars(select(Comment.body).where(Comment.thread_id.in_([t.id for t in paper]))).all()
        assert set(bodies) == {"Paper's comment"}
        assert session.scalars(select(ImportJob.site_key).where(ImportJob.filename == "x.json")).all() == []


def test_status_counts_only_the_keys_own_site(api_app):
    client = api_app.test_client()
    admin = {"X-API-Key": make_key(api_app, "unscoped")}
    news = {"X-API-Key": make_key(api_app, "news only", site="news")}
    _paper_data(api_app, client, admin)
    client.post("/api/v1/threads", headers=news, json={"external_id": "n1", "comments": [
        {"id": "a", "body": "one"}, {"id": "b", "body": "two"}, {"id": "c", "body": "three"}]})

    everything = client.get("/api/v1/status", headers=admin).get_json()
    assert everything["comments"]["total"] == 5 and sum(everything["imports"].values()) == 1
    own = client.get("/api/v1/status", headers=news).get_json()
    assert own["comments"]["total"] == 3 and own["comments"]["score_state"]["pending"] == 3
    assert own["imports"] == {}


def _decide(app, comment_id: int, action: str) -> None:
    from modsvc.access.accounts import create_user
    from modsvc.moderation.actions import Actor, decide

    with app.extensions["modsvc.sessions"]() as session:
        user = session.scalar(select(User).where(User.username == "rita"))
        if user is None:
            user = create_user(session, "rita", "correct horse battery", "moderator")
            session.commit()
        version = session.get(Comment, comment_id).version
        decide(session, comment_id, version, action, Actor(user.id, user.username),
               reason="threat" if action == "reject" else None)


def test_reimport_of_an_edited_comment_returns_it_to_a_human_and_says_so(api_app, keyword_analyzer):
    from modsvc.moderation.queue import QueueFilters, load_page
    from modsvc.scoring.scorer import score_comments

    client = api_app.test_client()
    news = {"X-API-Key": make_key(api_app, "news only", site="news")}
    sessions = api_app.extensions["modsvc.sessions"]
    thread = {"external_id": "t1", "title": "T", "comments": [{"id": "c1", "body": "I will kill you"}]}
    created = client.post("/api/v1/threads", json=thread, headers=news).get_json()
    with sessions() as session:
        comment_id = session.scalar(select(Comment.id).where(Comment.external_id == "c1"))
    score_comments(sessions, [comment_id], keyword_analyzer)
    _decide(api_app, comment_id, "approve")  # a human overrides the machine's "held"

    unchanged = client.post("/api/v1/threads", json=thread, headers=news)
    assert unchanged.get_json()["comments_unchanged"] == 1
    edited = client.post("/api/v1/threads", headers=news,
                         json={**thread, "comments": [{"id": "c1", "body": "lovely weather"}]})
    assert edited.status_code == 200 and edited.get_json()["comments_updated"] == 1
    score_comments(sessions, [comment_id], keyword_analyzer)  # the machine would "allow" the new text

    with sessions() as session:
        comment = session.get(Comment, comment_id)
        assert comment.body == "lovely weather" and comment.score_state == "scored"
        assert comment.status == "review"  # back with the humans, not decided by the machine
        history = session.scalars(select(AuditLog).where(AuditLog.comment_id == comment_id)
                                  .order_by(AuditLog.id)).all()
        assert [h.action for h in history][-2:] == ["approve", "reimport"]
        reimport = history[-1]
        assert (reimport.old_status, reimport.new_status) == ("approved", "review")
        assert reimport.actor == "api:news only" and "edit" in reimport.note and "approved" in reimport.note
        page = load_page(session, "review", QueueFilters(site="news"))
        assert [item.comment.id for item in page.items] == [comment_id]
    assert client.get(created["url"], headers=news).get_json()["comments"][0]["status"] == "review"

    # the scoring API's store=true is a re-import too: a rejected comment sent again with new text
    _decide(api_app, comment_id, "reject")
    stored = client.post("/api/v1/score", headers=news,
                         json={"store": True, "thread": "t1", "id": "c1", "text": "I will kill you all"}).get_json()
    assert stored["decision"]["action"] == "hold" and stored["stored"]["status"] == "review"
    with sessions() as session:
        last = session.scalars(select(AuditLog).where(AuditLog.comment_id == comment_id)
                               .order_by(AuditLog.id.desc())).first()
        assert (last.action, last.old_status, last.new_status) == ("reimport", "rejected", "review")
