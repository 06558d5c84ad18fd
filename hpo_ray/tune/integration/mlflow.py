"""`ray.tune.integration.mlflow` → `hpo_core.loggers.mlflow` (needs mlflow: `pip install "asktell[mlflow]"`)."""
from hpo_core.loggers.mlflow import MLflowLoggerCallback

__all__ = ["MLflowLoggerCallback"]
