"""Suite `schedulers`: best validation error vs simulated wall time on the cached learning curves, W workers.

This is the ASHA paper's experiment (Li et al., MLSys 2020) in small: with many workers, asynchronous successive
halving reaches a good error sooner than synchronous HyperBand (which waits for full rungs) and than random search
(which trains every config to the end). Every method samples configs at random; the schedulers differ in how many
epochs each config gets. A run ends after `budget` trials or at the time horizon (about ten full trainings per
worker), whichever comes first.
"""
from __future__ import annotations

import math
import sys
from typing import Any

from .. import methods as registry
from ..problems import Problem
from ..report import markdown_table, median_iqr, plot_panels, quartiles
from .common import Collected, Options, collect, skipped_note, write_outputs

PROBLEMS = ["curves-hard", "mlp-digits"]
METHODS = list(registry.SCHEDULERS)
WORKERS = [32]
BUDGET = 2000
HORIZON_TRAININGS = 10  # the horizon is this many full trainings of an average config, back to back


def horizon(problem: Problem) -> float:
    return HORIZON_TRAININGS * problem.max_t * problem.mean_epoch_s


def target(problem: Problem) -> float:
    """The error to reach: within 0.5 points of the best error the problem allows."""
    return (problem.optimum or 0.0) + 0.005


def target_tables(problems: list[str], summary: list[dict[str, Any]], collected: Collected,
                  columns: list[str]) -> list[str]:
    """One markdown table per problem that has rows, headed by its target error and time horizon."""
    tables = []
    for problem in problems:
        rows = [s for s in summary if s["problem"] == problem]
        if rows:
            problem_obj = collected.problems[problem]
            tables.append(f"**{problem}** (target error {target(problem_obj):.4f}; horizon "
                          f"{horizon(problem_obj):.0f} simulated s)\n\n{markdown_table(rows, columns)}")
    return tables


def time_to(trace: list[dict[str, Any]], level: float) -> float:
    return next((row["sim_time"] for row in trace if row["best"] <= level), math.inf)


def summarise(collected: Collected) -> list[dict[str, Any]]:
    summary = []
    for (problem_name, method, workers), results in collected.runs.items():
        problem = collected.problems[problem_name]
        goal = target(problem)
        reach = [time_to(r.trace, goal) for r in results]
        finite = [t for t in reach if math.isfinite(t)]
        summary.append({
            "problem": problem_name, "method": method, "workers": workers, "seeds": len(results),
            "median_best": quartiles(r.trace[-1]["best"] for r in results)[0],
            "best [q25, q75]": median_iqr(r.trace[-1]["best"] for r in results),
            "target": goal, "reached": f"{len(finite)}/{len(results)}",
            "median_time_to_target": sorted(reach)[(len(reach) - 1) // 2],  # inf when most seeds missed it
            "median_trials": quartiles(r.trials for r in results)[0],
            "median_epochs": quartiles(r.epochs for r in results)[0],
            "median_sim_time": quartiles(r.sim_time for r in results)[0],
            "median_wall_s": quartiles(r.wall_s for r in results)[0],
        })
    return summary


# no wall-clock column in the CSV: the same seeds must give the same bytes (wall time is in the JSON and Markdown)
SUMMARY_COLUMNS = ["problem", "method", "workers", "seeds", "median_best", "best [q25, q75]", "target", "reached",
                   "median_time_to_target", "median_trials", "median_epochs", "median_sim_time"]
TABLE_COLUMNS = ["method", "workers", "best [q25, q75]", "reached", "median_time_to_target", "median_trials",
                 "median_epochs", "median_wall_s"]


def run(options: Options) -> dict[str, Any]:
    budget = options.budget or BUDGET
    problems = options.problems or PROBLEMS
    methods = options.methods or METHODS
    workers = options.workers or WORKERS
    collected = collect("schedulers", options, problems, methods, registry.SCHEDULERS, workers, budget,
                        time_budget=horizon)
    summary = summarise(collected)
    for (problem, method, count), results in collected.runs.items():
        if method == "asha":
            for seed, r in enumerate(results):
                print(f"[schedulers] ASHA on {problem}: {r.trials} trials, {count} workers, {r.epochs} epochs, "
                      f"{r.sim_time:.0f} simulated s in {r.wall_s:.2f} s wall (seed {seed})", file=sys.stderr)
    panels: dict[str, dict[str, list]] = {}
    for (problem, method, count), results in collected.runs.items():
        panels.setdefault(f"{problem}, {count} workers", {})[method] = [r.trace for r in results]
    plot = plot_panels(options.out / "schedulers_time.png", panels, x_key="sim_time", y_key="best",
                       xlabel="simulated wall time (s)", ylabel="best validation error", log_x=True,
                       title="Schedulers: best error vs simulated time (median, quartile band)")
    asha_panels = {title: {m: t for m, t in methods.items() if m in ("fifo", "asha", "hyperband")}
                   for title, methods in panels.items()}
    plots = [plot]
    if any(len(methods) > 1 for methods in asha_panels.values()):
        plots.append(plot_panels(
            options.out / "schedulers_asha.png", asha_panels, x_key="sim_time", y_key="best",
            xlabel="simulated wall time (s)", ylabel="best validation error", log_x=True,
            title="ASHA vs synchronous HyperBand vs random search (fifo)"))
    tables = target_tables(problems, summary, collected, TABLE_COLUMNS)
    markdown = (
        f"### Schedulers: best validation error vs simulated time\n\n"
        f"Random configs, up to {budget} trials or the time horizon, {', '.join(map(str, workers))} workers, "
        f"{options.seeds} seeds. `reached`: seeds that got within 0.5 points of the best error the problem allows; "
        "`median_time_to_target`: the median simulated seconds that took (inf: most seeds never did); "
        "`median_wall_s`: real seconds per run on this machine. `curves-hard` is the ASHA paper's regime (good "
        "configs are rare); on `mlp-digits` (48 configs, 32 workers) the first wave already holds a good config, "
        "so every method ties.\n\n"
        + "\n\n".join(tables) + f"\n{skipped_note(collected)}\n![schedulers](schedulers_time.png)\n"
        + ("\n![ASHA vs HyperBand vs random](schedulers_asha.png)\n" if len(plots) > 1 else "")
    )
    settings = {"budget": budget, "seeds": options.seeds, "workers": workers, "problems": problems,
                "methods": methods, "horizon_trainings": HORIZON_TRAININGS}
    return write_outputs("schedulers", options, collected, summary, SUMMARY_COLUMNS, markdown, plots, settings)
