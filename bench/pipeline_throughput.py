"""End-to-end pipeline throughput: upload → import → Celery workers → decision, against the pure analysis speed.

    .venv/bin/python bench/pipeline_throughput.py [--comments 50000] [--workers 2] [--pure-sample 0]

Scaled mode on the local servers: a PostgreSQL database of its own (dropped afterwards), Redis with its own key
prefix and queue, ``--workers`` separate ``modsvc worker --concurrency 1`` processes with the real analysis core
(``MODSVC_THREADS`` = cores / workers each). The workers are started and the model loaded before the clock
starts (long-running workers in production). Then ``modsvc import FILE`` runs (as a user would; it enqueues a
scoring batch after each committed import batch) and the clock stops at the last decision written.

Printed: end-to-end comments/s (N / time from the start of the import to the last decision), the time to the
first and to the last decision (from the ``scored_at`` timestamps the workers wrote), and the pure scoring
throughput of the analysis core measured in the same run afterwards: ``analyze()`` on the same texts in batches
of 64, in this process with every core (``--pure-sample N`` measures the first N texts only; 0 = all).
Target: end-to-end at least 80 % of the pure throughput.

The machine may be shared (other processes compete for the cores, differently in the two phases), so CPU time
is printed too: CPU seconds per comment of the pipeline (worker processes and the import process, from
``getrusage(RUSAGE_CHILDREN)``; the PostgreSQL and Redis servers not included) against those of ``analyze()``
alone, which does not depend on what else runs.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests"))
from pg_databases import create_pg_database as create_database  # noqa: E402
from pg_databases import drop_pg_database as drop_database  # noqa: E402
BROKER_URL = os.environ.get("MODSVC_BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
PER_THREAD = 100


def write_input(path: Path, n: int) -> list[str]:
    """modsvc JSONL: threads of PER_THREAD comments (a third are replies) cut from the seed page."""
    import random

    from score_throughput import seed_corpus

    texts = seed_corpus(n)
    rng = random.Random(3)
    with open(path, "w") as out:
        for t in range(0, n, PER_THREAD):
            comments = []
            for i, body in enumerate(texts[t:t + PER_THREAD]):
                parent = f"c{t + rng.randrange(i)}" if i and rng.random() < 0.33 else None
                comments.append({"id": f"c{t + i}", "parent_id": parent, "author": f"user{rng.randrange(3000)}",
                                 "body": body, "posted_at": f"2024-03-{1 + i % 28:02d}T10:{i % 60:02d}:00Z"})
            out.write(json.dumps({"id": f"bench-{t // PER_THREAD}", "title": f"Bench story {t // PER_THREAD}",
                                  "comments": comments}) + "\n")
    return texts


def db_progress(url: str) -> dict:
    from sqlalchemy import func, select

    from modsvc.db import get_sessionmaker
    from modsvc.models import Comment

    with get_sessionmaker(url)() as s:
        states = dict(s.execute(select(Comment.score_state, func.count()).group_by(Comment.score_state)).all())
        decided = func.coalesce(Comment.scored_at, Comment.updated_at)  # failed comments have no scored_at
        first, last = s.execute(select(func.min(decided), func.max(decided))
                                .where(Comment.score_state != "pending")).one()
    return {"states": states, "first": first, "last": last}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--comments", type=int, default=50_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pure-sample", type=int, default=0, help="texts for the pure measurement (0 = all)")
    p.add_argument("--timeout", type=float, default=3600)
    args = p.parse_args()

    from modsvc import migrations

    cores = len(os.sched_getaffinity(0))
    tmp = Path(tempfile.mkdtemp(prefix="modsvc-bench-"))
    url = create_database()
    tag = uuid.uuid4().hex[:8]
    env = {**os.environ, "MODSVC_DATABASE_URL": url, "MODSVC_BROKER_URL": BROKER_URL,
           "MODSVC_BROKER_KEY_PREFIX": f"bench-{tag}:", "MODSVC_CELERY_QUEUE": f"bench-{tag}",
           "MODSVC_INSTANCE_DIR": str(tmp / "instance"), "MODSVC_SECRET_KEY": "bench",
           "MODSVC_THREADS": str(max(1, cores // args.workers)),
           "MODSVC_REQUEUE_AFTER_SECONDS": str(int(args.timeout))}
    env.pop("MODSVC_ANALYZER", None)
    # the built ONNX encoder lives in the repo's instance/ unless configured; workers and pure run use the same
    os.environ["MODSVC_MODEL_DIR"] = env["MODSVC_MODEL_DIR"] = (os.environ.get("MODSVC_MODEL_DIR")
                                                                 or str(REPO / "instance" / "models"))
    workers: list[subprocess.Popen] = []
    cpu_before, worker_load = _cpu(resource.RUSAGE_CHILDREN), 0.0
    try:
        migrations.upgrade(url)
        data = tmp / "bench.jsonl"
        texts = write_input(data, args.comments)
        print(f"input: {args.comments:,} comments in {args.comments // PER_THREAD} threads, "
              f"{data.stat().st_size / 1e6:.1f} MB; {args.workers} worker processes, {cores} cores", flush=True)

        logs = []
        for i in range(args.workers):
            log = open(tmp / f"worker{i}.log", "w")
            logs.append(tmp / f"worker{i}.log")
            workers.append(subprocess.Popen([str(BIN / "modsvc"), "worker", "--concurrency", "1", "--loglevel", "INFO"],
                                            env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True))
        deadline = time.monotonic() + 300
        while not all("analyzer loaded" in path.read_text() for path in logs):
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise SystemExit("workers did not load the model; see " + ", ".join(map(str, logs)))
            time.sleep(0.5)

        from datetime import datetime, timezone

        # CPU the workers spent starting and loading the model, before the clock: not part of the pipeline
        worker_load = sum(_tree_cpu(w.pid) for w in workers)
        started = datetime.now(timezone.utc)
        t0 = time.monotonic()
        result = subprocess.run([str(BIN / "modsvc"), "import", str(data), "--quiet"], env=env, cwd=tmp,
                                capture_output=True, text=True)
        import_seconds = time.monotonic() - t0
        if result.returncode not in (0, 1):
            raise SystemExit(f"import failed: {result.stderr[-2000:]}")
        while True:
            progress = db_progress(url)
            pending = progress["states"].get("pending", 0)
            if not pending:
                break
            if time.monotonic() - t0 > args.timeout:
                raise SystemExit(f"timed out with {pending} comments pending")
            time.sleep(0.5)
        total = sum(progress["states"].values())
        first = (progress["first"] - started).total_seconds()
        last = (progress["last"] - started).total_seconds()
        e2e = total / last
        failed = progress["states"].get("failed", 0)
    finally:
        for w in workers:
            try:
                os.killpg(w.pid, signal.SIGTERM)
                w.wait(30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
        drop_database(url)
    pipeline_cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu_before - worker_load

    # Pure scoring, same texts, after the workers are gone so it has the machine to itself.
    os.environ.pop("MODSVC_THREADS", None)
    from modsvc.analysis import get_analyzer

    analyzer = get_analyzer()
    sample = texts[: args.pure_sample] if args.pure_sample else texts
    analyzer.analyze(sample[:64])
    t, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    for i in range(0, len(sample), 64):
        analyzer.analyze(sample[i:i + 64])
    pure = len(sample) / (time.perf_counter() - t)
    pure_cpu = _cpu(resource.RUSAGE_SELF) - cpu

    print(f"import (upload → rows + queued batches): {import_seconds:.1f} s")
    print(f"first decision after {first:.1f} s, last decision after {last:.1f} s; {failed} failed")
    print(f"end-to-end: {e2e:,.0f} comments/s ({total:,} comments)")
    print(f"pure analyze() batch 64, {len(sample):,} texts, all cores: {pure:,.0f} comments/s "
          f"(model {analyzer.model_version})")
    ratio = e2e / pure
    print(f"end-to-end / pure = {ratio:.0%} (target ≥ 80%): {'MET' if ratio >= 0.8 else 'NOT MET'}")
    per_pipeline, per_pure = pipeline_cpu / total * 1000, pure_cpu / len(sample) * 1000
    print(f"CPU per comment: pipeline {per_pipeline:.1f} ms (workers + import), analyze() alone {per_pure:.1f} ms; "
          f"efficiency {per_pure / per_pipeline:.0%}")
    return 0


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its live descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _tree_cpu(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


if __name__ == "__main__":
    sys.exit(main())
