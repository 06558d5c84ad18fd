"""Suite `multifidelity`: searchers that learn from every rung against ASHA + random search, on the simulated clock.

Best validation error vs simulated wall time at 32 workers, median and quartiles over the seeds, for random search,
ASHA (stopping and promotion variants), synchronous HyperBand, BOHB (with HyperBand, as in the paper), DEHB and
MOBSTER (with ASHA), and each model-based searcher without a scheduler. The time horizon and the target (within 0.5
points of the best error the problem allows) are those of the `schedulers` suite; `speed-up vs ASHA` is ASHA +
random search's median time to target divided by the method's (inf when the method's median never got there).
"""
from __future__ import annotations

import math
from typing import Any

from hpo_core import BasicVariantGenerator, FIFOScheduler
from hpo_core.schedulers import ASHAPromotionScheduler, AsyncHyperBandScheduler, HyperBandScheduler
from hpo_core.searchers import BOHBSearcher, DEHBSearcher, MOBSTERSearcher

from ..methods import Factory, Setup
from ..problems import Problem
from ..problems.mlp_grid import TABLE as MLP_GRID_TABLE
from ..report import plot_panels
from .common import Options, collect, skipped_note, write_outputs
from .schedulers import SUMMARY_COLUMNS, horizon, summarise, target_tables

PROBLEMS = ["curves-hard", "mlp-grid"]
WORKERS = [32]
BUDGET = 2000
ETA = 3


def _asha(problem: Problem) -> AsyncHyperBandScheduler:
    return AsyncHyperBandScheduler(max_t=problem.max_t, grace_period=1, reduction_factor=ETA)


def _fidelity(problem: Problem) -> dict[str, Any]:
    """How a searcher running without a scheduler places its rungs."""
    return {"max_t": problem.max_t, "grace_period": 1, "reduction_factor": ETA}


def _method(searcher: Any, scheduler: Any) -> Factory:
    def build(problem: Problem, seed: int, workers: int) -> Setup:
        return Setup(problem.space(), searcher(problem), scheduler(problem))
    return build


def _random(problem: Problem) -> BasicVariantGenerator:
    return BasicVariantGenerator()


METHODS: dict[str, Factory] = {
    "random": _method(_random, lambda p: FIFOScheduler()),
    "asha": _method(_random, _asha),
    "asha-promotion": _method(_random, lambda p: ASHAPromotionScheduler(max_t=p.max_t, reduction_factor=ETA)),
    "hyperband": _method(_random, lambda p: HyperBandScheduler(max_t=p.max_t, reduction_factor=ETA)),
    "bohb": _method(lambda p: BOHBSearcher(), lambda p: HyperBandScheduler(max_t=p.max_t, reduction_factor=ETA)),
    "bohb-asha": _method(lambda p: BOHBSearcher(), _asha),
    "dehb": _method(lambda p: DEHBSearcher(), _asha),
    "mobster": _method(lambda p: MOBSTERSearcher(), _asha),
    "bohb-alone": _method(lambda p: BOHBSearcher(**_fidelity(p)), lambda p: FIFOScheduler()),
    "dehb-alone": _method(lambda p: DEHBSearcher(**_fidelity(p)), lambda p: FIFOScheduler()),
    "mobster-alone": _method(lambda p: MOBSTERSearcher(**_fidelity(p)), lambda p: FIFOScheduler()),
}

TABLE_COLUMNS = ["method", "best [q25, q75]", "reached", "median_time_to_target", "speed-up vs ASHA",
                 "median_trials", "median_epochs", "median_wall_s"]


def add_speed_up(summary: list[dict[str, Any]]) -> None:
    """`speed-up vs ASHA` per row: ASHA + random's median time to target over the row's."""
    baseline = {(s["problem"], s["workers"]): s["median_time_to_target"] for s in summary if s["method"] == "asha"}
    for row in summary:
        base, own = baseline.get((row["problem"], row["workers"])), row["median_time_to_target"]
        if base is None or not math.isfinite(base):
            row["speed-up vs ASHA"] = "—"
        else:
            row["speed-up vs ASHA"] = f"{base / own:.2f}×" if math.isfinite(own) and own > 0 else "0×"


def run(options: Options) -> dict[str, Any]:
    budget = options.budget or BUDGET
    problems = options.problems or [p for p in PROBLEMS if p != "mlp-grid" or MLP_GRID_TABLE.exists()]
    methods = options.methods or list(METHODS)
    workers = options.workers or WORKERS
    collected = collect("multifidelity", options, problems, methods, METHODS, workers, budget, time_budget=horizon)
    summary = summarise(collected)
    add_speed_up(summary)
    panels: dict[str, dict[str, list]] = {}
    for (problem, method, count), results in collected.runs.items():
        panels.setdefault(f"{problem}, {count} workers", {})[method] = [r.trace for r in results]
    plot = plot_panels(options.out / "multifidelity_time.png", panels, x_key="sim_time", y_key="best",
                       xlabel="simulated wall time (s)", ylabel="best validation error", log_x=True,
                       title="Multi-fidelity search: best error vs simulated time (median, quartile band)")
    tables = target_tables(problems, summary, collected, TABLE_COLUMNS)
    markdown = (
        f"### Multi-fidelity search: best validation error vs simulated time\n\n"
        f"Up to {budget} trials or the time horizon, {', '.join(map(str, workers))} workers, {options.seeds} seeds; "
        "`*-alone`: the searcher without a scheduler (every trial trains to the end). `reached`: seeds that got "
        "within 0.5 points of the best error the problem allows; `median_time_to_target`: simulated seconds (inf: "
        "most seeds never did); `speed-up vs ASHA`: ASHA + random search's median time to target over the "
        "method's; `median_wall_s`: real seconds per run on this machine.\n\n"
        + "\n\n".join(tables) + f"\n{skipped_note(collected)}\n![multifidelity](multifidelity_time.png)\n"
    )
    settings = {"budget": budget, "seeds": options.seeds, "workers": workers, "problems": problems,
                "methods": methods, "eta": ETA}
    return write_outputs("multifidelity", options, collected, summary, SUMMARY_COLUMNS, markdown, [plot], settings)
