"""Uploaded import files: stored under a name we make, kept only while their job needs them, bounded per key.

The client's file name never reaches the file system (a 5,000-character name used to fail with
"File name too long"): the file is stored as ``<uuid><suffix>``, keeping at most a short, safe suffix
(``.jsonl.gz``) because format detection may look at it. The name the user gave is kept on the job,
cleaned for display (``display_name``). The job deletes the file when it ends (``modsvc/ingest/jobs.py``).
A file no job owns (its process was killed after saving it, before committing the job) is deleted by
``remove_orphan_uploads`` once old.

What one API key may have waiting (queued or running jobs, and their bytes) is bounded by
MODSVC_MAX_QUEUED_IMPORTS and MODSVC_MAX_QUEUED_IMPORT_MB (``config.Settings``; 0 = no limit). The check that
admits a job holds the key's lock until the job is committed (``check_waiting_imports_locked``).
"""
from __future__ import annotations

import logging
import os
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import lock_row
from ..models import ApiKey, ImportJob

log = logging.getLogger(__name__)

DISPLAY_NAME_MAX = 200
WAITING_STATUSES = ("queued", "running")
_SAFE_SUFFIX = re.compile(r"(?:\.[a-z0-9]{1,10}){1,2}$")
_STORED_NAME = re.compile(r"[0-9a-f]{32}(?:\.[a-z0-9]{1,10}){0,2}")  # what new_upload_path makes
# The file is saved before its job row is committed (the row records its size, and a refused upload costs no
# row), so a kill in between leaves a file no job owns. Such a file is deleted once nothing has written it for
# this long: an upload still arriving or being committed is younger (each chunk written renews the mtime).
ORPHAN_GRACE_SECONDS = 3600.0


def display_name(client_name: str | None) -> str:
    """The client's file name for messages: no directories, no control or invisible format characters,
    at most DISPLAY_NAME_MAX characters (the middle is cut, so the extension stays visible)."""
    name = re.split(r"[/\\]", client_name or "")[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name if unicodedata.category(ch)[0] != "C" or ch.isspace())
    name = " ".join(name.split())
    if len(name) > DISPLAY_NAME_MAX:
        tail = DISPLAY_NAME_MAX // 10
        name = name[:DISPLAY_NAME_MAX - tail - 1] + "…" + name[-tail:]
    return name or "upload"


def new_upload_path(upload_dir: str | Path, client_name: str | None) -> Path:
    """Where to store a new upload: a fresh uuid plus the client name's suffix when it is short and plain."""
    suffix = _SAFE_SUFFIX.search((client_name or "").lower())
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{uuid.uuid4().hex}{suffix.group(0) if suffix else ''}"


def remove_upload(path: str | Path | None) -> None:
    """Delete an upload the job no longer needs; a file already gone is fine."""
    if not path:
        return
    try:
        Path(path).unlink(missing_ok=True)
    except OSError as exc:  # a permission problem must not fail the job that finished
        log.warning("could not delete upload %s: %s", path, exc)


def remove_orphan_uploads(sessions: sessionmaker[Session], upload_dir: str | Path,
                          grace_seconds: float = ORPHAN_GRACE_SECONDS) -> int:
    """Delete the uploads in ``upload_dir`` that no job references and nothing wrote for ``grace_seconds``;
    returns how many. Only names ``new_upload_path`` makes are considered: other files in the folder stay."""
    directory = Path(upload_dir)
    if not directory.is_dir():
        return 0
    cutoff = time.time() - grace_seconds
    old = []
    with os.scandir(directory) as entries:
        for entry in entries:
            try:
                if (_STORED_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_mtime < cutoff):
                    old.append(entry.name)
            except FileNotFoundError:  # its job ended meanwhile
                continue
    if not old:
        return 0
    with sessions() as session:
        owned = {os.path.basename(path) for path in session.scalars(
            select(ImportJob.stored_path).where(ImportJob.stored_path.is_not(None)))}
    orphans = [name for name in old if name not in owned]
    for name in orphans:
        log.warning("deleting upload %s: no import job owns it (its upload was cut short by a crash)", name)
        remove_upload(directory / name)
    return len(orphans)


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_jobs: int = 0  # queued + running jobs per API key; 0 = no limit
    max_bytes: int = 0  # their uploaded bytes per API key; 0 = no limit


class TooManyWaitingImports(Exception):
    """This key already has as much waiting as it may; the message says which limit and what to do."""


def check_waiting_imports(session: Session, api_key_id: int | None, limits: UploadLimits,
                          adding_bytes: int | None = None) -> None:
    """Raise TooManyWaitingImports if one more job (of ``adding_bytes``, when known) would exceed the key's limits."""
    if api_key_id is None or not (limits.max_jobs or limits.max_bytes):
        return
    jobs, waiting_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(ImportJob.bytes_total), 0))
        .where(ImportJob.api_key_id == api_key_id, ImportJob.status.in_(WAITING_STATUSES))
    ).one()
    if limits.max_jobs and jobs >= limits.max_jobs:
        raise TooManyWaitingImports(
            f"this API key already has {jobs} imports queued or running, its limit (MODSVC_MAX_QUEUED_IMPORTS) "
            f"is {limits.max_jobs}: upload again when one has finished (GET /api/v1/imports/<id> shows progress)")
    if adding_bytes is not None and limits.max_bytes and waiting_bytes + adding_bytes > limits.max_bytes:
        raise TooManyWaitingImports(
            f"this upload ({_mb(adding_bytes)}) and the {_mb(waiting_bytes)} this API key already has queued or "
            f"running exceed its limit (MODSVC_MAX_QUEUED_IMPORT_MB) of {_mb(limits.max_bytes)}: upload again "
            f"when an import has finished")


def check_waiting_imports_locked(session: Session, api_key_id: int | None, limits: UploadLimits,
                                 adding_bytes: int | None) -> None:
    """``check_waiting_imports`` under a lock on the key that lasts until the session's transaction ends: the
    caller inserts the job and commits in that transaction, so of simultaneous uploads by one key each counts
    those admitted before it (unlocked, all could count the same jobs and all pass)."""
    if api_key_id is None or not (limits.max_jobs or limits.max_bytes):
        return
    lock_row(session, ApiKey, ApiKey.id == api_key_id, ApiKey.name)
    check_waiting_imports(session, api_key_id, limits, adding_bytes)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
