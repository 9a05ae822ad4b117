"""Where the embedded defaults keep their files: everything under one instance directory.

MODSVC_INSTANCE_DIR (default ``./instance``, resolved against the working directory) is the root of
every default path; each one has its own variable that overrides it alone. This is the one place
that knows the layout, so a path cannot drift back to ``./instance`` while the rest moved:

    <instance>/modsvc.db            MODSVC_DATABASE_URL   (sqlite:///<instance>/modsvc.db)
    <instance>/models/              MODSVC_MODEL_DIR      (the built ONNX encoder, downloaded weights)
    <instance>/uploads/             MODSVC_UPLOAD_DIR     (uploaded import files until their job ends)
    <instance>/secret_key           MODSVC_SECRET_KEY     (a random key kept here when the variable is unset)
    <instance>/celerybeat-schedule  (Celery beat's schedule state for ``modsvc worker --beat``)

The analysis core, which imports nothing of the service, finds <instance>/models by the same rule itself
(``modsvc/analysis/settings.py``); tests/test_instance_dir.py checks that the two agree.

Read on every call, not at import: a process (or a test) that sets the variable later still gets it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def instance_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("MODSVC_INSTANCE_DIR") or Path.cwd() / "instance").resolve()


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    return f"sqlite:///{instance_dir(env) / 'modsvc.db'}"


def default_model_dir(env: Mapping[str, str] | None = None) -> Path:
    return instance_dir(env) / "models"


def default_upload_dir(env: Mapping[str, str] | None = None) -> Path:
    return instance_dir(env) / "uploads"


def secret_key_file(env: Mapping[str, str] | None = None) -> Path:
    return instance_dir(env) / "secret_key"


def beat_schedule_file(env: Mapping[str, str] | None = None) -> Path:
    return instance_dir(env) / "celerybeat-schedule"
