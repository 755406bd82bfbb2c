"""Rerun the published configurations end to end and print one accuracy table.

Each row is a TOML file under ``configs/`` (the same file ``fcnn train --config`` reads), run
with :func:`fcnn.train.run_experiment` once per seed. The table shows the data set, the model,
the key hyper-parameters, the epochs, the wall time of one run (data loading, preprocessing,
training and testing) on this machine, and the test accuracy as mean +- standard deviation over
the seeds, next to the target or the reference number of the row.

Usage (from the repository root)::

    python benchmarks/accuracy.py                       # every row, its default seeds
    python benchmarks/accuracy.py --rows lecture digits # groups or row names
    python benchmarks/accuracy.py --rows cifar10-best --seeds 0
    python benchmarks/accuracy.py --quick               # 1 epoch, 1 seed: a smoke run
    python benchmarks/accuracy.py --report              # table of the saved results only

Results go to ``benchmarks/results/``: ``accuracy-ROW.json`` per row (per-seed accuracy and
seconds, per-epoch history, machine and load), then ``accuracy-table.md``/``.csv`` rebuilt
from every saved row, and ``accuracy-curves.png`` (validation accuracy against training time
for the rows with a validation split). ``--quick`` saves nothing unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from fcnn.run import TrainConfig, run_experiment
from fcnn.train.callbacks import Callback

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    """One line of the table: a committed configuration and what it is measured against."""

    name: str  # configs/NAME.toml
    group: str  # lecture, best, digits
    model: str  # short description for the table
    target: float | None = None  # test accuracy to reach (None: reference only)
    time_limit: float | None = None  # seconds the target allows
    reference: str = ""  # published number to compare with
    seeds: tuple[int, ...] = (0, 1, 2)

    @property
    def path(self) -> Path:
        return CONFIGS / f"{self.name}.toml"


ROWS = [
    Row("cifar10-linear-svm", "lecture", "linear, hinge loss", reference="~39%"),
    Row("cifar10-linear-softmax", "lecture", "linear, softmax CE", reference="35-40%"),
    Row("cifar10-two-layer", "lecture", "two-layer net", reference="48-52%"),
    Row("cifar10-best", "best", "best MLP", target=0.65, time_limit=1800, seeds=(0,)),
    Row("mnist-best", "best", "best MLP", target=0.990, time_limit=900, seeds=(0,)),
    Row("digits-best", "digits", "best MLP", target=0.98, time_limit=10),
]


def select_rows(names: list[str] | None) -> list[Row]:
    """Rows by group or row name (all rows for None)."""
    if not names:
        return list(ROWS)
    known = {row.name for row in ROWS} | {row.group for row in ROWS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"accuracy.py: unknown rows {unknown}; valid: groups "
                         f"{sorted({row.group for row in ROWS})} or names "
                         f"{[row.name for row in ROWS]}.")
    return [row for row in ROWS if row.name in names or row.group in names]


class EpochLog(Callback):
    """One printed line per epoch (instead of a progress bar, e.g. when logging to a file)."""

    def on_epoch_end(self, trainer, logs: dict[str, float]) -> None:
        shown = "  ".join(f"{key} {logs[key]:.4f}" for key in
                          ("loss", "accuracy", "val_loss", "val_accuracy") if key in logs)
        print(f"   epoch {trainer.epoch}: {shown}  ({logs['seconds']:.1f} s)", flush=True)


def hyper_parameters(config: TrainConfig) -> str:
    """The hyper-parameters that tell rows apart, in one short string."""
    parts = [f"{config.optimizer} lr {config.lr:g}"]
    if config.optimizer == "sgd" and config.momentum:
        parts[0] += f" m {config.momentum:g}"
    parts.append(f"bs {config.batch_size}")
    if config.schedule != "constant":
        parts.append(config.schedule)
    if config.weight_decay:
        parts.append(f"wd {config.weight_decay:g}")
    if config.dropout:
        parts.append(f"dropout {config.dropout:g}")
    if config.batchnorm:
        parts.append("BN")
    if config.get("label_smoothing"):
        parts.append(f"ls {config.label_smoothing:g}")
    if config.loss != "cross_entropy":
        parts.append(f"{config.loss} loss")
    parts.append("+".join(config.preprocess) or "raw")
    if config.augment:
        parts.append("aug " + "+".join(config.augment))
    return ", ".join(parts)


def architecture(config: TrainConfig, in_features: int | None) -> str:
    widths = [str(in_features or "in"), *map(str, config.hidden), "10"]
    return "-".join(widths)


def machine() -> dict[str, object]:
    """CPU model, core count and load, for the record of where a row was measured."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"cpu": model, "cores": os.cpu_count(), "load_1min": round(load[0], 2),
            "python": platform.python_version(),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


def run_row(row: Row, seeds: list[int], quick: bool, data_dir: str | None, progress: bool,
            runs_dir: Path | None) -> dict[str, object]:
    """Train the row's configuration once per seed; return the per-seed record."""
    config = TrainConfig.from_toml(row.path)
    if data_dir:
        config = config.replace(data_dir=data_dir)
    if quick:
        config = config.replace(epochs=1)
    record: dict[str, object] = {"row": row.name, "group": row.group, "config": config.to_dict(),
                                 "quick": quick, "machine_before": machine(), "seeds": []}
    for seed in seeds:
        config = config.replace(seed=seed)
        folder = runs_dir / f"{row.name}-seed{seed}" if runs_dir else None
        print(f"== {row.name} seed {seed}: {config.epochs} epochs", flush=True)
        result = run_experiment(config, folder=folder, progress=progress, log=print,
                                extra_callbacks=[] if progress else [EpochLog()])
        history = result.history
        record["seeds"].append({
            "seed": seed, "accuracy": result.report.accuracy, "seconds": result.seconds,
            "train_seconds": sum(history["seconds"]), "best_epoch": history.best_epoch,
            "epochs_run": len(history), "in_features": int(result.model.config["in_features"]),
            "cpu": machine()["cpu"], "history": history.records,
        })
        print(f"   test accuracy {result.report.accuracy:.4f} in {result.seconds:.1f} s",
              flush=True)
    record["machine_after"] = machine()
    return record


def merge_records(saved: dict[str, object], new: dict[str, object]) -> dict[str, object]:
    """``saved`` with the seeds of ``new`` added (a seed run again replaces the saved one)."""
    if saved["config"] | {"seed": 0} != new["config"] | {"seed": 0}:
        raise SystemExit(f"accuracy.py: --append: the saved result of {new['row']} used another "
                         f"configuration; run without --append to replace it.")

    def with_cpu(record: dict[str, object]) -> dict[int, dict[str, object]]:
        # a seed keeps the CPU it ran on (records older than the per-seed "cpu" have it once)
        return {run["seed"]: {"cpu": record["machine_before"]["cpu"], **run}
                for run in record["seeds"]}

    seeds = with_cpu(saved) | with_cpu(new)
    loads = [saved["machine_before"]["load_1min"], new["machine_before"]["load_1min"]]
    merged = dict(new, seeds=[seeds[seed] for seed in sorted(seeds)])
    merged["machine_before"] = dict(new["machine_before"], load_1min=min(loads))
    merged["machine_after"] = dict(new["machine_after"], load_1min=max(
        saved["machine_after"]["load_1min"], new["machine_after"]["load_1min"]))
    return merged


def summarise(row: Row, record: dict[str, object]) -> dict[str, str]:
    """One table line from a row's record."""
    config = TrainConfig.from_dict(record["config"])
    runs = record["seeds"]
    accuracies = [run["accuracy"] for run in runs]
    seconds = [run["seconds"] for run in runs]
    mean = statistics.fmean(accuracies)
    spread = f" ± {statistics.stdev(accuracies) * 100:.2f}" if len(accuracies) > 1 else ""
    wall = statistics.median(seconds)
    if row.target is None:
        verdict = f"ref. {row.reference}"
    else:
        reached = min(accuracies) >= row.target and (row.time_limit is None
                                                     or max(seconds) <= row.time_limit)
        verdict = (f"{'yes' if reached else 'no'} (>= {row.target:.1%} in "
                   f"{row.time_limit:g} s)")
    load = (record["machine_before"]["load_1min"], record["machine_after"]["load_1min"])
    cpus = sorted({run.get("cpu", record["machine_before"]["cpu"]) for run in runs})
    return {
        "data set": config.dataset, "row": row.name,
        "model": f"{row.model} {architecture(config, runs[0]['in_features'])}",
        "hyper-parameters": hyper_parameters(config), "epochs": str(config.epochs),
        "wall time (s)": f"{wall:.0f}" if wall >= 10 else f"{wall:.1f}",
        "test accuracy (%)": f"{mean * 100:.2f}{spread}",
        "seeds": str(len(runs)), "target met": verdict,
        "load (1 min)": f"{load[0]:.1f}-{load[1]:.1f}", "CPU": " + ".join(cpus),
    }


def format_table(lines: list[dict[str, str]]) -> str:
    """A markdown table (readable as plain text too)."""
    if not lines:
        return "(no results)"
    headers = list(lines[0])
    widths = [max(len(h), *(len(line[h]) for line in lines)) for h in headers]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(line[h].ljust(w) for h, w in zip(headers, widths)) + " |"
            for line in lines]
    return "\n".join(out)


def saved_records(folder: Path) -> list[tuple[Row, dict[str, object]]]:
    """Every row with a saved result in ``folder``, in table order."""
    found = []
    for row in ROWS:
        path = folder / f"accuracy-{row.name}.json"
        if path.is_file():
            found.append((row, json.loads(path.read_text())))
    return found


def write_table(folder: Path) -> str:
    """Rebuild accuracy-table.md/.csv from the saved rows; return the markdown table."""
    lines = [summarise(row, record) for row, record in saved_records(folder)]
    table = format_table(lines)
    machines = sorted({f"{record['machine_before']['cores']} cores, Python "
                       f"{record['machine_before']['python']}"
                       for _, record in saved_records(folder)})
    (folder / "accuracy-table.md").write_text(
        f"{table}\n\nCPU: the machine the row's seeds ran on ({'; '.join(machines)}). "
        f"Wall time: one run (load, preprocess, train, test), median over seeds; load: 1-minute "
        f"load average at the start and the end of the row's runs (lowest-highest when its "
        f"seeds ran separately).\n")
    if lines:
        with open(folder / "accuracy-table.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(lines[0]))
            writer.writeheader()
            writer.writerows(lines)
    return table


def plot_curves(folder: Path) -> Path | None:
    """Validation accuracy against cumulative training seconds, one line per row and seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [(row, record) for row, record in saved_records(folder)
               if any("val_accuracy" in epoch for run in record["seeds"]
                      for epoch in run["history"])]
    if not records:
        return None
    columns = min(3, len(records))
    grid_rows = -(-len(records) // columns)
    fig, axes = plt.subplots(grid_rows, columns, figsize=(4.6 * columns, 3.7 * grid_rows),
                             squeeze=False)
    for axis in axes.flat[len(records):]:
        axis.set_visible(False)
    for axis, (row, record) in zip(axes.flat, records):
        longest = max(sum(epoch["seconds"] for epoch in run["history"])
                      for run in record["seeds"])
        unit, divide = ("min", 60.0) if longest > 120 else ("s", 1.0)
        for run in record["seeds"]:
            history = run["history"]
            elapsed, total = [], 0.0
            for epoch in history:
                total += epoch["seconds"]
                elapsed.append(total / divide)
            axis.plot(elapsed, [100 * epoch["val_accuracy"] for epoch in history],
                      marker=".", label=f"seed {run['seed']} (test {100 * run['accuracy']:.2f}%)")
        if row.target is not None:
            axis.axhline(100 * row.target, color="gray", linestyle="--", linewidth=1,
                         label=f"target {100 * row.target:g}%")
        axis.set_title(row.name)
        axis.set_xlabel(f"training time ({unit})")
        axis.set_ylabel("validation accuracy (%)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path = folder / "accuracy-curves.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", nargs="*", help="groups (lecture, best, digits) or row names "
                        "(default: all)")
    parser.add_argument("--seeds", nargs="*", type=int, help="seeds to run (default: each "
                        "row's own, 3 seeds for lecture and digits, 1 for the long best rows)")
    parser.add_argument("--quick", action="store_true", help="1 epoch and 1 seed per row: "
                        "checks that every row runs, not its accuracy")
    parser.add_argument("--data-dir", default=None, help="folder of the data files (overrides "
                        "the configs' ../shared/data)")
    parser.add_argument("--threads", type=int, default=None, help="limit BLAS threads (1 was "
                        "faster on a 2-core machine shared with other jobs)")
    parser.add_argument("--out", type=Path, default=None, help=f"results folder (default "
                        f"{RESULTS.relative_to(ROOT)}; --quick saves only with --out)")
    parser.add_argument("--runs-dir", type=Path, default=None, help="also keep a run folder "
                        "per row and seed here")
    parser.add_argument("--append", action="store_true", help="add the seeds to the row's "
                        "saved result (same configuration) instead of replacing it")
    parser.add_argument("--report", action="store_true", help="print the table of the saved "
                        "results without training")
    parser.add_argument("--no-progress", action="store_true", help="print one line per epoch "
                        "instead of progress bars")
    args = parser.parse_args(argv)

    out = args.out or (None if args.quick else RESULTS)
    if args.report:
        print(write_table(out or RESULTS))
        return 0
    rows = select_rows(args.rows)
    os.chdir(ROOT)  # the configs' data_dir is relative to the repository root
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)  # recorded in machine()
    lines = []
    for row in rows:
        seeds = [0] if args.quick and not args.seeds else (args.seeds or list(row.seeds))
        record = run_row(row, seeds, args.quick, args.data_dir, not args.no_progress,
                         args.runs_dir)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            path = out / f"accuracy-{row.name}.json"
            if args.append and path.is_file():
                record = merge_records(json.loads(path.read_text()), record)
            path.write_text(json.dumps(record, indent=1))
        lines.append(summarise(row, record))
    print()
    print(format_table(lines))
    if out is not None:
        write_table(out)
        curves = plot_curves(out)
        print(f"\nresults: {out}/accuracy-table.md" + (f", curves: {curves}" if curves else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
