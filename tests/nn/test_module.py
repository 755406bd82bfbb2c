"""Module base: parameters and names, state_dict round trip and errors, modes, repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import fcnn
from fcnn import Tensor
from fcnn.nn import MLP, BatchNorm1d, Dropout, Linear, Module, Parameter, ReLU, Sequential


class TwoLayer(Module):
    def __init__(self) -> None:
        self.scale = Parameter(np.ones(1), label="s")
        self.first = Linear(3, 4, seed=0)
        self.blocks = [ReLU(), Linear(4, 2, seed=1)]

    def forward(self, x: Tensor) -> Tensor:
        return self.blocks[1](self.blocks[0](self.first(x))) * self.scale


def test_named_parameters_order_and_names() -> None:
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "blocks.1.weight", "blocks.1.bias"]
    assert model.parameters()[1] is model.first.weight
    assert all(p.requires_grad for p in model.parameters())


def test_mlp_parameter_names() -> None:
    model = MLP(3, [4], 2, batchnorm=True, dropout=0.1)
    assert [n for n, _ in model.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"]
    assert list(model.state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias",
        "1.running_mean", "1.running_var"]


def test_state_dict_is_a_copy_and_round_trips() -> None:
    source, target = MLP(5, [6], 3, seed=1, batchnorm=True), MLP(5, [6], 3, seed=2,
                                                                  batchnorm=True)
    source(Tensor(np.random.default_rng(0).normal(size=(8, 5))))  # move running stats
    state = source.state_dict()
    state["0.weight"][...] = 0  # a copy: does not touch the model
    assert not np.all(source[0].weight.data == 0)
    state = source.state_dict()
    target.load_state_dict(state)
    for key, value in target.state_dict().items():
        assert np.array_equal(value, state[key]), key
    x = Tensor(np.ones((3, 5), dtype=np.float32))
    source.eval()
    target.eval()
    assert np.array_equal(source(x).data, target(x).data)


def test_load_state_dict_keeps_parameter_objects() -> None:
    model = MLP(2, [3], 2)
    weight = model[0].weight
    model.load_state_dict(MLP(2, [3], 2, seed=5).state_dict())
    assert model[0].weight is weight  # optimizers holding the parameters keep working


def test_load_state_dict_missing_unexpected_and_shape_errors() -> None:
    model = MLP(3, [4], 2)
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "0.bias"}
    with pytest.raises(ValueError, match=r"missing keys \['0.bias'\], unexpected keys \[\]"):
        model.load_state_dict(missing)
    with pytest.raises(ValueError, match=r"missing keys \[\], unexpected keys \['9.weight'\]"):
        model.load_state_dict({**state, "9.weight": np.ones(2)})
    with pytest.raises(ValueError, match=r"'2.weight' has shape \(2, 5\), the model expects "
                                         r"\(2, 4\)"):
        model.load_state_dict({**state, "2.weight": np.ones((2, 5))})


def test_train_and_eval_propagate() -> None:
    model = MLP(3, [4, 4], 2, dropout=0.5, batchnorm=True)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    nested = Sequential(Sequential(Dropout(0.5)), Linear(2, 2))
    nested.eval()
    assert nested[0][0].training is False


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(3, [4], 2)
    model(Tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_repr_is_readable() -> None:
    model = MLP(3, [4], 2, batchnorm=True)
    assert repr(model) == (  # PyTorch's layout
        "MLP(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): BatchNorm1d(4, eps=1e-05, momentum=0.1)\n"
        "  (2): ReLU()\n"
        "  (3): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(Dropout(0.3)) == "Dropout(p=0.3)"
    assert repr(MLP(3, [4], 2, granularity="fine")[0]) == \
        "Linear(in_features=3, out_features=4, bias=True, granularity='fine')"
    assert "(first): Linear(in_features=3, out_features=4" in repr(TwoLayer())


def test_buffers_are_saved_but_not_learned() -> None:
    layer = BatchNorm1d(2)
    assert [n for n, _ in layer.named_buffers()] == ["running_mean", "running_var"]
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]


def test_parameter_requires_grad() -> None:
    p = Parameter([1.0, 2.0])
    assert p.requires_grad and p.dtype == np.float32 and p.is_leaf


def test_to_casts_parameters_and_buffers() -> None:
    model = MLP(3, [4], 2, batchnorm=True, seed=0).to(np.float64)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    assert {b.dtype for _, b in model.named_buffers()} == {np.dtype(np.float64)}
    x = np.random.default_rng(0).normal(size=(5, 3))
    assert model(fcnn.tensor(x, dtype=np.float64)).dtype == np.float64
    with pytest.raises(ValueError, match="must stay floating point, got int32"):
        model.to(np.int32)


def test_sequential_names_its_children_like_pytorch() -> None:
    net = Sequential(OrderedDict([("hidden", Linear(3, 4, seed=0)), ("act", ReLU()),
                                  ("out", Linear(4, 2, seed=1))]))
    assert [name for name, _ in net.named_parameters()] == [
        "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert "(act): ReLU()" in repr(net) and len(net) == 3 and isinstance(net[1], ReLU)
