"""Suite `multiobjective`: the hypervolume reached on problems with known Pareto fronts, against evaluations
(ZDT1/2/3, DTLZ2; multi-objective searchers, one worker) and against simulated time (the MLP learning curves with
error vs epoch cost; multi-objective schedulers, 32 workers). Scores are shares of the true front's hypervolume.
"""
from __future__ import annotations

import math
from typing import Any

from .. import methods as registry
from ..front_recorder import FrontRecorder
from ..problems import Problem
from ..report import markdown_table, median_iqr, plot_panels, quartiles
from .common import Collected, Options, collect, skipped_note, write_outputs

SEARCH_PROBLEMS = ["zdt1", "zdt2", "zdt3", "dtlz2"]
SEARCH_METHODS = ["random", "optuna-nsga2", "optuna-nsga3", "optuna-motpe", "scalarized-tpe"]
SEARCH_BUDGET = 200
TIME_PROBLEMS = ["mlp-digits-cost", "curves-hard-cost"]
TIME_METHODS = ["random", "mo-asha", "mo-hyperband"]
SCHEDULERS = {"mo-asha", "mo-hyperband"}  # random configs, early stopping: for the multi-fidelity problems only
TIME_WORKERS = 32
TIME_BUDGET = 2000  # trials; the time horizon ends the run first
HORIZON_TRAININGS = 10  # as in the schedulers suite: this many full trainings of an average config, back to back


def horizon(problem: Problem) -> float | None:
    return HORIZON_TRAININGS * problem.max_t * problem.mean_epoch_s if problem.max_t > 1 else None


def time_to(trace: list[dict[str, Any]], level: float) -> float:
    """Simulated time at which the hypervolume first reached `level` (inf: never)."""
    return next((row["sim_time"] for row in trace if row["best"] >= level - 1e-12), math.inf)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2] if ordered else math.nan  # a lower median: inf when most are inf


def summarise(collected: Collected) -> list[dict[str, Any]]:
    summary = []
    for (problem_name, method, workers), results in collected.runs.items():
        problem = collected.problems[problem_name]
        shares = [r.trace[-1]["best"] / problem.true_hypervolume for r in results]
        row = {"problem": problem_name, "method": method, "workers": workers, "seeds": len(results),
               "median_share": quartiles(shares)[0], "share [q25, q75]": median_iqr(shares),
               "median_trials": quartiles(r.trials for r in results)[0],
               "median_epochs": quartiles(r.epochs for r in results)[0],
               "median_sim_time": quartiles(r.sim_time for r in results)[0],
               "median_wall_s": quartiles(r.wall_s for r in results)[0]}
        random = collected.runs.get((problem_name, "random", workers))
        if random and problem.max_t > 1:
            target = quartiles(r.trace[-1]["best"] for r in random)[0]
            random_time = _median([time_to(r.trace, target) for r in random])
            reach = [time_to(r.trace, target) for r in results]
            row.update({"time_to_random_final": _median(reach),
                        "reached": f"{sum(math.isfinite(t) for t in reach)}/{len(reach)}",
                        "time_ratio_vs_random": _median(reach) / random_time if random_time > 0 else math.nan})
        summary.append(row)
    return summary


SUMMARY_COLUMNS = ["problem", "method", "workers", "seeds", "median_share", "share [q25, q75]", "median_trials",
                   "median_epochs", "median_sim_time", "time_to_random_final", "reached", "time_ratio_vs_random"]
SEARCH_TABLE = ["method", "share [q25, q75]", "median_trials", "median_wall_s"]
TIME_TABLE = ["method", "workers", "share [q25, q75]", "time_to_random_final", "reached", "time_ratio_vs_random",
              "median_trials", "median_epochs", "median_wall_s"]


def run(options: Options) -> dict[str, Any]:
    chosen = options.problems
    search_problems = [p for p in SEARCH_PROBLEMS if chosen is None or p in chosen]
    time_problems = [p for p in TIME_PROBLEMS if chosen is None or p in chosen]
    collected = Collected()
    if search_problems:
        methods = [m for m in options.methods or SEARCH_METHODS if m not in SCHEDULERS]
        _merge(collected, collect("multiobjective", options, search_problems, methods, registry.MULTI_OBJECTIVE,
                                  [1], options.budget or SEARCH_BUDGET, recorder=FrontRecorder))
    if time_problems:
        methods = [m for m in options.methods or TIME_METHODS if m in TIME_METHODS]
        _merge(collected, collect("multiobjective", options, time_problems, methods, registry.MULTI_OBJECTIVE,
                                  options.workers or [TIME_WORKERS], options.budget or TIME_BUDGET,
                                  time_budget=horizon, recorder=FrontRecorder))
    summary = summarise(collected)
    plots = []
    for keys, x_key, xlabel, name in ((search_problems, "evaluation", "evaluations", "multiobjective_evals.png"),
                                      (time_problems, "sim_time", "simulated wall time (s)",
                                       "multiobjective_time.png")):
        panels: dict[str, dict[str, list]] = {}
        for (problem, method, workers), results in collected.runs.items():
            if problem in keys:
                panels.setdefault(f"{problem}, {workers} worker(s)", {})[method] = [r.trace for r in results]
        if panels:
            plots.append(plot_panels(options.out / name, panels, x_key=x_key, y_key="regret", xlabel=xlabel,
                                     ylabel="share of the true hypervolume missing", log_x=x_key == "sim_time",
                                     title=f"Multi-objective: hypervolume vs {xlabel}"))
    tables = []
    for problem in search_problems + time_problems:
        rows = [s for s in summary if s["problem"] == problem]
        if rows:
            columns = TIME_TABLE if problem in time_problems else SEARCH_TABLE
            true_hv = collected.problems[problem].true_hypervolume
            tables.append(f"**{problem}** (true hypervolume {true_hv:.4f})\n\n{markdown_table(rows, columns)}")
    markdown = (
        "### Multi-objective: share of the true front's hypervolume\n\n"
        f"{options.seeds} seeds. `share`: hypervolume of every result seen, over the true front's, median "
        f"[25th, 75th percentile]. Single-fidelity problems: {options.budget or SEARCH_BUDGET} evaluations, one "
        f"worker. `mlp-digits-cost` (error vs seconds per epoch, every epoch a point): random configs, "
        f"{', '.join(map(str, options.workers or [TIME_WORKERS]))} workers, up to {HORIZON_TRAININGS} full "
        "trainings' time; `time_to_random_final`: simulated seconds to reach the median final hypervolume of "
        "random search; `time_ratio_vs_random`: that over random search's own median time to it.\n\n"
        + "\n\n".join(tables) + f"\n{skipped_note(collected)}\n"
        + "".join(f"\n![{plot.stem}]({plot.name})\n" for plot in plots)
    )
    settings = {"seeds": options.seeds, "search_budget": options.budget or SEARCH_BUDGET,
                "problems": search_problems + time_problems, "methods": options.methods,
                "time_workers": options.workers or [TIME_WORKERS], "horizon_trainings": HORIZON_TRAININGS}
    return write_outputs("multiobjective", options, collected, summary, SUMMARY_COLUMNS, markdown, plots, settings)


def _merge(into: Collected, part: Collected) -> None:
    into.runs.update(part.runs)
    into.skipped.update(part.skipped)
    into.problems.update(part.problems)
