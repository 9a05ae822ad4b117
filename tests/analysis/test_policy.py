from __future__ import annotations

import json

import pytest

from modsvc.analysis import LABELS, Policy, Span, decide

ZERO = {lb: 0.0 for lb in LABELS}


def test_default_policy_allows_low_scores():
    d = decide(ZERO, [], Policy())
    assert d.action == "allow" and d.labels == ()


def test_review_and_hold_thresholds_respected():
    p = Policy()
    r, h = p.review["antisemitism"], p.hold["antisemitism"]
    assert decide({**ZERO, "antisemitism": r - 0.01}, [], p).action == "allow"
    assert decide({**ZERO, "antisemitism": r}, [], p).action == "review"
    held = decide({**ZERO, "antisemitism": h}, [], p)
    assert held.action == "hold" and held.labels[0] == "antisemitism"


def test_reason_names_label_threshold_and_trope():
    span = Span(0, 10, "antisemitism", 0.9, "Khazar origin myth", "khazar_myth")
    d = decide({**ZERO, "antisemitism": 0.93}, [span], Policy.from_dict({"antisemitism": {"hold": 0.85}}))
    assert d.action == "hold"
    assert d.reason == "antisemitism 0.93 ≥ hold threshold 0.85 (trope: Khazar origin myth)"


def test_site_override_changes_decision_and_roundtrips_json():
    strict = Policy.from_dict({"thresholds": {"toxicity": {"review": 0.3, "hold": 0.6}}})
    scores = {**ZERO, "toxicity": 0.4}
    assert decide(scores, [], Policy()).action == "allow"
    assert decide(scores, [], strict).action == "review"
    again = Policy.from_dict(json.loads(json.dumps(strict.to_dict())))
    assert again == strict and again.review["toxicity"] == 0.3 and again.hold["obscene"] == Policy().hold["obscene"]


def test_disabled_threshold_never_fires():
    p = Policy.from_dict({"conspiracy": {"review": None, "hold": None}})
    assert decide({**ZERO, "conspiracy": 1.0}, [], p).action == "allow"


@pytest.mark.parametrize("bad", [{"nonsense": {"review": 0.5}}, {"toxicity": {"review": 1.5}},
                                 {"toxicity": {"review": 0.9, "hold": 0.5}}, {"toxicity": {"reveiw": 0.5}},
                                 {"toxicity": {"review": "high"}}])
def test_invalid_policies_rejected(bad):
    with pytest.raises(ValueError):
        Policy.from_dict(bad)


def test_trope_span_above_review_threshold_sends_to_review():
    # the fusion may discount a rule finding, but a named trope reaching the review threshold gets a human look
    span = Span(0, 10, "antisemitism", 0.7, "'Zionists' used as code for Jews", "zionist_code")
    d = decide({**ZERO, "antisemitism": 0.12}, [span], Policy())
    assert d.action == "review" and d.labels == ("antisemitism",) and "Zionists" in d.reason
    weak = Span(0, 10, "antisemitism", 0.3, "weak cue", "world_control")
    assert decide({**ZERO, "antisemitism": 0.12}, [weak], Policy()).action == "allow"
    # model evidence (no trope) does not count, and a disabled review step is respected
    model = Span(0, 10, "antisemitism", 0.9, "model: sentence scores 0.90")
    assert decide({**ZERO, "antisemitism": 0.12}, [model], Policy()).action == "allow"
    off = Policy.from_dict({"antisemitism": {"review": None}})
    assert decide({**ZERO, "antisemitism": 0.12}, [span], off).action == "allow"


def test_a_site_with_lower_thresholds_gets_evidence_for_what_it_flags():
    """Evidence follows the policy of the call: a label flagged only under a stricter site policy still gets a span."""
    from modsvc.analysis import Policy, get_analyzer

    analyzer = get_analyzer()
    text = "Thanks for the article. You are a complete idiot and a liar. See you at the meeting."
    score = analyzer.analyze([text])[0].scores["insult"]
    strict = Policy.from_dict({"insult": {"review": max(0.05, score / 2), "hold": 0.99}})
    default_result, strict_result = analyzer.analyze([text]), analyzer.analyze([text], policy=strict)
    assert strict_result[0].decision.action in ("review", "hold")
    insult_spans = [s for s in strict_result[0].spans if s.label == "insult"]
    assert insult_spans, strict_result[0].spans
    assert "idiot" in text[insult_spans[0].begin:insult_spans[0].end]
    if default_result[0].decision.action == "allow":
        assert not [s for s in default_result[0].spans if s.label == "insult"]


def test_unsupported_language_goes_to_review_by_default_with_the_reason():
    from modsvc.analysis.policy import decide_unsupported_language

    d = decide_unsupported_language("fr", Policy())
    assert d.action == "review" and d.reason == "language fr is not supported by the model" and d.labels == ()
    assert Policy().to_dict()["unsupported_language"] == "review"


@pytest.mark.parametrize("action", ["allow", "hold", "review"])
def test_unsupported_language_action_per_site_roundtrips(action):
    from modsvc.analysis.policy import decide_unsupported_language

    site = Policy.from_dict({"thresholds": {"toxicity": {"review": 0.5}}, "unsupported_language": action})
    assert decide_unsupported_language("tr", site).action == action
    again = Policy.from_dict(json.loads(json.dumps(site.to_dict())))
    assert again == site and again.review["toxicity"] == 0.5
    # the flat form takes it too, and changing a threshold keeps it
    flat = Policy.from_dict({"toxicity": {"review": 0.5}, "unsupported_language": action})
    assert flat == site and flat.with_thresholds("insult", review=0.6).unsupported_language == action


def test_policies_stored_before_the_setting_existed_still_load():
    old = {"thresholds": {"toxicity": {"review": 0.6, "hold": 0.9}}}
    assert Policy.from_dict(old).unsupported_language == "review"
    assert Policy.from_dict({"conspiracy": {"review": None}}).unsupported_language == "review"


@pytest.mark.parametrize("bad", [{"unsupported_language": "delete"}, {"unsupported_language": None},
                                 {"thresholds": {}, "unsupported_language": 1}])
def test_invalid_unsupported_language_action_rejected(bad):
    with pytest.raises(ValueError, match="unsupported_language"):
        Policy.from_dict(bad)
