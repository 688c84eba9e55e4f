"""Battery section: days-to-empty error 7 days before a planted depletion."""

from __future__ import annotations

from typing import Any

import numpy as np

from custom_components.homeiq.core.battery import (
    HORIZON_DAYS,
    forecast_battery,
    hourly_levels,
)
from custom_components.homeiq.core.home import StateHistory
from custom_components.homeiq.core.time import DAY
from tools.synthetic import Stress, generate_corpus

BATTERY_TARGET = {"median_abs_error_days": 1.5}
LEAD_DAYS = 7.0


def _battery_cases(
    n_homes: int, days: int, seed: int, stress: Stress | None = None
) -> list[tuple[StateHistory, float]]:
    """(battery history, time 7 days before it ran out) for every planted depletion seen."""
    cases = []
    for synthetic in generate_corpus(n_homes, seed, days=days, stress=stress):
        home = synthetic.home
        assert home.window_start is not None
        assert home.window_end is not None
        for failure in synthetic.truth.failures:
            if failure.kind != "battery_depletion" or failure.failure_ts is None:
                continue
            cut = failure.failure_ts - LEAD_DAYS * DAY
            if failure.failure_ts > home.window_end or cut - home.window_start < LEAD_DAYS * DAY:
                continue
            battery = next(
                e for e in failure.entity_ids if home.entities[e].device_class == "battery"
            )
            cases.append((home.histories[battery], cut))
    return cases


def evaluate_battery(
    *, n_homes: int = 300, days: int = 60, seed: int = 2005, stress: Stress | None = None
) -> dict[str, Any]:
    """Days-to-empty error 7 days before depletion, on homes of ``seed`` (with ``stress``:
    homes unlike the ones the forecast was designed on, and no targets).
    """
    cases = _battery_cases(n_homes, days, seed, stress)
    errors, baseline, covered = [], [], []
    for history, cut in cases:
        forecast = forecast_battery(history, cut)
        days_left = forecast.days_to_empty if forecast and forecast.days_to_empty else None
        errors.append(abs((HORIZON_DAYS if days_left is None else days_left) - LEAD_DAYS))
        if forecast and forecast.days_low is not None and forecast.days_high is not None:
            covered.append(forecast.days_low <= LEAD_DAYS <= forecast.days_high)
        # Baseline: a straight line through the last 14 days.
        ts, levels = hourly_levels(history, cut, 14.0)
        slope = np.polyfit((ts - ts[-1]) / DAY, levels, 1)[0] if ts.size >= 2 else 0.0
        straight = levels[-1] / -slope if ts.size >= 2 and slope < 0 else HORIZON_DAYS
        baseline.append(abs(min(straight, HORIZON_DAYS) - LEAD_DAYS))
    steps = (
        ""
        if stress is None or stress.battery_step is None
        else (f"; batteries report in {stress.battery_step} % steps")
    )
    return {
        "data": "synthetic" if stress is None else "synthetic (stress)",
        "split": f"{len(cases)} planted battery depletions in {n_homes} homes (seed "
        f"{seed}), forecast {LEAD_DAYS:g} days before the battery ran out{steps}",
        "median_abs_error_days": round(float(np.median(errors)), 2) if errors else None,
        "baseline_median_abs_error_days": round(float(np.median(baseline)), 2)
        if baseline
        else None,
        "range_10_90_covers_truth": round(float(np.mean(covered)), 2) if covered else None,
        "cases": len(cases),
        **({"targets": BATTERY_TARGET} if stress is None else {}),
    }
