"""Embedded mode's worker: a thread inside ``modsvc serve`` that scores pending comments.

No broker: the comments table is the queue. The loop leases a batch of pending rows
(``backlog.claim_pending``), scores them with the same ``modsvc.scoring`` code as the
Celery workers, and repeats; when nothing is pending it sleeps until nudged (an import
in this process committed a batch) or for MODSVC_EMBEDDED_POLL_SECONDS (another process,
e.g. ``modsvc import``, wrote rows). At start it hands back every lease (a previous
process may have died holding some), queues comments scored by an older model version and
failed comments with attempts left (MODSVC_MAX_SCORE_ATTEMPTS), so a restart forgets nothing.

It also looks after import jobs (``modsvc/ingest/embedded_imports.py``): at start and every poll interval
it starts the jobs nobody runs (queued, due for a retry, or left by a process that died); at start and every
HOUSEKEEPING_SECONDS it deletes uploads no job owns (``uploads.remove_orphan_uploads``).

``stop()`` (SIGTERM) lets the batch being scored finish; if it is not done within the timeout, its
lease is released so another process, or the next start, scores it at once.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ..adaptation import load_adaptation_settings
from ..adaptation.service import fit_all
from ..ingest.embedded_imports import EmbeddedImports
from ..ingest.uploads import remove_orphan_uploads
from ..integrations import webhooks
from . import backlog
from .scorer import get_default_analyzer, score_comments

log = logging.getLogger(__name__)

POLL_SECONDS = float(os.environ.get("MODSVC_EMBEDDED_POLL_SECONDS") or 2.0)
HOUSEKEEPING_SECONDS = 60.0  # webhook deliveries left pending by a restart are re-sent, orphan uploads swept
LEASE_SECONDS = float(os.environ.get("MODSVC_EMBEDDED_LEASE_SECONDS") or 300)
ERROR_BACKOFF_MAX = 30.0

_current: EmbeddedWorker | None = None


def current_worker() -> EmbeddedWorker | None:
    """The worker running in this process, if any (the embedded dispatcher nudges it)."""
    return _current


class EmbeddedWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        batch_size: int = 128,
        analyzer_factory: Callable[[], Any] = get_default_analyzer,
        poll_seconds: float = POLL_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        imports: EmbeddedImports | None = None,
        upload_dir: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.batch_size = batch_size
        self.analyzer_factory = analyzer_factory
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.scored = 0
        self.failed = 0
        self._hook = _webhook_hook(sessions)
        self._last_housekeeping = 0.0
        self.imports = imports
        self.upload_dir = upload_dir
        self._last_import_check = 0.0
        self._leased: list[int] = []  # the batch being scored, released if stop() times out
        self._last_adaptation = time.monotonic()  # the first refit comes one interval after the start

    # -- life cycle --------------------------------------------------------------------------------
    def start(self) -> EmbeddedWorker:
        global _current
        self._thread = threading.Thread(target=self._run, name="modsvc-embedded-worker", daemon=True)
        self._thread.start()
        _current = self
        return self

    def request_stop(self) -> None:
        """Take no new batch (the one being scored goes on); ``stop`` waits for it."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float | None = 10) -> None:
        """Stop after the batch being scored; a batch still running after ``timeout`` is released."""
        global _current
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and (leased := list(self._leased)):
                released = backlog.release(self.sessions, leased)
                log.warning("embedded worker: batch not finished in time; %d comments released", released)
        if _current is self:
            _current = None

    def nudge(self) -> None:
        self._wake.set()

    # -- work --------------------------------------------------------------------------------------
    def startup_sweep(self) -> None:
        released = backlog.release_leases(self.sessions)
        analyzer = self.analyzer_factory()
        outdated = retried = 0
        while batch := backlog.mark_outdated(self.sessions, str(analyzer.model_version)):
            outdated += len(batch)
        while batch := backlog.reset_failed(self.sessions):  # attempts are counted, so this ends
            retried += len(batch)
        if released or outdated or retried:
            log.info("start-up sweep: %d leases released, %d comments of an older model and %d failed ones "
                     "queued again", released, outdated, retried)

    def run_once(self) -> int:
        """Score one leased batch; returns how many comments it took (0 = nothing pending)."""
        ids = backlog.claim_pending(self.sessions, self.batch_size, self.lease_seconds)
        if ids:
            self._leased = ids
            try:
                counts = score_comments(self.sessions, ids, self.analyzer_factory(), on_scored=self._hook)
            finally:
                self._leased = []
            self.scored += counts["scored"]
            self.failed += counts["failed"]
        return len(ids)

    def drain(self, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Score until nothing is pending (used by ``modsvc import --wait``)."""
        total = 0
        while not should_stop() and (n := self.run_once()):
            total += n
        return total

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self._last_housekeeping = now
        webhooks.retry_due(self.sessions)
        if self.upload_dir:
            remove_orphan_uploads(self.sessions, self.upload_dir)

    def _adapt_sites(self) -> None:
        """The embedded twin of Celery beat's "adapt-sites": refit every site's adapter each interval."""
        interval = load_adaptation_settings().interval_seconds
        if not interval or time.monotonic() - self._last_adaptation < interval:
            return
        self._last_adaptation = time.monotonic()
        for outcome in fit_all(self.sessions):
            log.info("adaptation: %s: %s", outcome.site, outcome.report.reason)

    def _resume_imports(self) -> None:
        """Start import jobs nobody runs (queued, due for a retry, or left by a dead process)."""
        now = time.monotonic()
        if self.imports is None or now - self._last_import_check < self.poll_seconds:
            return
        if not self._last_import_check:  # first time: also delete files that finished jobs left behind
            self.imports.remove_finished_uploads()
        self._last_import_check = now
        self.imports.resume_waiting()

    def _run(self) -> None:
        backoff = 1.0
        started = False
        while not self._stop.is_set():
            try:
                if not started:
                    self.startup_sweep()
                    started = True
                self._resume_imports()
                took = self.run_once()
                self._housekeeping()
                self._adapt_sites()
                backoff = 1.0
            except Exception:  # the database is locked or away, the model failed to load: wait, retry
                log.exception("embedded worker: error; retrying in %.0fs", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, ERROR_BACKOFF_MAX)
                continue
            if not took:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        log.info("embedded worker stopped")


def _webhook_hook(sessions: sessionmaker[Session]) -> Callable[[list[dict]], None]:
    """``webhooks.on_comments_scored`` bound to these sessions: the machine held a comment -> its site hears of it."""
    return lambda changes: webhooks.on_comments_scored(sessions, changes)
