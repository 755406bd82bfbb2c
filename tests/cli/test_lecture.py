"""``fcnn lecture`` and the training figures of ``fcnn train``."""

from __future__ import annotations

import io
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
    assert "颗粒度" in out and "一致" in out and "索引页" in out and "agrees" not in out
    assert (tmp_path / "zh" / "index.html").is_file()


def test_each_language_has_its_own_default_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["lecture", "--lang", "zh", "--sections", "quiz", "--no-progress"]) == 0
    assert (tmp_path / "lecture-zh" / "index.html").is_file()
    assert not (tmp_path / "lecture").exists()
    assert "lecture-zh" in capsys.readouterr().out


def test_the_pop_quiz_in_the_terminal(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("C\n任务类别数\n-1\nprecision\nbias\n"))
    assert main(["lecture", "--quiz"]) == 0
    out = capsys.readouterr().out
    assert "Your score: 4 of 5" in out
    assert "Not quite: you chose B. -1; the answer is C. 0." in out
    assert "(10, 3072)" in out  # the explanation is fcnn's own computation
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no input at all: answers shown
    assert main(["lecture", "--quiz", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.count("已跳过") == 5 and "得分：0 / 5" in out


def test_train_writes_figures_unless_told_not_to(tmp_path: Path):
    args = ["train", "--hidden", "8", "--epochs", "2", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    for stem in ("history", "confusion_matrix", "per_class"):
        assert_figure_files(tmp_path / "run" / stem)
    assert main([*args, "--no-figures", "--out", str(tmp_path / "bare")]) == 0
    assert not list((tmp_path / "bare").glob("*.png"))
