"""Embedding cache for training/evaluation: text -> 384-d vector, keyed by text hash and encoder version.

Stored under ``.cache/embeddings/`` (git-ignored). Encoding ~70k texts takes a few minutes on 2 cores;
run with ``nice -n 10``.
"""
from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "embeddings"


def _key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8", "replace")).digest()[:12]


class EmbeddingCache:
    def __init__(self, encoder, name: str | None = None):
        self.encoder = encoder
        tag = (name or encoder.version).replace("/", "_").replace("@", "_")
        self.path = CACHE / f"{tag}.npz"
        self.index: dict[bytes, int] = {}
        self.vectors = np.zeros((0, 384), dtype=np.float32)
        if self.path.exists():
            data = np.load(self.path)
            self.vectors = data["vectors"]
            self.index = {bytes(k): i for i, k in enumerate(data["keys"])}

    def save(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = np.zeros((len(self.index), 12), dtype=np.uint8)
        for k, i in self.index.items():
            keys[i] = np.frombuffer(k, dtype=np.uint8)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=self.vectors)
        tmp.replace(self.path)

    def get(self, texts: list[str], chunk: int = 2048, verbose: bool = True) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in self.index))
        t0 = time.time()
        for s in range(0, len(missing), chunk):
            part = missing[s:s + chunk]
            vecs = self.encoder.encode(part)
            base = len(self.vectors)
            self.vectors = np.concatenate([self.vectors, vecs.astype(np.float32)])
            for j, t in enumerate(part):
                self.index[_key(t)] = base + j
            self.save()
            if verbose:
                done = s + len(part)
                print(f"  embedded {done}/{len(missing)} ({done / (time.time() - t0):.0f}/s)", file=sys.stderr)
        return self.vectors[[self.index[_key(t)] for t in texts]]
