"""Scoring throughput and latency of the whole analysis pipeline on realistic comment lengths.

    .venv/bin/python bench/score_throughput.py [--n 512] [--singles 200] [--skip-detoxify]

Comments are cut from the seed page (its reader comments, single sentences, paragraphs and runs of 2-4
paragraphs: a few words to a few paragraphs). For each backend: comments/s analysing batches of 64, p50/p99
latency of one comment at a time (batch size 1), and the process's peak RSS after that backend ran.
Backends: the built-in pipeline (all nine labels + rules + spans + decision) and Detoxify's architecture
(``original`` = bert-base-uncased; random weights in Detoxify's checkpoint format, no download), run through the
same pipeline.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SEED = REPO / "seeds" / "000_14b138b21b3c6e77.txt"


def seed_corpus(n: int, seed: int = 0) -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 20]
    sents = [s.strip() for p in paras for s in re.split(r"(?<=[.!?])\s+", p) if len(s.split()) >= 3]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(rng.choice(sents))
        elif kind == 1:
            out.append(" ".join(rng.choice(sents).split()[: rng.randint(3, 8)]))
        elif kind == 2:
            out.append(rng.choice(paras))
        else:
            k = rng.randint(2, 4)
            j = rng.randrange(len(paras) - k)
            out.append("\n\n".join(paras[j:j + k]))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(analyzer, corpus: list[str], singles: int, batch: int = 64) -> dict:
    analyzer.analyze(corpus[:batch])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(0, len(corpus), batch):
        analyzer.analyze(corpus[s:s + batch])
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    lat = []
    for text in corpus[:singles]:
        t = time.perf_counter()
        analyzer.analyze([text])
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"comments_per_s_batch64": len(corpus) / total, "comments_per_cpu_s": len(corpus) / cpu, "p50_ms_batch1": statistics.median(lat),
            "p99_ms_batch1": lat[min(len(lat) - 1, int(0.99 * len(lat)))], "n": len(corpus), "singles": len(lat)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=512)
    p.add_argument("--singles", type=int, default=200)
    p.add_argument("--detoxify-n", type=int, default=128)
    p.add_argument("--skip-detoxify", action="store_true")
    args = p.parse_args(argv)

    from modsvc.analysis import get_analyzer
    from modsvc.analysis.encoder import Tokenizer
    from modsvc.analysis.settings import default_threads

    corpus = seed_corpus(args.n)
    tok = Tokenizer()
    lens = sorted(len(e.ids) for e in tok.tok.encode_batch(corpus))
    print(f"{len(corpus)} comments from the seed page: tokens p50 {lens[len(lens) // 2]}, "
          f"p90 {lens[int(.9 * len(lens))]}, max {lens[-1]}; chars mean {sum(map(len, corpus)) / len(corpus):.0f}; "
          f"threads {default_threads()}")
    rss0 = peak_rss_mb()
    analyzer = get_analyzer("builtin")
    res = measure(analyzer, corpus, args.singles)
    print(f"load average before: {os.getloadavg()[0]:.1f} (the 2 cores are shared; wall-clock rates drop with load)")
    print(f"builtin  [{analyzer.components['encoder']}]  {res['comments_per_s_batch64']:7.1f} comments/s (batch 64; "
          f"target >= 500; {res['comments_per_cpu_s']:.0f} comments per CPU-second)  p50 {res['p50_ms_batch1']:6.1f} ms  p99 {res['p99_ms_batch1']:6.1f} ms (batch 1; "
          f"p50 target <= 15)  peak RSS {peak_rss_mb():.0f} MB (before loading: {rss0:.0f} MB)")

    if not args.skip_detoxify:
        from modsvc.analysis import AnalysisSettings
        from modsvc.analysis.detoxify_backend import DetoxifyModel
        from modsvc.analysis.detoxify_random import make_checkpoint
        from modsvc.analysis.pipeline import Analyzer

        with tempfile.TemporaryDirectory() as tmp:
            ckpt, hf_dir = make_checkpoint(tmp, "base")
            backend = DetoxifyModel("original", AnalysisSettings(), checkpoint=ckpt, hf_dir=hf_dir,
                                    builtin=analyzer.backend)
            dx = Analyzer(backend)
            res = measure(dx, corpus[: args.detoxify_n], min(args.singles, 50))
            print(f"detoxify-original architecture (bert-base, random weights, max 256 tokens) + builtin heads for "
                  f"antisemitism/conspiracy/sexual_explicit: {res['comments_per_s_batch64']:7.1f} comments/s (batch 64)"
                  f" ({res['comments_per_cpu_s']:.1f} per CPU-second)  p50 {res['p50_ms_batch1']:6.1f} ms  "
                  f"p99 {res['p99_ms_batch1']:6.1f} ms (batch 1)  "
                  f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
