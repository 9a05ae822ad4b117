"""Import jobs: one uploaded or named file, its progress and its summary, kept in the database."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from .importers import UnknownFormatError, iter_records
from .importers.records import Rejection
from .ingest import ImportSummary, Ingestor
from .models import ImportJob, ImportRejection, utcnow

PROGRESS_EVERY_SECONDS = 1.0
MAX_FILENAME_CHARS = 255


def display_filename(name: str | None) -> str:
    """The name an upload had on the user's machine, as messages show it: the last path part, without
    control characters, at most MAX_FILENAME_CHARS (its start and its extension kept); "upload" when none."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > MAX_FILENAME_CHARS:
        half = (MAX_FILENAME_CHARS - 1) // 2
        name = name[:half] + "…" + name[-half:]
    return name or "upload"


def create_import_job(session: Session, *, filename: str, stored_path: str, fmt: str | None, site_key: str,
                      options: dict | None = None) -> ImportJob:
    """``filename`` is the name the user gave the file (messages use it); ``options`` e.g. {"keep_pingbacks": True}."""
    job = ImportJob(
        filename=filename,
        stored_path=stored_path,
        format=fmt,
        site_key=site_key,
        options=options or None,
        status="queued",
        bytes_total=os.path.getsize(stored_path) if os.path.exists(stored_path) else None,
    )
    session.add(job)
    session.commit()
    return job


def run_import_job(
    sessions: sessionmaker[Session],
    job_id: int,
    on_batch_committed: Callable[[list[int]], None] | None = None,
) -> ImportSummary | None:
    """Run one import job to the end. Idempotent: re-running a job re-imports nothing twice."""
    with sessions() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            return None
        if job.status == "done":
            return None
        job.status, job.started_at, job.error = "running", utcnow(), None
        session.commit()
        path, fmt, site = job.stored_path, job.format, job.site_key
        shown = job.filename or os.path.basename(path or "")
        keep_pingbacks = bool((job.options or {}).get("keep_pingbacks"))

    summary = ImportSummary()
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            _save_progress(sessions, job_id, done, summary)

    ingestor = Ingestor(sessions, on_batch_committed=on_batch_committed, summary=summary)
    try:
        ingestor.add_all(iter_records(path, fmt, site=site, progress=progress, display_name=shown,
                                      keep_pingbacks=keep_pingbacks))
    except UnknownFormatError as exc:
        summary.add_rejection(Rejection(shown, str(exc)))
        _finish(sessions, job_id, summary, status="failed", error=str(exc))
        return summary
    except Exception as exc:  # keep what was imported, report the rest
        _finish(sessions, job_id, summary, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    _finish(sessions, job_id, summary, status="done")
    return summary


def _save_progress(sessions: sessionmaker[Session], job_id: int, done: int, summary: ImportSummary) -> None:
    with sessions() as session:
        job = session.get(ImportJob, job_id)
        if job is not None:
            job.bytes_done = done
            job.summary = summary.counts()
            session.commit()


def _finish(sessions, job_id: int, summary: ImportSummary, *, status: str, error: str | None = None) -> None:
    with sessions() as session:
        job = session.get(ImportJob, job_id)
        job.status = status
        job.error = error
        job.summary = summary.counts()
        job.finished_at = utcnow()
        if job.bytes_total is not None and status == "done":
            job.bytes_done = job.bytes_total
        session.query(ImportRejection).filter_by(import_id=job_id).delete()
        session.add_all(
            [ImportRejection(import_id=job_id, kind="rejected", source=r.source, reason=r.reason, record=r.record)
             for r in summary.rejections]
            + [ImportRejection(import_id=job_id, kind="warning", source=w.source, reason=w.message)
               for w in summary.warning_list]
        )
        session.commit()
