"""``fcnn templates`` on tiny runs trained on the embedded digits."""

from __future__ import annotations

import pytest
from viz.helpers import assert_figure_files

from fcnn.cli import main


def train(folder, *hidden, dataset="digits"):
    args = ["train", "--dataset", dataset, "--hidden", *map(str, hidden), "--epochs", "1",
            "--no-progress", "--no-figures", "--out", str(folder)]
    assert main(args) == 0


@pytest.mark.parametrize("hidden", [(), (8,)])
def test_templates_of_a_linear_and_a_two_layer_net(tmp_path, capsys, hidden):
    train(tmp_path / "run", *hidden)
    assert main(["templates", str(tmp_path / "run"), "--count", "4"]) == 0
    out = capsys.readouterr().out
    assert ("linear classifier" if not hidden else "two-layer net") in out
    assert_figure_files(tmp_path / "run" / "templates")


def test_errors(tmp_path, capsys):
    train(tmp_path / "deep", 4, 4)
    assert main(["templates", str(tmp_path / "deep")]) == 2
    assert "3 layers" in capsys.readouterr().err
    train(tmp_path / "moons", 4, dataset="moons")
    assert main(["templates", str(tmp_path / "moons")]) == 2
    assert "no image shape" in capsys.readouterr().err
