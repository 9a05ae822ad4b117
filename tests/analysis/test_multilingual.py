"""The multilingual model (multilingual-e5-small's first layers + heads + rule fusion) and the default
by-language backend that sends English to the built-in model and German / Russian to the multilingual one."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from modsvc.analysis import get_analyzer  # noqa: E402
from modsvc.analysis.e5_encoder import (  # noqa: E402
    LORA_FILENAME, E5Encoder, E5Spec, WordRows, export_graph, torch_graph, trained_spec,
)
from modsvc.analysis.e5_package import E5Package  # noqa: E402
from modsvc.analysis.multilingual_model import MULTILINGUAL_DIR, MultilingualModel  # noqa: E402
from modsvc.analysis.settings import AnalysisSettings  # noqa: E402


@pytest.fixture(scope="module")
def package():
    return E5Package()


@pytest.fixture(scope="module")
def multilingual():
    return get_analyzer("multilingual")


@pytest.fixture(scope="module")
def by_language():
    return get_analyzer("by-language")


def test_the_tokenizer_reads_german_and_russian_into_known_pieces(package):
    tok = package.tokenizer()
    for text in ("Die Rothschilds kontrollieren die Banken.", "жидомасоны правят миром"):
        enc = tok.encode(text)
        assert enc.ids[0] == package.config.bos and enc.ids[-1] == package.config.eos
        assert package.config.unk not in enc.ids


def test_word_rows_from_the_mapped_file_equal_the_dequantised_matrix(package):
    ids = np.array([[0, 5, 1000, package.config.vocab - 1]])
    assert np.array_equal(WordRows(package)(ids), package.word_embeddings()[ids])


def test_onnx_graph_agrees_with_pytorch_and_long_texts_are_cut_into_windows(tmp_path):
    spec = E5Spec(2)  # two layers keep the export quick; the graph is the same for any depth
    export_graph(tmp_path, spec)
    onnx = E5Encoder(tmp_path, spec, runtime="onnx")
    eager = E5Encoder(tmp_path, spec, runtime="torch")
    assert onnx.runtime == "onnx-int8" and eager.runtime == "torch-fp32"
    texts = ["Danke für die Übersetzung!", "Спасибо за перевод", "thanks for the article " * 60]
    a, b = onnx.encode(texts), eager.encode(texts)
    assert float((a * b).sum(axis=1).min()) > 0.97
    emb, chunks = onnx.encode_chunks(texts)
    assert (chunks.owner == 2).sum() > 1 and all(len(w) <= 128 for w in chunks.ids)
    assert emb.shape == (len(chunks.ids), 384)
    prefix = onnx.tokenizer.prefix
    assert all(w[1:1 + len(prefix)] == prefix for w in chunks.ids)  # every window reads "query: ..."


def test_fine_tuned_corrections_change_the_encoder_and_its_name(package, tmp_path):
    """The low-rank corrections of training/finetune_e5.py are added to the weights they were trained on, and the
    encoder's name (so its ONNX file, its embedding cache and the heads' check) says which ones."""
    rng = np.random.default_rng(0)
    module = "encoder.layer.1.attention.self.query"
    lora = tmp_path / LORA_FILENAME
    np.savez(lora, **{f"{module}/A": rng.normal(size=(4, 384)).astype(np.float16),
                      f"{module}/B": rng.normal(size=(384, 4)).astype(np.float16),
                      f"{module}/scale": np.array(0.5, dtype=np.float32), "meta/layers": np.array(2)})
    plain, tuned = E5Spec(2), trained_spec(tmp_path, {"encoder_layers": 2})
    assert tuned.lora == lora and tuned.name == f"{plain.name}-tuned-{tuned.lora_hash}"
    assert trained_spec(tmp_path / "elsewhere", {"encoder_layers": 2}) == plain
    a = dict(torch_graph(package, plain).named_parameters())[f"bert.{module}.weight"].detach().numpy()
    b = dict(torch_graph(package, tuned).named_parameters())[f"bert.{module}.weight"].detach().numpy()
    data = np.load(lora)
    expected = 0.5 * data[f"{module}/B"].astype(np.float32) @ data[f"{module}/A"].astype(np.float32)
    assert np.allclose(b - a, expected, atol=1e-3)
    with pytest.raises(ValueError, match="trained for 2 layers"):
        torch_graph(package, E5Spec(3, lora))


# Written for this test, apart from the training rows: a myth and a harmless comment on the same subject.
PAIRS = {
    "de": [("Die Rothschild-Sippe zieht seit Jahrhunderten an allen Fäden, keine Regierung wagt es, sich gegen "
            "die Hochfinanz dieser Leute zu stellen.",
            "Die Ausstellung über die Geschichte der jüdischen Familien in Frankfurt war sehr sehenswert."),
           ("Sechs Millionen? Rechnet mal nach, das geht logistisch gar nicht, da wurde maßlos übertrieben.",
            "Am Holocaust-Gedenktag haben Schüler die Namen der deportierten Nachbarn vorgelesen.")],
    "ru": [("Все эти олигархи-сионисты давно поделили страну, а нам рассказывают сказки про демократию.",
            "В нашем городе открыли музей истории еврейской общины, очень интересная экспозиция."),
           ("Хазары никуда не исчезли, они сейчас сидят в банках и правительствах по всему миру.",
            "Правительство Израиля критикуют за новые поселения, и эта критика звучит даже внутри страны.")],
}


@pytest.mark.parametrize("language", sorted(PAIRS))
def test_german_and_russian_myths_rank_above_their_look_alikes_which_are_allowed(multilingual, language):
    """Ranking, not the review line: how many myths reach review is the held-out benchmark's figure
    (bench/eval_quality.py; German recall at review is 0.6, short of the 0.9 target)."""
    myths, benign = zip(*PAIRS[language])
    results = multilingual.analyze([*myths, *benign], languages=[language] * (len(myths) + len(benign)))
    bad, good = results[:len(myths)], results[len(myths):]
    assert min(r.scores["antisemitism"] for r in bad) > max(r.scores["antisemitism"] for r in good) + 0.1
    assert all(r.decision.action == "allow" for r in good), [r.scores for r in good]


def test_by_language_scores_english_with_the_builtin_model_and_german_and_russian_with_the_multilingual(
        by_language, multilingual):
    builtin = get_analyzer("builtin")
    texts = ["The banks are run by a small cabal, everyone knows who they are.",
             "Danke für die Übersetzung, sehr interessanter Artikel über Kasachstan.",
             "Спасибо за статью, было интересно читать про Казахстан."]
    mixed = by_language.analyze(texts)
    assert [r.language for r in mixed] == ["en", "de", "ru"]
    assert all(r.language_supported for r in mixed)
    expected = [builtin.analyze([texts[0]])[0]] + multilingual.analyze(texts[1:])
    for got, want in zip(mixed, expected):
        assert got.scores == pytest.approx(want.scores, abs=1e-5)
    assert by_language.supported_languages == {"en", "de", "ru"}


def test_a_language_neither_model_knows_is_not_scored(by_language):
    (res,) = by_language.analyze(["Merci beaucoup pour cette traduction, c'est un article très intéressant."])
    assert res.language == "fr" and res.language_supported is False
    assert res.scores == {} and res.decision.action == "review"


def test_heads_trained_on_another_encoder_are_refused(tmp_path):
    other = tmp_path / "heads"
    shutil.copytree(MULTILINGUAL_DIR, other)
    meta = json.loads((other / "heads.json").read_text())
    meta["encoder"] = "multilingual-e5-small-first8@0000000000-1/onnx-int8/max128"
    (other / "heads.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="trained on"):
        MultilingualModel(AnalysisSettings(model_dir=tmp_path), runtime="torch", heads_dir=other)


def test_a_batch_of_windows_embeds_each_exactly_as_its_own_run(multilingual):
    """embed_ids dequantises the word rows of all windows at once and spreads the runs over threads: each
    window's embedding is still bit for bit the one of its own single run (token ids -> rows -> graph)."""
    encoder = multilingual.backend.encoder
    texts = ["Die Rothschilds kontrollieren die Banken.", "жидомасоны правят миром", "ok", "Danke!",
             "Das ist ein ganz normaler Satz. " * 30]
    chunks = encoder.tokenizer.chunk(texts)
    batch = encoder.embed_ids(chunks.ids, memo={})
    one_by_one = np.stack([encoder._one(list(w)) for w in chunks.ids])
    assert np.array_equal(batch, one_by_one)
