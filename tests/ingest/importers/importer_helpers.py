"""Helpers for the importer tests: run an importer and sort its output by kind.

Imported by module name (pytest puts this folder on sys.path; tests/ has no __init__.py).
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from modsvc.ingest.importers import iter_records
from modsvc.ingest.importers.records import Rejection, Skipped, ThreadRecord, Warning_

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_14b138b21b3c6e77.txt"


@dataclass
class Result:
    threads: list[ThreadRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def thread(self) -> ThreadRecord:
        assert len(self.threads) == 1, self.threads
        return self.threads[0]

    def comments(self, thread: ThreadRecord | None = None) -> dict:
        t = thread or self.thread
        return {c.external_id: c for c in t.comments}

    def text(self) -> str:
        return "\n".join([f"{r.source}: {r.reason}" for r in self.rejections]
                         + [f"{w.source}: {w.message}" for w in self.warnings])


def run(path, fmt=None, **kw) -> Result:
    out = Result()
    for item in iter_records(path, fmt, **kw):
        if isinstance(item, ThreadRecord):
            out.threads.append(item)
        elif isinstance(item, Rejection):
            out.rejections.append(item)
        elif isinstance(item, Warning_):
            out.warnings.append(item)
        elif isinstance(item, Skipped):
            out.skipped.append(item)
        else:  # pragma: no cover - a contract violation
            raise AssertionError(f"unexpected item {item!r}")
    return out


def write(path: Path, data: str | bytes, gz: bool = False) -> Path:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if gz:
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return path

