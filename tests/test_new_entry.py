"""Adding an activation is one function and one table entry, and it reaches every place.

The test registers softplus, y = log(1 + e^x), composed from primitive ops, with its
ONNX operator and torch.nn class, and uses it through every entry point that names
activations: MLP and layers, configurations, the command line, sweeps, the scikit-learn
wrapper, the ONNX and PyTorch bridges, the expression parser and the curves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest

import fcnn
from fcnn.nn import ACTIVATIONS, MLP, make_activation
from fcnn.registry import Entry
from fcnn.train import fit


def softplus(x: fcnn.Tensor, *, granularity: str = "coarse") -> fcnn.Tensor:
    """y = log(1 + e^x) (the same ops at both granularities)."""
    return (x.exp() + 1).log()


SOFTPLUS = Entry("softplus", softplus, aliases=("smooth_relu",), help="log(1 + e^x)",
                 meta={"title": "Softplus", "formula": r"$y = \log(1 + e^x)$",
                       "onnx": ("Softplus", {}), "torch": ("Softplus", {})})


@contextlib.contextmanager
def registered() -> Iterator[None]:
    with ACTIVATIONS.temporarily(SOFTPLUS):
        yield


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2)).astype(np.float32)
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def test_layers_and_training() -> None:
    with registered():
        layer = make_activation("smooth-relu")
        assert repr(layer) == "Activation('softplus')"
        np.testing.assert_allclose(layer(fcnn.tensor([0.0])).data, [np.log(2)], rtol=1e-6)
        model = MLP(2, [8], 2, activation="softplus", seed=0)
        history = fit(model, *data(), optimizer="adam", lr=0.05, epochs=3, progress=False,
                      seed=0)
        assert history["loss"][-1] < history["loss"][0]


def test_configurations_sweeps_and_the_command_line(capsys) -> None:
    from fcnn.cli import build_parser, main
    from fcnn.run import TrainConfig, run_experiment
    from fcnn.sweep import Sweep

    with registered():
        config = TrainConfig(dataset="moons", hidden=[4], activation="softplus", epochs=1)
        assert run_experiment(config, progress=False, log=None).model[1].name == "softplus"
        sweep = Sweep.from_dict({"base": {"dataset": "moons"},
                                 "grid": {"activation": ["relu", "softplus"]}})
        assert [t.params["activation"] for t in sweep.trials()] == ["relu", "softplus"]
        help_text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
        assert "softplus" in " ".join(help_text.split())
        with pytest.raises(SystemExit):
            main(["train", "--help"])
        assert "identity, softplus" in " ".join(capsys.readouterr().out.split())
        with pytest.raises(SystemExit):
            main(["boundary", "--help"])
        assert "identity, softplus" in " ".join(capsys.readouterr().out.split())


def test_scikit_learn_wrapper() -> None:
    pytest.importorskip("sklearn")
    from fcnn.sklearn import FCNClassifier

    with registered():
        net = FCNClassifier(hidden=(8,), activation="softplus", epochs=3, tol=None,
                            random_state=0).fit(*data())
        assert net.model_[1].name == "softplus"


def test_onnx_export() -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    from fcnn.onnx import to_onnx
    from fcnn.train import predict_scores

    with registered():
        model = MLP(2, [8], 2, activation="softplus", seed=0)
        proto = to_onnx(model)
        assert [node.op_type for node in proto.graph.node] == ["Gemm", "Softplus", "Gemm"]
        session = onnxruntime.InferenceSession(proto.SerializeToString())
        X = data()[0]
        np.testing.assert_allclose(session.run(None, {"input": X})[0],
                                   predict_scores(model, X), atol=1e-5)


def test_torch_bridge() -> None:
    torch = pytest.importorskip("torch")
    from fcnn.torch import from_torch, to_torch

    with registered():
        model = MLP(2, [8], 2, activation="softplus", seed=0)
        module = to_torch(model)
        assert isinstance(module[1], torch.nn.Softplus)
        back = from_torch(module)
        assert isinstance(back, MLP) and back.config["activation"] == "softplus"


def test_expression_parser_and_curves() -> None:
    from fcnn.viz.curves import activation_curve
    from fcnn.viz.expression import parse_expression

    with registered():
        f = parse_expression("softplus(w*x)", {"w": 2.0, "x": 0.5})
        f.backward()
        assert float(f) == pytest.approx(np.log1p(np.e))
        y, dy = activation_curve("softplus", np.array([0.0]))
        assert dy[0] == pytest.approx(0.5)  # the derivative is the sigmoid


def test_an_activation_with_an_option_trains_from_a_configuration(capsys) -> None:
    from fcnn.cli import main
    from fcnn.registry import Option
    from fcnn.run import TrainConfig, run_experiment

    def scaled_tanh(x, gain=1.0, *, granularity="coarse"):
        return (x * gain).tanh()

    entry = Entry("scaled_tanh", scaled_tanh,
                  options=(Option("gain", float, 1.0, low=0, low_open=True, help="x scale"),))
    with ACTIVATIONS.temporarily(entry):
        config = TrainConfig(dataset="moons", hidden=[4], activation="scaled_tanh", gain=2.0,
                             epochs=1)
        result = run_experiment(config, progress=False, log=None)
        assert result.model[1].options == {"gain": 2.0}
        with pytest.raises(ValueError, match="gain: applies to activation scaled_tanh, not to "
                                             "relu"):
            TrainConfig(gain=2.0)
        with pytest.raises(SystemExit):
            main(["train", "--help"])
        assert "--gain X x scale [scaled_tanh] (default: 1.0 with scaled_tanh)" in \
            " ".join(capsys.readouterr().out.split())
