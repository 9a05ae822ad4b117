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

    def later_windows(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings of every window after the first (the service scores a text by its worst window), with the
        index into ``texts`` each belongs to. Cached like whole texts, keyed by text and window number."""
        chunks = self.encoder.tokenizer.chunk(texts)
        keys, owners, ids = [], [], []
        window_no = 0
        for k, owner in enumerate(chunks.owner):
            window_no = window_no + 1 if k and chunks.owner[k - 1] == owner else 0
            if window_no:
                keys.append(_key(f"{texts[owner]}\x00window {window_no}"))
                owners.append(int(owner))
                ids.append(chunks.ids[k])
        todo = list({keys[i]: i for i in range(len(keys)) if keys[i] not in self.index}.values())  # distinct keys
        if todo:
            vecs = self.encoder.embed_ids([ids[i] for i in todo])
            base = len(self.vectors)
            self.vectors = np.concatenate([self.vectors, vecs.astype(np.float32)])
            for j, i in enumerate(todo):
                self.index[keys[i]] = base + j
            self.save()
        vectors = self.vectors[[self.index[k] for k in keys]] if keys else self.vectors[:0]
        return vectors, np.asarray(owners, dtype=np.int64)
