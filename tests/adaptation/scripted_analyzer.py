"""A deterministic analyzer for adaptation tests: the text names its scores ("tox=0.85 ia=0.30 ...").

Real ``AnalysisResult`` objects and the real policy's decision rule, so routing is what production does; only the
model is replaced (the adapter must work whatever the base model is).
"""
from __future__ import annotations

import re

from modsvc.analysis.policy import decide
from modsvc.analysis.types import LABELS, AnalysisResult

SHORT = {"tox": "toxicity", "ia": "identity_attack", "as": "antisemitism", "ins": "insult"}


class ScriptedAnalyzer:
    model_version = "scripted-1"

    def analyze(self, texts, policy=None):
        return [self._one(t, policy) for t in texts]

    def _one(self, text: str, policy) -> AnalysisResult:
        scores = {label: 0.01 for label in LABELS}
        for short, value in re.findall(r"\b(tox|ia|as|ins)=([0-9.]+)", text):
            scores[SHORT[short]] = float(value)
        return AnalysisResult(scores, [], decide(scores, [], policy), {"model_version": self.model_version},
                              language="en")


def body(i: int, tox: float, ia: float) -> str:
    return f"comment {i}: tox={tox:.3f} ia={ia:.3f}"
