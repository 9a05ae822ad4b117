"""Scoring throughput and latency of the whole analysis pipeline on realistic comment lengths.

    .venv/bin/python bench/score_throughput.py [--n 512] [--singles 200] [--languages en de ru] [--skip-detoxify]

Comments are cut from the seed pages (single sentences, a few words, paragraphs and runs of 2-4 paragraphs: a few
words to a few paragraphs): the English seed page, and the German and Russian demo threads in ``seeds/``. For each
language: comments/s analysing batches of 64, p50/p99 latency of one comment at a time (batch size 1), and the
process's peak RSS. The service's default backend (MODSVC_MODEL, else ``multilingual``; ``--backend by-language``
sends English to the faster built-in model; the whole pipeline: language identification, rules, nine labels,
spans, decision), then
the language identifier alone, then Detoxify's architecture
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
SEEDS = {"en": SEED, "de": REPO / "seeds" / "001_de_demo.txt", "ru": REPO / "seeds" / "002_ru_demo.txt"}


def seed_corpus(n: int, seed: int = 0, path: Path = SEED) -> list[str]:
    text = path.read_text(encoding="utf-8")
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


# Repeated units that make the trope rules' worst cases: dense cues, no sentence end, spaced letters, cue runs.
WALL_UNITS = ("The Jews control the banks. Happy Hanukkah to all! ", "lorem ipsum dolor sit amet consectetur ",
              "k h a z a r s (((them))) j00s ", "Jews " * 3 + "control banks media wars ")


def rules_per_comment(by_language: dict[str, list[str]]) -> None:
    """Normalising and the trope rules alone, per seed comment of each language (part of every comment's cost)."""
    from modsvc.analysis.normalize import normalize
    from modsvc.analysis.tropes import detect

    for language, texts in by_language.items():
        for text in texts[:20]:
            detect(normalize(text), language)
        t0 = time.perf_counter()
        for text in texts:
            detect(normalize(text), language)
        print(f"{language}: normaliser and trope rules alone {(time.perf_counter() - t0) * 1000 / len(texts):.3f} ms "
              f"per comment")


def walls_of_text(size: int = 1_000_000) -> None:
    """The rules alone on a 1 MB wall of text per unit (the pipeline cuts comments to MAX_CHARS first; the rules
    must stay linear anyway: tests/analysis/test_tropes.py checks the pieces they read are bounded)."""
    from modsvc.analysis.normalize import normalize
    from modsvc.analysis.tropes import detect

    for unit in WALL_UNITS:
        big = (unit * (size // len(unit) + 1))[:size]
        t0 = time.perf_counter()
        spans = detect(normalize(big))
        print(f"trope rules on {size / 1e6:g} MB of {unit[:24]!r}...: {time.perf_counter() - t0:.2f} s "
              f"({len(spans)} spans)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=512)
    p.add_argument("--singles", type=int, default=200)
    p.add_argument("--detoxify-n", type=int, default=128)
    p.add_argument("--languages", nargs="*", default=list(SEEDS), choices=list(SEEDS))
    p.add_argument("--backend", default="auto", help="default: MODSVC_MODEL, else multilingual (the service's default)")
    p.add_argument("--skip-detoxify", action="store_true")
    args = p.parse_args(argv)

    from modsvc.analysis import get_analyzer
    from modsvc.analysis import language as langid
    from modsvc.analysis.settings import default_threads

    rss0 = peak_rss_mb()
    analyzer = get_analyzer(args.backend)
    print(f"backend {analyzer.backend.name}, threads {default_threads()}, peak RSS after loading "
          f"{peak_rss_mb():.0f} MB (before: {rss0:.0f} MB)")
    print(f"load average before: {os.getloadavg()[0]:.1f} (the 2 cores are shared; wall-clock rates drop with load)")
    for language in args.languages:
        corpus = seed_corpus(args.n, path=SEEDS[language])
        route = getattr(analyzer.backend, "model_for", lambda _: analyzer.backend)(language)
        tokenizer = route.encoder.tokenizer
        lens = sorted(len(w) for w in tokenizer.chunk(corpus, max_windows=1).ids)
        res = measure(analyzer, corpus, args.singles)
        print(f"{language}: {len(corpus)} comments from {SEEDS[language].name} (first-window tokens p50 "
              f"{lens[len(lens) // 2]}, p90 {lens[int(.9 * len(lens))]}; chars mean "
              f"{sum(map(len, corpus)) / len(corpus):.0f}) -> {route.name} [{route.encoder.version}]\n"
              f"    {res['comments_per_s_batch64']:7.1f} comments/s (batch 64; target >= 300, chase 500; "
              f"{res['comments_per_cpu_s']:.0f} per CPU-second)  p50 {res['p50_ms_batch1']:6.1f} ms  "
              f"p99 {res['p99_ms_batch1']:6.1f} ms (batch 1; p50 target <= 15)  peak RSS {peak_rss_mb():.0f} MB")
    by_language = {lang: seed_corpus(200, path=SEEDS[lang]) for lang in args.languages}
    texts = [t for lang_texts in by_language.values() for t in lang_texts]
    langid.detect(texts[:20])
    t0 = time.perf_counter()
    langid.detect(texts)
    print(f"language identification alone: {(time.perf_counter() - t0) * 1000 / len(texts):.3f} ms per comment "
          f"(target <= 0.3)")
    rules_per_comment(by_language)
    walls_of_text()

    if not args.skip_detoxify:
        from modsvc.analysis import AnalysisSettings
        from modsvc.analysis.detoxify_backend import DetoxifyModel
        from modsvc.analysis.detoxify_random import make_checkpoint
        from modsvc.analysis.pipeline import Analyzer

        with tempfile.TemporaryDirectory() as tmp:
            ckpt, hf_dir = make_checkpoint(tmp, "base")
            backend = DetoxifyModel("original", AnalysisSettings(), checkpoint=ckpt, hf_dir=hf_dir,
                                    builtin=getattr(analyzer.backend, "english", analyzer.backend))
            dx = Analyzer(backend)
            res = measure(dx, seed_corpus(args.detoxify_n), min(args.singles, 50))
            print(f"detoxify-original architecture (bert-base, random weights, max 256 tokens) + builtin heads for "
                  f"antisemitism/conspiracy/sexual_explicit: {res['comments_per_s_batch64']:7.1f} comments/s (batch 64)"
                  f" ({res['comments_per_cpu_s']:.1f} per CPU-second)  p50 {res['p50_ms_batch1']:6.1f} ms  "
                  f"p99 {res['p99_ms_batch1']:6.1f} ms (batch 1)  "
                  f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
