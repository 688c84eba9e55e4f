"""Battery life: days until a battery is empty, from its recent discharge curve.

Batteries do not drain in a straight line: most hold their level for a long time and then
fall faster and faster, so a straight line through the past overestimates the time left.
The forecast fits a quadratic to the last days of hourly readings (newer readings weigh
more) and finds where it reaches empty; when the fitted curve levels off before empty, the
current drain is extrapolated in a straight line. The range is the 10th–90th percentile of
the same calculation over the fit's own coefficient uncertainty.

Many Zigbee and Z-Wave batteries report in steps (100, 90, 80 … %), and Home Assistant
records a state only when it changes, so such a battery leaves one row per step (and a few
flips back and forth while its true level sits on a boundary): the hourly readings of
those plateaus show no drain. A battery whose level changes are all whole multiples of one
step of at least :data:`MIN_STEP` % (:func:`reporting_step`) is forecast from its step
crossings instead (:func:`step_crossings`). The time the reading moved down to a step is
when the true level crossed the boundary halfway between the two steps (as a rounding
sensor reports); flips around one boundary count once, in the middle of them. The
crossings of the last week, or the last :data:`FIT_CROSSINGS` when the week holds fewer
(looking back up to ``step_lookback_days``, never past a new battery), get the same
weighted quadratic, solved for empty from now; a curve that says the next step should
already have been reached is refitted with that step reached now. With fewer than
:data:`QUADRATIC_CROSSINGS` crossings the forecast is ``None`` ("not enough steps yet"): a
straight line through two crossings cannot see the fall getting faster and, near the end
of a battery, gives a date weeks too late. The range repeats the fit with all boundaries
moved together anywhere within half a step (a sensor may floor, round or ceil) and each
crossing moved within its uncertainty, and it reaches at least :data:`STEP_WIDENING`
steps' time at today's drain either side of the date, since the curve between crossings
is never seen. Numpy only: it runs on Home Assistant OS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..home import StateHistory
from ..time import DAY, HOUR

HORIZON_DAYS = 365.0  # beyond a year the forecast says "not soon" (None)
SAMPLES = 200
MIN_STEP = 2.0  # %: a battery reporting in finer steps is forecast from its hourly readings
QUADRATIC_CROSSINGS = 3  # step crossings the stepped forecast needs (a quadratic)
FIT_CROSSINGS = 5  # crossings fitted at least, where there are that many (older weigh less)
# The stepped range reaches at least this many steps' time at today's drain either side of
# the date (the curve between crossings is unseen). Set on the development corpora of 5 %
# steps, 7 days before depletion (seeds 2005 and 4005): with 1.5 the 10–90 % range held the
# truth in 77 % and 64 % of the forecasts, with 1.0 in 58 % and 43 %.
STEP_WIDENING = 1.5
NEW_BATTERY_STEPS = 1.5  # a rise of more than this many steps is a new battery
MIN_CROSSING_SPREAD = HOUR  # the least uncertainty of a crossing's time

type FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BatteryForecast:
    """Days until empty with a 10–90 % range; ``None`` days when not draining (soon)."""

    level: float  # last level, %
    drain_per_day: float  # current drain, % per day (positive when draining)
    days_to_empty: float | None
    days_low: float | None
    days_high: float | None
    readings: int  # hourly readings fitted, or step crossings for a battery reporting in steps
    step: float | None = None  # % per step of a battery reporting in steps, else None


def hourly_levels(
    history: StateHistory, now: float, lookback_days: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Hourly (time, level) over the lookback window: the last finite reading of each hour."""
    ts, values = history.timestamps, history.values
    mask = (ts <= now) & (ts > now - lookback_days * DAY) & np.isfinite(values)
    ts, values = ts[mask], values[mask]
    if ts.size == 0:
        return ts, values
    hours = np.floor(ts / HOUR)
    last_of_hour = np.r_[hours[1:] != hours[:-1], True]
    return ts[last_of_hour], values[last_of_hour]


def _days_to_level(coefficients: npt.NDArray[np.float64], level: float) -> float | None:
    """First day > 0 where the polynomial (highest power first, in days from now) hits ``level``."""
    shifted = coefficients.copy()
    shifted[-1] -= level
    if np.allclose(shifted[:-1], 0.0):
        return None
    roots = np.roots(shifted)
    real = roots[np.abs(roots.imag) < 1e-9].real
    ahead = real[(real > 0) & (real <= HORIZON_DAYS)]
    return float(ahead.min()) if ahead.size else None


def fit_discharge(
    days: npt.NDArray[np.float64], levels: npt.NDArray[np.float64], half_life_days: float = 2.0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The one battery fit: a quadratic of level against days (``days`` ≤ 0, the newest
    reading at 0), each reading weighted by recency with a half-life of ``half_life_days``;
    returns the coefficients (highest power first) and their covariance. The forecast and
    the failure model's battery features both use it.
    """
    if days.size <= 4:
        raise ValueError("too few readings to fit")
    weights = np.power(0.5, -days / half_life_days)
    coefficients, covariance = np.polyfit(days, levels, 2, w=np.sqrt(weights), cov=True)
    return coefficients, covariance


def forecast_battery(
    history: StateHistory,
    now: float,
    *,
    lookback_days: float = 7.0,
    half_life_days: float = 2.0,
    empty_level: float = 0.0,
    min_readings: int = 6,
    step_lookback_days: float = 60.0,
) -> BatteryForecast | None:
    """Forecast when the battery reaches ``empty_level``; ``None`` without enough readings.

    A battery that reports in steps (see the module docstring) is forecast from its step
    crossings over up to ``step_lookback_days``; ``None`` with fewer than three crossings.
    """
    changes_ts, changes = level_changes(history, now, step_lookback_days)
    step = reporting_step(changes)
    if step is not None:
        return _forecast_stepped(
            changes_ts,
            changes,
            step,
            now,
            lookback_days=lookback_days,
            half_life_days=half_life_days,
            empty_level=empty_level,
        )
    ts, levels = hourly_levels(history, now, lookback_days)
    if ts.size < min_readings or ts[-1] - ts[0] < 6 * HOUR:
        return None
    days = (ts - ts[-1]) / DAY  # <= 0: the newest reading at 0
    try:
        coefficients, covariance = fit_discharge(days, levels, half_life_days)
    except ValueError, np.linalg.LinAlgError:
        return None
    drain = -float(np.polyval(np.polyder(coefficients), 0.0))
    level = float(levels[-1])
    estimate = _days_to_level(coefficients, empty_level)
    if estimate is None and drain > 0:  # a curve that levels off: extrapolate today's drain
        estimate = (level - empty_level) / drain if level > empty_level else 0.0
        if estimate > HORIZON_DAYS:  # a flat level's rounding noise is no drain
            estimate = None
    rng = np.random.default_rng(0)  # deterministic range for the same readings
    spread = np.nan_to_num(covariance, nan=0.0, posinf=0.0, neginf=0.0)
    samples = rng.multivariate_normal(coefficients, spread, SAMPLES, check_valid="ignore")
    sampled = [_days_to_level(sample, empty_level) for sample in samples]
    horizons = np.array([HORIZON_DAYS if d is None else d for d in sampled])
    low, high = (float(v) for v in np.percentile(horizons, [10, 90]))
    return _forecast(level, drain, estimate, (low, high), readings=int(ts.size))


def _forecast(
    level: float,
    drain: float,
    estimate: float | None,
    span: tuple[float, float],
    *,
    readings: int,
    step: float | None = None,
) -> BatteryForecast:
    """A forecast whose 10–90 % ``span`` ends beyond the horizon are unknown (``None``)."""
    low, high = span
    return BatteryForecast(
        level=level,
        drain_per_day=drain,
        days_to_empty=estimate,
        days_low=None if low >= HORIZON_DAYS else low,
        days_high=None if high >= HORIZON_DAYS else high,
        readings=readings,
        step=step,
    )


def level_changes(
    history: StateHistory, now: float, lookback_days: float
) -> tuple[FloatArray, FloatArray]:
    """(time, level) of each change of the finite readings in the lookback window.

    The first reading of the window, then every reading that differs from the one before it
    (a row that repeats the level, as after a restart, is no change).
    """
    ts, values = history.timestamps, history.values
    mask = (ts <= now) & (ts > now - lookback_days * DAY) & np.isfinite(values)
    ts, values = ts[mask], values[mask]
    changed = np.r_[True, values[1:] != values[:-1]] if values.size else np.empty(0, dtype=bool)
    return ts[changed], values[changed]


def reporting_step(changes: FloatArray) -> float | None:
    """The step (%) of a battery whose level changes are whole multiples of one step.

    ``changes`` are the successive different levels (:func:`level_changes`). ``None`` for a
    battery that reports finer than :data:`MIN_STEP` % or not on one grid, and with fewer
    than two changes (one move tells nothing about a grid).
    """
    moves = np.abs(np.diff(changes))
    if moves.size < 2:
        return None
    step = float(moves.min())
    if step < MIN_STEP:
        return None
    multiples = moves / step
    if np.abs(multiples - np.round(multiples)).max() > 0.05:
        return None
    return step


def step_crossings(
    ts: FloatArray, levels: FloatArray, step: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(time, boundary level, time uncertainty) of each step boundary the level fell through.

    ``ts`` and ``levels`` are the changes of a battery reporting in ``step`` % steps
    (:func:`level_changes`). Only changes since the last new battery (a rise of more than
    :data:`NEW_BATTERY_STEPS` steps) count. A boundary lies halfway between two steps; it is
    crossed when the reading first moves to the step just below it, and flips back and forth
    around it count once: the crossing is halfway between the first and the last move down
    through it, uncertain by half that span (at least :data:`MIN_CROSSING_SPREAD`). A move
    down by several steps dates only the lowest boundary it went through. Oldest first.
    """
    moves = np.diff(levels)
    rises = np.flatnonzero(moves > NEW_BATTERY_STEPS * step)
    begin = int(rises[-1]) + 1 if rises.size else 0
    ts, levels = ts[begin:], levels[begin:]
    downs = np.flatnonzero(np.diff(levels) < 0) + 1
    boundaries = np.round(levels[downs] + step / 2.0, 6)
    found_ts: list[float] = []
    found_levels: list[float] = []
    spreads: list[float] = []
    for boundary in np.unique(boundaries):
        times = ts[downs[boundaries == boundary]]
        first, last = float(times.min()), float(times.max())
        found_ts.append((first + last) / 2.0)
        found_levels.append(float(boundary))
        spreads.append(max((last - first) / 2.0, MIN_CROSSING_SPREAD))
    order = np.argsort(found_ts, kind="stable")
    return (
        np.asarray(found_ts, dtype=np.float64)[order],
        np.asarray(found_levels, dtype=np.float64)[order],
        np.asarray(spreads, dtype=np.float64)[order],
    )


def _fit_crossings(
    days: FloatArray, boundaries: FloatArray, weights: FloatArray, next_boundary: float
) -> FloatArray:
    """Weighted quadratic (highest power first) through the crossings, held to "not before now".

    When the fit has already passed ``next_boundary`` (the boundary below the current step)
    at day 0 although the reading has not moved there yet, day 0 at that boundary joins it.
    """
    coefficients = np.polyfit(days, boundaries, 2, w=np.sqrt(weights))
    if np.polyval(coefficients, 0.0) < next_boundary:
        days = np.r_[days, 0.0]
        boundaries = np.r_[boundaries, next_boundary]
        weights = np.r_[weights, 1.0]
        coefficients = np.polyfit(days, boundaries, 2, w=np.sqrt(weights))
    return np.asarray(coefficients, dtype=np.float64)


def _days_to_empty(coefficients: FloatArray, empty_level: float) -> float | None:
    """Days until the fitted curve reaches ``empty_level``; today's drain in a straight line
    when the curve levels off first; ``None`` when it does not fall (within the horizon).
    """
    estimate = _days_to_level(coefficients, empty_level)
    if estimate is not None:
        return estimate
    level = float(np.polyval(coefficients, 0.0))
    drain = -float(np.polyval(np.polyder(coefficients), 0.0))
    if level <= empty_level:
        return 0.0
    if drain <= 0:
        return None
    days = (level - empty_level) / drain
    return days if days <= HORIZON_DAYS else None


def _forecast_stepped(
    ts: FloatArray,
    levels: FloatArray,
    step: float,
    now: float,
    *,
    lookback_days: float,
    half_life_days: float,
    empty_level: float,
) -> BatteryForecast | None:
    """The forecast of a battery reporting in ``step`` % steps, from its step crossings."""
    times, boundaries, spreads = step_crossings(ts, levels, step)
    recent = int((times > now - lookback_days * DAY).sum())
    used = max(recent, FIT_CROSSINGS)
    times, boundaries, spreads = times[-used:], boundaries[-used:], spreads[-used:]
    if times.size < QUADRATIC_CROSSINGS:
        return None  # not enough steps yet
    level = float(levels[-1])
    next_boundary = level - step / 2.0
    days = (times - now) / DAY  # < 0: now at 0
    weights = np.power(0.5, -days / half_life_days)
    try:
        coefficients = _fit_crossings(days, boundaries, weights, next_boundary)
    except np.linalg.LinAlgError:
        return None
    estimate = _days_to_empty(coefficients, empty_level)
    rng = np.random.default_rng(0)  # deterministic range for the same readings
    horizons = np.empty(SAMPLES)
    for index in range(SAMPLES):
        offset = rng.uniform(-step / 2.0, step / 2.0)
        moved = days + rng.normal(0.0, spreads / DAY)
        try:
            sample = _fit_crossings(moved, boundaries + offset, weights, next_boundary + offset)
        except np.linalg.LinAlgError:
            horizons[index] = HORIZON_DAYS
            continue
        found = _days_to_empty(sample, empty_level)
        horizons[index] = HORIZON_DAYS if found is None else found
    low, high = (float(v) for v in np.percentile(horizons, [10, 90]))
    drain = -float(np.polyval(np.polyder(coefficients), 0.0))
    if estimate is not None and drain > 0:  # no finer than the time a few steps take
        low = min(low, max(estimate - STEP_WIDENING * step / drain, 0.0))
        high = max(high, estimate + STEP_WIDENING * step / drain)
    return _forecast(level, drain, estimate, (low, high), readings=int(times.size), step=step)
