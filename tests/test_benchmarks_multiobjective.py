"""The `multiobjective` benchmark suite: problems whose fronts are known, and the suite's files (tiny budgets)."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from benchmarks.__main__ import main
from benchmarks.problems import get_problem
from hpo_core import Space


@pytest.mark.parametrize(("name", "volume"), [
    ("zdt1", 0.11 + 0.1 + 2 / 3),  # the strip f1 in [1, 1.1], then (1.1 - h(f1)) over [0, 1]
    ("zdt2", 0.11 + 0.1 + 1 / 3),
    ("dtlz2", 1.1**3 - math.pi / 6),
])
def test_true_hypervolumes_match_the_analytic_fronts(name, volume):
    assert get_problem(name).true_hypervolume == pytest.approx(volume, abs=1e-6)


@pytest.mark.parametrize("name", ["zdt1", "zdt2", "zdt3", "dtlz2"])
def test_points_with_g_at_its_minimum_lie_on_the_true_front(name):
    problem = get_problem(name)
    rng = np.random.default_rng(0)
    for _ in range(20):
        config = Space(problem.space()).sample(rng)
        rest = 0.0 if name.startswith("zdt") else 0.5  # g = 1 (ZDT) or 0 (DTLZ2)
        config.update({f"x{i}": rest for i in range(1 if name.startswith("zdt") else 2, problem.dim)})
        point = [problem.values(config)[m] for m in problem.metrics]
        if name == "dtlz2":
            assert np.linalg.norm(point) == pytest.approx(1.0)
        else:
            front = problem.true_front()
            nearest = front[np.argmin(np.abs(front[:, 0] - point[0]))]
            assert point[1] == pytest.approx(nearest[1], abs=1e-3)
    random = [[problem.values(Space(problem.space()).sample(rng))[m] for m in problem.metrics] for _ in range(50)]
    assert problem.hypervolume(random) < problem.true_hypervolume


@pytest.mark.slow
def test_suite_writes_its_files_and_same_seeds_give_identical_csvs(tmp_path):
    args = ["multiobjective", "--seeds", "2", "--budget", "12", "--no-progress", "--problems",
            "zdt2,curves-hard-cost", "--methods", "random,optuna-nsga2,scalarized-tpe,mo-asha", "--workers", "4"]
    for out in ("a", "b"):
        assert main([*args, "--out", str(tmp_path / out)]) == 0
    for name in ("multiobjective.csv", "multiobjective_summary.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with open(tmp_path / "a" / "multiobjective_summary.csv") as handle:
        rows = {(r["problem"], r["method"]): r for r in csv.DictReader(handle)}
    assert set(rows) == {("zdt2", "random"), ("zdt2", "optuna-nsga2"), ("zdt2", "scalarized-tpe"),
                         ("curves-hard-cost", "random"), ("curves-hard-cost", "mo-asha")}
    assert all(0 <= float(r["median_share"]) <= 1.02 for r in rows.values())
    assert rows[("curves-hard-cost", "mo-asha")]["reached"].endswith("/2")
    for plot in ("multiobjective_evals.png", "multiobjective_time.png"):
        assert (tmp_path / "a" / plot).read_bytes()[:4] == b"\x89PNG"
