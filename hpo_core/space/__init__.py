"""Search spaces: primitives with Ray Tune semantics, nested and conditional configs, sample_from."""
from .domains import Categorical, Domain, Float, Function, Grid, Integer, Normal
from .primitives import (
    choice,
    grid_search,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    qrandn,
    quniform,
    randint,
    randn,
    sample_from,
    uniform,
)
from .space import SEP, ConfigView, Space, iter_leaves

__all__ = [
    "Categorical", "ConfigView", "Domain", "Float", "Function", "Grid", "Integer", "Normal", "SEP", "Space",
    "choice", "grid_search", "iter_leaves", "lograndint", "loguniform", "qlograndint", "qloguniform", "qrandint",
    "qrandn", "quniform", "randint", "randn", "sample_from", "uniform",
]
