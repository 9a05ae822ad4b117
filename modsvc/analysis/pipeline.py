"""The analysis pipeline: a list of phases run over a batch, like Coral Talk's moderation phases.

    prepare (truncate) → language → normalise → detect (trope rules) → score (model) → evidence → decide

Each phase takes the batch's ``Item`` list and fills in fields; phases never see other phases' internals.
``Analyzer.analyze`` runs the batch; if a phase fails for the batch it re-runs item by item so one bad text
cannot poison the others (that item gets an ``error:`` warning and a ``review`` decision).

Language: each text's language is identified (``language.py``) unless the caller gives it (``languages=``);
Russian written in Latin letters is scored in its Cyrillic reading (``translit.py``), its spans mapped back. A
text in a language the backend does not list in ``supported_languages`` skips every later phase: it gets no
scores and no spans (never English scores for a French text), ``language_supported`` false, and the policy's
``unsupported_language`` action. Undetermined texts (``und``: "ok", "+1", or a guess of an unsupported language
the identifier is unsure of, see ``language.resolve``) are scored as supported.

Limits: texts longer than ``MAX_CHARS`` characters are cut to that length (a warning says so); the model reads
every 128-token window of what is left and takes the worst window.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import language as langid
from .policy import DEFAULT_POLICY, Policy, decide, decide_unsupported_language
from .settings import AnalysisSettings, load_settings
from .translit import Transliteration, to_cyrillic
from .types import LABELS, AnalysisResult, Decision, Span

log = logging.getLogger(__name__)

MAX_CHARS = 20_000  # ~5,000 tokens; longer inputs (e.g. pasted 1 MB dumps) are truncated with a warning
# 2: the language phase (unsupported languages are no longer scored); 3: Russian in Latin letters
PIPELINE_VERSION = "pipeline-3"
DEFAULT_LANGUAGES = frozenset({"en"})  # a backend that does not say what it knows is taken as English-only


class AnalysisError(RuntimeError):
    """Analysing one text failed; the message says which phase and why."""


@dataclass
class Item:
    original: str
    text: str = ""  # possibly truncated original
    language_given: str | None = None  # the caller's language (overrides detection)
    language: str | None = None  # ISO code or "und"
    language_supported: bool = True
    reading: Transliteration | None = None  # Russian in Latin letters: ``text`` is then its Cyrillic reading
    nt: object | None = None  # NormalizedText
    rule_spans: list[Span] = field(default_factory=list)
    rule_scores: dict[str, float] = field(default_factory=dict)
    rule_features: dict[str, float] | None = None  # for the learned fusion; None: the backend computes them
    scores: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    decision: Decision | None = None
    policy: Policy | None = None  # the site's policy for this call: flags, evidence and the decision follow it
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


Phase = Callable[[list[Item]], None]


def _file_hash(module) -> str:
    try:
        return hashlib.sha1(Path(module.__file__).read_bytes()).hexdigest()[:10]
    except (OSError, AttributeError, TypeError):
        return "unknown"


def _load_rules():
    """The normaliser and trope rules (another module's work); the pipeline still runs if they are absent."""
    import importlib

    mods = []
    for name in ("normalize", "tropes"):  # by module path: the package re-exports a *function* named normalize
        try:
            mods.append(importlib.import_module(f"{__package__}.{name}"))
        except ImportError as exc:
            log.warning("analysis rule layer %s not available: %s", name, exc)
            mods.append(None)
    return tuple(mods)


def _read_in_cyrillic(it: Item) -> None:
    """Russian in Latin letters: the Russian model and rules read Cyrillic; spans are mapped back later."""
    it.reading = to_cyrillic(it.text)
    it.text = it.reading.text
    it.warnings.append("Russian written in Latin letters: scored in Cyrillic, evidence shown on the original")


class Analyzer:
    """Text in; nine scores, evidence spans and a policy decision out. Thread-safe for concurrent ``analyze``."""

    def __init__(self, backend, policy: Policy | None = None, span_threshold_floor: float = 0.5):
        self.backend = backend
        self.policy = policy or DEFAULT_POLICY
        self.span_threshold_floor = span_threshold_floor
        self._normalize_mod, self._tropes_mod = _load_rules()
        self._lock = threading.Lock()  # onnxruntime sessions are thread-safe; torch + our state are not
        self.supported_languages = frozenset(getattr(backend, "supported_languages", None) or DEFAULT_LANGUAGES)
        # backends that combine models (Detoxify + the built-in heads) may know fewer languages for some labels
        self._label_languages: dict[str, frozenset[str]] = {
            lb: frozenset(langs) for lb, langs in (getattr(backend, "label_languages", None) or {}).items()}
        self.components = dict(backend.components)
        self.components["language_id"] = langid.identifier_version()
        self.components["normalizer"] = f"normalize@{_file_hash(self._normalize_mod)}" if self._normalize_mod \
            else "none"
        # the rules' version covers the engine and its cue files (data/tropes/*.toml)
        rules_version = getattr(self._tropes_mod, "RULES_VERSION", None) or _file_hash(self._tropes_mod)
        self.components["rules"] = f"tropes@{rules_version}" if self._tropes_mod else "none"
        self.components["pipeline"] = PIPELINE_VERSION
        # the runtime (onnx-int8 vs torch-fp32) is left out of the combined version: both give the same scores
        # within ~0.02, so switching runtime should not trigger re-scoring every stored comment
        stable = {k: v.split("/")[0] if k.endswith("encoder") else v for k, v in self.components.items()}
        digest = hashlib.sha1(repr(sorted(stable.items())).encode()).hexdigest()[:12]
        self.model_version = f"{backend.name}-{digest}"
        self.components["model_version"] = self.model_version
        self._route_info: dict[str, dict[str, str]] = {}  # see _model_info
        self.phases: list[tuple[str, Phase]] = [
            ("prepare", self._prepare),
            ("language", self._language),
            ("normalise", self._normalise),
            ("detect", self._detect),
            ("score", self._score),
            ("evidence", self._evidence),
        ]

    # ------------------------------------------------------------------ phases
    def _prepare(self, items: list[Item]) -> None:
        for it in items:
            if not isinstance(it.original, str):
                raise AnalysisError(f"text must be a string, got {type(it.original).__name__}")
            text = it.original
            if len(text) > MAX_CHARS:
                it.warnings.append(f"text truncated to {MAX_CHARS} characters (was {len(text)})")
                text = text[:MAX_CHARS]
            it.text = text

    def supports_language(self, language: str | None, label: str | None = None) -> bool:
        """Whether the model scores ``language`` (for ``label``, if given); undetermined counts as supported."""
        if language is None or language == langid.UNDETERMINED:
            return True
        langs = self._label_languages.get(label, self.supported_languages) if label else self.supported_languages
        return language in langs

    def _language(self, items: list[Item]) -> None:
        todo = [it for it in items if it.language_given is None]
        for it, guess in zip(todo, langid.detect([it.text for it in todo]) if todo else ()):
            it.language = langid.resolve(guess, self.supported_languages)
            if guess.transliterated and it.language == "ru":
                _read_in_cyrillic(it)
        for it in items:
            if it.language_given is not None:
                it.language = it.language_given
                if it.language == "ru" and langid.latin_letters_only(it.text):  # the caller says it is Russian
                    _read_in_cyrillic(it)
            it.language_supported = self.supports_language(it.language)

    def _normalise(self, items: list[Item]) -> None:
        if self._normalize_mod is None:
            return
        for it in items:
            it.nt = self._normalize_mod.normalize(it.text)

    def _detect(self, items: list[Item]) -> None:
        if self._tropes_mod is None or self._normalize_mod is None:
            return
        for it in items:
            # one rule pass: spans and fusion features, with the comment's language's cues (all languages' if unknown)
            spans, it.rule_features = self._tropes_mod.analyse(it.nt, language=getattr(it, "language", None))
            it.rule_spans = list(spans)
            it.rule_scores = dict(self._tropes_mod.rule_scores(it.rule_spans))

    def _score(self, items: list[Item]) -> None:
        features = [it.rule_features for it in items]
        by_language = {"languages": [it.language for it in items]} \
            if getattr(self.backend, "scores_by_language", False) else {}
        matrix = self.backend.score([it.text for it in items], [it.rule_scores for it in items],
                                    None if any(f is None for f in features) else features, **by_language)
        for it, row in zip(items, matrix):
            it.scores = {lb: min(1.0, max(0.0, float(row[j]))) for j, lb in enumerate(LABELS)}

    def _evidence(self, items: list[Item]) -> None:
        """Rule spans always; model spans (sentence level) for labels at or above their review threshold.

        A model span is evidence for a *flagged* label: a text none of whose labels reaches its review threshold
        gets no sentence pass at all (the costly part: each sentence is encoded on its own), so most comments
        cost one encoder run per window. Consumers that need spans for unflagged labels fall back to the whole
        text (Perspective's ``spanAnnotations`` answers one whole-text span with the summary score).
        """
        requests = []
        for it in items:
            it.spans = list(it.rule_spans)
            flagged = {}
            for lb in LABELS:
                t = (it.policy or self.policy).review[lb]
                if t is not None and it.scores[lb] >= t:
                    if lb in ("antisemitism", "conspiracy") and any(s.label == lb for s in it.rule_spans):
                        continue  # the rules already point at the trope
                    flagged[lb] = max(self.span_threshold_floor, min(t, 0.9))
            if flagged:
                requests.append((it, flagged))
        if requests and hasattr(self.backend, "evidence_spans_batch"):  # all sentences in one encoder call
            by_language = {"languages": [it.language for it, _ in requests]} \
                if getattr(self.backend, "scores_by_language", False) else {}
            found = self.backend.evidence_spans_batch([(it.text, flagged) for it, flagged in requests], **by_language)
        elif requests and hasattr(self.backend, "evidence_spans"):
            found = [self.backend.evidence_spans(it.text, flagged) for it, flagged in requests]
        else:
            found = [[] for _ in requests]
        for (it, _), spans in zip(requests, found):
            it.spans += spans
        for it in items:
            if it.reading is not None:  # found in the Cyrillic reading: shown on the Latin original
                it.spans = [replace(s, begin=begin, end=end, reason=it.reading.quote_original(s.reason))
                            for s in it.spans for begin, end in [it.reading.to_original(s.begin, s.end)]]
            it.spans.sort(key=lambda s: (s.begin, s.end, s.label))

    # ------------------------------------------------------------------ running
    def _run(self, items: list[Item], policy: Policy) -> None:
        for it in items:
            it.policy = policy
        batch = items  # the phases after "language" see only the items in a language the model knows
        for name, phase in self.phases:
            try:
                if batch:
                    phase(batch)
            except AnalysisError:
                raise
            except Exception as exc:
                raise AnalysisError(f"{name} phase failed: {type(exc).__name__}: {exc}") from exc
            if name == "language":
                batch = [it for it in items if it.language_supported]
        for it in items:
            it.decision = decide(it.scores, it.spans, policy) if it.language_supported \
                else decide_unsupported_language(it.language, policy)

    def _result(self, it: Item) -> AnalysisResult:
        if it.error is not None:
            return AnalysisResult(
                scores={lb: 0.0 for lb in LABELS}, spans=[],
                decision=Decision("review", f"analysis failed, needs a human: {it.error}"),
                model=self._model_info(it), warnings=[*it.warnings, f"error: {it.error}"],
                language=it.language, language_supported=it.language_supported,
            )
        warnings = list(it.warnings)
        if it.language_supported and self._label_languages:
            partial = [lb for lb in LABELS if not self.supports_language(it.language, lb)]
            if partial:
                warnings.append(f"{', '.join(partial)}: scored by a model that does not know language {it.language}")
        return AnalysisResult(it.scores, it.spans, it.decision, self._model_info(it), warnings,
                              language=it.language, language_supported=it.language_supported)

    def _model_info(self, it: Item) -> dict[str, str]:
        """The components that scored this item: with a backend that routes by language, its route's encoder,
        heads and fusion (named by ``scored_by``) beside the shared rules, identifier and ``model_version``."""
        model_for = getattr(self.backend, "model_for", None)
        if model_for is None:
            return dict(self.components)
        route = model_for(it.language)
        info = self._route_info.get(route.name)
        if info is None:  # once per route: a model's components hash its weights file
            shared = {k: v for k, v in self.components.items() if ":" not in k}
            info = self._route_info[route.name] = {**shared, **route.components, "scored_by": route.name}
        return dict(info)

    @staticmethod
    def _items(texts: Sequence[str], languages: Sequence[str | None] | None) -> list[Item]:
        if languages is None:
            return [Item(t) for t in texts]
        if isinstance(languages, str) or len(languages) != len(texts):
            raise ValueError("languages must be a list with one code (or None) per text")
        return [Item(t, language_given=langid.normalize_code(lang)) for t, lang in zip(texts, languages)]

    def analyze_one(self, text: str, policy: Policy | None = None, language: str | None = None) -> AnalysisResult:
        """Analyse one text; raises ``AnalysisError`` (with the failing phase) instead of returning an error.

        ``language`` (e.g. "de") overrides the identified language."""
        it = self._items([text], [language])[0]
        with self._lock:
            self._run([it], policy or self.policy)
        return self._result(it)

    def analyze(self, texts: Sequence[str], policy: Policy | None = None,
                languages: Sequence[str | None] | None = None) -> list[AnalysisResult]:
        """Analyse a batch. Never raises for a bad item: it is reported in its own result (warning + review).

        ``languages``: one code (or None: identify it) per text, overriding language identification; a code
        that is no language tag raises ValueError (the caller's mistake, not the item's)."""
        if isinstance(texts, str):
            raise TypeError("analyze() takes a list of texts; use analyze_one() for a single text")
        policy = policy or self.policy
        items = self._items(texts, languages)
        if not items:
            return []
        with self._lock:
            try:
                self._run(items, policy)
            except Exception as exc:
                log.warning("batch of %d failed (%s); retrying item by item", len(items), exc)
                items = self._items(texts, languages)
                for it in items:
                    try:
                        self._run([it], policy)
                    except Exception as item_exc:  # reported in the item's result, never raised
                        it.error = str(item_exc)
        return [self._result(it) for it in items]

    def describe(self) -> dict:
        """For ``modsvc doctor``: backend, versions, runtime, limits and whether the rule layer is present."""
        info = {
            "backend": self.backend.name,
            "model_version": self.model_version,
            "components": dict(self.components),
            "labels": list(LABELS),
            "max_chars": MAX_CHARS,
            "rules_loaded": self._tropes_mod is not None,
            "supported_languages": sorted(self.supported_languages),
            "policy": self.policy.to_dict(),
        }
        if hasattr(self.backend, "describe"):
            info.update(self.backend.describe())
        return info


# ---------------------------------------------------------------------- factory
_CACHE: dict[tuple, Analyzer] = {}
_CACHE_LOCK = threading.Lock()


def build_backend(backend: str, settings: AnalysisSettings, **opts):
    if backend == "builtin":
        from .builtin import BuiltinModel

        return BuiltinModel(settings, runtime=opts.get("runtime", "auto"))
    if backend == "by-language":
        from .by_language import ByLanguageModel

        return ByLanguageModel(settings, runtime=opts.get("runtime", "auto"))
    if backend == "multilingual":
        from .multilingual_model import MultilingualModel

        return MultilingualModel(settings, runtime=opts.get("runtime", "auto"))
    if backend.startswith("detoxify-"):
        from .detoxify_backend import DetoxifyModel

        return DetoxifyModel(backend.removeprefix("detoxify-"), settings,
                             checkpoint=opts.get("checkpoint"), hf_dir=opts.get("hf_dir"))
    raise ValueError(f"unknown backend {backend!r}")


def get_analyzer(backend: str = "auto", settings: AnalysisSettings | None = None, **opts) -> Analyzer:
    """The process-wide analyzer (loaded once per worker). ``backend="auto"`` reads MODSVC_MODEL (default multilingual).

    ``settings`` lets the web app pass its own config instead of the environment; ``opts`` go to the backend
    (``runtime="onnx"|"torch"`` for builtin; ``checkpoint``/``hf_dir`` for Detoxify) and ``policy`` to the Analyzer.
    """
    settings = settings or load_settings()
    name = settings.model if backend == "auto" else backend
    key = (name, settings, tuple(sorted((k, repr(v)) for k, v in opts.items())))
    with _CACHE_LOCK:
        if key not in _CACHE:
            policy = opts.pop("policy", None)
            _CACHE[key] = Analyzer(build_backend(name, settings, **opts), policy=policy)
        return _CACHE[key]
