"""The head training's window handling: the service scores a text by its worst 128-token window, so training must
score held-back rows the same way and may learn from the later windows of negative texts only."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
from training.train_heads import training_set, with_later_windows, worst_window  # noqa: E402


def test_later_windows_of_negative_texts_become_extra_negatives_with_their_text_weight():
    X = np.array([[0.0], [1.0], [2.0]])  # first windows of training texts 10, 11, 12
    y = np.array([0, 1, 0])
    w = np.array([1.0, 2.0, 3.0])
    rows = np.array([10, 11, 12])
    Xw = np.array([[10.1], [11.1], [12.1], [12.2], [99.1]])  # later windows; text 99 is not in this fold
    owner = np.array([10, 11, 12, 12, 99])

    X2, y2, w2 = with_later_windows(X, y, w, rows, Xw, owner)

    assert X2[3:].ravel().tolist() == [10.1, 12.1, 12.2]  # not the positive text's window, not text 99's
    assert y2.tolist() == [0, 1, 0, 0, 0, 0]
    assert w2.tolist() == [1.0, 2.0, 3.0, 1.0, 3.0, 3.0]
    X3, y3, w3 = training_set(X, y, w, rows, Xw, owner, later_windows=False)
    assert X3 is X and y3 is y and w3 is w


def test_worst_window_takes_the_highest_window_of_each_text():
    class Scorer:  # probability = the single feature
        def predict_proba(self, X):
            p = np.asarray(X, dtype=float).ravel()
            return np.stack([1 - p, p], axis=1)

    X = np.array([[0.1], [0.2]])  # texts 5 and 7
    Xw = np.array([[0.9], [0.05], [0.6]])
    owner = np.array([5, 5, 8])  # text 8 is not among the rows scored
    assert worst_window(Scorer(), X, Xw, owner, np.array([5, 7])).tolist() == [0.9, 0.2]
