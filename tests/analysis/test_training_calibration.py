"""The multilingual model's review line for antisemitism is set on German and Russian hand-written comments that its
fine-tuned encoder never saw: a line set on learnt comments sits too low and flags more unseen benign comments."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
from modsvc.analysis.heads import logit, sigmoid  # noqa: E402
from modsvc.analysis.policy import DEFAULT_THRESHOLDS  # noqa: E402
from training.datasets import Example, calibration_row  # noqa: E402
from training.train_heads import calibration_shifts  # noqa: E402


def benign_rows(n: int) -> list[Example]:
    return [Example(f"Schöner Bericht über das jüdische Leben in Leipzig, Teil {i}.", "handwritten_train_de",
                    "train", {"antisemitism": 0.0}, category="benign_jewish_life", language="de") for i in range(n)]


def test_a_third_of_the_german_and_russian_rows_is_set_aside_for_calibration_and_nothing_else():
    rows = benign_rows(600)
    share = np.mean([calibration_row(r) for r in rows])
    assert 0.25 < share < 0.42
    english = [Example(r.text, "handwritten_train", "train") for r in rows]
    assert not any(calibration_row(r) for r in english)


def test_fine_tuned_lines_are_set_on_the_unseen_rows_only():
    rows = benign_rows(600)
    unseen = np.array([calibration_row(r) for r in rows])
    rng = np.random.default_rng(0)
    # the encoder learnt the other rows: they score low; unseen benign comments score higher
    scores = np.where(unseen, rng.uniform(0.2, 0.8, len(rows)), rng.uniform(0.0, 0.1, len(rows)))
    oofs = {"antisemitism": (scores, np.zeros(len(rows), dtype=int), rows)}

    def flagged_unseen(fine_tuned: bool) -> float:
        shift = calibration_shifts(oofs, {"labels": {}}, fine_tuned=fine_tuned)["antisemitism"]
        moved = sigmoid(logit(scores) + shift)
        return float((moved[unseen] >= DEFAULT_THRESHOLDS["antisemitism"][0]).mean())

    assert flagged_unseen(fine_tuned=True) <= 0.05
    assert flagged_unseen(fine_tuned=False) > 0.08  # the line set on every row lets more unseen benign rows through
