"""A live web dashboard of experiment folders: `asktell dashboard PATH`, or `run(..., dashboard=True)`.

It reads the folder only (the journal, incrementally), so it never slows the driver; see docs/dashboard.md.
"""
from .feed import ExperimentFeed, FolderFeeds
from .launch import DashboardProcess, start_dashboard
from .server import DashboardServer

__all__ = ["DashboardProcess", "DashboardServer", "ExperimentFeed", "FolderFeeds", "start_dashboard"]
