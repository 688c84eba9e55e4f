"""Tests for the battery-life forecast."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from custom_components.homeiq.core.battery import (
    forecast_battery,
    hourly_levels,
    level_changes,
    reporting_step,
    step_crossings,
)
from custom_components.homeiq.core.home import StateHistory
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.time import DAY, HOUR

T0 = 1_767_225_600.0


def _history(
    times: np.ndarray, levels: np.ndarray, extra: Sequence[tuple[float, str]] = ()
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


def _stepped(
    curve: Callable[[np.ndarray], np.ndarray],
    days: float,
    step: float,
    *,
    noise: float = 0.0,
    start: float = T0,
) -> list[tuple[float, str]]:
    """Rows of a battery read every 2 hours and rounded to ``step`` %, as the recorder keeps
    them: a row only when the shown level changes.
    """
    times = start + np.arange(0, days * DAY, 2 * HOUR)
    true = curve((times - T0) / DAY) + np.random.default_rng(7).normal(0.0, noise, times.size)
    shown = np.clip(np.floor(true / step + 0.5) * step, 0.0, 100.0)
    keep = np.r_[True, shown[1:] != shown[:-1]]
    return [(float(t), f"{v:g}") for t, v in zip(times[keep], shown[keep], strict=True)]


def _pack(rows: list[tuple[float, str]]) -> StateHistory:
    return pack_rows([r[0] for r in rows], [r[1] for r in rows], [1] * len(rows))


def test_reporting_step_is_found_only_on_a_coarse_grid() -> None:
    """Changes that are whole multiples of one step of 2 % or more are a stepped battery."""
    assert reporting_step(np.array([100.0, 90.0, 80.0, 90.0, 80.0, 60.0])) == 10.0
    assert reporting_step(np.array([50.0, 47.0, 44.0])) == 3.0
    assert reporting_step(np.array([55.0, 54.0, 55.0, 54.0, 53.0])) is None  # 1 % readings
    assert reporting_step(np.array([54.37, 54.12, 53.9])) is None
    assert reporting_step(np.array([50.0, 45.0, 42.0])) is None  # not one grid
    assert reporting_step(np.array([30.0, 20.0])) is None  # one move shows no grid
    assert reporting_step(np.array([30.0])) is None


def test_step_crossings_count_flips_once() -> None:
    """A level flipping around a boundary crosses it once, in the middle of the flips."""
    day = DAY
    times = T0 + np.array([0.0, 1.0, 1.2, 1.4, 1.6, 5.0, 9.0]) * day
    levels = np.array([40.0, 30.0, 40.0, 30.0, 40.0, 30.0, 20.0])
    crossed, boundaries, spreads = step_crossings(times, levels, 10.0)
    assert boundaries.tolist() == [35.0, 25.0]
    assert crossed.tolist() == [T0 + 3.0 * day, T0 + 9.0 * day]  # (1 + 5) / 2 days, then 9
    assert spreads.tolist() == [2.0 * day, HOUR]
    # A move down by two steps dates only the lowest boundary; a new battery starts afresh.
    jumped = step_crossings(times[:3], np.array([40.0, 20.0, 10.0]), 10.0)[1]
    assert jumped.tolist() == [25.0, 15.0]
    renewed = np.array([30.0, 20.0, 10.0, 100.0, 90.0, 80.0, 70.0])
    assert step_crossings(times, renewed, 10.0)[1].tolist() == [95.0, 85.0, 75.0]


@pytest.mark.parametrize("step", [10.0, 5.0])
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_stepped_linear_drain(step: float, noise: float) -> None:
    """2 % a day from 100 %, shown in steps: 15 days left are forecast from the crossings
    (the hourly fit of those plateaus gave no forecast at all).
    """
    history = _pack(_stepped(lambda d: 100.0 - 2.0 * d, 50.0, step, noise=noise))
    now = T0 + 35.0 * DAY
    forecast = forecast_battery(history, now)
    assert forecast is not None
    assert forecast.step == step
    assert forecast.level == 30.0
    assert forecast.readings == 5  # one to three crossings in the last week: the last five
    assert forecast.days_to_empty is not None
    assert abs(forecast.days_to_empty - 15.0) < (0.2 if noise == 0.0 else 1.6)
    assert abs(forecast.drain_per_day - 2.0) < (0.01 if noise == 0.0 else 0.2)
    assert forecast.days_low is not None
    assert forecast.days_high is not None
    assert forecast.days_low < 15.0 < forecast.days_high
    # At least 1.5 steps' time at today's drain either side of the date.
    assert forecast.days_high - forecast.days_low >= 3.0 * step / forecast.drain_per_day - 1e-9


@pytest.mark.parametrize(("step", "tolerance"), [(10.0, 0.6), (5.0, 0.3)])
def test_stepped_accelerating_drain(step: float, tolerance: float) -> None:
    """A battery falling faster and faster, shown in steps: 7 days left are forecast within
    ``tolerance`` days, where a straight line through the last two crossings is days late.
    """
    failure_day = 30.0
    history = _pack(_stepped(lambda d: 60.0 * (1.0 - (d / failure_day) ** 2.5), 30.0, step))
    now = T0 + 23.0 * DAY
    forecast = forecast_battery(history, now)
    assert forecast is not None
    assert forecast.days_to_empty is not None
    assert abs(forecast.days_to_empty - 7.0) < tolerance
    assert forecast.days_low is not None
    assert forecast.days_high is not None
    assert forecast.days_low < 7.0 < forecast.days_high
    times, levels = level_changes(history, now, 60.0)
    crossed, boundaries, _ = step_crossings(times, levels, step)
    drain = (boundaries[-2] - boundaries[-1]) / ((crossed[-1] - crossed[-2]) / DAY)
    straight = (boundaries[-1] - drain * (now - crossed[-1]) / DAY) / drain
    assert straight > 7.0 + 2.0


def test_stepped_plateaus_give_no_forecast() -> None:
    """Fewer than three crossings give no date ("not enough steps yet"), not a wrong one."""
    now = T0 + 40.0 * DAY
    # 40 %, flipping to 30 % and back for a day, then 30 % for three weeks: one crossing.
    flips = [(T0, "40"), (T0 + 15 * DAY, "30"), (T0 + 15.3 * DAY, "40"), (T0 + 16 * DAY, "30")]
    assert forecast_battery(_pack(flips), now) is None
    # Two crossings a fortnight apart: a straight line cannot see the fall speed up.
    two = [*flips, (T0 + 30 * DAY, "20")]
    assert forecast_battery(_pack(two), now) is None
    # One level all along, read again after restarts: no drain, no date either way.
    restarts = [(T0 + k * DAY, s) for k in range(30) for s in ("unavailable", "30")]
    flat = forecast_battery(_pack(restarts), now)
    assert flat is None or flat.days_to_empty is None
    # Crossings before a new battery do not count for the new one.
    old = _stepped(lambda d: 50.0 - 2.0 * d, 20.0, 10.0)
    new = [(T0 + 20 * DAY, "100"), (T0 + 30 * DAY, "90"), (T0 + 38 * DAY, "80")]
    assert forecast_battery(_pack([*old, *new]), now) is None
