"""fcnn.set_num_threads / get_num_threads, the default thread count and ``fcnn train --threads``."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fcnn
from fcnn import threads
from fcnn.cli import main


@pytest.fixture(autouse=True)
def restore_threads():
    yield
    fcnn.set_num_threads(None)


def blas_threads() -> int:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    if not pools:
        pytest.skip("no BLAS found by threadpoolctl")
    return pools[0]["num_threads"]


def test_set_num_threads_sets_fcnn_and_the_blas():
    np.ones((2, 2)) @ np.ones((2, 2))  # the BLAS is loaded
    fcnn.set_num_threads(1)
    assert fcnn.get_num_threads() == 1
    assert blas_threads() == 1
    fcnn.set_num_threads(None)
    assert fcnn.get_num_threads() == threads.default_num_threads()
    assert blas_threads() == min(threads.default_num_threads(), os.cpu_count())


@pytest.mark.parametrize("bad", [0, -2])
def test_a_count_below_one_is_refused(bad):
    with pytest.raises(ValueError, match="must be >= 1"):
        fcnn.set_num_threads(bad)


@pytest.mark.parametrize("bad", [1.5, "2", True])
def test_a_count_that_is_no_integer_is_refused(bad):
    with pytest.raises(TypeError, match="must be an integer"):
        fcnn.set_num_threads(bad)


def test_the_default_is_the_usable_cpus_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv("FCNN_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert threads.default_num_threads() == threads.available_cpus()
    assert 1 <= threads.available_cpus() <= (os.cpu_count() or 1)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # as joblib sets it for its workers
    assert threads.default_num_threads() == 3
    monkeypatch.setenv("FCNN_NUM_THREADS", "5")
    assert threads.default_num_threads() == 5
    monkeypatch.setenv("FCNN_NUM_THREADS", "many")  # not a number: ignored
    assert threads.default_num_threads() == 3


@pytest.mark.parametrize("text, expected", [("max 100000", None), ("150000 100000", 2),
                                            ("50000 100000", 1), ("garbage", None)])
def test_a_cgroup_cpu_quota_is_read(tmp_path, text, expected):
    path = tmp_path / "cpu.max"
    path.write_text(text + "\n")
    assert threads._cgroup_cpu_quota(path) == expected
    assert threads._cgroup_cpu_quota(tmp_path / "missing") is None


def test_fcnn_train_threads_flag(tmp_path, capsys):
    code = main(["train", "--dataset", "digits", "--epochs", "1", "--threads", "1",
                 "--out", str(tmp_path / "run"), "--no-progress", "--no-figures"])
    assert code == 0
    assert fcnn.get_num_threads() == 1
    assert main(["train", "--threads", "0", "--out", str(tmp_path / "bad")]) == 2
    assert "--threads must be a number >= 1" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
