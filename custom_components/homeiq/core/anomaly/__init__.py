"""Anomalies: each entity's normal, the detectors that judge a day against it and the
isolation forest that reads the day's figures.
"""

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

__all__ = [
    "DAY_FEATURE_NAMES",
    "MIN_CHECK_ENTITY_DAYS",
    "MIN_FOREST_ROWS",
    "MIN_HELD_OUT_DAYS",
    "SILENCE_LOOKBACK",
    "SKIP_KIND",
    "UNAVAILABLE",
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
