"""PyTorch interop: to_torch / from_torch reproduce outputs; unsupported layers are named."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fcnn.nn import (  # noqa: E402
    ACTIVATIONS,
    MLP,
    Activation,
    Dropout,
    Linear,
    ReLU,
    Sequential,
    Softmax,
)
from fcnn.registry import Entry  # noqa: E402
from fcnn.torch import from_torch, to_torch  # noqa: E402
from fcnn.train import fit, predict_scores  # noqa: E402

nn = torch.nn

ARCHITECTURES = {
    "linear": dict(hidden=[]),
    "relu": dict(hidden=[32, 16]),
    "sigmoid": dict(hidden=[10], activation="sigmoid"),
    "tanh-deep": dict(hidden=[8, 8, 8, 8], activation="tanh"),
    "leaky-dropout-batchnorm": dict(hidden=[20, 12], activation="leaky_relu", negative_slope=0.2,
                                    dropout=0.25, batchnorm=True),
    "identity": dict(hidden=[5], activation="identity"),
}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)


def torch_outputs(module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_round_trip_reproduces_outputs(name: str, data) -> None:
    X, y = data
    model = MLP(6, out_features=3, seed=2, **ARCHITECTURES[name])
    fit(model, X, y, epochs=2, lr=0.05, progress=False)
    module = to_torch(model.eval())
    assert isinstance(module, nn.Sequential) and not module.training
    expected = predict_scores(model, X)
    assert np.abs(torch_outputs(module, X) - expected).max() <= 1e-5
    back = from_torch(module)
    assert isinstance(back, MLP) and back.config == {**model.config, "seed": 0}
    assert np.abs(predict_scores(back, X) - expected).max() <= 1e-6


def test_to_torch_copies_every_setting() -> None:
    model = MLP(4, [3], 2, activation="leaky_relu", negative_slope=0.3, dropout=0.4, batchnorm=True)
    module = to_torch(model)
    assert [type(m).__name__ for m in module] == [
        "Linear", "BatchNorm1d", "LeakyReLU", "Dropout", "Linear"]
    assert module[2].negative_slope == 0.3 and module[3].p == 0.4
    assert module[1].eps == 1e-5 and module[1].momentum == 0.1 and module.training
    module[0].weight.data.zero_()  # a copy: the fcnn model keeps its weights
    assert np.abs(model.layers[0].weight.data).sum() > 0


def test_a_torch_network_comes_across_with_its_statistics(data) -> None:
    X, y = data
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.Tanh(), nn.Dropout(0.1),
                           nn.Linear(16, 3))
    with torch.no_grad():
        module[1].weight.uniform_(0.5, 2.0)
        module[1].bias.uniform_(-1.0, 1.0)
        for _ in range(5):  # forward passes in training mode move the running statistics
            module(torch.from_numpy(X * 3 + 1))
    module.eval()
    assert module[1].running_var.mean() > 1.5
    model = from_torch(module)
    assert isinstance(model, MLP) and model.config["batchnorm"] and not model.training
    assert np.abs(predict_scores(model, X) - torch_outputs(module, X)).max() <= 1e-5
    fit(model, X, y, epochs=1, progress=False)  # and it trains further in fcnn


def test_non_mlp_shapes_become_a_sequential(data) -> None:
    X, _ = data
    module = nn.Sequential(nn.Linear(6, 4, bias=False), nn.Sequential(nn.ReLU(), nn.Linear(4, 3)),
                           nn.Softmax(dim=1)).eval()
    model = from_torch(module)
    assert type(model) is Sequential
    assert [type(layer) for layer in model.layers] == [Linear, ReLU, Linear, Softmax]
    assert np.abs(predict_scores(model, X) - torch_outputs(module, X)).max() <= 1e-6
    assert np.abs(torch_outputs(to_torch(model), X) - torch_outputs(module, X)).max() <= 1e-6


def test_float64_weights_are_converted(data) -> None:
    X, _ = data
    module = nn.Sequential(nn.Linear(6, 3)).double()
    model = from_torch(module)
    assert model.layers[0].weight.dtype == np.float32
    expected = torch_outputs(module, X.astype(np.float64))
    assert np.abs(predict_scores(model, X) - expected).max() <= 1e-5


@pytest.mark.parametrize("module, message", [
    (nn.Sequential(nn.Conv2d(1, 2, 3)),
     "Conv2d at index 0 cannot be converted to fcnn; supported layers: Linear, BatchNorm1d, "
     "Dropout, Softmax, ReLU"),
    (nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.GELU())),
     "GELU at index 1.1 cannot be converted"),
    (nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2, affine=False)),
     "BatchNorm1d at index 1 cannot be converted to fcnn .it needs affine=True"),
    (nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)), r"Softmax at index 1 .*dim=0"),
    (nn.Sequential(nn.LeakyReLU(1.5)), r"LeakyReLU at index 0 cannot be converted to fcnn "
     r"\(leaky_relu: negative_slope: expected a number in \[0, 1\); got 1.5"),
    (nn.Sequential(), "empty"),
])
def test_unconvertible_layers_are_named(module, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_torch(module)


def test_only_sequentials_convert() -> None:
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) * 2

    with pytest.raises(TypeError, match="got a Net: its forward"):
        from_torch(Net())
    with pytest.raises(TypeError, match="got list"):
        from_torch([nn.Linear(2, 2)])


def test_to_torch_names_an_unsupported_layer() -> None:
    class Custom(Dropout):
        pass

    cube = Entry("cube", lambda x, *, granularity="coarse": x * x * x)  # no torch twin
    with ACTIVATIONS.temporarily(cube):
        with pytest.raises(ValueError, match=r"layer 1 \(Activation\) cannot be converted to "
                                             r"PyTorch; supported layers: .*Sigmoid"):
            to_torch(Sequential(Linear(2, 2), Activation("cube")))
    assert type(to_torch(Sequential(Custom(0.1)))[0]).__name__ == "Dropout"
