"""Imports racing for the same new site, thread and comments: every one succeeds, nothing is written twice.

Real concurrency (threads started together by a barrier, each with its own connection) on a SQLite file and on
the local PostgreSQL; no mocks.
"""
from __future__ import annotations

import io
import json
import time

from sqlalchemy import func, select

from modsvc.db import get_sessionmaker
from modsvc.ingest.importers.records import CommentRecord, ThreadRecord
from modsvc.ingest.ingestor import Ingestor
from modsvc.models import Comment, ImportJob, Site, Thread
from races import race

RACERS = 6
ROUNDS = 8


def test_racing_ingests_share_one_new_site_thread_and_comments(db_url):
    sessions = get_sessionmaker(db_url)
    for rnd in range(ROUNDS):
        def ingest(i, rnd=rnd):
            shared = [CommentRecord("root", "shared first"),
                      CommentRecord("reply", "shared reply", parent_external_id="root")]
            own = [CommentRecord(f"own-{i}", f"racer {i}", parent_external_id="reply")]
            records = [ThreadRecord(external_id="shared-thread", site=f"race{rnd}", title="Shared",
                                    comments=shared + own),
                       ThreadRecord(external_id=f"thread-of-{i}", site=f"race{rnd}", title=f"Own {i}",
                                    comments=[CommentRecord("x", "own thread")])]
            return Ingestor(sessions).add_all(records)

        summaries = race(RACERS, ingest)
        assert sum(s.threads_new for s in summaries) == RACERS + 1
        assert sum(s.comments_new for s in summaries) == 2 + 2 * RACERS
        assert all(s.comments_rejected == 0 for s in summaries)

    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Site)) == ROUNDS
        assert session.scalar(select(func.count()).select_from(Thread)) == ROUNDS * (RACERS + 1)
        shared = session.scalars(select(Thread).where(Thread.external_id == "shared-thread")).all()
        for thread in shared:
            rows = {c.external_id: c for c in session.scalars(select(Comment).where(Comment.thread_id == thread.id))}
            assert set(rows) == {"root", "reply"} | {f"own-{i}" for i in range(RACERS)}
            assert rows["reply"].parent_id == rows["root"].id
            assert all(rows[f"own-{i}"].parent_id == rows["reply"].id for i in range(RACERS))


def _wait_done(client, urls, headers, timeout=120):
    deadline = time.time() + timeout
    pending = set(urls)
    bodies = {}
    while pending and time.time() < deadline:
        for url in list(pending):
            body = client.get(url, headers=headers).get_json()
            if body["status"] in ("done", "failed"):
                bodies[url] = body
                pending.discard(url)
        time.sleep(0.1)
    assert not pending, f"imports did not finish: {pending}"
    return list(bodies.values())


def test_simultaneous_uploads_to_one_new_site_all_finish(app, api_headers):
    for rnd in range(3):
        def upload(i, rnd=rnd):
            lines = [json.dumps({"external_id": "shared", "comments": [{"id": "s", "body": "shared"},
                                                                         {"id": f"o{i}", "body": f"own {i}"}]}),
                     json.dumps({"external_id": f"own-{i}", "comments": [{"id": "a", "body": "a"}]})]
            data = {"file": (io.BytesIO(("\n".join(lines) + "\n").encode()), f"up{i}.jsonl")}
            return app.test_client().post(f"/api/v1/imports?site=upload-race{rnd}", data=data,
                                          content_type="multipart/form-data", headers=api_headers)

        responses = race(4, upload)
        assert [r.status_code for r in responses] == [202] * 4
        jobs = _wait_done(app.test_client(), [r.headers["Location"] for r in responses], api_headers)
        assert [j["status"] for j in jobs] == ["done"] * 4, [j["error"] for j in jobs]
        assert sum(j["summary"]["comments_new"] for j in jobs) == 1 + 4 + 4
    with app.extensions["modsvc.sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(ImportJob).where(ImportJob.status != "done")) == 0


def test_simultaneous_posts_of_one_new_thread_never_fail(app, api_headers):
    for rnd in range(3):
        thread = {"external_id": f"hot-{rnd}", "title": "Breaking", "comments": [
            {"id": "1", "body": "first"}, {"id": "2", "body": "second", "parent_id": "1"}]}

        def post(_i, thread=thread):
            return app.test_client().post("/api/v1/threads?site=post-race", json=thread, headers=api_headers)

        responses = race(RACERS, post)
        assert sorted(r.status_code for r in responses) == [200] * (RACERS - 1) + [201], \
            [r.get_data(as_text=True)[:300] for r in responses]
        assert sum(r.get_json()["comments_new"] for r in responses) == 2
        assert len({r.get_json()["thread_id"] for r in responses if "thread_id" in r.get_json()}) <= 1
