from __future__ import annotations

import logging
import os
import signal
import time

import click

from ..config import load_settings
from .exits import FatalError

log = logging.getLogger(__name__)

# Seconds a stopping `serve` gives the batch being scored and the running imports before it releases them.
SHUTDOWN_SECONDS = float(os.environ.get("MODSVC_SHUTDOWN_SECONDS") or 20)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Requests served at once.")
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app and API with waitress, a production WSGI server. In embedded mode (no
    MODSVC_BROKER_URL) the worker runs in this process too: it scores comments and runs import jobs.

    SIGTERM or Ctrl-C stops it cleanly: no new requests, the batch being scored finishes, running imports are
    handed back (they resume at the next start, or in another process), within MODSVC_SHUTDOWN_SECONDS
    (default 20) plus up to 5 s for requests in flight; exit status 0. In scaled mode this serves the web
    only; gunicorn with more processes is the alternative (docs/scaling.md).
    """
    from waitress import create_server

    from .. import migrations
    from ..app import create_app

    settings = load_settings()
    try:
        migrations.upgrade(settings.database_url)
    except Exception as exc:
        raise FatalError(f"cannot prepare the database: {exc}") from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    try:
        # X-Forwarded-* headers are left to the app, which trusts them only as MODSVC_TRUSTED_PROXIES says
        server = create_server(app, host=host, port=port, threads=threads, ident="modsvc",
                               clear_untrusted_proxy_headers=False)
    except OSError as exc:
        raise FatalError(f"cannot listen on {host}:{port}: {exc}") from exc
    worker = imports = None
    if settings.embedded:  # score and import in this process; the database is the queue (modsvc/scoring/embedded_worker.py)
        from ..scoring.dispatch import runner_for
        from ..scoring.embedded_worker import EmbeddedWorker

        sessions = app.extensions["modsvc.sessions"]
        imports = runner_for(sessions)
        worker = EmbeddedWorker(sessions, batch_size=settings.score_batch_size, imports=imports,
                                upload_dir=settings.upload_dir).start()
    click.echo(f"modsvc serving on http://{host}:{port}/ ({'embedded' if settings.embedded else 'scaled'} mode)")
    signal.signal(signal.SIGTERM, _stop_serving)
    try:
        server.run()  # returns after SIGTERM or Ctrl-C, once requests in flight are answered (at most 5 s)
    finally:
        _shut_down(worker, imports)


def _stop_serving(_signum, _frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    raise SystemExit(0)  # waitress's run() stops serving on SystemExit, as on KeyboardInterrupt


def _shut_down(worker, imports) -> None:
    deadline = time.monotonic() + SHUTDOWN_SECONDS
    log.info("shutting down: finishing the batch being scored, handing running imports back")
    for part in (imports, worker):
        if part is not None:
            part.request_stop()
    if imports is not None:
        imports.stop(timeout=max(0.0, deadline - time.monotonic()))
    if worker is not None:
        worker.stop(timeout=max(0.0, deadline - time.monotonic()))
    log.info("stopped")
