"""Battery: days until a battery is empty, from its discharge trend."""

from __future__ import annotations

from typing import Final

from ..capability import DeviceCapability
from .forecast import (
    HORIZON_DAYS,
    fit_discharge,
    forecast_battery,
    hourly_levels,
    level_changes,
    reporting_step,
    step_crossings,
)


class BatteryCapability(DeviceCapability):
    """Battery forecasts: no model, nothing to train; contributes each battery's forecast
    to its device's report."""

    name: Final = "battery"


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
