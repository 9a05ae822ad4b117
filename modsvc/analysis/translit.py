"""Russian typed in Latin letters, read back in Cyrillic: ``to_cyrillic(text) -> Transliteration``.

People write Russian in Latin letters ("zhidy pravyat mirom, vse SMI u nikh v rukakh") on keyboards without
Cyrillic, or to get past filters. The language identifier reads such a comment as Cyrillic too (``language.py``
decides whether the Cyrillic reading is Russian), and the pipeline then scores the Cyrillic text, so the Russian
model and the Russian trope rules see it. The spelling rules are data (``data/translit_ru.toml``): informal
spellings, not a standard, since that is what comment writers use. Checked libraries (cyrtranslit, transliterate)
follow one standard each and read "kh" as "кх", "ya" as "ыа" or "y" as "и", which the rules then miss.

``offsets`` map every Cyrillic character back to the Latin characters it came from, so evidence found in the
Cyrillic reading is shown on the original text (``Transliteration.to_original``).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "translit_ru.toml"
_VOWELS = frozenset("aeiouy")
_LATIN_WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True, slots=True)
class Transliteration:
    original: str
    text: str  # the Cyrillic reading: same length or shorter, letters outside a-z kept as they are
    starts: tuple[int, ...]  # per character of text: where in original the letters it came from begin
    ends: tuple[int, ...]  # ... and end (exclusive)

    def to_original(self, begin: int, end: int) -> tuple[int, int]:
        """A half-open range of ``text`` as the half-open range of ``original`` it was read from."""
        n = len(self.text)
        begin, end = min(max(begin, 0), n), min(max(end, 0), n)
        if end <= begin:
            at = self.starts[begin] if begin < n else len(self.original)
            return at, at
        return self.starts[begin], self.ends[end - 1]

    def quote_original(self, reason: str) -> str:
        """A rule's reason quotes the words it read ('жиды'); quote the letters the writer typed ('zhidy')."""
        folded = self.text.lower()

        def original(m: re.Match) -> str:
            at = folded.find(m.group(1).lower())
            if at < 0:
                return m.group(0)
            begin, end = self.to_original(at, at + len(m.group(1)))
            return f"'{self.original[begin:end]}'"

        return _QUOTED.sub(original, reason)


_QUOTED = re.compile(r"'([^']+)'")


@dataclass(frozen=True)
class _Rules:
    sequences: dict[str, str]
    longest: int
    y_after_vowel: str
    y_otherwise: str
    word_start: dict[str, str]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    sequences = data["sequences"]
    return _Rules(sequences, max(map(len, sequences)), data["y"]["after_vowel"], data["y"]["otherwise"],
                  data.get("word_start", {}))


def rules_version() -> str:
    import hashlib

    return hashlib.sha1(DATA.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:8]


def to_cyrillic(text: str) -> Transliteration:
    """Every run of Latin letters read as Russian; everything else (digits, punctuation, other scripts) kept."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _LATIN_WORD.finditer(text):
        for i in range(pos, m.start()):
            out.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        _word(m.group(), m.start(), out, starts, ends)
        pos = m.end()
    for i in range(pos, len(text)):
        out.append(text[i])
        starts.append(i)
        ends.append(i + 1)
    return Transliteration(text, "".join(out), tuple(starts), tuple(ends))


def _word(word: str, at: int, out: list[str], starts: list[int], ends: list[int]) -> None:
    rules = _rules()
    lower = word.lower()
    i = 0
    for prefix, cyrillic in rules.word_start.items():
        if lower.startswith(prefix) and len(lower) > len(prefix):
            i = _emit(word, 0, len(prefix), cyrillic, at, out, starts, ends)
            break
    while i < len(word):
        if lower[i] == "'" and (i == 0 or not lower[i - 1].isalpha()):
            i = _emit(word, i, 1, "'", at, out, starts, ends)  # a quote mark, not a soft sign
            continue
        for size in range(min(rules.longest, len(word) - i), 0, -1):
            piece = lower[i:i + size]
            if piece == "y":
                after_vowel = i > 0 and lower[i - 1] in _VOWELS and lower[i - 1] != "y"
                i = _emit(word, i, 1, rules.y_after_vowel if after_vowel else rules.y_otherwise, at, out, starts,
                          ends)
                break
            cyrillic = rules.sequences.get(piece)
            if cyrillic is not None:
                i = _emit(word, i, size, cyrillic, at, out, starts, ends)
                break
        else:
            i = _emit(word, i, 1, word[i], at, out, starts, ends)


def _emit(word: str, i: int, size: int, cyrillic: str, at: int, out, starts, ends) -> int:
    if word[i].isupper():
        cyrillic = cyrillic[:1].upper() + cyrillic[1:]
    for ch in cyrillic:
        out.append(ch)
        starts.append(at + i)
        ends.append(at + i + size)
    return i + size
