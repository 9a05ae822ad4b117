"""The real Detoxify code path (checkpoint format, get_model_and_tokenizer, Detoxify.predict) on a tiny model."""
from __future__ import annotations

import socket

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("detoxify")

from modsvc.analysis import LABELS, AnalysisSettings  # noqa: E402
from modsvc.analysis.detoxify_backend import (  # noqa: E402
    DetoxifyModel, ModelNotAvailable, download, load_detoxify)
from modsvc.analysis.detoxify_random import ORIGINAL_CLASSES, make_checkpoint  # noqa: E402
from modsvc.analysis.pipeline import Analyzer  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_checkpoint(tmp_path_factory.mktemp("detox"), "tiny")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)  # DNS too: without network a lookup can hang


def reference_scores(ckpt, hf_dir, texts):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    loaded = torch.load(ckpt, weights_only=False)
    model = BertForSequenceClassification(BertConfig.from_pretrained(str(hf_dir))).eval()
    model.load_state_dict(loaded["state_dict"])
    tok = BertTokenizer.from_pretrained(str(hf_dir))
    with torch.no_grad():
        return torch.sigmoid(model(**tok(texts, return_tensors="pt", padding=True)).logits).numpy()


def test_load_detoxify_offline_matches_checkpoint_weights(tiny, no_network):
    ckpt, hf_dir = tiny
    det = load_detoxify(ckpt, hf_dir)
    assert det.class_names == ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
    texts = ["you are a stupid idiot", "nice article thanks", "the jews control the banks"]
    got = det.predict(texts)
    ref = reference_scores(ckpt, hf_dir, texts)
    for j, name in enumerate(det.class_names):
        assert np.allclose(got[name], ref[:, j], atol=1e-5)
    # the classifier biases set in the checkpoint are visible: a fresh random init would give ~0.5 everywhere
    assert got["toxicity"][0] < 0.1 and got["identity_attack"][0] > 0.8


def test_detoxify_backend_in_pipeline(tiny, no_network, analyzer):
    ckpt, hf_dir = tiny
    backend = DetoxifyModel("original", AnalysisSettings(), checkpoint=ckpt, hf_dir=hf_dir,
                            builtin=analyzer.backend)
    detox_analyzer = Analyzer(backend)
    texts = ["nice article thanks", "The Jews control the banks and the media and orchestrate every war"]
    results = detox_analyzer.analyze(texts)
    ref = reference_scores(ckpt, hf_dir, texts)
    for i, r in enumerate(results):
        assert set(r.scores) == set(LABELS) and all(0 <= v <= 1 for v in r.scores.values())
        for j, cls in enumerate(ORIGINAL_CLASSES):
            lb = {"toxic": "toxicity", "severe_toxic": "severe_toxicity", "identity_hate": "identity_attack"}.get(cls, cls)
            assert abs(r.scores[lb] - ref[i, j]) < 1e-4
        assert r.model["model_version"].startswith("detoxify-original-")
        assert r.model["detoxify"].startswith("detoxify-original@")
    # antisemitism comes from the built-in heads + rules, so the myth is still caught with random Detoxify weights
    assert results[1].scores["antisemitism"] == pytest.approx(analyzer.analyze([texts[1]])[0].scores["antisemitism"],
                                                               abs=1e-4)
    assert "sexual_explicit" not in backend.own_labels  # 'original' has no such head: filled by the builtin one


def test_missing_checkpoint_gives_clear_message(tmp_path):
    with pytest.raises(ModelNotAvailable, match="modsvc models download detoxify-unbiased"):
        DetoxifyModel("unbiased", AnalysisSettings(model_dir=tmp_path))


def test_download_fails_clearly_without_network(tmp_path, no_network):
    with pytest.raises(ModelNotAvailable, match="cannot download"):
        download("original", AnalysisSettings(model_dir=tmp_path), progress=False)
    assert not list((tmp_path / "detoxify").glob("*.part"))


def test_not_a_checkpoint_rejected(tmp_path):
    bad = tmp_path / "bad.ckpt"
    torch.save({"weights": {}}, bad)
    with pytest.raises(ValueError, match="not a Detoxify checkpoint"):
        load_detoxify(bad, None)


def test_languages_detoxify_scores(tiny, no_network, analyzer):
    """Detoxify's documented languages for the multilingual model; English only for the others. The labels it lacks
    come from the built-in heads, which know English only: such labels are named in a French result's warnings."""
    ckpt, hf_dir = tiny
    original = DetoxifyModel("original", AnalysisSettings(), checkpoint=ckpt, hf_dir=hf_dir, builtin=analyzer.backend)
    assert original.supported_languages == {"en"}
    multi = DetoxifyModel("multilingual", AnalysisSettings(), checkpoint=ckpt, hf_dir=hf_dir,
                          builtin=analyzer.backend)  # the tiny English checkpoint stands in for the real one
    assert multi.supported_languages == {"en", "fr", "es", "it", "pt", "tr", "ru"}
    assert multi.label_languages["toxicity"] == multi.supported_languages
    assert multi.label_languages["antisemitism"] == {"en"}
    result = Analyzer(multi).analyze(["Je ne suis pas du tout d'accord avec cet article, c'est une honte."])[0]
    assert result.language == "fr" and result.language_supported and set(result.scores) == set(LABELS)
    assert any(w.startswith("sexual_explicit, antisemitism, conspiracy: scored by a model that does not know")
               for w in result.warnings), result.warnings
    german = Analyzer(multi).analyze(["Das ist doch wirklich eine Frechheit, was hier geschrieben wird."])[0]
    assert german.language == "de" and not german.language_supported and german.scores == {}
