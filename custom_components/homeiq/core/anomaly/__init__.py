"""Anomalies: each entity's normal, the detectors that judge a day against it and the
isolation forest that reads the day's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..capability import Unavailable
from ..home import Home
from ..ml.models import ANOMALY_MODEL, DeployedModel
from ..ml.registry import ModelRegistry
from . import check
from .check import (
    MIN_CHECK_ENTITY_DAYS,
    MIN_FOREST_ROWS,
    MIN_HELD_OUT_DAYS,
    AnomalyCheck,
    ForestTrial,
    check_anomaly_model,
    train_anomaly_on_home,
    try_anomaly_forest,
)
from .detectors import (
    DAY_FEATURE_NAMES,
    SILENCE_LOOKBACK,
    SKIP_KIND,
    UNAVAILABLE,
    AnomalyForest,
    DayVerdict,
    HomeAnomalyModel,
    StuckValueDetector,
    UnusualTimeDetector,
    activity_times,
    anomaly_training_rows,
    day_feature_row,
    judge_home,
    train_anomaly_forest,
)
from .judge import anomaly_forest, forest_in_use, judged_period


class AnomalyCapability:
    """Anomalies: the detectors learn this home's normal every night; an isolation forest is
    trained on this home's normal days and used only when it does better in its check."""

    name: Final = "anomaly"
    model_name: Final = ANOMALY_MODEL
    feature_names: Final = DAY_FEATURE_NAMES
    trains_on_home: Final = True
    assesses_home: Final = False
    assesses_devices: Final = True

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """Train and check a forest of this home (:func:`.check.train_anomaly_on_home`)."""
        return check.train_anomaly_on_home(home, registry, now, min_days=min_days)

    def assess(self, home: Home, now: float, models: Mapping[str, DeployedModel | None]) -> object:
        """Anomalies are judged per device, in the ``devices`` step."""
        raise Unavailable("anomalies are judged per device")


ANOMALY: Final = AnomalyCapability()


__all__ = [
    "ANOMALY",
    "DAY_FEATURE_NAMES",
    "MIN_CHECK_ENTITY_DAYS",
    "MIN_FOREST_ROWS",
    "MIN_HELD_OUT_DAYS",
    "SILENCE_LOOKBACK",
    "SKIP_KIND",
    "UNAVAILABLE",
    "AnomalyCapability",
    "AnomalyCheck",
    "AnomalyForest",
    "DayVerdict",
    "ForestTrial",
    "HomeAnomalyModel",
    "StuckValueDetector",
    "UnusualTimeDetector",
    "activity_times",
    "anomaly_forest",
    "anomaly_training_rows",
    "check_anomaly_model",
    "day_feature_row",
    "forest_in_use",
    "judge_home",
    "judged_period",
    "train_anomaly_forest",
    "train_anomaly_on_home",
    "try_anomaly_forest",
]
