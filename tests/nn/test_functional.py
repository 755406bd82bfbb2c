"""nn.functional: coarse vs fine granularity parity, the sigmoid neuron graph, lecture numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import fcnn
from fcnn import Tensor
from fcnn.nn import ACTIVATIONS, MLP, losses
from fcnn.nn import functional as F

RNG = np.random.default_rng(99)
X = RNG.normal(size=(6, 5))
W = RNG.normal(size=(3, 5))
B = RNG.normal(size=3)
LABELS = np.array([0, 2, 1, 1, 0, 2])
GRANULARITIES = ("coarse", "fine")


def run(fn: Callable[..., Tensor], arrays: list[np.ndarray],
        seed: np.ndarray | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Forward and backward in float64 with a random upstream gradient."""
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*inputs)
    upstream = np.random.default_rng(5).normal(size=out.shape) if seed is None else seed
    out.backward(upstream)
    return out.data, [t.grad for t in inputs]


def assert_same_in_both_granularities(make: Callable[[str], Callable[..., Tensor]],
                                      arrays: list[np.ndarray]) -> None:
    coarse_out, coarse_grads = run(make("coarse"), arrays)
    fine_out, fine_grads = run(make("fine"), arrays)
    assert coarse_out.dtype == fine_out.dtype == np.float64
    np.testing.assert_allclose(fine_out, coarse_out, rtol=1e-7, atol=1e-12)
    for fine, coarse in zip(fine_grads, coarse_grads):
        np.testing.assert_allclose(fine, coarse, rtol=1e-7, atol=1e-12)


PARITY = {
    "sigmoid": (lambda g: lambda x: F.sigmoid(x, granularity=g), [X]),
    "tanh": (lambda g: lambda x: F.tanh(x, granularity=g), [X]),
    "relu": (lambda g: lambda x: F.relu(x, granularity=g), [X]),
    "leaky_relu": (lambda g: lambda x: F.leaky_relu(x, 0.1, granularity=g), [X]),
    "identity": (lambda g: lambda x: F.identity(x, granularity=g), [X]),
    "linear": (lambda g: lambda x, w, b: F.linear(x, w, b, granularity=g), [X, W, B]),
    "linear_no_bias": (lambda g: lambda x, w: F.linear(x, w, granularity=g), [X, W]),
    "softmax": (lambda g: lambda x: F.softmax(x, granularity=g), [X]),
    "softmax_axis0": (lambda g: lambda x: F.softmax(x, axis=0, granularity=g), [X]),
    "log_softmax": (lambda g: lambda x: F.log_softmax(x, granularity=g), [X]),
    "dropout": (lambda g: lambda x: F.dropout(x, 0.3, np.random.default_rng(3), granularity=g),
                [X]),
    "batch_norm": (lambda g: lambda x, ga, be: F.batch_norm(
        x, ga, be, np.zeros(5), np.ones(5), granularity=g), [X, RNG.normal(size=5),
                                                            RNG.normal(size=5)]),
    **{f"cross_entropy_{r}_ls{ls}": (
        lambda g, r=r, ls=ls: lambda s: losses.cross_entropy(s, LABELS, ls, r, granularity=g),
        [X[:, :3]])
       for r in ("mean", "sum", "none") for ls in (0.0, 0.1)},
    **{f"hinge_{r}_margin{m}": (
        lambda g, r=r, m=m: lambda s: losses.hinge_loss(s, LABELS, m, r, granularity=g), [X[:, :3]])
       for r in ("mean", "sum", "none") for m in (1.0, 0.5)},
}


@pytest.mark.parametrize("name", list(PARITY))
def test_coarse_and_fine_agree(name: str) -> None:
    make, arrays = PARITY[name]
    assert_same_in_both_granularities(make, arrays)


def test_batch_norm_running_stats_agree_across_granularities() -> None:
    stats = {}
    for g in GRANULARITIES:
        mean, var = np.zeros(5), np.ones(5)
        F.batch_norm(Tensor(X), Tensor(np.ones(5)), Tensor(np.zeros(5)), mean, var,
                     momentum=0.5, granularity=g)
        stats[g] = mean, var
    np.testing.assert_allclose(stats["fine"][0], stats["coarse"][0], rtol=1e-12)
    np.testing.assert_allclose(stats["fine"][1], stats["coarse"][1], rtol=1e-12)
    np.testing.assert_allclose(stats["coarse"][0], 0.5 * X.mean(axis=0))
    np.testing.assert_allclose(stats["coarse"][1], 0.5 + 0.5 * X.var(axis=0, ddof=1))


def to_float64(model: MLP) -> MLP:
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    for module in model.modules():
        for name in vars(module).get("_buffer_names", []):
            setattr(module, name, getattr(module, name).astype(np.float64))
    return model


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
@pytest.mark.parametrize("extras", [{}, {"batchnorm": True, "dropout": 0.25}],
                         ids=["plain", "bn_dropout"])
def test_whole_mlp_same_in_both_granularities(activation: str, extras: dict) -> None:
    x = RNG.normal(size=(8, 5))
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    results = {}
    slope = {"negative_slope": 0.1} if activation == "leaky_relu" else {}
    for g in GRANULARITIES:
        model = to_float64(MLP(5, [7, 6], 4, activation=activation, seed=3, granularity=g,
                               **slope, **extras))
        scores = model(Tensor(x))
        loss = losses.cross_entropy(scores, labels, granularity=g)
        loss.backward()
        results[g] = scores.data, [p.grad for p in model.parameters()]
    np.testing.assert_allclose(results["fine"][0], results["coarse"][0], rtol=1e-7, atol=1e-12)
    for fine, coarse in zip(results["fine"][1], results["coarse"][1]):
        np.testing.assert_allclose(fine, coarse, rtol=1e-7, atol=1e-12)


def test_set_granularity_switches_every_layer() -> None:
    model = MLP(3, [4], 2, batchnorm=True, dropout=0.1)
    model.set_granularity("fine")
    assert all(m.granularity == "fine" for m in model.modules() if hasattr(m, "granularity"))
    out = model(Tensor(np.ones((2, 3))))
    assert out.op == "+"  # the last Linear is now T, @, +


# ----- the lecture's sigmoid neuron -----------------------------------------------------------

NEURON = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}
NEURON_GRADS = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "b": 0.20}


def neuron(granularity: str, dtype=np.float64) -> tuple[Tensor, dict[str, Tensor]]:
    v = {k: fcnn.tensor(val, requires_grad=True, dtype=dtype, label=k) for k, val in NEURON.items()}
    f = F.sigmoid(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["b"], granularity=granularity)
    return f, v


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lecture_sigmoid_neuron_values_and_gradients(granularity: str, dtype) -> None:
    f, v = neuron(granularity, dtype)
    f.backward()
    assert round(float(f), 2) == 0.73
    for name, expected in NEURON_GRADS.items():
        assert round(float(v[name].grad), 2) == expected, name
    assert float(v["b"].grad) == pytest.approx(0.73105858 * (1 - 0.73105858), rel=1e-6)


def test_coarse_neuron_has_exactly_one_sigmoid_node_on_top() -> None:
    f, v = neuron("coarse")
    assert f.op == "sigmoid"
    ops = [t.op for t in f.topological_order() if not t.is_leaf]
    assert ops.count("sigmoid") == 1
    assert sorted(ops) == sorted(["*", "*", "+", "+", "sigmoid"])


def test_fine_neuron_is_the_lecture_chain_of_gates() -> None:
    f, v = neuron("fine")
    # walk down from the output: 1/x <- +1 <- exp <- neg <- + (bias) <- + <- *
    chain = []
    t = f
    while not t.is_leaf:
        chain.append(t.op)
        graph_parents = [p for p in t.parents if p.requires_grad]
        t = graph_parents[0]
    assert chain == ["1/x", "+", "exp", "neg", "+", "+", "*"]
    ops = [t.op for t in f.topological_order() if not t.is_leaf]
    assert "sigmoid" not in ops
    # in evaluation order: the products, the sums, then neg, exp, +1, 1/x
    assert ops[-4:] == ["neg", "exp", "+", "1/x"]
    assert sorted(ops[:-4]) == sorted(["*", "*", "+", "+"])
    assert ops.index("neg") > max(i for i, op in enumerate(ops[:-4]))


# ----- lecture numbers and misc ---------------------------------------------------------------

@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_lecture_softmax_example(granularity: str) -> None:
    q = F.softmax(fcnn.tensor([1.3, 5.1, 2.2, 0.7, 1.1]), granularity=granularity)
    assert np.round(q.data.astype(np.float64), 2).tolist() == [0.02, 0.90, 0.05, 0.01, 0.02]
    assert float(q.data.sum()) == pytest.approx(1.0, abs=1e-6)


def test_softmax_is_stable_for_huge_scores() -> None:
    for g in GRANULARITIES:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            q = F.softmax(fcnn.tensor([[1000.0, 0.0, -1000.0]]), granularity=g)
            lq = F.log_softmax(fcnn.tensor([[1000.0, 0.0, -1000.0]]), granularity=g)
        assert np.all(np.isfinite(q.data)) and q.data[0, 0] == pytest.approx(1.0)
        np.testing.assert_allclose(lq.data, [[0.0, -1000.0, -2000.0]], rtol=1e-6)


def test_sigmoid_is_stable_for_large_inputs() -> None:
    with np.errstate(over="raise", invalid="raise"):
        y = F.sigmoid(fcnn.tensor([-200.0, 0.0, 200.0]))
    np.testing.assert_allclose(y.data, [0.0, 0.5, 1.0], atol=1e-30)


def test_leaky_relu_values() -> None:
    y = F.leaky_relu(Tensor(np.array([-2.0, 0.0, 3.0])), negative_slope=0.1)
    np.testing.assert_allclose(y.data, [-0.2, 0.0, 3.0])


def test_dropout_eval_is_identity_and_train_scales() -> None:
    x = Tensor(np.ones((200, 50)))
    assert F.dropout(x, 0.5, np.random.default_rng(0), training=False) is x
    assert F.dropout(x, 0.0, np.random.default_rng(0)) is x
    y = F.dropout(x, 0.5, np.random.default_rng(0)).data
    assert set(np.unique(y)) == {0.0, 2.0}
    assert 0.45 < (y == 0).mean() < 0.55


def test_batch_norm_training_output_is_normalised() -> None:
    x = Tensor(RNG.normal(3.0, 2.0, size=(50, 4)))
    y = F.batch_norm(x, Tensor(np.ones(4)), Tensor(np.zeros(4)), np.zeros(4), np.ones(4)).data
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-4)


def test_batch_norm_needs_two_samples() -> None:
    with pytest.raises(ValueError, match="at least 2 samples"):
        F.batch_norm(Tensor(np.ones((1, 3))), Tensor(np.ones(3)), Tensor(np.zeros(3)),
                     np.zeros(3), np.ones(3))


def test_unknown_names_list_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu.*leaky_relu.*sigmoid"):
        ACTIVATIONS.get("swish")
    with pytest.raises(ValueError, match="unknown granularity 'medium'.*'coarse'.*'fine'"):
        F.relu(Tensor([1.0]), granularity="medium")
    assert ACTIVATIONS.get("Leaky-ReLU").target is F.leaky_relu
    assert ACTIVATIONS.get("none").target is F.identity


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError, match="0 <= k < 1, got 1.5"):
        F.leaky_relu(Tensor([1.0]), negative_slope=1.5)
    with pytest.raises(ValueError, match="0 <= p < 1, got 1"):
        F.dropout(Tensor([1.0]), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 5\).*got \(2, 4\)"):
        F.linear(Tensor(np.ones((2, 4))), Tensor(W))
