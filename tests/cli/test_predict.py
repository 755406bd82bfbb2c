"""``fcnn predict``: images and CSV rows through the run's own preprocessing."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fcnn.cli import main
from fcnn.run import TrainConfig, load_run, run_experiment
from fcnn.train import predict_scores


@pytest.fixture(scope="module")
def image_run(tmp_path_factory) -> tuple[Path, Path]:
    """A run trained on a folder of 8x8 red and blue squares."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, colour in (("red", (200, 20, 20)), ("blue", (20, 20, 200))):
        (root / "data" / name).mkdir(parents=True)
        for i in range(20):
            pixels = np.clip(np.array(colour) + rng.normal(0, 20, (8, 8, 3)), 0, 255)
            Image.fromarray(pixels.astype(np.uint8)).save(root / "data" / name / f"{i}.png")
    config = TrainConfig(dataset=str(root / "data"), hidden=[8], epochs=10,
                         validation_split=0.0)
    run_experiment(config, root / "run", progress=False, log=None)
    return root, root / "run"


def test_images_are_decoded_resized_and_classified(image_run, tmp_path: Path, capsys) -> None:
    _, run = image_run
    Image.new("RGB", (40, 30), (230, 10, 10)).save(tmp_path / "big-red.png")
    Image.new("RGB", (8, 8), (10, 10, 230)).save(tmp_path / "blue.jpg")
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(run), str(tmp_path / "big-red.png"), str(tmp_path / "blue.jpg"),
                 "--output", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].split()[:2] == ["big-red.png", "red"]
    assert printed[2].split()[:2] == ["blue.jpg", "blue"]
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["input", "class", "blue", "red"] and len(rows) == 3
    assert abs(sum(float(x) for x in rows[1][2:]) - 1) < 1e-5


def test_csv_rows_match_the_library(tmp_path: Path, capsys) -> None:
    run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=3), tmp_path / "run",
                   progress=False, log=None)
    points = np.array([[0.0, 1.0], [1.0, -0.5], [2.0, 0.3]], dtype=np.float32)
    (tmp_path / "p.csv").write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in points))
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "p.csv")]) == 0
    printed = capsys.readouterr().out.splitlines()[1:]
    loaded = load_run(tmp_path / "run")
    expected = predict_scores(loaded.model, loaded.preprocessing.transform(points)).argmax(1)
    assert [line.split()[0] for line in printed] == ["p.csv:2", "p.csv:3", "p.csv:4"]
    assert [line.split()[1] for line in printed] == [loaded.class_names[i] for i in expected]


@pytest.mark.parametrize("content, message", [
    ("1,2\n3\n", "p.csv, line 2: expected 2 numbers"),
    ("1,2\n3,nan\n", "p.csv, line 2: expected 2 numbers"),
    ("x1,x2\n", "p.csv holds no rows of numbers"),
    ("1,2,3\n", "line 1: expected 2 numbers"),
])
def test_bad_inputs_are_clear_errors(tmp_path: Path, capsys, content: str, message: str) -> None:
    run_experiment(TrainConfig(dataset="moons", hidden=[4], epochs=1), tmp_path / "run",
                   progress=False, log=None)
    (tmp_path / "p.csv").write_text(content)
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "p.csv")]) == 2
    assert message in capsys.readouterr().err
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "a.png")]) == 2
    assert "which has no images; give a CSV of 2 features a row" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "a.gif")]) == 2
    assert "expected a .png, .jpg or .jpeg image or a .csv file" in capsys.readouterr().err
