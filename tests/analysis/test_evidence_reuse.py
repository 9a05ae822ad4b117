"""The sentence-evidence pass reuses work without changing results (real encoder and heads).

Contract: every distinct 128-token window is encoded once per batch; a one-sentence comment's sentence is its
whole-text window, so its sentence span costs no extra encoder run; spans still point at the flagged sentence;
results do not depend on what else is in the batch or on whether sentence spans were computed.
"""
from __future__ import annotations

import numpy as np
import pytest

from modsvc.analysis import LABELS

TOXIC_MIDDLE = "Nice post. You are a stupid worthless idiot and I hate you. See you tomorrow."
ONE_SENTENCE = "You are a stupid idiot."


def _count_runs(monkeypatch, encoder) -> list[int]:
    calls = [0]
    run = encoder._run

    def counting(ids, mask):
        calls[0] += len(ids)
        return run(ids, mask)

    monkeypatch.setattr(encoder, "_run", counting)
    return calls


def test_span_of_flagged_multi_sentence_comment_is_the_toxic_sentence(analyzer):
    result = analyzer.analyze(["Thanks, good read.", TOXIC_MIDDLE])[1]
    assert "toxicity" in result.decision.labels
    toxic = [s for s in result.spans if s.label == "toxicity"]
    assert toxic, result.spans
    start, end = TOXIC_MIDDLE.index("You are"), TOXIC_MIDDLE.index("See you")
    for s in toxic:
        assert start <= s.begin < s.end <= end, s


def test_one_sentence_comment_span_reuses_the_whole_text_run(analyzer, monkeypatch):
    backend = analyzer.backend
    calls = _count_runs(monkeypatch, backend.encoder)
    result = analyzer.analyze([ONE_SENTENCE])[0]
    assert "toxicity" in result.decision.labels
    assert calls[0] == 1  # the text's window only; the sentence pass found it already encoded
    span = next(s for s in result.spans if s.label == "toxicity")
    assert (span.begin, span.end) == (0, len(ONE_SENTENCE))
    # the sentence's score is the whole text's head score (before the fusion with the word-level head): same
    # window, same embedding
    head = backend.head_scores([ONE_SENTENCE])[0][LABELS.index("toxicity")]
    assert span.score == pytest.approx(float(head), abs=1e-4)


def test_scores_and_spans_identical_with_or_without_reuse_and_batch_neighbours(analyzer):
    backend = analyzer.backend
    texts = [ONE_SENTENCE, TOXIC_MIDDLE, "I will kill you. Thanks for the article!", "Lovely photos."]
    alone = [analyzer.analyze([t])[0] for t in texts]
    batched = analyzer.analyze(texts + [ONE_SENTENCE])  # a duplicate is encoded once, scored the same
    for a, b in zip(alone + [alone[0]], batched):
        # embeddings are identical; the heads' float32 matmul may differ in the last bit with the batch size
        assert a.scores == pytest.approx(b.scores, abs=1e-6)
        assert [(s.begin, s.end, s.label) for s in a.spans] == [(s.begin, s.end, s.label) for s in b.spans]
        assert [s.score for s in a.spans] == pytest.approx([s.score for s in b.spans], abs=1e-4)
    # sentence spans computed from scratch (no embeddings shared with the scoring pass) are the same
    for text, res in zip(texts, alone):
        flagged = {lb: 0.7 for lb in res.decision.labels if lb in LABELS[:7]}
        if not flagged:
            continue
        backend._batch.memo = {}
        fresh = backend.evidence_spans(text, flagged)
        assert [s for s in res.spans if s.label in flagged] == sorted(fresh, key=lambda s: (s.begin, s.end, s.label))


def test_unflagged_comments_get_no_sentence_pass(analyzer, monkeypatch):
    calls = _count_runs(monkeypatch, analyzer.backend.encoder)
    text = "Thanks for the article. I learned a lot. The photos are lovely."
    result = analyzer.analyze([text])[0]
    assert result.decision.action == "allow" and not result.spans
    assert calls[0] == 1  # one window for the whole text, no per-sentence runs


def test_duplicate_windows_encoded_once_with_identical_embeddings(analyzer, monkeypatch):
    encoder = analyzer.backend.encoder
    calls = _count_runs(monkeypatch, encoder)
    emb, chunks = encoder.encode_chunks(["same words here", "other words", "same words here"], memo={})
    assert calls[0] == 2
    assert np.array_equal(emb[0], emb[2])
    single, _ = encoder.encode_chunks(["same words here"], memo={})
    assert np.array_equal(single[0], emb[0])
