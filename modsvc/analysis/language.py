"""Language identification per comment: ``detect(texts) -> list[LanguageGuess]`` (ISO 639-1 code + confidence).

The identifier is py3langid (a maintained fork of langid.py: a naive-Bayes model over byte n-grams of 140
languages and varieties, shipped inside the package, nothing downloaded at run time). Chosen over lingua by measurement
(``bench/language_id.py``, 3-30-word comments): it is as accurate on en/de/ru as lingua's high-accuracy mode
with all its 75 languages and 10-20 times faster, with a tenth of the memory; lingua's low-accuracy mode is fast
enough but falls below 97% on short English comments. Figures: README "Language identification".

Codes: ISO 639-1 where the language has one, else ISO 639-3 (``ext``, ``lij``); varieties the model tells apart
from their macrolanguage are folded into it (Egyptian and Moroccan Arabic -> ``ar``, Cantonese and Wu -> ``zh``).

Rules on top of the model's probabilities (calibrated over all its languages):

- **Undetermined** (``und``, the BCP-47 code for "undetermined"): a text with no letters ("+1", "👍", "100%"), a
  text of one or two words whose best language has probability below ``MIN_CONFIDENCE_SHORT`` ("ok", "lol",
  "thanks", "Спасибо": a single word reads as Uzbek or Swahili as easily as English), or a longer text below
  ``MIN_CONFIDENCE``. Callers treat ``und`` as supported: a short "ok" must not go to review as "unsupported".
- **Mixed-language text** gets its majority language. Within one script the model adds up the evidence of every
  n-gram, so the language with more text wins. Across scripts it does not: a Cyrillic n-gram is so improbable
  in any Latin-script language that one Russian phrase outweighed three English sentences (an English comment
  with a Russian insult read as Russian in 88% of the mixed samples). So when a text mixes Latin and Cyrillic
  letters, only the runs of the script with more letters are read (mixed samples: 75% -> 98% majority language).
- URLs, e-mail addresses and @handles are removed before detection (``https://www…com`` reads as English).
- The cost grows with length (py3langid walks the UTF-8 bytes in Python), so a long comment is read in a sample
  of about ``BUDGET_BYTES``: sentences spread evenly over its first ``MAX_CHARS`` characters.

The model loads lazily, once per process (about 115 MB peak RSS, 1-3 s), under a lock; detection is thread-safe.
Plain Python + NumPy, no Flask or Celery.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.10  # texts of three words or more: below this the guess is "und"
MIN_CONFIDENCE_SHORT = 0.50  # one or two words
SHORT_WORDS = 2
MAX_CHARS = 5000  # read from the start of a comment
BUDGET_BYTES = 400  # a sample of about this many UTF-8 bytes is classified (~60 English or ~35 Russian words)

_STRIP = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|(?<!\w)@\w+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word: two letters or more
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_CYRILLIC = re.compile(r"[\u0400-\u052F]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
# A run of one script: its letters and whatever non-letters follow until a letter of the other script.
_SCRIPT_RUN = re.compile(r"[\u0400-\u052F][^A-Za-z\u00C0-\u024F]*|[A-Za-z\u00C0-\u024F][^\u0400-\u052F]*")
_CODE = re.compile(r"^[a-z]{2,3}$")
# py3langid labels -> the code we report (macrolanguage; "zxx" is "no linguistic content")
_FOLD = {"arz": "ar", "ary": "ar", "wuu": "zh", "yue": "zh", "uzs": "uz", "gug": "gn", "hbo": "he", "grc": "el",
         "zxx": UNDETERMINED}


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str  # ISO 639-1 code ("de"), or "und" when the text does not tell
    confidence: float  # the model's probability of that language (0.0 for texts without letters)

    @property
    def determined(self) -> bool:
        return self.language != UNDETERMINED

    def to_dict(self) -> dict:
        return {"language": self.language, "confidence": round(self.confidence, 4)}


def normalize_code(code: str | None) -> str | None:
    """A caller's language tag as our base code: "de-DE" -> "de", "pt_BR" -> "pt", "EN" -> "en", "" -> None.

    Raises ValueError for something that is no language tag (a base subtag of 2-3 letters)."""
    if code is None:
        return None
    if not isinstance(code, str):
        raise ValueError(f"a language code must be a string, got {type(code).__name__}")
    base = code.strip().replace("_", "-").split("-")[0].lower()
    if not base:
        return None
    if not _CODE.match(base):
        raise ValueError(f"{code!r} is not a language code (ISO 639-1, e.g. 'en', 'de', 'ru')")
    return base


class LanguageIdentifier:
    """py3langid with our undetermined rules. Build once (``get_identifier()``); ``detect`` is thread-safe."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier as _Model

        self._model = _Model.from_model_file(MODEL_FILE, norm_probs=True)

    @staticmethod
    def version() -> str:
        """Names the model and the rules; part of the analyzer's model version (a change re-scores)."""
        try:
            from importlib.metadata import version

            lib = version("py3langid")
        except Exception:  # noqa: BLE001 - not installed as a distribution
            lib = "?"
        return (f"py3langid-{lib}/und<{MIN_CONFIDENCE:g}|{SHORT_WORDS}w<{MIN_CONFIDENCE_SHORT:g}/"
                f"{BUDGET_BYTES}B-of-{MAX_CHARS}c/script-majority")

    def detect_one(self, text: str) -> LanguageGuess:
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        clean = _sample(_STRIP.sub(" ", text[:MAX_CHARS]))
        if not _LETTER.search(clean):
            return LanguageGuess(UNDETERMINED, 0.0)
        clean = _majority_script(clean)
        language, confidence = self._model.classify(clean)
        short = len(_WORD.findall(clean)) <= SHORT_WORDS
        if confidence < (MIN_CONFIDENCE_SHORT if short else MIN_CONFIDENCE):
            return LanguageGuess(UNDETERMINED, float(confidence))
        return LanguageGuess(_FOLD.get(language, str(language)), float(confidence))

    def detect(self, texts: Iterable[str]) -> list[LanguageGuess]:
        return [self.detect_one(t) for t in texts]


def _sample(text: str) -> str:
    """The text itself if short; else every k-th sentence, about BUDGET_BYTES in all, from start to end."""
    size = len(text.encode("utf-8"))
    if size <= BUDGET_BYTES:
        return text
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    step = -(-size // BUDGET_BYTES)  # ceil
    picked = " ".join(sentences[::step]) if len(sentences) > 1 else text
    return picked.encode("utf-8")[:BUDGET_BYTES].decode("utf-8", "ignore")


def _majority_script(text: str) -> str:
    """Only the runs of the script with more letters, when Latin and Cyrillic are mixed (3+ letters each)."""
    cyrillic = len(_CYRILLIC.findall(text))
    if cyrillic < 3:
        return text
    latin = len(_LATIN.findall(text))
    if latin < 3:
        return text
    keep = _CYRILLIC if cyrillic >= latin else _LATIN
    return " ".join(run for run in _SCRIPT_RUN.findall(text) if keep.match(run))


_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def get_identifier() -> LanguageIdentifier:
    """The process-wide identifier, loaded on first use (thread-safe)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = LanguageIdentifier()
    return _identifier


def detect(texts: Sequence[str]) -> list[LanguageGuess]:
    """One guess per text, in order."""
    if isinstance(texts, str):
        raise TypeError("detect() takes a list of texts")
    return get_identifier().detect(texts)


def identifier_version() -> str:
    return LanguageIdentifier.version()
