"""Scaled mode end to end: gunicorn serving `modsvc.app:create_app()`, a Celery worker, PostgreSQL, Redis.
An upload through the API is imported by the worker, then scored, and the status endpoint shows it."""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request

import pytest

from workers_harness import (
    REPO, VENV_BIN, Worker, counts, free_port, get_json, make_api_key, redis_up, wait_until, worker_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SEED = REPO / "seeds" / "000_14b138b21b3c6e77.txt"


def test_gunicorn_upload_is_imported_and_scored_by_a_celery_worker(pg_url, tmp_path):
    if not redis_up():
        pytest.fail("Redis is not reachable") if os.environ.get("CI") else pytest.skip("Redis not reachable")
    env = worker_env(pg_url, tmp_path)
    key = make_api_key(pg_url)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "ab")
    web = subprocess.Popen([str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                            "modsvc.app:create_app()"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1")
    base, headers = f"http://127.0.0.1:{port}", {"X-API-Key": key}
    try:
        wait_until(lambda: get_json(f"{base}/api/v1/status", headers=headers), 30, what="gunicorn to answer")
        request = urllib.request.Request(f"{base}/api/v1/imports?filename=seed.txt", data=SEED.read_bytes(),
                                         headers={**headers, "Content-Type": "application/octet-stream"},
                                         method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 202
            job = json.loads(resp.read())
        done = wait_until(lambda: (j := get_json(f"{base}/api/v1/imports/{job['id']}", headers=headers))["status"]
                          in ("done", "failed") and j, 30, what="the import job to finish")
        assert done["status"] == "done", done
        total = done["summary"]["comments_new"]
        assert total >= 4
        status = wait_until(lambda: (s := get_json(f"{base}/api/v1/status", headers=headers))["comments"]
                            ["score_state"]["scored"] == total and s, 30, what="every comment scored")
    finally:
        worker.stop()
        web.terminate()
        web.wait(15)
        log.close()
    assert status["mode"] == "scaled" and status["comments"]["score_state"]["pending"] == 0
    assert counts(pg_url)["score_rows"] == total
