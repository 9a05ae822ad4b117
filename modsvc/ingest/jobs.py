"""Import jobs: one uploaded file, its progress and its summary, kept in the database.

A job is ``queued`` until a process claims it (``modsvc/ingest/job_leases.py``), ``running`` under that
process's lease, and ends ``done`` or ``failed``. Whoever runs it (the embedded runner in ``modsvc
serve``, a Celery worker) calls ``run_import_job``, which decides what happens next:

- **a crash** (the process is killed) leaves the job ``running`` with a lease nobody renews; when it
  expires, the next process to look (``job_leases.due_jobs``) starts it again from the top of the file;
  importing is idempotent, so nothing is doubled and nothing is missed;
- **a transient error** (the database or a connection away for a moment, an IntegrityError from a
  concurrent insert) sends the job back to ``queued`` with ``next_attempt_at`` after a backoff of
  MODSVC_IMPORT_RETRY_SECONDS (default 10), doubling per attempt up to 10 minutes, with jitter;
- **any other error** fails the job at once with the error as its message;
- every run started counts in ``attempts`` (crashed runs too, so a file that kills the process every
  time still ends): after MODSVC_IMPORT_MAX_ATTEMPTS (default 5) the job fails, naming the last error;
- **a shutdown** (``stop`` set) hands the job back (``job_leases.release``) without counting the run.

The uploaded file is deleted when the job is done or has failed for good; it is kept while a retry
is pending.
"""
from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy.exc
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from . import job_leases
from .importers import UnknownFormatError, iter_records
from .importers.records import Rejection
from .ingestor import ImportSummary, Ingestor
from ..models import ImportJob, ImportRejection, utcnow
from .uploads import UploadLimits, check_waiting_imports_locked, remove_upload

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
MAX_ATTEMPTS = int(os.environ.get("MODSVC_IMPORT_MAX_ATTEMPTS") or 5)
RETRY_SECONDS = float(os.environ.get("MODSVC_IMPORT_RETRY_SECONDS") or 10)
RETRY_MAX_SECONDS = 600.0
MAX_ERROR_CHARS = 2000



def _transient_errors() -> tuple[type[BaseException], ...]:
    """Worth another try: the database or the network was away, or a concurrent insert won a race. The drivers'
    own classes too: the PostgreSQL bulk insert (COPY) runs on the raw psycopg connection, unwrapped."""
    errors: list[type[BaseException]] = [
        sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.IntegrityError,
        sqlalchemy.exc.DisconnectionError, sqlalchemy.exc.TimeoutError, ConnectionError, TimeoutError,
        sqlite3.OperationalError, sqlite3.InterfaceError, sqlite3.IntegrityError,
    ]
    try:
        import psycopg
    except ImportError:
        pass
    else:
        errors += [psycopg.OperationalError, psycopg.InterfaceError, psycopg.IntegrityError]
    return tuple(errors)


TRANSIENT_ERRORS = _transient_errors()


@dataclass(slots=True)
class JobOutcome:
    """What became of one ``run_import_job`` call.

    ``status``: done | failed | retry (queued again; run it after ``retry_in`` seconds) | released (handed
    back on shutdown) | lost (another process took over an expired lease) | not_claimed (done, failed, gone,
    or running under another live lease: nothing to do here).
    """

    status: str
    summary: ImportSummary | None = None
    retry_in: float | None = None


class _Interrupted(Exception):
    """Raised between records when this run must stop: shutdown, or the lease was lost."""


def create_import_job(session: Session, *, filename: str, stored_path: str, fmt: str | None, site_key: str,
                      original_filename: str | None = None, api_key_id: int | None = None,
                      site_locked: bool = False, options: dict | None = None,
                      limits: UploadLimits | None = None) -> ImportJob:
    """A queued job for an uploaded file it now owns (and deletes when it ends). ``site_locked``: the job may
    write into ``site_key`` only (uploaded with a site-bound API key); ``options`` e.g. {"keep_pingbacks": True}.
    With ``limits``, raises TooManyWaitingImports (and writes nothing) if the key may not have one more job waiting;
    the check and the insert are one transaction under the key's lock."""
    size = os.path.getsize(stored_path) if os.path.exists(stored_path) else None
    if limits is not None:
        try:
            check_waiting_imports_locked(session, api_key_id, limits, adding_bytes=size)
        except BaseException:
            session.rollback()  # releases the key's lock at once
            raise
    job = ImportJob(
        filename=filename,
        original_filename=original_filename,
        stored_path=stored_path,
        format=fmt,
        site_key=site_key,
        api_key_id=api_key_id,
        site_locked=site_locked,
        options=options or None,
        status="queued",
        bytes_total=size,
    )
    session.add(job)
    session.commit()
    return job


def run_import_job(
    sessions: sessionmaker[Session],
    job_id: int,
    on_batch_committed: Callable[[list[int]], None] | None = None,
    *,
    owner: str | None = None,
    stop: threading.Event | None = None,
    lease_seconds: float | None = None,
    max_attempts: int | None = None,
) -> JobOutcome:
    """Claim the job and run it to an end, a retry, or a hand-back (see the module docstring)."""
    owner = owner or job_leases.new_owner("import")
    max_attempts = max_attempts or MAX_ATTEMPTS
    if not job_leases.claim(sessions, job_id, owner, lease_seconds):
        return JobOutcome("not_claimed")
    with sessions() as session:
        job = session.get(ImportJob, job_id)
        path, fmt, site, attempt, last_error = job.stored_path, job.format, job.site_key, job.attempts, job.error
        locked = job.site_locked
        shown_name = job.original_filename or job.filename or "the upload"
        # rejections name the file as the user knows it, not the stored copy
        shown = job.original_filename or job.filename or os.path.basename(path or "")
        keep_pingbacks = bool((job.options or {}).get("keep_pingbacks"))

    summary = ImportSummary()
    if attempt > max_attempts:  # the earlier runs were cut short by crashes
        return _fail(sessions, job_id, owner, summary, f"gave up after {max_attempts} attempts: "
                     f"{last_error or 'the process running the import stopped (crash or kill) each time'}")
    if not path or not os.path.exists(path):
        return _fail(sessions, job_id, owner, summary,
                     f"the uploaded file of {shown_name} is gone (was the upload folder cleaned?): upload it again")

    with job_leases.Heartbeat(sessions, job_id, owner, lease_seconds) as heartbeat:
        last = [0.0]

        def progress(done: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_SECONDS:
                last[0] = now
                _save_progress(sessions, job_id, owner, done, summary)

        def records() -> Iterator:
            for item in iter_records(path, fmt, site=site, progress=progress, display_name=shown,
                                     keep_pingbacks=keep_pingbacks):
                if heartbeat.lost.is_set() or (stop is not None and stop.is_set()):
                    raise _Interrupted
                yield item

        ingestor = Ingestor(sessions, on_batch_committed=on_batch_committed, summary=summary,
                            only_site=site if locked else None, actor=f"import:{job_id}")
        try:
            ingestor.add_all(records())
        except _Interrupted:
            if heartbeat.lost.is_set():
                return JobOutcome("lost", summary)
            job_leases.release(sessions, job_id, owner)
            log.info("import %s handed back unfinished (shutting down); it resumes from the start", job_id)
            return JobOutcome("released", summary)
        except UnknownFormatError as exc:
            summary.add_rejection(Rejection(shown, str(exc)))
            return _fail(sessions, job_id, owner, summary, str(exc))
        except TRANSIENT_ERRORS as exc:
            error = _describe(exc)
            if attempt >= max_attempts:
                return _fail(sessions, job_id, owner, summary, f"gave up after {attempt} attempts: {error}")
            delay = retry_delay(attempt)
            log.warning("import %s: attempt %d of %d failed (%s); retrying in %.0f s",
                        job_id, attempt, max_attempts, error, delay)
            _queue_retry(sessions, job_id, owner, delay,
                         f"attempt {attempt} of {max_attempts} failed ({error}); retrying in {delay:.0f} s")
            return JobOutcome("retry", summary, retry_in=delay)
        except Exception as exc:  # a bug or bad data: retrying would fail the same way
            log.exception("import %s failed", job_id)
            return _fail(sessions, job_id, owner, summary, _describe(exc))
    _finish(sessions, job_id, owner, summary, status="done")
    return JobOutcome("done", summary)


def retry_delay(attempt: int) -> float:
    """Seconds before the next attempt after ``attempt`` runs: doubling, capped, with jitter so that
    jobs that failed together (a race, an outage) do not all come back at the same moment."""
    base = min(RETRY_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS)
    return base * random.uniform(0.8, 1.2)


def remove_finished_uploads(sessions: sessionmaker[Session]) -> int:
    """Delete the files of jobs that have ended but kept theirs (finished before this version, or a failed
    delete); returns how many."""
    with sessions() as session:
        rows = session.execute(select(ImportJob.id, ImportJob.stored_path).where(
            ImportJob.status.in_(("done", "failed")), ImportJob.stored_path.is_not(None))).all()
    for job_id, path in rows:
        remove_upload(path)
        with sessions() as session, session.begin():
            session.execute(update(ImportJob).where(ImportJob.id == job_id).values(stored_path=None))
    return len(rows)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


def _owned(job_id: int, owner: str):
    return (ImportJob.id == job_id, ImportJob.lease_owner == owner, ImportJob.status == "running")


def _save_progress(sessions, job_id: int, owner: str, done: int, summary: ImportSummary) -> None:
    with sessions() as session, session.begin():
        session.execute(update(ImportJob).where(*_owned(job_id, owner))
                        .values(bytes_done=done, summary=summary.counts()))


def _queue_retry(sessions, job_id: int, owner: str, delay: float, message: str) -> None:
    with sessions() as session, session.begin():
        session.execute(update(ImportJob).where(*_owned(job_id, owner)).values(
            status="queued", lease_owner=None, lease_expires_at=None, error=message,
            next_attempt_at=utcnow() + timedelta(seconds=delay)))


def _fail(sessions, job_id: int, owner: str, summary: ImportSummary, error: str) -> JobOutcome:
    _finish(sessions, job_id, owner, summary, status="failed", error=error[:MAX_ERROR_CHARS])
    return JobOutcome("failed", summary)


def _finish(sessions, job_id: int, owner: str, summary: ImportSummary, *, status: str,
            error: str | None = None) -> None:
    """Record the end of the job (only while this owner holds it), then delete its file."""
    with sessions() as session, session.begin():
        job = session.scalars(select(ImportJob).where(*_owned(job_id, owner))).one_or_none()
        if job is None:  # the lease was lost meanwhile: the process that took over records the end
            return
        path = job.stored_path
        job.status, job.error, job.summary, job.finished_at = status, error, summary.counts(), utcnow()
        job.lease_owner = job.lease_expires_at = job.next_attempt_at = None
        job.stored_path = None
        if job.bytes_total is not None and status == "done":
            job.bytes_done = job.bytes_total
        session.query(ImportRejection).filter_by(import_id=job_id).delete()
        session.add_all(
            [ImportRejection(import_id=job_id, kind="rejected", source=r.source, reason=r.reason, record=r.record)
             for r in summary.rejections]
            + [ImportRejection(import_id=job_id, kind="warning", source=w.source, reason=w.message)
               for w in summary.warning_list]
        )
    remove_upload(path)
