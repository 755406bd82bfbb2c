"""Hyper-parameter sweeps: many training runs, on one machine (joblib) or a Dask cluster.

A sweep is a base :class:`~fcnn.train.TrainConfig` plus the values to try, read from
TOML::

    metric = "val_accuracy"        # or val_loss, test_accuracy, test_loss
    [base]                         # any fcnn train options (the TrainConfig keys)
    dataset = "digits"
    epochs = 10
    [grid]                         # every combination (a [random] table samples instead)
    lr = [0.01, 0.05, 0.1]
    width = [32, 128]              # width and depth set hidden = [width] * depth
    activation = ["relu", "tanh"]

``[random]`` takes, per key, a list to choose from or ``{low = 1e-3, high = 0.3,
log = true}`` (``int = true`` for integers), with ``n_trials`` and ``seed`` at the top.

Each trial is ``run_experiment(config)``; it is named by a hash of its full
configuration. Results are appended to ``results.csv`` in the sweep folder as each
trial finishes, so a sweep that is interrupted and started again skips the trials
already done. The best trial's configuration is written as ``best-config.toml``,
ready for ``fcnn train --config``.

One trial at a time (``n_jobs=1``) needs nothing more; parallel processes need joblib and
clusters need Dask: ``pip install 'fcnn[dask]'``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fcnn._extras import require
from fcnn.errors import ConfigError, InputError
from fcnn.files import disk_error, write_atomic
from fcnn.run import TrainConfig, read_toml, run_experiment
from fcnn.run.config import to_toml

#: the metrics a sweep can rank by, and whether higher or lower is better.
METRICS = {"val_accuracy": "max", "val_loss": "min", "test_accuracy": "max", "test_loss": "min"}
#: sweep-only keys: hidden = [width] * depth.
SHAPE_KEYS = ("width", "depth")
SWEEP_KEYS = ("base", "grid", "random", "n_trials", "seed", "metric", "n_jobs", "max_trials")
RESULT_COLUMNS = ("val_accuracy", "val_loss", "test_accuracy", "test_loss", "epochs",
                  "seconds", "error")
#: how long to keep trying to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"
RESULTS_FILE = "results.csv"
LOG_FILE = "results.jsonl"
#: The most trials a sweep may describe unless its file raises ``max_trials``.
MAX_TRIALS = 10_000
BEST_FILE = "best-config.toml"


@dataclass
class Trial:
    """One configuration to train: ``params`` are the swept values, ``config`` the full run."""

    id: str
    params: dict[str, Any]
    config: dict[str, Any]


def trial_id(config: dict[str, Any]) -> str:
    """A stable 12-character name for a run configuration (a hash of every option).

    Example:
        >>> trial_id({"lr": 0.1}) == trial_id({"lr": 0.1, "epochs": 30})   # 30 is the default
        True
    """
    full = TrainConfig.from_dict(config).to_dict()
    text = json.dumps(full, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def apply_params(base: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The run configuration for swept ``params`` on top of ``base`` (width/depth -> hidden).

    Example:
        >>> apply_params({"hidden": [64, 64]}, {"width": 32})["hidden"]
        [32, 32]
    """
    config = dict(base)
    options = {key: value for key, value in params.items() if key not in SHAPE_KEYS}
    config.update(options)
    if any(key in params for key in SHAPE_KEYS):
        if "hidden" in params:
            raise ValueError("sweep either 'hidden' or 'width'/'depth', not both.")
        hidden = list(base.get("hidden", TrainConfig().hidden))
        width = params.get("width", hidden[0] if hidden else None)
        depth = params.get("depth", len(hidden))
        if width is None:
            raise ValueError("'depth' is swept but the base configuration has no hidden layer "
                             "to take the width from; sweep 'width' too or set base.hidden.")
        config["hidden"] = [int(width)] * int(depth)
    TrainConfig.from_dict(config)
    return config


def _sample(key: str, spec: Any, rng: np.random.Generator) -> Any:
    """One random value for ``key``: from a list, or from a {low, high, log, int} range."""
    if isinstance(spec, list):
        return spec[int(rng.integers(len(spec)))]
    low, high = spec["low"], spec["high"]
    log, integer = spec.get("log", False), spec.get("int", False)
    if log:
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        value = rng.uniform(low, high)
    return int(round(value)) if integer else float(f"{value:.4g}")


def _check_space(table: str, space: Any) -> dict[str, Any]:
    if not isinstance(space, dict) or not space:
        raise ValueError(f"[{table}] must be a table of option = values, got {space!r}.")
    valid = [*TrainConfig.keys(), *SHAPE_KEYS]
    for key, spec in space.items():
        if key.replace("-", "_") not in valid:
            raise ValueError(f"[{table}] has unknown option {key!r}; valid options: "
                             f"{', '.join(valid)}.")
        if isinstance(spec, list):
            if not spec:
                raise ValueError(f"[{table}] {key} is an empty list; give at least one value.")
        elif table == "random" and isinstance(spec, dict):
            unknown = set(spec) - {"low", "high", "log", "int"}
            if unknown or not {"low", "high"} <= set(spec):
                raise ValueError(f"[random] {key} = {spec}: a range needs 'low' and 'high' "
                                 f"(optional 'log', 'int'), e.g. {{low = 1e-3, high = 0.3, "
                                 f"log = true}}.")
            if not spec["low"] < spec["high"] or (spec.get("log") and spec["low"] <= 0):
                raise ValueError(f"[random] {key} = {spec}: needs low < high (and low > 0 "
                                 f"with log = true).")
        else:
            what = "a list of values or a {low, high} range" if table == "random" else \
                "a list of values"
            raise ValueError(f"[{table}] {key} = {spec!r}: expected {what}.")
    return {key.replace("-", "_"): spec for key, spec in space.items()}


@dataclass
class Sweep:
    """What to try: a base configuration and a grid or random search space.

    Example:
        >>> sweep = Sweep.from_dict({"base": {"dataset": "moons"},
        ...                          "grid": {"lr": [0.01, 0.1], "width": [8, 16]}})
        >>> [t.params for t in sweep.trials()][:2]
        [{'lr': 0.01, 'width': 8}, {'lr': 0.01, 'width': 16}]
    """

    base: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] | None = None
    random: dict[str, Any] | None = None
    n_trials: int = 10
    seed: int = 0
    metric: str = "val_accuracy"
    n_jobs: int = -1
    max_trials: int = MAX_TRIALS

    def __post_init__(self) -> None:
        if (self.grid is None) == (self.random is None):
            raise ValueError("a sweep needs exactly one of a [grid] table (every combination) "
                             "or a [random] table (n_trials random draws).")
        if not isinstance(self.base, dict):
            raise ValueError(f"[base] must be a table of training options, got {self.base!r}.")
        self.base = TrainConfig.from_dict(self.base, where="[base] ").given
        if not isinstance(self.n_jobs, int) or self.n_jobs == 0:
            raise ValueError(f"n_jobs must be a non-zero integer (-1 = one per core), got "
                             f"{self.n_jobs!r}.")
        if self.grid is not None:
            self.grid = _check_space("grid", self.grid)
        else:
            self.random = _check_space("random", self.random)
            if not isinstance(self.n_trials, int) or self.n_trials < 1:
                raise ValueError(f"n_trials must be a positive integer, got {self.n_trials!r}.")
        if isinstance(self.max_trials, bool) or not isinstance(self.max_trials, int) or \
                self.max_trials < 1:
            raise ConfigError("max_trials", f"max_trials must be a positive integer, got "
                                            f"{self.max_trials!r}.")
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; valid metrics: "
                             f"{', '.join(METRICS)}.")
        if self.metric.startswith("val_") and \
                not TrainConfig.from_dict(self.base).validation_split:
            raise ValueError(f"metric {self.metric!r} needs a validation set: set "
                             f"validation_split > 0 in [base] (e.g. 0.1), or rank by "
                             f"test_accuracy.")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Sweep:
        """From a dict with the keys of the TOML file; unknown keys are an error."""
        unknown = sorted(set(values) - set(SWEEP_KEYS))
        if unknown:
            raise ValueError(f"unknown sweep keys {unknown}; valid keys: {', '.join(SWEEP_KEYS)}"
                             f" (training options go in the [base] table).")
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> Sweep:
        """Read a sweep file (see the module docstring for its layout)."""
        try:
            return cls.from_dict(read_toml(path))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from None

    @property
    def swept(self) -> list[str]:
        """The names of the options that vary, in file order."""
        return list(self.grid or self.random or {})

    def count(self) -> int:
        """How many trials the sweep describes (before duplicates are merged), without listing
        them: the product of the grid's list lengths, or ``n_trials``."""
        if self.grid is None:
            return self.n_trials
        return math.prod(len(values) for values in self.grid.values())

    def _choices(self) -> Iterator[dict[str, Any]]:
        """The swept values of each trial, one at a time (a large grid is never listed whole)."""
        if self.grid is not None:
            keys = list(self.grid)
            yield from (dict(zip(keys, values))
                        for values in itertools.product(*self.grid.values()))
            return
        rng = np.random.default_rng(self.seed)
        for _ in range(self.n_trials):
            yield {key: _sample(key, spec, rng) for key, spec in self.random.items()}

    def trials(self) -> list[Trial]:
        """Every distinct configuration to train, in a fixed order, each checked.

        Raises:
            ConfigError: more than ``max_trials`` trials (the message says how to raise it),
                or a trial whose configuration is invalid (named by its values).
        """
        if self.count() > self.max_trials:
            raise ConfigError("max_trials", f"the sweep describes {self.count():,} trials, more "
                                            f"than max_trials = {self.max_trials:,}; shrink the "
                                            f"grid, or raise max_trials at the top of the file "
                                            f"if you mean it.")
        trials: dict[str, Trial] = {}
        for params in self._choices():
            try:
                config = apply_params(self.base, params)
            except (TypeError, ValueError) as error:
                settings = ", ".join(f"{k}={v!r}" for k, v in params.items())
                raise ValueError(f"the trial with {settings} is invalid: {error}") from None
            trials.setdefault(trial_id(config), Trial(trial_id(config), params, config))
        return list(trials.values())


def run_trial(config: dict[str, Any]) -> dict[str, Any]:
    """Train one configuration quietly; return its results row (never raises for a bad run).

    The row holds ``trial`` (the id), ``status`` ("ok" or "failed"), the best
    validation accuracy and lowest validation loss over the epochs, the test accuracy
    and loss of the kept model, the epochs run, the seconds taken and any error.
    """
    row: dict[str, Any] = {"trial": trial_id(config), "status": "ok", "error": ""}
    try:
        result = run_experiment(TrainConfig.from_dict(config), folder=None, progress=False,
                                log=None)
    except Exception as error:  # a trial's failure is a result, not the end of the sweep
        row.update(status="failed", error=f"{type(error).__name__}: {error}")
        return row
    history = result.history
    row.update(val_accuracy=max(history["val_accuracy"], default=math.nan),
               val_loss=min(history["val_loss"], default=math.nan),
               test_accuracy=result.report.accuracy, test_loss=result.test_loss,
               epochs=len(history), seconds=round(result.seconds, 3))
    return row


def _run_local(configs: list[dict[str, Any]], n_jobs: int) -> Iterator[dict[str, Any]]:
    if n_jobs == 1:  # one at a time needs no joblib: run in this process, in order
        yield from map(run_trial, configs)
        return
    joblib = require("joblib", f"fcnn.sweep with parallel trials (n_jobs={n_jobs}; with n_jobs=1, "
                               "or --jobs 1, trials run one at a time without it)")
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(joblib.delayed(run_trial)(config) for config in configs)


def _run_dask(configs: list[dict[str, Any]], scheduler: str) -> Iterator[dict[str, Any]]:
    distributed = require("distributed", "fcnn.sweep with a scheduler")
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as error:
        raise ValueError(f"could not connect to the Dask scheduler at {scheduler} ({error}). "
                         f"Start one with `dask scheduler` and workers with `dask worker "
                         f"{scheduler}`, or leave out --scheduler to run here.") from None
    with client:
        futures = client.map(run_trial, configs, pure=False)
        for future in distributed.as_completed(futures):
            yield future.result()


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class SweepResult:
    """The results table of a sweep (one dict per trial) and its best trial."""

    rows: list[dict[str, Any]]
    metric: str
    swept: list[str]
    folder: Path

    def _sort_key(self, row: dict[str, Any]) -> tuple[float, float]:
        """Best first: by the metric, ties broken by the validation loss (lower first)."""
        primary = -row[self.metric] if METRICS[self.metric] == "max" else row[self.metric]
        tie = row["val_loss"] if self.metric != "val_loss" else -row["val_accuracy"]
        return primary, math.inf if math.isnan(tie) else tie

    def ranked(self) -> list[dict[str, Any]]:
        """Finished trials, best first."""
        done = [row for row in self.rows
                if row["status"] == "ok" and not math.isnan(row[self.metric])]
        return sorted(done, key=self._sort_key)

    @property
    def best(self) -> dict[str, Any] | None:
        """The finished trial with the best metric, or None if none finished."""
        ranked = self.ranked()
        return ranked[0] if ranked else None

    def to_text(self, top: int = 10) -> str:
        """A table of the ``top`` trials and a line on the best configuration."""
        columns = ["trial", *self.swept, "val_accuracy", "test_accuracy", "epochs", "seconds"]
        ranked = self.ranked()[:top]
        cells = [[_format(c, row[c]) for c in columns] for row in ranked]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
        failed = [row for row in self.rows if row["status"] != "ok"]
        if len(self.ranked()) > top:
            lines.append(f"... {len(self.ranked()) - top} more in {self.folder / RESULTS_FILE}")
        for row in failed:
            lines.append(f"failed: trial {row['trial']}: {row['error']}")
        best = self.best
        if best is None:
            lines.append("no trial finished.")
        else:
            settings = ", ".join(f"{key}={best[key]}" for key in self.swept)
            ranked_by = "" if self.metric.endswith("accuracy") else \
                f"{self.metric} {best[self.metric]:.4f}, "
            lines.append(f"best: trial {best['trial']} ({settings}): {ranked_by}validation "
                         f"accuracy {best['val_accuracy']:.4f}, test accuracy "
                         f"{best['test_accuracy']:.4f}")
        return "\n".join(lines)


def _format(column: str, value: Any) -> str:
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "-"
    if column == "epochs":
        return str(int(value))
    return f"{value:.1f}" if column == "seconds" else f"{value:.4f}"


class ResultsLog:
    """The trial records of a sweep folder: an append-only log, each line sealed by a checksum.

    ``results.jsonl`` holds one JSON line per finished trial,
    ``{"record": {...}, "sha256": "..."}``, where the checksum covers the record. A line cut
    by a kill or a full disk fails its checksum and is dropped (and cut off before the next
    append), so a torn write is never read as a result; a damaged line in the middle is an
    error naming it. ``results.csv`` is a readable copy, rewritten whole after each trial.
    """

    def __init__(self, folder: Path, swept: list[str]) -> None:
        self.path = folder / LOG_FILE
        self.csv = folder / RESULTS_FILE
        self.swept = swept
        self.columns = ["trial", "status", *swept, *RESULT_COLUMNS]

    @staticmethod
    def _seal(record: dict[str, Any]) -> str:
        text = json.dumps(record, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def read(self) -> list[dict[str, Any]]:
        """The records written so far (the last record of a trial wins)."""
        if not self.path.is_file():
            return []
        *complete, _torn_tail = self.path.read_bytes().split(b"\n")  # the tail: never a record
        records: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(complete, 1):
            try:
                entry = json.loads(line)
                record = entry["record"]
                valid = isinstance(record, dict) and entry["sha256"] == self._seal(record) \
                    and isinstance(record.get("trial"), str)
            except (ValueError, KeyError, TypeError, RecursionError):
                valid = False
            if not valid:
                raise InputError(f"{self.path}, line {number}: the record is damaged (its "
                                 f"checksum does not match). Delete that line to run the trial "
                                 f"again, or start the sweep in a new folder.", self.path)
            records[record["trial"]] = record
        for record in records.values():
            if record.get("swept") is not None and list(record["swept"]) != self.swept:
                raise InputError(f"{self.path} holds trials of a sweep over {record['swept']}, "
                                 f"this sweep varies {self.swept}: choose another folder "
                                 f"(--out).", self.path)
        return list(records.values())

    def _cut_torn_tail(self) -> None:
        """Drop a last line that a kill or a full disk cut short, before appending."""
        if not self.path.is_file():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)

    def append(self, trial: Trial, row: dict[str, Any]) -> dict[str, Any]:
        """Record one finished trial (flushed to the disk at once), then refresh the CSV copy."""
        record = {**row, "params": trial.params, "swept": self.swept}
        line = json.dumps({"record": record, "sha256": self._seal(record)}) + "\n"
        self._cut_torn_tail()
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise disk_error(error, self.path) from None
        self.write_csv()
        return record

    def write_csv(self) -> None:
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=self.columns, restval="")
        writer.writeheader()
        for record in self.read():
            params = record.get("params", {})
            cells = {**{key: _cell(params.get(key, "")) for key in self.swept}, **record}
            writer.writerow({key: cells.get(key, "") for key in self.columns})
        write_atomic(self.csv, text.getvalue())


def run_sweep(sweep: Sweep, folder: str | Path, n_jobs: int | None = None,
              scheduler: str | None = None, progress: bool = True,
              log: Callable[[str], None] | None = print,
              retry_failed: bool = False) -> SweepResult:
    """Run every trial of ``sweep`` not already recorded in ``folder``; return the table.

    Args:
        sweep: what to try.
        folder: where results.jsonl (the records), results.csv (a readable copy) and
            best-config.toml go; run the same sweep with the same folder again to resume it.
        n_jobs: trials at once on this machine (1: in this process, no joblib needed;
            more: joblib processes; -1 = one per core); default: the sweep's ``n_jobs``.
        scheduler: address of a Dask scheduler, e.g. "tcp://10.0.0.5:8786": run the
            trials on that cluster's workers instead (each needs fcnn and the data).
        progress: show a progress bar over the trials.
        log: where to report each finished trial (None: silent).
        retry_failed: run again the trials recorded as failed (by default a failed trial is
            a result, and is not rerun).

    Example:
        >>> import tempfile
        >>> sweep = Sweep.from_dict({"base": {"dataset": "moons", "epochs": 2},
        ...                          "grid": {"lr": [0.05, 0.1]}})
        >>> result = run_sweep(sweep, tempfile.mkdtemp(), n_jobs=1, progress=False, log=None)
        >>> len(result.rows), result.best["status"]
        (2, 'ok')
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise disk_error(error, folder, "create the sweep folder") from None
    say = log or (lambda message: None)
    trials = sweep.trials()
    table = ResultsLog(folder, sweep.swept)
    done = {row["trial"] for row in table.read()
            if row["status"] == "ok" or not retry_failed}
    pending = [trial for trial in trials if trial.id not in done]
    n_jobs = n_jobs or sweep.n_jobs
    where = (f"on the Dask cluster at {scheduler}" if scheduler else
             "one at a time in this process" if n_jobs == 1 else f"with joblib (n_jobs={n_jobs})")
    plural = "s" * (len(trials) != 1)
    say(f"sweep: {len(trials)} trial{plural} over {', '.join(sweep.swept)}; "
        f"{len(trials) - len(pending)} already recorded in {table.path}; "
        f"running {len(pending)} {where}")
    by_id = {trial.id: trial for trial in pending}
    configs = [trial.config for trial in pending]
    if not pending:
        rows: Iterator[dict[str, Any]] = iter(())
    elif scheduler:
        rows = _run_dask(configs, scheduler)
    else:
        rows = _run_local(configs, n_jobs)
    with tqdm(total=len(pending), unit="trial", desc="sweep", disable=not progress) as bar:
        report = bar.write if progress and log else say
        for row in rows:
            trial = by_id[row["trial"]]
            table.append(trial, row)
            bar.update(1)
            settings = ", ".join(f"{k}={v}" for k, v in trial.params.items())
            outcome = (f"val_accuracy {row['val_accuracy']:.4f}, test_accuracy "
                       f"{row['test_accuracy']:.4f} ({row['seconds']:.1f} s)"
                       if row["status"] == "ok" else row["error"])
            report(f"trial {trial.id} ({settings}): {outcome}")
    wanted = {trial.id for trial in trials}
    result = SweepResult([{**row, **row.get("params", {})} for row in table.read()
                          if row["trial"] in wanted], sweep.metric, sweep.swept, folder)
    best = result.best
    if best is not None:
        config = next(trial.config for trial in trials if trial.id == best["trial"])
        header = (f"# best trial {best['trial']} of the sweep in {folder}: "
                  f"{sweep.metric} = {best[sweep.metric]:.4f}\n"
                  f"# train it: fcnn train --config {folder / BEST_FILE}\n")
        write_atomic(folder / BEST_FILE, header + to_toml(config) + "\n")
    return result
