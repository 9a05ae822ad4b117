"""Learned fusion of the encoder heads with the trope rules (antisemitism, conspiracy) and the word-level heads
(conspiracy, toxicity).

``p = sigmoid(w · features + bias)`` where the features are the head's logit, the rules' combined score, the best
kept finding per trope family, the best finding the rules' counter-speech logic *suppressed* (the text rejects,
reports or quotes a myth) and the "words of rejection" cue; a counter cue also damps the head's logit (the encoder
does not read stance, so "Jews control the banks is an antisemitic myth" embeds close to the myth itself).

The weights are fitted by ``training/train_heads.py`` on out-of-fold head scores and stored in
``artifacts/heads.json`` → "fusion" → label → {"features": [...], "weights": [...], "bias": b}; for conspiracy and
toxicity the features include the logit of the word-level TF-IDF head (``lexical.py``). The older
three-weight form ({"w_head", "w_rule", "w_counter", "bias"}) is still understood.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .heads import logit, sigmoid

# Words people use when they *reject* or *report* a myth.
COUNTER_CUES = re.compile(
    r"\b(antisemit\w*|anti-semit\w*|myths?|tropes?|debunk\w*|forger(y|ies)|forged|fabricat\w*|propaganda|"
    r"canards?|conspiracy theor\w*|bigot\w*|hate speech|racis[mt]\w*|dog ?whistles?|neo-?nazis?|white supremac\w*|"
    r"no (basis|evidence)|lies|(is|are|was) (a )?lie|disinformation|stereotyp\w*|smears?|hateful|reported|"
    # German and Russian (the multilingual model's fusion; English texts never contain these)
    r"antisemitis\w*|mythos|mythen|verschwörungstheor\w*|verschwörungsmythe?\w*|lüge\w*|gelogen|widerlegt|"
    r"hetze|stereotype?n?|propaganda|desinformation|rassis\w*|menschenverachtend\w*|gemeldet|"
    r"антисемит\w*|миф\w*|теори\w* заговора|ложь|лживы\w*|враньё|вранье|клевет\w*|пропаганд\w*|"
    r"дезинформаци\w*|стереотип\w*|расизм\w*|ненавист\w*|опроверг\w*|фальшивк\w*|подделк\w*)\b", re.I)

FEATURES = {
    "antisemitism": ("head", "rule", "fam_plot", "fam_denial", "fam_hostile", "fam_coded", "fam_israel",
                     "suppressed_as", "counter", "counter_x_head"),
    "conspiracy": ("head", "rule", "fam_plot", "fam_denial", "suppressed_as", "suppressed_cons", "counter",
                   "counter_x_head", "lexical_conspiracy"),
    "toxicity": ("head", "lexical_toxicity"),
}
# "lexical_<label>": the logit of the word-level head (``lexical.py``), added to each text's features by the backend


def counter_cue(text: str) -> float:
    return 1.0 if COUNTER_CUES.search(text) else 0.0


def text_features(texts: Sequence[str], rule_features: Sequence[dict[str, float]] | None = None
                  ) -> list[dict[str, float]]:
    """The fusion's features of each text: the rules' ``rule_features`` (run here unless the caller already has
    them from its own rule pass) plus the counter cue."""
    if rule_features is None:
        from .normalize import normalize
        from .tropes import rule_features as features_of

        rule_features = [features_of(normalize(t)) for t in texts]
    return [{**f, "counter": counter_cue(t)} for t, f in zip(texts, rule_features)]


def feature_matrix(label: str, head: np.ndarray, rule: np.ndarray, feats: Sequence[dict[str, float]],
                   names: Sequence[str] | None = None) -> np.ndarray:
    names = names or FEATURES[label]
    h = logit(np.asarray(head, dtype=np.float64))
    cols = []
    for n in names:
        if n == "head":
            cols.append(h)
        elif n == "rule":
            cols.append(np.asarray(rule, dtype=np.float64))
        elif n == "counter_x_head":
            cols.append(np.array([f.get("counter", 0.0) for f in feats]) * h)
        else:
            cols.append(np.array([float(f.get(n, 0.0)) for f in feats]))
    return np.stack(cols, axis=1) if cols else np.zeros((len(head), 0))


def apply(f: dict, label: str, head: np.ndarray, rule: np.ndarray, feats: Sequence[dict[str, float]] | None,
          texts: Sequence[str] | None = None) -> np.ndarray:
    """Fused probability for one label; ``f`` is the stored fusion entry."""
    if "features" in f:
        X = feature_matrix(label, head, rule, feats, f["features"])
        return sigmoid(X @ np.asarray(f["weights"], dtype=np.float64) + f["bias"])
    z = f["w_head"] * logit(np.asarray(head, dtype=np.float64)) + f["w_rule"] * np.asarray(rule) + f["bias"]
    if f.get("w_counter") and texts is not None:
        z = z + f["w_counter"] * np.array([counter_cue(t) for t in texts])
    return sigmoid(z)
