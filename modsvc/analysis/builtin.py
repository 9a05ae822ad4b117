"""The built-in offline model (default): MiniLM sentence encoder + numpy heads + fusion with the trope rules.

Scoring a text:
1. the encoder embeds every 128-token window of the text (ONNX int8 if built, else PyTorch);
2. the heads give nine probabilities per window; a text's score is its worst window (max), so one hateful
   paragraph inside a long harmless post is not averaged away;
3. antisemitism and conspiracy are fused with the rule layer's scores:
   ``p = sigmoid(w · features + c)`` (head logit, rule score, per-family rule findings, findings the rules'
   counter-speech logic suppressed, words of rejection such as "myth"; see ``fusion.py``) with weights fitted by
   logistic regression on out-of-fold head scores of the training data (``artifacts/heads.json`` → "fusion");
   without fitted weights the fusion is ``max(head, rule)``.
4. for labels that reach a threshold, ``evidence_spans`` scores each sentence on its own and returns the
   sentences that carry the score as spans (model evidence, next to the rule layer's trope spans).

Cost: the encoder is ~90% of the time. Each distinct 128-token window is encoded once per batch: ``score``
keeps the window embeddings of the batch (per thread) and the sentence pass reuses them, so a one-sentence
comment's sentence span costs no encoder run, and the sentences of all flagged texts of a batch go through
the encoder in one call (both cores). The sentence pass only runs for texts with a flagged label (see
``Analyzer._evidence``), i.e. a few percent of ordinary comments.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import numpy as np

from .encoder import load_encoder
from . import fusion as fusion_mod
from .fusion import counter_cue  # noqa: F401
from .heads import ARTIFACTS, Heads
from .lexical import LexicalHead
from .settings import AnalysisSettings
from .types import LABELS, Span

log = logging.getLogger(__name__)

# the fusion (labels, features, weights) lives in fusion.py; counter_cue stays importable from here
FUSED_LABELS = tuple(fusion_mod.FEATURES)  # antisemitism, conspiracy (with the rules), toxicity (words only)
MAX_SENTENCES = 48  # sentences scored per flagged text for evidence spans
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character ranges of sentences (stripped), good enough for evidence highlighting."""
    out = []
    for m in _SENTENCE.finditer(text):
        b, e = m.start(), m.end()
        while b < e and text[b].isspace():
            b += 1
        while e > b and text[e - 1].isspace():
            e -= 1
        if e - b >= 3:
            out.append((b, e))
    return out


def _single_threaded_blas() -> None:
    """The heads' matrix products are tiny; a multi-threaded BLAS (OpenBLAS) gains nothing on them, and its worker
    threads spin after each call, taking the cores from the encoder's threads: measured 0.1 ms per heads call
    with one BLAS thread vs 16 ms with two while the encoder ran, and the encoder's two threads then ran at the
    speed of one. Process-wide, which suits the worker and web processes (nothing else there needs BLAS)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


class BuiltinModel:
    name = "builtin"
    # English encoder, English heads, English lexicons: other languages are not scored (see pipeline.py)
    supported_languages = frozenset({"en"})

    def __init__(self, settings: AnalysisSettings | None = None, runtime: str = "auto", heads_dir: Path | None = None):
        settings = settings or AnalysisSettings()
        _single_threaded_blas()
        self.heads = Heads.load(heads_dir)
        self.encoder = self._load_encoder(settings, runtime, heads_dir)
        self.fusion = self.heads.meta.get("fusion", {})
        self.lexical = LexicalHead.load(Path(heads_dir or ARTIFACTS))  # word-level fusion feature; None: untrained
        self._check_lexical()
        # window embeddings of the last scored batch (token tuple -> vector), per thread; see the module docstring
        self._batch = threading.local()

    def _load_encoder(self, settings: AnalysisSettings, runtime: str, heads_dir: Path | None):
        """The encoder the heads were trained on (heads.json); the multilingual model loads its own."""
        return load_encoder(settings.model_dir, runtime=runtime, threads=settings.threads,
                            spec=self.heads.encoder_spec(heads_dir))

    def _check_lexical(self) -> None:
        """The fusion weights were fitted with one word-level head: refuse a missing or different one (a silent
        zero feature would skew every fused score), as the encoder adapter is checked."""
        wanted = {n.removeprefix("lexical_") for f in self.fusion.values() for n in f.get("features", ())
                  if n.startswith("lexical_")}
        if not wanted:
            return
        have = set(self.lexical.labels) if self.lexical is not None else set()
        if wanted - have:
            raise FileNotFoundError(f"the fusion needs word-level heads for {', '.join(sorted(wanted - have))}: "
                                    "lexical.npz missing or incomplete next to heads.json; retrain the heads")
        trained = self.heads.meta.get("lexical")
        if trained and trained != self.lexical.version:
            raise ValueError(f"lexical.npz is not the word-level head the fusion was fitted with "
                             f"({self.lexical.version} != {trained}): retrain the heads")

    def _memo(self) -> dict:
        memo = getattr(self._batch, "memo", None)
        if memo is None:
            memo = self._batch.memo = {}
        return memo

    @property
    def components(self) -> dict[str, str]:
        out = {"encoder": self.encoder.version, "heads": self.heads.version,
               "fusion": "logistic" if self.fusion else "max"}
        if self.lexical is not None:
            out["lexical"] = self.lexical.version
        return out

    def describe(self) -> dict:
        info = {"encoder_runtime": self.encoder.runtime, "encoder_layers": self.encoder.spec.layers,
                "max_tokens_per_window": self.encoder.tokenizer.max_tokens}
        if getattr(self.encoder.spec, "adapter_hash", None):
            info["encoder_adapter"] = self.encoder.spec.adapter_hash
        if self.encoder.runtime != "onnx-int8":
            info["hint"] = "build the faster ONNX encoder with `python -m modsvc.analysis.export_onnx`"
        return info

    def head_scores(self, texts: list[str]) -> np.ndarray:
        """(n, 9) head probabilities, max over each text's windows."""
        self._batch.memo = {}  # a new batch: keep only its windows (bounded memory)
        emb, chunks = self.encoder.encode_chunks(texts, memo=self._batch.memo)
        probs = self.heads.predict(emb)
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        np.maximum.at(out, chunks.owner, probs)
        return out

    def fuse(self, head: np.ndarray, rules: list[dict[str, float]], texts: list[str],
             rule_features: list[dict[str, float]] | None = None) -> np.ndarray:
        out = head.copy()
        feats = None
        if any("features" in (self.fusion.get(lb) or {}) for lb in FUSED_LABELS):
            feats = fusion_mod.text_features(texts, rule_features)
            for lb, logits in (self.lexical.all_logits(texts) if self.lexical is not None else {}).items():
                for f, z in zip(feats, logits):
                    f[f"lexical_{lb}"] = float(z)
        for lb in FUSED_LABELS:
            j = LABELS.index(lb)
            rule = np.array([float(r.get(lb, 0.0)) for r in rules], dtype=np.float32)
            f = self.fusion.get(lb)
            if f:
                out[:, j] = fusion_mod.apply(f, lb, head[:, j], rule, feats, texts)
            else:
                out[:, j] = np.maximum(head[:, j], rule)
        return out

    def score(self, texts: list[str], rules: list[dict[str, float]],
              rule_features: list[dict[str, float]] | None = None) -> np.ndarray:
        """(n, 9) scores; ``rules`` / ``rule_features``: the rule layer's scores and fusion features per text."""
        return self.fuse(self.head_scores(texts), rules, texts, rule_features)

    def evidence_spans(self, text: str, labels: dict[str, float], offset_map=None) -> list[Span]:
        """Sentences whose own head score reaches ``labels[label]`` (a threshold), for each flagged label.

        If no sentence reaches it, the strongest sentence of a multi-sentence text. ``offset_map`` maps (b, e)
        to the original text.
        """
        return self.evidence_spans_batch([(text, labels)], offset_map)[0]

    def evidence_spans_batch(self, requests: list[tuple[str, dict[str, float]]], offset_map=None) -> list[list[Span]]:
        """``evidence_spans`` for several (text, {label: threshold}) at once: one encoder call for all sentences.

        A sentence is encoded exactly as ``encode`` would (its first window, on its own), so spans and their
        scores are the same as sentence by sentence; windows already encoded in this batch are reused.
        """
        def sentence_probs(sent_texts: list[str]) -> np.ndarray:
            emb, _ = self.encoder.encode_chunks(sent_texts, max_windows=1, memo=self._memo())
            return self.heads.predict(emb)

        return sentence_evidence(requests, sentence_probs, offset_map)


def sentence_evidence(requests: list[tuple[str, dict[str, float]]], sentence_probs, offset_map=None) -> list[list[Span]]:
    """Evidence spans for several (text, {label: threshold}) at once, for any backend: the sentences of every
    flagged text go to ``sentence_probs`` (list of sentences -> (n, 9) probabilities) in one call."""
    jobs = []  # (request index, sentence ranges, first sentence's row)
    sent_texts: list[str] = []
    for r, (text, labels) in enumerate(requests):
        sents = split_sentences(text)[:MAX_SENTENCES] if labels else []
        if sents:
            jobs.append((r, sents, len(sent_texts)))
            sent_texts += [text[b:e] for b, e in sents]
    out: list[list[Span]] = [[] for _ in requests]
    if not jobs:
        return out
    all_probs = sentence_probs(sent_texts)
    for r, sents, start in jobs:
        out[r] = _sentence_spans(sents, all_probs[start:start + len(sents)], requests[r][1], offset_map)
    return out


def _sentence_spans(sents, probs: np.ndarray, labels: dict[str, float], offset_map=None) -> list[Span]:
    spans = []
    for lb, threshold in labels.items():
        j = LABELS.index(lb)
        hits = [(float(probs[i, j]), b, e) for i, (b, e) in enumerate(sents) if probs[i, j] >= threshold]
        if not hits and len(sents) > 1:
            # the text scored high as a whole but no single sentence does: point at the strongest one
            i = int(np.argmax(probs[:, j]))
            hits = [(float(probs[i, j]), *sents[i])]
        for s, b, e in sorted(hits, reverse=True)[:5]:
            if offset_map:
                b, e = offset_map(b, e)
            spans.append(Span(b, e, lb, round(s, 4), f"model: sentence scores {s:.2f} for {lb}"))
    return spans
