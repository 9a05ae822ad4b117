"""modsvc analysis core: text in; nine scores, evidence spans and a moderation decision out.

    from modsvc.analysis import get_analyzer, Policy
    result = get_analyzer().analyze(["some comment"])[0]
    result.scores["antisemitism"], result.spans, result.decision.action, result.model["model_version"]

Heavy modules (onnxruntime, torch) load lazily on the first ``get_analyzer()``.
"""
from __future__ import annotations

from .models import MODEL_NAMES, download_model
from .pipeline import MAX_CHARS, AnalysisError, Analyzer, get_analyzer
from .policy import DEFAULT_THRESHOLDS, Policy, decide
from .settings import BACKENDS, AnalysisSettings, load_settings
from .types import LABELS, TOXICITY_LABELS, AnalysisResult, Decision, Span

try:  # written in parallel by the rules author; the pipeline runs without it
    from .normalize import NormalizedText, normalize
except ImportError:  # pragma: no cover
    NormalizedText = normalize = None  # type: ignore[assignment]

__all__ = [
    "Analyzer", "get_analyzer", "AnalysisError", "MAX_CHARS",
    "Policy", "decide", "DEFAULT_THRESHOLDS",
    "AnalysisSettings", "load_settings", "BACKENDS",
    "AnalysisResult", "Span", "Decision", "LABELS", "TOXICITY_LABELS",
    "normalize", "NormalizedText", "download_model", "MODEL_NAMES",
]
