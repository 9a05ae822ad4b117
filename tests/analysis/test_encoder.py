"""The ONNX int8 encoder agrees with the PyTorch one, the heads give the same answers on both, and the encoder
the service runs is the one the heads were trained on (first layers + distilled adapter)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from modsvc.analysis import LABELS  # noqa: E402
from modsvc.analysis.encoder import (  # noqa: E402
    ADAPTER_FILENAME, FULL, EncoderSpec, OnnxEncoder, TorchEncoder, load_transformer, onnx_path_for, package_model_dir,
)
from modsvc.analysis.heads import ARTIFACTS, Heads, encoder_spec, trained_encoder_spec  # noqa: E402

TEXTS = [
    "Great article, thanks for the translation.",
    "The Jews control the banks and the media and orchestrate every war",
    "Vaccines contain microchips so Bill Gates can track you.",
    "You are a stupid idiot.",
    "Happy Hanukkah to all my Jewish neighbours!",
    "Always ask, where does the money come from? My guess is, the Ashkenazim in the USA.",
    "word " * 400,
]


@pytest.fixture(scope="module")
def spec():
    return trained_encoder_spec()


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory, spec):
    from modsvc.analysis import export_onnx
    from modsvc.analysis.settings import load_settings

    model_dir = load_settings().model_dir
    if export_onnx.is_current(model_dir, spec):
        return onnx_path_for(model_dir, spec)
    return export_onnx.build(tmp_path_factory.mktemp("onnx"), spec=spec)


def test_onnx_matches_pytorch(onnx_file, spec):
    a, ca = OnnxEncoder(onnx_file, spec=spec).encode_chunks(TEXTS)
    b, cb = TorchEncoder(spec=spec).encode_chunks(TEXTS)
    assert list(ca.owner) == list(cb.owner) and len(ca.owner) > len(TEXTS)  # the long text has several windows
    cos = (a * b).sum(1)
    assert cos.min() > 0.97, cos
    heads = Heads.load()
    pa, pb = heads.predict(a), heads.predict(b)
    assert np.abs(pa - pb).max() < 0.1, dict(zip(LABELS, np.abs(pa - pb).max(0)))
    assert ((pa >= 0.5) == (pb >= 0.5)).mean() > 0.95


def test_the_service_runs_the_encoder_the_heads_were_trained_on(spec):
    from modsvc.analysis import get_analyzer

    meta = Heads.load().meta
    analyzer = get_analyzer("builtin")
    assert analyzer.backend.encoder.spec == spec
    assert spec.layers == meta.get("encoder_layers", 6)
    assert spec.adapter_hash == meta.get("encoder_adapter")
    assert analyzer.components["encoder"].startswith(spec.name + "@")  # shown in every result's model
    info = analyzer.describe()
    assert info["encoder_layers"] == spec.layers and info["encoder_adapter"] == spec.adapter_hash


def _write_adapter(path, layers: int, seed: int = 0, scale: float = 1.0):
    """A random low-rank adapter for the query projections of the first ``layers`` layers."""
    rng = np.random.default_rng(seed)
    arrays = {"meta/layers": np.array(layers)}
    for i in range(layers):
        name = f"encoder.layer.{i}.attention.self.query"
        arrays[f"{name}/A"] = rng.normal(0, 0.2, (4, 384)).astype(np.float16)
        arrays[f"{name}/B"] = rng.normal(0, 0.2, (384, 4)).astype(np.float16)
        arrays[f"{name}/scale"] = np.array(scale, dtype=np.float32)
    np.savez(path, **arrays)
    return path


def test_adapter_adds_its_low_rank_corrections_to_the_weights(tmp_path):
    import torch

    adapter = _write_adapter(tmp_path / ADAPTER_FILENAME, layers=2, scale=0.5)
    plain = load_transformer(package_model_dir(), EncoderSpec(2))
    adapted = load_transformer(package_model_dir(), EncoderSpec(2, adapter))
    assert len(adapted.encoder.layer) == 2
    data = np.load(adapter)
    name = "encoder.layer.1.attention.self.query"
    expected = plain.encoder.layer[1].attention.self.query.weight + 0.5 * (
        torch.from_numpy(data[f"{name}/B"].astype(np.float32)) @ torch.from_numpy(data[f"{name}/A"].astype(np.float32)))
    assert torch.allclose(adapted.encoder.layer[1].attention.self.query.weight, expected, atol=1e-5)
    # untouched modules stay the package's weights
    assert torch.equal(adapted.encoder.layer[1].attention.self.key.weight, plain.encoder.layer[1].attention.self.key.weight)
    a = TorchEncoder(spec=EncoderSpec(2, adapter)).encode(TEXTS[:2])
    b = TorchEncoder(spec=EncoderSpec(2)).encode(TEXTS[:2])
    assert (a * b).sum(1).max() < 0.999  # the adapter changes what the encoder produces


def test_adapter_for_other_layers_or_other_heads_is_refused(tmp_path):
    adapter = _write_adapter(tmp_path / ADAPTER_FILENAME, layers=3)
    with pytest.raises(ValueError, match="trained for 3 layers"):
        load_transformer(package_model_dir(), EncoderSpec(2, adapter))
    # heads that name another adapter than the file next to them: refused, not silently mis-scored
    meta = {"encoder_layers": 3, "encoder_adapter": "0000000000"}
    with pytest.raises(ValueError, match="retrain the heads"):
        encoder_spec(meta, tmp_path)
    assert encoder_spec({"encoder_layers": 3, "encoder_adapter": EncoderSpec(3, adapter).adapter_hash},
                        tmp_path) == EncoderSpec(3, adapter)
    assert encoder_spec({}, tmp_path) == FULL  # heads from before layer choice: the full encoder


def test_versions_and_files_differ_per_encoder(tmp_path):
    adapter = _write_adapter(tmp_path / ADAPTER_FILENAME, layers=2)
    specs = [FULL, EncoderSpec(2), EncoderSpec(2, adapter)]
    assert len({s.name for s in specs}) == 3 and len({s.onnx_filename for s in specs}) == 3
    other = _write_adapter(tmp_path / "other.npz", layers=2, seed=1)
    assert EncoderSpec(2, other).name != EncoderSpec(2, adapter).name  # a new adapter means re-scoring


def test_missing_adapter_file_is_a_clear_error(tmp_path):
    shutil.copy(ARTIFACTS / "heads.npz", tmp_path / "heads.npz")
    meta = json.loads((ARTIFACTS / "heads.json").read_text())
    meta["encoder_adapter"] = "abc"
    (tmp_path / "heads.json").write_text(json.dumps(meta))
    with pytest.raises(FileNotFoundError, match=ADAPTER_FILENAME):
        trained_encoder_spec(tmp_path)


def test_heads_use_one_blas_thread_once_the_model_is_loaded():
    from threadpoolctl import threadpool_info

    from modsvc.analysis import get_analyzer

    get_analyzer("builtin")
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas)
