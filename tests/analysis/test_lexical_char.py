"""The fast char_wb path of the word-level head (cached per-word n-grams and vocabulary indices) gives exactly what
scikit-learn's loop and the term-by-term formula give."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from modsvc.analysis.heads import ARTIFACTS
from modsvc.analysis.lexical import LexicalHead, WordModel, char_terms, char_terms_reference

TEXTS = [
    "", " ", "a", "ab", "abc abcd abcde abcdef", "I  am\tnot\n\na  bot!!", "Ja, nein... Du Vollidiot!",
    "Das ist ein Trick, um Hetze zu verbreiten: die Rothschilds kontrollieren alles.",
    "Это х*й знает что, бл@ть, опять эти сионисты", "ÄÖÜ straße STRASSE ß", "emoji 🙂🙂 ok +1 😡!",
    "word " * 40 + "repeated repeated repeated",
]


def reference_logit(model: WordModel, text: str) -> float:
    """The formula before the fast path: count the vocabulary index of every term, in term order."""
    counts = Counter(i for i in map(model.index.get, char_terms_reference(text)) if i is not None)
    if not counts:
        return model.bias
    ids = np.fromiter(counts, dtype=np.int64, count=len(counts))
    tfidf = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * model.idf[ids]
    return model.bias + float(tfidf @ model.weights[ids]) / float(np.linalg.norm(tfidf))


@pytest.mark.parametrize("text", TEXTS)
def test_char_terms_equal_scikit_learns_loop(text):
    assert char_terms(text) == char_terms_reference(text)


def test_char_logit_equals_the_term_by_term_formula_to_the_bit():
    vocab = sorted({t for text in TEXTS for t in char_terms_reference(text)})[::3]
    rng = np.random.default_rng(0)
    model = WordModel(vocab, rng.uniform(1, 5, len(vocab)), rng.normal(size=len(vocab)), -0.3, kind="char_wb")
    head = LexicalHead({"toxicity": model})
    for _ in range(2):  # the second round reads the per-word cache
        got = head.all_logits(TEXTS)["toxicity"]
        assert list(got) == [reference_logit(model, t) for t in TEXTS]
        assert list(head.logits(TEXTS, "toxicity")) == list(got)
        assert [model.logit(char_terms(t)) for t in TEXTS] == list(got)


def test_installed_multilingual_char_head_unchanged_on_seed_comments():
    head = LexicalHead.load(ARTIFACTS / "multilingual")
    if head is None or not any(m.kind == "char_wb" for m in head.models.values()):
        pytest.skip("no char_wb word-level head installed")
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    texts = [p for f in ("001_de_demo.txt", "002_ru_demo.txt") if (seeds / f).exists()
             for p in (seeds / f).read_text(encoding="utf-8").split("\n\n")[:60]] + TEXTS
    got = head.all_logits(texts)
    for lb, model in head.models.items():
        if model.kind == "char_wb":
            assert list(got[lb]) == [reference_logit(model, t) for t in texts]
