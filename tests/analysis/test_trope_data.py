"""The cue files (modsvc/analysis/data/tropes/*.toml): every cue matches its examples through the real normaliser
and rules, and not its look-alikes; the loader rejects broken files with a message naming the file and the cue."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from modsvc.analysis import lexicon as LX
from modsvc.analysis.normalize import normalize, unmask
from modsvc.analysis.tropes import analyse

LEXICONS = LX.lexicons()
CATALOGUE = LX.catalogue()
CUES = [(lang, c) for lang, lex in LEXICONS.items() for c in lex.cues]


def _effect(lang: str, c: LX.Cue, text: str) -> tuple[bool, str]:
    """Does ``text`` show the cue's effect (a span of its trope, or the effect named by ``expect``)?"""
    spans, feats = analyse(normalize(text), lang)
    seen = f"spans {[(s.label, s.trope, s.score) for s in spans]}, features {feats}"
    want = c.effect_of(text)
    anti = [s for s in spans if s.label == "antisemitism"]
    if want == "suppressed":
        return feats["suppressed_as"] > 0 and not anti, seen
    if want == "suppressed_conspiracy":
        return feats["suppressed_cons"] > 0 and not [s for s in spans if s.label == "conspiracy"], seen
    if want == "no_span":
        return not anti, seen
    label = "conspiracy" if c.slot == "conspiracy" and want in CATALOGUE.conspiracy else "antisemitism"
    return any(s.trope == want and s.label == label for s in spans), seen


def _normalised(lex: LX.Lexicon, text: str) -> str:
    return unmask(normalize(text), lex.mask_index()).text


def test_every_language_has_a_cue_file():
    assert {"en", "de", "ru"} <= set(LEXICONS)
    for lex in LEXICONS.values():
        assert lex.cues and lex.anchor is not None


@pytest.mark.parametrize("lang, c", CUES, ids=[f"{lang}:{c.id}" for lang, c in CUES])
def test_cue_matches_its_examples_and_not_its_lookalikes(lang, c):
    lex = LEXICONS[lang]
    rx = lex.cue_rx(c)
    for text in c.examples:
        norm = _normalised(lex, text)
        assert rx.search(norm), (f"{lex.path.name}: cue {c.id!r}: none of its patterns matches its example {text!r} "
                                 f"(normalised: {norm!r})")
        ok, seen = _effect(lang, c, text)
        assert ok, f"{lex.path.name}: cue {c.id!r}: example {text!r} should give {c.effect_of(text)!r}; got {seen}"
    for text in c.not_:
        ok, seen = _effect(lang, c, text)
        assert not ok, f"{lex.path.name}: cue {c.id!r}: look-alike {text!r} must not give {c.effect!r}; got {seen}"


NEW_LANGUAGE_CUES = [(lang, c) for lang, c in CUES if lang != "en"]


@pytest.mark.parametrize("lang, c", NEW_LANGUAGE_CUES, ids=[f"{lang}:{c.id}" for lang, c in NEW_LANGUAGE_CUES])
def test_every_pattern_of_a_new_language_cue_has_an_example(lang, c):
    """German and Russian cues were written with their examples: each pattern is shown by one of them. (The
    English cue lists were moved from code as they were; each English cue has examples, not each pattern.)"""
    lex = LEXICONS[lang]
    norms = [_normalised(lex, t) for t in c.examples]
    for p in c.patterns:
        rx = LX.cue(p, word_chars=lex.word_chars)
        assert any(rx.search(n) for n in norms), f"{lex.path.name}: cue {c.id!r}: no example shows pattern {p!r}"


# --------------------------------------------------------------------------- the loader refuses broken files

GOOD_CUE = """
[[cue]]
id = "x"
slot = "standalone"
trope = "zog"
score = 0.9
patterns = ['zog']
examples = ["We live under ZOG."]
"""


def _write(tmp_path: Path, body: str, name: str = "xx.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return p


def test_a_valid_file_loads(tmp_path):
    lex = LX.load(_write(tmp_path, 'language = "xx"\n' + GOOD_CUE), CATALOGUE)
    assert [c.id for c in lex.cues] == ["x"] and lex.own["standalone"][0].rx.search("under zog")


def test_a_language_with_few_cues_runs_through_every_rule(tmp_path):
    """Slots a file leaves empty never match; the engine runs all its rules without them."""
    from modsvc.analysis import tropes

    lex = LX.load(_write(tmp_path, 'language = "xx"\n' + GOOD_CUE), CATALOGUE)
    doc, _, findings = tropes._run(normalize("We live under ZOG. Who controls the banks? (((They))) do."), lex)
    assert [f.trope for f in findings] == ["zog", "coded_echo"]
    assert tropes._run(normalize("Nothing to see here."), lex) is None


@pytest.mark.parametrize("body, message", [
    (GOOD_CUE.replace('score = 0.9', 'score = 0.9\ncolour = "red"'), "cue 'x': unknown keys ['colour']"),
    (GOOD_CUE.replace("['zog']", "['zog(']"), "cue 'x': pattern 'zog(': bad regex"),
    (GOOD_CUE.replace('examples = ["We live under ZOG."]', ""), "cue 'x': needs at least one example"),
    (GOOD_CUE.replace('examples = ["We live under ZOG."]', "examples = []"), "cue 'x': needs at least one example"),
    (GOOD_CUE.replace('trope = "zog"', 'trope = "zogg"'), "cue 'x': unknown trope 'zogg'"),
    (GOOD_CUE.replace('slot = "standalone"', 'slot = "nowhere"'), "cue 'x': unknown slot 'nowhere'"),
    (GOOD_CUE.replace('score = 0.9', ''), "cue 'x': slot 'standalone' needs 'score'"),
    (GOOD_CUE.replace('score = 0.9', 'score = 9'), "cue 'x': 'score' must be a number between 0 and 1"),
    (GOOD_CUE + GOOD_CUE, "cue 'x': duplicate id"),
    (GOOD_CUE.replace("patterns = ['zog']", ""), "cue 'x': no 'patterns' or 'words'"),
    (GOOD_CUE.replace("['zog']", "['<<nope>>']"), "cue 'x': unknown macro <<nope>>"),
    (GOOD_CUE.replace('examples = ["We live under ZOG."]', 'examples = [{ text = "ZOG.", expect = "zogg" }]'),
     "cue 'x': example 'expect' 'zogg' is no trope or effect"),
    ("[grammar]\nnegaton = 'not'\n" + GOOD_CUE, "[grammar] negaton: unknown grammar entry"),
    ("[grammar]\nnegation = '(not'\n" + GOOD_CUE, "[grammar] negation: bad regex"),
    ("colour = 1\n" + GOOD_CUE, "unknown top-level keys ['colour']"),
])
def test_a_broken_file_is_refused_naming_file_and_cue(tmp_path, body, message):
    path = _write(tmp_path, 'language = "xx"\n' + body)
    with pytest.raises(LX.LexiconError) as err:
        LX.load(path, CATALOGUE)
    assert str(err.value).startswith("xx.toml: ") and message in str(err.value), str(err.value)


def test_language_must_match_the_file_name(tmp_path):
    with pytest.raises(LX.LexiconError, match="'language' must be 'xx'"):
        LX.load(_write(tmp_path, 'language = "de"\n' + GOOD_CUE), CATALOGUE)


def test_not_valid_toml_is_refused(tmp_path):
    with pytest.raises(LX.LexiconError, match="xx.toml: not valid TOML"):
        LX.load(_write(tmp_path, 'language = "xx"\n[[cue]\n'), CATALOGUE)


# --------------------------------------------------------------------------- language selection

def test_language_argument_selects_the_cue_file():
    de = normalize("Das Finanzjudentum beherrscht die Welt.")
    assert any(s.trope == "control_finance" for s in analyse(de, "de")[0])
    assert any(s.trope == "control_finance" for s in analyse(de, "de-AT")[0])  # region suffix ignored
    assert analyse(de, "en")[0] == []  # English cues do not read German
    assert analyse(de)[0] == analyse(de, "de")[0]  # unknown language: every language's cues
    assert analyse(de, "fr")[0] == analyse(de, "de")[0]
    ru = normalize("Жидомасоны правят миром.")
    assert analyse(ru, "ru")[0] and analyse(ru, "en")[0] == [] and analyse(ru, "de")[0] == []
    assert analyse(ru)[0] == analyse(ru, "ru")[0]


def test_rules_version_covers_the_cue_files():
    from modsvc.analysis import tropes

    assert len(tropes.RULES_VERSION) == 10 and LX.version() and set(tropes.languages()) >= {"en", "de", "ru"}
