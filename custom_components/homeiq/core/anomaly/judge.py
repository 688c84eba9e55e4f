"""Which day the nightly run judges, and which forest judges it with the detectors."""

from __future__ import annotations

from typing import Final

from ..home import Home
from ..home.history import history_start
from ..ml.models import DeployedModel
from ..time import DAY, local_midnights
from .forest import AnomalyForest

MIN_NORMAL_DAYS: Final = 7.0  # days of normal behaviour before a day can be judged
# The bundled forest (trained on synthetic homes) added nothing to the detectors in the
# evaluation, on the development homes and on the stress corpora (README "Evaluation"), so
# it is off by default: the detectors judge alone until a forest trained on this home beats
# them in its check (train_anomaly_on_home).
BUNDLED_ANOMALY_FOREST: Final = False


def judged_period(home: Home, now: float) -> tuple[float, float] | None:
    """(start of the normal, start of the judged day): the last whole local day before ``now``.

    ``None`` until the home has :data:`MIN_NORMAL_DAYS` of history before that day.
    """
    start = history_start(home)
    if start is None:
        return None
    midnights = local_midnights(now - 2 * DAY, now, home.time_zone)
    days = midnights[midnights + DAY <= now]
    if days.size == 0:
        return None
    day_start = float(days[-1])
    if day_start - start < MIN_NORMAL_DAYS * DAY:
        return None
    return start, day_start


def anomaly_forest(model: DeployedModel | None) -> AnomalyForest | None:
    """The isolation forest of a deployed anomaly model (``None``: none, or unreadable)."""
    if model is None:
        return None
    try:
        return AnomalyForest.from_metadata(model.ensemble, model.info.extra.get("forest") or {})
    except ValueError:
        return None


def forest_in_use(model: DeployedModel | None) -> AnomalyForest | None:
    """The forest that judges next to the detectors: one trained on this home (it won its
    check), the bundled one only if :data:`BUNDLED_ANOMALY_FOREST`; else ``None``.
    """
    if model is None or (model.info.trained_on != "this_home" and not BUNDLED_ANOMALY_FOREST):
        return None
    return anomaly_forest(model)
