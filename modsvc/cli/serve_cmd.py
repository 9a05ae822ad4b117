from __future__ import annotations

import click

from ..config import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app and API. In embedded mode (no MODSVC_BROKER_URL) a worker runs in-process.

    For production behind many clients run gunicorn instead: see README, "Scaled mode".
    """
    from werkzeug.serving import run_simple

    from .. import migrations
    from ..app import create_app
    from . import FatalError

    settings = load_settings()
    try:
        migrations.upgrade(settings.database_url)
    except Exception as exc:
        raise FatalError(f"cannot prepare the database: {exc}") from exc
    app = create_app(settings)
    worker = None
    if settings.embedded:  # score in this process; the comments table is the queue (modsvc/embedded.py)
        from ..embedded import EmbeddedWorker

        worker = EmbeddedWorker(app.extensions["modsvc.sessions"], batch_size=settings.score_batch_size).start()
    click.echo(f"modsvc serving on http://{host}:{port}/ ({'embedded' if settings.embedded else 'scaled'} mode)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.stop()
