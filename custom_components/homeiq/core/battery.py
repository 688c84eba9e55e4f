"""Battery life: days until a battery is empty, from its recent discharge curve.

Batteries do not drain in a straight line: most hold their level for a long time and then
fall faster and faster, so a straight line through the past overestimates the time left.
The forecast fits a quadratic to the last days of hourly readings (newer readings weigh
more) and finds where it reaches empty; when the fitted curve levels off before empty, the
current drain is extrapolated in a straight line. The range is the 10th–90th percentile of
the same calculation over the fit's own coefficient uncertainty. Numpy only: it runs on
Home Assistant OS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .home import StateHistory

DAY = 86_400.0
HOUR = 3_600.0
HORIZON_DAYS = 365.0  # beyond a year the forecast says "not soon" (None)
SAMPLES = 200


@dataclass(frozen=True, slots=True)
class BatteryForecast:
    """Days until empty with a 10–90 % range; ``None`` days when not draining (soon)."""

    level: float  # last level, %
    drain_per_day: float  # current drain, % per day (positive when draining)
    days_to_empty: float | None
    days_low: float | None
    days_high: float | None
    readings: int


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


def _fit(
    days: npt.NDArray[np.float64], levels: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Weighted quadratic fit of level against days (highest power first) and its covariance."""
    if days.size <= 4:
        raise ValueError("too few readings to fit")
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
) -> BatteryForecast | None:
    """Forecast when the battery reaches ``empty_level``; ``None`` without enough readings."""
    ts, levels = hourly_levels(history, now, lookback_days)
    if ts.size < min_readings or ts[-1] - ts[0] < 6 * HOUR:
        return None
    days = (ts - ts[-1]) / DAY  # <= 0: the newest reading at 0
    weights = np.power(0.5, -days / half_life_days)
    try:
        coefficients, covariance = _fit(days, levels, weights)
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
    return BatteryForecast(
        level=level,
        drain_per_day=drain,
        days_to_empty=estimate,
        days_low=None if low >= HORIZON_DAYS else low,
        days_high=None if high >= HORIZON_DAYS else high,
        readings=int(ts.size),
    )
