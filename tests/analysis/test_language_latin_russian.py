"""Russian written in Latin letters is identified as Russian and scored in Cyrillic, its evidence shown on the
text as written; English and German (short comments too) are never taken for it."""
from __future__ import annotations

import pytest

from modsvc.analysis.language import detect
from modsvc.analysis.translit import to_cyrillic

LATIN_RUSSIAN = [
    "zhidy pravyat mirom, vse SMI u nikh v rukakh",
    "eto vse masony i rotshildy",
    "Rotshildy vladeyut vsemi bankami mira",
    "Da ty voobshche nichego ne ponimaesh, idiot",
    "Kakoy zhe ty tupoy, azh stydno za tebya",
    "Evrei opyat vo vsem vinovaty, kak vsegda",
    "ya dumayu chto eto pravda, vse znayut kto upravlyaet bankami",
]
ENGLISH = [
    "Great article, thanks for writing it.", "I disagree with the mayor on this one.", "lol no", "So true!",
    "The Rothschilds own every bank, wake up people", "I haet immigrants.", "my name is ollie bitch",
    "nah bro ur wrong", "Typical globalist nonsense from this paper", "Da real MVP right here",
    "Zionists control the media and the government", "Ja, that is exactly what I meant.", "Privet to you too, Ivan!",
]
GERMAN = [
    "Das ist doch eine Frechheit, was hier geschrieben wird.", "Ja, genau so ist es.", "Na ja, mal sehen.",
    "Die Zinsen bleiben wohl noch lange hoch.", "So ein Quatsch!", "Danke für den Artikel, sehr gut recherchiert.",
    "Die Juden steuern die Banken, das weiß doch jeder.", "Wer hat das denn bezahlt?", "Alles Lügenpresse hier",
]


@pytest.mark.parametrize("text", LATIN_RUSSIAN)
def test_russian_in_latin_letters_is_identified_as_russian(text):
    guess = detect([text])[0]
    assert (guess.language, guess.transliterated) == ("ru", True), guess


@pytest.mark.parametrize("text, language", [(t, "en") for t in ENGLISH] + [(t, "de") for t in GERMAN])
def test_english_and_german_comments_are_not_taken_for_russian(text, language):
    guess = detect([text])[0]
    # "und" (too little to tell, scored as supported) is what slang and very short comments got before: fine
    assert guess.language in (language, "und") and not guess.transliterated, guess


def test_the_cyrillic_reading_maps_back_to_the_letters_it_came_from():
    text = "Shchuka, ZHIDY i rotshil'dy"
    reading = to_cyrillic(text)
    assert reading.text == "Щука, ЖИДЫ и ротшильды"
    begin = reading.text.index("ЖИДЫ")
    assert text[slice(*reading.to_original(begin, begin + 4))] == "ZHIDY"
    begin = reading.text.index("ротшильды")
    assert text[slice(*reading.to_original(begin, len(reading.text)))] == "rotshil'dy"


def test_the_pipeline_scores_the_cyrillic_reading_and_shows_evidence_on_the_original(analyzer):
    """The Russian trope rules read "жиды правят миром"; the span a reviewer sees covers the Latin words."""
    from test_pipeline import _Knows

    from modsvc.analysis.pipeline import Analyzer

    text = "Nu vot opyat. zhidy pravyat mirom, vse SMI u nikh v rukakh"
    result = Analyzer(_Knows(analyzer.backend, {"en", "de", "ru"})).analyze_one(text)
    assert result.language == "ru" and result.language_supported
    assert any("Latin letters" in w for w in result.warnings)
    rule_spans = [s for s in result.spans if s.trope]
    assert rule_spans, result.spans
    for span in result.spans:
        assert 0 <= span.begin < span.end <= len(text)
    assert "zhidy pravyat mirom" in text[rule_spans[0].begin:rule_spans[0].end]
    assert result.scores["antisemitism"] > 0.5


def test_russian_in_latin_letters_given_as_russian_by_the_caller_is_read_in_cyrillic_too(analyzer):
    """A platform that knows its comments are Russian says so (``language: "ru"``); Latin letters are still read."""
    from test_pipeline import _Knows

    from modsvc.analysis.pipeline import Analyzer

    text = "zhidy pravyat mirom"  # too short to identify on its own
    result = Analyzer(_Knows(analyzer.backend, {"en", "de", "ru"})).analyze_one(text, language="ru")
    assert result.language == "ru"
    assert any("Latin letters" in w for w in result.warnings)
    assert {text[s.begin:s.end] for s in result.spans if s.trope} == {"zhidy pravyat mirom"}
    assert all("жид" not in s.reason for s in result.spans)  # the reason quotes what the writer typed
    assert "'zhidy" in result.decision.reason
    cyrillic = Analyzer(_Knows(analyzer.backend, {"en", "de", "ru"})).analyze_one("жиды правят миром", language="ru")
    assert not any("Latin letters" in w for w in cyrillic.warnings)
