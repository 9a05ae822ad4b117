"""Real worker processes for the fault tests: Celery workers on the local Redis, `modsvc serve` on SQLite.

Every test gets its own PostgreSQL database (conftest ``pg_url``), its own Redis key prefix and
queue name on Redis DB 11, so parallel runs never take each other's messages.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import func, select

from modsvc.db import get_sessionmaker
from modsvc.ingest.importers.records import CommentRecord, ThreadRecord
from modsvc.ingest.ingestor import Ingestor
from modsvc.models import Comment, CommentScore

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
BROKER_URL = os.environ.get("MODSVC_TEST_WORKER_BROKER_URL", f"redis://{REDIS_HOST}:{REDIS_PORT}/11")


def worker_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment of a worker process (and of the test process's own Celery producer)."""
    tag = uuid.uuid4().hex[:10]
    env = {
        **os.environ,
        "MODSVC_DATABASE_URL": database_url,
        "MODSVC_BROKER_URL": BROKER_URL,
        "MODSVC_BROKER_KEY_PREFIX": f"modsvc-test-{tag}:",
        "MODSVC_CELERY_QUEUE": f"modsvc-test-{tag}",
        "MODSVC_INSTANCE_DIR": str(tmp_path / "instance"),
        "MODSVC_SECRET_KEY": "test",
        "MODSVC_ANALYZER": "workers_fake_analyzer:FakeAnalyzer",
        "MODSVC_TEST_ANALYZER_LOG": str(tmp_path / "analyzer.log"),
        "MODSVC_SCORE_BATCH_SIZE": "10",
        "MODSVC_VISIBILITY_TIMEOUT": "6",
        "MODSVC_BROKER_TRANSPORT_OPTIONS": json.dumps({"unacked_restore_interval": 1, "unacked_restore_throttle": 1}),
        "MODSVC_REQUEUE_AFTER_SECONDS": "4",
        "MODSVC_SWEEP_SECONDS": "2",
        "MODSVC_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)]),
    }
    env.update(extra)
    return env


class Worker:
    """`modsvc worker` in its own process group (so SIGKILL can take the whole worker)."""

    def __init__(self, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "modsvc"), "worker", "--loglevel=INFO", *args],
            env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: a crash, nothing gets to clean up."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def import_comments(database_url: str, bodies: list[str], enqueue=None, thread: str = "t1") -> list[int]:
    record = ThreadRecord(external_id=thread, site="news", title="Fault test",
                          comments=[CommentRecord(f"c{i}", body) for i, body in enumerate(bodies)])
    summary = Ingestor(get_sessionmaker(database_url), on_batch_committed=enqueue).add_all([record])
    return summary.to_score


def counts(database_url: str) -> dict[str, int]:
    with get_sessionmaker(database_url)() as s:
        by_state = dict(s.execute(select(Comment.score_state, func.count()).group_by(Comment.score_state)).all())
        scores = s.scalar(select(func.count()).select_from(CommentScore))
        most = s.scalar(select(func.count()).select_from(CommentScore).group_by(CommentScore.comment_id)
                        .order_by(func.count().desc()).limit(1)) or 0
    return {"comments": sum(by_state.values()), "pending": by_state.get("pending", 0),
            "scored": by_state.get("scored", 0), "failed": by_state.get("failed", 0),
            "score_rows": scores, "max_rows_per_comment": most}


def wait_until(predicate, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # e.g. the database is blocked on purpose
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def analyzer_calls(tmp_path: Path) -> list[tuple[int, int]]:
    path = tmp_path / "analyzer.log"
    if not path.exists():
        return []
    return [tuple(map(int, line.split())) for line in path.read_text().splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as resp:
        return json.loads(resp.read())


def redis_up() -> bool:
    return subprocess.run(["redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "ping"],
                          capture_output=True, text=True).stdout.strip() == "PONG"


def start_redis() -> None:
    if not redis_up():
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", REDIS_HOST, "--port", str(REDIS_PORT),
                        "--save", "", "--appendonly", "no"], check=True, capture_output=True)
        wait_until(redis_up, 10, what="redis to start")


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "shutdown", "nosave"],
                   capture_output=True)
    wait_until(lambda: not redis_up(), 10, what="redis to stop")


def producer(env: dict[str, str]):
    """What the web app or `modsvc import` would use to enqueue, configured like the worker."""
    from celery import Celery

    from modsvc.config import Settings
    from workers.celery_app import celery_config
    from workers.dispatch import CeleryDispatcher

    settings = Settings(database_url=env["MODSVC_DATABASE_URL"], broker_url=env["MODSVC_BROKER_URL"],
                        secret_key="test", sweep_seconds=int(env["MODSVC_SWEEP_SECONDS"]))
    app = Celery("modsvc-test-producer")
    app.config_from_object(celery_config(settings, env))
    return CeleryDispatcher(app, int(env["MODSVC_SCORE_BATCH_SIZE"]))


def make_api_key(database_url: str) -> str:
    from modsvc import migrations
    from modsvc.access.apikeys import create_api_key

    migrations.upgrade(database_url)
    with get_sessionmaker(database_url)() as s, s.begin():
        return create_api_key(s, "worker tests")[1]
