"""Small per-label classifier heads on top of sentence embeddings, stored as numpy arrays.

``artifacts/heads.npz`` holds, per label, layers ``{label}/W{i}`` and ``{label}/b{i}`` (ReLU between layers,
sigmoid at the end: a logistic regression is one layer). ``artifacts/heads.json`` holds metadata: training data
per label, held-out figures, the fusion weights with the rule layer, and a version string.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from .types import LABELS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class Heads:
    def __init__(self, layers: dict[str, list[tuple[np.ndarray, np.ndarray]]], meta: dict):
        missing = [lb for lb in LABELS if lb not in layers]
        if missing:
            raise ValueError(f"heads missing for: {', '.join(missing)}")
        self.layers = layers
        self.meta = meta
        self.version = meta.get("version", "unversioned")
        # logistic-regression heads share one matmul
        self._linear = [lb for lb in LABELS if len(layers[lb]) == 1]
        if self._linear:
            self._W = np.stack([layers[lb][0][0].reshape(-1) for lb in self._linear], axis=1).astype(np.float32)
            self._b = np.array([float(layers[lb][0][1].reshape(-1)[0]) for lb in self._linear], dtype=np.float32)

    @classmethod
    def load(cls, directory: Path | None = None) -> Heads:
        directory = Path(directory or ARTIFACTS)
        npz_path, meta_path = directory / "heads.npz", directory / "heads.json"
        if not npz_path.exists():
            raise FileNotFoundError(f"{npz_path} missing: train heads with `python -m training.train_heads`")
        data = np.load(npz_path)
        layers: dict[str, list] = {}
        for lb in LABELS:
            i, lay = 0, []
            while f"{lb}/W{i}" in data:
                lay.append((data[f"{lb}/W{i}"].astype(np.float32), data[f"{lb}/b{i}"].astype(np.float32)))
                i += 1
            if lay:
                layers[lb] = lay
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if "version" not in meta:
            meta["version"] = "heads@" + hashlib.sha1(npz_path.read_bytes()).hexdigest()[:10]
        return cls(layers, meta)

    def logits(self, emb: np.ndarray) -> np.ndarray:
        """(n, 384) embeddings -> (n, len(LABELS)) logits."""
        out = np.zeros((emb.shape[0], len(LABELS)), dtype=np.float32)
        if self._linear:
            lin = emb @ self._W + self._b
            for j, lb in enumerate(self._linear):
                out[:, LABELS.index(lb)] = lin[:, j]
        for lb in LABELS:
            if lb in self._linear:
                continue
            h = emb
            lay = self.layers[lb]
            for k, (W, b) in enumerate(lay):
                h = h @ W + b
                if k < len(lay) - 1:
                    h = np.maximum(h, 0)
            out[:, LABELS.index(lb)] = h.reshape(-1)
        return out

    def predict(self, emb: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(emb))

    def encoder_spec(self, directory: Path | None = None):
        """The encoder the heads were trained on: the service must run exactly that one."""
        return encoder_spec(self.meta, directory)


def encoder_spec(meta: dict, directory: Path | None = None):
    """``EncoderSpec`` from heads.json: ``encoder_layers`` and ``encoder_adapter`` (hash of the adapter file
    that sits next to the heads; a different file means the heads no longer match it)."""
    from .encoder import ADAPTER_FILENAME, FULL_LAYERS, EncoderSpec

    if meta.get("encoder_adapter"):
        adapter = Path(directory or ARTIFACTS) / ADAPTER_FILENAME
        if not adapter.exists():
            raise FileNotFoundError(f"{adapter} missing: the heads were trained with that encoder adapter")
        spec = EncoderSpec(int(meta.get("encoder_layers", FULL_LAYERS)), adapter)
        if spec.adapter_hash != meta["encoder_adapter"]:
            raise ValueError(f"{adapter} is not the adapter the heads were trained with "
                             f"({spec.adapter_hash} != {meta['encoder_adapter']}): retrain the heads")
        return spec
    return EncoderSpec(int(meta.get("encoder_layers", FULL_LAYERS)))


def trained_encoder_spec(directory: Path | None = None):
    """``encoder_spec`` of the installed heads, from heads.json alone (for building the matching encoder)."""
    meta_path = Path(directory or ARTIFACTS) / "heads.json"
    return encoder_spec(json.loads(meta_path.read_text()) if meta_path.exists() else {}, directory)


def save_heads(directory: Path, layers: dict[str, list[tuple[np.ndarray, np.ndarray]]], meta: dict) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for lb, lay in layers.items():
        for i, (W, b) in enumerate(lay):
            # float16 on disk halves the committed file; scores move by < 1e-3 (loaded back as float32)
            arrays[f"{lb}/W{i}"] = np.asarray(W, dtype=np.float16)
            arrays[f"{lb}/b{i}"] = np.asarray(b, dtype=np.float32).reshape(-1)
    np.savez_compressed(directory / "heads.npz", **arrays)
    # the fusion weights live in the JSON and change scores too, so they are part of the version
    digest = hashlib.sha1((directory / "heads.npz").read_bytes())
    digest.update(json.dumps(meta.get("fusion", {}), sort_keys=True).encode())
    version = "heads@" + digest.hexdigest()[:10]
    meta = {**meta, "version": version}
    (directory / "heads.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return version
