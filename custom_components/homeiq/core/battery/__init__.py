"""Battery: days until a battery is empty, from its discharge trend."""

from .forecast import (
    HORIZON_DAYS,
    forecast_battery,
    hourly_levels,
    level_changes,
    reporting_step,
    step_crossings,
)

__all__ = [
    "HORIZON_DAYS",
    "forecast_battery",
    "hourly_levels",
    "level_changes",
    "reporting_step",
    "step_crossings",
]
