"""Import jobs through POST /api/v1/imports: transient errors retried, uploads deleted when their job ends,
a bound on what one key may have waiting, client file names never used on disk, leases. SQLite and PostgreSQL.

The database faults are real: a trigger on ``comments`` raises while a row sits in ``test_fault``, so the
import meets the same exception a lost race or a dropped connection would raise."""
from __future__ import annotations

import io
import json
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from modsvc.ingest import jobs
from modsvc.models import Comment, ImportJob, utcnow
from races import race


def _jsonl(threads: int = 3, comments: int = 4) -> bytes:
    return "".join(json.dumps({"external_id": f"t{t}", "site": "news", "comments": [
        {"id": f"c{i}", "body": f"comment {i} on thread {t}"} for i in range(comments)]}) + "\n"
        for t in range(threads)).encode()


def _upload(client, headers, data: bytes, name: str = "comments.jsonl"):
    return client.post("/api/v1/imports", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers)


def _job(client, headers, url):
    return client.get(url, headers=headers).get_json()


def _wait(client, headers, url, done, timeout=30.0, what="the import"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(client, headers, url)
        if done(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {job}")


def _ended(job):
    return job["status"] in ("done", "failed")


def _uploads(settings) -> list[str]:
    return sorted(os.listdir(settings.upload_dir)) if os.path.isdir(settings.upload_dir) else []


def _uploads_once_deleted(settings, timeout: float = 10.0) -> list[str]:
    """The uploads left after a job ended. The job records its end first and deletes its file right after (a crash
    in between leaves a file the start-up sweep removes, never a job without its file), so a client that saw the
    end may look a moment before the file is gone."""
    deadline = time.monotonic() + timeout
    while _uploads(settings) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _uploads(settings)


def _comment_count(app) -> int:
    with app.extensions["modsvc.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Comment))


# -- faults --------------------------------------------------------------------------------------------------
def _install_fault(app) -> None:
    """A trigger that makes inserting a comment fail while ``test_fault`` holds a row (its SQLSTATE on PostgreSQL)."""
    engine = app.extensions["modsvc.sessions"].kw["bind"]
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TABLE test_fault (code TEXT)"))
            conn.execute(text("CREATE TRIGGER test_fault_comments BEFORE INSERT ON comments "
                              "WHEN EXISTS (SELECT 1 FROM test_fault) "
                              "BEGIN SELECT RAISE(ABORT, 'injected: another insert won the race'); END"))
        else:
            conn.execute(text("CREATE TABLE test_fault (code TEXT)"))
            conn.execute(text("""CREATE FUNCTION test_fault() RETURNS trigger AS $$
                DECLARE c text;
                BEGIN
                    SELECT code INTO c FROM test_fault LIMIT 1;
                    IF c IS NOT NULL THEN
                        RAISE EXCEPTION 'injected fault %', c USING ERRCODE = c;
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql"""))
            conn.execute(text("CREATE TRIGGER test_fault_comments BEFORE INSERT ON comments "
                              "FOR EACH ROW EXECUTE FUNCTION test_fault()"))


def _set_fault(app, code: str | None) -> None:
    engine = app.extensions["modsvc.sessions"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM test_fault"))
        if code:
            conn.execute(text("INSERT INTO test_fault (code) VALUES (:code)"), {"code": code})


@pytest.mark.parametrize("sqlstate", ["23505", "40001"], ids=["integrity-race", "operational"])
def test_a_job_failed_by_a_transient_database_error_is_retried(app, client, api_headers, settings, monkeypatch,
                                                               sqlstate):
    if sqlstate != "23505" and app.extensions["modsvc.sessions"].kw["bind"].dialect.name == "sqlite":
        pytest.skip("SQLite triggers can only raise constraint (IntegrityError) errors")
    monkeypatch.setattr(jobs, "RETRY_SECONDS", 1.0)
    _install_fault(app)
    _set_fault(app, sqlstate)
    response = _upload(client, api_headers, _jsonl())
    assert response.status_code == 202, response.get_json()
    url = response.headers["Location"]

    first = _wait(client, api_headers, url, lambda j: j["status"] != "running" and j["error"], what="the first attempt")
    assert first["status"] == "queued", first  # not failed: waiting for its retry
    assert first["attempts"] == 1 and "retrying" in first["error"]
    assert "injected" in first["error"]  # names the error it met
    assert first["next_attempt_at"] is not None
    _set_fault(app, None)  # the race is over / the database is back

    job = _wait(client, api_headers, url, _ended)
    assert job["status"] == "done", job
    assert job["attempts"] == 2 and job["error"] is None
    assert _comment_count(app) == 12
    assert _uploads_once_deleted(settings) == []  # deleted once done


def test_transient_errors_are_retried_a_bounded_number_of_times(app, client, api_headers, settings, monkeypatch):
    monkeypatch.setattr(jobs, "RETRY_SECONDS", 0.1)
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 3)
    _install_fault(app)
    _set_fault(app, "23505")
    response = _upload(client, api_headers, _jsonl())
    job = _wait(client, api_headers, response.headers["Location"], _ended)
    assert job["status"] == "failed" and job["attempts"] == 3
    assert job["error"].startswith("gave up after 3 attempts: ") and "injected" in job["error"]
    assert _uploads_once_deleted(settings) == []  # kept for the retries, deleted once they were used up


def test_a_permanent_database_error_fails_the_job_at_once(pg_url, tmp_path, monkeypatch):
    from modsvc.app import create_app
    from modsvc.access.apikeys import create_api_key
    from modsvc.config import Settings

    settings = Settings(database_url=pg_url, broker_url="", secret_key="k", upload_dir=str(tmp_path / "up"))
    app = create_app(settings, TESTING=True)
    with app.extensions["modsvc.sessions"]() as session:
        headers = {"X-API-Key": create_api_key(session, name="t")[1]}
        session.commit()
    _install_fault(app)
    _set_fault(app, "22023")  # invalid_parameter_value: retrying cannot help
    client = app.test_client()
    job = _wait(client, headers, _upload(client, headers, _jsonl()).headers["Location"], _ended)
    assert job["status"] == "failed" and job["attempts"] == 1
    assert "injected fault 22023" in job["error"] and "retrying" not in job["error"]
    assert _uploads_once_deleted(settings) == []


def test_a_job_whose_upload_is_gone_fails_at_once_with_a_clear_message(app, settings):
    sessions = app.extensions["modsvc.sessions"]
    with sessions() as session:
        job = jobs.create_import_job(session, filename="x.jsonl", original_filename="my comments.jsonl",
                                     stored_path=str(settings.upload_dir) + "/missing.jsonl", fmt=None,
                                     site_key="default")
    outcome = jobs.run_import_job(sessions, job.id)
    assert outcome.status == "failed"
    with sessions() as session:
        job = session.get(ImportJob, job.id)
    assert job.status == "failed" and job.attempts == 1
    assert "the uploaded file of my comments.jsonl is gone" in job.error


# -- uploads ---------------------------------------------------------------------------------------------------
def test_the_uploaded_file_is_deleted_when_its_job_ends(client, api_headers, settings):
    done = _wait(client, api_headers, _upload(client, api_headers, _jsonl()).headers["Location"], _ended)
    assert done["status"] == "done"
    failed = _wait(client, api_headers, _upload(client, api_headers, b"\x00\x01 no known format",
                                                 "x.bin").headers["Location"], _ended)
    assert failed["status"] == "failed"
    assert _uploads_once_deleted(settings) == []


def _write_aged(path, seconds_ago: float):
    path.write_bytes(_jsonl())
    then = time.time() - seconds_ago
    os.utime(path, (then, then))
    return path


def test_an_upload_no_job_owns_is_deleted_once_old_and_nothing_else_is(app, settings):
    """A process killed after saving an upload but before committing its job leaves a file nobody owns: the serve
    loop deletes it once older than the grace period; never a job's file (however long it waits), a recent upload
    (maybe still being committed) or a file the service did not make."""
    from types import SimpleNamespace

    from modsvc.ingest.uploads import new_upload_path
    from modsvc.scoring.embedded_worker import EmbeddedWorker

    sessions, folder, day = app.extensions["modsvc.sessions"], settings.upload_dir, 24 * 3600
    orphan = _write_aged(new_upload_path(folder, "lost.jsonl"), day)
    recent = _write_aged(new_upload_path(folder, "arriving.jsonl"), 60)
    queued = _write_aged(new_upload_path(folder, "queued.jsonl"), day)
    with sessions() as session:
        jobs.create_import_job(session, filename="q.jsonl", stored_path=str(queued), fmt=None, site_key="default")
    foreign = _write_aged(Path(folder) / "notes.txt", day)

    worker = EmbeddedWorker(sessions, analyzer_factory=lambda: SimpleNamespace(model_version="none"),
                            poll_seconds=0.1, upload_dir=folder).start()  # what `modsvc serve` starts
    try:
        deadline = time.monotonic() + 10
        while orphan.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert _uploads(settings) == sorted([recent.name, queued.name, foreign.name])


def test_a_5000_character_file_name_is_accepted_and_kept_for_display_only(client, api_headers, settings):
    long_name = "comments-" + "x" * 5000 + ".jsonl"
    response = _upload(client, api_headers, _jsonl(), long_name)
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    job = _wait(client, api_headers, response.headers["Location"], _ended)
    assert job["status"] == "done", job
    shown = job["original_filename"]
    assert shown.startswith("comments-xxx") and shown.endswith(".jsonl") and len(shown) <= 200

    raw = client.post("/api/v1/imports?filename=" + "y" * 5000, data=_jsonl(), headers=api_headers,
                      content_type="application/x-ndjson")
    assert raw.status_code == 202, raw.get_data(as_text=True)[:300]
    assert _wait(client, api_headers, raw.headers["Location"], _ended)["status"] == "done"

    odd = _upload(client, api_headers, _jsonl(), "../../etc/\u202etxt.lmth\x07comments\t.jsonl")
    job = _wait(client, api_headers, odd.headers["Location"], _ended)
    assert job["status"] == "done" and job["original_filename"] == "txt.lmthcomments .jsonl"


# -- limits per key ---------------------------------------------------------------------------------------------
@pytest.fixture
def queued_app(db_url, tmp_path, monkeypatch):
    """A web app in scaled mode whose broker (the local Redis) has no worker: uploads stay queued."""
    import redis

    from pg_databases import REDIS_URL
    from modsvc.app import create_app
    from modsvc.config import Settings

    broker = REDIS_URL.rsplit("/", 1)[0] + "/11"
    try:
        redis.Redis.from_url(broker).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not reachable") if os.environ.get("CI") else pytest.skip("Redis not reachable")
    prefix = f"modsvc-test-{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv("MODSVC_BROKER_KEY_PREFIX", prefix)
    monkeypatch.setenv("MODSVC_CELERY_QUEUE", prefix + "q")
    settings = Settings(database_url=db_url, broker_url=broker, secret_key="k", upload_dir=str(tmp_path / "up"),
                        max_queued_imports=2, max_queued_import_mb=1)
    yield create_app(settings, TESTING=True)
    client = redis.Redis.from_url(broker)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


def _new_key(app) -> dict[str, str]:
    from modsvc.access.apikeys import create_api_key

    with app.extensions["modsvc.sessions"]() as session:
        key = create_api_key(session, name=f"key {uuid.uuid4().hex[:6]}")[1]
        session.commit()
    return {"X-API-Key": key}


def test_one_key_may_have_only_so_much_waiting(queued_app):
    app, client = queued_app, queued_app.test_client()
    first, second = _new_key(app), _new_key(app)
    small = b"x" * 300_000
    assert _upload(client, first, small).status_code == 202
    assert _upload(client, first, small).status_code == 202
    over = _upload(client, first, small)
    assert over.status_code == 429
    assert "MODSVC_MAX_QUEUED_IMPORTS" in over.get_json()["error"]["message"] and over.headers["Retry-After"]

    too_big = _upload(client, second, b"x" * 1_200_000)  # 1.2 MB against a 1 MB limit of waiting bytes
    assert too_big.status_code == 429
    assert "MODSVC_MAX_QUEUED_IMPORT_MB" in too_big.get_json()["error"]["message"]
    assert len(_uploads(app.extensions["modsvc.settings"])) == 2  # the refused upload is not kept
    assert _upload(client, second, small).status_code == 202  # the limit is per key

    with app.extensions["modsvc.sessions"]() as session:  # a worker finishes one of the first key's jobs
        job_id = session.scalar(select(func.min(ImportJob.id)))
    assert jobs.run_import_job(app.extensions["modsvc.sessions"], job_id).status == "failed"  # not a known format
    assert _upload(client, first, small).status_code == 202


def test_simultaneous_uploads_by_one_key_never_exceed_its_limit(queued_app):
    """Eight uploads by one key at the same moment with room for two: exactly two are accepted, the others get
    429 naming the limit, and only the accepted ones' files are kept."""
    app, racers, rounds = queued_app, 8, 3
    for _ in range(rounds):
        headers = _new_key(app)
        clients = [app.test_client() for _ in range(racers)]
        responses = race(racers, lambda i, headers=headers, clients=clients: _upload(clients[i], headers, b"x" * 1000))
        assert sorted(r.status_code for r in responses) == [202] * 2 + [429] * (racers - 2), \
            [r.get_data(as_text=True)[:200] for r in responses]
        assert all("MODSVC_MAX_QUEUED_IMPORTS" in r.get_json()["error"]["message"]
                   for r in responses if r.status_code == 429)
    with app.extensions["modsvc.sessions"]() as session:
        per_key = session.execute(select(ImportJob.api_key_id, func.count()).group_by(ImportJob.api_key_id)).all()
    assert sorted(n for _key, n in per_key) == [2] * rounds
    assert len(_uploads(app.extensions["modsvc.settings"])) == 2 * rounds


# -- leases ---------------------------------------------------------------------------------------------------
def test_a_job_under_a_live_lease_is_not_taken_until_the_lease_expires(app, settings, tmp_path):
    from modsvc.ingest import job_leases

    sessions = app.extensions["modsvc.sessions"]
    path = tmp_path / "upload.jsonl"
    path.write_bytes(_jsonl())
    with sessions() as session:
        job_id = jobs.create_import_job(session, filename="u.jsonl", stored_path=str(path), fmt=None,
                                        site_key="default").id
    assert job_leases.due_jobs(sessions) == [job_id]  # queued: due for whoever looks (embedded mode)...
    assert job_leases.due_jobs(sessions, queued_for_seconds=600) == []  # ...its message not yet taken for lost
    assert job_leases.claim(sessions, job_id, "process-a", lease_seconds=60)  # process A runs it...
    assert job_id not in job_leases.due_jobs(sessions)
    assert jobs.run_import_job(sessions, job_id, owner="process-b").status == "not_claimed"  # ...B keeps off

    with sessions() as session, session.begin():  # A dies: nobody renews its lease
        session.execute(update(ImportJob).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    assert job_leases.due_jobs(sessions) == [job_id]
    assert jobs.run_import_job(sessions, job_id, owner="process-b").status == "done"
    with sessions() as session:
        job = session.get(ImportJob, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("done", 2, None)
    assert _comment_count(app) == 12 and not path.exists()
