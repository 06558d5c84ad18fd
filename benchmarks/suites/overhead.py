"""Suite `overhead`: what the machinery itself costs.

* `sim`: the simulated executor through the library's driver loop, per report, as a ratio to a bare heap of the same
  events measured in the same run; and the 1,000-trial, 32-worker ASHA run on the learning-curve table.
* `core`, `callbacks`, `ray`: the core, callback/storage and Ray overhead benchmarks (`benchmarks/core_overhead.py`,
  `benchmarks/callbacks_overhead.py`, `benchmarks/ray_overhead.py`, written separately), run through their
  `main()` with their printed output collected, when present.
"""
from __future__ import annotations

import contextlib
import heapq
import importlib
import inspect
import io
import sys
import time
from typing import Any

from hpo_core import BasicVariantGenerator, FIFOScheduler, uniform

from .. import methods as registry
from ..problems import Problem, get_problem
from ..report import markdown_table
from ..runner import run_once
from .common import Collected, Options, write_outputs

PARTS = ["sim", "core", "callbacks", "ray"]
EXTERNAL = {"core": "benchmarks.core_overhead", "callbacks": "benchmarks.callbacks_overhead",
            "ray": "benchmarks.ray_overhead"}


class _Flat(Problem):
    """`reports` reports of 1 simulated second each, with a constant metric: pure overhead."""

    name = "noop"

    def __init__(self, reports: int):
        self.max_t = reports

    def space(self) -> dict[str, Any]:
        return {"x": uniform(0.0, 1.0)}

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None):
        return ((1.0, {"value": config["x"]}) for _ in range(start_iteration, self.max_t))


def _bare_heap(trials: int, reports: int, workers: int) -> float:
    """The same event pattern with nothing but a heap: the floor any simulator pays."""
    started = time.perf_counter()
    heap: list[tuple[float, int, int]] = []
    left = {t: reports for t in range(trials)}
    waiting = list(range(trials))[::-1]
    clock, seq = 0.0, 0
    while waiting and len(heap) < workers:
        heapq.heappush(heap, (clock + 1.0, seq, waiting.pop()))
        seq += 1
    while heap:
        clock, _, trial = heapq.heappop(heap)
        left[trial] -= 1
        nxt = trial if left[trial] else (waiting.pop() if waiting else None)
        if nxt is not None:
            heapq.heappush(heap, (clock + 1.0, seq, nxt))
            seq += 1
    return time.perf_counter() - started


def measure_sim(budget: int) -> list[dict[str, Any]]:
    rows = []
    trials, reports, workers = max(budget, 2), 10, 8
    result = run_once(_Flat(reports), registry.Setup({"x": uniform(0.0, 1.0)}, BasicVariantGenerator(),
                                                     FIFOScheduler()),
                      seed=0, workers=workers, num_samples=trials)
    floor = _bare_heap(trials, reports, workers)
    events = trials * reports
    rows.append({"measurement": f"driver + SimulatedExecutor, {trials} trials x {reports} reports, {workers} workers",
                 "value": f"{1e6 * result.wall_s / events:.1f} us/report",
                 "ratio": f"{result.wall_s / max(floor, 1e-9):.0f}x a bare heap"})
    try:
        problem = get_problem("mlp-digits")
        setup = registry.build(registry.SCHEDULERS, "asha", problem, 0, 32, budget)
    except (ImportError, FileNotFoundError) as exc:
        rows.append({"measurement": "ASHA on mlp-digits", "value": f"skipped: {exc}", "ratio": ""})
        return rows
    asha = run_once(problem, setup, seed=0, workers=32, num_samples=budget)
    rows.append({"measurement": f"ASHA, {asha.trials} trials, 32 workers, mlp-digits ({asha.epochs} epochs)",
                 "value": f"{asha.wall_s:.2f} s wall for {asha.sim_time:.0f} simulated s",
                 "ratio": f"{1e6 * asha.wall_s / max(asha.epochs, 1):.0f} us/report"})
    print(f"[overhead] {rows[-1]['measurement']}: {rows[-1]['value']}")
    return rows


def run_external(part: str) -> tuple[str, str]:
    """Run another benchmark's `main()`; returns (status, captured output)."""
    module_name = EXTERNAL[part]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        return f"skipped ({module_name} not available: {exc})", ""
    main = getattr(module, "main", None)
    if main is None:
        return f"skipped ({module_name} has no main())", ""
    buffer = io.StringIO()
    started = time.perf_counter()
    saved_argv = sys.argv
    sys.argv = [module_name]  # their argparse must not see this suite's options
    try:
        with contextlib.redirect_stdout(buffer):
            main([]) if inspect.signature(main).parameters else main()
    except SystemExit:
        pass
    except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
        return f"failed: {type(exc).__name__}: {exc}", buffer.getvalue()
    finally:
        sys.argv = saved_argv
    return f"ran in {time.perf_counter() - started:.1f} s", buffer.getvalue()


def run(options: Options) -> dict[str, Any]:
    parts = options.methods or PARTS
    budget = options.budget or 1000  # trials of the ASHA run
    rows: list[dict[str, Any]] = []
    sections = ["### Overhead\n"]
    if "sim" in parts:
        rows.extend(measure_sim(budget))
        sections.append(markdown_table(rows, ["measurement", "value", "ratio"]))
    for part in (p for p in parts if p in EXTERNAL):
        status, output = run_external(part)
        rows.append({"measurement": EXTERNAL[part], "value": status, "ratio": ""})
        sections.append(f"**{EXTERNAL[part]}**: {status}\n\n```\n{output.strip()}\n```" if output
                        else f"**{EXTERNAL[part]}**: {status}")
    settings = {"budget": budget, "parts": parts}
    return write_outputs("overhead", options, Collected(), rows, ["measurement", "value", "ratio"],
                         "\n\n".join(sections), [], settings)
