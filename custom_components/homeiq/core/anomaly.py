"""Anomalies a person understands: activity at an unusual time, a value that stopped moving.

Each detector learns this home's normal from a training period and then judges each day,
giving a reason in words. Numpy only; the multivariate model (IsolationForest through the
tree evaluator) builds on the same per-day rows later.

* **Unusual time** — for activity sensors (motion, doors): the usual number of events per
  hour of the day, learned from the training days; a day is anomalous when a few
  consecutive hours have far more events than they usually have (Poisson tail probability
  below ``alpha``).
* **Stuck value** — for numeric sensors: how long the value normally goes without changing
  (a high percentile of the gaps between changes); a day is anomalous when the value has
  not changed for several times that, without the device being unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import numpy as np
import numpy.typing as npt

from .home import StateHistory
from .timezone import local_hour_of_day, utc_offsets

DAY = 86_400.0
HOUR = 3_600.0
ACTIVE_STATES = frozenset({"on", "open", "detected", "home"})
UNAVAILABLE = frozenset({"unavailable", "unknown"})


@dataclass(frozen=True, slots=True)
class DayVerdict:
    """The verdict on one entity for one local day."""

    day_start: float  # POSIX time of the local midnight
    anomalous: bool
    score: float  # larger is more unusual
    reason: str | None


def local_midnights(start: float, end: float, time_zone: str) -> npt.NDArray[np.float64]:
    """POSIX times of the local midnights from the first one at or after ``start`` to ``end``."""
    candidates = np.arange(math.floor(start / DAY) * DAY - DAY, end + DAY, HOUR)
    local = candidates + utc_offsets(candidates, time_zone)
    midnights = candidates[np.mod(local, DAY) == 0]
    return np.asarray(midnights[(midnights >= start) & (midnights < end)], dtype=np.float64)


def _poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    if count <= 0:
        return 1.0
    term = math.exp(-rate)
    below = term
    for k in range(1, count):
        term *= rate / k
        below += term
    return max(0.0, 1.0 - below)


def activity_times(history: StateHistory) -> npt.NDArray[np.float64]:
    """Times the entity became active (motion detected, door opened …)."""
    active = [code for code, state in enumerate(history.vocabulary) if state in ACTIVE_STATES]
    return history.timestamps[np.isin(history.codes, active)]


class UnusualTimeDetector:
    """Per hour-of-day activity baseline of one entity, and a verdict per day."""

    def __init__(
        self, *, alpha: float = 1e-4, min_events: int = 4, prior: float = 0.1, window: int = 2
    ) -> None:
        """``alpha``: tail probability that counts as unusual; ``prior``: events per hour floor."""
        self.alpha = alpha
        self.min_events = min_events
        self.prior = prior
        self.window = window
        self.rate = np.full(24, prior)
        self.time_zone = "UTC"

    def fit(
        self, events: npt.NDArray[np.float64], start: float, end: float, time_zone: str
    ) -> UnusualTimeDetector:
        """Learn the mean number of events in each local hour of the day over [start, end)."""
        self.time_zone = time_zone
        days = max((end - start) / DAY, 1.0)
        inside = events[(events >= start) & (events < end)]
        hours = (
            np.floor(local_hour_of_day(inside, time_zone)).astype(int)
            if inside.size
            else inside.astype(int)
        )
        counts = np.bincount(hours, minlength=24)[:24]
        self.rate = np.maximum(counts / days, self.prior)
        return self

    def judge(self, events: npt.NDArray[np.float64], day_start: float) -> DayVerdict:
        """The verdict for the local day starting at ``day_start``.

        Counts and usual rates are pooled over ``window`` consecutive hours, so that a burst
        spread over a night is seen as one.
        """
        inside = events[(events >= day_start) & (events < day_start + DAY)]
        if inside.size == 0:
            return DayVerdict(day_start, False, 0.0, None)
        hours = np.floor(local_hour_of_day(inside, self.time_zone)).astype(int)
        counts = np.bincount(hours, minlength=24)[:24]
        pooled_counts = _pool(counts.astype(np.float64), self.window)
        pooled_rates = _pool(self.rate, self.window)
        best_hour, best_p = -1, 1.0
        for hour in np.flatnonzero(pooled_counts >= self.min_events).tolist():
            p = _poisson_tail(int(pooled_counts[hour]), float(pooled_rates[hour]))
            if p < best_p:
                best_hour, best_p = hour, p
        score = -math.log10(max(best_p, 1e-300))
        if best_hour < 0 or best_p >= self.alpha:
            return DayVerdict(day_start, False, score, None)
        end_hour = (best_hour + self.window) % 24
        reason = (
            f"{int(pooled_counts[best_hour])} events between {best_hour:02d}:00 and "
            f"{end_hour:02d}:00; usually {pooled_rates[best_hour]:.1f}"
        )
        return DayVerdict(day_start, True, score, reason)


def _pool(per_hour: npt.NDArray[np.float64], window: int) -> npt.NDArray[np.float64]:
    """Sum over ``window`` consecutive hours starting at each hour (wrapping at midnight)."""
    pooled = np.zeros(24, dtype=np.float64)
    for offset in range(window):
        pooled += np.roll(per_hour, -offset)
    return pooled


def change_gaps(history: StateHistory, start: float, end: float) -> npt.NDArray[np.float64]:
    """Seconds between consecutive numeric readings in [start, end)."""
    mask = (history.timestamps >= start) & (history.timestamps < end) & np.isfinite(history.values)
    return np.diff(history.timestamps[mask])


class StuckValueDetector:
    """How long one numeric sensor normally goes without a new value, and a verdict per day."""

    def __init__(
        self, *, factor: float = 4.0, percentile: float = 99.0, min_hours: float = 6.0
    ) -> None:
        """Stuck when silent for ``factor`` × the ``percentile`` gap (at least ``min_hours``)."""
        self.factor = factor
        self.percentile = percentile
        self.min_hours = min_hours
        self.limit = math.inf

    def fit(self, history: StateHistory, start: float, end: float) -> StuckValueDetector:
        """Learn the normal longest silence from [start, end); too few readings: never stuck."""
        gaps = change_gaps(history, start, end)
        self.limit = (
            max(self.factor * float(np.percentile(gaps, self.percentile)), self.min_hours * HOUR)
            if gaps.size >= 20
            else math.inf
        )
        return self

    def judge(self, history: StateHistory, day_start: float) -> DayVerdict:
        """Stuck on this day when, at its end, the last reading is older than the limit."""
        day_end = day_start + DAY
        upto = history.timestamps < day_end
        if not upto.any() or not math.isfinite(self.limit):
            return DayVerdict(day_start, False, 0.0, None)
        last = int(np.flatnonzero(upto)[-1])
        state = history.vocabulary[int(history.codes[last])]
        silent = day_end - float(history.timestamps[last])
        score = silent / self.limit
        if state in UNAVAILABLE or not math.isfinite(float(history.values[last])) or score < 1.0:
            return DayVerdict(day_start, False, score, None)
        reason = (
            f"value {state} unchanged for {silent / HOUR:.0f} h; "
            f"normally at most {self.limit / HOUR:.1f} h"
        )
        return DayVerdict(day_start, True, score, reason)
