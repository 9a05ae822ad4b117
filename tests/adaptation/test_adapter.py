"""The adapter, the guardrail, threshold suggestions and the miss-rate interval, on synthetic base outputs."""
from __future__ import annotations

import numpy as np
import pytest

from modsvc.adaptation.adapter import Adapter, LabelledDecision, fit, fit_with_guardrail
from modsvc.adaptation.evaluation import precision_at_recall, routing_figures
from modsvc.adaptation.features import BaseOutput
from modsvc.adaptation.spotcheck import drawn, estimate_miss_rate, proportion_interval
from modsvc.adaptation.thresholds import LabelledScores, suggest


def output(tox: float, ia: float) -> BaseOutput:
    action = "hold" if tox >= 0.95 else "review" if tox >= 0.7 else "allow"
    return BaseOutput({"toxicity": tox, "identity_attack": ia}, [], "en", action)


def sports_site(n: int, seed: int = 1) -> list[LabelledDecision]:
    """Flagged for toxicity by the base; this site's reviewers reject only identity attacks (swearing is fine)."""
    rng = np.random.default_rng(seed)
    return [LabelledDecision(output(float(t), float(a)), bool(a > 0.5))
            for t, a in zip(rng.uniform(0.7, 1.0, n), rng.uniform(0, 1, n))]


def test_the_adapter_learns_the_sites_line_and_deploys():
    report = fit_with_guardrail("site-sports-a1", sports_site(400), min_decisions=200)
    assert report.deploy, report.reason
    assert report.figures["adapter"]["precision"] > report.figures["base_precision_at_adapter_recall"] + 0.3
    adapter = report.adapter
    assert adapter.verdict(output(0.9, 0.05))["action"] == "allow"  # swearing, no attack: the site allows it
    assert adapter.verdict(output(0.9, 0.95))["action"] == "review"
    assert adapter.verdict(output(0.97, 0.95))["action"] == "hold"  # the base's hold stands when the site agrees


def test_the_guardrail_keeps_the_base_when_decisions_carry_no_signal():
    rng = np.random.default_rng(7)
    noise = [LabelledDecision(d.output, bool(rng.random() < 0.5)) for d in sports_site(400)]
    report = fit_with_guardrail("site-noise-a1", noise, min_decisions=200)
    assert not report.deploy
    assert report.reason.startswith("kept the base")


def test_too_few_decisions_fit_nothing_and_say_so():
    report = fit_with_guardrail("site-small-a1", sports_site(50), min_decisions=200)
    assert report.adapter is None and not report.deploy
    assert report.reason == "50 usable decisions, 200 needed"


def test_a_deployed_adapter_that_falls_behind_the_base_is_retired():
    good = fit("site-a1", sports_site(300))
    # the site's line moved: now every flagged comment is rejected (the base is perfect), identity attack or not
    moved = [LabelledDecision(d.output, True if d.output.flagged else d.harmful) for d in sports_site(400, seed=3)]
    moved += [LabelledDecision(output(0.2, 0.1), False) for _ in range(100)]
    np.random.default_rng(4).shuffle(moved)  # allowed and flagged comments mixed in time
    report = fit_with_guardrail("site-a2", moved, min_decisions=200, current=good)
    assert report.retire_current and not report.deploy
    assert "site-a1 retired" in report.reason


def test_params_round_trip_through_json():
    adapter = fit("site-a1", sports_site(300))
    import json

    again = Adapter.from_json("site-a1", json.loads(json.dumps(adapter.to_json())))
    outs = [output(0.8, 0.3), output(0.99, 0.9), output(0.1, 0.1)]
    assert np.allclose(adapter.scores(outs), again.scores(outs))
    assert again.threshold == adapter.threshold


def test_weighted_routing_figures_count_spot_checks_for_everything_allowed():
    routed = np.array([True, True, False, False])
    harmful = np.array([True, False, True, False])
    # the spot-checked harmful comment stands for 100 allowed comments
    figures = routing_figures(routed, harmful, np.array([1, 1, 100, 100]))
    assert figures.precision == pytest.approx(0.5)
    assert figures.recall == pytest.approx(1 / 101)


def test_precision_at_recall_cuts_only_between_distinct_scores():
    scores = np.array([0.9, 0.8, 0.8, 0.3])
    harmful = np.array([True, True, False, True])
    assert precision_at_recall(scores, harmful, 0.5) == (pytest.approx(2 / 3), 0.8)
    assert precision_at_recall(scores, harmful, 1.0) == (pytest.approx(3 / 4), 0.3)


def test_threshold_suggestions_reach_the_target_precision():
    rng = np.random.default_rng(3)
    rows = []
    for tox in rng.uniform(0, 1, 2000):
        harmful = rng.random() < (0.9 if tox > 0.6 else 0.1)
        rows.append(LabelledScores({"toxicity": float(tox)}, ("toxicity",) if harmful else ()))
    (s,) = suggest(rows, review_precision=0.8, hold_precision=0.9)
    assert s.label == "toxicity"
    assert 0.5 <= s.review <= 0.65 and s.review_precision >= 0.8
    assert s.hold >= s.review and s.hold_precision >= 0.9


def test_spot_check_draws_are_stable_and_near_the_share():
    picks = [drawn(i, "hash", 0.1) for i in range(20_000)]
    assert picks == [drawn(i, "hash", 0.1) for i in range(20_000)]  # same comment and text: same draw
    assert 0.09 < sum(picks) / len(picks) < 0.11
    assert not any(drawn(i, "hash", 0.0) for i in range(1000))


def test_the_miss_rate_interval_covers_the_truth_nine_times_in_ten():
    rng = np.random.default_rng(5)
    true_share, allowed, caught = 0.04, 10_000, 800  # 400 harmful allowed: true miss rate 400 / 1200
    true_miss = allowed * true_share / (allowed * true_share + caught)
    held = 0
    for _ in range(400):
        checked = 100
        harmful = int(rng.binomial(checked, true_share))
        lo, hi = estimate_miss_rate(checked, harmful, allowed, caught).miss_rate_interval
        held += lo <= true_miss <= hi
    assert 0.85 <= held / 400 <= 0.97


def test_wilson_interval_of_no_hits_starts_at_zero():
    lo, hi = proportion_interval(0, 50, 0.9)
    assert lo == 0.0 and 0.03 < hi < 0.07
