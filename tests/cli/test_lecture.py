"""``fcnn lecture`` and the training figures of ``fcnn train``."""

from __future__ import annotations

from pathlib import Path

from viz.helpers import assert_figure_files

from fcnn.cli import main


def test_lecture_sections_in_both_languages(tmp_path, capsys):
    assert main(["lecture", "--sections", "backprop", "--no-progress",
                 "--out", str(tmp_path / "en")]) == 0
    out = capsys.readouterr().out
    assert "0.73" in out and "agrees" in out and "index.html" in out
    assert_figure_files(tmp_path / "en" / "graph_neuron_fine")
    assert main(["lecture", "--lang", "zh", "--sections", "granularity", "--no-progress",
                 "--out", str(tmp_path / "zh")]) == 0
    out = capsys.readouterr().out
    assert "颗粒度" in out and "图中文字为英文" in out
    assert (tmp_path / "zh" / "index.html").is_file()


def test_train_writes_figures_unless_told_not_to(tmp_path: Path):
    args = ["train", "--hidden", "8", "--epochs", "2", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    for stem in ("history", "confusion_matrix", "per_class"):
        assert_figure_files(tmp_path / "run" / stem)
    assert main([*args, "--no-figures", "--out", str(tmp_path / "bare")]) == 0
    assert not list((tmp_path / "bare").glob("*.png"))
