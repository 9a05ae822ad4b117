"""Normalisation undoes evasions and every normalised range maps back to the text the user wrote."""
from __future__ import annotations

import time

import pytest

from modsvc.analysis.normalize import mask_index, normalize, unmask


def _find(nt, needle: str) -> str:
    """The original text behind the first occurrence of ``needle`` in the normalised text."""
    i = nt.text.index(needle)
    b, e = nt.to_original(i, i + len(needle))
    return nt.original[b:e]


@pytest.mark.parametrize(
    "raw, needle, evidence, flag",
    [
        ("The j00s own it", "joos", "j00s", "leetspeak"),
        ("blame the Z1onists", "zionists", "Z1onists", "leetspeak"),
        ("k1kes everywhere", "kikes", "k1kes", "leetspeak"),
        ("it's the j3ws again", "jews", "j3ws", "leetspeak"),
        ("$oros pays", "soros", "$oros", "leetspeak"),
        ("the k h a z a r s did it", "khazars", "k h a z a r s", "spaced_letters"),
        ("j.e.w.s run it", "jews", "j.e.w.s", "spaced_letters"),
        ("the J\u0435ws again", "jews", "J\u0435ws", "confusables"),  # Cyrillic е
        ("the \u0408\u0435ws again", "jews", "\u0408\u0435ws", "confusables"),  # Cyrillic Ј and е
        ("Je\u200bws run", "jews", "Je\u200bws", "zero_width"),
        ("so many jeeeeews", "jews", "jeeeeews", "repeated_letters"),
    ],
)
def test_evasions_are_undone_and_evidence_maps_back(raw, needle, evidence, flag):
    nt = normalize(raw)
    assert needle in nt.text
    assert flag in nt.flags
    assert _find(nt, needle) == evidence


def test_echo_is_flagged_and_kept():
    nt = normalize("ask who runs (((them))) lol")
    assert "echo" in nt.flags
    assert "(((them)))" in nt.text
    assert _find(nt, "(((them)))") == "(((them)))"
    assert "echo" in normalize("( ( (Goldberg) ) )").flags
    assert "echo" not in normalize("f(g(h(x))) is nested (code)").flags


def test_unicode_compatibility_forms_fold_to_plain_lowercase():
    nt = normalize("\U0001d409\U0001d41e\U0001d430\U0001d42c and \uff2a\uff25\uff37\uff33 \u201cquoted\u201d")
    assert nt.text == 'jews and jews "quoted"'
    assert _find(nt, "jews and") == "\U0001d409\U0001d41e\U0001d430\U0001d42c and"


def test_ligature_expansion_maps_to_the_single_original_char():
    nt = normalize("a \ufb01ne day")  # "ﬁ" ligature
    assert nt.text == "a fine day"
    assert _find(nt, "fine") == "\ufb01ne"
    assert _find(nt, "f") == "\ufb01"


def test_ordinary_text_is_only_lowercased_and_offsets_are_identity():
    raw = "As far as I know, 70% of the gas industry in 1965 (2nd wave) belongs to foreign companies!!!"
    nt = normalize(raw)
    assert nt.text == raw.lower()
    assert nt.offsets == tuple(range(len(raw) + 1))
    assert nt.flags == frozenset()


def test_whole_words_in_other_scripts_are_not_called_evasion():
    nt = normalize("Привет, как дела? Καλημέρα")
    assert "confusables" not in nt.flags


def test_abbreviations_and_contractions_are_not_collapsed():
    nt = normalize("I'm a U.S. citizen and it's a fine day")
    assert nt.text == "i'm a u.s. citizen and it's a fine day"
    assert "spaced_letters" not in nt.flags


def test_numbers_are_not_leetspeak():
    nt = normalize("covid19 killed 5000 people in 2020, the 3rd wave, g7 summit")
    assert "leetspeak" not in nt.flags
    assert "covid19" in nt.text


def test_offsets_contract():
    for raw in ["", "x", "J\u0435\u200bws  k h a z a r s j00s jeeeews \ufb01 (((them)))", "e\u0301cole"]:
        nt = normalize(raw)
        assert len(nt.offsets) == len(nt.text) + 1
        assert nt.offsets[-1] == len(raw)
        assert list(nt.offsets) == sorted(nt.offsets)
        assert all(0 <= o <= len(raw) for o in nt.offsets)
        b, e = nt.to_original(0, len(nt.text))
        assert nt.original[b:e].strip() == raw.strip()


def test_combining_marks_stay_attached_to_their_letter():
    nt = normalize("J\u0336e\u0336w\u0336s\u0336 rule")  # strikethrough-decorated letters
    assert nt.text.startswith("jews")
    assert _find(nt, "jews") == "J\u0336e\u0336w\u0336s\u0336"


@pytest.mark.parametrize(
    "big",
    [
        ("The J00s con\u200btrol the b a n k s!!! jeeeews (((them))) " * 20000)[:1_000_000],
        "(" * 1_000_000,
        "( " * 500_000,
        "a a " * 250_000,
        "a1" * 500_000,
        "x" * 1_000_000,
    ],
    ids=["mixed", "parens", "spaced-parens", "spaced", "leet", "one-token"],
)
def test_one_megabyte_input_is_linear(big):
    start = time.perf_counter()
    nt = normalize(big)
    assert time.perf_counter() - start < 5.0
    assert len(nt.offsets) == len(nt.text) + 1


def test_typical_comment_is_fast():
    raw = ("Good to hear from you, Andrew. What's going on has nothing to do with gas prices, "
           "it was all planned long in advance and we will see more of this soon enough. ") * 2
    normalize(raw)
    n = 300
    start = time.perf_counter()
    for _ in range(n):
        normalize(raw)
    per_call = (time.perf_counter() - start) / n
    assert per_call < 0.0003  # generous bound; typical is ~0.04 ms


# --------------------------------------------------------------------------- Cyrillic / Latin, German, Russian evasions

@pytest.mark.parametrize(
    "raw, needle, evidence, flag",
    [
        # Latin look-alikes inside a Cyrillic word become Cyrillic ...
        ("эти евpеи опять", "евреи", "евpеи", "confusables"),  # Latin p
        ("Жuды везде", "жиды", "Жuды", "confusables"),  # Latin u for и
        ("XAЗAPЫ правят", "хазары", "XAЗAPЫ", "confusables"),  # Latin X, A, P in capitals
        # ... and Cyrillic look-alikes inside a Latin word become Latin (both directions)
        ("the J\u0435ws again", "jews", "J\u0435ws", "confusables"),
        ("r\u043eth\u0455child bankers", "rothschild", "r\u043eth\u0455child", "confusables"),
        # Russian evasions: spaced letters, dots, digits, stretched letters, }|{ for ж
        ("эти ж и д ы опять", "жиды", "ж и д ы", "spaced_letters"),
        ("эти ж.и.д.ы опять", "жиды", "ж.и.д.ы", "spaced_letters"),
        ("ж u д ы везде", "жиды", "ж u д ы", "spaced_letters"),
        ("одни жид0вские банки", "жидовские", "жид0вские", "leetspeak"),
        ("жиииииды везде", "жиды", "жиииииды", "repeated_letters"),
        ("}|{идомасоны", "жидомасоны", "}|{идомасоны", "zhe_drawn"),
    ],
)
def test_script_evasions_are_undone_and_evidence_maps_back(raw, needle, evidence, flag):
    nt = normalize(raw)
    assert needle in nt.text, nt.text
    assert flag in nt.flags
    assert _find(nt, needle) == evidence


def test_whole_russian_words_stay_cyrillic_and_yo_is_ye():
    nt = normalize("Ещё раз: Хазары, Сорос и СМИ. Всё!")
    assert nt.text == "еще раз: хазары, сорос и сми. все!"
    assert nt.flags == frozenset()
    assert nt.offsets == tuple(range(len(nt.original) + 1))
    # a Latin word in a Russian sentence stays Latin
    assert normalize("это ZOG и Soros").text == "это zog и soros"


def test_mixed_word_takes_the_script_of_its_majority():
    assert normalize("сoк").text == "сок"  # Latin o between Cyrillic с and к
    assert normalize("Jеws").text == "jews"  # Cyrillic е between Latin letters
    assert normalize("жews").text == "жews"  # ж has no Latin look-alike: left as written
    assert normalize("в 2022г.").text == "в 2022г."  # digits are not letters of a year


@pytest.mark.parametrize("raw, expected", [
    ("Jüdisch", "juedisch"), ("Juedisch", "juedisch"), ("JÜDISCH", "juedisch"),
    ("Großbanken", "grossbanken"), ("Grossbanken", "grossbanken"), ("GROẞBANKEN", "grossbanken"),
    ("Ostküste", "ostkueste"), ("Ostkueste", "ostkueste"), ("Schädel", "schaedel"), ("Hörer", "hoerer"),
    ("Ju\u0308disch", "juedisch"),  # decomposed ü: u + combining diaeresis
])
def test_german_umlaut_and_sharp_s_spellings_read_the_same(raw, expected):
    nt = normalize(raw)
    assert nt.text == expected
    assert len(nt.offsets) == len(nt.text) + 1
    # the evidence of the whole word is the whole word as written
    b, e = nt.to_original(0, len(nt.text))
    assert nt.original[b:e] == raw


def test_umlaut_evidence_maps_to_the_single_original_letter():
    nt = normalize("Die Großbanken der Ostküste")
    assert _find(nt, "grossbanken") == "Großbanken"
    assert _find(nt, "ostkueste") == "Ostküste"
    assert _find(nt, "ue") == "ü"


@pytest.mark.parametrize("raw, words, expected, evidence", [
    ("Die J*den sind schuld", ("juden",), "die juden sind schuld", "J*den"),
    ("эти ж*ды везде", ("жиды", "жидов"), "эти жиды везде", "ж*ды"),
    ("эти ж@ды везде", ("жиды",), "эти жиды везде", "ж@ды"),
    ("эти е**еи везде", ("евреи",), "эти евреи везде", "е**еи"),
    ("эти жи.ды везде", ("жиды",), "эти жиды везде", "жи.ды"),
    ("эти жидо-масоны везде", ("жидомасоны",), "эти жидомасоны везде", "жидо-масоны"),
    ("Х@зары правят", ("хазары",), "хазары правят", "Х@зары"),
])
def test_masked_letters_are_filled_in_from_a_vocabulary(raw, words, expected, evidence):
    nt = unmask(normalize(raw), mask_index(words))
    assert nt.text == expected
    assert "masked_letters" in nt.flags
    word = expected.split()[1] if expected.startswith(("die", "эти")) else expected.split()[0]
    assert _find(nt, word) == evidence


def test_unmask_leaves_what_the_vocabulary_does_not_know():
    index = mask_index(("жиды", "juden"))
    for raw in ("т.е. всё", "e.g. this", "ж*пы", "the end.", "жид. Конец", "5*3=15"):
        nt = normalize(raw)
        assert unmask(nt, index) is nt
