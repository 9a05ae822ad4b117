"""Import throughput: 100k synthetic comments across 2,000 threads, in each format, into SQLite and PostgreSQL.

Prints comments per second and the importer process's peak memory (RSS). Each import runs in a fresh
subprocess so the peak is its own. The jsonl import is also run at a fifth of the size to show that
memory stays flat in input size.

    .venv/bin/python bench/import_throughput.py [--threads 2000] [--per-thread 50] [--formats jsonl,coral_csv]

Target: >= 10,000 comments/s into PostgreSQL on a 2-core machine (COPY's ceiling is about 100k rows/s).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import WRITERS  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from modsvc import migrations
from modsvc.db import get_sessionmaker
from modsvc.ingest.importers import iter_paths, iter_records
from modsvc.ingest.ingestor import Ingestor
url, path, fmt = sys.argv[1:4]
migrations.upgrade(url)
start = time.perf_counter()
ingestor = Ingestor(get_sessionmaker(url))
for p in iter_paths([path]):
    for item in iter_records(p, fmt, site="bench"):
        ingestor.add(item)
ingestor.flush()
summary = ingestor.summary
elapsed = time.perf_counter() - start
print(json.dumps({"comments": summary.comments_new, "rejected": summary.comments_rejected,
                  "seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_import(url: str, path: Path, fmt: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, url, str(path), fmt], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"import of {fmt} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_database() -> tuple[str, callable]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pg_databases import create_pg_database, drop_pg_database

    url = create_pg_database()
    return url, lambda: drop_pg_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--per-thread", type=int, default=50)
    parser.add_argument("--formats", default=",".join(WRITERS))
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        print(f"{'format':<13} {'database':<9} {'comments':>9} {'seconds':>8} {'comments/s':>11} {'peak RSS MB':>12}")
        for fmt in args.formats.split(","):
            data_dir = tmp_path / fmt
            data_dir.mkdir()
            path = WRITERS[fmt](data_dir, args.threads, args.per_thread)
            for db in args.databases.split(","):
                if db == "sqlite":
                    url, cleanup = f"sqlite:///{tmp_path / f'{fmt}.db'}", (lambda: None)
                else:
                    url, cleanup = pg_database()
                try:
                    r = run_import(url, path, fmt)
                finally:
                    cleanup()
                print(f"{fmt:<13} {db:<9} {r['comments']:>9,} {r['seconds']:>8.2f} "
                      f"{r['comments'] / r['seconds']:>11,.0f} {r['peak_rss_mb']:>12.0f}", flush=True)

        # Flat memory: the same format at a fifth of the size should peak at about the same RSS.
        small_dir = tmp_path / "small"
        small_dir.mkdir()
        small = WRITERS["jsonl"](small_dir, max(args.threads // 5, 1), args.per_thread)
        url = f"sqlite:///{tmp_path / 'small.db'}"
        r = run_import(url, small, "jsonl")
        print(f"{'jsonl (1/5)':<13} {'sqlite':<9} {r['comments']:>9,} {r['seconds']:>8.2f} "
              f"{r['comments'] / r['seconds']:>11,.0f} {r['peak_rss_mb']:>12.0f}")
    print("target: >= 10,000 comments/s into PostgreSQL; peak memory flat in input size")


if __name__ == "__main__":
    start = time.time()
    main()
    print(f"total {time.time() - start:.0f}s")
