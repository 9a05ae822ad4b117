"""Rules only, on the hand-written TRAIN rows of each language: how many antisemitic rows get an antisemitism span,
and how many harmless rows (benign Jewish topics, Israel-policy criticism, counter-speech, ordinary talk) do.

    python -m training.rules_report                 # every language, the comment's language passed to the rules
    python -m training.rules_report --language none # the rules of every language on every row (language unknown)
    python -m training.rules_report --by-category   # also each category's figure

Only TRAIN rows are read (training/data/handwritten_train*.jsonl); the held-out sets are never opened here.
A row counts as flagged when the rules give it at least one antisemitism span (``--min-score`` raises that bar).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FILES = {
    "en": ("training/data/handwritten_train.jsonl", "training/data/handwritten_train_model.jsonl"),
    "de": ("training/data/handwritten_train_de.jsonl",),
    "ru": ("training/data/handwritten_train_ru.jsonl",),
}
# harmless groups the false-positive target is about
NEGATIVE_GROUPS = {
    "benign Jewish topics": ("benign_jewish_life", "benign_jewish_history", "benign_jewish_topics_mixed",
                             "benign_jewish_topics"),
    "Israel-policy criticism": ("israel_policy_criticism",),
    "counter-speech": ("counter_speech",),
    "ordinary": ("ordinary", "ordinary_critical"),
}


def rows_of(lang: str) -> list[dict]:
    out = []
    for rel in FILES[lang]:
        for line in (REPO / rel).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def report(lang: str, rules_language: str | None, min_score: float, by_category: bool) -> dict:
    from modsvc.analysis.normalize import normalize
    from modsvc.analysis.tropes import analyse

    rows = rows_of(lang)
    flagged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    pos = tp = 0
    start = time.perf_counter()
    for r in rows:
        spans, _ = analyse(normalize(r["text"]), rules_language)
        hit = any(s.label == "antisemitism" and s.score >= min_score for s in spans)
        flagged[r["category"]][0] += hit
        flagged[r["category"]][1] += 1
        if r["antisemitism"]:
            pos += 1
            tp += hit
    ms = (time.perf_counter() - start) * 1000 / max(len(rows), 1)
    groups = {}
    for name, cats in NEGATIVE_GROUPS.items():
        f = sum(flagged[c][0] for c in cats if c in flagged)
        n = sum(flagged[c][1] for c in cats if c in flagged)
        if n:
            groups[name] = (f, n)
    neg_f = sum(f for f, _ in groups.values())
    neg_n = sum(n for _, n in groups.values())
    out = {"language": lang, "rows": len(rows), "antisemitic": (tp, pos), "negatives": groups,
           "negatives_all": (neg_f, neg_n), "ms_per_row": ms, "categories": dict(flagged)}
    print(f"\n[{lang}] {len(rows)} TRAIN rows, rules language {rules_language or 'none (all)'}, "
          f"{ms:.2f} ms per row")
    print(f"  antisemitic rows with an antisemitism span: {tp}/{pos} = {tp / max(pos, 1):.1%}")
    for name, (f, n) in groups.items():
        print(f"  {name:<26} flagged {f}/{n} = {f / n:.1%}")
    print(f"  {'all these harmless rows':<26} flagged {neg_f}/{neg_n} = {neg_f / max(neg_n, 1):.1%}  (target < 3%)")
    if by_category:
        for cat, (f, n) in sorted(flagged.items()):
            print(f"    {cat:<34} {f:>3}/{n:<3} {f / n:.0%}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--language", default="row", help="'row' (each row's language, default), 'none' or a code")
    ap.add_argument("--only", nargs="*", default=list(FILES), help="languages to report")
    ap.add_argument("--min-score", type=float, default=0.0, help="count a span only from this score on")
    ap.add_argument("--by-category", action="store_true")
    args = ap.parse_args(argv)
    for lang in args.only:
        rules_language = lang if args.language == "row" else (None if args.language == "none" else args.language)
        report(lang, rules_language, args.min_score, args.by_category)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
