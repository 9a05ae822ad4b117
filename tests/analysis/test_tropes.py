"""The explainable trope layer: what a moderator sees (spans, tropes, scores) for real phrasings."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from modsvc.analysis import tropes
from modsvc.analysis.normalize import normalize
from modsvc.analysis.tropes import CONSPIRACY_PATTERNS, TROPES, detect, rule_scores
from modsvc.analysis.types import LABELS

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds/000_14b138b21b3c6e77.txt"
HANDWRITTEN = REPO / "training/data/handwritten_train.jsonl"


def spans_of(text: str):
    return detect(normalize(text))


def as_score(text: str) -> float:
    return rule_scores(spans_of(text))["antisemitism"]


def evidence(text: str, span) -> str:
    return text[span.begin:span.end]


# --------------------------------------------------------------------------- the seed thread

def _seed_comment(start: str, end: str) -> str:
    raw = SEED.read_text(encoding="utf-8")
    i = raw.index(start)
    return raw[i:raw.index(end, i)].strip()


def test_seed_khazar_reply_is_caught_with_spans_on_the_claim_sentences():
    text = _seed_comment("Good to hear from you, Andrew", "The responsibility was taken")
    spans = spans_of(text)
    anti = [s for s in spans if s.label == "antisemitism"]
    khazar = [s for s in anti if s.trope == "khazar_myth"]
    assert khazar, spans
    ev = evidence(text, khazar[0])
    assert ev.startswith("My guess is, the Ashkenazim in the USA")
    assert "Khazar city of Sarkel" in ev
    assert khazar[0].score >= 0.8
    # the follow-the-money question answered with a Jewish group
    money = [s for s in anti if s.trope == "follow_the_money"]
    assert money and evidence(text, money[0]).startswith("Always ask, where does the money come from?")
    assert "Ashkenazim" in evidence(text, money[0])
    # and the conspiracy angle: money question and "color revolution"
    cons = {s.trope: evidence(text, s) for s in spans if s.label == "conspiracy"}
    assert cons["follow_the_money"] == "Always ask, where does the money come from?"
    assert "color revolution" in cons["hidden_orchestrator"]
    scores = rule_scores(spans)
    assert scores["antisemitism"] >= 0.9 and scores["conspiracy"] >= 0.7
    # nothing flagged in the harmless opening sentences
    assert not any(s.begin < text.index("Always ask") for s in anti)


def test_seed_zionist_sentence_gets_its_own_span():
    text = _seed_comment("No disrespect, Andrew", "Oh, ok.")
    anti = [s for s in spans_of(text) if s.label == "antisemitism"]
    assert [evidence(text, s) for s in anti] == [
        "Sadly, the Zionists are into apocalyptic end-times craziness, nothing like that in Russia."]
    assert anti[0].trope == "zionist_code"
    assert anti[0].score >= 0.5


@pytest.mark.parametrize("start, end", [
    ("As far as I know, 70% of the gas industry", "I watched this meeting"),
    ("Oh, ok. If I", "3. As far as I know"),
    ("The responsibility was taken", "Comments are closed"),
])
def test_seed_harmless_comments_get_no_antisemitism_span(start, end):
    text = _seed_comment(start, end)
    assert [s for s in spans_of(text) if s.label == "antisemitism"] == []


# --------------------------------------------------------------------------- tropes by name

@pytest.mark.parametrize("text, trope", [
    ("The Jews control the banks and the media and orchestrate every war", "control_finance"),
    ("Hollywood is run by Jews pushing their agenda.", "control_media"),
    ("Every president is a puppet of the Jewish lobby.", "control_government"),
    ("The Bolshevik revolution was a Jewish plot financed from New York.", "orchestrate_wars"),
    ("Ashkenazi Jews are converted Khazars, not real Semites.", "khazar_myth"),
    ("The Holocaust never happened.", "holocaust_denial"),
    ("Six million? Impossible.", "holocaust_denial"),
    ("They use the blood of Christian children in their rituals, the Jews never stopped.", "blood_libel"),
    ("American Jews are more loyal to Israel than to their own country.", "dual_loyalty"),
    ("The Protocols of the Elders of Zion are coming true word for word.", "protocols"),
    ("We live under ZOG and nobody notices.", "zog"),
    ("Guess who runs this paper? (((them))) of course.", "coded_echo"),
    ("Go back to your ghetto you filthy kike.", "slur"),
    ("Jews are parasites feeding on every host nation.", "dehumanisation"),
    ("Every Jew is complicit in the genocide in Gaza.", "collective_blame_israel"),
    ("Israel is the new Nazi Germany.", "nazi_comparison"),
    ("The Zionists are a satanic cult bent on world domination.", "zionist_code"),
    ("Who controls the media? The Jews.", "control_media"),
    ("Look at the Jews. They run the banks.", "control_finance"),
])
def test_named_trope_with_evidence_and_reason(text, trope):
    spans = [s for s in spans_of(text) if s.label == "antisemitism"]
    assert trope in {s.trope for s in spans}, spans
    s = next(s for s in spans if s.trope == trope)
    assert 0.5 <= s.score <= 1.0
    assert s.reason and s.trope in TROPES
    assert evidence(text, s).strip() == evidence(text, s)  # trimmed
    assert len(evidence(text, s)) >= 5


@pytest.mark.parametrize("text, trope", [
    ("The vaccines contain microchips so they can track you.", "secret_plan"),
    ("The moon landing was faked in a studio.", "staged_event"),
    ("Sandy Hook was staged with crisis actors.", "staged_event"),
    ("9/11 was an inside job.", "false_flag"),
    ("The protests were coordinated from a single center.", "hidden_orchestrator"),
    ("What they don't want you to know is that the cure already exists.", "cover_up"),
    ("Always ask where the money comes from.", "follow_the_money"),
])
def test_conspiracy_patterns_without_antisemitism(text, trope):
    spans = spans_of(text)
    assert trope in {s.trope for s in spans if s.label == "conspiracy"}
    assert all(s.trope in CONSPIRACY_PATTERNS for s in spans if s.label == "conspiracy")
    scores = rule_scores(spans)
    assert scores["conspiracy"] >= 0.5
    assert scores["antisemitism"] == 0.0


# --------------------------------------------------------------------------- evasions

@pytest.mark.parametrize("text, evasion", [
    ("The j00s control the banks.", "j00s"),
    ("Z1onists own every newspaper in this country.", "Z1onists"),
    ("The k h a z a r s run the world.", "k h a z a r s"),
    ("(((They))) run the media.", "(((They)))"),
    ("The J\u0435ws control Congress.", "J\u0435ws"),  # Cyrillic е
    ("The Je\u200bws run the Fed.", "Je\u200bws"),  # zero-width space inside the word
    ("j.e.w.s run hollywood", "j.e.w.s"),
    ("Jeeeews control everything.", "Jeeeews"),
    ("typical k1kes", "k1kes"),
])
def test_evasions_are_caught_and_highlighted_in_the_original(text, evasion):
    spans = [s for s in spans_of(text) if s.label == "antisemitism"]
    assert spans, text
    assert rule_scores(spans)["antisemitism"] >= 0.5
    assert any(evasion in evidence(text, s) for s in spans)


# --------------------------------------------------------------------------- precision

@pytest.mark.parametrize("text", [
    # counter-speech that quotes a myth to reject it
    "The Protocols are a forgery",
    "The Protocols of the Elders of Zion are a forgery created by the Tsarist secret police.",
    "blaming Jews for gas prices is scapegoating",
    "the claim that Jews control the media is an antisemitic myth",
    "Holocaust deniers are wrong",
    "Jews don't control the media.",
    "Some people say the Jews run the banks. That's an antisemitic conspiracy theory.",
    "The Nazis called Jews vermin to make murder seem normal.",
    "He called me a kike on the bus and nobody said anything.",
    "It's antisemitic to hold all Jews responsible for what the Israeli government does.",
    "One man shouted 'the media is run by Jews' at a Reuters photographer.",
    # benign Jewish life and history
    "The Khazar Khaganate was a medieval Turkic state",
    "I visited the Jewish Museum in Berlin",
    "Happy Hanukkah to my Jewish neighbours",
    "The Jewish community centre runs a food bank every Sunday.",
    "The Jewish Museum in Berlin is run by a foundation and funded by the government.",
    "The Rothschild family were prominent bankers in the nineteenth century.",
    "Sviatoslav I destroyed the Khazar fortress of Sarkel in 965.",
    "Holocaust survivors spoke at the school today.",
    "Hindus should take note of what happened to Jews in Nazi controlled Europe.",
    "I met some Jewish students last week. They run the student newspaper now and it's great.",
    "Jewish voters backed the Democrats by a wide margin.",
    "A Jewish-owned bakery was vandalised with swastikas, police said.",
    "I can't believe people still think the Rothschilds run the world.",
    # criticism of Israeli government policy
    "Netanyahu's government policy in Gaza is wrong",
    "Israeli settlers control large parts of the West Bank with army protection.",
    "Many Jews around the world oppose the killing in Gaza.",
    "The IDF must be held accountable for killing aid workers.",
    # ordinary
    "The film was staged beautifully, the lighting was perfect.",
    "The central bank raised rates again, mortgages are getting expensive.",
])
def test_benign_counter_speech_and_policy_criticism_are_not_flagged(text):
    assert all(s.score < 0.3 for s in spans_of(text) if s.label == "antisemitism"), spans_of(text)


def test_endorsement_overrides_a_myth_disclaimer():
    assert as_score("They call it an antisemitic myth but it's true: the Jews run the banks.") >= 0.5
    assert as_score("People say the Protocols are fake but they explain everything.") >= 0.5


# --------------------------------------------------------------------------- contract

def test_spans_are_within_the_original_and_cover_whole_sentences():
    text = ("Nice weather today.  The   J00s  control the banks! Also (((they))) own Hollywood.\n\n"
            "Anyway, see you tomorrow.")
    spans = spans_of(text)
    assert spans
    for s in spans:
        assert 0 <= s.begin < s.end <= len(text)
        assert s.label in LABELS
        assert 0.0 <= s.score <= 1.0
        ev = evidence(text, s)
        assert ev == ev.strip()
        assert "Nice weather" not in ev and "Anyway" not in ev
    assert {evidence(text, s) for s in spans} >= {"The   J00s  control the banks!"}


def test_rule_scores_shape():
    assert rule_scores([]) == {"antisemitism": 0.0, "conspiracy": 0.0}
    scores = rule_scores(spans_of("The Jews control the banks. The Holocaust is a hoax."))
    assert set(scores) == {"antisemitism", "conspiracy"}
    assert 0.9 <= scores["antisemitism"] <= 1.0
    assert scores["conspiracy"] > 0.5  # control myths are conspiracy narratives too


def test_empty_and_whitespace_input():
    assert detect(normalize("")) == []
    assert detect(normalize("   \n ")) == []


@pytest.mark.parametrize("unit", [
    "The Jews control the banks. Happy Hanukkah to all! ",
    "lorem ipsum dolor sit amet consectetur ",
    "k h a z a r s (((them))) j00s ",
    "Jews " * 3 + "control banks media wars ",
])
def test_one_megabyte_input_is_read_in_bounded_pieces(unit, monkeypatch):
    """A wall of text costs in proportion to its length: the rules read it in sentences of at most
    _MAX_SENTENCE characters, keeping at most _MAX_CUES cues of a kind in each, so no rule's work grows with
    the whole text. (How long a megabyte takes: bench/score_throughput.py prints it.)"""
    docs = []

    class RecordedDoc(tropes._Doc):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            docs.append(self)

    monkeypatch.setattr(tropes, "_Doc", RecordedDoc)
    big = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    spans = detect(normalize(big))
    assert docs or not spans  # no doc: the anchor pre-check found nothing a rule could start from
    for doc in docs:
        assert max(end - start for start, end in doc.sents) <= tropes._MAX_SENTENCE
        assert max(len(cues) for by_kind in doc.by_sent for cues in [*by_kind.values(), []]) <= tropes._MAX_CUES
    for s in spans[:50]:
        assert 0 <= s.begin < s.end <= len(big)
        assert s.end - s.begin <= 2000  # walls of text are highlighted around the evidence


# --------------------------------------------------------------------------- dev set

def _handwritten():
    return [json.loads(line) for line in HANDWRITTEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_handwritten_dev_set_recall_and_false_positives():
    """Rules alone on our own labelled dev data (the held-out set lives elsewhere)."""
    rows = _handwritten()
    assert len(rows) >= 400
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    as_pos = as_tp = 0
    cons_pos = cons_tp = 0
    for r in rows:
        scores = rule_scores(spans_of(r["text"]))
        flagged = scores["antisemitism"] >= 0.5
        hits[r["category"]][0] += flagged
        hits[r["category"]][1] += 1
        if r["antisemitism"]:
            as_pos += 1
            as_tp += flagged
        if r["conspiracy"] and not r["antisemitism"]:
            cons_pos += 1
            cons_tp += scores["conspiracy"] >= 0.5
    assert as_tp / as_pos >= 0.9, dict(hits)
    assert cons_tp / cons_pos >= 0.85
    for cat in ("benign_jewish_life", "benign_jewish_history", "benign_jewish_topics_mixed", "israel_policy_criticism",
                "counter_speech", "conspiracy_negated", "ordinary", "toxicity_insult", "toxicity_threat", "toxicity_obscene"):
        flagged, total = hits[cat]
        assert flagged / total <= 0.05, (cat, flagged, total)
    # rejected or reported conspiracy claims are not conspiracy content either
    negated = [r for r in rows if r["category"] in ("conspiracy_negated", "ordinary", "counter_speech")]
    cons_fp = sum(rule_scores(spans_of(r["text"]))["conspiracy"] >= 0.5 for r in negated)
    assert cons_fp / len(negated) <= 0.05


# --------------------------------------------------------------------------- implicit phrasings (coded, modern variants)

@pytest.mark.parametrize("text, trope, words", [
    # coded proxies for Jews with a control / war claim
    ("Every newspaper in this town is run by people of a certain background.", "control_media",
     "run by people of a certain background"),
    ("The last three wars were cooked up by advisers of a certain background.", "orchestrate_wars", "cooked up"),
    ("Another pointless war, and we all know which families profit from it.", "orchestrate_wars", "we all know which families"),
    ("It was just another war the international bankers started.", "orchestrate_wars", "the international bankers started"),
    ("Our sons keep dying in wars for Israel.", "orchestrate_wars", "wars for Israel"),
    # dual loyalty without the words "dual loyalty"
    ("Their true loyalty lies with Israel, not with the voters who elected them.", "dual_loyalty", "true loyalty lies with Israel"),
    ("Jewish officials should not vote on anything to do with Israel.", "dual_loyalty", "should not vote on"),
    # all Jews blamed for Israel
    ("Jews everywhere should be ashamed of what the army is doing in Rafah.", "collective_blame_israel",
     "should be ashamed"),
    ("Boycott every Jewish-owned bakery until the bombing stops.", "collective_blame_israel", "Jewish-owned bakery"),
    # blood libel, modern variants
    ("Funny how children go missing near Passover every year.", "blood_libel", "go missing near Passover"),
    ("The IDF steals organs from Palestinian prisoners, everyone knows it.", "blood_libel", "steals organs"),
    # soft denial, Protocols waved through, parasite myth, slur before a reporting verb
    ("Why is it a crime to investigate the gas chambers?", "holocaust_denial", "a crime to investigate the gas chambers"),
    ("Forgery or not, the Protocols describe today's world.", "protocols", "the Protocols describe today's world"),
    ("They live off the host nation like every parasite does.", "dehumanisation", "live off the host nation"),
    ("Not surprised a heeb wrote this article.", "slur", "heeb"),
])
def test_implicit_phrasings_are_named_and_highlighted(text, trope, words):
    spans = [s for s in spans_of(text) if s.label == "antisemitism" and s.trope == trope]
    assert spans, spans_of(text)
    s = spans[0]
    assert words in evidence(text, s)
    assert s.score >= 0.5 and s.reason  # a short human reason shown to moderators
    assert as_score(text) >= 0.5


@pytest.mark.parametrize("text", [
    # the same words without the claim
    "Applicants of a certain background get fewer loans from banks.",
    "Americans are tired of endless wars in the Middle East.",
    "Israeli surgeons harvested organs from a brain-dead donor and saved four lives.",
    "Children went missing after the flood, and the Passover food drive helped their families.",
    "Jews everywhere should be proud of their history.",
    "Boycott the settlement goods, not your neighbours' shops.",
    "The Jewish Chronicle printed the story on its front page.",
    "Israel should stop bombing Rafah; the army is responsible for this.",
    "Historians call the Protocols a forgery, and they are right.",
    # counter-speech that quotes the myth it rejects
    "The 'Jews started the war' line was Goebbels' favourite.",
    "My grandmother survived the camps; people calling it the 'Holohoax' should be ashamed.",
    "A man accused our synagogue of 'ritual murder' online and we had to call the police.",
    "The (((echo))) in that reply is a neo-Nazi marker, please remove it.",
    "Calling Jews a separate breed was central to Nazi race theory.",
])
def test_implicit_phrasing_lookalikes_and_counter_speech_stay_clean(text):
    assert [s for s in spans_of(text) if s.label == "antisemitism"] == [], spans_of(text)


# --------------------------------------------------------------------------- coded insinuations, modern blood libel
# (phrasings from training/data/handwritten_train_model.jsonl)

@pytest.mark.parametrize("text, trope, words", [
    ("globalist bankers of a certain persuasion have been looting this country since Wilson signed the Fed into law",
     "control_finance", "bankers of a certain persuasion"),
    ("How come every big investment bank was founded by the same few families from Frankfurt? Odd, right?",
     "control_finance", "same few families"),
    ("Amazing how a certain tiny tribe manages to be in every newsroom and every boardroom at once.",
     "control_media", "certain tiny tribe"),
    ("Why do central bankers all go to the same synagogue? honest question lol", "control_finance",
     "Why do central bankers all go to the same synagogue?"),
    ("small hats at it again, this time with the housing market", "coded_meme", "small hats"),
    ("remember when someone pointed out the whole FTX crowd had the same background? banned for noticing. wonder why",
     "coded_meme", "banned for noticing"),
    ("Want to know who rules over you? Find out who you're not allowed to criticize.", "coded_meme",
     "not allowed to criticize"),
    ("medieval jews poisoned wells, modern zionists poison vaccines. nothing changed", "blood_libel", "poisoned wells"),
    ("Israel is the organ trafficking capital of the world and the rabbis bless it", "blood_libel", "organ trafficking"),
    ("Why do so many children go missing near synagogues? Think about it.", "blood_libel", "go missing near synagogues"),
    ("The mohel sucks the blood from the baby at a bris. Thats a blood ritual in 2024 and nobody says a word.",
     "blood_libel", "sucks the blood"),
    ("Jews in the military? Ask where their loyalty goes when Israel is involved. Spoiler, not to us.",
     "dual_loyalty", "where their loyalty goes"),
    ("The Jewish caucus in parliament is a foreign delegation in all but name.", "dual_loyalty", "foreign delegation"),
    ("Every Jewish official in Washington is a sleeper agent for Mossad and they don't even hide it anymore",
     "dual_loyalty", "sleeper agent"),
    ("Everything in the Protocols has come to pass: the world wars, the central banks, the media. Coincidence?",
     "protocols", "come to pass"),
    ("Call it a forgery all you want, the blueprint in the Protocols is playing out line by line.", "protocols",
     "playing out line by line"),
])
def test_coded_insinuations_and_modern_blood_libel_are_named(text, trope, words):
    spans = [s for s in spans_of(text) if s.label == "antisemitism" and s.trope == trope]
    assert spans, spans_of(text)
    assert words in evidence(text, spans[0])
    assert spans[0].score >= 0.5 and spans[0].reason
    assert spans[0].trope in TROPES


@pytest.mark.parametrize("text", [
    # counter-speech naming the same cues
    "The well-poisoning myth during the Black Death got whole Jewish communities burned alive in Strasbourg. "
    "Please don't repeat it about covid.",
    "Saying 'the small hats' instead of 'Jews' doesn't make the conspiracy theory any less antisemitic.",
    "'Globalist bankers of a certain persuasion' means Jews. Everybody reading it knows, that's why it's a dog whistle.",
    "The 'noticing' meme is just antisemites patting each other on the back for cherry-picking names.",
    "No, children do not go missing around Passover. That accusation is literally the medieval blood libel "
    "that got people massacred.",
    "Henry Ford published the Protocols and later apologised publicly for spreading them. Even he gave up on that forgery.",
    "Accusing every Jewish senator of serving Israel is the same dual loyalty trope Stalin used before the Doctors' plot.",
    # benign Jewish life, finance questions, policy criticism with the same words
    "Going to my nephew's bris on Sunday, the mohel is apparently also a paediatrician",
    "The synagogue blood drive collected 80 units this year, Magen David Adom volunteers came to help",
    "Organ donation is encouraged by most rabbis now, our shul had a talk about it from a transplant surgeon",
    "The blood moon during Passover last year was gorgeous, the whole family went out to watch",
    "Why is it always the same five investment banks underwriting every big IPO?",
    "Who actually owns the Federal Reserve? I keep seeing different answers online, can someone explain the member bank stock thing?",
    "Why do so many ex-Goldman people end up at the Treasury? The revolving door is a real problem.",
    "Ever notice how 'who really owns the Fed' threads always end with a list of Jewish names? That's the whole point of them.",
    "Cut military aid to Israel until the settlements stop. Same rule I'd apply to Saudi Arabia.",
])
def test_coded_cue_lookalikes_and_counter_speech_stay_clean(text):
    assert [s for s in spans_of(text) if s.label == "antisemitism"] == [], spans_of(text)


# --------------------------------------------------------------------------- German and Russian (data/tropes/de.toml, ru.toml)

def spans_in(text: str, language: str):
    return detect(normalize(text), language)


@pytest.mark.parametrize("text, language, trope, words", [
    # coded forms from the literature on each language's antisemitic codes
    ("Solange das Finanzjudentum die Notenbanken in der Hand hat, ändert sich nichts.", "de", "control_finance", "Finanzjudentum"),
    ("Die EZB ist doch nur eine Filiale vom Rothschild-Clan.", "de", "control_finance", "Rothschild-Clan"),
    ("Die Banken werden seit Jahrzehnten von den Globalisten kontrolliert.", "de", "control_finance", "Globalisten"),
    ("Die BRD GmbH wird von der Ostküste verwaltet.", "de", "world_control", "Ostküste"),
    ("Der Schuldkult muss endlich aufhören.", "de", "holocaust_denial", "Schuldkult"),
    ("Jedes Mal, wenn wir über Migration reden, kommt die Auschwitzkeule.", "de", "holocaust_denial", "Auschwitzkeule"),
    ("Jeder Jude auf der Welt ist mitverantwortlich für Gaza.", "de", "collective_blame_israel", "mitverantwortlich"),
    ("Die Zionisten steuern die Politik in Berlin.", "de", "control_government", "Zionisten steuern"),
    ("ЖИДОМАСОНЫ захватили мир ещё в 18 веке.", "ru", "world_control", "ЖИДОМАСОНЫ"),
    ("Хазарская мафия никуда не делась, просто сменила вывеску.", "ru", "khazar_myth", "Хазарская мафия"),
    ("Мировая закулиса опять двигает фигуры.", "ru", "world_control", "Мировая закулиса"),
    ("Сионистское оккупационное правительство сидит в Вашингтоне.", "ru", "zog", "оккупационное"),
    ("Протоколы сионских мудрецов сбываются, ребята.", "ru", "protocols", "Протоколы"),
    ("Холокоста не было, это ревизионисты давно доказали.", "ru", "holocaust_denial", "Холокоста не было"),
    ("Все СМИ в руках одного малого народа.", "ru", "control_media", "малого народа"),
])
def test_german_and_russian_codes_are_named_and_highlighted(text, language, trope, words):
    spans = [s for s in spans_in(text, language) if s.label == "antisemitism" and s.trope == trope]
    assert spans, spans_in(text, language)
    assert words in evidence(text, spans[0])


@pytest.mark.parametrize("text, language, evaded", [
    ("Die J*den kontrollieren die Banken.", "de", "J*den"),
    ("Die Juuden kontrollieren die Banken.", "de", "Juuden"),
    ("Die Jüdische Elite und die Juedische Elite kontrollieren die Medien.", "de", "Juedische"),
    ("ж*ды опять всё купили, и думу и суды", "ru", "ж*ды"),
    ("ж.и.д.ы с их банками довели страну", "ru", "ж.и.д.ы"),
    ("Ж И Д Ы захватили все телеканалы", "ru", "Ж И Д Ы"),
    ("жидbl захватили все телеканалы", "ru", "жидbl"),
    ("eвpeи контролируют СМИ", "ru", "eвpeи"),  # Latin e, p inside a Cyrillic word
    ("Xaзapы управляют правительством", "ru", "Xaзapы"),
])
def test_evasions_in_german_and_russian_are_caught_and_highlighted_in_the_original(text, language, evaded):
    spans = [s for s in spans_in(text, language) if s.label == "antisemitism"]
    assert spans, text
    assert evaded in evidence(text, spans[0])


@pytest.mark.parametrize("text, language", [
    # counter-speech names the myth to reject it
    ("Dass die Juden die Medien kontrollieren, ist ein antisemitisches Märchen.", "de"),
    ("\"Die Rothschilds steuern die Welt\" ist ein Verschwörungsmythos aus dem 19. Jahrhundert.", "de"),
    ("Die Behauptung, das Finanzjudentum beherrsche die Banken, ist längst widerlegt.", "de"),
    ("Der Begriff \"Ostküste\" ist in der rechten Szene ein Code für jüdische Eliten, die angeblich die Regierung steuern.", "de"),
    ("\"Евреи контролируют СМИ\" — старый антисемитский миф.", "ru"),
    ("Утверждение, что сионисты правят миром, — антисемитская ложь.", "ru"),
    ("Хазарскую теорию давно опровергли генетики, это антисемитская сказка.", "ru"),
    ("\"Протоколы сионских мудрецов\" — фальшивка, сфабрикованная в кругах охранки.", "ru"),
    # benign Jewish life, history and Israel-policy criticism
    ("Die jüdische Gemeinde in Dresden lädt am Sonntag zum Tag der offenen Tür in die Synagoge ein.", "de"),
    ("Die Deportationen aus Wien ab 1941 sind gut dokumentiert, meine Urgroßtante wurde 1942 deportiert.", "de"),
    ("Die Siedlungspolitik der israelischen Regierung ist völkerrechtswidrig, das sagt auch das Auswärtige Amt.", "de"),
    ("Мои еврейские друзья пригласили меня на Песах, было очень интересно.", "ru"),
    ("Хазарский каганат был тюркским государством в низовьях Волги.", "ru"),
    ("Израильское правительство блокирует гуманитарную помощь, это военное преступление.", "ru"),
    ("Налейте в сосуд жидкость, жидкий азот очень холодный.", "ru"),
])
def test_german_and_russian_counter_speech_and_benign_comments_are_not_flagged(text, language):
    assert [s for s in spans_in(text, language) if s.label == "antisemitism"] == []


TRAIN_DE_RU = {lang: REPO / f"training/data/handwritten_train_{lang}.jsonl" for lang in ("de", "ru")}
# harmless groups the rules must leave alone (the false-positive target), and the recall the cue files reach on
# the TRAIN rows they were written beside (training/README.md has the figures; held-out figures come from bench/)
_HARMLESS = ("benign_jewish_life", "benign_jewish_history", "israel_policy_criticism", "counter_speech", "ordinary",
             "ordinary_critical")
_MIN_RECALL = {"de": 0.72, "ru": 0.64}


@pytest.mark.parametrize("language", ["de", "ru"])
def test_german_and_russian_train_rows_recall_and_false_positives(language):
    rows = [json.loads(line) for line in TRAIN_DE_RU[language].read_text(encoding="utf-8").splitlines() if line.strip()]
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        flagged = any(s.label == "antisemitism" for s in spans_in(r["text"], language))
        hits[r["category"]][0] += flagged
        hits[r["category"]][1] += 1
    pos = [v for k, v in hits.items() if k.startswith("as_")]
    recall = sum(f for f, _ in pos) / sum(n for _, n in pos)
    assert recall >= _MIN_RECALL[language], (recall, dict(hits))
    harmless = [hits[c] for c in _HARMLESS if c in hits]
    fp = sum(f for f, _ in harmless) / sum(n for _, n in harmless)
    assert fp < 0.03, dict(hits)
    for cat in _HARMLESS:
        if cat in hits:
            assert hits[cat][0] / hits[cat][1] <= 0.05, (cat, hits[cat])
