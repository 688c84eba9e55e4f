"""The detectors: activity at an unusual time and a value that stopped moving, each judging
one local day of one entity against its normal, with a reason in words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import math
from typing import Final

import numpy as np
import numpy.typing as npt

from ..home import StateHistory
from ..time import (
    DAY,
    HOUR,
    local_day_end,
    local_hours,
    local_weekday,
    weekday_name,
)

type FloatArray = npt.NDArray[np.float64]


ACTIVE_STATES = frozenset({"on", "open", "detected", "home"})
UNAVAILABLE = frozenset({"unavailable", "unknown"})
NIGHT: Final = (0, 6)  # local hours [0, 6): the night of the local day
_NIGHT_HOURS: Final = (np.arange(24) >= NIGHT[0]) & (np.arange(24) < NIGHT[1])
MIN_NORMAL_DAYS: Final = 3  # whole normal days before an entity is judged
SILENCE_LOOKBACK: Final = 7 * DAY  # how far back a day's longest silence may start
# Why :meth:`HomeAnomalyModel.fit` leaves an entity out (shown in the run's figures).
SKIP_KIND: Final = "kind not judged (power, energy, switches, lights …)"
SKIP_NO_HISTORY: Final = "no history"
SKIP_SHORT: Final = f"fewer than {MIN_NORMAL_DAYS} whole days of its own history"
NOUNS: Final[Mapping[str, str]] = {
    "motion": "motion events",
    "occupancy": "occupancy events",
    "presence": "arrivals",
    "door": "door openings",
    "window": "window openings",
}


@dataclass(frozen=True, slots=True)
class DayVerdict:
    """The verdict on one entity for one local day."""

    day_start: float  # POSIX time of the local midnight
    anomalous: bool
    score: float  # larger is more unusual (its scale depends on ``kind``)
    reason: str | None
    kind: str | None = None  # "unusual_time", "stuck" or "forest" when anomalous
    forest_score: float | None = None  # the isolation forest's score, when one judged


# --- tail probabilities -------------------------------------------------------------------


def _poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate), exact also far in the tail."""
    if count <= 0:
        return 1.0
    if rate <= 0.0:
        return 0.0

    def log_pmf(k: int) -> float:
        return -rate + k * math.log(rate) - math.lgamma(k + 1)

    return _tail(count, rate, log_pmf, lambda k: rate / (k + 1))


def _negative_binomial_tail(count: int, mean: float, exposure: float, prior: float = 0.5) -> float:
    """P(X >= count) for tomorrow's count, after ``mean`` per unit over ``exposure`` units.

    The rate has a Gamma posterior (shape ``prior + mean * exposure``, rate ``exposure``), so
    the count is negative binomial: a rate of zero seen over 3 nights is weaker evidence of
    quiet than zero over 30. No exposure: nothing is surprising.
    """
    if count <= 0:
        return 1.0
    if exposure <= 0.0:
        return 1.0
    r = prior + max(mean, 0.0) * exposure
    p = exposure / (exposure + 1.0)
    log_p, log_q = math.log(p), math.log1p(-p)

    def log_pmf(k: int) -> float:
        return math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * log_p + k * log_q

    return _tail(count, r / exposure, log_pmf, lambda k: (k + r) / (k + 1) * (1.0 - p))


def _tail(
    count: int, mean: float, log_pmf: Callable[[int], float], ratio: Callable[[int], float]
) -> float:
    """Sum of a pmf from ``count`` up: by its complement below the mean, directly above it."""
    if count <= mean + 1.0:
        below = sum(math.exp(log_pmf(k)) for k in range(count))
        return min(max(0.0, 1.0 - below), 1.0)
    term = math.exp(log_pmf(count))
    total, k = term, count
    while k < count + 100_000:
        term *= ratio(k)
        k += 1
        total += term
        if term <= total * 1e-17:
            break
    return min(total, 1.0)


def _surprise(p: float) -> float:
    """-log10(p), finite."""
    return -math.log10(max(p, 1e-300))


def activity_times(history: StateHistory) -> npt.NDArray[np.float64]:
    """Times the entity became active (motion detected, door opened …)."""
    active = [code for code, state in enumerate(history.vocabulary) if state in ACTIVE_STATES]
    return history.timestamps[np.isin(history.codes, active)]


def _usual_text(value: float) -> str:
    return "usually none" if value < 0.05 else f"usually {_number(value)}"


def _number(value: float) -> str:
    """A number as a person reads it: 0.42, 6.3, 1013."""
    if not math.isfinite(value):
        return "?"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.1f}"
    return f"{value:.2f}"


# --- unusual time -------------------------------------------------------------------------


class UnusualTimeDetector:
    """Per hour-of-week (or hour-of-day) activity baseline of one entity, and a day verdict."""

    def __init__(
        self,
        *,
        alpha: float = 1e-5,
        min_events: int = 4,
        prior: float = 0.1,
        window: int = 2,
        night: tuple[int, int] = NIGHT,
        night_alpha: float = 1e-3,
        min_night_events: int = 3,
        quiet_rate: float = 0.05,
        weekly_after_days: float = 21.0,
        shrinkage: float = 2.0,
        day_floor: float = 0.25,
        noun: str = "events",
    ) -> None:
        """Set how unusual a day has to be.

        ``alpha``: tail probability of a ``window``-hour count that counts as unusual, with
        ``prior`` events per hour as the floor of a usual rate; ``night_alpha``: the same for
        the pooled count of the ``night`` hours whose usual rate is at most ``quiet_rate``
        (at least ``min_night_events``); hour-of-week rates are used once the training period
        covers ``weekly_after_days``, shrunk toward the hour of day by ``shrinkage``
        pseudo-weeks; outside the night a usual rate is at least ``day_floor`` × the mean
        daytime rate (see :meth:`floor`); ``noun`` names the events in reasons ("motion events").
        """
        self.alpha = alpha
        self.min_events = min_events
        self.prior = prior
        self.window = window
        self.night = night
        self.night_alpha = night_alpha
        self.min_night_events = min_night_events
        self.quiet_rate = quiet_rate
        self.weekly_after_days = weekly_after_days
        self.shrinkage = shrinkage
        self.day_floor = day_floor
        self.noun = noun
        self.time_zone = "UTC"
        self.hour_rate = np.zeros(24)  # events per local hour of the day
        self.hour_exposure = np.zeros(24)  # how many of each local hour were seen
        self.week_rate: FloatArray | None = None  # (7, 24) shrunk rates, Monday first
        self.week_exposure = np.zeros((7, 24))
        self.rate = np.full(24, prior)  # hour-of-day rate with the floor, as pooled

    @property
    def weekly(self) -> bool:
        """Whether the day's baseline is its hour-of-week rate."""
        return self.week_rate is not None

    def fit(
        self, events: npt.NDArray[np.float64], start: float, end: float, time_zone: str
    ) -> UnusualTimeDetector:
        """Learn the mean number of events in each local hour (of the week) over [start, end)."""
        self.time_zone = time_zone
        span = max(end - start, 0.0)
        # One sample in the middle of every hour of the period: how often each local
        # (weekday, hour) occurred, so partial days and DST changes are counted right.
        slots = start + (np.arange(math.ceil(span / HOUR)) + 0.5) * HOUR
        slots = slots[slots < end]
        exposure = _weekday_hour_counts(slots, time_zone)
        inside = events[(events >= start) & (events < end)]
        counts = _weekday_hour_counts(inside, time_zone)
        self.hour_exposure = exposure.sum(axis=0)
        self.hour_rate = counts.sum(axis=0) / np.maximum(self.hour_exposure, 1.0)
        self.rate = np.maximum(self.hour_rate, self.prior)
        if span >= self.weekly_after_days * DAY:
            k = self.shrinkage
            self.week_rate = (counts + k * self.hour_rate) / (exposure + k)
            self.week_exposure = exposure + k
        else:
            self.week_rate = None
            self.week_exposure = np.tile(self.hour_exposure, (7, 1))
        return self

    def usual(self, day_start: float) -> tuple[FloatArray, FloatArray]:
        """Usual events per local hour of this day, and how many such hours they rest on."""
        if self.week_rate is None:
            return self.hour_rate, self.hour_exposure
        weekday = int(local_weekday(np.array([day_start + 1.0]), self.time_zone)[0])
        return self.week_rate[weekday], self.week_exposure[weekday]

    def judge(
        self, events: npt.NDArray[np.float64], day_start: float, day_end: float | None = None
    ) -> DayVerdict:
        """The verdict for the local day starting at ``day_start``.

        Counts and usual rates are pooled over ``window`` consecutive hours, so that a burst
        spread over a night is seen as one; the usually quiet night hours are pooled too.
        """
        end = local_day_end(day_start, self.time_zone) if day_end is None else day_end
        inside = events[(events >= day_start) & (events < end)]
        if inside.size == 0:
            return DayVerdict(day_start, False, 0.0, None)
        hours = local_hours(inside, self.time_zone)
        counts = np.bincount(hours, minlength=24)[:24].astype(np.float64)
        usual, exposure = self.usual(day_start)
        window = self._window_test(counts, usual)
        night = self._night_test(hours, usual, exposure)
        tests = [t for t in (window, night) if t is not None]
        score = max((_surprise(t[0]) for t in tests), default=0.0)
        flagged = [t for t in tests if t[0] < t[1]]
        if not flagged:
            return DayVerdict(day_start, False, score, None)
        p, _level, first, last, count, expected = min(flagged, key=lambda t: t[0] / t[1])
        reason = (
            f"{count} {self.noun} between {first % 24:02d}:00 and {last % 24:02d}:00 on a "
            f"{weekday_name(day_start, self.time_zone)}; {_usual_text(expected)}"
        )
        return DayVerdict(day_start, True, _surprise(p), reason, kind="unusual_time")

    def floor(self, usual: FloatArray) -> FloatArray:
        """The lowest rate a usual rate is taken as in the window test.

        ``prior`` everywhere; outside the night also ``day_floor`` × the entity's mean
        hourly rate outside the night, since daytime activity varies from day to day
        (weekends, holidays) more than a few weeks of history show.
        """
        night = np.zeros(24, dtype=np.bool_)
        night[self.night[0] : self.night[1]] = True
        daytime = float(usual[~night].mean()) if (~night).any() else 0.0
        return np.where(night, self.prior, max(self.prior, self.day_floor * daytime))

    def _window_test(
        self, counts: FloatArray, usual: FloatArray
    ) -> tuple[float, float, int, int, int, float] | None:
        pooled_counts = _pool(counts, self.window)
        pooled_rates = _pool(np.maximum(usual, self.floor(usual)), self.window)
        best: tuple[float, float, int, int, int, float] | None = None
        for hour in np.flatnonzero(pooled_counts >= self.min_events).tolist():
            p = _poisson_tail(int(pooled_counts[hour]), float(pooled_rates[hour]))
            if best is None or p < best[0]:
                expected = float(_pool(usual, self.window)[hour])
                count = int(pooled_counts[hour])
                best = (p, self.alpha, hour, hour + self.window, count, expected)
        return best

    def _night_test(
        self, hours: npt.NDArray[np.int64], usual: FloatArray, exposure: FloatArray
    ) -> tuple[float, float, int, int, int, float] | None:
        night = np.arange(self.night[0], self.night[1])
        quiet = night[usual[night] <= self.quiet_rate]
        in_quiet = hours[np.isin(hours, quiet)]
        if quiet.size == 0 or in_quiet.size < self.min_night_events:
            return None
        expected = float(usual[quiet].sum())
        p = _negative_binomial_tail(in_quiet.size, expected, float(exposure[quiet].min()))
        first, last = int(in_quiet.min()), int(in_quiet.max()) + 1
        shown = quiet[(quiet >= first) & (quiet < last)]
        return (p, self.night_alpha, first, last, int(in_quiet.size), float(usual[shown].sum()))


def _weekday_hour_counts(moments: npt.ArrayLike, time_zone: str) -> FloatArray:
    """How many of ``moments`` fall in each local (weekday, hour), shape (7, 24)."""
    times = np.asarray(moments, dtype=np.float64)
    counts = np.zeros((7, 24))
    if times.size:
        np.add.at(counts, (local_weekday(times, time_zone), local_hours(times, time_zone)), 1.0)
    return counts


def _pool(per_hour: npt.NDArray[np.float64], window: int) -> npt.NDArray[np.float64]:
    """Sum over ``window`` consecutive hours starting at each hour (wrapping at midnight)."""
    pooled = np.zeros(24, dtype=np.float64)
    for offset in range(window):
        pooled += np.roll(per_hour, -offset)
    return pooled


# --- stuck value --------------------------------------------------------------------------


def change_gaps(history: StateHistory, start: float, end: float) -> npt.NDArray[np.float64]:
    """Seconds between consecutive numeric readings in [start, end)."""
    mask = (history.timestamps >= start) & (history.timestamps < end) & np.isfinite(history.values)
    return np.diff(history.timestamps[mask])


class StuckValueDetector:
    """How long one numeric sensor normally goes without a new value, and a verdict per day."""

    def __init__(
        self,
        *,
        factor: float = 4.0,
        percentile: float = 99.0,
        daily_factor: float = 1.5,
        min_hours: float = 6.0,
    ) -> None:
        """Stuck when silent for ``factor`` × the ``percentile`` gap, ``daily_factor`` × the
        90th percentile of the days' longest gaps, and at least ``min_hours``.
        """
        self.factor = factor
        self.daily_factor = daily_factor
        self.percentile = percentile
        self.min_hours = min_hours
        self.limit = math.inf

    def fit(self, history: StateHistory, start: float, end: float) -> StuckValueDetector:
        """Learn the normal longest silence from [start, end); too few readings: never stuck."""
        mask = (history.timestamps >= start) & (history.timestamps < end)
        times = history.timestamps[mask & np.isfinite(history.values)]
        gaps = np.diff(times)
        if gaps.size < 20:
            self.limit = math.inf
            return self
        # The longest gap of each day (a light sensor is silent every night), by end time.
        day = np.floor((times[1:] - start) / DAY).astype(np.int64)
        longest = np.zeros(int(day.max()) + 1)
        np.maximum.at(longest, day, gaps)
        self.limit = max(
            self.factor * float(np.percentile(gaps, self.percentile)),
            self.daily_factor * float(np.percentile(longest, 90)),
            self.min_hours * HOUR,
        )
        return self

    def judge(
        self, history: StateHistory, day_start: float, day_end: float | None = None
    ) -> DayVerdict:
        """Stuck on this day when, at its end, the last reading is older than the limit."""
        end = day_start + DAY if day_end is None else day_end
        upto = history.timestamps < end
        if not upto.any() or not math.isfinite(self.limit):
            return DayVerdict(day_start, False, 0.0, None)
        last = int(np.flatnonzero(upto)[-1])
        state = history.vocabulary[int(history.codes[last])]
        silent = end - float(history.timestamps[last])
        score = silent / self.limit
        if state in UNAVAILABLE or not math.isfinite(float(history.values[last])) or score < 1.0:
            return DayVerdict(day_start, False, score, None)
        reason = (
            f"value {state} unchanged for {silent / HOUR:.0f} h; "
            f"normally at most {self.limit / HOUR:.1f} h"
        )
        return DayVerdict(day_start, True, score, reason, kind="stuck")
