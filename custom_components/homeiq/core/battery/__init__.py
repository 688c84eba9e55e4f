"""Battery: days until a battery is empty, from its discharge trend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..capability import HomeAssessment, NotEnoughData, Unavailable
from ..home import Home
from ..ml.models import DeployedModel
from ..ml.registry import ModelRegistry
from .forecast import (
    HORIZON_DAYS,
    fit_discharge,
    forecast_battery,
    hourly_levels,
    level_changes,
    reporting_step,
    step_crossings,
)


class BatteryCapability:
    """Battery forecasts: no model, nothing to train; contributes each battery's forecast
    to its device's report."""

    name: Final = "battery"
    model_name: Final = None
    feature_names: Final[tuple[str, ...]] = ()
    trains_on_home: Final = False
    assesses_home: Final = False
    assesses_devices: Final = True

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """Battery forecasts have no model to train."""
        raise NotEnoughData("battery forecasts have no model to train")

    def assess(
        self, home: Home, now: float, models: Mapping[str, DeployedModel | None]
    ) -> HomeAssessment:
        """Batteries are judged per device, in the ``devices`` step."""
        raise Unavailable("batteries are judged per device")


BATTERY: Final = BatteryCapability()


__all__ = [
    "BATTERY",
    "HORIZON_DAYS",
    "BatteryCapability",
    "fit_discharge",
    "forecast_battery",
    "hourly_levels",
    "level_changes",
    "reporting_step",
    "step_crossings",
]
