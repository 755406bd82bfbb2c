"""fcnn.metrics against hand-computed values, the lecture's quiz and (if installed) sklearn."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn import metrics

Y_TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2, 1]
Y_PRED = [0, 1, 0, 1, 2, 2, 2, 0, 2, 1]


def test_accuracy() -> None:
    assert metrics.accuracy(Y_TRUE, Y_PRED) == pytest.approx(0.7)
    assert metrics.accuracy([], []) == 0.0


def test_confusion_matrix_by_hand() -> None:
    expected = np.array([[2, 1, 0],
                         [0, 2, 1],
                         [1, 0, 3]])
    np.testing.assert_array_equal(metrics.confusion_matrix(Y_TRUE, Y_PRED), expected)
    padded = metrics.confusion_matrix([0, 1], [1, 1], num_classes=4)
    assert padded.shape == (4, 4) and padded.sum() == 2 and padded[0, 1] == 1


def test_precision_recall_f1_by_hand() -> None:
    report = metrics.precision_recall_f1(Y_TRUE, Y_PRED, class_names=["a", "b", "c"])
    # columns of the confusion matrix are predictions: precision = TP / (TP + FP)
    np.testing.assert_allclose(report.precision, [2 / 3, 2 / 3, 3 / 4])
    np.testing.assert_allclose(report.recall, [2 / 3, 2 / 3, 3 / 4])
    np.testing.assert_allclose(report.f1, [2 / 3, 2 / 3, 3 / 4])
    np.testing.assert_array_equal(report.support, [3, 3, 4])
    assert report.accuracy == pytest.approx(0.7)
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 3 / 4) / 3)
    assert report.to_dict()["per_class"]["c"]["precision"] == pytest.approx(0.75)
    text = report.to_text()
    assert "macro avg" in text and text.splitlines()[3].startswith("c")


def test_lecture_quiz_precision_is_tp_over_tp_plus_fp() -> None:
    # 8 samples predicted positive (class 1), 6 of them truly positive; 4 positives missed
    y_true = [1] * 6 + [0] * 2 + [1] * 4 + [0] * 8
    y_pred = [1] * 8 + [0] * 12
    report = metrics.precision_recall_f1(y_true, y_pred)
    tp, fp, fn = 6, 2, 4
    assert report.precision[1] == pytest.approx(tp / (tp + fp))
    assert report.recall[1] == pytest.approx(tp / (tp + fn))
    assert report.f1[1] == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))


def test_never_predicted_class_has_zero_precision() -> None:
    report = metrics.precision_recall_f1([0, 1, 2], [0, 1, 1])
    assert report.precision[2] == 0.0 and report.recall[2] == 0.0 and report.f1[2] == 0.0
    assert report.precision[1] == pytest.approx(0.5)


def test_agrees_with_sklearn() -> None:
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    report = metrics.precision_recall_f1(y_true, y_pred)
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    np.testing.assert_allclose(report.precision, p)
    np.testing.assert_allclose(report.recall, r)
    np.testing.assert_allclose(report.f1, f)
    np.testing.assert_array_equal(report.support, s)
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred),
                                  skm.confusion_matrix(y_true, y_pred))
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="same length, got 2 and 3"):
        metrics.accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="integer class indices"):
        metrics.accuracy([0.5], [0])
    with pytest.raises(ValueError, match="class indices >= 0, found -1"):
        metrics.confusion_matrix([-1], [0])
    with pytest.raises(ValueError, match="1-d array"):
        metrics.accuracy([[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="labels must be < num_classes=2"):
        metrics.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="got 2 class names for 3 classes"):
        metrics.precision_recall_f1([0, 1, 2], [0, 1, 2], num_classes=3, class_names=["a", "b"])
