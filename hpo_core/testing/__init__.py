"""Shipped contract suites (like `optuna.testing`): checks every Searcher implementation must pass."""
from .searcher_contract import CONTRACT_SPACE, SEARCHER_CHECKS, SearcherCase, drive_searcher

__all__ = ["CONTRACT_SPACE", "SEARCHER_CHECKS", "SearcherCase", "drive_searcher"]
