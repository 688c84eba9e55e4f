"""Tests for the battery-life forecast."""

from __future__ import annotations

import numpy as np

from custom_components.homeiq.core.battery import DAY, HOUR, forecast_battery, hourly_levels
from custom_components.homeiq.core.history import pack_rows
from custom_components.homeiq.core.home import StateHistory

T0 = 1_767_225_600.0


def _history(
    times: np.ndarray, levels: np.ndarray, extra: list[tuple[float, str]] = ()
) -> StateHistory:
    rows = sorted(
        [(float(t), f"{v:.2f}") for t, v in zip(times, levels, strict=True)] + list(extra)
    )
    return pack_rows([r[0] for r in rows], [r[1] for r in rows], [1] * len(rows))


def test_linear_drain_is_extrapolated() -> None:
    """A battery losing 2 % a day has level / 2 days left."""
    times = T0 + np.arange(0, 7 * DAY, HOUR)
    levels = 54.0 - 2.0 * (times - T0) / DAY
    forecast = forecast_battery(_history(times, levels), float(times[-1]))
    assert forecast is not None
    assert abs(forecast.drain_per_day - 2.0) < 1e-3  # readings are rounded to 0.01 %
    assert forecast.level == round(float(levels[-1]), 2)
    assert forecast.days_to_empty is not None
    assert abs(forecast.days_to_empty - forecast.level / 2.0) < 0.05
    assert forecast.days_low is not None
    assert forecast.days_high is not None
    assert forecast.days_low <= forecast.days_to_empty <= forecast.days_high


def test_accelerating_drain_is_caught() -> None:
    """A battery falling faster and faster empties sooner than a straight line says."""
    failure = T0 + 20 * DAY
    times = T0 + np.arange(0, 13 * DAY, HOUR)
    levels = 30.0 * (1.0 - ((times - T0) / (failure - T0)) ** 2.5)
    forecast = forecast_battery(_history(times, levels), float(times[-1]))
    assert forecast is not None
    assert forecast.days_to_empty is not None
    truth = (failure - times[-1]) / DAY  # 7 days
    straight = forecast.level / forecast.drain_per_day
    assert abs(forecast.days_to_empty - truth) < 1.0
    assert straight > forecast.days_to_empty  # the straight line would be too optimistic


def test_flat_battery_and_too_little_data() -> None:
    """A level that does not fall gives no date; a few readings give no forecast at all."""
    times = T0 + np.arange(0, 3 * DAY, HOUR)
    flat = forecast_battery(_history(times, np.full(times.size, 80.0)), float(times[-1]))
    assert flat is not None
    assert flat.days_to_empty is None
    assert forecast_battery(_history(times[:4], np.full(4, 80.0)), float(times[3])) is None
    # A week of the same hourly level: the fit's rounding noise is no drain of 1e-14 %/day.
    week = T0 + np.arange(0, 12 * DAY, HOUR)
    steady = forecast_battery(_history(week, np.full(week.size, 80.0)), float(week[-1]))
    assert steady is not None
    assert steady.days_to_empty is None


def test_unavailable_and_future_readings_are_ignored() -> None:
    """Only finite readings up to ``now`` count, the last of each hour."""
    times = T0 + np.array([0.0, 600.0, 3600.0, 7200.0, 99 * DAY])
    history = _history(
        times, np.array([90.0, 89.0, 88.0, 87.0, 1.0]), extra=[(T0 + 5000.0, "unavailable")]
    )
    ts, levels = hourly_levels(history, T0 + 8000.0, 7.0)
    assert ts.tolist() == [T0 + 600.0, T0 + 3600.0, T0 + 7200.0]
    assert levels.tolist() == [89.0, 88.0, 87.0]
