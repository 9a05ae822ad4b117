"""Cue lexicons for the trope layer: loaded from data files, one per language, and compiled here.

The cues themselves live in ``data/tropes/<language>.toml`` (reviewable by people who know the field, each cue
with the examples it must match); the trope catalogue (reason shown to moderators, family, whether a trope is also
a conspiracy narrative) in ``data/tropes/catalogue.toml``. This module validates those files (unknown keys, bad
regexes, missing examples, unknown tropes: a clear ``LexiconError`` at load time) and compiles them into one
``Lexicon`` per language, whose attributes are what the rule engine (``tropes``) matches.

Every pattern is a regex fragment over *normalised* text (lower-case, evasions undone by ``normalize``). Fragments
of one slot are compiled together into a word-bounded alternation. Doubled letters are made tolerant (``hollywood``
also matches ``holywood``/``hollywod`` left over after collapsing stretched letters), and literal prefixes are
factored into a trie so that a long list costs little. ``subkind`` tells afterwards which group (``sub``) a match of
a grouped slot belongs to.

The slots (what the engine does with a cue) are documented at the top of ``data/tropes/en.toml``.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from types import SimpleNamespace
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "tropes"
CATALOGUE = DATA_DIR / "catalogue.toml"

_DEFAULT_WORD_CHARS = "a-z0-9"
_B = WORD_START = r"(?<![a-z0-9])"  # English word boundaries (the (((echo))) pattern, shared by all languages)
_E = r"(?![a-z0-9])"


class LexiconError(ValueError):
    """A cue file is invalid; the message names the file and the cue."""


# ----------------------------------------------------------------------------- compiling fragments


def _tolerant(fragment: str) -> str:
    # "ll" -> "l{1,2}": the normaliser collapses stretched letters, be lenient about doubles
    return re.sub(r"(?<=.)([a-z\u0430-\u044f])\1", r"\1{1,2}", fragment)  # not at the start: keeps a literal prefix


def _first_char(fragment: str) -> str | None:
    """The literal first character of a fragment, or None when it is a group, class or escape."""
    c = fragment[:1]
    if not (c.isalnum() or c in "'-/, "):
        return None
    if fragment[1:2] in ("?", "*", "{", "+"):
        return None
    return c


def _split_top(inner: str) -> list[str]:
    """Split a regex body on top-level '|' (not inside groups or classes)."""
    parts, depth, cls, start, i = [], 0, False, 0, 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\":
            i += 2
            continue
        if cls:
            cls = ch != "]"
        elif ch == "[":
            cls = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
        i += 1
    parts.append(inner[start:])
    return parts


def _expand(fragment: str, budget: int = 48) -> list[str]:
    """Distribute a leading group: "(?:the )?x" -> ["the x", "x"], "(?:a|b)c" -> ["ac", "bc"], so every
    branch starts with a literal character and can be bucketed.  Gives up (returns the fragment)
    when the group is repeated or the expansion grows too large."""
    if not fragment.startswith("(?:"):
        return [fragment]
    depth, i = 0, 0
    while i < len(fragment):
        ch = fragment[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        i += 1
    inner, rest = fragment[3:i], fragment[i + 1:]
    optional = rest.startswith("?")
    if optional:
        rest = rest[1:]
    if rest[:1] in ("*", "+", "{", "?"):
        return [fragment]
    out: list[str] = []
    for branch in _split_top(inner) + ([""] if optional else []):
        out.extend(_expand(branch + rest, budget))
        if len(out) > budget:
            return [fragment]
    return out


def _trie(frags: list[str], depth: int = 0) -> str:
    """Factor literal prefixes into a trie of alternations: at a word starting "th" the engine then
    tests one branch per distinct next character instead of every "the ..." fragment in turn."""
    buckets: dict[str, list[str]] = {}
    misc: list[str] = []
    empty = False
    for f in frags:
        if f == "":
            empty = True
            continue
        c = _first_char(f) if depth < 12 else None
        if c is None:
            misc.append(f)
        else:
            buckets.setdefault(c, []).append(f[1:])
    parts = []
    for c, rests in buckets.items():
        sub = _trie(rests, depth + 1)
        parts.append(re.escape(c) + (f"(?:{sub})" if sub else ""))
    parts += misc
    if empty:
        parts.append("")  # the shorter match comes last: longer alternatives are tried first
    if not parts or parts == [""]:
        return ""
    body = "|".join(parts)
    if not misc and buckets and len(buckets) > 1 and not empty:
        # one character-class test rejects the whole level at most positions
        body = "(?=[" + "".join(re.escape(c) for c in buckets) + "])(?:" + body + ")"
    return body


def alt(*fragments: str) -> str:
    """Alternation compiled as a trie on literal prefixes (see ``_trie``)."""
    frags = [e for f in fragments for e in _expand(_tolerant(f))]
    return "(?:" + (_trie(frags) or "") + ")"


def _literal_prefix(fragment: str) -> str:
    out = []
    for i, c in enumerate(fragment):
        if c in "()[]{}?*+|\\.^$":
            if (c in "?*" or (c == "{" and not fragment.startswith("{1,", i))) and out:
                out.pop()  # the previous char is optional
            break
        out.append(c)
    return "".join(out)


def _gate(fragments: tuple[str, ...]) -> tuple[str, ...] | None:
    """Literal prefixes one of which must occur in a text for the fragments to match at all (None: no cheap
    gate). The engine skips scans whose gate fails: a substring test is far cheaper than running a large
    alternation over the text."""
    prefixes = {_literal_prefix(e) for f in fragments for e in _expand(_tolerant(f))}
    if any(len(p) < 2 for p in prefixes):
        return None
    # short, non-redundant prefixes: fewer substring tests ("follow" covers "follow the money")
    short = sorted({p[:6] for p in prefixes}, key=len)
    kept: list[str] = []
    for p in short:
        if not any(k in p for k in kept):
            kept.append(p)
    # a long list of substring tests costs more than the scan it would save
    return tuple(kept) if len(kept) <= 12 else None


class CueRx:
    """A compiled, word-bounded cue alternation with its cheap pre-check (``gate``), its scanning variant
    (``scan``: the left word boundary becomes a consumed non-word character, so the regex engine jumps between
    word starts in C instead of trying the whole alternation at every position; used on ``" " + text``) and,
    for grouped slots, the fullmatch regex of each group (``subkind``)."""

    __slots__ = ("rx", "scan", "gate", "groups", "pattern")

    def __init__(self, body: str, word_chars: str, fragments: tuple[str, ...] | None,
                 groups: dict[str, tuple[str, ...]] | None = None, right_boundary: bool = True):
        end = f"(?![{word_chars}])" if right_boundary else ""
        self.rx = re.compile(f"(?<![{word_chars}])" + body + end)
        self.pattern = self.rx.pattern
        self.scan = re.compile(f"[^{word_chars}]" + body + end)
        self.gate = _gate(fragments) if fragments is not None else None
        self.groups = [(name, re.compile(alt(*frags))) for name, frags in groups.items()] if groups else None

    def search(self, text: str, *args):
        return self.rx.search(text, *args)

    def match(self, text: str, *args):
        return self.rx.match(text, *args)

    def finditer(self, text: str, *args):
        return self.rx.finditer(text, *args)

    def gate_open(self, text: str) -> bool:
        gate = self.gate
        return gate is None or any(p in text for p in gate)

    def subkind(self, matched: str) -> str:
        """The first group (in definition order) whose fragments match the whole matched text."""
        for name, rx in self.groups:
            if rx.fullmatch(matched):
                return name
        return self.groups[0][0]


def cue(*fragments: str, word_chars: str = _DEFAULT_WORD_CHARS) -> CueRx:
    """Word-bounded alternation of fragments."""
    return CueRx(alt(*fragments), word_chars, fragments)


def cue_pattern(groups: dict[str, tuple[str, ...]], word_chars: str = _DEFAULT_WORD_CHARS) -> CueRx:
    """One regex over all groups' fragments (a single trie: far cheaper than named groups tried in turn);
    ``CueRx.subkind`` tells afterwards which group a match belongs to."""
    all_frags = tuple(f for frags in groups.values() for f in frags)
    return CueRx(alt(*all_frags), word_chars, all_frags, groups)


# (((echo))): a symbol, not a word of any one language
ECHO = CueRx(r"(?:\(\s?){3}[^()\n]{1,60}(?:\s?\)){3}", _DEFAULT_WORD_CHARS, None, right_boundary=False)
# the pattern of a slot a language does not fill: never matches, and its gate never opens (no scan at all)
NO_CUE = CueRx(r"(?!x)x", _DEFAULT_WORD_CHARS, None)
NO_CUE.gate = ("\x00\x00",)
ECHO_STRENGTH = 0.9
_NEVER = re.compile(r"(?!x)x")  # a grammar entry a language does not define never matches


# ----------------------------------------------------------------------------- the data model

# slot -> (how its cues are compiled, fields it requires)
#   grouped:    one alternation over all cues of the slot, ``sub`` names the group a match belongs to
#   merged:     one alternation over all cues of the slot
#   own:        every cue is its own pattern and carries its trope, score and reason (standalone / paired tropes)
#   not_collective: merged, anchored to the end of the text before an identity term
SLOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ident": ("grouped", ("sub", "strength")),
    "claim": ("grouped", ("sub",)),
    "object": ("grouped", ("sub", "trope")),
    "nominal": ("grouped", ("sub", "trope")),
    "conspiracy": ("grouped", ("sub", "trope", "score")),
    "standalone": ("own", ("trope", "score")),
    "paired": ("own", ("trope", "score")),
    "not_collective": ("not_collective", ()),
    **{s: ("merged", ()) for s in (
        "khazar", "khazar_claim", "khazar_standalone", "holocaust", "holo_denial", "holo_standalone", "holo_counter",
        "dehum", "violence", "stereotype", "israel_ctx", "blame", "universal", "zio_claim", "slur_report", "hostile",
        "protocols", "prot_true", "prot_strong", "prot_false", "counter", "attribution", "endorse", "reporting",
        "pronoun_subject")},
}
CUE_KEYS = frozenset({"id", "slot", "sub", "patterns", "words", "trope", "expect", "score", "strength", "strong",
                      "agent_after", "implicit_object", "window", "scope", "reason", "examples", "not", "note"})
TOP_KEYS = frozenset({"language", "name", "word_chars", "control_rule", "macros", "anchors", "grammar", "cue",
                      "abbreviations", "mask_words", "exploit_score", "hint"})
SCOPES = frozenset({"default", "khazar", "holocaust", "slur", "echo", "protocols", "conspiracy"})
# what an example shows: a trope name (a span of that trope), or the effect of a speech cue
EXPECT_EFFECTS = frozenset({"suppressed", "suppressed_conspiracy", "no_span"})

# Sentence-level helper regexes the engine uses (compiled as written, after macro expansion). A language that
# does not define one gets a regex that never matches (the rule that needs it then does not fire).
GRAMMAR_KEYS: dict[str, str] = {
    "negation": "a negation word (search between two cues)",
    "passive_by": "passive agent marker right after a claim ('controlled by')",
    "question_opener": "a yes/no question opener at the start of a sentence",
    "prot_rebut": "a denial of the Protocols' authenticity waved away ('whether or not it's a forgery')",
    "echo_counter": "what makes a quoted (((echo))) a mention rather than a use",
    "relative": "a relative pronoun between an identity term and a claim ('Jews who run ...' is not a claim)",
    "israel_false_flag": "Israel / Jews named next to a false-flag claim",
    "predicate_gap": "what may stand between a collective subject and its blame predicate",
    "adjectival": "a word right before an adjectival participle ('state-owned', 'Nazi-controlled')",
    "participle": "a claim that can be an adjectival participle ('owned', 'run')",
    "exploit": "a denial cue that charges exploitation of the Holocaust rather than denying it (lower score)",
    "rhetorical": "a rhetorical frame that turns a negation into an assertion ('tell me Jews don't ...')",
    "temporal": "a temporal preposition before an object ('after the war' is no object of a claim)",
    "claim_verb": "a verb of saying in a sentence that reports the previous sentence's claim",
    "whq": "a wh-question word ('who controls the media?')",
    "object_relative_gap": "the gap between an object and the subject of its relative clause ('the war (that) the Jews started')",
    "subgroup_before": "a determiner that makes an identity term a few people, not the group ('my Jewish friend')",
    "subgroup_adjective": "the identity adjective whose following noun decides whether it is a subgroup ('jewish')",
    "subgroup_head": "captures the noun after that adjective",
    "ordinary_heads": "nouns after that adjective that make it particular people ('Jewish students')",
    "jaq_opener": "a 'just asking' question opener",
    "jaq_marker": "an insinuating quantifier in such a question ('so many', 'always')",
    "jaq_context_ident": "a Jewish-context word that counts as an identity term in such a question ('synagogue')",
    "jaq_not_negated": "a negation inside such a question that does not negate it ('not members of')",
    "protocols_context": "words that make a short 'protocols' cue the Protocols of the Elders of Zion",
    "protocols_title": "the original spelling of a short Protocols cue that counts as the book's title",
    "postposed_report": "a reporting verb after the claim (', says the cleric')",
    "talk_noun": "a noun after a quote that labels it as talk ('the \"...\" meme')",
    "slur_condemn": "words that condemn a slur in its sentence",
    "holo_self_denial": "the writer's own denial, which no counter-cue excuses ('I deny')",
    "holo_next_counter": "the next sentence calling the denial wrong",
    "claim_continuation": "a sentence that continues the previous sentence's description of a claim",
    "next_refers_back": "the start of a next sentence that refers back to the claim ('That is a myth')",
    "conspiracy_label": "a counter cue that only names a conspiracy theory",
    "conspiracy_label_rejected": "words that make such a label a rejection",
    "denial_negative_start": "a denial cue that is itself negative ('never happened')",
    "denial_negated_happen": "a negated 'happen' that is denial, not its negation",
    "victim_gap": "a passive / victim auxiliary between an identity term and a blame word ('Jews were murdered')",
    "universal_ident": "a universal determiner before an identity term ('all Jews')",
    "blame_words": "blame words that make a collective-blame claim without an Israel context",
    "zionist_not_person": "a 'zionist' identity match that names an ideology, not people ('zionism')",
    "zionist_exclude_before": "words before 'Zionists' that make it a different group ('Christian Zionists')",
    "khazar_strong": "a Khazar term that on its own is mostly used by the myth ('Khazarian')",
    "reply_quote": "a sentence that quotes the comment it answers ('> ...'): reported, not asserted",
    "passive_aux": "free word order: a passive auxiliary in the sentence ('wurden'); an identity term not marked as the agent is then the patient",
    "agent_marker": "free word order: what marks the agent of a passive right before the identity term ('von den', 'durch')",
}
CONTROL_RULES = frozenset({"ordered", "free"})


@dataclass
class Cue:
    """One reviewed entry of a cue file."""

    id: str
    slot: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    not_: tuple[str, ...] = ()
    sub: str = ""
    trope: str = ""
    expect: str = ""
    score: float = 0.0
    strength: float = 0.0
    strong: bool = False
    agent_after: bool = False
    implicit_object: bool = False
    window: int = 0
    scope: str = "default"
    reason: str = ""
    note: str = ""
    rx: CueRx | None = None  # "own" slots: the cue's own compiled pattern
    example_expect: dict[str, str] = field(default_factory=dict)  # example text -> its own expected effect

    @property
    def effect(self) -> str:
        """What an example must show (``expect`` or else the cue's trope)."""
        return self.expect or self.trope

    def effect_of(self, example: str) -> str:
        return self.example_expect.get(example) or self.effect


@dataclass
class Trope:
    name: str
    reason: str
    family: str
    label: str = "antisemitism"
    conspiratorial: bool = False


@dataclass
class Lexicon:
    """The compiled cues of one language."""

    language: str
    name: str
    path: Path
    word_chars: str
    control_rule: str
    cues: list[Cue]
    grammar: dict[str, re.Pattern[str]]
    abbreviations: frozenset[str]
    mask_words: tuple[str, ...]
    exploit_score: float
    hint: re.Pattern[str] | None = None  # language unknown: run these cues only on texts this matches
    slots: dict[str, CueRx | re.Pattern[str]] = field(default_factory=dict)
    own: dict[str, list[Cue]] = field(default_factory=dict)  # "standalone" / "paired" cues, in file order
    ident_strength: dict[str, float] = field(default_factory=dict)
    strong_claims: frozenset[str] = frozenset()
    agent_after: frozenset[str] = frozenset()
    implicit_object: frozenset[str] = frozenset()
    object_trope: dict[str, str] = field(default_factory=dict)
    nominal_trope: dict[str, str] = field(default_factory=dict)
    conspiracy_score: dict[str, float] = field(default_factory=dict)
    conspiracy_trope: dict[str, str] = field(default_factory=dict)
    anchor: CueRx | None = None
    digest: str = ""
    _mask_index: dict | None = None

    def __post_init__(self):
        # grammar entries as attributes (lex.G.negation), the ones this language does not define never match
        self.G = SimpleNamespace(**{k: self.grammar.get(k, _NEVER) for k in GRAMMAR_KEYS})

    def mask_index(self) -> dict[int, tuple[str, ...]]:
        """The vocabulary that fills in masked letters (``normalize.unmask``)."""
        if self._mask_index is None:
            from .normalize import mask_index

            self._mask_index = mask_index(self.mask_words)
        return self._mask_index

    def cue_rx(self, c: Cue) -> CueRx:
        """A cue's own fragments, compiled as its slot compiles them (for tests and reviewers)."""
        if c.rx is not None:
            return c.rx
        return cue(*c.patterns, word_chars=self.word_chars)


def _expand_macros(s: str, macros: dict[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in macros:
            raise LexiconError(f"{where}: unknown macro <<{key}>> (define it under [macros])")
        return macros[key]
    return re.sub(r"<<(\w+)>>", sub, s)


def _check_regex(rx: str, where: str) -> None:
    try:
        re.compile(rx)
    except re.error as exc:
        raise LexiconError(f"{where}: bad regex {rx!r}: {exc}") from None


def _german_spelling(fragment: str) -> str:
    """Cue fragments are written in ordinary German spelling; the normaliser writes ä/ö/ü as ae/oe/ue and ß as ss,
    so the fragments are matched in that form too ("Jüdisch" and "Juedisch" both read "juedisch")."""
    return (fragment.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
            .replace("Ä", "ae").replace("Ö", "oe").replace("Ü", "ue"))


@dataclass
class Catalogue:
    tropes: dict[str, Trope]  # antisemitism tropes
    conspiracy: dict[str, Trope]  # conspiracy patterns

    def knows(self, name: str) -> bool:
        return name in self.tropes or name in self.conspiracy


def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path.name}: {exc}") from None
    unknown = set(data) - {"trope", "conspiracy"}
    if unknown:
        raise LexiconError(f"{path.name}: unknown tables {sorted(unknown)}")
    out = Catalogue({}, {})
    for label, key, table in (("antisemitism", "trope", out.tropes), ("conspiracy", "conspiracy", out.conspiracy)):
        for name, t in data.get(key, {}).items():
            where = f"{path.name}: [{key}.{name}]"
            unknown = set(t) - {"reason", "family", "conspiratorial"}
            if unknown:
                raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
            if not t.get("reason"):
                raise LexiconError(f"{where}: missing 'reason'")
            if label == "antisemitism" and t.get("family") not in FAMILIES:
                raise LexiconError(f"{where}: 'family' must be one of {FAMILIES}")
            table[name] = Trope(name, t["reason"], t.get("family", ""), label, bool(t.get("conspiratorial", False)))
    return out


FAMILIES = ("plot", "denial", "hostile", "coded", "israel")


def load(path: Path, catalogue: Catalogue | None = None) -> Lexicon:
    """Read, validate and compile one language's cue file."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    fname = path.name
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{fname}: not valid TOML: {exc}") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise LexiconError(f"{fname}: unknown top-level keys {sorted(unknown)}")
    language = data.get("language")
    if language != path.stem:
        raise LexiconError(f"{fname}: 'language' must be {path.stem!r} (the file name), got {language!r}")
    word_chars = data.get("word_chars", _DEFAULT_WORD_CHARS)
    control_rule = data.get("control_rule", "ordered")
    if control_rule not in CONTROL_RULES:
        raise LexiconError(f"{fname}: control_rule must be one of {sorted(CONTROL_RULES)}")
    macros = dict(data.get("macros", {}))
    macros.setdefault("B", f"(?<![{word_chars}])")
    macros.setdefault("E", f"(?![{word_chars}])")
    spell = _german_spelling if language == "de" else (lambda s: s)

    grammar: dict[str, re.Pattern[str]] = {}
    for key, val in data.get("grammar", {}).items():
        where = f"{fname}: [grammar] {key}"
        if key not in GRAMMAR_KEYS:
            raise LexiconError(f"{where}: unknown grammar entry (known: {', '.join(sorted(GRAMMAR_KEYS))})")
        if isinstance(val, list):  # a word list: any of the words, whole
            val = "(?:" + "|".join(spell(_expand_macros(w, macros, where)) for w in val) + ")"
        rx = spell(_expand_macros(val, macros, where))
        _check_regex(rx, where)
        grammar[key] = re.compile(rx)

    cues: list[Cue] = []
    seen: set[str] = set()
    for i, c in enumerate(data.get("cue", [])):
        cid = c.get("id") or f"#{i + 1}"
        where = f"{fname}: cue {cid!r}"
        unknown = set(c) - CUE_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        if not c.get("id"):
            raise LexiconError(f"{where}: missing 'id'")
        if cid in seen:
            raise LexiconError(f"{where}: duplicate id")
        seen.add(cid)
        slot = c.get("slot")
        if slot not in SLOTS:
            raise LexiconError(f"{where}: unknown slot {slot!r} (known: {', '.join(sorted(SLOTS))})")
        _, required = SLOTS[slot]
        for key in required:
            if key not in c:
                raise LexiconError(f"{where}: slot {slot!r} needs {key!r}")
        pats = [spell(_expand_macros(p, macros, where)) for p in c.get("patterns", [])]
        pats += [re.escape(spell(w)).replace("\\ ", " ") for w in c.get("words", [])]
        if not pats:
            raise LexiconError(f"{where}: no 'patterns' or 'words'")
        for p in pats:
            _check_regex(f"(?<![{word_chars}])" + alt(p) + f"(?![{word_chars}])", f"{where}: pattern {p!r}")
        examples, example_expect = [], {}
        for e in c.get("examples") or ():
            if isinstance(e, dict):  # { text = "...", expect = "control_media" }: this example shows another effect
                if set(e) - {"text", "expect"} or not isinstance(e.get("text"), str):
                    raise LexiconError(f"{where}: an example table has 'text' and 'expect' only, got {sorted(e)}")
                exp = e.get("expect", "")
                if exp and not catalogue.knows(exp) and exp not in EXPECT_EFFECTS:
                    raise LexiconError(f"{where}: example 'expect' {exp!r} is no trope or effect")
                if exp:
                    example_expect[e["text"]] = exp
                e = e["text"]
            if isinstance(e, str) and e.strip():
                examples.append(e)
            else:
                examples = []
                break
        if not examples:
            raise LexiconError(f"{where}: needs at least one example text it must match ('examples')")
        not_ = c.get("not", [])
        if not all(isinstance(e, str) and e.strip() for e in not_):
            raise LexiconError(f"{where}: 'not' must be a list of texts")
        trope, expect = c.get("trope", ""), c.get("expect", "")
        known = catalogue.conspiracy if slot == "conspiracy" else catalogue.tropes
        if trope and trope not in known:
            raise LexiconError(f"{where}: unknown trope {trope!r} (add it to catalogue.toml)")
        if expect and not catalogue.knows(expect) and expect not in EXPECT_EFFECTS:
            raise LexiconError(f"{where}: 'expect' must be a trope or one of {sorted(EXPECT_EFFECTS)}")
        if not (trope or expect):
            raise LexiconError(f"{where}: needs 'trope' or 'expect' (what its examples must show)")
        scope = c.get("scope", "default")
        if scope not in SCOPES:
            raise LexiconError(f"{where}: unknown scope {scope!r} (known: {sorted(SCOPES)})")
        for key in ("score", "strength"):
            if key in c and not (isinstance(c[key], (int, float)) and 0 < c[key] < 1):
                raise LexiconError(f"{where}: {key!r} must be a number between 0 and 1")
        cues.append(Cue(
            id=cid, slot=slot, patterns=tuple(pats), examples=tuple(examples), not_=tuple(not_), sub=c.get("sub", ""),
            example_expect=example_expect,
            trope=trope, expect=expect, score=float(c.get("score", 0.0)), strength=float(c.get("strength", 0.0)),
            strong=bool(c.get("strong", False)), agent_after=bool(c.get("agent_after", False)),
            implicit_object=bool(c.get("implicit_object", False)), window=int(c.get("window", 0)), scope=scope,
            reason=c.get("reason", ""), note=c.get("note", "")))

    hint = None
    if "hint" in data:
        hint_rx = spell(_expand_macros(data["hint"], macros, f"{fname}: hint"))
        _check_regex(hint_rx, f"{fname}: hint")
        hint = re.compile(hint_rx)
    lex = Lexicon(language=language, name=data.get("name", language), path=path, word_chars=word_chars, hint=hint,
                  control_rule=control_rule, cues=cues, grammar=grammar,
                  abbreviations=frozenset(data.get("abbreviations", [])),
                  mask_words=tuple(spell(w) for w in data.get("mask_words", [])),
                  exploit_score=float(data.get("exploit_score", 0.6)))
    _compile(lex, data, macros, fname, spell)
    lex.digest = hashlib.sha1(raw_bytes).hexdigest()[:10]
    return lex


# slots whose cues can start an antisemitism finding on their own (a derived anchor covers them)
_TRIGGER_SLOTS = ("ident", "khazar", "holocaust", "holo_standalone", "standalone", "protocols", "nominal")


def _compile(lex: Lexicon, data: dict, macros: dict[str, str], fname: str, spell) -> None:
    wc = lex.word_chars
    grouped: dict[str, dict[str, list[str]]] = {}
    merged: dict[str, list[str]] = {}
    for c in lex.cues:
        mode = SLOTS[c.slot][0]
        if mode == "grouped":
            grouped.setdefault(c.slot, {}).setdefault(c.sub, []).extend(c.patterns)
        elif mode == "own":
            c.rx = cue(*c.patterns, word_chars=wc)
            lex.own.setdefault(c.slot, []).append(c)
        else:
            merged.setdefault(c.slot, []).extend(c.patterns)
        where = f"{fname}: cue {c.id!r}"
        if c.slot == "ident":
            prev = lex.ident_strength.setdefault(c.sub, c.strength)
            if prev != c.strength:
                raise LexiconError(f"{where}: ident sub {c.sub!r} has two strengths ({prev} and {c.strength})")
        elif c.slot == "claim":
            if c.strong:
                lex.strong_claims |= {c.sub}
            if c.agent_after:
                lex.agent_after |= {c.sub}
            if c.implicit_object:
                lex.implicit_object |= {c.sub}
        elif c.slot in ("object", "nominal", "conspiracy"):
            table = {"object": lex.object_trope, "nominal": lex.nominal_trope, "conspiracy": lex.conspiracy_trope}[c.slot]
            if table.setdefault(c.sub, c.trope) != c.trope:
                raise LexiconError(f"{where}: {c.slot} sub {c.sub!r} maps to two tropes")
            if c.slot == "conspiracy":
                lex.conspiracy_score[c.sub] = c.score
    lex.ident_strength.setdefault("echo", ECHO_STRENGTH)
    for slot, (mode, _) in SLOTS.items():
        if mode == "grouped":
            groups = grouped.get(slot)
            lex.slots[slot] = cue_pattern({k: tuple(v) for k, v in groups.items()}, word_chars=wc) if groups else NO_CUE
        elif mode == "merged":
            frags = merged.get(slot)
            lex.slots[slot] = cue(*frags, word_chars=wc) if frags else NO_CUE
        elif mode == "not_collective":
            frags = merged.get(slot)
            lex.slots[slot] = re.compile(alt(*frags) + r" $") if frags else _NEVER
    for slot, rx in lex.slots.items():
        setattr(lex, slot.upper(), rx)  # slot patterns read like module constants: lex.IDENT, lex.HOLO_DENIAL ...

    anchors = data.get("anchors", {})
    unknown = set(anchors) - {"stems"}
    if unknown:
        raise LexiconError(f"{fname}: [anchors] unknown keys {sorted(unknown)}")
    if "stems" in anchors:
        stems = [spell(_expand_macros(s, macros, f"{fname}: [anchors]")) for s in anchors["stems"]]
        body = "(?:" + "|".join(stems) + ")"
        _check_regex(body, f"{fname}: [anchors] stems")
    else:
        body = _derived_anchor(lex)
    lex.anchor = CueRx(body, wc, None, right_boundary=False) if body else None


def _derived_anchor(lex: Lexicon) -> str:
    """Stems that any antisemitism finding of this language needs: the literal prefixes (at most six
    characters) of every cue that can start a finding; a fragment without a literal prefix of four characters
    takes part whole."""
    stems: list[str] = []
    for c in lex.cues:
        if c.slot not in _TRIGGER_SLOTS:
            continue
        for f in c.patterns:
            for e in _expand(_tolerant(f)):
                p = _literal_prefix(e)
                stems.append(re.escape(p[:6]) if len(p) >= 4 else e)
    stems.append(r"\(\s?\(\s?\(")  # (((echo)))
    return "(?:" + "|".join(dict.fromkeys(stems)) + ")"


# ----------------------------------------------------------------------------- all languages

_CACHE: dict[str, object] = {}


def catalogue() -> Catalogue:
    cat = _CACHE.get("catalogue")
    if cat is None:
        cat = _CACHE["catalogue"] = load_catalogue()
    return cat  # type: ignore[return-value]


def lexicons() -> dict[str, Lexicon]:
    """Every language's lexicon, English first (loaded once)."""
    lx = _CACHE.get("lexicons")
    if lx is None:
        cat = catalogue()
        paths = sorted(DATA_DIR.glob("*.toml"), key=lambda p: (p.stem != "en", p.stem))
        lx = _CACHE["lexicons"] = {p.stem: load(p, cat) for p in paths if p.name != CATALOGUE.name}
    return lx  # type: ignore[return-value]


def get(language: str | None) -> Lexicon | None:
    """The lexicon of a language ("de", "de-AT", "DE" all give German), or None when there is none."""
    if not language:
        return None
    return lexicons().get(language.strip().lower().replace("_", "-").split("-")[0])


def version() -> str:
    """A digest of every cue file (part of the rules' version: a changed cue re-scores stored comments)."""
    h = hashlib.sha1(CATALOGUE.read_bytes())
    for lang, lex in lexicons().items():
        h.update(lang.encode() + lex.digest.encode())
    return h.hexdigest()[:10]
