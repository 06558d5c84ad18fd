"""Shipped contract suites (like `optuna.testing`): checks every Searcher implementation must pass."""
from .multi_fidelity_contract import MULTI_FIDELITY_CHECKS, drive_multi_fidelity
from .searcher_contract import CONTRACT_SPACE, SEARCHER_CHECKS, SearcherCase, drive_searcher

__all__ = ["CONTRACT_SPACE", "MULTI_FIDELITY_CHECKS", "SEARCHER_CHECKS", "SearcherCase", "drive_multi_fidelity",
           "drive_searcher"]
