"""What every suite shares: its options, the loop over (problem, method, workers, seed) with a progress bar, and
writing the CSV / JSON / Markdown files."""
from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpo_core.errors import AsktellError

from .. import methods as registry
from ..problems import Problem, get_problem
from ..report import write_csv, write_json
from ..runner import RunResult, run_once

TRACE_COLUMNS = ("problem", "method", "workers", "seed", "evaluation", "epochs", "sim_time", "best", "regret")


@dataclass
class Options:
    """Command-line options of a suite; None means the suite's default."""

    seeds: int = 5
    budget: int | None = None
    workers: list[int] | None = None
    out: Path = Path("benchmark-results")
    problems: list[str] | None = None
    methods: list[str] | None = None
    progress: bool = True


@dataclass
class Collected:
    """All runs of a suite: per (problem, method, workers) the list of results, one per seed, and what was skipped."""

    runs: dict[tuple[str, str, int], list[RunResult]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # "problem/method" -> reason
    problems: dict[str, Problem] = field(default_factory=dict)

    def trace_rows(self) -> list[dict[str, Any]]:
        rows = []
        for (problem, method, workers), results in self.runs.items():
            for seed, result in enumerate(results):
                rows.extend({"problem": problem, "method": method, "workers": workers, "seed": seed, **row}
                            for row in result.trace)
        return rows


def progress_bar(enabled: bool):
    """A rich progress bar on stderr (a silent stand-in when disabled or rich is missing)."""
    if enabled and not sys.stderr.isatty():
        return _Lines()
    if enabled:
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=False)
        except ImportError:
            pass
    return _Silent()


class _Lines:
    """Progress as one line per finished step, for logs (no terminal to redraw a bar in)."""

    def __init__(self):
        self.done, self.total, self.description = 0, 0, ""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: int) -> int:
        self.total = total
        return 0

    def update(self, task: int, description: str = "", **kwargs: Any) -> None:
        self.description = description or self.description

    def advance(self, task: int, advance: int = 1) -> None:
        self.done += advance
        print(f"[{self.done}/{self.total}] {self.description}", file=sys.stderr, flush=True)


class _Silent:
    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: int) -> int:
        return 0

    def update(self, task: int, **kwargs: Any) -> None:
        return None

    def advance(self, task: int, advance: int = 1) -> None:
        return None


def collect(suite: str, options: Options, problems: Sequence[str], methods: Sequence[str],
            kind: dict[str, registry.Factory], workers: Sequence[int], budget: int,
            time_budget: Callable[[Problem], float | None] | None = None,
            recorder: type | None = None) -> Collected:
    """Run every (problem, method, workers, seed); a method that is missing or does not fit is skipped.
    `recorder`: the callback class that traces each run (default: the best value so far, see `run_once`)."""
    traced = {} if recorder is None else {"recorder": recorder}
    collected = Collected()
    jobs = [(p, m, w) for p in problems for m in methods for w in workers]
    with progress_bar(options.progress) as bar:
        task = bar.add_task(suite, total=len(jobs) * options.seeds)
        for problem_name, method, count in jobs:
            problem = collected.problems.get(problem_name) or get_problem(problem_name)
            collected.problems[problem_name] = problem
            key = f"{problem_name}/{method}"
            results = []
            for seed in range(options.seeds):
                bar.update(task, description=f"{suite}: {key} w={count} seed={seed}")
                limit = time_budget(problem) if time_budget else None
                try:
                    setup = registry.build(kind, method, problem, seed, count, budget)
                    if setup is None:
                        collected.skipped[key] = "does not fit this problem"
                        break
                    results.append(run_once(problem, setup, seed=seed, workers=count, num_samples=budget,
                                            time_budget_s=limit, **traced))
                except ImportError as exc:
                    collected.skipped[key] = f"not installed: {exc}"
                    break
                except AsktellError as exc:
                    collected.skipped[key] = f"does not fit this problem: {type(exc).__name__}: {exc}"
                    break
                bar.advance(task)
            if len(results) < options.seeds:
                bar.advance(task, options.seeds - len(results))
            if results:
                collected.runs[(problem_name, method, count)] = results
    return collected


def write_outputs(suite: str, options: Options, collected: Collected, summary: list[dict[str, Any]],
                  summary_columns: Sequence[str], markdown: str, plots: list[Path],
                  settings: dict[str, Any]) -> dict[str, Path]:
    """`<suite>.csv` (traces), `<suite>_summary.csv`, `<suite>.json`, `<suite>.md`; returns the paths written."""
    out = options.out
    paths = {
        "trace_csv": write_csv(out / f"{suite}.csv", collected.trace_rows(), TRACE_COLUMNS),
        "summary_csv": write_csv(out / f"{suite}_summary.csv", summary, summary_columns),
    }
    wall = {"/".join(map(str, key)): [round(r.wall_s, 4) for r in results]
            for key, results in collected.runs.items()}
    payload = {"suite": suite, "settings": settings, "summary": summary, "skipped": collected.skipped,
               "wall_seconds": wall, "python": sys.version.split()[0], "machine": platform.machine()}
    paths["json"] = write_json(out / f"{suite}.json", payload)
    md = out / f"{suite}.md"
    md.write_text(markdown.rstrip() + "\n")
    paths["markdown"] = md
    for index, plot in enumerate(plots):
        paths[f"plot{index}"] = plot
    return paths


def skipped_note(collected: Collected) -> str:
    if not collected.skipped:
        return ""
    lines = [f"* {key}: {reason}" for key, reason in sorted(collected.skipped.items())]
    return "\nSkipped:\n\n" + "\n".join(lines) + "\n"
