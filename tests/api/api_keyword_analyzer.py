"""A deterministic keyword analyzer for API plumbing tests (keys, limits, Coral, webhooks, storage), where the
model is not the point. Real AnalysisResult objects and the real policy decision rule; the real model is
exercised by the tests marked ``real_model``.

"idiot" -> insult/toxicity 0.9 (review); "kill" -> threat 0.97, toxicity 0.98 (hold);
"jews control" -> antisemitism 0.9 with a trope span (hold).
"""
from __future__ import annotations

import threading

from modsvc.analysis.policy import decide
from modsvc.analysis.types import LABELS, AnalysisResult, Span


class KeywordAnalyzer:
    model_version = "keyword-test-1"

    def __init__(self) -> None:
        self.calls: list[int] = []  # batch sizes, to see the micro-batcher at work
        self._lock = threading.Lock()

    def analyze(self, texts, policy=None):
        with self._lock:
            self.calls.append(len(texts))
        return [self._one(t, policy) for t in texts]

    def _one(self, text: str, policy) -> AnalysisResult:
        lower = text.lower()
        scores = {label: 0.02 for label in LABELS}
        spans: list[Span] = []
        at = lower.find("idiot")
        if at >= 0:
            scores.update(insult=0.9, toxicity=0.88)
            spans.append(Span(at, at + 5, "insult", 0.9, "name-calling"))
        at = lower.find("kill")
        if at >= 0:
            scores.update(threat=0.97, toxicity=0.98)
            spans.append(Span(at, at + 4, "threat", 0.97, "threat of violence"))
        at = lower.find("jews control")
        if at >= 0:
            scores["antisemitism"] = 0.9
            spans.append(Span(at, at + 12, "antisemitism", 0.9, "Jewish control trope", "control_finance"))
        return AnalysisResult(scores, spans, decide(scores, spans, policy), {"model_version": self.model_version})
