"""`modsvc serve` is fit to leave running: a production WSGI server (no "development server" warning), and
SIGTERM stops it cleanly, for real: exit status 0 within a bounded time, the batch being scored finished or
released, a running import handed back, and after a restart nothing is lost."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

from sqlalchemy import select

from modsvc.db import get_sessionmaker
from modsvc.models import Comment
from serve_harness import ServeProcess, big_jsonl, comment_count, embedded_env, import_job
from workers_harness import REPO, VENV_BIN, counts, wait_until

SHUTDOWN_BOUND = 30  # seconds: MODSVC_SHUTDOWN_SECONDS (10 here) plus waitress's 5 s for requests, plus start-up


def _leased_pending(url: str) -> list[int]:
    """Pending comments still reserved by a worker (queued_at in the future): a lease nobody will finish."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with get_sessionmaker(url)() as session:
        rows = session.execute(select(Comment.id, Comment.queued_at).where(Comment.score_state == "pending")).all()
    return [cid for cid, queued_at in rows if queued_at is not None and queued_at.replace(tzinfo=None) > now]


def test_sigterm_mid_scoring_exits_cleanly_and_a_restart_scores_everything_once(tmp_path):
    url, env = embedded_env(tmp_path, MODSVC_SCORE_BATCH_SIZE="5", MODSVC_TEST_ANALYZER_DELAY="1.0",
                            MODSVC_SHUTDOWN_SECONDS="10")
    path = tmp_path / "thread.jsonl"
    path.write_text(json.dumps({"site": "news", "external_id": "t1", "comments": [
        {"id": f"c{i}", "body": f"comment number {i}"} for i in range(40)]}) + "\n")
    serve = ServeProcess(env, tmp_path, "serve1")
    try:
        result = subprocess.run([str(VENV_BIN / "modsvc"), "import", str(path), "--quiet"], env=env, cwd=REPO,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        wait_until(lambda: counts(url)["scored"] >= 5, 60, what="a first scored batch")
        assert serve.terminate(SHUTDOWN_BOUND) == 0  # mid-scoring: a batch is leased and inside the model
        output = serve.output()
    finally:
        serve.stop()
    assert "development server" not in output.lower()
    assert counts(url)["pending"] > 0  # really stopped part-way
    assert _leased_pending(url) == []  # the batch being scored was finished (or handed back), none left reserved

    serve = ServeProcess(env, tmp_path, "serve2")
    try:
        final = wait_until(lambda: (c := counts(url))["pending"] == 0 and c, 90, what="every comment scored")
    finally:
        serve.stop()
    assert final["scored"] == 40 and final["score_rows"] == 40 and final["max_rows_per_comment"] == 1
    assert "development server" not in serve.output().lower()


def test_sigterm_mid_import_hands_the_job_back_and_a_restart_finishes_it(tmp_path):
    url, env = embedded_env(tmp_path, MODSVC_SHUTDOWN_SECONDS="10")
    total = big_jsonl(tmp_path / "comments.jsonl")
    serve = ServeProcess(env, tmp_path, "serve1")
    try:
        job_id = serve.upload(tmp_path / "comments.jsonl")["id"]
        wait_until(lambda: comment_count(url) >= 5000, 60, interval=0.02, what="the first committed batch")
        assert serve.terminate(SHUTDOWN_BOUND) == 0
    finally:
        serve.stop()
    job = import_job(url, job_id)
    assert job.status == "queued" and comment_count(url) < total  # handed back part-way, not left "running"

    serve = ServeProcess(env, tmp_path, "serve2")
    try:
        job = wait_until(lambda: (j := import_job(url, job_id)).status in ("done", "failed") and j, 120,
                         what="the import to finish after the restart")
    finally:
        serve.stop()
    assert job.status == "done" and job.attempts == 1  # the handed-back run does not count as an attempt
    assert comment_count(url) == total
