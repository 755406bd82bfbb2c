"""Run folders you can trust: complete or absent, never overwritten by surprise, exact resume.

The fault tests run `fcnn train` in a subprocess and kill it (-9, or Ctrl-C) at random
moments, before, during and after checkpoint writes; the old run must stay intact and
`--resume` must reach the same bytes as a run that was never stopped.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fcnn.errors import DiskError, DivergenceError, InputError
from fcnn.files import sha256_file, write_manifest
from fcnn.run import RunFolder, TrainConfig, load_run, resume_experiment, run_experiment
from fcnn.run.folder import partial_of

# about 2 s of training on 2 cores, with a checkpoint inside every epoch (every 20 ms)
TRAIN = ["train", "--dataset", "digits", "--hidden", "128", "64", "--dropout", "0.2",
         "--augment", "flip", "crop1", "--epochs", "12", "--batch-size", "16",
         "--schedule", "cosine", "--no-figures", "--no-progress",
         "--checkpoint-minutes", "0.0003"]


def fcnn(*args: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "fcnn.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    process = fcnn(*args, cwd=cwd)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def weights(folder: Path) -> str:
    return sha256_file(folder / "model.safetensors")


def wait_for(path: Path, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not path.exists() and time.time() < deadline:
        time.sleep(0.02)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> str:
    """The SHA-256 of the weights of the uninterrupted run."""
    cwd = tmp_path_factory.mktemp("reference")
    result = finish(*TRAIN, "--out", "run", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return weights(cwd / "run")


@pytest.mark.parametrize("delay", [1.2, 1.9, 2.6, 3.4, 4.2])
def test_kill_9_then_resume_gives_the_same_weights(tmp_path: Path, reference: str,
                                                   delay: float) -> None:
    process = fcnn(*TRAIN, "--out", "run", cwd=tmp_path)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if (tmp_path / "run" / "manifest.json").exists():  # it finished before the kill
        assert weights(tmp_path / "run") == reference
        return
    assert not (tmp_path / "run").exists()  # absent, never half written
    if not partial_of(tmp_path / "run").exists():  # killed while Python was starting
        result = finish(*TRAIN, "--out", "run", cwd=tmp_path)
    else:
        result = finish("train", "--resume", "run", "--no-progress", "--no-figures",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert weights(tmp_path / "run") == reference
    assert not partial_of(tmp_path / "run").exists()
    load_run(tmp_path / "run")  # the manifest verifies


def test_ctrl_c_checkpoints_and_prints_the_resume_command(tmp_path: Path, reference: str
                                                          ) -> None:
    process = fcnn(*TRAIN, "--out", "run", cwd=tmp_path)
    wait_for(partial_of(tmp_path / "run") / "checkpoints" / "last.safetensors")  # training
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the run finished before Ctrl-C arrived (a very fast machine)")
    assert process.returncode == 130
    assert "fcnn train --resume run" in err and "Traceback" not in err
    result = finish("train", "--resume", "run", "--no-progress", "--no-figures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert weights(tmp_path / "run") == reference


@pytest.mark.parametrize("delay", [1.5, 2.5])
def test_an_old_run_survives_a_killed_overwrite(tmp_path: Path, delay: float) -> None:
    old = finish("train", "--epochs", "2", "--out", "run", "--no-progress", cwd=tmp_path)
    assert old.returncode == 0
    before = json.loads((tmp_path / "run" / "manifest.json").read_text())
    process = fcnn(*TRAIN, "--out", "run", "--overwrite", cwd=tmp_path)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    folder = tmp_path / "run"
    if json.loads((folder / "manifest.json").read_text()) != before:
        load_run(folder)  # replaced: only by a complete, verified new run
        return
    load_run(folder)  # intact: the manifest still verifies every file
    assert load_run(folder).config.epochs == 2


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    process = fcnn(*TRAIN, "--out", "run", cwd=tmp_path)
    lock = partial_of(tmp_path / "run") / ".lock"
    deadline = time.time() + 60
    while not (lock.exists() and lock.read_text()) and time.time() < deadline:
        time.sleep(0.02)  # the pid is written once the lock is held
    with pytest.raises(InputError, match=f"another fcnn process \\(pid {process.pid}\\) is "
                                         f"writing .*run.partial"):
        RunFolder.create(tmp_path / "run")
    with pytest.raises(InputError, match="is writing"):
        RunFolder.resume(tmp_path / "run")
    process.wait(timeout=300)
    assert process.returncode == 0


def test_default_names_never_collide(tmp_path: Path) -> None:
    first = RunFolder.create_unique(tmp_path / "runs" / "digits-20261203-120000")
    second = RunFolder.create_unique(tmp_path / "runs" / "digits-20261203-120000")
    assert second.final.name == "digits-20261203-120000-2"
    first.release()
    second.release()


def test_bad_out_fails_before_training(tmp_path: Path, capsys) -> None:
    from fcnn.cli import main

    (tmp_path / "file").write_text("x")
    assert main(["train", "--out", str(tmp_path / "file"), "--no-progress"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    if os.access("/sys", os.W_OK) and os.geteuid() != 0:
        pytest.skip("no read-only location here")
    started = time.perf_counter()
    status = main(["train", "--out", "/sys/fcnn-run", "--no-progress"])
    assert status == 1 and "could not create the run folder /sys/fcnn-run.partial" in \
        capsys.readouterr().err
    assert time.perf_counter() - started < 5  # no data was loaded, nothing trained


def test_a_full_disk_keeps_the_old_state_and_resume_works(tmp_path: Path, monkeypatch) -> None:
    import fcnn.files

    config = TrainConfig(dataset="moons", hidden=[8], epochs=4)
    reference = run_experiment(config, tmp_path / "ref", progress=False, log=None)
    real = os.replace
    calls = {"n": 0}

    def full_disk(source, target):
        calls["n"] += 1
        if calls["n"] == 3:  # the checkpoint of epoch 2 (after config.json, epoch 1)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(fcnn.files.os, "replace", full_disk)
    with pytest.raises(DiskError, match="the disk is full: free some space"):
        run_experiment(config, tmp_path / "run", progress=False, log=None)
    monkeypatch.setattr(fcnn.files.os, "replace", real)
    partial = partial_of(tmp_path / "run")
    assert not (tmp_path / "run").exists() and (partial / "checkpoints").is_dir()
    assert not [p for p in partial.rglob("*") if ".tmp-" in p.name]  # no temporary left
    resumed = resume_experiment(tmp_path / "run", progress=False, log=None)
    assert all(np.array_equal(a, b) for a, b in zip(reference.model.state_dict().values(),
                                                     resumed.model.state_dict().values()))


def test_divergence_writes_the_run_with_its_status(tmp_path: Path) -> None:
    # the rate warms up to a value far too high: epoch 1 is fine, epoch 2 diverges
    config = TrainConfig(dataset="moons", hidden=[8], epochs=8, activation="identity",
                         warmup_steps=150, lr=60.0, validation_split=0.0,
                         dataset_options={"noise": 0.3})
    with np.errstate(all="ignore"), pytest.raises(DivergenceError) as caught:
        run_experiment(config, tmp_path / "run", progress=False, log=None)
    folder = tmp_path / "run"
    assert "status 'diverged'" in str(caught.value)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["status"] == "diverged" and "training loss became" in metrics["error"]
    assert (folder / "checkpoints" / "last.safetensors").is_file()
    model = load_run(folder).model
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_edits_and_damage_are_named_on_load(tmp_path: Path) -> None:
    run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=1), tmp_path / "run",
                   progress=False, log=None)
    for name in ("preprocess.safetensors", "history.json", "model.json", "report.txt"):
        path = tmp_path / "run" / name
        original = path.read_bytes()
        path.write_bytes(original[:-2] + bytes([original[-2] ^ 1]) + original[-1:])
        with pytest.raises(InputError, match=f"{name} has been modified or damaged"):
            load_run(tmp_path / "run")
        path.write_bytes(original)
    (tmp_path / "run" / "history.csv").unlink()
    with pytest.raises(InputError, match="history.csv is missing"):
        load_run(tmp_path / "run")


def test_the_same_run_gives_the_same_bytes(tmp_path: Path) -> None:
    config = TrainConfig(dataset="moons", hidden=[8], epochs=2)
    for name in ("a", "b"):
        run_experiment(config, tmp_path / name, progress=False, log=None)
    for name in ("model.safetensors", "preprocess.safetensors", "model.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_received_run_cannot_download_or_redirect(tmp_path: Path) -> None:
    run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=1), tmp_path / "run",
                   progress=False, log=None)
    for name in ("model.json", "config.json"):  # a sender edits the stored options
        path = tmp_path / "run" / name
        document = json.loads(path.read_text())
        target = document["extra"]["train_config"] if name == "model.json" else document
        target["dataset_options"] = {"base_url": "http://example.invalid/", "download": True}
        path.write_text(json.dumps(document))
    write_manifest(tmp_path / "run")  # a consistent manifest: the sender rewrote it too
    with pytest.warns(UserWarning, match="'base_url', 'download'.*are ignored"):
        loaded = load_run(tmp_path / "run")
    assert loaded.config.dataset_options == {}


def test_resume_refuses_what_would_change_the_run(tmp_path: Path, capsys) -> None:
    from fcnn.cli import main

    run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=1), tmp_path / "run",
                   progress=False, log=None)
    assert main(["train", "--resume", str(tmp_path / "run")]) == 2
    assert "is a finished run: nothing to resume" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "run"), "--lr", "0.1"]) == 2
    assert "leave out --lr" in capsys.readouterr().err
