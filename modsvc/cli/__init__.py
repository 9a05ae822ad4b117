"""The ``modsvc`` command line: a public interface that users script against.

Exit codes: 0 success, 1 some records rejected, 2 usage or fatal error (``exits.py``).
Every command reads MODSVC_DATABASE_URL, MODSVC_BROKER_URL, MODSVC_REDIS_URL,
MODSVC_SECRET_KEY and the other MODSVC_* settings (see ``modsvc doctor``).
Commands import the domain packages when they run, not at start: ``modsvc --help`` and
``modsvc score`` do not load the web app, the broker client or the database layer.
"""
from __future__ import annotations

import sys

import click

from . import (apikeys_cmd, db_cmd, doctor_cmd, export_cmd, import_cmd, models_cmd, score_cmd, serve_cmd, users_cmd,
               worker_cmd)
from .exits import EXIT_FATAL, EXIT_OK, EXIT_REJECTED, FatalError

__all__ = ["cli", "main", "FatalError", "EXIT_OK", "EXIT_REJECTED", "EXIT_FATAL"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="modsvc")
def cli() -> None:
    """modsvc: comment moderation and analysis (toxicity, antisemitism, conspiracy)."""


for command in (
    import_cmd.import_command,
    export_cmd.export_command,
    score_cmd.score_command,
    serve_cmd.serve,
    worker_cmd.worker,
    db_cmd.db,
    users_cmd.users,
    apikeys_cmd.api_keys,
    models_cmd.models,
    doctor_cmd.doctor,
):
    cli.add_command(command)


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
