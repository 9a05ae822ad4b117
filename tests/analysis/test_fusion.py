"""Learned fusion of head scores with the trope rules (features and stored weights)."""
import numpy as np

from modsvc.analysis import fusion
from modsvc.analysis.heads import Heads
from modsvc.analysis.normalize import normalize
from modsvc.analysis.tropes import rule_features

MYTH = "Jews control the media."
COUNTER = "The claim that Jews control the media is an antisemitic myth."


def test_rule_features_separate_kept_and_suppressed_findings():
    kept, rejected = rule_features(normalize(MYTH)), rule_features(normalize(COUNTER))
    assert kept["fam_plot"] >= 0.5 and kept["suppressed_as"] == 0
    assert rejected["fam_plot"] == 0 and rejected["suppressed_as"] >= 0.5
    assert set(rule_features(normalize("Nice weather today.")).values()) == {0.0}


def test_stored_fusion_scores_counter_speech_below_the_myth_at_equal_head_score():
    f = Heads.load().meta["fusion"]["antisemitism"]
    assert f["features"] == list(fusion.FEATURES["antisemitism"])
    feats = fusion.text_features([MYTH, COUNTER])
    head = np.array([0.6, 0.6])  # the encoder reads both sentences alike
    p = fusion.apply(f, "antisemitism", head, np.array([0.9, 0.0]), feats)
    assert p[0] >= 0.85 and p[1] < 0.5


def test_old_three_weight_fusion_still_applies():
    old = {"w_head": 1.0, "w_rule": 2.0, "w_counter": -1.0, "bias": 0.0}
    p = fusion.apply(old, "antisemitism", np.array([0.5, 0.5]), np.array([0.0, 0.0]), None, ["a myth", "fine"])
    assert p[0] < 0.5 and abs(p[1] - 0.5) < 1e-6
