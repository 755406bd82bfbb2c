"""The lecture's losses: worked examples, stability, PyTorch agreement, label validation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import fcnn
from fcnn import Tensor, info
from fcnn.nn import CrossEntropyLoss, HingeLoss, SquaredErrorLoss, get_loss, l2_penalty
from fcnn.nn import functional as F
from fcnn.nn.losses import cross_entropy, hinge_loss

GRANULARITIES = ("coarse", "fine")
LECTURE_SCORES = [[0.6, -2.3, 1.9]]  # true class 0


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_lecture_hinge_example(granularity: str) -> None:
    loss = hinge_loss(fcnn.tensor(LECTURE_SCORES), [0], granularity=granularity)
    # max(0, -2.3 - 0.6 + 1) + max(0, 1.9 - 0.6 + 1) = 0 + 2.3
    assert float(loss) == pytest.approx(2.3, abs=1e-6)


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_lecture_cross_entropy_example_in_base_10(granularity: str) -> None:
    loss = cross_entropy(fcnn.tensor(LECTURE_SCORES, dtype=np.float64), [0],
                         granularity=granularity)
    assert round(float(loss) / math.log(10), 2) == 0.67
    q = F.softmax(fcnn.tensor(LECTURE_SCORES, dtype=np.float64)).data[0]
    assert round(info.cross_entropy([1, 0, 0], q, base=10), 2) == 0.67
    assert info.cross_entropy([1, 0, 0], q) == pytest.approx(float(loss), rel=1e-12)


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lecture_model_c_confident_scores_are_stable(granularity: str, dtype) -> None:
    # Underflow of e^-110 to 0 is the correct result, so only overflow, division by zero
    # and invalid operations are errors here; any Python warning is an error too.
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        scores = fcnn.tensor([[10.0, -100.0, -100.0]], requires_grad=True, dtype=dtype)
        loss = cross_entropy(scores, [0], granularity=granularity)
        loss.backward()
    assert np.isfinite(float(loss)) and float(loss) >= 0
    assert float(loss) < 1e-6
    assert np.all(np.isfinite(scores.grad))
    wrong = fcnn.tensor([[10.0, -100.0, -100.0]], requires_grad=True, dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        big = cross_entropy(wrong, [1], granularity=granularity)
        big.backward()
    assert float(big) == pytest.approx(110.0, rel=1e-5)
    np.testing.assert_allclose(wrong.grad, [[1.0, -1.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("scores", [[10, -2, 3], [10, 9, 9], [10, -100, -100]],
                         ids=["A", "B", "C"])
def test_lecture_models_a_b_c_have_zero_hinge_loss(granularity: str, scores) -> None:
    loss = hinge_loss(fcnn.tensor([scores]), [0], granularity=granularity)
    assert float(loss) == 0.0


def test_hinge_gradient_counts_violations() -> None:
    scores = fcnn.tensor(LECTURE_SCORES, requires_grad=True, dtype=np.float64)
    hinge_loss(scores, [0]).backward()
    np.testing.assert_array_equal(scores.grad, [[-1.0, 0.0, 1.0]])


def test_hinge_margin_is_configurable() -> None:
    loss = hinge_loss(fcnn.tensor([[10.0, 9.0, 9.0]]), [0], margin=2.0)
    assert float(loss) == pytest.approx(2.0)  # 2 * max(0, 9 - 10 + 2)


def test_reductions() -> None:
    scores = fcnn.tensor([[0.6, -2.3, 1.9], [1.0, 2.0, 3.0]], dtype=np.float64)
    labels = [0, 2]
    for fn in (cross_entropy, hinge_loss):
        per_sample = fn(scores, labels, reduction="none").data
        assert per_sample.shape == (2,)
        assert float(fn(scores, labels, reduction="sum")) == pytest.approx(per_sample.sum())
        assert float(fn(scores, labels)) == pytest.approx(per_sample.mean())
    with pytest.raises(ValueError, match="unknown reduction 'avg'.*'mean', 'sum', 'none'"):
        cross_entropy(scores, labels, reduction="avg")


def test_label_smoothing_matches_its_definition() -> None:
    s = np.array([[0.2, -1.0, 3.0, 0.5]])
    eps = 0.1
    log_q = s - np.log(np.exp(s).sum())
    target = np.full(4, eps / 4)
    target[2] += 1 - eps
    expected = -(target * log_q).sum()
    for g in GRANULARITIES:
        assert float(cross_entropy(Tensor(s), [2], eps, granularity=g)) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        cross_entropy(Tensor(s), [2], 1.0)


def test_cross_entropy_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    s = rng.normal(scale=3.0, size=(7, 5))
    y = rng.integers(0, 5, size=7)
    for ls in (0.0, 0.05, 0.3):
        for reduction in ("mean", "sum", "none"):
            for g in GRANULARITIES:
                ours = Tensor(s.copy(), requires_grad=True)
                loss = cross_entropy(ours, y, ls, reduction, granularity=g)
                theirs = torch.tensor(s, requires_grad=True)
                ref = torch.nn.functional.cross_entropy(theirs, torch.tensor(y),
                                                        label_smoothing=ls, reduction=reduction)
                np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=1e-12)
                loss.backward(np.ones(loss.shape))
                ref.backward(torch.ones_like(ref))
                np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10,
                                           atol=1e-14)


def test_hinge_is_num_classes_times_torch_multi_margin_loss() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    s = rng.normal(scale=2.0, size=(9, 4))
    y = rng.integers(0, 4, size=9)
    for margin in (1.0, 0.3, 2.0):
        criterion = torch.nn.MultiMarginLoss(margin=margin)
        ref = 4 * criterion(torch.tensor(s), torch.tensor(y))
        for g in GRANULARITIES:
            assert float(hinge_loss(Tensor(s), y, margin=margin, granularity=g)) == \
                pytest.approx(float(ref), rel=1e-12)


def test_l2_penalty_only_on_weight_matrices() -> None:
    w = Tensor(np.array([[1.0, 2.0], [3.0, 0.0]]), requires_grad=True)
    b = Tensor(np.array([5.0, 5.0]), requires_grad=True)
    penalty = l2_penalty([w, b], strength=0.1)
    assert float(penalty) == pytest.approx(0.05 * 14)
    penalty.backward()
    np.testing.assert_allclose(w.grad, 0.1 * w.data)
    assert b.grad is None
    assert float(l2_penalty([b], 0.1)) == 0.0


# ----- bad input --------------------------------------------------------------------------------

def test_labels_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2 for 3 classes, found 3"):
        cross_entropy(fcnn.tensor(LECTURE_SCORES), [3])
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2 for 3 classes, found -1"):
        hinge_loss(fcnn.tensor(LECTURE_SCORES), [-1])


def test_non_integer_labels() -> None:
    with pytest.raises(ValueError, match="integer class indices.*float64"):
        cross_entropy(fcnn.tensor(LECTURE_SCORES), [0.5])
    with pytest.raises(ValueError, match="One-hot or probability targets are not accepted"):
        cross_entropy(fcnn.tensor(LECTURE_SCORES), [0.3])
    with pytest.raises(ValueError, match=r"labels must be a 1-d array.*got shape \(1, 3\)"):
        cross_entropy(fcnn.tensor(LECTURE_SCORES), [[1.0, 0.0, 0.0]])  # one-hot
    with pytest.raises(ValueError, match="integer class indices"):
        cross_entropy(fcnn.tensor(LECTURE_SCORES), [np.nan])
    with pytest.raises(ValueError, match="integer class indices"):
        hinge_loss(fcnn.tensor(LECTURE_SCORES), ["cat"])
    # whole-valued floats are accepted
    assert float(cross_entropy(fcnn.tensor(LECTURE_SCORES), [0.0])) > 0


def test_label_and_score_shapes() -> None:
    with pytest.raises(ValueError,
                       match=r"one class index per row of scores \(1\), got shape \(2,\)"):
        cross_entropy(fcnn.tensor(LECTURE_SCORES), [0, 1])
    with pytest.raises(ValueError, match=r"scores must have shape \(N, C\).*reshape\(1, -1\)"):
        cross_entropy(fcnn.tensor([0.6, -2.3, 1.9]), [0])


def test_loss_registry() -> None:
    assert isinstance(get_loss("ce"), CrossEntropyLoss)
    assert isinstance(get_loss("Cross-Entropy"), CrossEntropyLoss)
    assert isinstance(get_loss("svm", margin=2.0), HingeLoss)
    assert isinstance(get_loss("MSE"), SquaredErrorLoss)
    with pytest.raises(ValueError, match="unknown loss 'l1'; valid names: cross_entropy, hinge, "
                                         "squared_error"):
        get_loss("l1")
    with pytest.raises(ValueError, match="margin: cross_entropy does not take this option"):
        get_loss("ce", margin=2.0)
    with pytest.raises(ValueError, match="margin: expected a number > 0; got -1"):
        get_loss("hinge", margin=-1)
    loss = HingeLoss(margin=2.0, granularity="fine")
    assert float(loss(fcnn.tensor([[10.0, 9.0, 9.0]]), [0])) == pytest.approx(2.0)
    assert repr(loss) == "HingeLoss(margin=2.0, reduction='mean', granularity='fine')"
