"""Fit the multilingual model's fusion with the trope rules, on the fine-tuning's development rows.

    nice -n 10 .venv/bin/python -m training.fit_multilingual_fusion [--dir modsvc/analysis/artifacts]

The fine-tuned model never trained on the development rows (one train text in ten, by hash; see
``finetune_multilingual.is_dev``), so its scores there play the part the out-of-fold head scores play for the
English heads: the fusion learns how far to trust the rules next to the model. Writes "fusion" and the
antisemitism stance table (recall and false positives on benign Jewish-topic, Israel-policy and counter-speech
rows of the hand-written development rows, per language and threshold) into ``multilingual.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from modsvc.analysis import fusion as fusion_mod  # noqa: E402
from modsvc.analysis.multilingual import ARTIFACTS, META  # noqa: E402
from modsvc.analysis.multilingual_model import MultilingualModel  # noqa: E402
from modsvc.analysis.normalize import normalize  # noqa: E402
from modsvc.analysis.settings import load_settings  # noqa: E402
from modsvc.analysis.tropes import analyse, rule_scores  # noqa: E402
from modsvc.analysis.types import LABELS  # noqa: E402
from training.finetune_multilingual import SOURCES, is_dev  # noqa: E402
from training.datasets import MULTILINGUAL_SOURCES, load_all  # noqa: E402

BENIGN = ("counter_speech", "israel_policy_criticism", "benign_jewish_life", "benign_jewish_history",
          "benign_jewish_topics_mixed", "ordinary", "ordinary_critical")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=ARTIFACTS)
    p.add_argument("--runtime", default="auto")
    args = p.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    rows = [ex for ex in load_all(MULTILINGUAL_SOURCES) if ex.split == "train" and ex.source in SOURCES and is_dev(ex)]
    texts = [ex.text for ex in rows]
    model = MultilingualModel(load_settings(), runtime=args.runtime, directory=args.dir)
    probs = model.model_scores(texts)
    spans_feats = [analyse(normalize(t)) for t in texts]
    rules = [dict(rule_scores(list(spans))) for spans, _ in spans_feats]
    feats = fusion_mod.text_features(texts, [f for _, f in spans_feats])
    fusion = {}
    for label in ("antisemitism", "conspiracy"):
        j = LABELS.index(label)
        y = np.array([ex.labels.get(label) for ex in rows], dtype=object)
        known = np.array([v is not None for v in y])
        names = tuple(n for n in fusion_mod.FEATURES[label] if not n.startswith("lexical_"))
        rule = np.array([r.get(label, 0.0) for r in rules])
        X = fusion_mod.feature_matrix(label, probs[known, j], rule[known], [f for f, k in zip(feats, known) if k], names)
        w = np.array([SOURCES[ex.source][1] for ex, k in zip(rows, known) if k])
        clf = LogisticRegression(C=1.0, max_iter=2000).fit(X, y[known].astype(float), sample_weight=w)
        fusion[label] = {"features": list(names), "weights": [round(float(v), 5) for v in clf.coef_[0]],
                         "bias": round(float(clf.intercept_[0]), 5)}
        print(label, "dev rows", int(known.sum()), fusion[label])
    meta_path = args.dir / META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["fusion"] = fusion
    model.fusion = fusion
    fused = model.fuse(probs, rules, texts, [f for _, f in spans_feats])
    j = LABELS.index("antisemitism")
    table = {}
    for lang in ("en", "de", "ru"):
        hw = [i for i, ex in enumerate(rows) if ex.source.startswith("handwritten") and ex.language == lang]
        pos = [i for i in hw if rows[i].labels.get("antisemitism") == 1]
        benign = [i for i in hw if rows[i].category in BENIGN]
        table[lang] = {str(t): {"recall": round(float((fused[pos, j] >= t).mean()), 3) if pos else None,
                                "benign_fp": round(float((fused[benign, j] >= t).mean()), 3) if benign else None}
                       for t in (0.3, 0.4, 0.5, 0.6, 0.7)}
        print(lang, f"{len(pos)} antisemitic, {len(benign)} benign dev rows:", table[lang])
    meta["stance_dev"] = table
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
