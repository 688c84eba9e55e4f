"""Anomalies a person understands: activity at an unusual time, a value that stopped moving,
and a day unlike this entity's other days.

Every model in this package learns this home's normal from a training period and then
judges one local day of one entity, giving a reason in words. Numpy only at import;
scikit-learn is imported inside :func:`train_anomaly_forest` alone.

* **Unusual time** (:class:`UnusualTimeDetector`) — for activity sensors (motion, doors):
  the usual number of events per local hour, per hour of the week once the training period
  covers three weeks (shrunk toward the hour of the day, so sparse cells are not noisy), else
  per hour of the day. A day is anomalous when a few consecutive hours have far more events
  than usual (Poisson tail below ``alpha``), or when the night hours that are usually quiet
  hold a few events at all (negative-binomial tail, which knows how many nights the "usually
  quiet" rests on, below ``night_alpha``).
* **Stuck value** (:class:`StuckValueDetector`) — for numeric sensors: how long the value
  normally goes without a new reading; a day is anomalous when the value has not changed for
  several times that, without the device being unavailable.
* **Unlike its other days** (:class:`AnomalyForest`) — every judged day of every entity
  becomes a row of :data:`DAY_FEATURE_NAMES`, each relative to that entity's own normal
  (events against its usual count, silence against its usual longest silence …), so one
  isolation forest serves every entity of every home, and one trained on synthetic homes is
  a cold-start fallback. It never decides alone without words: when it flags a day, the
  reason names the feature farthest from the normal days the forest was trained on.

:class:`HomeAnomalyModel` (and :func:`judge_home`) is what the integration calls: the
detectors for every suitable entity of a :class:`~.home.Home`, combined with a forest when
one is given; :func:`anomaly_training_rows` collects the rows a forest is trained on.
"""

from __future__ import annotations

from typing import Any, Final

from ..capability import DeviceCapability
from ..home import Home
from ..ml.models import ANOMALY_MODEL
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
    SILENCE_LOOKBACK,
    SKIP_KIND,
    UNAVAILABLE,
    DayVerdict,
    StuckValueDetector,
    UnusualTimeDetector,
    activity_times,
)
from .forest import AnomalyForest, train_anomaly_forest
from .judge import anomaly_forest, forest_in_use, judged_period
from .model import HomeAnomalyModel, anomaly_training_rows, judge_home
from .normal import DAY_FEATURE_NAMES, day_feature_row


class AnomalyCapability(DeviceCapability):
    """Anomalies: the detectors learn this home's normal every night; an isolation forest is
    trained on this home's normal days and used only when it does better in its check."""

    name: Final = "anomaly"
    model_name = ANOMALY_MODEL
    feature_names = DAY_FEATURE_NAMES
    trains_on_home = True

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """Train and check a forest of this home (:func:`.check.train_anomaly_on_home`)."""
        return check.train_anomaly_on_home(home, registry, now, min_days=min_days)


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
