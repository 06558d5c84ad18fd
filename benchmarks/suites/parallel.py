"""Suite `parallel`: searcher quality at an equal number of evaluations with 1, 4 and 16 workers.

With W workers a searcher proposes configs before the results of the W - 1 running ones are known, so a model-based
searcher learns from less; random search does not care. Evaluations take 0.5 to 1.5 simulated seconds (fixed per
config), so results arrive out of order as on a real cluster.
"""
from __future__ import annotations

from typing import Any

from .. import methods as registry
from ..report import markdown_table, median_iqr, plot_panels, quartiles
from .common import Options, collect, skipped_note, write_outputs
from .searchers import SUMMARY_COLUMNS, regret_table

PROBLEMS = ["branin", "hartmann6", "levy10"]
METHODS = ["random", "optuna-tpe", "hyperopt", "optuna-cmaes"]
WORKERS = [1, 4, 16]
BUDGET = 64


def run(options: Options) -> dict[str, Any]:
    budget = options.budget or BUDGET
    problems = options.problems or PROBLEMS
    methods = options.methods or METHODS
    workers = options.workers or WORKERS
    collected = collect("parallel", options, problems, methods, registry.SEARCHERS, workers, budget)
    summary, _ = regret_table(collected, methods)
    pivot: dict[tuple[str, str], dict[str, Any]] = {}
    panels: dict[str, dict[str, list]] = {}
    for (problem, method, count), results in collected.runs.items():
        row = pivot.setdefault((problem, method), {"problem": problem, "method": method})
        row[f"W={count}"] = median_iqr(r.final_regret for r in results)
        panels.setdefault(f"{problem}: {method}", {})[f"{count} workers"] = [r.trace for r in results]
    columns = ["problem", "method"] + [f"W={count}" for count in workers]
    times: dict[str, dict[str, Any]] = {}
    for (problem, _, count), results in collected.runs.items():
        times.setdefault(problem, {"problem": problem}).setdefault(f"W={count}", []).extend(
            r.sim_time for r in results)
    time_rows = [{key: (value if key == "problem" else f"{quartiles(value)[0]:.1f}") for key, value in row.items()}
                 for row in times.values()]
    plot = plot_panels(options.out / "parallel_regret.png", panels, x_key="evaluation", y_key="regret",
                       xlabel="evaluations", ylabel="simple regret",
                       title="Parallel workers: regret vs evaluations")
    markdown = (
        f"### Parallel: simple regret after {budget} evaluations with {', '.join(map(str, workers))} workers\n\n"
        f"Median [25th, 75th percentile] over {options.seeds} seeds.\n\n"
        f"{markdown_table(list(pivot.values()), columns)}\n\n"
        "Simulated wall time of a whole run (median over methods and seeds, seconds):\n\n"
        f"{markdown_table(time_rows, ['problem'] + [f'W={count}' for count in workers])}\n"
        f"{skipped_note(collected)}\n![parallel](parallel_regret.png)\n"
    )
    settings = {"budget": budget, "seeds": options.seeds, "workers": workers, "problems": problems,
                "methods": methods}
    return write_outputs("parallel", options, collected, summary, SUMMARY_COLUMNS, markdown, [plot], settings)
