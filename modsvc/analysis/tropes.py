"""Explainable antisemitism / conspiracy rules: co-occurrence of cues inside sentences, per language.

A single word proves nothing ("Jewish", "banks", "Khazar" are all innocent alone).  A finding
needs a *combination* inside one sentence or two adjacent ones, e.g. an identity or proxy term
(Jews, Ashkenazim, Rothschilds, "the tribe", ``(((them)))``) + a control/plot claim (control,
run, behind, orchestrate, fund) + an object (banks, media, governments, wars).  Each finding
names its trope and becomes a ``Span`` over the sentence(s) that carry it, in ORIGINAL-text
offsets so a reviewer sees the evidence highlighted.

Counter-speech ("the claim that Jews control the media is an antisemitic myth"), negation
("Jews don't control the banks"), reporting ("he called me a k*ke") and attribution
("deniers claim ...") suppress a finding unless the text also endorses the claim ("they call it
a myth but it's true").

The cues live in data files, one per language (``data/tropes/<language>.toml``, compiled by ``lexicon``); this
module is the matching engine, and the language-specific grammar it needs (negation words, what makes a passive,
which words may stand between a subject and its blame) comes from the same files. ``analyse(nt, language)`` runs
the cues of the comment's language; with no (or an unknown) language it runs the cues of every language whose
script or common words the text shows, each behind its own anchor pre-check, so a text none of whose cues can start
a finding costs a substring scan per language.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from . import lexicon as LX
from .lexicon import CueRx, Lexicon
from .normalize import NormalizedText, unmask
from .types import Span

__all__ = ["analyse", "detect", "rule_scores", "rule_features", "languages", "FEATURE_NAMES", "TROPES",
           "CONSPIRACY_PATTERNS", "RULES_VERSION"]

_CATALOGUE = LX.catalogue()
# machine name -> short human reason (shown to moderators); data/tropes/catalogue.toml
TROPES: dict[str, str] = {t.name: t.reason for t in _CATALOGUE.tropes.values()}
CONSPIRACY_PATTERNS: dict[str, str] = {t.name: t.reason for t in _CATALOGUE.conspiracy.values()}
# antisemitic tropes that are also conspiracy narratives (feed the conspiracy score)
CONSPIRATORIAL_TROPES = frozenset(t.name for t in _CATALOGUE.tropes.values() if t.conspiratorial)

_MAX_SENTENCE = 800  # longer "sentences" (walls of text) are cut into chunks
_MAX_CUES = 24  # cues of one kind kept per sentence; real sentences never come close
_SENT_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n+")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[^\w\s]")


def languages() -> tuple[str, ...]:
    """The languages that have cue files."""
    return tuple(LX.lexicons())


def _rules_version() -> str:
    import hashlib
    from pathlib import Path

    h = hashlib.sha1(Path(__file__).read_bytes())
    h.update(LX.version().encode())
    return h.hexdigest()[:10]


RULES_VERSION = _rules_version()  # this engine and every cue file: changes when any of them changes


@dataclass(frozen=True, slots=True)
class _Cue:
    kind: str
    sub: str
    start: int
    end: int
    tok: int
    sent: int


@dataclass(slots=True)
class _Finding:
    label: str
    trope: str
    score: float
    sents: tuple[int, int]  # inclusive sentence range
    reason: str
    cue_at: int  # normalised position of the key cue (for negation / counter checks)
    counter_scope: str = "default"


class _Doc:
    """Sentences, tokens and cues of one normalised text, read with one language's lexicon."""

    def __init__(self, nt: NormalizedText, lex: Lexicon):
        self.L = lex
        self.text = text = nt.text
        self.padded = " " + text
        self.original = nt.original
        self.offsets = nt.offsets
        self.sents = _sentences(text, lex.abbreviations)
        self.sent_starts = [s for s, _ in self.sents]
        self.tok_starts = [m.start() for m in _TOKEN.finditer(text)]
        self.by_sent: list[dict[str, list[_Cue]]] = [dict() for _ in self.sents]
        self._whole: dict[str, bool] = {}
        self._quotes: list[int] | None = None
        self._quoted: list[tuple[int, int]] | None = None

    def anywhere(self, name: str, pattern: CueRx | None) -> bool:
        """Does ``pattern`` occur anywhere in the text (computed once per text)."""
        hit = self._whole.get(name)
        if hit is None:
            hit = self._whole[name] = pattern is not None and pattern.search(self.text) is not None
        return hit

    def quote_marks(self) -> list[int]:
        if self._quotes is None:
            self._quotes = [m.start() for m in re.finditer('"', self.text)]
        return self._quotes

    def quoted_regions(self) -> list[tuple[int, int]]:
        if self._quoted is None:
            self._quoted = [m.span() for m in _QUOTED.finditer(self.text)]
        return self._quoted

    def tok(self, pos: int) -> int:
        return bisect_right(self.tok_starts, pos) - 1

    def sent_of(self, pos: int) -> int:
        return max(bisect_right(self.sent_starts, pos) - 1, 0)

    def add(self, kind: str, pattern: CueRx | None, named: bool = False, sub: str | None = None) -> None:
        if pattern is None or not pattern.gate_open(self.text):
            return
        for m in pattern.scan.finditer(self.padded):
            start, end = m.start(), m.end() - 1  # padded text is shifted by one character
            sent = self.sent_of(start)
            bucket = self.by_sent[sent].setdefault(kind, [])
            if len(bucket) < _MAX_CUES:  # keeps rules linear on walls of repeated text
                name = pattern.subkind(self.text[start:end]) if named else (sub or kind)
                bucket.append(_Cue(kind, name, start, end, self.tok(start), sent))

    def has(self, kind: str) -> bool:
        return any(kind in d for d in self.by_sent)

    def cues(self, kind: str, lo: int, hi: int | None = None) -> list[_Cue]:
        hi = lo if hi is None else hi
        out: list[_Cue] = []
        for i in range(max(lo, 0), min(hi, len(self.sents) - 1) + 1):
            out.extend(self.by_sent[i].get(kind, ()))
        return out

    def sent_text(self, i: int) -> str:
        s, e = self.sents[i]
        return self.text[s:e]

    def between(self, a: int, b: int) -> str:
        return self.text[min(a, b):max(a, b)]


def _has_conspiracy_cue(lex: Lexicon, padded: str) -> bool:
    pattern = lex.CONSPIRACY
    if pattern is None or not pattern.gate_open(padded):
        return False
    return pattern.scan.search(padded) is not None


def _sentences(text: str, abbreviations: frozenset[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        if m.group()[0] == ".":
            k = m.start() - 1
            j = k
            while j >= 0 and (text[j].isalnum() or text[j] == "."):
                j -= 1
            word = text[j + 1:m.start()]
            if word in abbreviations or len(word) == 1 or (word[:1].isdigit() and m.end() < len(text) and text[m.end():m.end() + 2].strip()[:1].isdigit()):
                continue
        _push(out, text, start, m.end())
        start = m.end()
    _push(out, text, start, len(text))
    return out or [(0, len(text))]


def _push(out: list[tuple[int, int]], text: str, s: int, e: int) -> None:
    if e <= s:
        return
    if not out and s > 0:
        s = 0
    if out and not text[s:e].strip():
        out[-1] = (out[-1][0], e)  # blank lines belong to the sentence before them
        return
    while e - s > _MAX_SENTENCE:  # fixed-size chunks keep walls of text linear
        out.append((s, s + _MAX_SENTENCE))
        s += _MAX_SENTENCE
    out.append((s, e))


# ----------------------------------------------------------------------------- rules


def _ident_reason(doc: _Doc, c: _Cue) -> str:
    return doc.text[c.start:c.end].strip()


def _negated(doc: _Doc, a: int, b: int) -> bool:
    return doc.L.G.negation.search(doc.between(a, b)) is not None


def _rule_control(doc: _Doc, out: list[_Finding]) -> None:
    """identity + control/plot claim + object, in one sentence or a pair of sentences."""
    n = len(doc.sents)
    for i in range(n):
        claims = doc.cues("claim", i)
        if not claims:
            continue
        objects = doc.cues("object", i)
        idents = doc.cues("ident", i)
        prev_idents = doc.cues("ident", i - 1) if i else []
        for c in claims:
            strong = c.sub in doc.L.strong_claims or c.sub == "pocket"
            passive = doc.L.G.passive_by.match(doc.text, c.end) is not None or c.sub in doc.L.agent_after
            reach = 8 if strong else 4  # "Jewish refugees started new lives in America after the war"
            after = [o for o in objects if o.tok > c.tok and o.tok - c.tok <= reach and o.start >= c.end
                     and not doc.L.G.temporal.search(doc.text, max(c.end, o.start - 8), o.start)]
            before = [o for o in objects if 0 < c.tok - o.tok <= 8 and o.end <= c.start]
            # ident glued to the claim: "Jewish-owned", "a Jewish plot", "Zionist-controlled"
            glued = [a for a in idents if (a.end <= c.start and c.tok - a.tok <= 2
                                           and not doc.L.G.negation.search(doc.between(a.end, c.start))) or _inside(a, c)]
            if passive:
                # "the media is controlled by (a small group of) Jews", "a puppet of the Jewish lobby"
                agents = [a for a in idents if 1 <= a.tok - c.tok <= 7]
                objs = before
            else:
                agents = [a for a in idents if 0 < c.tok - a.tok <= 10 and a.end <= c.start
                          and not doc.L.G.relative.search(doc.between(a.end, c.start))]
                objs = after
                if glued:
                    agents = agents or glued
                    objs = after or before
                if not objs and agents:
                    objs = _relative_objects(doc, before, agents)  # "another war the globalist bankers started"
                if c.sub == "behind":
                    # "they flood us with migrants and the tribe is behind it",
                    # "behind every war you'll find the same tribe"
                    objs = after or before
                    if not agents:
                        agents = [a for a in idents if 0 < a.tok - c.tok <= 10]
            objs = [o for o in objs if strong or o.sub != "country"]
            if (objs and not passive and doc.L.G.participle.search(doc.text[c.start:c.end])
                    and doc.L.G.adjectival.search(doc.text, max(0, c.start - 20), c.start)):
                # adjectival participle "Nazi-controlled Europe", "state-owned banks": the agent is the word
                # glued before it, so only an identity term there counts ("Jewish-owned media")
                agents = [a for a in glued if c.tok - a.tok <= 2]
            if not objs and c.sub in doc.L.implicit_object:
                objs = [_Cue("object", "world", c.start, c.end, c.tok, c.sent)]
            if not objs:
                continue
            o = objs[0]
            cross = False
            if not agents and not passive:
                # "Who controls the media? The Jews."  /  "Look at the Jews. They run the banks."
                st = doc.sent_text(i)
                pron = doc.L.PRONOUN_SUBJECT.search(doc.between(max(doc.sents[i][0], c.start - 40), c.start))
                goyim = [a for a in idents if a.sub == "goyim"]
                if st.rstrip().endswith("?") and doc.L.G.whq.search(doc.between(doc.sents[i][0], c.start)):
                    # the answer may come after a short interjection: "... owns the banks?? exactly. the jews"
                    j = i + 1
                    if j + 1 < n and len(doc.sent_text(j).split()) <= 2:
                        j += 1
                    agents = [a for a in doc.cues("ident", j) if a.tok - doc.tok(doc.sents[j][0]) <= 8] if j < n else []
                    cross = bool(agents)
                elif pron and goyim:
                    agents = goyim  # "they run the whole system and laugh at the goyim"
                elif pron and [a for a in idents if a.end <= c.start]:
                    # "the chosen people think they're above the law and they run the courts"
                    agents = [a for a in idents if a.end <= c.start][-1:]
                    cross = True
                elif pron and prev_idents:
                    agents = prev_idents[-1:]
                    cross = True
                elif pron and i + 1 < n:
                    # named right after: "They start the wars and fund both sides. The chosen ones never lose."
                    head = doc.tok(doc.sents[i + 1][0])
                    agents = [a for a in doc.cues("ident", i + 1) if a.tok - head <= 2][:1]
                    cross = bool(agents)
            # "a Jewish plot", "Jewish-owned" stay; "some Jewish students run the paper" does not
            tight = [a for a in glued if _inside(a, c) or doc.between(a.end, c.start).strip() in ("", "-")]
            agents = [a for a in agents if a in tight or not _subgroup(doc, a)]
            if not agents:
                continue
            a = max(agents, key=lambda x: doc.L.ident_strength.get(x.sub, 0.5))
            if not passive and not cross and _negated(doc, a.end, c.start) \
                    and not doc.L.G.rhetorical.search(doc.text, max(0, a.start - 25), a.start):
                continue  # "Jews don't control the media" -- but not "then tell me Jews don't run finance"
            if _negated(doc, max(doc.sents[i][0], c.start - 12), c.start) and not cross \
                    and not doc.L.G.rhetorical.search(doc.text, max(0, a.start - 25), a.start):
                continue
            base = doc.L.ident_strength.get(a.sub, 0.5)
            score = base - (0.0 if strong else 0.1) - (0.2 if cross else 0.0)
            if doc.L.G.question_opener.search(doc.sent_text(i)) and doc.sent_text(i).rstrip().endswith("?"):
                score -= 0.2
            trope = doc.L.object_trope[o.sub]
            who = _ident_reason(doc, a)
            reason = f"{TROPES[trope]}: '{who}' + '{doc.text[c.start:c.end]}' + '{doc.text[o.start:o.end]}'"
            lo, hi = (min(i, a.sent), max(i, a.sent))
            out.append(_Finding("antisemitism", trope, score, (lo, hi), reason, c.start))
            if a.sub in ("soros", "globalist", "lobby"):
                out.append(_Finding("conspiracy", "hidden_orchestrator", 0.7, (lo, hi),
                                    f"{CONSPIRACY_PATTERNS['hidden_orchestrator']}: '{who}'", c.start))


def _inside(a: _Cue, c: _Cue) -> bool:
    """An identity term inside a claim phrase: "a Jewish project", "a Zionist idea"."""
    return c.start <= a.start and a.end <= c.end


def _relative_objects(doc: _Doc, before: list[_Cue], agents: list[_Cue]) -> list[_Cue]:
    """Objects of a relative clause right before its subject: "the war (that) the Jews started"."""
    first = min(a.start for a in agents)
    return [o for o in before if o.end <= first and doc.L.G.object_relative_gap.fullmatch(doc.text, o.end, first)]


def _orig_range(doc: _Doc, c: _Cue) -> tuple[int, int]:
    return doc.offsets[c.start], doc.offsets[c.end - 1] + 1


def _rule_coded_presence(doc: _Doc, out: list[_Finding]) -> None:
    """Coded identity ("a certain tribe", "same little ethnic group", echo, "look up their last names") next to
    banks / media / government / wars: the insinuation needs no explicit verb ("every central banker is from the
    same tribe")."""
    for i in range(len(doc.sents)):
        coded = [a for a in doc.cues("ident", i) if a.sub in _CODED_IDENTS]
        if not coded:
            continue
        a = coded[0]
        # an insinuation may point at the sentence before or after ("... every bank crash. Research the last
        # names."); "chosen people" next to "our nation" in a prayer may not
        reach = 1 if a.sub == "insinuation" else 0
        objs = [o for o in doc.cues("object", i - reach, i + reach) if o.sub in _CODED_OBJECT_TROPE]
        # "a certain tribe doesn't own the media" is negated; "the news never criticises a certain tribe" is not
        objs = [o for o in objs if not (o.start > a.end and _negated(doc, a.end, o.start))]
        if not objs:
            continue
        o = min(objs, key=lambda x: (x.sent != i, abs(x.tok - a.tok)))
        trope = _CODED_OBJECT_TROPE[o.sub]
        out.append(_Finding("antisemitism", trope, 0.75 if o.sent == i else 0.65, (min(i, o.sent), max(i, o.sent)),
                            f"{TROPES[trope]}: '{doc.text[a.start:a.end]}' + '{doc.text[o.start:o.end]}'", a.start))


_NOMINAL_TROPE = {"media": "control_media", "finance": "control_finance", "government": "control_government"}
_CODED_OBJECT_TROPE = {**_NOMINAL_TROPE, "wars": "orchestrate_wars"}
_CODED_IDENTS = frozenset({"tribe", "echo", "insinuation"})


def _rule_nominal(doc: _Doc, out: list[_Finding]) -> None:
    """'the Jewish media lies', 'Zionist bankers bleed us dry': institution + hostile verb."""
    for i in range(len(doc.sents)):
        for c in doc.cues("nominal", i):
            s0, s1 = doc.sents[i]
            h = next((m for m in doc.L.HOSTILE.finditer(doc.text, s0, s1) if m.end() <= c.start or m.start() >= c.end), None)
            if h is None or (h.start() >= c.end and _negated(doc, c.end, h.start())):
                continue
            trope = doc.L.nominal_trope[c.sub]
            out.append(_Finding("antisemitism", trope, 0.75, (i, i),
                                f"{TROPES[trope]}: '{doc.text[c.start:c.end]}' + '{h.group()}'", c.start))


def _subgroup(doc: _Doc, a: _Cue) -> bool:
    """'some Jewish students', 'my Jewish friend', 'Jewish voters': particular people, not 'the Jews'."""
    if doc.L.G.subgroup_before.search(doc.text, max(0, a.start - 12), a.start):
        return True
    if doc.L.G.subgroup_adjective.fullmatch(doc.text, a.start, a.end):
        nxt = doc.L.G.subgroup_head.match(doc.text[a.end:a.end + 20])
        return bool(nxt and doc.L.G.ordinary_heads.fullmatch(nxt.group(1)))
    return False


def _strong_idents(doc: _Doc, lo: int, hi: int, exclude: str = "") -> list[_Cue]:
    return [c for c in doc.cues("ident", lo, hi) if c.sub != exclude and doc.L.ident_strength.get(c.sub, 0) >= 0.75]


def _rule_khazar(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        for k in doc.cues("khazar", i):
            standalone = doc.L.KHAZAR_STANDALONE.match(doc.text, k.start)
            if standalone or doc.L.G.khazar_strong.match(doc.text, k.start):
                # "Khazarian mafia" is a conspiracy term; bare "Khazarian" is mostly used by the myth
                claim = standalone or doc.L.KHAZAR_CLAIM.search(doc.text, doc.sents[i][0], doc.sents[i][1])
                out.append(_Finding("antisemitism", "khazar_myth", 0.85 if claim else 0.45, (i, i),
                                    f"{TROPES['khazar_myth']}: '{doc.text[k.start:k.end]}'", k.start, "khazar"))
                continue
            idents = [c for c in _strong_idents(doc, i - 1, i + 1, exclude="khazar")]
            if not idents:
                s0, s1 = doc.sents[i]
                claims = {m.group() for m in doc.L.KHAZAR_CLAIM.finditer(doc.text, s0, s1)}
                control = [c for c in doc.cues("claim", i) if c.sub in doc.L.strong_claims]
                if len(claims) >= 2 or (claims and control) or (control and doc.cues("object", i)):
                    # "they descend from Khazar converts who hated Russia", "the Khazar bloodline controls Washington"
                    out.append(_Finding("antisemitism", "khazar_myth", 0.8, (i, i),
                                        f"{TROPES['khazar_myth']}: '{doc.text[k.start:k.end]}' + "
                                        + ", ".join(f"'{x}'" for x in sorted(claims) or [doc.text[control[0].start:control[0].end]]),
                                        k.start, "khazar"))
                continue
            near = [c for c in idents if c.sent == i] or idents
            a = near[0]
            claim = doc.L.KHAZAR_CLAIM.search(doc.text, doc.sents[min(i, a.sent)][0], doc.sents[max(i, a.sent)][1])
            score = 0.9 if claim else 0.55
            lo, hi = min(i, a.sent), max(i, a.sent)
            reason = f"{TROPES['khazar_myth']}: '{_ident_reason(doc, a)}' linked to the Khazars"
            if claim:
                reason += f" ('{claim.group()}')"
            out.append(_Finding("antisemitism", "khazar_myth", score, (lo, hi), reason, k.start, "khazar"))


def _rule_holocaust(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        for m in doc.cues("holo_standalone", i):
            out.append(_Finding("antisemitism", "holocaust_denial", 0.9, (i, i),
                                f"{TROPES['holocaust_denial']}: '{doc.text[m.start:m.end]}'", m.start, "holocaust"))
        for h in doc.cues("holocaust", i):
            for d in doc.cues("holo_denial", i, i + 1):
                if abs(d.tok - h.tok) > (12 if d.sent == i else 6):
                    continue
                if d.start > h.start and _negated(doc, h.end, d.start) and not doc.L.G.denial_negative_start.match(doc.text, d.start):
                    # "the Holocaust was not a hoax"
                    if not doc.L.G.denial_negated_happen.search(doc.between(h.end, d.end)):
                        continue
                # "using the Holocaust" (exploitation charge) is distortion, weaker than denial
                score = doc.L.exploit_score if doc.L.G.exploit.search(doc.text, d.start, d.end) else 0.9
                out.append(_Finding("antisemitism", "holocaust_denial", score, (i, d.sent),
                                    f"{TROPES['holocaust_denial']}: '{doc.text[h.start:h.end]}' + '{doc.text[d.start:d.end]}'",
                                    d.start, "holocaust"))
                break


_NEGATION_REACH = 30  # characters before a cue that can negate it ("Jews are not traitors")


def _rule_with_ident(doc: _Doc, out: list[_Finding], kind: str, trope: str, score: float, window: int = 1,
                     scope: str = "default") -> None:
    for i in range(len(doc.sents)):
        for c in doc.cues(kind, i):
            idents = [a for a in doc.cues("ident", i - window, i + window) if a.sub not in ("globalist",)]
            if not idents:
                continue
            a = min(idents, key=lambda x: abs(x.sent - i) * 100 + abs(x.tok - c.tok))
            lo, hi = min(i, a.sent), max(i, a.sent)
            if _negated(doc, max(doc.sents[i][0], min(a.end, c.start), c.start - _NEGATION_REACH), c.start):
                continue
            out.append(_Finding("antisemitism", trope, score - (0.1 if a.sent != i else 0.0), (lo, hi),
                                f"{TROPES[trope]}: '{_ident_reason(doc, a)}' + '{doc.text[c.start:c.end]}'", c.start, scope))


def _rule_dehumanisation(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        idents = [a for a in doc.cues("ident", i) if doc.L.ident_strength.get(a.sub, 0) >= 0.75]
        if not idents:
            continue
        for d in doc.cues("dehum", i):
            a = min(idents, key=lambda x: abs(x.tok - d.tok))
            if abs(a.tok - d.tok) > 6:
                continue
            if _negated(doc, min(a.end, d.end), max(a.start, d.start)):
                continue
            out.append(_Finding("antisemitism", "dehumanisation", 0.85, (i, i),
                                f"{TROPES['dehumanisation']}: '{_ident_reason(doc, a)}' + '{doc.text[d.start:d.end]}'",
                                d.start))
            break
        for st in doc.cues("stereotype", i):
            a = min(idents, key=lambda x: abs(x.tok - st.tok))
            if abs(a.tok - st.tok) > 6 or a.sub in ("goyim",):
                continue
            if not doc.L.G.negation.search(doc.text[st.start:st.end]) and _negated(doc, min(a.end, st.start), max(a.end, st.start)):
                continue  # "the Jewish religion is not a political prop"
            out.append(_Finding("antisemitism", "stereotype", 0.75, (i, i),
                                f"{TROPES['stereotype']}: '{_ident_reason(doc, a)}' + '{doc.text[st.start:st.end]}'", st.start))
            break
        for v in doc.cues("violence", i):
            a = min(idents, key=lambda x: abs(x.tok - v.tok))
            if abs(a.tok - v.tok) > 10:
                continue
            out.append(_Finding("antisemitism", "violence", 0.95, (i, i),
                                f"{TROPES['violence']}: '{doc.text[v.start:v.end]}' + '{_ident_reason(doc, a)}'",
                                v.start))
            break


def _rule_standalone(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        for c in doc.cues("ident", i):
            if c.sub == "slur":
                out.append(_Finding("antisemitism", "slur", 0.9, (i, i),
                                    f"{TROPES['slur']}: '{doc.text[c.start:c.end]}'", c.start, "slur"))
            elif c.sub == "echo":
                out.append(_Finding("antisemitism", "coded_echo", 0.85, (i, i),
                                    f"{TROPES['coded_echo']}: '{doc.text[c.start:c.end]}'", c.start, "echo"))
        for cue in doc.L.own.get("standalone", ()):
            for c in doc.cues(cue.id, i):
                out.append(_Finding("antisemitism", cue.trope, cue.score, (i, i),
                                    f"{cue.reason or TROPES[cue.trope]}: '{doc.text[c.start:c.end]}'", c.start, cue.scope))


def _rule_protocols(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        for p in doc.cues("protocols", i):
            lo, hi = i, min(i + 1, len(doc.sents) - 1)
            span_text = doc.text[doc.sents[lo][0]:doc.sents[hi][1]]
            false = doc.L.PROT_FALSE.search(span_text)
            if false and not doc.L.ENDORSE.search(span_text) and not (
                    doc.L.G.prot_rebut.search(span_text) and doc.L.PROT_STRONG.search(span_text)):
                continue
            t = doc.L.PROT_TRUE.search(span_text)
            if not t:
                continue
            if p.end - p.start <= 10 and not doc.L.G.protocols_context.search(span_text) and not doc.cues("ident", lo, hi):
                # "protocols" alone is ordinary English ("safety protocols are real"): need the
                # capitalised title and an unmistakable endorsement
                b, _ = _orig_range(doc, p)
                strong = doc.L.PROT_STRONG.search(span_text) or doc.L.ENDORSE.search(span_text)
                if not (doc.L.G.protocols_title.match(doc.original, b) and strong):
                    continue
            out.append(_Finding("antisemitism", "protocols", 0.9, (lo, hi) if t.start() > len(doc.sent_text(i)) else (i, i),
                                f"{TROPES['protocols']}: '{doc.text[p.start:p.end]}' + '{t.group()}'", p.start, "protocols"))


def _rule_collective_blame(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        jews = [a for a in doc.cues("ident", i) if a.sub in ("jews", "jewish_context")]
        if not jews:
            continue
        ctx = doc.cues("israel_ctx", i - 1, i + 1)
        for a in jews:
            pre = doc.text[max(doc.sents[i][0], a.start - 25):a.start]
            if doc.L.NOT_COLLECTIVE.search(pre):
                continue
            for b in doc.cues("blame", i):
                if not (0 < b.tok - a.tok <= 6) or not doc.L.G.predicate_gap.match(doc.between(a.end, b.start)):
                    continue  # "Jews fleeing Nazi genocide": Jews are not the subject of the blame
                gap = doc.between(a.end, b.start)
                if doc.L.G.victim_gap.search(gap) or doc.L.G.passive_by.match(doc.text, b.end):
                    continue  # "two Jews were murdered": victims, not perpetrators
                if _negated(doc, a.end, b.start):
                    continue
                words = doc.between(a.start, b.end)
                universal = doc.L.G.universal_ident.search(doc.text[max(0, a.start - 6):a.end]) or \
                    doc.L.UNIVERSAL.search(doc.sent_text(i))
                if not (ctx or universal):
                    continue
                if not ctx and not doc.L.G.blame_words.search(words):
                    continue
                out.append(_Finding("antisemitism", "collective_blame_israel", 0.8, (i, i),
                                    f"{TROPES['collective_blame_israel']}: '{doc.text[a.start:b.end]}'", b.start))
                break


def _rule_zionist_code(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        zs = [a for a in doc.cues("ident", i) if a.sub == "zionist" and not doc.L.G.zionist_not_person.fullmatch(doc.text, a.start, a.end)]
        if not zs:
            continue
        for a in zs:
            if doc.L.G.zionist_exclude_before.search(doc.text[max(0, a.start - 10):a.start]):
                continue
            for z in doc.cues("zio_claim", i):
                if abs(z.tok - a.tok) > 10:
                    continue
                if _negated(doc, min(a.end, z.end), max(a.start, z.start)):
                    continue
                out.append(_Finding("antisemitism", "zionist_code", 0.7, (i, i),
                                    f"{TROPES['zionist_code']}: '{doc.text[a.start:a.end]}' + '{doc.text[z.start:z.end]}'",
                                    z.start))
                break
            else:
                continue
            break


_JAQ_IDENTS = frozenset({"jews", "tribe", "insinuation", "zionist", "rothschild", "vague"})


def _rule_jaq(doc: _Doc, out: list[_Finding]) -> None:
    """'Just asking' questions: "Why do central bankers all go to the same synagogue?" -- a question that
    pairs an institution with a group and an insinuating quantifier, no control verb needed."""
    for i in range(len(doc.sents)):
        st = doc.sent_text(i)
        if not st.rstrip().endswith("?") or not doc.L.G.jaq_opener.search(st) or not doc.L.G.jaq_marker.search(st):
            continue
        idents = [a for a in doc.cues("ident", i) if a.sub in _JAQ_IDENTS
                  or (a.sub == "jewish_context" and doc.L.G.jaq_context_ident.match(doc.text, a.start))]
        objs = [o for o in doc.cues("object", i) if o.sub in ("finance", "media")]  # "why do so many rabbis oppose the government?" is a question
        if not idents or not objs:
            continue
        a, o = idents[0], objs[0]
        if _in_quote(doc, o.start, min_len=10):
            continue  # the question is quoted to be mocked ("'who really owns the Fed' threads always ...")
        if _negated(doc, min(a.end, o.end), max(a.start, o.start)) and not doc.L.G.jaq_not_negated.search(st):
            continue
        trope = _NOMINAL_TROPE[o.sub]
        out.append(_Finding("antisemitism", trope, 0.6, (i, i),
                            f"{TROPES[trope]} insinuated as a question: '{doc.text[o.start:o.end]}' + '{_ident_reason(doc, a)}'",
                            a.start))


def _rule_follow_money(doc: _Doc, out: list[_Finding]) -> None:
    n = len(doc.sents)
    for i in range(n):
        for c in doc.cues("conspiracy", i):
            if c.sub not in ("follow_the_money", "money_weak"):
                continue
            idents = [a for a in doc.cues("ident", i, i + 1) if doc.L.ident_strength.get(a.sub, 0) >= 0.45 and a.start > c.start]
            idents = [a for a in idents if a.sent == i or a.tok - doc.tok(doc.sents[a.sent][0]) <= 12]
            if not idents:
                continue
            a = idents[0]
            out.append(_Finding("antisemitism", "follow_the_money", 0.6 + 0.25 * doc.L.ident_strength.get(a.sub, 0.5), (i, a.sent),
                                f"{TROPES['follow_the_money']}: '{doc.text[c.start:c.end]}' ... '{_ident_reason(doc, a)}'",
                                c.start))


def _rule_conspiracy(doc: _Doc, out: list[_Finding]) -> None:
    for i in range(len(doc.sents)):
        for c in doc.cues("conspiracy", i):
            trope = doc.L.conspiracy_trope[c.sub]
            score = doc.L.conspiracy_score[c.sub]
            if c.sub in ("follow_the_money", "money_weak") and doc.cues("ident", i, i + 1):
                score += 0.1  # the money question is answered with a named group
            if _negated(doc, max(doc.sents[i][0], c.start - 15), c.start):
                continue
            out.append(_Finding("conspiracy", trope, score, (i, i),
                                f"{CONSPIRACY_PATTERNS[trope]}: '{doc.text[c.start:c.end]}'", c.start, "conspiracy"))
            if c.sub == "false_flag" and doc.L.G.israel_false_flag.search(doc.sent_text(i)):
                out.append(_Finding("antisemitism", "orchestrate_wars", 0.8, (i, i),
                                    f"{TROPES['orchestrate_wars']}: '{doc.text[c.start:c.end]}' blamed on Israel/Jews", c.start))


# ----------------------------------------------------------------------------- counter-speech


def _suppressed(doc: _Doc, f: _Finding) -> bool:
    lo, hi = f.sents
    s0 = doc.sents[lo][0]
    s1 = doc.sents[hi][1]
    here = doc.text[s0:s1]
    nxt = doc.sent_text(hi + 1) if hi + 1 < len(doc.sents) else ""
    prv = doc.sent_text(lo - 1) if lo > 0 else ""
    endorse = doc.L.ENDORSE.search(here) or doc.L.ENDORSE.search(nxt)
    if f.counter_scope == "slur":
        if _reported(doc, here, f):
            return True
        return doc.L.SLUR_REPORT.search(here) is not None or (
            doc.L.G.slur_condemn.search(here) is not None and not endorse)
    if f.counter_scope == "holocaust":
        counter = doc.L.HOLO_COUNTER.search(here) or doc.L.ATTRIBUTION.search(here)
        if counter and doc.L.G.holo_self_denial.search(here):
            counter = None
        if not counter and doc.L.G.holo_next_counter.search(nxt):
            counter = True
        return bool(counter)
    if f.counter_scope == "protocols":
        return _reported(doc, here, f)  # forgery vs. true is decided inside the rule
    if f.counter_scope == "echo":
        # "the (((echo))) thing is a neo-Nazi marker"; "racist" alone is no counter ("(((they))) call borders racist")
        return _reported(doc, here, f) or doc.L.G.echo_counter.search(here) is not None
    if _reported(doc, here, f):
        return True
    counter = doc.L.COUNTER.search(here) or doc.L.ATTRIBUTION.search(here) or doc.L.ATTRIBUTION.search(prv[-80:])
    if not counter and prv and (doc.L.G.claim_continuation.match(here) or doc.L.G.claim_verb.search(here)):
        # "a new lie was promoted: that Jews conspired ...", "This is a trope. It suggests Jews control ..."
        counter = doc.L.COUNTER.search(prv)
    if not counter and nxt:
        m = doc.L.COUNTER.search(nxt)
        # "Some say the Jews run the banks. That's an antisemitic myth."
        if m and doc.L.G.next_refers_back.match(nxt):
            counter = m
    if not counter:
        return False
    if f.counter_scope == "conspiracy" and doc.L.G.conspiracy_label.search(counter.group()) and not \
            doc.L.G.conspiracy_label_rejected.search(here):
        return False  # "... is a conspiracy theory" alone; conspiracists say it too
    return not endorse


_QUOTED = re.compile(r"\"[^\"]{1,300}\"|'[^'\n]{3,200}'(?![a-z])")


def _reported(doc: _Doc, here: str, f: _Finding) -> bool:
    """The claim is quoted or reported ("one shouted 'the media is run by Jews'"), not asserted."""
    if _quoted_and_condemned(doc, f) or _quote_named_as_talk(doc, f.cue_at):
        return True
    if doc.L.G.reply_quote.match(doc.text, doc.sents[f.sents[0]][0]):
        return True  # a reply quoting the comment it answers ("> Juden sind Khasaren")
    if not doc.anywhere("reporting", doc.L.REPORTING):
        return False
    if _in_quote(doc, f.cue_at):
        return True
    s0, s1 = doc.sents[f.sents[0]][0], doc.sents[f.sents[1]][1]
    quoted = _in_quote(doc, f.cue_at, min_len=10)
    # a reporting verb reports what follows it ("one shouted ..."), a quote, or a claim it is postposed to
    # (", says the cleric"); "a heeb wrote that article" reports nothing
    return any(m.start() < f.cue_at or quoted or doc.L.G.postposed_report.match(doc.text, max(0, m.start() - 2), m.end())
               for m in doc.L.REPORTING.finditer(doc.text, s0, s1))


def _quote_named_as_talk(doc: _Doc, pos: int) -> bool:
    """A quoted claim labelled as talk, not asserted: "the 'Jews control the Fed' meme", "the '...' crowd"."""
    for s, e in doc.quoted_regions():
        if s <= pos < e:
            return doc.L.G.talk_noun.match(doc.text, e) is not None
    return False


def _in_quote(doc: _Doc, pos: int, min_len: int = 30) -> bool:
    """Inside quoted speech (not short scare quotes like "color revolution")."""
    marks = doc.quote_marks()
    k = bisect_right(marks, pos)  # number of '"' before pos
    if k % 2 == 1:
        close_at = marks[k] if k < len(marks) else len(doc.text)  # truncated quote
        return close_at - marks[k - 1] > min_len
    regions = doc.quoted_regions()
    j = bisect_right(regions, (pos, len(doc.text) + 1)) - 1
    return j >= 0 and regions[j][0] <= pos < regions[j][1] and regions[j][1] - regions[j][0] > min_len


def _quoted_and_condemned(doc: _Doc, f: _Finding) -> bool:
    """A quoted slur or claim in a text that condemns it elsewhere ("... with Kikes". Antisemitic rally)."""
    return _in_quote(doc, f.cue_at, min_len=10) and doc.anywhere("counter", doc.L.COUNTER)


# ----------------------------------------------------------------------------- public API


# slots scanned in every text that passed the anchor check / only next to an identity term (kind = slot name)
_ALWAYS_SLOTS = ("khazar", "holocaust", "holo_standalone", "protocols")
_IDENT_SLOTS = ("dehum", "violence", "israel_ctx", "blame", "zio_claim", "stereotype")


def _collect(doc: _Doc, antisemitism: bool) -> list[_Finding]:
    lex = doc.L
    doc.add("conspiracy", lex.CONSPIRACY, named=True)
    out: list[_Finding] = []
    if antisemitism:
        doc.add("ident", lex.IDENT, named=True)
        if "(" in doc.text:
            doc.add("ident", LX.ECHO, sub="echo")
        has_ident = doc.has("ident")
        for slot in _ALWAYS_SLOTS:
            doc.add(slot, lex.slots[slot])
        for cue in lex.own.get("standalone", ()):
            doc.add(cue.id, cue.rx)
        if doc.has("holocaust"):
            doc.add("holo_denial", lex.HOLO_DENIAL)
        if has_ident or doc.has("khazar"):
            doc.add("claim", lex.CLAIM, named=True)
            doc.add("object", lex.OBJECT, named=True)
        if has_ident:
            # cues that only count next to an identity term
            for slot in _IDENT_SLOTS:
                doc.add(slot, lex.slots[slot])
            for cue in lex.own.get("paired", ()):
                doc.add(cue.id, cue.rx)
            doc.add("nominal", lex.NOMINAL, named=True)
        if lex.control_rule == "free":
            _rule_control_free(doc, out)
        else:
            _rule_control(doc, out)
        _rule_nominal(doc, out)
        _rule_khazar(doc, out)
        _rule_holocaust(doc, out)
        for cue in lex.own.get("paired", ()):
            _rule_with_ident(doc, out, cue.id, cue.trope, cue.score, cue.window, cue.scope)
        _rule_coded_presence(doc, out)
        _rule_dehumanisation(doc, out)
        _rule_standalone(doc, out)
        _rule_protocols(doc, out)
        _rule_collective_blame(doc, out)
        _rule_zionist_code(doc, out)
        _rule_follow_money(doc, out)
        _rule_jaq(doc, out)
    _rule_conspiracy(doc, out)
    return out


def _zeros() -> dict[str, float]:
    return dict.fromkeys(FEATURE_NAMES, 0.0)


def _run(nt: NormalizedText, lex: Lexicon) -> tuple[_Doc, NormalizedText, list[_Finding]] | None:
    """One language's rules over a text, or None when its anchor pre-check says nothing can fire."""
    if lex.mask_words:
        nt = unmask(nt, lex.mask_index())
    padded = " " + nt.text
    antisemitism = lex.anchor is not None and lex.anchor.scan.search(padded) is not None
    if not antisemitism and not _has_conspiracy_cue(lex, padded):
        return None  # the common case: nothing that could start a finding
    doc = _Doc(nt, lex)
    return doc, nt, _collect(doc, antisemitism)


def analyse(nt: NormalizedText, language: str | None = None) -> tuple[list[Span], dict[str, float]]:
    """``detect`` and ``rule_features`` from one pass of the rules (the pipeline needs both for every text).

    ``language``: the comment's language ("en", "de", "ru"; a region suffix is ignored); its cues are run. None or
    a language without a cue file: the cues of every language that could be the text's (its cue file's ``hint``
    matches: its script or most common words) are run and their findings merged."""
    if not nt.text.strip():
        return [], _zeros()
    lex = LX.get(language)
    if lex is not None:
        run = _run(nt, lex)
        if run is None:
            return [], _zeros()
        doc, nt_l, findings = run
        return _spans(doc, nt_l, findings), _features(doc, findings)
    # every language whose cues could read this text (a language's ``hint``: its script or most common words; so
    # German cues do not judge English text a second time)
    runs = [r for r in (_run(nt, lx) for lx in LX.lexicons().values() if lx.hint is None or lx.hint.search(nt.text))
            if r is not None]
    if not runs:
        return [], _zeros()
    if len(runs) == 1:
        doc, nt_l, findings = runs[0]
        return _spans(doc, nt_l, findings), _features(doc, findings)
    return _merge(runs)


def _merge(runs: list[tuple[_Doc, NormalizedText, list[_Finding]]]) -> tuple[list[Span], dict[str, float]]:
    """Findings of several languages' rules over one text (English first). A finding that an earlier language's
    rules already made (same label, trope and evidence) is not counted again, so a text that only one language's
    cues read gets exactly that language's spans and features."""
    seen: set[tuple[str, str, int, int]] = set()
    spans: list[Span] = []
    feats = _zeros()
    n = 0
    for doc, nt_l, findings in runs:
        new: set[tuple[str, str, int, int]] = set()
        for f in findings:
            if f.score <= 0:
                continue
            key = (f.label, f.trope, *_evidence_range(doc, nt_l, f.sents[0], f.sents[1], f.cue_at))
            if key in seen:
                continue
            new.add(key)
            if _suppressed(doc, f):
                k = "suppressed_as" if f.label == "antisemitism" else "suppressed_cons"
                feats[k] = max(feats[k], min(f.score, 0.99))
                continue
            n += 1
            if f.label == "antisemitism":
                k = "fam_" + _FAMILY.get(f.trope, "hostile")
                feats[k] = max(feats[k], min(f.score, 0.99))
        spans += [sp for sp in _spans(doc, nt_l, findings) if (sp.label, sp.trope, sp.begin, sp.end) not in seen]
        seen |= new
    feats["n_findings"] = min(n, 3) / 3.0
    return spans, feats


def detect(nt: NormalizedText, language: str | None = None) -> list[Span]:
    """Trope / conspiracy spans in ORIGINAL-text offsets, best first within each label."""
    return analyse(nt, language)[0]


def _spans(doc: _Doc, nt: NormalizedText, findings: list[_Finding]) -> list[Span]:
    if not findings:
        return []
    best: dict[tuple[str, str, int, int], _Finding] = {}
    for f in findings:
        if f.score <= 0 or _suppressed(doc, f):
            continue
        key = (f.label, f.trope, *f.sents)
        if key not in best or best[key].score < f.score:
            best[key] = f
    spans: list[Span] = []
    for (label, trope, lo, hi), f in sorted(best.items(), key=lambda kv: (kv[0][2], -kv[1].score)):
        b, e = _evidence_range(doc, nt, lo, hi, f.cue_at)
        if e <= b:
            continue
        spans.append(Span(begin=b, end=e, label=label, score=round(min(max(f.score, 0.0), 0.99), 3),
                          reason=f.reason, trope=trope))
    return spans


def _evidence_range(doc: _Doc, nt: NormalizedText, lo: int, hi: int, cue_at: int) -> tuple[int, int]:
    s, e = doc.sents[lo][0], doc.sents[hi][1]
    if e - s > 600:  # a chunk of a wall of text: highlight around the key cue only, whole words
        text = doc.text
        ns, ne = max(s, cue_at - 200), min(e, cue_at + 200)
        while ns > s and not text[ns - 1].isspace() and cue_at - ns < 240:
            ns -= 1
        while ne < e and not text[ne].isspace() and ne - cue_at < 240:
            ne += 1
        s, e = ns, ne
    b, end = nt.to_original(s, e)
    orig = nt.original
    while b < end and orig[b].isspace():
        b += 1
    while end > b and orig[end - 1].isspace():
        end -= 1
    return b, end


def rule_scores(spans: list[Span]) -> dict[str, float]:
    """Combine span scores per label (noisy-or: independent pieces of evidence add up)."""
    miss = {"antisemitism": 1.0, "conspiracy": 1.0}
    for s in spans:
        if s.label in miss:
            miss[s.label] *= 1.0 - s.score
        if s.label == "antisemitism" and s.trope in CONSPIRATORIAL_TROPES:
            miss["conspiracy"] *= 1.0 - 0.8 * s.score
    return {k: round(min(1.0 - v, 0.99), 4) if v < 1.0 else 0.0 for k, v in miss.items()}


# ----------------------------------------------------------------------------- fusion features

# trope families for the learned fusion (data/tropes/catalogue.toml): the rules' precision differs a lot between them
_FAMILY = {t.name: t.family for t in _CATALOGUE.tropes.values()}
FAMILIES = LX.FAMILIES
FEATURE_NAMES = tuple(f"fam_{f}" for f in FAMILIES) + ("suppressed_as", "suppressed_cons", "n_findings")


def rule_features(nt: NormalizedText, language: str | None = None) -> dict[str, float]:
    """Per-family best kept antisemitism finding, and the best finding the counter-speech logic suppressed.

    A suppressed finding means the text talks about a myth while rejecting, reporting or quoting it: the strongest
    stance signal the rules have, which the sentence encoder does not read. Zeros when nothing could fire.
    """
    return analyse(nt, language)[1]


def _features(doc: _Doc, findings: list[_Finding]) -> dict[str, float]:
    out = dict.fromkeys(FEATURE_NAMES, 0.0)
    for f in findings:
        if f.score <= 0:
            continue
        if _suppressed(doc, f):
            key = "suppressed_as" if f.label == "antisemitism" else "suppressed_cons"
            out[key] = max(out[key], min(f.score, 0.99))
            continue
        out["n_findings"] += 1.0
        if f.label == "antisemitism":
            key = "fam_" + _FAMILY.get(f.trope, "hostile")
            out[key] = max(out[key], min(f.score, 0.99))
    out["n_findings"] = min(out["n_findings"], 3.0) / 3.0
    return out


def _rule_control_free(doc: _Doc, out: list[_Finding]) -> None:
    """Languages with free word order (``control_rule = "free"``: German verb-second and verb-final clauses,
    Russian): an identity term, a control / plot claim and an object inside one sentence, in any order, each
    within a few words of the claim ("Die Banken werden von den Rothschilds kontrolliert", "СМИ контролируют
    евреи"). A negation among or just before them cancels the claim; particular people ("meine jüdischen
    Freunde") are no collective subject."""
    for i in range(len(doc.sents)):
        claims = doc.cues("claim", i)
        if not claims:
            continue
        all_idents = doc.cues("ident", i)
        if not all_idents:
            continue
        s0, s1 = doc.sents[i]
        has_aux = doc.L.G.passive_aux.search(doc.text, s0, s1) is not None
        free = [a for a in all_idents if not _subgroup(doc, a)]  # not "meine jüdischen Freunde"
        # in a passive the agent is marked ("von Juden kontrolliert"); another identity term is the patient
        # ("Juden wurden in den Krieg gezogen")
        marked = [a for a in free if doc.L.G.agent_marker.search(doc.text, max(s0, a.start - 12), a.start)]
        objects = doc.cues("object", i)
        for c in claims:
            passive = has_aux and doc.L.G.participle.search(doc.text[c.start:c.end]) is not None
            idents = marked if passive else free
            strong = c.sub in doc.L.strong_claims
            # words between the claim and its object; a passive's participle comes last ("Die Menschheit wird
            # seit Jahrhunderten von einer Sekte manipuliert")
            reach = 12 if passive else 8 if strong else 6
            agents = [a for a in all_idents if _inside(a, c)] + [
                a for a in idents if abs(a.tok - c.tok) <= 12 and not _overlap(a, c)]
            if not agents:
                continue
            # the nearest identity term is the claim's subject ("я не против евреев, я против сионистов, которые
            # владеют банками")
            a = max(agents, key=lambda x: (-abs(x.tok - c.tok), doc.L.ident_strength.get(x.sub, 0.5)))
            objs = [o for o in objects if abs(o.tok - c.tok) <= reach and (not _overlap(o, c) or (
                _inside(o, c) and o.end - o.start < c.end - c.start))  # "за войной стоят", not the claim word itself
                    and not _overlap(o, a) and (strong or o.sub != "country")]
            if not objs and c.sub in doc.L.implicit_object:
                objs = [_Cue("object", "world", c.start, c.end, c.tok, c.sent)]
            if not objs:
                continue
            o = min(objs, key=lambda x: abs(x.tok - c.tok))
            lo, hi = min(a.start, c.start, o.start), max(a.end, c.end, o.end)
            if _negated(doc, max(s0, lo - 15), hi):
                continue  # "Juden kontrollieren nicht die Banken", "евреи не владеют СМИ"
            score = doc.L.ident_strength.get(a.sub, 0.5) - (0.0 if strong else 0.1)
            st = doc.sent_text(i)
            if doc.L.G.question_opener.search(st) and st.rstrip().endswith("?"):
                score -= 0.2
            trope = doc.L.object_trope[o.sub]
            who = _ident_reason(doc, a)
            out.append(_Finding("antisemitism", trope, score, (i, i),
                                f"{TROPES[trope]}: '{who}' + '{doc.text[c.start:c.end]}' + '{doc.text[o.start:o.end]}'",
                                c.start))
            if a.sub in ("soros", "globalist", "lobby"):
                out.append(_Finding("conspiracy", "hidden_orchestrator", 0.7, (i, i),
                                    f"{CONSPIRACY_PATTERNS['hidden_orchestrator']}: '{who}'", c.start))


def _overlap(x: _Cue, y: _Cue) -> bool:
    return x.start < y.end and y.start < x.end
