"""The word-level head: the numpy scorer the service runs gives the scikit-learn pipeline's answers, survives a
save/load round trip, and feeds the built-in model's fusion."""
from __future__ import annotations

import numpy as np
import pytest

from modsvc.analysis.lexical import LexicalHead

pytest.importorskip("sklearn")
from training.train_heads import lexical_head, lexical_pipeline  # noqa: E402

TRAIN = [
    "the plandemic was planned by the elites to depopulate us",
    "wake up, the vaccine agenda is a depopulation plan",
    "they knew all along, the elites planned it",
    "the new vaccine trial results were published today",
    "my local clinic has vaccine appointments on monday",
    "the council published its plan for the new clinic",
] * 2
LABELS = np.array([1, 1, 1, 0, 0, 0] * 2)


@pytest.fixture(scope="module")
def fitted():
    model = lexical_pipeline().fit(TRAIN, LABELS, logisticregression__sample_weight=np.ones(len(TRAIN)))
    return model, lexical_head({"conspiracy": model})


def test_numpy_scorer_matches_scikit_learn(fitted):
    model, head = fitted
    texts = ["The ELITES planned the plandemic, wake up!", "vaccine appointments at the clinic", "", "zzz qqq",
             "plan plan plan plan the plan"]
    assert np.allclose(head.logits(texts, "conspiracy"), model.decision_function(texts), atol=1e-5)


def test_round_trip_through_the_artifact_file_with_a_vocabulary_per_label(fitted, tmp_path):
    model, _ = fitted
    flipped = lexical_pipeline().fit(TRAIN[::-1], 1 - LABELS[::-1], logisticregression__sample_weight=np.ones(12))
    head = lexical_head({"conspiracy": model, "toxicity": flipped})
    version = head.save(tmp_path)
    loaded = LexicalHead.load(tmp_path)
    assert loaded.version == version and loaded.labels == ("conspiracy", "toxicity")
    texts = ["the elites planned the depopulation agenda", "clinic results published"]
    for label, pipeline in (("conspiracy", model), ("toxicity", flipped)):
        assert np.allclose(loaded.logits(texts, label), pipeline.decision_function(texts), atol=1e-4)
    assert loaded.logits(texts, "conspiracy")[0] > loaded.logits(texts, "conspiracy")[1]
    assert loaded.logits(texts, "toxicity")[0] < loaded.logits(texts, "toxicity")[1]


def test_missing_artifact_means_no_word_feature(tmp_path):
    assert LexicalHead.load(tmp_path) is None


def test_builtin_model_names_its_word_head_and_uses_it_in_the_fusion(analyzer):
    backend = analyzer.backend
    assert backend.lexical is not None
    assert analyzer.components["lexical"] == backend.lexical.version
    assert set(backend.lexical.labels) == {"conspiracy", "toxicity"}
    assert "lexical_conspiracy" in backend.fusion["conspiracy"]["features"]
    assert "lexical_toxicity" in backend.fusion["toxicity"]["features"]


def test_builtin_model_refuses_a_missing_or_swapped_word_head(tmp_path):
    import shutil

    from modsvc.analysis.builtin import BuiltinModel
    from modsvc.analysis.heads import ARTIFACTS
    from modsvc.analysis.settings import load_settings

    for f in (f for f in ARTIFACTS.iterdir() if f.is_file()):  # the multilingual model has a folder of its own
        shutil.copy(f, tmp_path / f.name)
    settings = load_settings()
    (tmp_path / "lexical.npz").unlink()
    with pytest.raises(FileNotFoundError, match="word-level heads for conspiracy, toxicity"):
        BuiltinModel(settings, heads_dir=tmp_path)
    head = LexicalHead.load(ARTIFACTS)
    head.models["toxicity"].bias += 1.0  # a different word head than the one the fusion was fitted with
    head.save(tmp_path)
    with pytest.raises(ValueError, match="retrain the heads"):
        BuiltinModel(settings, heads_dir=tmp_path)


def test_character_ngram_model_matches_scikit_learn_and_survives_the_file(tmp_path):
    texts = ["ты бл@ть идиот", "ты просто идиот", "спасибо за статью", "хорошая статья, спасибо",
             "Halt die Fresse, du Vollidiot", "Danke für den Artikel"] * 2
    y = np.array([1, 1, 0, 0, 1, 0] * 2)
    model = lexical_pipeline("char_wb").fit(texts, y, logisticregression__sample_weight=np.ones(len(texts)))
    head = lexical_head({"toxicity": model})
    assert head.models["toxicity"].kind == "char_wb"
    probe = ["ТЫ  идиот!", "спасибо, бл@ть", "Vollidiot", "", "x"]
    assert np.allclose(head.logits(probe, "toxicity"), model.decision_function(probe), atol=1e-5)
    head.save(tmp_path)
    loaded = LexicalHead.load(tmp_path)
    assert loaded.models["toxicity"].kind == "char_wb"
    assert np.allclose(loaded.logits(probe, "toxicity"), model.decision_function(probe), atol=1e-4)
