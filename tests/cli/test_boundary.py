"""``fcnn boundary``: the lecture's width/depth grids on tiny settings."""

from __future__ import annotations

from viz.helpers import assert_figure_files

from fcnn.cli import main


def test_width_grid(tmp_path, capsys):
    assert main(["boundary", "--dataset", "moons", "--hidden", "3", "6", "--epochs", "2",
                 "--samples", "40", "--no-progress", "--out", str(tmp_path / "w.png")]) == 0
    out = capsys.readouterr().out
    assert "2-layer net, hidden 3" in out and "2-layer net, hidden 6" in out
    assert_figure_files(tmp_path / "w")


def test_depth_grid_without_activation(tmp_path, capsys):
    assert main(["boundary", "--layers", "2", "3", "--width", "4", "--without-activation",
                 "--epochs", "2", "--samples", "40", "--no-progress",
                 "--out", str(tmp_path / "d.png")]) == 0
    out = capsys.readouterr().out
    assert "3-layer net, hidden 4-4 (relu)" in out and "(no activation)" in out
    assert_figure_files(tmp_path / "d")


def test_separability(tmp_path):
    assert main(["boundary", "--separability", "--epochs", "2", "--samples", "40",
                 "--no-progress", "--out", str(tmp_path / "s.png")]) == 0
    assert_figure_files(tmp_path / "s")


def test_bad_width(tmp_path, capsys):
    assert main(["boundary", "--hidden", "0", "--out", str(tmp_path / "x")]) == 2
    assert "positive" in capsys.readouterr().err
