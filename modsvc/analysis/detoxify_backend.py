"""Detoxify (unitary.ai) as a scoring backend: ``original``, ``unbiased`` or ``multilingual``, run offline.

Detoxify gives the seven toxicity labels (``original`` has no sexual_explicit: that one, antisemitism and
conspiracy come from the built-in heads, the latter two fused with the trope rules as in the built-in model).

Offline loading. Detoxify's weights are GitHub release files and its config/tokenizer come from the HF hub; neither
is reachable at request time. Needed locally:
- the checkpoint: ``MODSVC_DETOXIFY_CHECKPOINT`` or ``$MODSVC_MODEL_DIR/detoxify/<file>.ckpt``;
- the HF config + tokenizer files of its base model (``bert-base-uncased`` / ``roberta-base`` /
  ``xlm-roberta-base``): ``MODSVC_DETOXIFY_HF_DIR`` or ``$MODSVC_MODEL_DIR/detoxify/<base model>/``.
``modsvc models download detoxify-original`` (``download()`` below) fetches both on a connected machine.

Why not ``Detoxify(checkpoint=..., huggingface_config_path=...)``: detoxify 0.5.4's
``get_model_and_tokenizer`` always calls ``config_class.from_pretrained(model_type)`` with the hub name from the
checkpoint (e.g. "bert-base-uncased") before it looks at ``huggingface_config_path``, so it goes to the network
even with local files. ``load_detoxify`` reads the checkpoint with Detoxify's own format rules, points
``model_type`` at the local dir, then calls Detoxify's own ``get_model_and_tokenizer`` and ``Detoxify.predict``.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from .settings import AnalysisSettings
from .types import LABELS, Span

log = logging.getLogger(__name__)

VARIANTS = ("original", "unbiased", "multilingual")
CHANGE_NAMES = {"toxic": "toxicity", "identity_hate": "identity_attack", "severe_toxic": "severe_toxicity"}
BATCH_SIZE = 16
MAX_TOKENS = 256  # Detoxify truncates at the model max (512); 256 keeps CPU latency sane, documented


class ModelNotAvailable(RuntimeError):
    """The model's files are not on this machine; the message says how to get them."""


def _detoxify_dir(settings: AnalysisSettings) -> Path:
    return Path(settings.model_dir) / "detoxify"


def checkpoint_filename(variant: str) -> str:
    from detoxify.detoxify import MODEL_URLS

    return MODEL_URLS[variant].rsplit("/", 1)[-1]


def find_files(variant: str, settings: AnalysisSettings, checkpoint=None, hf_dir=None) -> tuple[Path, Path | None]:
    ckpt = Path(checkpoint or settings.detoxify_checkpoint or (_detoxify_dir(settings) / checkpoint_filename(variant)))
    if not ckpt.exists():
        raise ModelNotAvailable(
            f"Detoxify '{variant}' checkpoint not found at {ckpt}. On a machine with internet access run "
            f"`modsvc models download detoxify-{variant}` (or download it from the Detoxify GitHub releases) and "
            f"copy {_detoxify_dir(settings)} here, or set MODSVC_DETOXIFY_CHECKPOINT and MODSVC_DETOXIFY_HF_DIR.")
    hf = hf_dir or settings.detoxify_hf_dir
    return ckpt, Path(hf) if hf else None


def _read_checkpoint(path: Path) -> dict:
    import torch

    loaded = torch.load(str(path), map_location="cpu", weights_only=False)
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ValueError(f"{path} is not a Detoxify checkpoint: it needs the training config and the state dict")
    return loaded


def load_detoxify(checkpoint: Path, hf_dir: Path | None = None):
    """A ``detoxify.Detoxify`` built from local files only (see module doc for the hub-call workaround)."""
    import detoxify.detoxify as dx

    loaded = _read_checkpoint(Path(checkpoint))
    args = dict(loaded["config"]["arch"]["args"])
    if hf_dir is None:
        # without a local dir the base model's files must already be in the HF cache
        guess = _detoxify_dir_from_ckpt(Path(checkpoint)) / args["model_type"]
        hf_dir = guess if guess.exists() else None
    if hf_dir is not None:
        if not (Path(hf_dir) / "config.json").exists():
            raise ModelNotAvailable(f"{hf_dir} has no config.json for {args['model_type']}")
        args["model_type"] = str(hf_dir)
    try:
        model, tokenizer = dx.get_model_and_tokenizer(
            **args, state_dict=loaded["state_dict"],
            huggingface_config_path=str(hf_dir) if hf_dir is not None else None)
    except OSError as exc:  # transformers' "couldn't connect / not in cache"
        raise ModelNotAvailable(
            f"config/tokenizer for {args['model_type']} not available offline ({exc.__class__.__name__}); set "
            f"MODSVC_DETOXIFY_HF_DIR to a local copy (modsvc models download fetches it)") from exc
    det = dx.Detoxify.__new__(dx.Detoxify)  # Detoxify's own predict() on the model loaded above
    det.model, det.tokenizer, det.device = model.eval(), tokenizer, "cpu"
    det.class_names = [CHANGE_NAMES.get(c, c) for c in loaded["config"]["dataset"]["args"]["classes"]]
    det.tokenizer.model_max_length = min(getattr(det.tokenizer, "model_max_length", MAX_TOKENS) or MAX_TOKENS,
                                         MAX_TOKENS)
    return det


def _detoxify_dir_from_ckpt(ckpt: Path) -> Path:
    return ckpt.parent


def _fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 20))
    h.update(str(path.stat().st_size).encode())
    return h.hexdigest()[:10]


# Detoxify's documentation: the multilingual model was trained on English, French, Spanish, Italian, Portuguese,
# Turkish and Russian; the other variants on English only.
MULTILINGUAL_LANGUAGES = frozenset({"en", "fr", "es", "it", "pt", "tr", "ru"})


class DetoxifyModel:
    name = "detoxify"

    def __init__(self, variant: str = "original", settings: AnalysisSettings | None = None, checkpoint=None,
                 hf_dir=None, builtin=None):
        if variant not in VARIANTS:
            raise ValueError(f"Detoxify variant must be one of {VARIANTS}, got {variant!r}")
        import detoxify
        import torch

        from .settings import default_threads

        settings = settings or AnalysisSettings()
        torch.set_num_threads(settings.threads or default_threads())
        self.variant = variant
        self.name = f"detoxify-{variant}"
        ckpt, hf = find_files(variant, settings, checkpoint, hf_dir)
        self.detox = load_detoxify(ckpt, hf)
        self.own_labels = [lb for lb in LABELS if lb in self.detox.class_names]
        if builtin is None:
            from .builtin import BuiltinModel

            builtin = BuiltinModel(settings)
        self.builtin = builtin
        self.supported_languages = MULTILINGUAL_LANGUAGES if variant == "multilingual" else frozenset({"en"})
        # the labels Detoxify lacks come from the built-in heads, which know only their own languages
        self.label_languages = {lb: (self.supported_languages if lb in self.own_labels
                                     else frozenset(getattr(builtin, "supported_languages", {"en"})))
                                for lb in LABELS}
        self._components = {
            "detoxify": f"detoxify-{variant}@{_fingerprint(ckpt)}/detoxify-{getattr(detoxify, '__version__', '?')}",
            **{f"builtin_{k}": v for k, v in builtin.components.items()},
            "labels_from_detoxify": ",".join(self.own_labels),
        }

    @property
    def components(self) -> dict[str, str]:
        return dict(self._components)

    def describe(self) -> dict:
        return {"detoxify_variant": self.variant, "detoxify_labels": self.own_labels,
                "detoxify_max_tokens": MAX_TOKENS}

    def detoxify_scores(self, texts: list[str]) -> np.ndarray:
        """(n, 9) array, Detoxify's labels filled, others NaN. Batches sorted by length to pad little."""
        out = np.full((len(texts), len(LABELS)), np.nan, dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), BATCH_SIZE):
            sel = order[s:s + BATCH_SIZE]
            res = self.detox.predict([texts[i] for i in sel])
            for lb in self.own_labels:
                vals = np.atleast_1d(np.asarray(res[lb], dtype=np.float32))
                out[sel, LABELS.index(lb)] = vals
        return out

    def score(self, texts: list[str], rules: list[dict[str, float]],
              rule_features: list[dict[str, float]] | None = None) -> np.ndarray:
        mine = self.detoxify_scores(texts)
        other = self.builtin.score(texts, rules, rule_features)
        return np.where(np.isnan(mine), other, mine)

    def evidence_spans(self, text: str, labels: dict[str, float], offset_map=None) -> list[Span]:
        from .builtin import MAX_SENTENCES, split_sentences

        spans = self.builtin.evidence_spans(text, {k: v for k, v in labels.items() if k not in self.own_labels})
        mine = {k: v for k, v in labels.items() if k in self.own_labels}
        sents = split_sentences(text)[:MAX_SENTENCES]
        if mine and sents:
            probs = self.detoxify_scores([text[b:e] for b, e in sents])
            for lb, t in mine.items():
                j = LABELS.index(lb)
                for i, (b, e) in enumerate(sents):
                    if probs[i, j] >= t:
                        spans.append(Span(b, e, lb, round(float(probs[i, j]), 4),
                                          f"detoxify: sentence scores {probs[i, j]:.2f} for {lb}"))
        return spans


# ---------------------------------------------------------------------- download (connected machines only)
HF_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "merges.txt",
            "special_tokens_map.json", "sentencepiece.bpe.model")


def download(variant: str, settings: AnalysisSettings | None = None, progress: bool = True) -> Path:
    """Fetch a Detoxify checkpoint and its base model's config/tokenizer into ``$MODSVC_MODEL_DIR/detoxify``.

    For ``modsvc models download detoxify-NAME``. Raises ``ModelNotAvailable`` with a clear message when the
    network is unreachable (as on this build machine).
    """
    import urllib.error
    import urllib.request

    from detoxify.detoxify import MODEL_URLS
    from tqdm import tqdm

    if variant not in VARIANTS:
        raise ValueError(f"unknown Detoxify model {variant!r}; choose from {', '.join(VARIANTS)}")
    settings = settings or AnalysisSettings()
    dest = _detoxify_dir(settings)
    dest.mkdir(parents=True, exist_ok=True)
    url = MODEL_URLS[variant]
    target = dest / checkpoint_filename(variant)
    if not target.exists():
        part = target.with_suffix(".part")
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                total = int(resp.headers.get("Content-Length") or 0) or None
                with open(part, "wb") as fh, tqdm(total=total, unit="B", unit_scale=True, desc=target.name,
                                                  disable=not progress) as bar:
                    while chunk := resp.read(1 << 20):
                        fh.write(chunk)
                        bar.update(len(chunk))
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            part.unlink(missing_ok=True)
            raise ModelNotAvailable(
                f"cannot download {url}: {exc}. This machine has no access to GitHub releases; download on a "
                f"connected machine and copy {dest} here (or set MODSVC_DETOXIFY_CHECKPOINT).") from exc
        os.replace(part, target)
    base = _read_checkpoint(target)["config"]["arch"]["args"]["model_type"]
    hf_dir = dest / base
    try:
        from huggingface_hub import hf_hub_download

        hf_dir.mkdir(parents=True, exist_ok=True)
        got = []
        for name in HF_FILES:
            try:
                hf_hub_download(base, name, local_dir=str(hf_dir))
                got.append(name)
            except Exception as exc:  # optional files differ per tokenizer; missing ones are fine
                if "EntryNotFound" not in type(exc).__name__ and "404" not in str(exc):
                    raise
        if "config.json" not in got:
            raise ModelNotAvailable(f"no config.json for {base} on the HF hub")
    except ModelNotAvailable:
        raise
    except Exception as exc:
        raise ModelNotAvailable(f"cannot fetch the config/tokenizer of {base} from the HF hub: {exc}") from exc
    return target
