"""What the live dashboard costs the machine: a page polling once a second on a 10,000-trial experiment folder.

`python -m benchmarks.dashboard_polling [--trials 10000] [--reports 5] [--seconds 30]`

1. Makes the folder with `hpo_core.run` (SerialExecutor, trivial trials with `--reports` reports each; the default
   loggers off only to make it faster: the dashboard reads the journal alone).
2. Starts the dashboard as a user does (`python -m hpo_core.dashboard FOLDER --port 0`, its own process).
3. Loads the page's data once (`since=0`, the first page load), then polls at 1 Hz for `--seconds` as the page does
   (`since=<version>`), once with the folder idle and once while a driver appends a new experiment to the same
   storage folder (the page watching that one). The dashboard process's CPU time (from /proc) over wall time is
   its share of one core.
4. Baseline in the same run: re-reading the whole folder on every poll (`load_experiment`), the naive dashboard.

The browser's own work is not counted (it redraws only when a poll brings changes).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

SC_CLK_TCK = os.sysconf("SC_CLK_TCK")


def trivial(config):
    from hpo_core import report

    for step in range(1, config["reports"] + 1):
        report(loss=config["x"] / step)


def make_folder(root: str, name: str, trials: int, reports: int) -> str:
    import hpo_core
    from hpo_core import SerialExecutor, uniform

    os.environ["ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS"] = "1"
    analysis = hpo_core.run(trivial, {"x": uniform(0, 1), "reports": reports}, num_samples=trials, metric="loss",
                            mode="min", executor=SerialExecutor(), storage_path=root, name=name, verbose=0, seed=0)
    return analysis.path


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / SC_CLK_TCK  # utime + stime


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def poll(base: str, name: str, pid: int, seconds: float) -> tuple[float, int, int]:
    """Poll like the page for `seconds`: (share of one core, polls, trials received after the first load)."""
    version = get(f"{base}api/experiment?exp={name}&since=0")["version"]
    start_cpu, start, polls, received = cpu_seconds(pid), time.monotonic(), 0, 0
    while time.monotonic() - start < seconds:
        time.sleep(max(0.0, start + polls + 1 - time.monotonic()))
        page = get(f"{base}api/experiment?exp={name}&since={version}")
        version, polls, received = page["version"], polls + 1, received + len(page["trials"])
    return (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start), polls, received


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    from hpo_core.storage import load_experiment

    with tempfile.TemporaryDirectory() as root:
        began = time.perf_counter()
        folder = make_folder(root, "big", args.trials, args.reports)
        size = os.path.getsize(os.path.join(folder, "journal.jsonl"))
        print(f"folder: {args.trials} trials x {args.reports} reports, journal {size / 1e6:.1f} MB, made in "
              f"{time.perf_counter() - began:.0f} s")
        server = subprocess.Popen([sys.executable, "-m", "hpo_core.dashboard", root, "--port", "0"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().split()[2]
            began = time.perf_counter()
            first = get(f"{base}api/experiment?exp=big&since=0")
            first_load = time.perf_counter() - began
            idle, idle_polls, _ = poll(base, "big", server.pid, args.seconds)
            driver = subprocess.Popen([sys.executable, "-c", (
                f"import sys; sys.path[:0] = [{os.getcwd()!r}]; from benchmarks.dashboard_polling import make_folder; "
                f"make_folder({root!r}, 'live', 100_000, 5)")])
            try:
                while not os.path.exists(os.path.join(root, "live", "journal.jsonl")):
                    time.sleep(0.1)
                time.sleep(1.0)
                live, live_polls, received = poll(base, "live", server.pid, args.seconds)
            finally:
                driver.kill()
                driver.wait()
        finally:
            server.terminate()
            server.wait()
        began = time.process_time()
        load_experiment(folder)
        naive = time.process_time() - began  # CPU of one full re-read: per 1 Hz poll, its share of a core
    print(f"first page load (all {first['num_trials']} trials): {first_load:.2f} s")
    print()
    print("| 1 Hz polling of the dashboard | share of one core | polls |")
    print("|---|---|---|")
    print(f"| 10,000-trial folder, idle (incremental reads, as shipped) | {idle:.2%} | {idle_polls} |")
    print(f"| a running experiment beside it ({received} trial updates received) | {live:.2%} | {live_polls} |")
    print(f"| baseline: re-read the whole folder every poll (naive) | {naive:.2%} | 1 (timed once) |")
    print()
    print(f"incremental / naive (idle): {idle / naive:.3f}; target: idle and live <= 5 % of one core -> "
          f"{'met' if max(idle, live) <= 0.05 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
