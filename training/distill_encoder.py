"""Distil the full 6-layer MiniLM encoder into its first N layers, so the built-in model runs ~3x faster.

    nice -n 5 .venv/bin/python -m training.distill_encoder [--layers 2] [--epochs 2] [--rank 8]

The student is the teacher's own first N layers plus low-rank (LoRA) corrections to their linear layers, trained
so that its mean-pooled, normalised embedding of each TRAINING text matches the full encoder's (cosine loss).
Only the corrections are learned and stored (``modsvc/analysis/artifacts/encoder_adapter.npz``, ~200 kB as
float16); the package's weights stay as they are, and ``encoder.load_transformer`` adds the corrections on load.
Teacher embeddings come from the int8 ONNX teacher through the same cache as ``train_heads``. Held-out texts are
never seen (the texts are ``training/datasets.py``'s train split). Prints the student's cosine to the teacher on
2% of the texts kept apart, before and after. Afterwards: ``train_heads --layers N`` and ``eval_quality``.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from modsvc.analysis.encoder import (  # noqa: E402
    ADAPTER_FILENAME, FULL, EncoderSpec, Tokenizer, load_encoder, load_transformer, mean_pool_normalise,
    package_model_dir, pad_windows,
)
from modsvc.analysis.heads import ARTIFACTS  # noqa: E402
from training.datasets import load_all  # noqa: E402
from training.embed_cache import EmbeddingCache  # noqa: E402

TARGET_MODULES = ["query", "key", "value", "dense"]  # every linear layer of the kept BERT layers


def batches(id_lists: list[list[int]], size: int, rng: random.Random) -> list[list[int]]:
    """Index batches of similar length (little padding), in random order."""
    order = sorted(range(len(id_lists)), key=lambda i: (len(id_lists[i]), rng.random()))
    out = [order[s:s + size] for s in range(0, len(order), size)]
    rng.shuffle(out)
    return out


def padded(torch, id_lists: list[list[int]]):
    """The encoder's own padding (ids, attention mask), as torch tensors."""
    return tuple(torch.from_numpy(x) for x in pad_windows(id_lists))


def embed(torch, model, ids, mask):
    hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    return mean_pool_normalise(torch, hidden, mask)


def mean_cosine(torch, model, id_lists, teacher, size=128) -> float:
    model.eval()
    total = 0.0
    with torch.inference_mode():
        for s in range(0, len(id_lists), size):
            ids, mask = padded(torch, id_lists[s:s + size])
            total += float((embed(torch, model, ids, mask) * teacher[s:s + size]).sum())
    model.train()
    return total / len(id_lists)


def save_adapter(model, path: Path, meta: dict) -> None:
    """Store each LoRA pair as A (r x in), B (out x r) and its scale, under the plain BERT module name."""
    arrays = {}
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
            plain = name.removeprefix("base_model.model.")
            arrays[f"{plain}/A"] = module.lora_A["default"].weight.detach().numpy().astype(np.float16)
            arrays[f"{plain}/B"] = module.lora_B["default"].weight.detach().numpy().astype(np.float16)
            arrays[f"{plain}/scale"] = np.array(module.scaling["default"], dtype=np.float32)
    arrays["meta/layers"] = np.array(meta["layers"])
    np.savez_compressed(path, **arrays)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--model-dir", default="instance/models", help="where the ONNX teacher is")
    p.add_argument("--out", default=str(ARTIFACTS / ADAPTER_FILENAME))
    args = p.parse_args(argv)

    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    rng = random.Random(0)
    t0 = time.time()
    texts = list(dict.fromkeys(r.text for r in load_all() if r.split == "train"))
    teacher = EmbeddingCache(load_encoder(args.model_dir, runtime="onnx", spec=FULL)).get(texts)
    id_lists = Tokenizer().chunk(texts, max_windows=1).ids  # the same first window the teacher embedded
    print(f"{len(texts)} training texts, teacher ready after {time.time() - t0:.0f}s", flush=True)

    idx = list(range(len(texts)))
    rng.shuffle(idx)
    n_val = len(idx) // 50
    val, train = idx[:n_val], idx[n_val:]
    val_ids, val_t = [id_lists[i] for i in val], torch.from_numpy(teacher[val])

    base = load_transformer(package_model_dir(), EncoderSpec(args.layers))
    base.train()
    config = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.0, target_modules=TARGET_MODULES)
    model = get_peft_model(base, config)
    print(f"student: first {args.layers} layers + LoRA r={args.rank} "
          f"({sum(x.numel() for x in model.parameters() if x.requires_grad)} trained parameters); "
          f"validation cosine before: {mean_cosine(torch, model, val_ids, val_t):.4f}", flush=True)

    opt = torch.optim.AdamW([x for x in model.parameters() if x.requires_grad], lr=args.lr, weight_decay=0.0)
    train_ids = [id_lists[i] for i in train]
    train_t = torch.from_numpy(teacher[train])
    plan = [b for _ in range(args.epochs) for b in batches(train_ids, args.batch, rng)]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=len(plan), pct_start=0.05)
    for step, sel in enumerate(plan, 1):
        ids, mask = padded(torch, [train_ids[i] for i in sel])
        loss = (1.0 - (embed(torch, model, ids, mask) * train_t[sel]).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 200 == 0 or step == len(plan):
            print(f"  step {step}/{len(plan)} loss {loss.item():.4f} ({time.time() - t0:.0f}s)", flush=True)
    print(f"validation cosine after: {mean_cosine(torch, model, val_ids, val_t):.4f}", flush=True)
    save_adapter(model, Path(args.out), {"layers": args.layers})
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e3:.0f} kB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
