"""``MODSVC_MODEL=by-language``: English to the built-in model, German and Russian to the multilingual one.

English (and undetermined text: "ok", "+1") goes to the built-in English model, which scores about three times
as many comments a second as the multilingual model but measures worse on English (training/README.md); every
other language the multilingual model knows (German, Russian) goes to the multilingual model. For sites whose
English volume needs the speed; the default is the multilingual model for every language.

Both are loaded once; a batch is split by language, each part scored by its model, and the rows put back in order.
The pipeline passes each text's language (``scores_by_language``).
"""
from __future__ import annotations

import numpy as np

from .builtin import BuiltinModel
from .multilingual_model import MultilingualModel
from .settings import AnalysisSettings
from .types import LABELS, Span

ENGLISH = frozenset({"en", "und"})


class ByLanguageModel:
    name = "by-language"
    scores_by_language = True

    def __init__(self, settings: AnalysisSettings | None = None, runtime: str = "auto"):
        self.english = BuiltinModel(settings, runtime=runtime)
        self.multilingual = MultilingualModel(settings, runtime=runtime)
        self.supported_languages = self.english.supported_languages | self.multilingual.supported_languages

    def model_for(self, language: str | None):
        return self.english if language is None or language in ENGLISH else self.multilingual

    @property
    def components(self) -> dict[str, str]:
        out = {f"en:{k}": v for k, v in self.english.components.items()}
        out.update({f"other:{k}": v for k, v in self.multilingual.components.items()})
        return out

    def describe(self) -> dict:
        """Flat, for ``modsvc doctor``: each route's runtime, layers and hints under its own prefix."""
        others = sorted(self.multilingual.supported_languages - ENGLISH)
        info = {"supported_languages": sorted(self.supported_languages),
                "routes": f"en, und -> {self.english.name}; {', '.join(others)} -> {self.multilingual.name}"}
        for prefix, model in (("english", self.english), ("multilingual", self.multilingual)):
            info.update({f"{prefix}_{k}": v for k, v in model.describe().items()})
        return info

    def _groups(self, languages):
        groups: dict[int, tuple[object, list[int]]] = {}
        for i, lang in enumerate(languages):
            model = self.model_for(lang)
            groups.setdefault(id(model), (model, []))[1].append(i)
        return groups.values()

    def score(self, texts: list[str], rules: list[dict[str, float]],
              rule_features: list[dict[str, float]] | None = None,
              languages: list[str | None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        for model, idx in self._groups(languages or [None] * len(texts)):
            out[idx] = model.score([texts[i] for i in idx], [rules[i] for i in idx],
                                   None if rule_features is None else [rule_features[i] for i in idx])
        return out

    def evidence_spans_batch(self, requests: list[tuple[str, dict[str, float]]], offset_map=None,
                             languages: list[str | None] | None = None) -> list[list[Span]]:
        out: list[list[Span]] = [[] for _ in requests]
        for model, idx in self._groups(languages or [None] * len(requests)):
            for i, spans in zip(idx, model.evidence_spans_batch([requests[i] for i in idx], offset_map)):
                out[i] = spans
        return out
