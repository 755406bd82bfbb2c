"""Whole training runs of the committed recipes: fcnn against the same recipe in PyTorch eager.

Run from the repository root (PyTorch rows need ``pip install torch==2.13.0``; the profile's
thread column needs nothing more; fcnn's kernels need ``pip install -e '.[fast]'``):

    python benchmarks/end_to_end.py --data-dir /work/shared/data            # 3 epochs, 3 rounds
    python benchmarks/end_to_end.py --data-dir /work/shared/data --quick    # 3-5 minutes on 2 cores
    python benchmarks/end_to_end.py --recipes mnist-best --threads 1 --epochs 2

What it does, for each recipe (configs/cifar10-best.toml, mnist-best.toml,
cifar10-two-layer.toml) and each thread count (1 and 2):

* **rounds**: each round trains the recipe once in fcnn and once in PyTorch, one after the
  other (the order alternates from round to round), each in a fresh Python process, so a
  noisy machine slows both of a round alike and neither inherits the other's thread pools.
  fcnn runs the objects ``fcnn.run.run_experiment`` builds (``build_model``, ``build_loss``,
  ``build_optimizer``, ``make_augmentation``, ``fit`` with the validation split and
  ``BestCheckpoint``); PyTorch runs the recipe as a PyTorch user writes it: the same
  preprocessed arrays, ``nn.Sequential`` of Linear-BatchNorm1d-ReLU-Dropout,
  ``CrossEntropyLoss(label_smoothing)``, ``SGD(momentum, weight_decay)``, ``CosineAnnealingLR``
  stepped per batch, flips and shifts of the batch tensor, validation every epoch and the
  best epoch's weights kept. Both set their thread count through their API
  (``fcnn.set_num_threads``, ``torch.set_num_threads``).
* **seconds per epoch**: an epoch is training plus validation (what fcnn's history records);
  a round's value is the median of its epochs, the table shows the median over rounds, and
  the ratio (PyTorch seconds / fcnn seconds, > 1: fcnn is faster) is paired round by round.
  The accuracies are those on the test set after the last round's run, best epoch restored.
* **profile**: one more fcnn run of two epochs, the second timed by kind of work: the
  linear layers (matrix products and bias), the optimizer update, batch norm, dropout,
  activations, augmentation, loss; the rest of the epoch is the engine and the loop (graph
  bookkeeping, batch gathering, validation loop). ``threads`` is CPU time / wall time of
  each part: how many cores the part kept busy.
* **sgemm bound**: the matrix products of one training step (forward x W^T, backward g^T x
  and g W) timed alone in NumPy (its BLAS) and in PyTorch (MKL), times the steps of an
  epoch plus the validation forward passes: the seconds an epoch's products need at best
  in each library.

``--quick``: one epoch on a subset (the first 10,000 training and 2,000 test samples), two
rounds. The preprocessed arrays are cached in ``--cache`` (ZCA on CIFAR-10 takes ~30 s).
The report is printed and written to ``benchmarks/results/end_to_end-DATE-CPU[-quick].txt``.
Set ``FCNN_KERNELS=0`` to time fcnn's plain NumPy path.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from fcnn.train import Callback

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ["cifar10-best", "mnist-best", "cifar10-two-layer"]
PAUSE = 0.5  # seconds between runs: let the previous process's threads wind down
QUICK_TRAIN, QUICK_TEST = 10_000, 2_000
VALIDATION_BATCH = 1024  # fcnn's predict_scores batch, used by both libraries


# ----------------------------------------------------------------------------
# Data: the recipe's preprocessed arrays, prepared once and cached
# ----------------------------------------------------------------------------


def recipe_config(recipe: str, data_dir: str | None, epochs: int):
    from fcnn.run import TrainConfig

    config = TrainConfig.from_toml(ROOT / "configs" / f"{recipe}.toml")
    changes = {"epochs": epochs}
    if data_dir is not None:
        changes["data_dir"] = data_dir
    return config.replace(**changes)


def prepared_arrays(recipe: str, data_dir: str | None, cache: Path) -> Path:
    """A folder in ``cache`` holding the recipe's preprocessed arrays as .npy files."""
    config = recipe_config(recipe, data_dir, epochs=1)
    source = Path(config.data_dir or ".")
    stamp = sorted((p.name, p.stat().st_size, int(p.stat().st_mtime))
                   for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
    key = hashlib.sha256(json.dumps([config.dataset, config.preprocess, config.seed,
                                     dict(config.dataset_options), stamp]).encode()).hexdigest()
    path = cache / f"{config.dataset}-{key[:16]}"
    if path.exists():
        return path
    from fcnn.run.experiment import prepare_data

    started = time.perf_counter()
    dataset, _, X_train, X_test = prepare_data(config)
    partial = path.with_name(path.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    arrays = {"X_train": X_train, "y_train": dataset.y_train, "X_test": X_test,
              "y_test": dataset.y_test, "image_shape": np.array(dataset.image_shape or (0, 0, 0))}
    for name, array in arrays.items():
        np.save(partial / f"{name}.npy", array)
    partial.replace(path)  # whole or not at all
    print(f"  prepared {recipe}'s arrays in {time.perf_counter() - started:.0f} s -> {path}",
          flush=True)
    return path


def read_arrays(folder: str | Path) -> dict[str, np.ndarray]:
    """The arrays of :func:`prepared_arrays`, memory-mapped (nothing read until used)."""
    return {path.stem: np.load(path, mmap_mode="r") for path in Path(folder).glob("*.npy")}


def load_arrays(spec: dict) -> tuple[np.ndarray, ...]:
    """(X_train, y_train, X_val, y_val, X_test, y_test, image_shape), split as fcnn splits."""
    from fcnn.train.loop import split_validation

    data = read_arrays(spec["arrays"])
    X, y, X_test, y_test = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    image_shape = tuple(int(s) for s in data["image_shape"])
    if spec["subset"]:
        X, y = X[:QUICK_TRAIN], y[:QUICK_TRAIN]
        X_test, y_test = X_test[:QUICK_TEST], y_test[:QUICK_TEST]
    X, X_test = np.array(X), np.array(X_test)  # in memory, as a run holds them
    config = recipe_config(spec["recipe"], spec["data_dir"], spec["epochs"])
    X_train, y_train, X_val, y_val = split_validation(X, y, config.validation_split, config.seed)
    image_shape = image_shape if image_shape and image_shape[0] else None
    return X_train, y_train, X_val, y_val, X_test, y_test, image_shape


# ----------------------------------------------------------------------------
# Workers: one training run (or one bound measurement) in a fresh process
# ----------------------------------------------------------------------------


def fcnn_worker(spec: dict) -> dict:
    """The recipe in fcnn, through the objects ``run_experiment`` builds."""
    import fcnn
    from fcnn.data import make_augmentation
    from fcnn.engine import kernels
    from fcnn.run.experiment import build_loss, build_model, build_optimizer
    from fcnn.train import BestCheckpoint, fit, predict_scores

    fcnn.set_num_threads(spec["threads"])
    config = recipe_config(spec["recipe"], spec["data_dir"], spec["epochs"])
    X_train, y_train, X_val, y_val, X_test, y_test, image_shape = load_arrays(spec)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    model = build_model(config, X_train.shape[1], n_classes)
    steps = -(-len(X_train) // config.batch_size) * config.epochs
    augment = make_augmentation(config.augment, image_shape, seed=config.seed) \
        if config.augment else None
    profile = Profile() if spec.get("profile") else None
    callbacks = [BestCheckpoint(monitor="val_loss"), *([profile] if profile else [])]
    with profile or contextlib.nullcontext():
        history = fit(model, X_train, y_train, loss=build_loss(config),
                      optimizer=build_optimizer(config, model, steps), epochs=config.epochs,
                      batch_size=config.batch_size, validation_data=(X_val, y_val),
                      augment=augment, callbacks=callbacks, progress=False, seed=config.seed)
    accuracy = float(np.mean(predict_scores(model, X_test).argmax(axis=1) == y_test))
    result = {"epochs": list(history["seconds"]), "test_accuracy": accuracy,
              "startup": kernels.startup_seconds(),
              "val_accuracy": list(history["val_accuracy"]),
              "kernels": describe_kernels(kernels), "blas": blas_description()}
    if profile is not None:  # the second epoch
        result["profile"] = profile.report(history["seconds"][-1])
    return result


def describe_kernels(kernels) -> str:
    if os.environ.get("FCNN_KERNELS") == "0":
        return "off (FCNN_KERNELS=0)"
    if not kernels.enabled():
        return "off (numba not installed)"
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no kernel ran on threads (one thread, or only small arrays)
        layer = numba.config.THREADING_LAYER
    return f"numba {numba.__version__}, {layer} threading layer for work of >= " \
           f"{kernels.PARALLEL_SIZE} elements"


def torch_worker(spec: dict) -> dict:
    """The same recipe as a PyTorch user writes it, on the same preprocessed arrays."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    config = recipe_config(spec["recipe"], spec["data_dir"], spec["epochs"])
    X_train, y_train, X_val, y_val, X_test, y_test, image_shape = load_arrays(spec)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    layers: list[torch.nn.Module] = []
    width = X_train.shape[1]
    for hidden in config.hidden:
        layers.append(torch.nn.Linear(width, hidden))
        if config.batchnorm:
            layers.append(torch.nn.BatchNorm1d(hidden))
        layers.append(torch.nn.ReLU())
        if config.dropout:
            layers.append(torch.nn.Dropout(config.dropout))
        width = hidden
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, n_classes))
    options = config.entry_options("optimizer")
    optimizer = torch.optim.SGD(model.parameters(), lr=options["lr"],
                                momentum=options.get("momentum", 0.0),
                                weight_decay=options.get("weight_decay", 0.0))
    steps_per_epoch = -(-len(X_train) // config.batch_size)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=steps_per_epoch * config.epochs)
    smoothing = config.entry_options("loss").get("label_smoothing", 0.0)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)
    X, y = torch.from_numpy(X_train), torch.from_numpy(y_train)
    X_v, y_v = torch.from_numpy(X_val), torch.from_numpy(y_val)
    pad = {"crop": 4, "crop1": 1, "crop2": 2}

    def augment(batch: torch.Tensor) -> torch.Tensor:
        images = batch.view(len(batch), *image_shape)
        for name in config.augment:
            if name == "flip":
                flip = torch.rand(len(images)) < 0.5
                images = torch.where(flip[:, None, None, None], images.flip(3), images)
            else:
                p = pad[name]
                n, c, h, w = images.shape
                padded = F.pad(images, (p, p, p, p))
                dy = torch.randint(0, 2 * p + 1, (n,))
                dx = torch.randint(0, 2 * p + 1, (n,))
                rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
                cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
                images = padded[torch.arange(n)[:, None, None, None],
                                torch.arange(c)[None, :, None, None], rows, cols]
        return images.reshape(len(batch), -1)

    def validate() -> float:
        model.eval()
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(X_v), VALIDATION_BATCH):
                scores = model(X_v[start:start + VALIDATION_BATCH])
                total += float(loss_fn(scores, y_v[start:start + VALIDATION_BATCH])) \
                    * len(scores)
        model.train()
        return total / len(X_v)

    epochs, best, best_state = [], math.inf, None
    for _ in range(config.epochs):
        started = time.perf_counter()
        model.train()
        for index in torch.randperm(len(X)).split(config.batch_size):
            batch = X[index]
            if config.augment:
                batch = augment(batch)
            loss = loss_fn(model(batch), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        val_loss = validate()
        epochs.append(time.perf_counter() - started)
        if val_loss < best:
            best, best_state = val_loss, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        predictions = torch.cat([model(torch.from_numpy(X_test[i:i + VALIDATION_BATCH]))
                                 for i in range(0, len(X_test), VALIDATION_BATCH)]).argmax(1)
    accuracy = float((predictions.numpy() == y_test).mean())
    mkl = next((line.strip() for line in torch.__config__.show().splitlines()
                if "Math Kernel Library" in line), "BLAS unknown")
    return {"epochs": epochs, "test_accuracy": accuracy,
            "blas": f"torch {torch.__version__}: {mkl}"}


def bound_worker(spec: dict) -> dict:
    """Seconds per epoch the recipe's matrix products need in NumPy's BLAS and in torch's."""
    config = recipe_config(spec["recipe"], spec["data_dir"], spec["epochs"])
    n_train, n_val, features, n_classes = spec["sizes"]
    widths = [features, *config.hidden, n_classes]
    batch = config.batch_size
    steps = -(-n_train // batch)
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((b, a), dtype=np.float32) for a, b in zip(widths, widths[1:])]
    inputs = [rng.standard_normal((batch, a), dtype=np.float32) for a in widths[:-1]]
    grads = [rng.standard_normal((batch, b), dtype=np.float32) for b in widths[1:]]
    val_inputs = [rng.standard_normal((VALIDATION_BATCH, a), dtype=np.float32)
                  for a in widths[:-1]]

    def products(inputs, weights, grads):  # NumPy arrays or torch tensors alike
        def step() -> None:
            for x, w in zip(inputs, weights):
                x @ w.T
            for i, (x, w, g) in enumerate(zip(inputs, weights, grads)):
                g.T @ x
                if i > 0:
                    g @ w
        return step

    def forward(inputs, weights):
        def validation() -> None:
            for x, w in zip(inputs, weights):
                x @ w.T
        return validation

    result = {"flop_per_epoch": epoch_flops(widths, batch, steps, n_val)}
    threads = spec["threads"]
    import threadpoolctl

    with threadpoolctl.threadpool_limits(threads, user_api="blas"):
        result["numpy"] = epoch_seconds(products(inputs, weights, grads),
                                        forward(val_inputs, weights), steps, n_val)
    with contextlib.suppress(ImportError):
        import torch

        torch.set_num_threads(threads)
        t_weights = [torch.from_numpy(w) for w in weights]
        t_inputs = [torch.from_numpy(x) for x in inputs]
        t_grads = [torch.from_numpy(g) for g in grads]
        t_val = [torch.from_numpy(x) for x in val_inputs]
        result["torch"] = epoch_seconds(products(t_inputs, t_weights, t_grads),
                                        forward(t_val, t_weights), steps, n_val)
    return result


def epoch_flops(widths: list[int], batch: int, steps: int, n_val: int) -> float:
    layers = list(zip(widths, widths[1:]))
    forward = sum(2 * a * b for a, b in layers)  # per sample
    backward = forward + sum(2 * a * b for a, b in layers[1:])
    return steps * batch * (forward + backward) + n_val * forward


def epoch_seconds(step, validation, steps: int, n_val: int, rounds: int = 7) -> float:
    """Median over rounds of (steps x one step + validation batches x one batch)."""
    for _ in range(3):
        step()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(5):
            step()
        per_step = (time.perf_counter() - started) / 5
        started = time.perf_counter()
        validation()
        per_val = time.perf_counter() - started
        times.append(steps * per_step + math.ceil(n_val / VALIDATION_BATCH) * per_val)
    return statistics.median(times)


# ----------------------------------------------------------------------------
# Profile of an fcnn epoch by kind of work (timers around the ops, in the worker only)
# ----------------------------------------------------------------------------


class Profile(Callback):
    """Wraps the methods that do each kind of work with wall-clock and CPU-time counters."""

    PARTS = ["linear layers (matrix products + bias)", "optimizer update", "batch norm",
             "dropout", "activations", "augmentation", "loss"]

    def __init__(self) -> None:
        from fcnn.data.augment import Compose
        from fcnn.engine import fused
        from fcnn.nn import layers
        from fcnn.optim import Optimizer

        linear, update, batchnorm, dropout, activations, augmentation, loss = self.PARTS
        self.targets = [(fused.Linear, "forward", linear), (fused.Linear, "backward", linear),
                        (Optimizer, "step", update),
                        (layers.BatchNorm1d, "forward", batchnorm),
                        (fused.BatchNorm, "backward", batchnorm),
                        (layers.Dropout, "forward", dropout), (fused.Dropout, "backward", dropout),
                        (Compose, "__call__", augmentation)]
        for node in (fused.ReLU, fused.LeakyReLU, fused.Sigmoid, fused.Tanh):
            self.targets += [(node, "forward", activations), (node, "backward", activations)]
        for node in (fused.SoftmaxCrossEntropy, fused.MultiMarginHinge, fused.SquaredError):
            self.targets += [(node, "forward", loss), (node, "backward", loss)]
        self.wall = dict.fromkeys(self.PARTS, 0.0)
        self.cpu = dict.fromkeys(self.PARTS, 0.0)
        self.saved: list = []

    def __enter__(self) -> Profile:
        for owner, name, part in self.targets:
            original = owner.__dict__[name]
            self.saved.append((owner, name, original))
            setattr(owner, name, self._timed(original, part))
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)

    def _timed(self, method, part: str):
        wall, cpu = self.wall, self.cpu

        def timed(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                wall[part] += time.perf_counter() - started
                cpu[part] += time.process_time() - started_cpu

        return timed

    def on_epoch_end(self, state, logs) -> None:
        """A callback: forget the first epoch (warm-up, the kernels' one-time start-up)."""
        if state.epoch == 1:
            self.wall.update(dict.fromkeys(self.PARTS, 0.0))
            self.cpu.update(dict.fromkeys(self.PARTS, 0.0))

    def report(self, epoch_seconds: float) -> dict:
        parts = {part: [self.wall[part], self.cpu[part]] for part in self.PARTS}
        parts["engine and loop (the rest)"] = [epoch_seconds - sum(self.wall.values()), None]
        return {"epoch": epoch_seconds, "parts": parts}


WORKERS = {"fcnn": fcnn_worker, "torch": torch_worker, "bound": bound_worker}


def run_worker(spec: dict) -> dict:
    """Run one worker in a fresh Python process; its last stdout line is its JSON result."""
    time.sleep(PAUSE)
    done = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"the {spec['lib']} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def blas_description() -> str:
    try:
        import threadpoolctl
    except ImportError:
        return "unknown (pip install threadpoolctl)"
    for pool in threadpoolctl.threadpool_info():
        if pool["user_api"] == "blas" and "numpy" in pool["filepath"]:
            return (f"numpy {np.__version__}: {pool['internal_api']} {pool.get('version')} "
                    f"({pool.get('architecture', '?')} kernels, {pool.get('threading_layer')})")
    return "not found by threadpoolctl"


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 epoch on a subset (10,000 training samples), 2 rounds")
    parser.add_argument("--recipes", nargs="+", default=RECIPES, choices=RECIPES)
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default 3)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3)")
    parser.add_argument("--data-dir", default=None,
                        help="folder of the data files (default: the recipe's data_dir)")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "fcnn" / "end_to_end", help="where the preprocessed arrays are kept")
    parser.add_argument("--no-torch", action="store_true", help="fcnn only")
    parser.add_argument("--output", type=Path, default=None,
                        help="report file (default benchmarks/results/end_to_end-DATE-CPU.txt)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(WORKERS[spec["lib"]](spec)))
        return
    epochs = args.epochs or (1 if args.quick else 3)
    rounds = args.rounds or (2 if args.quick else 3)
    try:
        import torch  # noqa: F401
        with_torch = not args.no_torch
    except ImportError:
        with_torch = False
    out = Report()
    now = datetime.datetime.now()
    out.line(f"fcnn end-to-end benchmark, {now:%Y-%m-%d %H:%M}")
    out.line(f"command: python benchmarks/end_to_end.py {' '.join(sys.argv[1:])}")
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    out.line(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores ({cpus} usable); "
             f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out.line(f"python {platform.python_version()}; {epochs} epoch(s) per run, {rounds} rounds"
             + (f", subset of {QUICK_TRAIN} training samples" if args.quick else ""))
    results = []
    for recipe in args.recipes:
        arrays = prepared_arrays(recipe, args.data_dir, args.cache)
        base = {"recipe": recipe, "arrays": str(arrays), "data_dir": args.data_dir,
                "epochs": epochs, "subset": args.quick}
        for threads in args.threads:
            spec = dict(base, threads=threads)
            runs: dict[str, list[dict]] = {"fcnn": [], "torch": []}
            libs = ["fcnn", "torch"] if with_torch else ["fcnn"]
            for r in range(rounds):
                for lib in libs[r % 2:] + libs[:r % 2]:
                    runs[lib].append(run_worker(dict(spec, lib=lib)))
                    print(f"  {recipe}, {threads} thread(s), round {r + 1}: {lib} "
                          f"{' '.join(f'{s:.2f}' for s in runs[lib][-1]['epochs'])} s/epoch",
                          flush=True)
            profile = run_worker(dict(spec, lib="fcnn", profile=True, epochs=2))
            data = read_arrays(arrays)
            n = min(len(data["y_train"]), QUICK_TRAIN) if args.quick else len(data["y_train"])
            features = data["X_train"].shape[1]
            classes = int(data["y_train"].max()) + 1
            config = recipe_config(recipe, args.data_dir, epochs)
            n_val = int(round(n * config.validation_split))
            bound = run_worker(dict(spec, lib="bound",
                                    sizes=[n - n_val, n_val, features, classes]))
            results.append({"recipe": recipe, "batch": config.batch_size, "threads": threads,
                            "runs": runs, "profile": profile, "bound": bound})
    write_tables(out, results, with_torch)
    out.line(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    output = args.output
    if output is None:
        cpu = re.sub(r"[^a-z0-9]+", "-", cpu_model().lower()).strip("-")
        output = ROOT / "benchmarks" / "results" / \
            f"end_to_end-{now:%Y-%m-%d}-{cpu}{'-quick' if args.quick else ''}.txt"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(out.lines) + "\n")
    print(f"written to {output}")


def write_tables(out: Report, results: list[dict], with_torch: bool) -> None:
    first = results[0]
    out.line(f"fcnn: {first['runs']['fcnn'][0]['blas']}; kernels: "
             f"{first['runs']['fcnn'][0]['kernels']}")
    if with_torch:
        out.line(f"PyTorch: {first['runs']['torch'][0]['blas']}")
    out.line()
    out.line("== seconds per epoch (training + validation), median over rounds; speed-up = "
             "PyTorch s / fcnn s, paired by round (> 1: fcnn faster); test accuracy")
    single = len(first["runs"]["fcnn"][0]["epochs"]) == 1
    out.line("fcnn's first epoch in each process includes the one-time start-up of its kernels "
             "(importing numba, loading the compiled kernels from its cache): 'start-up'"
             + ("; with one epoch per run, 'w/o' is the speed-up without it, what a long run "
                "sees" if single else ""))
    out.line(f"{'recipe (batch)':<26}{'threads':>8}{'fcnn':>8}{'start-up':>9}{'PyTorch':>9}"
             f"{'speed-up':>10}{'w/o' if single else '':>7}{'fcnn acc':>10}{'torch acc':>11}")
    for row in results:
        fcnn_runs, torch_runs = row["runs"]["fcnn"], row["runs"]["torch"]
        fcnn_s = [median(run["epochs"]) for run in fcnn_runs]
        startup = median([run["startup"] for run in fcnn_runs])
        line = f"{row['recipe'] + ' (' + str(row['batch']) + ')':<26}{row['threads']:>8}" \
               f"{median(fcnn_s):>8.2f}{startup:>9.2f}"
        if torch_runs:
            torch_s = [median(run["epochs"]) for run in torch_runs]
            row["speedup"] = median([t / f for t, f in zip(torch_s, fcnn_s)])
            without = ""
            if single:
                row["speedup"] = median([t / (f - run["startup"])
                                         for t, f, run in zip(torch_s, fcnn_s, fcnn_runs)])
                without = f"{row['speedup']:>6.2f}x"
                row["speedup_raw"] = median([t / f for t, f in zip(torch_s, fcnn_s)])
            line += f"{median(torch_s):>9.2f}" \
                    f"{row.get('speedup_raw', row['speedup']):>9.2f}x{without:>7}" \
                    f"{fcnn_runs[-1]['test_accuracy']:>10.1%}" \
                    f"{torch_runs[-1]['test_accuracy']:>11.1%}"
        else:
            line += f"{'-':>9}{'-':>10}{'':>7}{fcnn_runs[-1]['test_accuracy']:>10.1%}"
        out.line(line)
    for row in results:
        profile = row["profile"]["profile"]
        epoch = profile["epoch"]
        out.line()
        out.line(f"== profile of one fcnn epoch: {row['recipe']}, {row['threads']} thread(s), "
                 f"{epoch:.2f} s (its second epoch, timers on; CPU/wall = cores kept busy)")
        non_matrix = 0.0
        for part, (wall, cpu) in profile["parts"].items():
            busy = f"{cpu / wall:>6.2f}" if cpu is not None and wall > 1e-4 else f"{'':>6}"
            out.line(f"  {part:<42}{wall:>7.2f} s{wall / epoch:>6.0%}{busy}")
            if not part.startswith("linear") and not part.startswith("engine"):
                non_matrix += wall
        row["non_matrix"] = non_matrix / epoch
        share = non_matrix / epoch
        out.line(f"  {'non-matrix parts together':<42}{non_matrix:>7.2f} s{share:>6.0%}")
    out.line()
    out.line("== sgemm bound: seconds per epoch of the matrix products alone (GFLOP/s), and "
             "fcnn's linear layers against the fastest")
    out.line(f"{'recipe':<20}{'threads':>8}{'GFLOP':>8}{'NumPy BLAS':>16}{'torch MKL':>16}"
             f"{'fcnn linear':>13}{'/ fastest':>10}")
    for row in results:
        bound = row["bound"]
        flop = bound["flop_per_epoch"]
        cells = []
        for lib in ("numpy", "torch"):
            seconds = bound.get(lib)
            cells.append(f"{seconds:>6.2f} s ({flop / seconds / 1e9:>4.0f})" if seconds
                         else f"{'-':>16}")
        linear = row["profile"]["profile"]["parts"]["linear layers (matrix products + bias)"][0]
        fastest = min(s for s in (bound.get("numpy"), bound.get("torch")) if s)
        row["linear_vs_fastest"] = linear / fastest
        out.line(f"{row['recipe']:<20}{row['threads']:>8}{flop / 1e9:>8.0f}{cells[0]:>16}"
                 f"{cells[1]:>16}{linear:>11.2f} s{linear / fastest:>9.2f}x")
    out.line("(fcnn linear: the profile's linear layers, which also add the bias and sum its "
             "gradient, and ran with timers on)")
    out.line()
    out.line("== targets (issue 16)")
    for row in results:
        name = f"{row['recipe']}, {row['threads']} thread(s)"
        if "speedup" in row:
            out.line(f"  {name:<34} fcnn >= 1.15x PyTorch: {row['speedup']:.2f}x "
                     f"{'met' if row['speedup'] >= 1.15 else 'MISSED'}")
        out.line(f"  {name:<34} non-matrix parts <= 15% of the epoch: {row['non_matrix']:.0%} "
                 f"{'met' if row['non_matrix'] <= 0.15 else 'MISSED'}")
        out.line(f"  {name:<34} linear layers <= 1.05x fastest sgemm: "
                 f"{row['linear_vs_fastest']:.2f}x "
                 f"{'met' if row['linear_vs_fastest'] <= 1.05 else 'MISSED'}")


if __name__ == "__main__":
    main()
