"""fcnn.info: entropy, cross-entropy and KL divergence with the lecture's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fcnn import info


def test_uniform_three_way_entropy_in_base_10() -> None:
    assert round(info.entropy([1 / 3, 1 / 3, 1 / 3], base=10), 3) == 0.477
    assert info.entropy([1 / 3] * 3) == pytest.approx(math.log(3))
    assert info.entropy([0.5, 0.5], base=2) == pytest.approx(1.0)


def test_lopsided_distribution_has_almost_no_entropy() -> None:
    assert info.entropy([0.998, 0.001, 0.001], base=10) < 0.01
    assert info.entropy([1.0, 0.0, 0.0]) == 0.0  # 0 log 0 = 0, no NaN


def test_kl_is_not_symmetric_and_non_negative() -> None:
    p, q = [0.7, 0.2, 0.1], [0.1, 0.3, 0.6]
    forward, backward = info.kl_divergence(p, q), info.kl_divergence(q, p)
    assert forward > 0 and backward > 0
    assert forward != pytest.approx(backward)
    assert info.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    expected = sum(a * math.log(a / b) for a, b in zip(p, q))
    assert forward == pytest.approx(expected)


@pytest.mark.parametrize("base", [math.e, 2, 10])
def test_cross_entropy_is_entropy_plus_kl(base: float) -> None:
    p, q = [0.25, 0.5, 0.25], [0.6, 0.3, 0.1]
    assert info.cross_entropy(p, q, base) == pytest.approx(
        info.entropy(p, base) + info.kl_divergence(p, q, base))
    assert info.cross_entropy(p, q, base) == pytest.approx(
        -sum(a * math.log(b) for a, b in zip(p, q)) / math.log(base))


def test_base_changes_the_unit() -> None:
    p = [0.2, 0.3, 0.5]
    assert info.entropy(p, base=2) == pytest.approx(info.entropy(p) / math.log(2))
    assert info.entropy(p, base=10) == pytest.approx(info.entropy(p) / math.log(10))


def test_lecture_cross_entropy_example() -> None:
    assert round(info.cross_entropy([1, 0, 0], [0.21, 0.01, 0.78], base=10), 2) == 0.68


def test_zero_probability_where_p_is_positive_gives_infinity() -> None:
    assert info.cross_entropy([1, 0], [0, 1]) == math.inf
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert info.cross_entropy([0, 1], [0.5, 0.5]) == pytest.approx(math.log(2))


def test_batches_of_distributions_row_by_row() -> None:
    p = np.array([[1.0, 0.0], [0.5, 0.5]])
    q = np.array([[0.0, 1.0], [0.5, 0.5]])
    result = info.cross_entropy(p, q)
    assert result.shape == (2,)
    assert result[0] == math.inf and result[1] == pytest.approx(math.log(2))
    np.testing.assert_allclose(info.entropy(p), [0.0, math.log(2)])


@pytest.mark.parametrize("bad, message", [
    ([0.5, 0.6], "must sum to 1"),
    ([1.5, -0.5], "non-negative"),
    ([np.nan, 1.0], "finite"),
    ([], "non-empty"),
])
def test_bad_distributions_raise(bad, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        info.entropy(bad)
    with pytest.raises(ValueError, match=message):
        info.kl_divergence([0.5, 0.5], bad)  # q is checked as well as p


def test_bad_base_and_shapes_raise() -> None:
    with pytest.raises(ValueError, match="base must be positive and not 1"):
        info.entropy([0.5, 0.5], base=1)
    with pytest.raises(ValueError, match="base must be positive and not 1"):
        info.entropy([0.5, 0.5], base=-2)
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        info.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
