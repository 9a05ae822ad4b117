"""A small deterministic analyzer for worker tests where the model is not the point.

Selected in worker processes with ``MODSVC_ANALYZER=workers_fake_analyzer:FakeAnalyzer (tests/workers on PYTHONPATH)``.
It builds real ``AnalysisResult`` objects with the real policy's decision rule, from keywords:
"hate" scores toxicity 0.99 (hold), "rude" 0.9 (review), "jews control" antisemitism 0.9 with a
trope span. Environment knobs:

MODSVC_TEST_POISON_SUBSTRING   a text containing it makes analyze() raise (batch and single)
MODSVC_TEST_ANALYZER_DELAY     seconds to sleep per analyze() call (to kill a worker mid-batch)
MODSVC_TEST_ANALYZER_LOG       file to append "<pid> <n texts>" to at the start of each call
MODSVC_TEST_SLOW_SUBSTRING     a text containing it makes analyze() hang for a minute (time limits)
MODSVC_TEST_CRASH_SUBSTRING    a text containing it SIGKILLs the process (a crash in native code)
"""
from __future__ import annotations

import os
import signal
import time

from modsvc.analysis.policy import decide
from modsvc.analysis.types import LABELS, AnalysisResult, Span


class PoisonError(RuntimeError):
    pass


class FakeAnalyzer:
    model_version = "fake-1"

    def analyze(self, texts, policy=None):
        log_path = os.environ.get("MODSVC_TEST_ANALYZER_LOG")
        if log_path:
            with open(log_path, "a") as fh:
                fh.write(f"{os.getpid()} {len(texts)}\n")
        delay = float(os.environ.get("MODSVC_TEST_ANALYZER_DELAY") or 0)
        if delay:
            time.sleep(delay)
        crash = os.environ.get("MODSVC_TEST_CRASH_SUBSTRING")
        if crash and any(crash in t for t in texts):
            os.kill(os.getpid(), signal.SIGKILL)
        slow = os.environ.get("MODSVC_TEST_SLOW_SUBSTRING")
        if slow and any(slow in t for t in texts):
            time.sleep(60)
        poison = os.environ.get("MODSVC_TEST_POISON_SUBSTRING")
        if poison and any(poison in t for t in texts):
            raise PoisonError(f"the model choked on a text containing {poison!r}")
        return [self._one(t, policy) for t in texts]

    def _one(self, text: str, policy) -> AnalysisResult:
        lower = text.lower()
        scores = {label: 0.01 for label in LABELS}
        spans: list[Span] = []
        if "hate" in lower:
            scores["toxicity"] = 0.99
        elif "rude" in lower:
            scores["toxicity"] = 0.9
        at = lower.find("jews control")
        if at >= 0:
            scores["antisemitism"] = 0.9
            spans.append(Span(at, at + len("jews control"), "antisemitism", 0.9, "Jewish control trope",
                              "control_finance"))
        return AnalysisResult(scores, spans, decide(scores, spans, policy), {"model_version": self.model_version})
