"""A real `modsvc serve` process for the crash and shutdown tests, and the JSON Lines file they import."""
from __future__ import annotations

import json
import signal
import subprocess
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from modsvc.db import get_sessionmaker
from modsvc.models import Comment, ImportJob
from workers_harness import VENV_BIN, free_port, get_json, make_api_key, wait_until, worker_env


def embedded_env(tmp_path: Path, **extra: str) -> tuple[str, dict[str, str]]:
    """Embedded mode on a SQLite file of its own (no broker), with the fake analyzer."""
    url = f"sqlite:///{tmp_path / 'modsvc.db'}"
    env = worker_env(url, tmp_path, MODSVC_EMBEDDED_POLL_SECONDS="0.3", **extra)
    env.pop("MODSVC_BROKER_URL")
    return url, env


def big_jsonl(path: Path, threads: int = 400, per_thread: int = 100) -> int:
    """``threads`` threads of ``per_thread`` comments as modsvc JSON Lines; returns the number of comments.
    The importer commits about 5,000 comments per batch, so 40,000 take eight batches."""
    with open(path, "w") as out:
        for t in range(threads):
            out.write(json.dumps({"site": "news", "external_id": f"t{t}", "title": f"Thread {t}", "comments": [
                {"id": f"c{i}", "body": f"comment {i} on thread {t} about the council budget"}
                for i in range(per_thread)]}) + "\n")
    return threads * per_thread


class ServeProcess:
    """`modsvc serve` on a free port, answering before the constructor returns."""

    def __init__(self, env: dict[str, str], tmp_path: Path, name: str) -> None:
        self.key = make_api_key(env["MODSVC_DATABASE_URL"])
        self.port = free_port()
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(VENV_BIN / "modsvc"), "serve", "--port", str(self.port)], env=env,
                                     cwd=tmp_path, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.api("/api/v1/status"), 60, what=f"{name} to answer")

    def api(self, path: str):
        return get_json(f"http://127.0.0.1:{self.port}{path}", headers={"X-API-Key": self.key})

    def upload(self, path: Path) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/imports?filename={path.name}", data=path.read_bytes(),
            headers={"X-API-Key": self.key, "Content-Type": "application/x-ndjson"}, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 202
            return json.loads(response.read())

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float) -> int:
        """SIGTERM, then the exit status (raises if it has not exited within ``timeout`` seconds)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def comment_count(url: str) -> int:
    with get_sessionmaker(url)() as session:
        return session.scalar(select(func.count()).select_from(Comment))


def import_job(url: str, job_id: int) -> ImportJob:
    with get_sessionmaker(url)() as session:
        return session.get(ImportJob, job_id)
