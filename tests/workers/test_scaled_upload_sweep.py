"""Scaled mode: the beat's sweep deletes upload files no import job owns (a process killed between saving an upload
and committing its job), as the embedded worker's housekeeping does; a fresh upload and other files stay."""
from __future__ import annotations

import os
import time
import uuid

import pytest

from workers_harness import Worker, redis_up, wait_until, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_the_beat_sweep_deletes_old_uploads_no_job_owns(pg_url, tmp_path):
    if not redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis not reachable")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    orphan = uploads / f"{uuid.uuid4().hex}.jsonl"
    fresh = uploads / f"{uuid.uuid4().hex}.jsonl"
    notes = uploads / "notes.txt"
    for path in (orphan, fresh, notes):
        path.write_text('{"thread_id": "t", "comment_id": "c", "text": "hello"}\n')
    day_ago = time.time() - 86400
    os.utime(orphan, (day_ago, day_ago))
    os.utime(notes, (day_ago, day_ago))

    env = worker_env(pg_url, tmp_path, MODSVC_UPLOAD_DIR=str(uploads))
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1", "--beat")
    try:
        wait_until(lambda: not orphan.exists(), 60, what="the orphan upload deleted by the sweep")
    finally:
        worker.stop()
    assert fresh.exists() and notes.exists()
