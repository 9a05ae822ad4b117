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


# ----- languages ---------------------------------------------------------------------------------------------

GERMAN = "Die Globalisten wollen uns alle kontrollieren, das weiß doch jeder, der die Nachrichten liest."
FRENCH = "Je ne suis pas du tout d'accord avec cet article, c'est une honte pour le journal."


def test_every_result_says_its_language(analyzer):
    results = analyzer.analyze(["You are a stupid idiot and your article is garbage.", "ok", GERMAN])
    assert [r.language for r in results] == ["en", "und", "de"]
    as_json = [r.to_dict() for r in results]
    assert [(d["language"], d["language_supported"]) for d in as_json] == [("en", True), ("und", True),
                                                                          ("de", False)]


def test_unsupported_language_is_not_scored_as_english_and_goes_to_review(analyzer):
    english_only = analyzer.supported_languages
    assert english_only == {"en"}  # the built-in model: English encoder, heads and lexicons
    for text, lang in ((GERMAN, "de"), (FRENCH, "fr")):
        r = analyzer.analyze([text])[0]
        assert r.language == lang and r.language_supported is False
        assert r.scores == {} and r.spans == []  # nothing computed as if it were English
        assert r.decision.action == "review" and r.decision.reason == f"language {lang} is not supported by the model"
        assert r.to_dict()["scores"] == {}


def test_unsupported_language_action_follows_the_site_policy(analyzer):
    allow = Policy.from_dict({"unsupported_language": "allow"})
    hold = Policy.from_dict({"unsupported_language": "hold"})
    assert analyzer.analyze([FRENCH], policy=allow)[0].decision.action == "allow"
    assert analyzer.analyze([FRENCH], policy=hold)[0].decision.action == "hold"
    # a supported comment in the same batch is scored as usual
    mixed = analyzer.analyze([FRENCH, "You are a stupid idiot."], policy=allow)
    assert mixed[1].language_supported and mixed[1].decision.action in ("review", "hold")


def test_short_undetermined_text_is_scored_not_sent_to_review(analyzer):
    for text in ("ok", "lol", "+1", "👍"):
        r = analyzer.analyze([text])[0]
        assert r.language == "und" and r.language_supported and set(r.scores) == set(LABELS)
        assert r.decision.action == "allow", (text, r.decision.reason)


def test_caller_language_overrides_detection(analyzer):
    as_english = analyzer.analyze([GERMAN], languages=["en"])[0]
    assert as_english.language == "en" and as_english.language_supported and set(as_english.scores) == set(LABELS)
    as_french = analyzer.analyze_one("You are a stupid idiot.", language="fr-CA")
    assert as_french.language == "fr" and not as_french.language_supported and as_french.scores == {}
    detected = analyzer.analyze(["You are a stupid idiot.", GERMAN], languages=[None, "de"])
    assert [r.language for r in detected] == ["en", "de"]
    with pytest.raises(ValueError):
        analyzer.analyze(["x"], languages=["deutsch"])
    with pytest.raises(ValueError):
        analyzer.analyze(["x", "y"], languages=["en"])


class _Knows:
    """The built-in backend, claiming other languages (as a multilingual model will)."""

    def __init__(self, backend, languages, label_languages=None):
        self._backend = backend
        self.supported_languages = frozenset(languages)
        if label_languages is not None:
            self.label_languages = label_languages

    def __getattr__(self, name):
        return getattr(self._backend, name)


def test_backend_languages_decide_what_is_scored(analyzer):
    from modsvc.analysis.pipeline import Analyzer

    multilingual = Analyzer(_Knows(analyzer.backend, {"en", "de", "ru"}))
    de, ru, fr = multilingual.analyze([GERMAN, "Евреи контролируют все банки и все СМИ в мире.", FRENCH])
    assert de.language == "de" and de.language_supported and set(de.scores) == set(LABELS)
    assert ru.language == "ru" and ru.language_supported and set(ru.scores) == set(LABELS)
    assert fr.language == "fr" and not fr.language_supported
    assert multilingual.describe()["supported_languages"] == ["de", "en", "ru"]


def test_labels_scored_by_a_model_that_does_not_know_the_language_are_named(analyzer):
    from modsvc.analysis.pipeline import Analyzer

    partial = {lb: frozenset({"en", "fr"}) if lb not in ("antisemitism", "conspiracy") else frozenset({"en"})
               for lb in LABELS}
    mixed_backend = Analyzer(_Knows(analyzer.backend, {"en", "fr"}, partial))
    r = mixed_backend.analyze([FRENCH])[0]
    assert r.language == "fr" and r.language_supported
    assert "antisemitism, conspiracy: scored by a model that does not know language fr" in r.warnings
    assert mixed_backend.supports_language("fr", "toxicity") and not mixed_backend.supports_language("fr", "conspiracy")
    assert not mixed_backend.analyze(["Great match yesterday, well played!"])[0].warnings
