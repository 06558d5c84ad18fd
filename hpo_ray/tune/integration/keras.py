"""`ray.tune.integration.keras` → `hpo_core.integrations.keras` (needs keras)."""
from hpo_core.integrations.keras import TuneReportCallback

__all__ = ["TuneReportCallback"]
