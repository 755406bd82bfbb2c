"""``fcnn graph``: the lecture's neuron from the command line, and its errors."""

from __future__ import annotations

from viz.helpers import assert_figure_files

from fcnn.cli import main

NEURON = ["sigmoid(w0*x0 + w1*x1 + b)", "--set", "w0=2,x0=-1,w1=-3,x1=-2,b=-3"]


def test_draws_and_prints_the_backward_table(tmp_path, capsys):
    assert main(["graph", *NEURON, "--steps", "--out", str(tmp_path / "g.png")]) == 0
    out = capsys.readouterr().out
    assert "= 0.7311" in out and "df/dw0 = -0.1966" in out and "df/dx1 = -0.5898" in out
    assert "downstream = local x upstream" in out and "1/x" in out
    assert_figure_files(tmp_path / "g")


def test_coarse_granularity(tmp_path, capsys):
    assert main(["graph", *NEURON, "--granularity", "coarse", "--steps",
                 "--out", str(tmp_path / "c.svg")]) == 0
    out = capsys.readouterr().out
    assert "sigmoid" in out and "exp" not in out
    assert_figure_files(tmp_path / "c")


def test_bad_expressions_exit_2_with_a_clear_message(tmp_path, capsys):
    assert main(["graph", "__import__('os').getcwd()", "--out", str(tmp_path / "x")]) == 2
    assert "not allowed" in capsys.readouterr().err
    assert main(["graph", "x*y", "--set", "x=1", "--out", str(tmp_path / "x")]) == 2
    assert "no value for y" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
