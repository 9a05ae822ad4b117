"""Behaviour of the built-in pipeline end to end (real encoder, real heads, real rules when present)."""
from __future__ import annotations

import pytest

from modsvc.analysis import LABELS, MAX_CHARS, AnalysisError, Policy

BENIGN_JEWISH = [
    "Happy Passover to everyone celebrating this week!",
    "My grandfather was a rabbi in Vilnius before the war.",
    "The new Jewish museum exhibition about immigrant life in New York is wonderful.",
    "I'm Jewish and I'm proud of my family's history.",
]


def test_all_nine_scores_in_unit_interval_and_model_version_present(analyzer):
    texts = ["Nice article, thanks.", "You are a stupid idiot.", "", "x" * 3000, "🙂 ok"]
    results = analyzer.analyze(texts)
    assert len(results) == len(texts)
    for r in results:
        assert set(r.scores) == set(LABELS)
        assert all(0.0 <= v <= 1.0 for v in r.scores.values())
        assert r.model["model_version"] == analyzer.model_version
        assert "encoder" in r.model and "heads" in r.model
        assert r.to_dict()["model"]["model_version"] == analyzer.model_version


def test_seed_khazar_reply_flagged_with_spans_on_those_sentences(analyzer, seed_thread):
    reply = next(c for c in seed_thread if "Ashkenazim" in c)
    result = analyzer.analyze([reply])[0]
    assert result.decision.action in ("review", "hold"), result.decision
    assert "antisemitism" in result.decision.labels
    start = reply.index("My guess is")
    end = reply.index("Caspian expeditions")
    covered = [s for s in result.spans if s.label == "antisemitism" and s.begin < end and s.end > start]
    assert covered, result.spans
    for s in result.spans:
        assert 0 <= s.begin < s.end <= len(reply)


def test_harmless_seed_comments_allowed(analyzer, seed_thread):
    harmless = [c for c in seed_thread if any(k in c for k in ("Further investigation", "70% of the gas",
                                                                    "If I’m wrong", "fugitive thief"))]
    assert len(harmless) == 4
    for comment, result in zip(harmless, analyzer.analyze(harmless)):
        assert result.decision.action == "allow", (comment[:60], result.decision.reason)


def test_explicit_control_myth_flagged(analyzer):
    r = analyzer.analyze_one("The Jews control the banks and the media and orchestrate every war")
    assert r.decision.action in ("review", "hold")
    assert "antisemitism" in r.decision.labels
    assert r.scores["antisemitism"] >= Policy().review["antisemitism"]


def test_benign_jewish_topic_allowed(analyzer):
    for text, r in zip(BENIGN_JEWISH, analyzer.analyze(BENIGN_JEWISH)):
        assert r.decision.action == "allow", (text, r.decision.reason)


def test_policy_thresholds_changeable_per_call(analyzer):
    text = "You are a stupid idiot and your article is garbage."
    default = analyzer.analyze([text])[0]
    lenient = Policy.from_dict({lb: {"review": None, "hold": None} for lb in LABELS})
    strict = Policy.from_dict({"toxicity": {"review": 0.01, "hold": 0.02}})
    assert analyzer.analyze([text], policy=lenient)[0].decision.action == "allow"
    assert analyzer.analyze([text], policy=strict)[0].decision.action == "hold"
    assert default.scores == analyzer.analyze([text], policy=strict)[0].scores


def test_one_megabyte_input_truncated_with_warning(analyzer):
    huge = ("This is a perfectly ordinary sentence about gardening. " * 20000)[:1_000_000]
    r = analyzer.analyze([huge, "short one"])
    assert any(f"truncated to {MAX_CHARS}" in w for w in r[0].warnings)
    assert not r[1].warnings
    assert r[0].decision.action == "allow"
    assert all(s.end <= MAX_CHARS for s in r[0].spans)


def test_failing_item_does_not_poison_batch(analyzer, monkeypatch):
    backend = analyzer.backend
    real_score = backend.score

    def flaky(texts, *rule_inputs):
        if any("BOOM" in t for t in texts):
            raise RuntimeError("model crashed on this input")
        return real_score(texts, *rule_inputs)

    monkeypatch.setattr(backend, "score", flaky)
    texts = ["Nice article.", "BOOM goes the model", "You are a stupid idiot."]
    results = analyzer.analyze(texts)
    assert [r.decision.action for r in results][0] == "allow"
    assert results[1].decision.action == "review" and "model crashed" in results[1].decision.reason
    assert any(w.startswith("error:") for w in results[1].warnings)
    assert results[2].scores["toxicity"] > 0.5 and not results[2].warnings
    with pytest.raises(AnalysisError, match="score phase failed: RuntimeError: model crashed"):
        analyzer.analyze_one("BOOM")


def test_non_string_item_reported_not_raised(analyzer):
    results = analyzer.analyze(["fine", None, "also fine"])
    assert "text must be a string" in results[1].decision.reason
    assert results[0].decision.action == results[2].decision.action == "allow"


def test_batched_scores_match_single(analyzer):
    texts = ["The Jews control the media.", "Vaccines contain microchips.", "Great match yesterday!"]
    batch = analyzer.analyze(texts)
    for t, b in zip(texts, batch):
        single = analyzer.analyze_one(t)
        for lb in LABELS:
            assert abs(single.scores[lb] - b.scores[lb]) < 1e-3


def test_describe_for_doctor(analyzer):
    info = analyzer.describe()
    assert info["backend"] == "builtin" and info["model_version"] == analyzer.model_version
    assert info["max_chars"] == MAX_CHARS and "encoder" in info["components"]


def test_short_harmless_replies_allowed(analyzer):
    # none of these is in training/datasets.py SHORT_REPLIES; one-word comments used to trip the heads
    replies = ["Good stuff", "Absolutely.", "Not bad", "I suppose so", "Thanks mate", "Okay, fair", "Nope, sorry",
               "Haha true", "Spot on!", "Well, maybe"]
    results = analyzer.analyze(replies)
    flagged = [(t, r.decision.reason) for t, r in zip(replies, results) if r.decision.action != "allow"]
    assert len(flagged) <= 1, flagged


def test_empty_and_blank_texts_score_low(analyzer):
    for r in analyzer.analyze(["", "   \n", "\x00"]):
        assert r.decision.action == "allow"
