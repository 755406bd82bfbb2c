"""Layers: Linear layout and init, MLP shapes and seeds, dropout, batch norm, PyTorch parity."""

from __future__ import annotations

import numpy as np
import pytest

import fcnn
from fcnn import Tensor
from fcnn.nn import (
    INITIALIZERS,
    MLP,
    BatchNorm1d,
    Dropout,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    make_activation,
)


def test_linear_uses_pytorch_weight_layout() -> None:
    layer = Linear(3, 2, seed=0)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    assert layer.weight.dtype == np.float32
    x = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    y = layer(Tensor(x))
    np.testing.assert_allclose(y.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    assert Linear(3, 2, bias=False).bias is None


def test_linear_default_init_bounds() -> None:
    layer = Linear(400, 300, seed=1)
    bound = 1 / np.sqrt(400)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound  # it uses the whole range
    assert abs(layer.weight.data.std() - bound / np.sqrt(3)) < 0.02 * bound


def test_xavier_and_he_statistics() -> None:
    rng = np.random.default_rng(0)
    w, b = INITIALIZERS.get("xavier").target(200, 300, rng)
    bound = np.sqrt(6 / 500)
    assert np.abs(w).max() <= bound and np.all(b == 0)
    assert w.std() == pytest.approx(bound / np.sqrt(3), rel=0.03)
    w, b = INITIALIZERS.get("he").target(200, 300, rng)
    assert w.std() == pytest.approx(np.sqrt(2 / 300), rel=0.03)
    assert abs(w.mean()) < 0.01 and np.all(b == 0)
    assert w.dtype == b.dtype == np.float32


def test_unknown_init_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown initialiser 'lecun'; valid names: pytorch, "
                                         "xavier, he"):
        Linear(3, 2, init="lecun")
    assert Linear(3, 2, init="Glorot", seed=0).weight.shape == (2, 3)  # an alias of xavier


def test_linear_shape_mismatch_names_the_layer_and_both_shapes() -> None:
    layer = Linear(3072, 100)
    with pytest.raises(ValueError, match=r"Linear\(3072 -> 100\) expected input of shape "
                                         r"\(N, 3072\), got \(64, 784\)"):
        layer(Tensor(np.zeros((64, 784), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"got \(2, 32, 32, 3\).*flatten"):
        layer(Tensor(np.zeros((2, 32, 32, 3), dtype=np.float32)))


def test_linear_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="in_features must be a positive integer, got 0"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="out_features must be a positive integer, got 2.5"):
        Linear(3, 2.5)


@pytest.mark.parametrize("hidden", [[], [5], [8, 6], [4, 4, 4, 4]])
def test_mlp_any_depth_and_width(hidden: list[int]) -> None:
    model = MLP(7, hidden, 3, seed=0)
    linears = [m for m in model.modules() if isinstance(m, Linear)]
    widths = [7, *hidden, 3]
    assert [(m.in_features, m.out_features) for m in linears] == list(zip(widths, widths[1:]))
    assert model(Tensor(np.ones((2, 7)))).shape == (2, 3)
    expected = sum(a * b + b for a, b in zip(widths, widths[1:]))
    assert model.num_parameters() == expected


def test_mlp_with_no_hidden_layer_is_a_linear_classifier() -> None:
    model = MLP(64, [], 10)
    assert len(model) == 1 and isinstance(model[0], Linear)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_mlp_layer_order_with_batchnorm_and_dropout() -> None:
    model = MLP(4, [6], 2, activation="tanh", batchnorm=True, dropout=0.2)
    assert [type(m) for m in model.layers] == [Linear, BatchNorm1d, Tanh, Dropout, Linear]


def test_mlp_seed_controls_weights() -> None:
    a, b, c = MLP(5, [4], 3, seed=1), MLP(5, [4], 3, seed=1), MLP(5, [4], 3, seed=2)
    for (name, pa), (_, pb), (_, pc) in zip(a.named_parameters(), b.named_parameters(),
                                            c.named_parameters()):
        assert np.array_equal(pa.data, pb.data), name
        assert not np.array_equal(pa.data, pc.data), name


def test_mlp_unknown_activation_and_granularity() -> None:
    with pytest.raises(ValueError, match="activation: expected one of relu, leaky_relu, sigmoid, "
                                         "tanh, identity.*got 'gelu'"):
        MLP(3, [2], 2, activation="gelu")
    with pytest.raises(ValueError, match="unknown granularity 'tiny'.*'coarse'.*'fine'"):
        MLP(3, [2], 2, granularity="tiny")


def test_make_activation_returns_layers() -> None:
    assert isinstance(make_activation("relu"), ReLU)
    assert isinstance(make_activation("sigmoid"), Sigmoid)
    assert isinstance(make_activation("none"), Identity)
    leaky = make_activation("leaky_relu", negative_slope=0.2)
    assert isinstance(leaky, LeakyReLU) and leaky.negative_slope == 0.2
    np.testing.assert_allclose(leaky(Tensor(np.array([-1.0]))).data, [-0.2])
    with pytest.raises(ValueError, match=r"negative_slope: expected a number in \[0, 1\); "
                                         r"got -0.5"):
        LeakyReLU(negative_slope=-0.5)


def test_softmax_layer_rows_sum_to_one() -> None:
    q = Softmax()(Tensor(np.random.default_rng(0).normal(size=(3, 4)))).data
    np.testing.assert_allclose(q.sum(axis=1), 1.0)


def test_sequential_rejects_non_modules() -> None:
    with pytest.raises(TypeError, match="item 1 is a ufunc, not a Module"):
        Sequential(Linear(2, 2), np.tanh)


# ----- dropout -------------------------------------------------------------------------------

def test_dropout_train_and_eval() -> None:
    layer = Dropout(0.25, seed=0)
    x = Tensor(np.ones((100, 40), dtype=np.float32))
    y = layer(x).data
    assert set(np.unique(y)) == {np.float32(0.0), np.float32(1 / 0.75)}
    assert 0.2 < (y == 0).mean() < 0.3
    assert y.mean() == pytest.approx(1.0, abs=0.05)  # inverted dropout keeps the expectation
    assert not np.array_equal(layer(x).data, y)  # a fresh mask each call
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="p must satisfy 0 <= p < 1, got 1.0"):
        Dropout(1.0)


def test_dropout_gradient_uses_the_same_mask() -> None:
    layer = Dropout(0.5, seed=3)
    x = Tensor(np.ones((10, 10)), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)


# ----- batch norm ----------------------------------------------------------------------------

def test_batchnorm_updates_running_stats_and_eval_uses_them() -> None:
    rng = np.random.default_rng(0)
    layer = BatchNorm1d(3, momentum=0.1)
    x = rng.normal(5.0, 2.0, size=(32, 3)).astype(np.float32)
    layer(Tensor(x))
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-5)

    layer.eval()
    before = layer.running_mean.copy()
    y = layer(Tensor(x)).data
    np.testing.assert_array_equal(layer.running_mean, before)  # eval does not update
    expected = (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    one = layer(Tensor(x[:1])).data  # a single sample is fine in eval mode
    np.testing.assert_allclose(one, expected[:1], rtol=1e-5)


def test_batchnorm_converges_to_data_statistics() -> None:
    rng = np.random.default_rng(1)
    layer = BatchNorm1d(2, momentum=0.5)
    for _ in range(40):
        layer(Tensor(rng.normal([1.0, -3.0], [0.5, 2.0], size=(256, 2)).astype(np.float32)))
    np.testing.assert_allclose(layer.running_mean, [1.0, -3.0], atol=0.3)
    np.testing.assert_allclose(layer.running_var, [0.25, 4.0], rtol=0.3)


def test_batchnorm_shape_error() -> None:
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\) expected input of shape "
                                         r"\(N, 3\), got \(4, 2\)"):
        BatchNorm1d(3)(Tensor(np.ones((4, 2))))


def test_batchnorm_matches_torch_in_train_and_eval() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    ours, theirs = BatchNorm1d(4), torch.nn.BatchNorm1d(4).double()
    for _ in range(3):
        x = rng.normal(2.0, 3.0, size=(16, 4))
        out = ours(Tensor(x)).data
        ref = theirs(torch.tensor(x)).detach().numpy()
        np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-6)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# ----- PyTorch parity ------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
def test_mlp_forward_equals_torch_sequential(activation: str) -> None:
    torch = pytest.importorskip("torch")
    slope = {"negative_slope": 0.1} if activation == "leaky_relu" else {}
    model = MLP(6, [8, 5], 3, activation=activation, seed=4, **slope)
    torch_act = {"relu": torch.nn.ReLU(), "leaky_relu": torch.nn.LeakyReLU(0.1),
                 "sigmoid": torch.nn.Sigmoid(), "tanh": torch.nn.Tanh(),
                 "identity": torch.nn.Identity()}[activation]
    reference = torch.nn.Sequential(torch.nn.Linear(6, 8), torch_act, torch.nn.Linear(8, 5),
                                    torch_act, torch.nn.Linear(5, 3))
    with torch.no_grad():
        reference[0].weight.copy_(torch.tensor(model[0].weight.data))
        reference[0].bias.copy_(torch.tensor(model[0].bias.data))
        reference[2].weight.copy_(torch.tensor(model[2].weight.data))
        reference[2].bias.copy_(torch.tensor(model[2].bias.data))
        reference[4].weight.copy_(torch.tensor(model[4].weight.data))
        reference[4].bias.copy_(torch.tensor(model[4].bias.data))
    x = np.random.default_rng(0).normal(size=(10, 6)).astype(np.float32)
    ours = model(Tensor(x)).data
    with torch.no_grad():
        theirs = reference(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_mlp_gradients_equal_torch() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(4, [5], 3, seed=0)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    reference = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(),
                                    torch.nn.Linear(5, 3)).double()
    with torch.no_grad():
        for ours, theirs in zip(model.parameters(), reference.parameters()):
            theirs.copy_(torch.tensor(ours.data))
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    fcnn.nn.cross_entropy(model(Tensor(x)), y).backward()
    torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(y)).backward()
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
