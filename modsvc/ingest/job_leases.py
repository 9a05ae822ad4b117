"""Who runs an import job: a lease on the job row, so a crash never strands a job and a live run is never stolen.

A process takes a job with ``claim`` (one conditional UPDATE: only one of several racing processes wins),
then a ``Heartbeat`` thread pushes ``lease_expires_at`` forward every third of the lease while it works.
A process that dies (``kill -9``, power loss) stops renewing; once its lease has expired any process may
claim the job again, and the import starts over from the top of the file (importing is idempotent).
A process that stops on purpose hands the job back at once with ``release``.

MODSVC_IMPORT_LEASE_SECONDS (default 60): how long a lease lasts without renewal, i.e. how soon after
a crash another process (or the restarted one) resumes the job.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import ImportJob, utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = float(os.environ.get("MODSVC_IMPORT_LEASE_SECONDS") or 60)


def new_owner(kind: str) -> str:
    """A name for one running process, unique even across restarts with a reused pid."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _lease_gone(now):
    return or_(ImportJob.lease_expires_at.is_(None), ImportJob.lease_expires_at < now)


def _claimable(now):
    """Waiting (retries included: whoever is told to run it may), or running under a lease that has expired."""
    return or_(ImportJob.status == "queued", and_(ImportJob.status == "running", _lease_gone(now)))


def claim(sessions: sessionmaker[Session], job_id: int, owner: str, lease_seconds: float | None = None) -> bool:
    """Take the job for ``owner`` and count an attempt; False if it is done, failed, gone or held by a live lease."""
    now = utcnow()
    with sessions() as session, session.begin():
        taken = session.execute(
            update(ImportJob).where(ImportJob.id == job_id, _claimable(now))
            .values(status="running", lease_owner=owner, started_at=now, next_attempt_at=None,
                    lease_expires_at=now + timedelta(seconds=lease_seconds or LEASE_SECONDS),
                    attempts=ImportJob.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    return bool(taken)


def renew(sessions: sessionmaker[Session], job_id: int, owner: str, lease_seconds: float | None = None) -> bool:
    """Extend the lease; False if this owner no longer holds the job (it expired and was taken over)."""
    with sessions() as session, session.begin():
        return bool(session.execute(
            update(ImportJob).where(ImportJob.id == job_id, ImportJob.lease_owner == owner,
                                    ImportJob.status == "running")
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds or LEASE_SECONDS))
            .execution_options(synchronize_session=False)
        ).rowcount)


def release(sessions: sessionmaker[Session], job_id: int, owner: str) -> bool:
    """Hand a job back unfinished (shutting down): queued again at once, and this run is not counted."""
    with sessions() as session, session.begin():
        return bool(session.execute(
            update(ImportJob).where(ImportJob.id == job_id, ImportJob.lease_owner == owner,
                                    ImportJob.status == "running")
            .values(status="queued", lease_owner=None, lease_expires_at=None, next_attempt_at=None,
                    attempts=ImportJob.attempts - 1)
            .execution_options(synchronize_session=False)
        ).rowcount)


def due_jobs(sessions: sessionmaker[Session], queued_for_seconds: float = 0.0) -> list[int]:
    """Jobs nobody is running: queued ones due (created, or their retry time come) at least
    ``queued_for_seconds`` ago, and running ones whose lease expired (their process died).
    Scaled mode passes MODSVC_REQUEUE_AFTER_SECONDS: a queued job's message is only taken for lost after that."""
    now = utcnow()
    due_since = func.coalesce(ImportJob.next_attempt_at, ImportJob.created_at)
    queued = and_(ImportJob.status == "queued", due_since <= now - timedelta(seconds=queued_for_seconds))
    stale = and_(ImportJob.status == "running", _lease_gone(now))
    with sessions() as session:
        return list(session.scalars(select(ImportJob.id).where(or_(queued, stale)).order_by(ImportJob.id)))


class Heartbeat:
    """Renews a lease in the background while a job runs; ``lost`` is set if another process took the job."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int, owner: str,
                 lease_seconds: float | None = None) -> None:
        self.sessions, self.job_id, self.owner = sessions, job_id, owner
        self.lease_seconds = lease_seconds or LEASE_SECONDS
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-{job_id}-lease", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._done.wait(self.lease_seconds / 3):
            try:
                if not renew(self.sessions, self.job_id, self.owner, self.lease_seconds):
                    log.warning("import %s: lease lost to another process; stopping this run", self.job_id)
                    self.lost.set()
                    return
            except Exception as exc:  # the database is away for a moment: try again next beat
                log.warning("import %s: could not renew the lease (%s: %s)", self.job_id, type(exc).__name__, exc)
