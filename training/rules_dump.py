"""Dump what the rule layer says about every row of a corpus, to prove a refactoring changed nothing.

For each text: the normalised text, its offset map (hashed), the evasion flags, every span (offsets, label,
trope, score, reason) and the fusion features. Run it before a change and after, then compare:

    python -m training.rules_dump --out /tmp/rules_before.jsonl
    ... change the rules ...
    python -m training.rules_dump --out /tmp/rules_after.jsonl --compare /tmp/rules_before.jsonl

Corpora: the hand-written English TRAIN rows (the rules' dev set and the model's extra rows) and, with
``--public``, the TRAIN split of the English public sets (Jikeli, PAN 2024, HateCheck, ToxiGen); held-out
rows are never read. ``--language`` passes a language to the rules (default: none, i.e. what the service did
before rules were per language).
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ENGLISH_TRAIN = ("training/data/handwritten_train.jsonl", "training/data/handwritten_train_model.jsonl")


def _texts(public: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for rel in ENGLISH_TRAIN:
        for i, line in enumerate((REPO / rel).read_text(encoding="utf-8").splitlines()):
            if line.strip():
                out.append((f"{rel}:{i + 1}", json.loads(line)["text"]))
    if public:
        from training import datasets as D

        for src in (D.jikeli, D.pan2024, D.hatecheck_en, D.toxigen_seeds):
            for i, ex in enumerate(src()):
                if ex.split == "train":
                    out.append((f"{ex.source}:{i}", ex.text))
    return out


def dump_row(key: str, text: str, language: str | None) -> dict:
    from modsvc.analysis.normalize import normalize
    from modsvc.analysis.tropes import analyse

    nt = normalize(text)
    if language is not None or "language" in inspect.signature(analyse).parameters:
        spans, feats = analyse(nt, language=language)
    else:
        spans, feats = analyse(nt)
    return {
        "key": key,
        "norm": nt.text,
        "offsets": hashlib.sha1(repr(nt.offsets).encode()).hexdigest()[:12],
        "flags": sorted(nt.flags),
        "spans": [[s.begin, s.end, s.label, s.trope, s.score, s.reason] for s in spans],
        "features": feats,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--public", action="store_true", help="also the TRAIN split of the English public sets")
    ap.add_argument("--language", default=None, help="language passed to the rules (default: none)")
    ap.add_argument("--compare", help="an earlier dump: print every row that differs, exit 1 if any")
    args = ap.parse_args(argv)
    rows = [dump_row(k, t, args.language) for k, t in _texts(args.public)]
    with open(args.out, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    n_spans = sum(len(r["spans"]) for r in rows)
    print(f"{len(rows)} rows, {n_spans} spans -> {args.out}")
    if not args.compare:
        return 0
    before = {}
    for line in Path(args.compare).read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        before[r["key"]] = r
    diff = norm_only = 0
    for r in rows:
        b = before.get(r["key"])
        if b is not None and (b["spans"], b["features"]) == (r["spans"], r["features"]):
            norm_only += b != r  # the same findings from a differently normalised text
            continue
        diff += 1
        if diff <= 20:
            print("DIFF", r["key"], "\n  before:", json.dumps(b, ensure_ascii=False)[:600],
                  "\n  after: ", json.dumps(r, ensure_ascii=False)[:600])
    missing = set(before) - {r["key"] for r in rows}
    print(f"compared with {args.compare}: {diff} rows differ in spans or features, {len(missing)} rows missing; "
          f"{norm_only} rows differ only in the normalised text or its flags")
    return 1 if diff or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
