"""Import jobs: one uploaded or named file, its progress and its summary, kept in the database."""
from __future__ import annotations

import os
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from .importers import UnknownFormatError, iter_records
from .importers.records import Rejection
from .ingest import ImportSummary, Ingestor
from .models import ImportJob, ImportRejection, utcnow

PROGRESS_EVERY_SECONDS = 1.0


def create_import_job(session: Session, *, filename: str, stored_path: str, fmt: str | None, site_key: str,
                      site_locked: bool = False) -> ImportJob:
    """``site_locked``: the job may write into ``site_key`` only (uploaded with a site-bound API key)."""
    job = ImportJob(
        filename=filename,
        stored_path=stored_path,
        format=fmt,
        site_key=site_key,
        site_locked=site_locked,
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
        path, fmt, site, locked = job.stored_path, job.format, job.site_key, job.site_locked

    summary = ImportSummary()
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            _save_progress(sessions, job_id, done, summary)

    ingestor = Ingestor(sessions, on_batch_committed=on_batch_committed, summary=summary,
                        only_site=site if locked else None, actor=f"import:{job_id}")
    try:
        ingestor.add_all(iter_records(path, fmt, site=site, progress=progress))
    except UnknownFormatError as exc:
        summary.add_rejection(Rejection(os.path.basename(path or ""), str(exc)))
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
