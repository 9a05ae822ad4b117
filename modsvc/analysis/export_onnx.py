"""Build the int8 ONNX encoder used by the built-in model (set-up step; needs torch + onnx once).

    python -m modsvc.analysis.export_onnx [--out-dir DIR] [--full] [--check]

Writes ``$MODSVC_MODEL_DIR/minilm-l6-v2[-firstN][-adapted]-int8.onnx`` and the multilingual model's
``multilingual-e5-small-firstN-<weights>-int8.onnx`` (default $MODSVC_INSTANCE_DIR/models/; too big to
commit): export of the encoder the installed heads were trained on (heads.json: its first N transformer layers,
plus the distilled low-rank adapter) + mean pooling + L2 normalisation → dynamic per-channel int8 quantisation of
the weights. ``--full`` builds the full 6-layer encoder instead (the teacher for ``training.distill_encoder``).
Skips the build when the file is current (same weights, adapter and onnxruntime); ``--force`` rebuilds.
``--check`` compares it with the PyTorch encoder on a few sentences.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from .encoder import FULL, EncoderSpec, load_transformer, mean_pool_normalise, onnx_path_for, package_model_dir
from .heads import trained_encoder_spec
from .settings import load_settings

log = logging.getLogger(__name__)


def _export_fp32(path: Path, spec: EncoderSpec) -> None:
    import torch

    bert = load_transformer(package_model_dir(), spec)

    class SentenceEncoder(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            return mean_pool_normalise(torch, hidden, attention_mask)

    ids = torch.ones((2, 16), dtype=torch.int64)
    mask = torch.ones((2, 16), dtype=torch.int64)
    axes = {0: "batch", 1: "seq"}
    with torch.inference_mode():
        torch.onnx.export(
            SentenceEncoder(bert), (ids, mask), str(path),
            input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "sentence_embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )



def _stamp(spec: EncoderSpec) -> str:
    import onnxruntime

    from .encoder import weights_fingerprint

    return f"{weights_fingerprint()} {spec.name} onnxruntime-{onnxruntime.__version__} per-channel-int8"


def is_current(out_dir: Path | str | None = None, spec: EncoderSpec | None = None) -> bool:
    """True if the ONNX file exists and was built from the installed weights and adapter with this onnxruntime."""
    spec = spec or trained_encoder_spec()
    target = onnx_path_for(Path(out_dir or load_settings().model_dir), spec)
    stamp = target.with_suffix(".stamp")
    return target.exists() and stamp.exists() and stamp.read_text().strip() == _stamp(spec)


def build(out_dir: Path | str | None = None, force: bool = True, spec: EncoderSpec | None = None) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    spec = spec or trained_encoder_spec()
    out_dir = Path(out_dir or load_settings().model_dir).resolve()  # absolute: the build chdirs below
    out_dir.mkdir(parents=True, exist_ok=True)
    target = onnx_path_for(out_dir, spec)
    if not force and is_current(out_dir, spec):
        log.info("%s is up to date", target)
        return target
    t0 = time.time()
    # chdir: onnxruntime's quantiser drops <uuid>.data scratch files in the working directory.
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp, contextlib.chdir(tmp):
        fp32 = Path(tmp) / "fp32.onnx"
        _export_fp32(fp32, spec)
        src = fp32  # onnxruntime's BERT fusions measured no faster after int8 quantisation here: skipped
        partial = Path(tmp) / "int8.onnx"
        quantize_dynamic(str(src), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(partial, target)  # atomic: workers never see a half-written file
    target.with_suffix(".stamp").write_text(_stamp(spec) + "\n")
    log.info("wrote %s (%.1f MB) in %.0fs", target, target.stat().st_size / 1e6, time.time() - t0)
    return target


def build_multilingual(out_dir: Path | str | None = None) -> Path | None:
    """The multilingual model's encoder graph (the layers and fine-tuning its committed heads were trained on)."""
    import json

    from .e5_encoder import export_graph, trained_spec
    from .multilingual_model import MULTILINGUAL_DIR, available

    if not available():
        return None
    meta = json.loads((MULTILINGUAL_DIR / "heads.json").read_text())
    return export_graph(Path(out_dir or load_settings().model_dir), trained_spec(MULTILINGUAL_DIR, meta))


def check(out_dir: Path | str | None = None, spec: EncoderSpec | None = None) -> float:
    """Smallest cosine similarity between ONNX and PyTorch embeddings on a few sample sentences."""
    from .encoder import OnnxEncoder, TorchEncoder

    spec = spec or trained_encoder_spec()
    out_dir = Path(out_dir or load_settings().model_dir)
    texts = ["Hello there, nice article.", "The Jews control the banks and the media.",
             "Vaccines contain microchips to track you!", "x " * 300]
    a = OnnxEncoder(onnx_path_for(out_dir, spec), spec=spec).encode(texts)
    b = TorchEncoder(spec=spec).encode(texts)
    return float((a * b).sum(1).min())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out-dir", default=None, help="default: $MODSVC_MODEL_DIR or $MODSVC_INSTANCE_DIR/models")
    p.add_argument("--force", action="store_true", help="rebuild even if the file is up to date")
    p.add_argument("--check", action="store_true", help="compare against the PyTorch encoder afterwards")
    p.add_argument("--full", action="store_true",
                   help="the full 6-layer encoder without adapter (default: the one the installed heads use)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    spec = FULL if args.full else None
    path = build(args.out_dir, force=args.force, spec=spec)
    print(path)
    if not args.full:
        multilingual = build_multilingual(args.out_dir)
        if multilingual is not None:
            print(multilingual)
    if args.check:
        cos = check(args.out_dir, spec)
        print(f"min cosine(onnx, torch) = {cos:.4f}")
        return 0 if cos > 0.97 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
