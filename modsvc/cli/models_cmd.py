"""``modsvc models``: fetch optional scoring models onto this machine (needs network access once)."""
from __future__ import annotations

import click

from .exits import FatalError

MODEL_NAMES = ("detoxify-original", "detoxify-unbiased", "detoxify-multilingual")


@click.group("models")
def models() -> None:
    """Optional scoring models (the built-in one ships with modsvc and needs no download), and the per-site
    adapters the reviewers' decisions teach."""


@models.command("download")
@click.argument("name", type=click.Choice(MODEL_NAMES))
@click.option("--quiet", is_flag=True, help="No progress bar.")
def download(name: str, quiet: bool) -> None:
    """Download model NAME into MODSVC_MODEL_DIR; then set MODSVC_MODEL=NAME to use it.

    On a machine without internet access this fails with a clear message: download on a connected
    machine and copy MODSVC_MODEL_DIR/detoxify over.
    """
    try:
        from ..analysis import detoxify_backend
        from ..analysis.settings import load_settings
    except ImportError as exc:
        raise FatalError(f"the Detoxify backend is not installed ({exc}); pip install 'modsvc[detoxify]'") from exc
    variant = name.removeprefix("detoxify-")
    try:
        settings = load_settings()
        path = detoxify_backend.download(variant, settings=settings, progress=not quiet)
    except detoxify_backend.ModelNotAvailable as exc:
        raise FatalError(str(exc)) from exc
    except ValueError as exc:
        raise FatalError(str(exc)) from exc
    click.echo(f"downloaded {name} to {path}")
    click.echo(f"use it with: MODSVC_MODEL={name}")


from .adapt_cmd import register as _register_adaptation  # noqa: E402  (adapt, adapters, rollback, thresholds)

_register_adaptation(models)
