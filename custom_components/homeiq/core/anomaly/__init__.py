"""Anomalies: each entity's normal, the detectors that judge a day against it and the
isolation forest that reads the day's figures.
"""

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

__all__ = [
    "DAY_FEATURE_NAMES",
    "SILENCE_LOOKBACK",
    "SKIP_KIND",
    "UNAVAILABLE",
    "AnomalyForest",
    "DayVerdict",
    "HomeAnomalyModel",
    "StuckValueDetector",
    "UnusualTimeDetector",
    "activity_times",
    "anomaly_training_rows",
    "day_feature_row",
    "judge_home",
    "train_anomaly_forest",
]
