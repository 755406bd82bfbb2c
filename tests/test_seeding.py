"""Seeding like PyTorch: manual_seed, nothing shared by accident, the same seed the same bits."""

from __future__ import annotations

import numpy as np

import fcnn
from fcnn.nn import MLP, Dropout, Linear, ReLU, Sequential


def test_layers_built_without_a_seed_never_share_weights() -> None:
    net = Sequential(Linear(4, 4), ReLU(), Linear(4, 4))
    assert not np.array_equal(net[0].weight.data, net[2].weight.data)
    assert not np.array_equal(Linear(4, 4).weight.data, Linear(4, 4).weight.data)


def test_two_dropout_layers_draw_different_masks() -> None:
    x = fcnn.tensor(np.ones((50, 40)))
    first, second = Dropout(0.5)(x).data, Dropout(0.5)(x).data
    assert not np.array_equal(first, second)


def test_manual_seed_makes_unseeded_choices_repeat() -> None:
    fcnn.manual_seed(7)
    a = [Linear(5, 3).weight.data, MLP(5, [4], 2, dropout=0.5)[0].weight.data]
    mask_a = Dropout(0.5)(fcnn.tensor(np.ones((10, 10)))).data
    fcnn.manual_seed(7)
    b = [Linear(5, 3).weight.data, MLP(5, [4], 2, dropout=0.5)[0].weight.data]
    mask_b = Dropout(0.5)(fcnn.tensor(np.ones((10, 10)))).data
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and np.array_equal(mask_a, mask_b)


def test_the_same_seed_gives_the_same_bits() -> None:
    # an explicit seed does not depend on the package-level generator, and gives PyTorch's
    # default initialisation drawn from numpy.random.default_rng(seed), layer after layer
    fcnn.manual_seed(1)
    first = MLP(6, [5], 3, seed=11)
    fcnn.manual_seed(2)
    second = MLP(6, [5], 3, seed=11)
    for p, q in zip(first.parameters(), second.parameters()):
        assert np.array_equal(p.data, q.data)
    rng = np.random.default_rng(11)
    bound = 1 / np.sqrt(6)
    expected_w = rng.uniform(-bound, bound, (5, 6)).astype(np.float32)
    expected_b = rng.uniform(-bound, bound, 5).astype(np.float32)
    assert np.array_equal(first[0].weight.data, expected_w)
    assert np.array_equal(first[0].bias.data, expected_b)
