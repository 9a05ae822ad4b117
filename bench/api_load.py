"""Load test of the scoring API: single-comment Perspective analyze requests against a running server.

    .venv/bin/python bench/api_load.py                      # starts gunicorn (scaled mode) on loopback itself
    .venv/bin/python bench/api_load.py --url http://host:8000 --key KEY

Two runs, each printing requests/s, p50/p99 latency and the error count (must be 0):
  1. open loop: a steady --rate (200) requests/s for --seconds; latency is measured from each request's
     *scheduled* time, so a stalled server cannot hide its queueing (no coordinated omission);
  2. closed loop: --clients (50) concurrent clients sending as fast as they get answers.
Targets on the 2-core build machine: run 1 p50 <= 25 ms and p99 <= 100 ms; run 2 >= 300 requests/s.

Started by the script: gunicorn ``modsvc.app:create_app()`` with gthread workers, MODSVC_REDIS_URL and
MODSVC_BROKER_URL on the local Redis (scaled mode: rate limits in Redis, no in-process worker), a fresh
PostgreSQL database when the local server answers (else SQLite), and an API key with a high rate limit.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COMMENTS = [
    "Thanks for the thorough reporting, this helped me understand the budget vote.",
    "I disagree with the council here, the new bike lanes make the street safer for kids.",
    "You are an idiot and nobody wants to read your garbage opinions.",
    "The Jews control the banks and the media, wake up people.",
    "Great photos! Does anyone know when the market opens again?",
    "This article is biased nonsense, the author clearly didn't talk to anyone on the other side.",
    "Shut up, you worthless troll, go back under your bridge.",
    "The vaccine is a plot by the globalists to control us all.",
    "My grandmother lived on that street for forty years; so sad to see the bakery close.",
    "I'll find where you live and make you regret writing this.",
    "Could the paper publish the full text of the proposal? The summary leaves out the costs.",
    "Typical lying press, the whole election was rigged by them.",
]


ASIDES = [
    "Just my two cents.", "Anyway, that's what I think.", "Read the whole thing before commenting.",
    "Sent from my phone.", "We discussed this at the town meeting last week.", "Same as last year, honestly.",
    "", "Does anyone else remember the 2019 vote?", "Sorry for the long post.", "Edit: typo.",
]


# ----- the server ----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(workdir: Path) -> tuple[str, str | None]:
    """A fresh PostgreSQL database when the local server answers, else SQLite. Returns (url, pg name)."""
    admin = os.environ.get("MODSVC_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        name = f"modsvc_bench_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = admin.rpartition("/")
        return f"{base}/{name}", name
    except Exception as exc:  # noqa: BLE001
        print(f"(PostgreSQL not available: {exc}; using SQLite)", file=sys.stderr)
        return f"sqlite:///{workdir / 'bench.db'}", None


def drop_pg(name: str) -> None:
    import psycopg

    admin = os.environ.get("MODSVC_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    def __init__(self, workers: int, threads: int, redis_url: str, model_threads: int) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="modsvc-bench-"))
        self.db_url, self.pg_name = database_url(self.workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, MODSVC_DATABASE_URL=self.db_url,
                   MODSVC_THREADS=os.environ.get("MODSVC_THREADS", str(model_threads)),
                   # the exported ONNX encoder lives in the repo's instance/models (else PyTorch, much slower)
                   MODSVC_MODEL_DIR=os.environ.get("MODSVC_MODEL_DIR", str(REPO / "instance" / "models")), MODSVC_REDIS_URL=redis_url,
                   MODSVC_BROKER_URL=redis_url, MODSVC_INSTANCE_DIR=str(self.workdir),
                   MODSVC_SECRET_KEY="bench",
                   PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
        from modsvc import migrations

        migrations.upgrade(self.db_url)
        self.key = self._make_key()
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
               "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
               "--backlog", "2048", "--timeout", "60", "--log-level", "warning", "modsvc.app:create_app()"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.workdir, start_new_session=True)
        self._wait_ready()

    def _make_key(self) -> str:
        from modsvc.access.apikeys import create_api_key
        from modsvc.db import get_sessionmaker

        with get_sessionmaker(self.db_url)() as session:
            _row, key = create_api_key(session, "bench", rate_limit="100000/second")
            session.commit()
        return key

    def _wait_ready(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not come up")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)
        except Exception:  # noqa: BLE001
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.pg_name:
            from modsvc.db import get_engine

            get_engine.cache_clear()
            drop_pg(self.pg_name)


# ----- the clients ---------------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection per thread; a request returns (ok, seconds)."""

    def __init__(self, base_url: str, key: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = f"/v1alpha1/comments:analyze?key={urllib.parse.quote(key)}"
        self.local = threading.local()
        self.counter = iter(range(10**9))

    def body(self) -> bytes:
        """A different text every time (a comment plus a numbered aside), so no cache can flatter the figures."""
        n = next(self.counter)
        text = f"{random.choice(COMMENTS)} {random.choice(ASIDES)} (#{n})"
        return json.dumps({"comment": {"text": text},
                           "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "ANTISEMITISM": {}}}).encode()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        return conn

    def call(self) -> bool:
        body = self.body()
        for attempt in (0, 1):  # one reconnect if the server closed an idle keep-alive connection
            conn = self._conn()
            try:
                conn.request("POST", self.path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                return response.status == 200 and b"attributeScores" in data
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt:
                    return False
        return False


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def report(name: str, latencies: list[float], errors: int, elapsed: float) -> dict:
    result = {"run": name, "requests": len(latencies) + errors, "errors": errors,
              "rps": round((len(latencies) + errors) / elapsed, 1),
              "p50_ms": round(percentile(latencies, 50) * 1000, 1),
              "p99_ms": round(percentile(latencies, 99) * 1000, 1),
              "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None}
    print(f"{name:<28} {result['rps']:>8} req/s   p50 {result['p50_ms']:>7} ms   p99 {result['p99_ms']:>7} ms   "
          f"errors {errors}   ({result['requests']} requests)")
    return result


def open_loop(client: Client, rate: float, seconds: float) -> dict:
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(scheduled: float) -> None:
        nonlocal errors
        ok = client.call()
        took = time.perf_counter() - scheduled
        with lock:
            if ok:
                latencies.append(took)
            else:
                errors += 1

    start = time.perf_counter() + 0.05
    with ThreadPoolExecutor(max_workers=256) as pool:
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, scheduled)
    elapsed = time.perf_counter() - start
    return report(f"open loop {rate:g} req/s", latencies, errors, elapsed)


def closed_loop(client: Client, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def run() -> None:
        nonlocal errors
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            if client.call():
                mine.append(time.perf_counter() - t0)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    start = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return report(f"closed loop {clients} clients", latencies, errors, time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start gunicorn here)")
    parser.add_argument("--key", help="API key for --url")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2: one per core)")
    parser.add_argument("--model-threads", type=int, default=1,
                        help="onnxruntime threads per worker (MODSVC_THREADS; default 1: processes, not threads, "
                             "use the cores best for short texts)")
    parser.add_argument("--threads", type=int, default=32, help="threads per gunicorn worker")
    parser.add_argument("--redis-url", default=os.environ.get("MODSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.url and not args.key:
        parser.error("--url needs --key")

    server = None if args.url else Server(args.workers, args.threads, args.redis_url, args.model_threads)
    try:
        client = Client(args.url or server.url, args.key or server.key)
        for _ in range(50):  # warm-up: model loaded, connections open, batcher thread running
            client.call()
        closed_loop(client, 8, 2)
        results = [open_loop(client, args.rate, args.seconds), closed_loop(client, args.clients, args.seconds)]
    finally:
        if server is not None:
            server.stop()
    targets = (results[0]["p50_ms"] <= 25 and results[0]["p99_ms"] <= 100 and results[1]["rps"] >= 300
               and all(r["errors"] == 0 for r in results))
    print(f"targets (p50 <= 25 ms, p99 <= 100 ms at {args.rate:g} req/s; >= 300 req/s with {args.clients} "
          f"clients; 0 errors): {'met' if targets else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if targets else 1


if __name__ == "__main__":
    sys.exit(main())
