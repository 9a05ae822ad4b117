"""The multilingual backend: the fine-tuned multilingual encoder (``multilingual.py``) + fusion with the trope rules.

Scoring a text: every ``max_tokens`` window of it goes through the fine-tuned graph, which gives nine logits; a
text's score per label is its worst window. Antisemitism and conspiracy are then fused with the rule layer
(``fusion.py``, weights fitted by ``training/fit_multilingual_fusion.py`` on the fine-tuning's development rows
and stored in ``multilingual.json`` → "fusion"); without fitted weights the fusion is ``max(model, rule)``.
Evidence for a flagged label without a rule span: the sentences whose own score reaches the threshold.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from . import fusion as fusion_mod
from .builtin import _single_threaded_blas, sentence_evidence
from .heads import sigmoid
from .multilingual import MultilingualEncoder
from .settings import AnalysisSettings
from .types import LABELS, Span


class MultilingualModel:
    name = "multilingual"

    def __init__(self, settings: AnalysisSettings | None = None, runtime: str = "auto", directory: Path | None = None):
        settings = settings or AnalysisSettings()
        _single_threaded_blas()
        self.encoder = MultilingualEncoder(settings.model_dir, runtime=runtime, threads=settings.threads,
                                           directory=directory)
        meta = self.encoder.finetuned.meta
        labels = tuple(meta.get("labels", LABELS))
        if labels != LABELS:
            raise ValueError(f"the multilingual model predicts {labels}, the service expects {LABELS}")
        self.fusion = meta.get("fusion", {})
        # languages the model was trained and measured on: others are not scored as if they were known
        self.supported_languages = frozenset(meta.get("languages", ("en", "de", "ru")))
        self._batch = threading.local()

    @property
    def components(self) -> dict[str, str]:
        return {"encoder": self.encoder.version, "fusion": "logistic" if self.fusion else "max"}

    def describe(self) -> dict:
        info = {"encoder_runtime": self.encoder.runtime, "encoder_layers": self.encoder.finetuned.layers,
                "max_tokens_per_window": self.encoder.max_tokens,
                "supported_languages": sorted(self.supported_languages)}
        if self.encoder.runtime != "onnx-int8":
            info["hint"] = "build the faster ONNX graph with `python -m modsvc.analysis.export_onnx`"
        return info

    def _memo(self) -> dict:
        memo = getattr(self._batch, "memo", None)
        if memo is None:
            memo = self._batch.memo = {}
        return memo

    def model_scores(self, texts: list[str]) -> np.ndarray:
        """(n, 9) model probabilities, worst window of each text."""
        self._batch.memo = {}  # a new batch: keep only its windows
        windows = self.encoder.windows(texts)
        logits, _ = self.encoder.run(windows.ids, self._batch.memo)
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        np.maximum.at(out, windows.owner, sigmoid(logits).astype(np.float32))
        return out

    def fuse(self, model: np.ndarray, rules: list[dict[str, float]], texts: list[str],
             rule_features: list[dict[str, float]] | None = None) -> np.ndarray:
        out = model.copy()
        feats = fusion_mod.text_features(texts, rule_features) if self.fusion else None
        for lb in ("antisemitism", "conspiracy"):
            j = LABELS.index(lb)
            rule = np.array([float(r.get(lb, 0.0)) for r in rules], dtype=np.float32)
            f = self.fusion.get(lb)
            out[:, j] = fusion_mod.apply(f, lb, model[:, j], rule, feats, texts) if f else np.maximum(model[:, j], rule)
        return out

    def score(self, texts: list[str], rules: list[dict[str, float]],
              rule_features: list[dict[str, float]] | None = None) -> np.ndarray:
        return self.fuse(self.model_scores(texts), rules, texts, rule_features)

    def evidence_spans_batch(self, requests: list[tuple[str, dict[str, float]]], offset_map=None) -> list[list[Span]]:
        """Sentences whose own score reaches the threshold, per flagged label (one graph call for all sentences)."""
        def sentence_probs(sentences: list[str]) -> np.ndarray:
            logits, _ = self.encoder.run(self.encoder.windows(sentences, max_windows=1).ids, self._memo())
            return sigmoid(logits)

        return sentence_evidence(requests, sentence_probs, offset_map)

    def evidence_spans(self, text: str, labels: dict[str, float], offset_map=None) -> list[Span]:
        return self.evidence_spans_batch([(text, labels)], offset_map)[0]
