"""An import interrupted by a crash is finished after a restart, for real: a 40,000-comment upload, the process
running it killed with SIGKILL after its first committed batch, in both modes.

Embedded: `modsvc serve` on SQLite runs the import and is killed. Scaled: `modsvc serve` (web only) and a
`modsvc worker --beat` on PostgreSQL and Redis; the worker is killed. Either way the job was left ``running``
under a lease nobody renews; once it expires the restarted process takes the job over and imports the rest."""
from __future__ import annotations

import os

import pytest

from serve_harness import ServeProcess, big_jsonl, comment_count, embedded_env, import_job
from workers_harness import Worker, redis_up, wait_until, worker_env

FIRST_BATCH = 5000  # the importer commits about this many comments at a time


def _killed_mid_import(url: str, job_id: int, total: int) -> None:
    job = import_job(url, job_id)
    assert job.status == "running", job.status
    assert FIRST_BATCH <= comment_count(url) < total  # really killed part-way through


def _finished(url: str, job_id: int, total: int, upload_dir) -> None:
    job = wait_until(lambda: (j := import_job(url, job_id)).status in ("done", "failed") and j, 180,
                     what="the interrupted import to finish")
    assert job.status == "done", job.error
    assert job.attempts == 2  # the killed run, then the resumed one
    assert comment_count(url) == total  # every comment, none twice (identity is per thread and comment)
    assert job.stored_path is None and os.listdir(upload_dir) == []  # the upload is deleted once done


def test_embedded_serve_killed_mid_import_finishes_it_after_a_restart(tmp_path):
    url, env = embedded_env(tmp_path, MODSVC_IMPORT_LEASE_SECONDS="3")
    total = big_jsonl(tmp_path / "comments.jsonl")
    serve = ServeProcess(env, tmp_path, "serve1")
    try:
        job_id = serve.upload(tmp_path / "comments.jsonl")["id"]
        wait_until(lambda: comment_count(url) >= FIRST_BATCH, 60, interval=0.02, what="the first committed batch")
        serve.kill()
    finally:
        serve.stop()
    _killed_mid_import(url, job_id, total)

    serve = ServeProcess(env, tmp_path, "serve2")
    try:
        _finished(url, job_id, total, tmp_path / "instance" / "uploads")
        assert serve.api(f"/api/v1/imports/{job_id}")["status"] == "done"
    finally:
        serve.stop()


@pytest.mark.postgres
@pytest.mark.redis
def test_scaled_worker_killed_mid_import_finishes_it_after_a_restart(pg_url, tmp_path):
    if not redis_up():
        pytest.fail("Redis is not reachable") if os.environ.get("CI") else pytest.skip("Redis not reachable")
    env = worker_env(pg_url, tmp_path, MODSVC_IMPORT_LEASE_SECONDS="3", MODSVC_SCORE_BATCH_SIZE="500",
                     MODSVC_UPLOAD_DIR=str(tmp_path / "uploads"))
    total = big_jsonl(tmp_path / "comments.jsonl")
    web = ServeProcess(env, tmp_path, "web")  # scaled mode: the web only, imports go to the workers
    worker = Worker(env, tmp_path / "worker1.log", "--concurrency=1", "--beat")
    try:
        job_id = web.upload(tmp_path / "comments.jsonl")["id"]
        wait_until(lambda: comment_count(pg_url) >= FIRST_BATCH, 90, interval=0.02, what="the first committed batch")
        worker.kill()
        _killed_mid_import(pg_url, job_id, total)
        worker.stop()

        worker = Worker(env, tmp_path / "worker2.log", "--concurrency=1", "--beat")
        _finished(pg_url, job_id, total, tmp_path / "uploads")
    finally:
        worker.stop()
        web.stop()
