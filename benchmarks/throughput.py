"""Training speed of fcnn side by side with PyTorch eager and scikit-learn, and the BLAS bound.

Run (from the repository root; PyTorch and scikit-learn rows appear when they are installed,
``pip install -e '.[bench]'`` adds scikit-learn, threadpoolctl and psutil):

    python benchmarks/throughput.py            # full run, ~10-15 minutes on 2 cores
    python benchmarks/throughput.py --quick    # a subset, under 2 minutes
    python benchmarks/throughput.py --output benchmarks/results/throughput-DATE.txt

Cases, each printed as a table of medians over rounds, with ratios paired round by round
(every contender runs once per round, one after the other, so a noisy machine slows the
contenders of a round alike):

* MLP: samples/s of one full training step (forward, softmax cross-entropy, backward,
  SGD-momentum update), float32, random CIFAR-10-shaped data, for fcnn coarse and fine,
  PyTorch eager (same thread count), scikit-learn's MLPClassifier (float64, its default,
  and float32), and the bound: the same step's matrix products alone.
* small graph: a 2-16-16-1 net on 200 two-moons points, full batch, per-step time
  (Python overhead per op decides it), against PyTorch eager and a hand-written NumPy step.
* scalar graph: the cost per op of building and back-propagating a chain of scalar ops.
* memory: peak RSS of a CIFAR-10 training run (``benchmarks/memory.py``), full mode only.

A final table says which targets of issue 5 hold and by how much.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import fcnn
from fcnn.data import make_toy
from fcnn.nn import MLP
from fcnn.nn.losses import cross_entropy
from fcnn.optim import SGD

try:
    import torch
except ImportError:  # the torch rows are skipped
    torch = None
try:
    from sklearn.neural_network import MLPClassifier
except ImportError:  # the scikit-learn rows are skipped
    MLPClassifier = None
try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None
try:
    from micrograd.engine import Value as MicrogradValue
except ImportError:  # the micrograd row is skipped
    MicrogradValue = None

MLP_CONFIGS = [(3072, 100, 10), (3072, 512, 256, 10), (3072, 1024, 1024, 10)]
BATCH_SIZES = [64, 256, 1024]
QUICK_CONFIGS = [(3072, 100, 10), (3072, 512, 256, 10)]
QUICK_BATCH_SIZES = [64, 256]
LR, MOMENTUM = 0.01, 0.9
PAUSE = 0.1  # seconds between blocks: OpenBLAS threads spin ~0.1 s after a call
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

Step = Callable[[], object]


# ----------------------------------------------------------------------------
# Timing: rounds of every contender, medians and ratios paired round by round
# ----------------------------------------------------------------------------


def calibrate(step: Step, min_seconds: float) -> int:
    """Warm ``step`` up and return how many calls make one timing of ``min_seconds``."""
    step()
    step()
    started = time.perf_counter()
    step()
    once = max(time.perf_counter() - started, 1e-7)
    return max(1, math.ceil(min_seconds / once))


def time_rounds(steps: dict[str, tuple[Step, int]], rounds: int,
                min_seconds: float) -> dict[str, list[float]]:
    """Seconds per unit of work of each contender, one value per round.

    ``steps`` maps a name to (callable, units of work per call), e.g. (sklearn epoch, 8 steps).
    Each round times every contender once, in an order rotated from round to round.
    """
    calls = {}
    for name, (step, _) in steps.items():
        time.sleep(PAUSE)
        calls[name] = calibrate(step, min_seconds)
    names = list(steps)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            step, units = steps[name]
            time.sleep(PAUSE)
            started = time.perf_counter()
            for _ in range(calls[name]):
                step()
            times[name].append((time.perf_counter() - started) / (calls[name] * units))
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def paired(times: dict[str, list[float]], slow: str, fast: str) -> float:
    """Median over rounds of time[slow] / time[fast]: how many times faster ``fast`` is."""
    return median([s / f for s, f in zip(times[slow], times[fast])])


# ----------------------------------------------------------------------------
# The contenders of the MLP case
# ----------------------------------------------------------------------------


def random_batch(widths: tuple[int, ...], batch: int, seed: int = 0,
                 dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, widths[0]), dtype=np.float32).astype(dtype, copy=False)
    return X, rng.integers(0, widths[-1], batch)


def fcnn_step(widths: tuple[int, ...], batch: int, granularity: str) -> Step:
    """One fcnn training step on a fixed batch."""
    model = MLP(widths[0], widths[1:-1], widths[-1], granularity=granularity, seed=0)
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    X, y = random_batch(widths, batch)
    x = fcnn.Tensor(X)

    def step() -> float:
        loss = cross_entropy(model(x), y, granularity=granularity)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.data)

    return step


def torch_step(widths: tuple[int, ...], batch: int) -> Step:
    """The same step in PyTorch eager: nn.Sequential, CrossEntropyLoss, SGD(momentum)."""
    layers: list = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    X, y = random_batch(widths, batch)
    x, labels = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def sklearn_step(widths: tuple[int, ...], batch: int, dtype: type) -> tuple[Step, int, str]:
    """``partial_fit`` over a few batches of MLPClassifier with the same SGD-momentum step.

    Returns (callable, steps per call, dtype the model actually trains in).
    """
    steps_per_call = max(1, 1024 // batch)
    clf = MLPClassifier(hidden_layer_sizes=widths[1:-1], solver="sgd", momentum=MOMENTUM,
                        nesterovs_momentum=False, learning_rate_init=LR, batch_size=batch,
                        shuffle=False, random_state=0)
    X, y = random_batch(widths, batch * steps_per_call, dtype=dtype)
    clf.partial_fit(X[:batch], y[:batch], classes=np.arange(widths[-1]))
    return (lambda: clf.partial_fit(X, y)), steps_per_call, str(clf.coefs_[0].dtype)


def matmul_step(widths: tuple[int, ...], batch: int) -> Step:
    """The step's matrix products alone: the bound BLAS puts on any implementation.

    Forward x W^T per layer, backward g^T x (dW) per layer and g W (dx) for all but the
    input layer: the products fcnn's coarse step computes, on fresh outputs as it does.
    """
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((n_out, n_in), dtype=np.float32)
               for n_in, n_out in zip(widths[:-1], widths[1:])]
    inputs = [rng.standard_normal((batch, n), dtype=np.float32) for n in widths[:-1]]
    grads = [rng.standard_normal((batch, n), dtype=np.float32) for n in widths[1:]]

    def step() -> None:
        for x, w in zip(inputs, weights):
            x @ w.T
        for i, (x, w, g) in enumerate(zip(inputs, weights, grads)):
            g.T @ x
            if i > 0:
                g @ w

    return step


def step_flops(widths: tuple[int, ...], batch: int) -> float:
    """Floating-point operations of the products of :func:`matmul_step`."""
    layers = list(zip(widths[:-1], widths[1:]))
    forward = sum(2 * batch * a * b for a, b in layers)
    return 2 * forward + sum(2 * batch * a * b for a, b in layers[1:])


# ----------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------


def mlp_case(configs: list[tuple[int, ...]], batches: list[int], rounds: int,
             min_seconds: float, with_sklearn32: bool, out: Report) -> list[dict]:
    """The MLP throughput table; returns one dict of results per row."""
    out.title("MLP training step: samples/s (median of rounds), ratios paired by round")
    out.line("coarse/torch and coarse/sk64: how many times faster fcnn coarse is; "
             "fine/coarse: time ratio; % bound: matrix-product time / coarse step time")
    header = (f"{'model':<19}{'batch':>6}{'coarse':>9}{'fine':>9}{'torch':>9}{'sk64':>8}"
              f"{'sk32':>8}{'bound':>9}{'GFLOP/s':>8}{'c/torch':>8}{'fine/c':>7}"
              f"{'% bound':>8}{'c/sk64':>7}")
    out.line(header)
    rows = []
    for widths in configs:
        for batch in batches:
            steps: dict[str, tuple[Step, int]] = {
                "coarse": (fcnn_step(widths, batch, "coarse"), 1),
                "fine": (fcnn_step(widths, batch, "fine"), 1),
                "bound": (matmul_step(widths, batch), 1),
            }
            if torch is not None:
                steps["torch"] = (torch_step(widths, batch), 1)
            if MLPClassifier is not None:
                step, units, _ = sklearn_step(widths, batch, np.float64)
                steps["sk64"] = (step, units)
                if with_sklearn32:
                    step, units, dtype = sklearn_step(widths, batch, np.float32)
                    steps["sk32"] = (step, units)
                    out.sk32_dtype = dtype
            times = time_rounds(steps, rounds, min_seconds)
            row = {"widths": widths, "batch": batch,
                   "rate": {k: batch / median(v) for k, v in times.items()},
                   "fine/coarse": paired(times, "fine", "coarse"),
                   "bound%": 100 / paired(times, "coarse", "bound"),
                   "gflops": step_flops(widths, batch) / median(times["bound"]) / 1e9}
            if "torch" in times:
                row["coarse/torch"] = paired(times, "torch", "coarse")
                row["fine/torch"] = paired(times, "torch", "fine")
            if "sk64" in times:
                row["coarse/sk64"] = paired(times, "sk64", "coarse")
            rows.append(row)
            rate = row["rate"]
            name = "-".join(map(str, widths))
            out.line(f"{name:<19}{batch:>6}{rate['coarse']:>9.0f}{rate['fine']:>9.0f}"
                     f"{_num(rate.get('torch'), 9, '.0f')}{_num(rate.get('sk64'), 8, '.0f')}"
                     f"{_num(rate.get('sk32'), 8, '.0f')}{rate['bound']:>9.0f}"
                     f"{row['gflops']:>8.0f}{_num(row.get('coarse/torch'), 8, '.2f')}"
                     f"{row['fine/coarse']:>7.2f}{row['bound%']:>7.0f}%"
                     f"{_num(row.get('coarse/sk64'), 7, '.1f')}")
    if MLPClassifier is not None and with_sklearn32:
        out.line(f"(sk32: MLPClassifier given float32 data trains in {out.sk32_dtype})")
    return rows


def moons_data() -> tuple[np.ndarray, np.ndarray]:
    X, labels = make_toy("moons", n_samples=200, noise=0.1, seed=0)
    y = np.where(labels == 1, 1.0, -1.0).astype(np.float32)[:, None]
    return X.astype(np.float32), y


def fcnn_small_step(granularity: str) -> Step:
    """2-16-16-1, hinge loss mean(relu(1 - y * score)) as micrograd's demo, SGD momentum."""
    X, y = moons_data()
    model = MLP(2, [16, 16], 1, granularity=granularity, seed=0)
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    x, target = fcnn.Tensor(X), fcnn.Tensor(y)
    relu = fcnn.nn.functional.relu

    def step() -> float:
        loss = relu(1 - target * model(x), granularity).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.data)

    return step


def torch_small_step() -> Step:
    X, y = moons_data()
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                torch.nn.ReLU(), torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    x, target = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.relu(1 - target * model(x)).mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def numpy_small_step() -> Step:
    """The same step written by hand in NumPy: the floor for Python-level code."""
    X, y = moons_data()
    rng = np.random.default_rng(0)
    widths = [2, 16, 16, 1]
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        bound = 1 / np.sqrt(n_in)
        params += [rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32),
                   np.zeros(n_out, np.float32)]
    velocity = [np.zeros_like(p) for p in params]
    n = len(X)

    def step() -> float:
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.maximum(X @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        margin = 1 - y * (h2 @ w3 + b3)
        loss = float(np.maximum(margin, 0).mean())
        d3 = -y * (margin > 0) / n
        d2 = (d3 @ w3.T) * (h2 > 0)
        d1 = (d2 @ w2.T) * (h1 > 0)
        grads = [X.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d3, d3.sum(0)]
        for p, v, g in zip(params, velocity, grads):
            v *= MOMENTUM
            v += g
            p -= LR * v
        return loss

    return step


def small_case(rounds: int, out: Report) -> dict[str, float]:
    out.title("small graph: 2-16-16-1 on 200 two-moons points, full batch, ms per step")
    steps: dict[str, tuple[Step, int]] = {
        "fcnn coarse": (fcnn_small_step("coarse"), 1),
        "fcnn fine": (fcnn_small_step("fine"), 1),
        "numpy by hand": (numpy_small_step(), 1),
    }
    if torch is not None:
        steps["torch eager"] = (torch_small_step(), 1)
    times = time_rounds(steps, rounds, min_seconds=0.2)
    out.line(f"{'':<16}{'ms/step':>9}{'time / torch':>14}")
    result = {}
    for name, values in times.items():
        vs_torch = paired(times, name, "torch eager") if torch is not None else None
        out.line(f"{name:<16}{median(values) * 1e3:>9.3f}{_num(vs_torch, 14, '.2f')}")
        result[name] = vs_torch
    return result


def scalar_chain(make: Callable, length: int = 1000) -> Step:
    """Build x <- x * w + c (``length`` ops in all) from scalars, then back-propagate."""

    def step() -> None:
        x, w, c = make(0.5), make(1.0001), make(0.001)
        for _ in range(length // 2):
            x = x * w + c
        x.backward()

    return step


def scalar_case(rounds: int, out: Report) -> dict[str, float]:
    out.title("scalar graph: a chain of 1000 scalar ops (x = x * w + c), us per op, "
              "forward + backward")
    steps: dict[str, tuple[Step, int]] = {
        "fcnn": (scalar_chain(lambda v: fcnn.tensor(v, requires_grad=True)), 1000)}
    if torch is not None:
        steps["torch eager"] = (scalar_chain(lambda v: torch.tensor(v, requires_grad=True)), 1000)
    if MicrogradValue is not None:  # Python floats, no NumPy: the floor for a Python graph
        steps["micrograd"] = (scalar_chain(MicrogradValue), 1000)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))  # micrograd sorts its graph recursively
    try:
        times = time_rounds(steps, rounds, min_seconds=0.2)
    finally:
        sys.setrecursionlimit(limit)
    out.line(f"{'':<16}{'us/op':>9}{'fcnn time / this':>18}")
    for name, values in times.items():
        out.line(f"{name:<16}{median(values) * 1e6:>9.2f}{paired(times, 'fcnn', name):>18.2f}")
    out.line("(the issue measured micrograd at ~10 us/op and PyTorch at ~7 us/op on its machine)")
    result = {name: median(values) * 1e6 for name, values in times.items()}
    if torch is not None:
        result["fcnn/torch"] = paired(times, "fcnn", "torch eager")
    return result


def memory_case(out: Report) -> dict | None:
    """Run benchmarks/memory.py in a subprocess and copy its table."""
    script = Path(__file__).with_name("memory.py")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    out.title("memory: peak RSS of a CIFAR-10 training run (benchmarks/memory.py)")
    for line in result.stdout.strip().splitlines():
        if not line.startswith("{"):
            out.line(line)
    if result.returncode != 0:
        out.line(f"memory.py failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------


def _num(value: float | None, width: int, fmt: str) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}{fmt}}"


class Report:
    """Prints lines and keeps them for the output file."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sk32_dtype = "?"

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def title(self, text: str) -> None:
        self.line()
        self.line(f"== {text}")


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def blas_info() -> tuple[str, int | None]:
    """A description of NumPy's BLAS and its thread count (threadpoolctl, when installed)."""
    if threadpoolctl is None:
        return "unknown (pip install threadpoolctl)", None
    for pool in threadpoolctl.threadpool_info():
        if pool["user_api"] == "blas" and "numpy" in pool["filepath"]:
            kind = (f"{pool['internal_api']} {pool.get('version')} "
                    f"({pool.get('architecture', '?')} kernels, {pool.get('threading_layer')})")
            return kind, pool["num_threads"]
    return "not found by threadpoolctl", None


def header(out: Report, threads: int | None) -> None:
    out.line(f"fcnn throughput benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    out.line(f"command: python benchmarks/{Path(sys.argv[0]).name} {' '.join(sys.argv[1:])}")
    out.line(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average "
             f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    blas, blas_threads = blas_info()
    out.line(f"BLAS: {blas}, {blas_threads} threads")
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    if torch is not None:
        versions.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    if MLPClassifier is not None:
        import sklearn

        versions.append(f"scikit-learn {sklearn.__version__}")
    out.line(", ".join(versions))
    env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    out.line(f"OPENBLAS_* environment: {env or 'none'}; threads requested: {threads or 'default'}")


def targets(out: Report, mlp: list[dict], small: dict, scalar: dict,
            memory: dict | None) -> None:
    """The issue's targets: met or missed, and by how much."""
    out.title("targets (issue 5)")
    rows: list[tuple[str, str, bool]] = []

    def add(what: str, value: float, goal: float, fmt: str, higher: bool = True) -> None:
        met = value >= goal if higher else value <= goal
        rows.append((what, f"{value:{fmt}} ({'>=' if higher else '<='} {goal:{fmt}})", met))

    for row in mlp:
        name = f"{'-'.join(map(str, row['widths']))} b{row['batch']}"
        if "coarse/torch" in row:
            add(f"coarse vs torch, {name}", row["coarse/torch"],
                1.15 if row["batch"] >= 256 else 1.0, ".2f")
        if row["batch"] >= 256:
            add(f"coarse % of bound, {name}", row["bound%"], 90, ".0f")
        add(f"fine/coarse time, {name}", row["fine/coarse"], 1.10, ".2f", higher=False)
        if "coarse/sk64" in row:
            add(f"coarse vs sklearn64, {name}", row["coarse/sk64"], 2.5, ".1f")
    if small.get("fcnn coarse") is not None:
        add("small graph: coarse time / torch", small["fcnn coarse"], 0.5, ".2f", higher=False)
        add("small graph: fine time / torch", small["fcnn fine"], 0.5, ".2f", higher=False)
    add("scalar graph: us per op", scalar["fcnn"], 5.0, ".2f", higher=False)
    if "fcnn/torch" in scalar:  # the same target scaled by PyTorch's speed (7 us there)
        add("scalar graph: fcnn time / torch", scalar["fcnn/torch"], 5 / 7, ".2f",
            higher=False)
    if memory is not None:
        add("CIFAR-10 peak RSS / (data + params + state)", memory["ratio"], 2.0, ".2f",
            higher=False)
    width = max(len(r[0]) for r in rows) + 2
    for what, value, met in rows:
        out.line(f"{what:<{width}}{value:<22}{'met' if met else 'MISSED'}")
    out.line(f"{sum(r[2] for r in rows)} of {len(rows)} targets met")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a subset (2 models x batch 64, 256; 5 rounds), under 2 minutes")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per case (default 11, 5 with --quick)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and PyTorch threads (default: the BLAS default)")
    parser.add_argument("--memory", action="store_true",
                        help="also run the CIFAR-10 memory case in --quick mode")
    parser.add_argument("--output", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 11)
    limits = contextlib.nullcontext()
    if args.threads and threadpoolctl is not None:
        limits = threadpoolctl.threadpool_limits(args.threads, user_api="blas")
    with limits:
        threads = args.threads or blas_info()[1]
        if torch is not None and threads:
            torch.set_num_threads(threads)
        out = Report()
        header(out, args.threads)
        quick = args.quick
        mlp = mlp_case(QUICK_CONFIGS if quick else MLP_CONFIGS,
                       QUICK_BATCH_SIZES if quick else BATCH_SIZES, rounds,
                       min_seconds=0.1, with_sklearn32=not quick, out=out)
        small = small_case(rounds, out)
        scalar = scalar_case(rounds, out)
        memory = memory_case(out) if (args.memory or not quick) else None
        targets(out, mlp, small, scalar, memory)
        out.line(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n".join(out.lines) + "\n")
        print(f"written to {args.output}")


if __name__ == "__main__":
    main()
