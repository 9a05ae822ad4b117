"""Embedded mode's import runner: import jobs on threads of this process, each under a lease.

``on_batch_committed(comment_ids)`` is called after each committed batch (the dispatch port wakes the scoring
worker with it: ``modsvc/scoring/dispatch.py``, which also keeps the one runner per process).
``start(job_id)`` runs one job (an upload just arrived); ``resume_waiting()`` starts every job nobody
is running (queued, due for a retry, or left ``running`` by a process that died and whose lease has
expired). ``modsvc serve``'s worker calls it at start and every few seconds, so a job survives any
crash. A job that fails transiently is retried by its own thread after the backoff. ``stop()`` (on
SIGTERM) makes running jobs hand themselves back; a thread that does not answer in time has its job
released for it, so another process (or the next start) picks it up.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from . import job_leases
from .jobs import remove_finished_uploads, run_import_job

log = logging.getLogger(__name__)


class EmbeddedImports:
    def __init__(self, sessions: sessionmaker[Session], on_batch_committed: Callable[[list[int]], None]) -> None:
        self.sessions = sessions
        self.on_batch_committed = on_batch_committed
        self.owner = job_leases.new_owner("serve")
        self._stop = threading.Event()
        self._threads: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, job_id: int) -> bool:
        """Run the job on a thread of its own, unless this process already runs it or is stopping."""
        with self._lock:
            if self._stop.is_set():
                return False
            running = self._threads.get(job_id)
            if running is not None and running.is_alive():
                return False
            thread = threading.Thread(target=self._run, args=(job_id,), name=f"import-{job_id}", daemon=True)
            self._threads[job_id] = thread
            thread.start()
            return True

    def resume_waiting(self) -> list[int]:
        """Start every job nobody runs; returns the ids started here."""
        started = [job_id for job_id in job_leases.due_jobs(self.sessions) if self.start(job_id)]
        if started:
            log.info("resuming import jobs %s", started)
        return started

    def remove_finished_uploads(self) -> int:
        return remove_finished_uploads(self.sessions)

    def request_stop(self) -> None:
        """Running jobs hand themselves back at their next record; no job starts any more."""
        self._stop.set()

    def stop(self, timeout: float) -> None:
        """Ask running jobs to hand themselves back; release for them those still busy after ``timeout``."""
        self.request_stop()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = dict(self._threads)
        for job_id, thread in threads.items():
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive() and job_leases.release(self.sessions, job_id, self.owner):
                log.warning("import %s did not stop in time; released for another process", job_id)

    def _run(self, job_id: int) -> None:
        try:
            while not self._stop.is_set():
                outcome = run_import_job(self.sessions, job_id, self.on_batch_committed, owner=self.owner,
                                         stop=self._stop)
                if outcome.status != "retry" or self._stop.wait(outcome.retry_in or 0):
                    return
        except Exception:  # the database is away: the job keeps its row, resume_waiting finds it again
            log.exception("import job %s: error; it will be resumed", job_id)
        finally:
            with self._lock:
                if self._threads.get(job_id) is threading.current_thread():
                    del self._threads[job_id]
