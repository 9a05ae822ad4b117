"""Language identification per comment (modsvc.analysis.language): accuracy on en/de/ru comments, undetermined
short texts, the majority language of mixed text, Cyrillic languages told apart, caller codes, thread safety."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from modsvc.analysis import language
from modsvc.analysis.language import UNDETERMINED, LanguageGuess, detect, normalize_code, resolve

HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "data"


def _heldout(name: str, lang: str) -> list[str]:
    rows = [json.loads(line) for line in (HELDOUT / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("language", "en") == lang and 3 <= len(r["text"].split()) <= 30]


@pytest.mark.parametrize("name, lang", [("heldout_handwritten.jsonl", "en"), ("heldout_handwritten_de.jsonl", "de"),
                                        ("heldout_handwritten_ru.jsonl", "ru")])
def test_at_least_97_percent_of_3_to_30_word_comments_identified(name, lang):
    texts = _heldout(name, lang)
    assert len(texts) > 200
    got = [g.language for g in detect(texts)]
    accuracy = sum(g == lang for g in got) / len(got)
    assert accuracy >= 0.97, (lang, accuracy, [(t[:60], g) for t, g in zip(texts, got) if g != lang][:10])
    others = {"en", "de", "ru"} - {lang}
    assert not any(g in others for g in got)  # never read as another language the model scores


def test_guesses_carry_a_code_and_a_confidence():
    guess = detect(["Das ist doch wirklich eine Frechheit, was hier geschrieben wird."])[0]
    assert guess == LanguageGuess("de", guess.confidence) and 0.5 < guess.confidence <= 1.0
    assert guess.to_dict()["language"] == "de" and guess.determined


@pytest.mark.parametrize("text", ["ok", "lol", "+1", "👍", "100%", "Thanks!", "haha", "Спасибо", "Danke", "???",
                                  "https://example.com/page", "@someone"])
def test_very_short_texts_are_undetermined(text):
    guess = detect([text])[0]
    assert guess.language == UNDETERMINED and not guess.determined


def test_mixed_text_gets_the_majority_language():
    english = ("I read the whole article twice and I still think the author is right about the gas prices, "
               "whatever the commenters below say. ")
    russian = ("Я прочитал всю статью дважды и всё равно считаю, что автор прав насчёт цен на газ, "
               "что бы ни писали комментаторы. ")
    german = "Sehr guter Artikel, danke! "
    assert detect([english + "Пошёл ты, либераст."])[0].language == "en"  # one Russian insult in English text
    assert detect(["Как сказал один американец: what a joke. " + russian])[0].language == "ru"
    assert detect([german + english])[0].language == "en"
    assert detect([english[:40] + " " + "Ich halte das für völlig falsch, die Preise steigen seit Monaten und "
                   "niemand in Berlin tut irgendetwas dagegen, das ist ein Skandal."])[0].language == "de"


def test_cyrillic_languages_told_apart_by_their_letters():
    assert detect(["Спасибо за перевод!"])[0].language in ("ru", UNDETERMINED)  # the model alone said Ukrainian
    assert detect(["Дякую за переклад, це дуже цікава стаття про ціни на газ."])[0].language == "uk"
    assert detect(["Большое спасибо за перевод, очень интересная статья про цены на газ."])[0].language == "ru"
    assert detect(["Благодаря за превода, много интересна статия за цените на газа в България."])[0].language == "bg"


def test_links_and_handles_do_not_make_a_comment_english():
    text = "@news_desk https://www.example.com/world/article-about-energy Das ist wirklich eine Frechheit!"
    assert detect([text])[0].language == "de"


def test_long_comments_are_read_in_a_sample():
    long_german = "Die Preise steigen und niemand tut etwas dagegen. " * 400  # 20,000 characters
    assert detect([long_german])[0].language == "de"


@pytest.mark.parametrize("given, code", [("de", "de"), ("DE", "de"), ("de-AT", "de"), ("pt_BR", "pt"),
                                         (" ru ", "ru"), ("und", "und"), ("", None), (None, None)])
def test_caller_codes_normalised(given, code):
    assert normalize_code(given) == code


@pytest.mark.parametrize("bad", ["x", "deutsch", "12", "e n", 5])
def test_caller_codes_that_are_no_language_refused(bad):
    with pytest.raises(ValueError):
        normalize_code(bad)


def test_resolve_acts_only_on_sure_guesses_of_unsupported_languages():
    supported = {"en", "de", "ru"}
    assert resolve(LanguageGuess("fr", 0.45), supported) == UNDETERMINED  # "Vaccines contain microchips."
    assert resolve(LanguageGuess("fr", 0.95), supported) == "fr"
    assert resolve(LanguageGuess("de", 0.31), supported) == "de"
    assert resolve(LanguageGuess(UNDETERMINED, 0.1), supported) == UNDETERMINED


def test_loaded_once_and_thread_safe(monkeypatch):
    monkeypatch.setattr(language, "_identifier", None)
    built = []
    real = language.LanguageIdentifier

    class Counting(real):
        def __init__(self, *a, **kw):
            built.append(1)
            super().__init__(*a, **kw)

    monkeypatch.setattr(language, "LanguageIdentifier", Counting)
    texts = ["The jews control the banks, everybody knows it.", "Die Juden kontrollieren angeblich die Banken.",
             "Евреи якобы контролируют все банки мира.", "ok"] * 25
    expected = [g.language for g in real().detect(texts)]
    results, errors = {}, []

    def work(n):
        try:
            results[n] = [g.language for g in language.detect(texts)]
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(built) == 1
    assert all(r == expected for r in results.values())


def test_candidate_languages_from_the_environment():
    assert language.candidate_languages({}) == language.DEFAULT_CANDIDATES
    assert language.candidate_languages({"MODSVC_LANGID_LANGUAGES": "all"}) == ()
    assert language.candidate_languages({"MODSVC_LANGID_LANGUAGES": "en, de,ru"}) == ("en", "de", "ru")
    with pytest.raises(ValueError, match="does not know"):
        language.LanguageIdentifier(candidates=("en", "xx"))
