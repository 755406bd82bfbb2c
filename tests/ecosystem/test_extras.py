"""Optional dependencies: fcnn imports without them, and a missing one names its extra."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from fcnn._extras import require
from fcnn.cli import main
from fcnn.nn import MLP

OPTIONAL = ["sklearn", "onnx", "onnxruntime", "torch", "dask", "distributed", "joblib"]


def block(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``import NAME`` fail as if the package were not installed."""
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


def test_importing_fcnn_and_its_cli_needs_no_extra() -> None:
    code = ("import sys, fcnn, fcnn.sweep, fcnn.onnx, fcnn.torch, fcnn.cli; "
            "fcnn.cli.build_parser(); "
            f"print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("module, extra", [
    ("onnx", "onnx"), ("onnxruntime", "onnx"), ("torch", "torch"), ("sklearn", "sklearn"),
    ("dask.distributed", "dask"), ("joblib", "dask"),
])
def test_require_names_the_extra(monkeypatch, module: str, extra: str) -> None:
    block(monkeypatch, module.split(".")[0])
    with pytest.raises(ImportError, match=rf"feature X needs the '{extra}' extra: "
                                          rf"pip install 'fcnn\[{extra}\]'"):
        require(module, "feature X")


def test_require_unknown_package_names_it() -> None:
    with pytest.raises(ImportError, match="pip install no_such_package_fcnn"):
        require("no_such_package_fcnn", "feature X")


def test_sklearn_estimator_without_scikit_learn(monkeypatch) -> None:
    block(monkeypatch, "sklearn", "sklearn.base")
    monkeypatch.delitem(sys.modules, "fcnn.sklearn", raising=False)
    with pytest.raises(ImportError, match=r"fcnn.sklearn needs the 'sklearn' extra"):
        importlib.import_module("fcnn.sklearn")
    monkeypatch.delitem(sys.modules, "fcnn.sklearn", raising=False)


def test_onnx_and_torch_without_their_libraries(monkeypatch) -> None:
    from fcnn.onnx import to_onnx
    from fcnn.torch import to_torch

    block(monkeypatch, "onnx", "torch")
    with pytest.raises(ImportError, match=r"fcnn.onnx needs the 'onnx' extra"):
        to_onnx(MLP(2, [], 2))
    with pytest.raises(ImportError, match=r"fcnn.torch needs the 'torch' extra"):
        to_torch(MLP(2, [], 2))


def test_cli_commands_without_their_extras(monkeypatch, tmp_path, capsys) -> None:
    block(monkeypatch, "onnx", "joblib")
    assert main(["export", str(tmp_path), str(tmp_path / "m.onnx")]) == 2
    assert "fcnn export needs the 'onnx' extra" in capsys.readouterr().err
    config = tmp_path / "s.toml"
    config.write_text('[base]\ndataset = "moons"\nepochs = 1\n[grid]\nlr = [0.1]\n')
    assert main(["sweep", "--config", str(config), "--out", str(tmp_path / "s"),
                 "--no-progress"]) == 2
    assert ("fcnn.sweep with parallel trials (n_jobs=-1; with n_jobs=1, or --jobs 1, trials "
            "run one at a time without it) needs the 'dask' extra") in capsys.readouterr().err
    # one trial at a time runs in this process and needs no joblib
    assert main(["sweep", "--config", str(config), "--out", str(tmp_path / "s"),
                 "--jobs", "1", "--no-progress"]) == 0
    assert "running 1 one at a time in this process" in capsys.readouterr().out
