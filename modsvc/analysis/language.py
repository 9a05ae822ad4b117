"""Language identification per comment: ``detect(texts) -> list[LanguageGuess]`` (ISO 639-1 code + confidence).

The identifier is py3langid (a maintained fork of langid.py: a naive-Bayes model over byte n-grams of 140
languages and varieties, shipped inside the package, nothing downloaded at run time). Chosen over lingua by
measurement (``bench/language_id.py``, 3-30-word comments): it is as accurate on our en/de/ru comments as lingua's
high-accuracy mode with all its 75 languages and about ten times faster, with a tenth of the memory; lingua's
low-accuracy mode is fast enough but falls below 97% on short English comments. Figures: README "Language
identification".

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
- **Acting on a guess** (``resolve``): a language the model does not know sends a comment to the policy's
  "unsupported language" action only when the identifier is fairly sure of it (``MIN_CONFIDENCE_UNSUPPORTED``);
  a less certain guess counts as ``und`` and the comment is scored. Short English sentences with Latin-rooted
  words ("Vaccines contain microchips.", French 0.45) and slang tweets ("punk ass bitch", Luxembourgish) were
  otherwise sent to review as "not supported": 1.1% of English tweets, 0.3% with the rule; the price is that
  1-3% of Spanish, Portuguese or Dutch comments are scored as if supported (bench/language_id.py).
- **Russian in Latin letters** ("zhidy pravyat mirom", "eto vse masony"): py3langid reads it as Slovene, Croatian or
  nothing. A Latin-script text the model does not read as English or German, nor as any language with
  ``LATIN_RUSSIAN_SKIP`` confidence, is read again in Cyrillic (``translit.py``); plain ASCII only, of two words or
  more, no spaced letters ("s a l o p e"). It is Russian when that reading is Russian with at least
  ``LATIN_RUSSIAN_MIN_CONFIDENCE`` and fits the model's Russian clearly better than the Latin reading fits its best
  language (``LATIN_RUSSIAN_MARGIN``, in mean log-likelihood per n-gram: comparable across scripts, unlike the
  probabilities). The guess is then ``ru`` with ``transliterated`` set, and the pipeline scores the Cyrillic reading.
  Set on romanised Russian (the ru held-out rows and VK / RuDetoxifier comments) against every English, German and
  other-language set of bench/language_id.py: 92% of the romanised held-out rows and 73% of the noisier romanised
  public comments found; one of about 10,000 English and German comments taken for Russian (a tweet of @handles).
- URLs, e-mail addresses and @handles are removed before detection (``https://www…com`` reads as English).
- The cost grows with length (py3langid walks the UTF-8 bytes in Python), so a long comment is read in a sample
  of about ``BUDGET_BYTES`` from its first ``MAX_CHARS`` characters: the start of every sentence, in proportion.

The model loads lazily, once per process (about 75 MB resident, 115 MB at the peak of loading; 1.5-5 s on the
shared build machine), under a lock; detection is thread-safe.
Plain Python + NumPy, no Flask or Celery.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import translit

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.30  # texts of three words or more: below this the guess is "und"
MIN_CONFIDENCE_SHORT = 0.50  # one or two words
MIN_CONFIDENCE_UNSUPPORTED = 0.50  # a language the model does not know is acted on only from this confidence
SHORT_WORDS = 2
MAX_CHARS = 5000  # read from the start of a comment
BUDGET_BYTES = 300  # a sample of about this many UTF-8 bytes is classified (~50 English or ~25 Russian words)
MIN_PIECE_BYTES = 40
LATIN_RUSSIAN_SKIP = 0.9  # a Latin reading this sure of its language is not read again in Cyrillic
LATIN_RUSSIAN_MIN_CONFIDENCE = 0.7  # the Cyrillic reading's probability of Russian
# ... and how much better its mean log-likelihood per n-gram under Russian is than the Latin reading's under its best
# language (romanised Russian: 3.4 typical; English read in Cyrillic: 1.1, 2.1 for the 95th percentile)
LATIN_RUSSIAN_MARGIN = 2.5
_LATIN_KEPT = frozenset({"en", "de"})  # a Latin text read as one of these (determined) stays so

_STRIP = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|(?<!\w)@\w+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word: two letters or more
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_CYRILLIC = re.compile(r"[\u0400-\u052F]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
# A run of one script: its letters and whatever non-letters follow until a letter of the other script.
_SCRIPT_RUN = re.compile(r"[\u0400-\u052F][^A-Za-z\u00C0-\u024F]*|[A-Za-z\u00C0-\u024F][^\u0400-\u052F]*")
_CODE = re.compile(r"^[a-z]{2,3}$")
_NON_ASCII_LETTER = re.compile(r"(?![A-Za-z])[^\W\d_]")
_SPACED_LETTERS = re.compile(r"\b[A-Za-z]\s+[A-Za-z]\s+[A-Za-z]\b")
# Cyrillic languages tell themselves apart by letters: a Cyrillic text is not in a language whose own letters it
# lacks, nor in one that lacks letters it has. The model alone read a short Russian "Спасибо за перевод!" as
# Ukrainian, "Путин молодец" as Serbian and 1.3% of Russian VK comments as Bulgarian. Russian needs no letter
# of its own (ы, э, ё only exclude the others).
_CYRILLIC_NEEDS = {"uk": "іїєґ", "be": "іў", "sr": "ђјљњћџ", "mk": "ѓќѕјљњџ", "bg": "ъ", "kk": "әғқңөұүһі",
                   "ky": "өүң", "tg": "ғҳқҷӣӯ", "mn": "өү", "tt": "әөүҗңһ", "ba": "ғҙҡңөҫүһә", "uz": "ўқғҳ"}
_CYRILLIC_LACKS = {"uk": "ыэёъ", "bg": "ыэё", "sr": "ыэёъщй", "mk": "ыэёъщй", "be": "ищъ"}


def _letter_class(letters: str | None):
    return re.compile(f"[{letters}]", re.IGNORECASE) if letters else None


_CYRILLIC_RULES = {lang: (_letter_class(_CYRILLIC_NEEDS.get(lang)), _letter_class(_CYRILLIC_LACKS.get(lang)))
                   for lang in {**_CYRILLIC_NEEDS, **_CYRILLIC_LACKS}}
# The languages the identifier chooses among (MODSVC_LANGID_LANGUAGES overrides: codes, or "all" for every one
# py3langid knows). Europe's, Russia's and Central Asia's languages and the world's most written ones: a text in a
# language not listed reads as a neighbour of it, still "unsupported" unless the neighbour is one the model knows.
# Leaving out the model's rarer varieties (Nigerian Pidgin, Occitan, Extremaduran, Volapük...) keeps them from
# taking short English, Spanish or French comments (measured: bench/language_id.py, README).
DEFAULT_CANDIDATES = tuple("""
    en de ru uk be bg kk mk sr fr es it pt nl pl cs sk sl hr bs sv da no nn fi et lv lt hu ro el tr ar he fa ur hi
    bn zh ja ko id ms vi th ka hy az uz ky tg mn ca eu gl ga cy is sq mt lb af sw tl""".split())
# py3langid labels -> the code we report (macrolanguage; "zxx" is "no linguistic content")
_FOLD = {"arz": "ar", "ary": "ar", "wuu": "zh", "yue": "zh", "uzs": "uz", "gug": "gn", "hbo": "he", "grc": "el",
         "zxx": UNDETERMINED}


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str  # ISO 639-1 code ("de"), or "und" when the text does not tell
    confidence: float  # the model's probability of that language (0.0 for texts without letters)
    transliterated: bool = False  # Russian written in Latin letters: score translit.to_cyrillic(text)

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

    def __init__(self, candidates: Sequence[str] | None = None) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier as _Model

        self._model = _Model.from_model_file(MODEL_FILE, norm_probs=True)
        self.candidates = candidate_languages() if candidates is None else tuple(candidates)
        if self.candidates:
            known = set(self._model.labels)
            unknown = sorted(set(self.candidates) - known)
            if unknown:
                raise ValueError(f"MODSVC_LANGID_LANGUAGES: the identifier does not know {', '.join(unknown)} "
                                 f"(it knows {', '.join(sorted(known))})")
            self._model.set_languages(list(self.candidates))
        # set_languages leaves a strided float16 copy; a contiguous float32 table is gathered and multiplied
        # faster (measured ~20% less time per comment) for 26 MB instead of 13
        self._model.nb_ptc = np.ascontiguousarray(self._model.nb_ptc, dtype=np.float32)
        # py3langid keeps the full table to undo set_languages; we never do: let it go (28 MB)
        self._model._full_model = (self._model.nb_ptc, self._model.nb_pc, self._model.nb_classes)
        labels = list(self._model.nb_classes)
        self._russian = labels.index("ru") if "ru" in labels else None

    @staticmethod
    def version(candidates: Sequence[str] | None = None) -> str:
        """Names the model, its languages and rules; part of the analyzer's model version (a change re-scores)."""
        try:
            from importlib.metadata import version

            lib = version("py3langid")
        except Exception:  # noqa: BLE001 - not installed as a distribution
            lib = "?"
        candidates = candidate_languages() if candidates is None else tuple(candidates)
        langs = f"{len(candidates)}langs-{hashlib.sha1(','.join(sorted(candidates)).encode()).hexdigest()[:6]}" \
            if candidates else "all"
        return (f"py3langid-{lib}/{langs}/und<{MIN_CONFIDENCE:g}|{SHORT_WORDS}w<{MIN_CONFIDENCE_SHORT:g}/"
                f"{BUDGET_BYTES}B-{MIN_PIECE_BYTES}-of-{MAX_CHARS}c/script-majority/cyrillic-letters/"
                f"act>={MIN_CONFIDENCE_UNSUPPORTED:g}/ru-Latn<{LATIN_RUSSIAN_SKIP:g}>={LATIN_RUSSIAN_MIN_CONFIDENCE:g}"
                f"+{LATIN_RUSSIAN_MARGIN:g}-{translit.rules_version()}")

    def detect_one(self, text: str) -> LanguageGuess:
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        clean = text[:MAX_CHARS]
        if "@" in clean or "http" in clean or "www." in clean:  # the regex costs more than these checks
            clean = _STRIP.sub(" ", clean)
        clean = _sample(clean)
        if not _LETTER.search(clean):
            return LanguageGuess(UNDETERMINED, 0.0)
        clean = _majority_script(clean)
        language, confidence = self._model.classify(clean)
        if self._may_be_latin_russian(clean, language, confidence):
            russian = self._latin_russian(clean)
            if russian is not None:
                return LanguageGuess("ru", russian, transliterated=True)
        if language in _CYRILLIC_RULES and not _letters_fit(language, clean) and _cyrillic(clean):
            language, confidence = self._consistent(clean)
        if confidence < MIN_CONFIDENCE or (confidence < MIN_CONFIDENCE_SHORT
                                           and len(_WORD.findall(clean, 0, 200)) <= SHORT_WORDS):
            return LanguageGuess(UNDETERMINED, float(confidence))
        return LanguageGuess(_FOLD.get(language, str(language)), float(confidence))

    def _may_be_latin_russian(self, text: str, language: str, confidence: float) -> bool:
        if self._russian is None or confidence >= LATIN_RUSSIAN_SKIP:
            return False
        if language in _LATIN_KEPT and confidence >= MIN_CONFIDENCE:
            return False
        # Romanised Russian is plain ASCII: "gejów", "Têm", "nègresse" are Polish, Portuguese, French. Spaced
        # letters ("s a l o p e") read as nothing in Latin and as anything in Cyrillic.
        return (latin_letters_only(text) and len(_WORD.findall(text, 0, 200)) >= 2
                and _SPACED_LETTERS.search(text) is None)

    def _latin_russian(self, text: str) -> float | None:
        """The probability of Russian of the Cyrillic reading, if it is Russian by the module's rules; else None."""
        reading = translit.to_cyrillic(text).text
        language, confidence = self._model.classify(reading)
        if language != "ru" or confidence < LATIN_RUSSIAN_MIN_CONFIDENCE:
            return None
        latin, cyrillic = self._fit(text), self._fit(reading)
        if latin is None or cyrillic is None:
            return None
        if float(cyrillic[self._russian]) - float(latin.max()) < LATIN_RUSSIAN_MARGIN:
            return None
        return float(confidence)

    def _fit(self, text: str):
        """Per language, the naive-Bayes log-likelihood of the text per (log-weighted) n-gram: comparable across
        texts of different lengths and scripts, unlike the normalised probabilities. None without n-grams."""
        from py3langid.langid import visit_counts

        model = self._model
        visits = visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, model._encode(text))
        if not visits:
            return None
        weight = float(np.log1p(np.fromiter(visits.values(), dtype=np.float32, count=len(visits))).sum())
        return model._sparse_score(visits, model.nb_ptc) / weight

    def _consistent(self, text: str) -> tuple[str, float]:
        """The most probable language whose letters fit the (Cyrillic) text."""
        for language, probability in self._model.rank(text):
            if _letters_fit(language, text):
                return language, probability
        return UNDETERMINED, 0.0

    def detect(self, texts: Iterable[str]) -> list[LanguageGuess]:
        return [self.detect_one(t) for t in texts]


def latin_letters_only(text: str) -> bool:
    """Letters, all of them plain ASCII: a text given as Russian that can only be Russian in Latin letters."""
    return isinstance(text, str) and _LATIN.search(text) is not None and _CYRILLIC.search(text) is None \
        and _NON_ASCII_LETTER.search(text) is None


def resolve(guess: LanguageGuess, supported: Collection[str]) -> str:
    """The language to act on: the guess, or ``und`` when it is a language outside ``supported`` that the
    identifier is not sure enough of (see the module docstring)."""
    if guess.language in supported or guess.language == UNDETERMINED:
        return guess.language
    return guess.language if guess.confidence >= MIN_CONFIDENCE_UNSUPPORTED else UNDETERMINED


def _sample(text: str) -> str:
    """The text itself if short; else about BUDGET_BYTES of it: the start of each sentence, cut in proportion to its
    length (every part of a long comment keeps its share, so the majority language stays the majority), from at
    most BUDGET_BYTES // MIN_PIECE_BYTES sentences spread evenly over the text (no piece too short to read)."""
    size = len(text.encode("utf-8"))
    if size <= BUDGET_BYTES:
        return text
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    most = max(1, BUDGET_BYTES // MIN_PIECE_BYTES)
    if len(sentences) > most:
        step = len(sentences) / most
        sentences = [sentences[int(i * step)] for i in range(most)]
        size = sum(len(s.encode("utf-8")) for s in sentences)
    keep = min(1.0, BUDGET_BYTES / size)
    return " ".join(s[:max(1, round(len(s) * keep))] for s in sentences)


def _letters_fit(language: str, text: str) -> bool:
    needs, lacks = _CYRILLIC_RULES.get(language, (None, None))
    return (needs is None or needs.search(text) is not None) and (lacks is None or lacks.search(text) is None)


def _cyrillic(text: str) -> bool:
    return len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text))


def _majority_script(text: str) -> str:
    """Only the runs of the script with more letters, when Latin and Cyrillic are mixed (3+ letters each)."""
    if not _CYRILLIC.search(text) or not _LATIN.search(text):
        return text
    cyrillic = len(_CYRILLIC.findall(text))
    if cyrillic < 3:
        return text
    latin = len(_LATIN.findall(text))
    if latin < 3:
        return text
    keep = _CYRILLIC if cyrillic >= latin else _LATIN
    return " ".join(run for run in _SCRIPT_RUN.findall(text) if keep.match(run))


def candidate_languages(env=None) -> tuple[str, ...]:
    """The candidate languages: MODSVC_LANGID_LANGUAGES ("all" = every language the model knows: empty tuple)."""
    raw = ((os.environ if env is None else env).get("MODSVC_LANGID_LANGUAGES") or "").strip().lower()
    if not raw:
        return DEFAULT_CANDIDATES
    if raw == "all":
        return ()
    return tuple(dict.fromkeys(code.strip() for code in raw.replace(";", ",").split(",") if code.strip()))


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


# English names of the languages comments here are most likely in (the review queue's badge and filter).
LANGUAGE_NAMES = {
    "und": "undetermined", "en": "English", "de": "German", "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian",
    "kk": "Kazakh", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "pl": "Polish", "cs": "Czech", "sk": "Slovak", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "tr": "Turkish", "ar": "Arabic", "he": "Hebrew", "yi": "Yiddish", "fa": "Persian",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "hi": "Hindi", "id": "Indonesian", "ro": "Romanian",
    "hu": "Hungarian", "el": "Greek", "bg": "Bulgarian", "sr": "Serbian", "hr": "Croatian", "lt": "Lithuanian",
    "lv": "Latvian", "et": "Estonian", "ka": "Georgian", "hy": "Armenian", "az": "Azerbaijani", "uz": "Uzbek",
}


def language_name(code: str | None) -> str:
    """"de" -> "German"; codes without a name here are shown as they are."""
    if not code:
        return "not identified yet"
    return LANGUAGE_NAMES.get(code, code)
