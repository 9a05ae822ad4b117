"""A word-level head: TF-IDF over word unigrams and bigrams, then a logistic regression, in plain numpy.

Why next to the sentence encoder: conspiracy talk is carried by its vocabulary ("plandemic", "depopulation
agenda", "they knew", "wake up") as much as by its meaning, and the small two-layer encoder blurs it. On PAN's
TRAIN rows, 5-fold CV: the embedding head alone 0.85-0.88 ROC-AUC, this word model alone 0.94. Its logit is one
more feature of the learned fusion (``fusion.py``), so the fusion decides how far to trust it.

The arithmetic is exactly scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)`` (lower-cased
``\\b\\w\\w+\\b`` tokens, ``1 + log(tf)``, times idf, L2-normalised) followed by ``LogisticRegression``, so
``training/train_heads.py`` fits it with scikit-learn and the service needs nothing but numpy. Stored in
``artifacts/lexical.npz``: the vocabulary (one string, newline-separated), idf and the weights per label.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
FILENAME = "lexical.npz"


def terms(text: str) -> list[str]:
    words = TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class LexicalHead:
    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, weights: dict[str, tuple[np.ndarray, float]],
                 version: str = "lexical@unsaved"):
        self.version = version
        self.index = {t: i for i, t in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weights = {lb: (np.asarray(w, dtype=np.float64), float(b)) for lb, (w, b) in weights.items()}

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def logits(self, texts: Sequence[str], label: str) -> np.ndarray:
        w, b = self.weights[label]
        out = np.full(len(texts), b, dtype=np.float64)
        for k, text in enumerate(texts):
            counts = Counter(i for i in map(self.index.get, terms(text)) if i is not None)
            if not counts:
                continue
            ids = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tfidf = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[ids]
            out[k] += float(tfidf @ w[ids]) / float(np.linalg.norm(tfidf))
        return out

    def save(self, directory: Path) -> str:
        vocab = sorted(self.index, key=self.index.get)
        arrays = {"vocabulary": np.array("\n".join(vocab)), "idf": self.idf.astype(np.float32)}
        for lb, (w, b) in self.weights.items():
            arrays[f"{lb}/w"] = w.astype(np.float32)
            arrays[f"{lb}/b"] = np.array([b], dtype=np.float32)
        path = Path(directory) / FILENAME
        np.savez_compressed(path, **arrays)
        return version_of(path)

    @classmethod
    def load(cls, directory: Path) -> LexicalHead | None:
        """The stored word model, or None when there is none (older artifacts: the fusion then has no word feature)."""
        path = Path(directory) / FILENAME
        if not path.exists():
            return None
        data = np.load(path)
        vocab = str(data["vocabulary"]).split("\n")
        labels = sorted({k.split("/")[0] for k in data.files if "/" in k})
        return cls(vocab, data["idf"], {lb: (data[f"{lb}/w"], float(data[f"{lb}/b"][0])) for lb in labels},
                   version_of(path))


def version_of(path: Path) -> str:
    return "lexical@" + hashlib.sha1(Path(path).read_bytes()).hexdigest()[:10]
