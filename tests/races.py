"""Real concurrency for the race tests (imported by name: tests/ is on sys.path, see conftest.py)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor


def race(n: int, work) -> list:
    """Run work(i) on n threads released together; returns the results, re-raising the first error."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return [f.result() for f in [pool.submit(run, i) for i in range(n)]]
