"""Normalisation against evasion, with every character mapped back to the original.

Comments dodge keyword filters with look-alike letters (Cyrillic ``е`` in ``Jеws``, Latin ``p`` in ``евpеи``),
invisible characters inside words, leetspeak (``j00s``, ``Z1onists``, ``жид0в``), spaced letters
(``k h a z a r s``, ``j.e.w.s``, ``ж и д ы``), stretched letters (``jeeeews``), ``}|{`` for ``ж`` and the
``(((echo)))``.  ``normalize`` undoes these and keeps ``offsets`` so that anything found in the normalised text
can be highlighted in the text the user actually wrote.  Letters replaced by ``*`` / ``@`` (``ж*ды``, ``J*den``)
are filled in by ``unmask`` with a language's vocabulary (the rules do that per language).

German spellings: ``ä ö ü ß`` are written ``ae oe ue ss`` (so "Jüdisch" and "Juedisch", "Großbank" and "Grossbank"
read the same); Russian ``ё`` is written ``е``. Cyrillic words stay Cyrillic.

Design (why it is fast and linear):
  * stage A folds characters one by one (NFKD, strip combining marks, confusables, lower-case);
    pure-ASCII runs take a C-speed shortcut (``str.lower``) and non-ASCII characters are cached;
  * stage B applies regex rewrites (``}|{``, spaced letters, the script of mixed Cyrillic/Latin words,
    leetspeak, repeated letters) whose patterns have no nested ambiguity, so they cannot backtrack
    catastrophically;
  * each stage yields an index map (normalised position -> source position) and the maps compose.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["NormalizedText", "normalize"]


@dataclass(frozen=True)
class NormalizedText:
    original: str
    text: str  # normalised, lower-cased
    offsets: tuple[int, ...]  # len(text)+1 entries; offsets[i] = index in original of text[i]
    flags: frozenset[str]  # evasions seen

    def to_original(self, begin: int, end: int) -> tuple[int, int]:
        """Map a half-open range of ``text`` to the half-open range of ``original`` it came from."""
        n = len(self.text)
        begin = min(max(begin, 0), n)
        end = min(max(end, begin), n)
        start = self.offsets[begin]
        if end == begin:
            return start, start
        # End right after the last original character that produced text[end-1]; several
        # normalised chars can come from one original char (NFKD), and characters that
        # normalisation dropped after it (separators of spaced letters) are not part of the
        # evidence -- except combining marks / invisibles attached to it, and the rest of a letter
        # drawn with several characters ("}|{" for ж, "bl" for ы, a stretched "eee").
        stop = self.offsets[end - 1] + 1
        tail = self.offsets[end]
        orig = self.original
        while stop < tail and (unicodedata.category(orig[stop]) in _ATTACHED_CATEGORIES
                               or orig[stop].isalnum() or orig[stop] in "|{}<>"):
            stop += 1
        return start, stop


# --------------------------------------------------------------------------- stage A: characters

_ATTACHED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})

# Invisible characters that are not category Cf (fillers and blanks that render as nothing).
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180e")

# Cyrillic / Greek / Armenian / other letters that look like Latin ones (lower-case targets).
# Compact on purpose: letters people actually use to dodge filters, not the full Unicode table.
_CONFUSABLES: dict[str, str] = {}
for _latin, _lookalikes in {
    "a": "аАαΑａ",
    "b": "ЬВβΒвḃ",
    "c": "сСϲϹⅽ",
    "d": "ԁⅾ",
    "e": "еЕεΕёЁэ",
    "g": "ɡ",
    "h": "һНΗн",
    "i": "іІιΙӏΊίЇїǀ",
    "j": "јЈϳ",
    "k": "кКκΚ",
    "l": "ⅼ",
    "m": "мМΜ",
    "n": "пηΝ",
    "o": "оОοΟσθ",
    "p": "рРρΡ",
    "q": "ԛ",
    "r": "гᴦ",
    "s": "ѕЅ",
    "t": "тТτΤ",
    "u": "υս",
    "v": "ѵνⅴ",
    "w": "ԝѡω",
    "x": "хХχΧ",
    "y": "уУγΥү",
    "z": "ΖᴢʐƶȥΖ",
}.items():
    for _ch in _lookalikes:
        _CONFUSABLES[_ch] = _latin
del _latin, _lookalikes, _ch

# Cyrillic letters stay Cyrillic (lower case, ё -> е); inside a word that is mostly Latin, the ones that look like
# Latin letters become those letters (``Jеws``). Keyed by the lower-case Cyrillic letter.
_CYR_TO_LAT: dict[str, str] = {c.lower(): lat for c, lat in _CONFUSABLES.items() if "\u0400" <= c <= "\u052f"}
for _c in list(_CONFUSABLES):
    if "\u0400" <= _c <= "\u052f":
        del _CONFUSABLES[_c]
del _c
# ... and Latin letters that look like Cyrillic ones become those inside a word that is mostly Cyrillic (``евpеи``).
# Keyed by the original character: capital B looks like В, small b like ь.
_LAT_TO_CYR: dict[str, str] = {
    "A": "а", "a": "а", "B": "в", "b": "ь", "C": "с", "c": "с", "E": "е", "e": "е", "H": "н", "K": "к", "k": "к",
    "M": "м", "m": "м", "O": "о", "o": "о", "P": "р", "p": "р", "T": "т", "t": "т", "X": "х", "x": "х", "Y": "у",
    "y": "у", "u": "и", "U": "и", "n": "п", "r": "г", "h": "н",
}
# digits inside a Cyrillic word (``жид0в``, ``3ло``)
_DIGIT_TO_CYR = {"0": "о", "3": "з", "6": "б", "4": "ч"}
# German letters written as their two-letter spellings, so that both spellings read the same
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "ss", "ẞ": "ss"}
_DIAERESIS = "\u0308"  # a combining diaeresis after a, o, u (decomposed umlaut) writes the "e"

# Typographic punctuation that NFKD leaves alone but rules want plain.
_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
}

# char -> (folded string, kind) where kind is "" | "zero_width" | "confusable"
_FOLD_CACHE: dict[str, tuple[str, str]] = {}
_FOLD_CACHE_MAX = 20000


def _fold_char(ch: str) -> tuple[str, str]:
    hit = _FOLD_CACHE.get(ch)
    if hit is not None:
        return hit
    cat = unicodedata.category(ch)
    if ch in _INVISIBLE or cat == "Cf":
        res = ("", "zero_width")
    elif cat in ("Mn", "Me"):
        res = ("", "")  # stray combining mark: decoration, not content
    elif ch in _GERMAN:
        res = (_GERMAN[ch], "")
    elif "\u0400" <= ch <= "\u052f":
        low = ch.lower()
        res = ("е" if low == "ё" else low, "cyrillic")
    elif ch in _CONFUSABLES:
        res = (_CONFUSABLES[ch], "confusable")
    elif ch in _PUNCT:
        res = (_PUNCT[ch], "")
    else:
        out = []
        conf = False
        for c in unicodedata.normalize("NFKD", ch):
            if unicodedata.category(c) in ("Mn", "Me"):
                continue
            if c in _CONFUSABLES:
                c = _CONFUSABLES[c]
                conf = True
            out.append(_PUNCT.get(c, c))
        res = ("".join(out).lower(), "confusable" if conf else "")
    if len(_FOLD_CACHE) < _FOLD_CACHE_MAX:
        _FOLD_CACHE[ch] = res
    return res


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_RUSSIAN_WORD = re.compile("[\u0410-\u044f\u0401\u0451]+")


def _fold(text: str) -> tuple[str, list[int] | None, set[str]]:
    """Stage A. Returns (folded, map to original or None for identity, flags)."""
    if text.isascii():
        return text.lower(), None, set()
    flags: set[str] = set()
    parts: list[str] = []
    imap: list[int] = []
    conf_at: list[int] = []  # output positions produced by a confusable
    pos = 0
    out_len = 0
    for m in _NON_ASCII_RUN.finditer(text):
        s, e = m.span()
        if s > pos:
            parts.append(text[pos:s].lower())
            imap.extend(range(pos, s))
            out_len += s - pos
        if _RUSSIAN_WORD.fullmatch(text, s, e):  # a plain Russian word: lower case, ё -> е, one for one
            parts.append(text[s:e].lower().replace("ё", "е"))
            imap.extend(range(s, e))
            out_len += e - s
            pos = e
            continue
        for i in range(s, e):
            ch = text[i]
            if ch == _DIAERESIS and out_len and parts[-1][-1:] in ("a", "o", "u"):
                folded, kind = "e", ""  # "u" + combining diaeresis: a decomposed "ü", written "ue"
            else:
                folded, kind = _fold_char(ch)
            if kind == "zero_width":
                flags.add("zero_width")
            elif kind == "confusable":
                conf_at.append(out_len)
            if folded:
                parts.append(folded)
                imap.extend([i] * len(folded))
                out_len += len(folded)
        pos = e
    if pos < len(text):
        parts.append(text[pos:].lower())
        imap.extend(range(pos, len(text)))
    imap.append(len(text))
    folded = "".join(parts)
    if conf_at:
        # Only call it evasion when a look-alike sits inside a word with real Latin letters
        # (``Jеws``); whole Russian or Greek words are just Russian or Greek.
        conf_set = set(conf_at)
        n = len(folded)
        for p in conf_at:
            for q in (p - 1, p + 1):
                if 0 <= q < n and q not in conf_set and "a" <= folded[q] <= "z":
                    if text[imap[q]].isascii():
                        flags.add("confusables")
                        break
            if "confusables" in flags:
                break
    return folded, imap, flags


# --------------------------------------------------------------------------- stage B: rewrites

# Single letters/digits separated by 1-2 separator characters, at least three of them:
# "k h a z a r s", "j.e.w.s", "j-e-w-s".  Each item is one char not followed by another word
# char, so the pattern is deterministic (linear time).
_SPACED = re.compile(r"(?<![^\W_])(?<!')[^\W_](?![^\W_])(?:[ .\-_*/·]{1,2}[^\W_](?![^\W_]))+")

# Leet characters with a letter on both sides (j00s, z1onists, k1kes), or $ at a word edge
# ($oros, jew$); whole tokens are then translated.  Runs of leet characters are found by a plain
# character class (fast scan) and their neighbours are checked in Python.
_LEET_RUN = re.compile(r"[0-9@$!|]+")
_LEET_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$!|")
_LEET_TABLE = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l",
})

_REPEATED = re.compile(r"([a-z\u0430-\u044f])\1{2,}")
# possessive opening run + lookbehind: one attempt per run of "(", so "((((((..." stays linear
_ECHO = re.compile(r"(?<!\()(?<!\( )(?:\(\s?){3,}+[^()\n]{1,80}(?:\s?\)){3}")


# "}|{" and ">|<" drawn for "ж" next to a Cyrillic letter ("}|{иды")
_ZHE = re.compile(r"(?:\}\|\{|>\|<)(?=[\u0430-\u044f])|(?<=[\u0430-\u044f])(?:\}\|\{|>\|<)")
# "bl", "b|", "ьi" drawn for "ы" at the end of or inside a Cyrillic word ("жидbl")
_YERY = re.compile(r"(?<=[\u0430-\u044f])[b\u044c][li1|](?![a-z0-9])")
# a word with a Cyrillic letter and a Latin letter or digit
_MIXED_WORD = re.compile(r"(?<![^\W_])(?=[^\W_]*?[a-z0-9])(?=[^\W_]*?[\u0400-\u052f])[^\W_]+")
_CYRILLIC = re.compile("[\u0400-\u052f]")


def _rewrite_zhe(s: str) -> tuple[str, list[int] | None]:
    """Letters drawn with several characters: "}|{" for ж, "bl" for ы."""
    hits = []
    if "|" in s:
        hits += [(m, "ж") for m in _ZHE.finditer(s)]
    if "b" in s or "\u044c" in s:
        hits += [(m, "ы") for m in _YERY.finditer(s)]
    if not hits:
        return s, None
    hits.sort(key=lambda h: h[0].start())
    parts: list[str] = []
    imap: list[int] = []
    pos = 0
    for m, letter in hits:
        if m.start() < pos:
            continue
        parts.append(s[pos:m.start()])
        imap.extend(range(pos, m.start()))
        parts.append(letter)
        imap.append(m.start())
        pos = m.end()
    parts.append(s[pos:])
    imap.extend(range(pos, len(s) + 1))
    return "".join(parts), imap


def _resolve_scripts(s: str, text: str, imap: list[int] | None, flag_latin: bool = True) -> tuple[str, set[str]]:
    """A word mixing Cyrillic and Latin letters takes the script of its majority: the letters of the other script
    that look like letters of this one become them (``Jеws`` -> jews, ``евpеи`` -> евреи, ``жuды`` -> жиды), and
    digits inside a Cyrillic word become the letters they stand for (``жид0в``). Majority: letters that have no
    look-alike in the other script count first, then all letters (a tie is Latin). One character for one, so
    the index map does not change."""
    flags: set[str] = set()
    if not _CYRILLIC.search(s):
        return s, flags
    out: list[str] | None = None
    for m in _MIXED_WORD.finditer(s):  # all-Latin and all-Cyrillic words are left alone
        w = m.group()
        a = m.start()
        orig = [text[imap[a + k]] if imap is not None else text[a + k] for k in range(len(w))]
        n_cyr = n_lat = cyr_u = lat_u = 0
        for ch, o in zip(w, orig):
            if "\u0400" <= ch <= "\u052f":
                n_cyr += 1
                cyr_u += ch not in _CYR_TO_LAT
            elif "a" <= ch <= "z":
                n_lat += 1
                lat_u += o not in _LAT_TO_CYR
        cyrillic = cyr_u > lat_u if cyr_u != lat_u else n_cyr > n_lat
        chars = list(w)
        if cyrillic:
            for k, (ch, o) in enumerate(zip(w, orig)):
                if "a" <= ch <= "z" and o in _LAT_TO_CYR:
                    chars[k] = _LAT_TO_CYR[o]
                    flags.add("confusables")
                elif ch in _DIGIT_TO_CYR and 0 < k < len(w) - 1 and chars[k - 1].isalpha() and w[k + 1].isalpha():
                    chars[k] = _DIGIT_TO_CYR[ch]
                    flags.add("leetspeak")
        else:
            conv = [k for k, ch in enumerate(w) if ch in _CYR_TO_LAT]
            for k in conv:
                chars[k] = _CYR_TO_LAT[w[k]]
            if flag_latin:
                # evasion when a look-alike sits next to a real Latin letter typed as such (``Jеws``)
                conv_set = set(conv)
                if any(0 <= q < len(w) and q not in conv_set and "a" <= chars[q] <= "z" and orig[q].isascii()
                       for k in conv for q in (k - 1, k + 1)):
                    flags.add("confusables")
        new = "".join(chars)
        if new != w:
            if out is None:
                out = list(s)
            out[a:m.end()] = chars
    return ("".join(out) if out is not None else s), flags


def _rewrite_spaced(s: str) -> tuple[str, list[int] | None]:
    parts: list[str] = []
    imap: list[int] = []
    pos = 0
    for m in _SPACED.finditer(s):
        base = m.start()
        chunk = m.group()
        # split into runs with one consistent separator ("k h a z a r s", "j.e.w.s"), so
        # "a U.S." does not become "aus"
        items = [base]
        seps: list[str] = []
        i = 1
        while i < len(chunk):
            j = i
            while not chunk[j].isalnum():
                j += 1
            seps.append(chunk[i:j])
            items.append(base + j)
            i = j + 1
        run_start = 0
        for k in range(1, len(items) + 1):
            if k == len(items) or seps[k - 1] != seps[run_start]:
                run = items[run_start:k]
                if len(run) >= 3 and sum(s[q].isalpha() for q in run) >= 2:
                    parts.append(s[pos:run[0]])
                    imap.extend(range(pos, run[0]))
                    parts.append("".join(s[q] for q in run))
                    imap.extend(run)
                    pos = run[-1] + 1
                run_start = k
    if not parts:
        return s, None
    parts.append(s[pos:])
    imap.extend(range(pos, len(s) + 1))
    return "".join(parts), imap


def _is_az(c: str) -> bool:
    return "a" <= c <= "z"


def _rewrite_leet(s: str) -> str | None:
    """Translate leet tokens in place (1:1 characters, so no index map is needed)."""
    spans: list[tuple[int, int]] = []
    done_to = 0
    n = len(s)
    for m in _LEET_RUN.finditer(s):
        a, b = m.span()
        if a < done_to:
            continue
        before = s[a - 1] if a else " "
        after = s[b] if b < n else " "
        inner = _is_az(before) and _is_az(after)
        if not inner and m.group() == "$":
            inner = (not before.isalnum() and _is_az(after) and b + 1 < n and _is_az(s[b + 1])) or (
                not after.isalnum() and _is_az(before) and a >= 2 and _is_az(s[a - 2]))
        if not inner:
            continue
        while a > 0 and s[a - 1] in _LEET_TOKEN_CHARS:
            a -= 1
        while b < n and s[b] in _LEET_TOKEN_CHARS:
            b += 1
        spans.append((a, b))
        done_to = b
    if not spans:
        return None
    out: list[str] = []
    pos = 0
    for a, b in spans:
        out.append(s[pos:a])
        tok = s[a:b]
        # keep trailing "!!!" / "|" as punctuation
        core_end = len(tok)
        while core_end and tok[core_end - 1] in "!|":
            core_end -= 1
        out.append(tok[:core_end].translate(_LEET_TABLE) + tok[core_end:])
        pos = b
    out.append(s[pos:])
    return "".join(out)


def _rewrite_repeated(s: str) -> tuple[str, list[int] | None]:
    if _REPEATED.search(s) is None:
        return s, None
    parts: list[str] = []
    imap: list[int] = []
    pos = 0
    for m in _REPEATED.finditer(s):
        parts.append(s[pos:m.start() + 1])
        imap.extend(range(pos, m.start() + 1))
        pos = m.end()
    parts.append(s[pos:])
    imap.extend(range(pos, len(s) + 1))
    return "".join(parts), imap


def _compose(outer: list[int] | None, inner: list[int] | None) -> list[int] | None:
    """Map = outer ∘ inner (inner indexes into the text that outer maps)."""
    if inner is None:
        return outer
    if outer is None:
        return inner
    return [outer[j] for j in inner]


def normalize(text: str) -> NormalizedText:
    s, imap, flags = _fold(text)

    if imap is not None:  # only non-ASCII text can hold Cyrillic
        s2, m2 = _rewrite_zhe(s)
        if m2 is not None:
            flags.add("zhe_drawn")
            s, imap = s2, _compose(imap, m2)
        s, f2 = _resolve_scripts(s, text, imap)
        flags |= f2

    s2, m2 = _rewrite_spaced(s)
    if m2 is not None:
        flags.add("spaced_letters")
        s, imap = s2, _compose(imap, m2)
        if imap is not None:  # "ж u д ы" is one word only now
            s, f2 = _resolve_scripts(s, text, imap, flag_latin=False)
            flags |= f2

    s2 = _rewrite_leet(s)
    if s2 is not None and s2 != s:
        flags.add("leetspeak")
        s = s2

    s2, m2 = _rewrite_repeated(s)
    if m2 is not None:
        flags.add("repeated_letters")
        s, imap = s2, _compose(imap, m2)

    if "(" in s and _ECHO.search(s):
        flags.add("echo")

    offsets = tuple(imap) if imap is not None else tuple(range(len(s) + 1))
    return NormalizedText(original=text, text=s, offsets=offsets, flags=frozenset(flags))


# --------------------------------------------------------------------------- masked letters (per language)

# A word with letters replaced by "*", "@", "#", "%" (anywhere after its first letter), by "." between letters, or
# with ".", "_", "-" put between its letters: "ж*ды", "ж@ды", "е**еи", "j*den", "жи.ды", "жидо-масоны"
_MASKED = re.compile(r"(?<![^\W\d_])[^\W\d_]+(?:(?:[*@#%]+|[._\-]+(?=[^\W\d_]))[^\W\d_]*)+")
_MASK_CHARS = frozenset("*@#%.")
_SEPARATORS = frozenset("._-")


def mask_index(words) -> dict[int | str, object]:
    """Vocabulary for ``unmask`` (normalised spelling, lower case): words by length, and the set of all."""
    index: dict[int | str, object] = {}
    for w in words:
        index.setdefault(len(w), []).append(w)  # type: ignore[union-attr]
    index = {k: tuple(v) for k, v in index.items()}  # type: ignore[arg-type]
    index["all"] = frozenset(words)
    return index


def unmask(nt: NormalizedText, index: dict) -> NormalizedText:
    """Restore masked words of a vocabulary: letters replaced by a mask character ("ж*ды" -> "жиды", the first word
    of the vocabulary whose other letters agree) and separators put between letters ("жи.ды", "жидо-масоны").
    The vocabulary is a language's (its cue file's ``mask_words``): only words someone would mask to dodge a
    filter are restored, so "e.g." or "т.е." stay as they are. The offset map stays exact (a dropped separator
    has no position in the normalised text)."""
    text = nt.text
    if not index or not any(c in text for c in "*@#%.-_"):
        return nt
    edits: list[tuple[int, int, str, list[int]]] = []  # (start, end, replacement, offsets of the replacement)
    for m in _MASKED.finditer(text):
        tok = m.group()
        a = m.start()
        for word in index.get(len(tok), ()):
            if all(x == y or (x in _MASK_CHARS and y.isalpha()) for x, y in zip(tok, word)):
                edits.append((a, m.end(), word, list(nt.offsets[a:m.end()])))
                break
        else:
            keep = [k for k, ch in enumerate(tok) if ch not in _SEPARATORS]
            squeezed = "".join(tok[k] for k in keep)
            if len(keep) < len(tok) and squeezed in index["all"]:
                edits.append((a, m.end(), squeezed, [nt.offsets[a + k] for k in keep]))
    if not edits:
        return nt
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for a, b, word, offs in edits:
        parts.append(text[pos:a])
        offsets.extend(nt.offsets[pos:a])
        parts.append(word)
        offsets.extend(offs)
        pos = b
    parts.append(text[pos:])
    offsets.extend(nt.offsets[pos:])
    return NormalizedText(original=nt.original, text="".join(parts), offsets=tuple(offsets),
                          flags=nt.flags | {"masked_letters"})
