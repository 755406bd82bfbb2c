"""The playground's pace, measured in a real browser: displayed updates per second, first frame.

Run (from the repository root; needs ``pip install -e '.[browser,bench]'`` and Chromium,
``apt-get install -y chromium`` on Debian):

    python benchmarks/playground.py                  # 3 rounds of 8 s per network, ~2 minutes
    python benchmarks/playground.py --rounds 5 --seconds 10 --output benchmarks/results/...

What it does: starts ``fcnn playground --no-browser`` as its own process (so its CPU time
is the server's alone), opens the page in headless Chromium (Playwright), and for each
network loads the page fresh (the time from navigation to the first drawn frame), presses
play and counts the frames the page *draws* (each with every neuron's heat map, the output
map, the links and the chart) over a fixed time. The networks run one after the other in
each round, and the table shows medians over rounds:

* ``2-8-8-2`` on 500 points: TensorFlow Playground's 2-8-8-1 (its one output is the two
  class scores here), batch size 10, one epoch per update: its pace, target >= 30/s;
* ``2-32x6-2`` on 500 points: 6 hidden layers of 32, target >= 10/s.

Server CPU per update is the server process's user + system CPU time (psutil) over the
measured window, divided by the updates drawn; the server's own count of training and
frame-building time per update is shown beside it, then the page's own script time per
drawn update and the CPU time of every Chromium process per update (painting and
compositing included: headless Chromium renders in software).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

try:
    import psutil
    from playwright.sync_api import sync_playwright
except ImportError as error:  # the benchmark needs the browser and bench extras
    sys.exit(f"benchmarks/playground.py needs {error.name}: pip install -e '.[browser,bench]'")

NETWORKS = {
    "2-8-8-2 (TF's 2-8-8-1)": ("shape=spiral&hidden=8,8&n_samples=500&batch_size=10", 30),
    "2-32x6-2 (6 layers of 32)": ("shape=spiral&hidden=32,32,32,32,32,32&n_samples=500"
                                  "&batch_size=10", 10),
}


def start_server(threads: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": str(threads),
           "OMP_NUM_THREADS": str(threads)}
    process = subprocess.Popen([sys.executable, "-m", "fcnn.cli", "playground", "--no-browser",
                                "--port", "0"], stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    if not line.startswith("fcnn playground: http"):
        process.kill()
        sys.exit(f"the server did not start: {line!r}")
    return process, line.split(": ", 1)[1].strip()


def browser_cpu() -> float:
    """CPU seconds (user + system) of every Chromium process of this benchmark."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def measure(browser, url: str, fragment: str, seconds: float, server: psutil.Process) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{url}#{fragment}")
    page.wait_for_function("window.fcnnStats.frames >= 1", timeout=30000)
    first = page.evaluate("window.fcnnStats.first_frame_ms")
    page.click("#play")
    time.sleep(1.0)  # warm-up: the pipeline fills
    frames0 = page.evaluate("window.fcnnStats.frames")
    cpu0, chrome0 = sum(server.cpu_times()[:2]), browser_cpu()
    started = time.perf_counter()
    time.sleep(seconds)
    frames1 = page.evaluate("window.fcnnStats.frames")
    cpu1, chrome1 = sum(server.cpu_times()[:2]), browser_cpu()
    elapsed = time.perf_counter() - started
    stats = page.evaluate("window.fcnnStats")
    page.click("#play")
    context.close()
    drawn = frames1 - frames0
    recent = stats["cpu_ms"][-max(drawn, 1):]
    return {"first_frame_ms": first, "updates_per_s": drawn / elapsed,
            "server_cpu_ms": 1000 * (cpu1 - cpu0) / max(drawn, 1),
            "browser_cpu_ms": 1000 * (chrome1 - chrome0) / max(drawn, 1),
            "train_ms": statistics.median(c["train_ms"] for c in recent),
            "frame_ms": statistics.median(c["frame_ms"] for c in recent),
            "draw_ms": statistics.median(stats["draw_ms"][-max(drawn, 1):])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the server")
    parser.add_argument("--chromium", default=os.environ.get("FCNN_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--output", help="also write the table to this file")
    args = parser.parse_args()
    if not shutil.which(args.chromium):
        sys.exit(f"no Chromium at {args.chromium}: apt-get install -y chromium, or --chromium")
    process, url = start_server(args.threads)
    server = psutil.Process(process.pid)
    results: dict[str, list[dict]] = {name: [] for name in NETWORKS}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium,
                                                 args=["--headless", "--no-sandbox",
                                                       "--disable-gpu"])
            for round_number in range(args.rounds):
                for name, (fragment, _) in NETWORKS.items():
                    result = measure(browser, url, fragment, args.seconds, server)
                    results[name].append(result)
                    print(f"round {round_number + 1}: {name}: "
                          f"{result['updates_per_s']:.1f} updates/s, first frame "
                          f"{result['first_frame_ms']:.0f} ms, server CPU "
                          f"{result['server_cpu_ms']:.1f} ms/update", file=sys.stderr)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = table(results, args)
    print("\n".join(lines))
    if args.output:
        Path(args.output).write_text("\n".join(lines) + "\n")


def table(results: dict[str, list[dict]], args: argparse.Namespace) -> list[str]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    lines = [f"# fcnn playground pace: {args.rounds} rounds x {args.seconds:g} s per network, "
             f"medians; {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"server BLAS threads {args.threads}, headless Chromium (software rendering)",
             "",
             "| network, 500 points, batch 10 | displayed updates/s | target | first frame "
             "| server CPU / update | of it: train / frame | page script / update "
             "| browser CPU / update |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, runs in results.items():
        target = NETWORKS[name][1]

        def median(key: str, runs: list[dict] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        rate = median("updates_per_s")
        status = "met" if rate >= target else "missed"
        lines.append(f"| {name} | {rate:.1f} | >= {target} ({status})"
                     f" | {median('first_frame_ms'):.0f} ms | {median('server_cpu_ms'):.1f} ms "
                     f"| {median('train_ms'):.1f} / {median('frame_ms'):.1f} ms "
                     f"| {median('draw_ms'):.1f} ms | {median('browser_cpu_ms'):.1f} ms |")
    lines.append("")
    for name, runs in results.items():
        rates = ", ".join(f"{r['updates_per_s']:.1f}" for r in runs)
        lines.append(f"{name}: updates/s per round {rates}")
    first = max(statistics.median(r["first_frame_ms"] for r in runs) for runs in results.values())
    lines.append("")
    lines.append(f"first frame within 1 s of loading the page: "
                 f"{'met' if first <= 1000 else 'missed'} (slowest median {first:.0f} ms)")
    return lines


if __name__ == "__main__":
    main()
