"""The ONNX int8 encoder agrees with the PyTorch one, and the heads give the same answers on both."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from modsvc.analysis import LABELS  # noqa: E402
from modsvc.analysis.encoder import OnnxEncoder, TorchEncoder, onnx_path_for  # noqa: E402
from modsvc.analysis.heads import Heads  # noqa: E402

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
def onnx_file(tmp_path_factory):
    from modsvc.analysis import export_onnx
    from modsvc.analysis.settings import load_settings

    model_dir = load_settings().model_dir
    if export_onnx.is_current(model_dir):
        return onnx_path_for(model_dir)
    return export_onnx.build(tmp_path_factory.mktemp("onnx"))


def test_onnx_matches_pytorch(onnx_file):
    a, ca = OnnxEncoder(onnx_file).encode_chunks(TEXTS)
    b, cb = TorchEncoder().encode_chunks(TEXTS)
    assert list(ca.owner) == list(cb.owner) and len(ca.owner) > len(TEXTS)  # the long text has several windows
    cos = (a * b).sum(1)
    assert cos.min() > 0.97, cos
    heads = Heads.load()
    pa, pb = heads.predict(a), heads.predict(b)
    assert np.abs(pa - pb).max() < 0.1, dict(zip(LABELS, np.abs(pa - pb).max(0)))
    assert ((pa >= 0.5) == (pb >= 0.5)).mean() > 0.95
