"""Anomalies a person understands: activity at an unusual time, a value that stopped moving,
and a day unlike this entity's other days.

Every model here learns this home's normal from a training period and then judges one local
day of one entity, giving a reason in words. Numpy only at import; scikit-learn is imported
inside :func:`train_anomaly_forest` alone.

* **Unusual time** (:class:`UnusualTimeDetector`) — for activity sensors (motion, doors):
  the usual number of events per local hour, per hour of the week once the training period
  covers three weeks (shrunk toward the hour of the day, so sparse cells are not noisy), else
  per hour of the day. A day is anomalous when a few consecutive hours have far more events
  than usual (Poisson tail below ``alpha``), or when the night hours that are usually quiet
  hold a few events at all (negative-binomial tail, which knows how many nights the "usually
  quiet" rests on, below ``night_alpha``).
* **Stuck value** (:class:`StuckValueDetector`) — for numeric sensors: how long the value
  normally goes without a new reading; a day is anomalous when the value has not changed for
  several times that, without the device being unavailable.
* **Unlike its other days** (:class:`AnomalyForest`) — every judged day of every entity
  becomes a row of :data:`DAY_FEATURE_NAMES`, each relative to that entity's own normal
  (events against its usual count, silence against its usual longest silence …), so one
  isolation forest serves every entity of every home, and one trained on synthetic homes is
  a cold-start fallback. It never decides alone without words: when it flags a day, the
  reason names the feature farthest from the normal days the forest was trained on.

:class:`HomeAnomalyModel` (and :func:`judge_home`) is what the integration calls: the
detectors for every suitable entity of a :class:`~.home.Home`, combined with a forest when
one is given; :func:`anomaly_training_rows` collects the rows a forest is trained on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..home import Home, StateHistory
from ..home.selection import (
    EntityKind,
    anomaly_entities,
)
from ..ml.trees import TreeEnsemble, export_ensemble
from ..time import (
    DAY,
    HOUR,
    local_day_end,
    local_hours,
    local_weekday,
    weekday_name,
    whole_days,
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

DAY_FEATURE_NAMES: Final = (
    "events_vs_usual",  # log2((events + 1) / (usual events + 1)); activations or readings
    "night_share_shift",  # share of the day's events at night minus the usual share
    "quiet_hour_events",  # log2(1 + events in usually quiet hours) minus the usual
    "quiet_night_events",  # the same for the usually quiet hours of the night
    "silence_vs_normal",  # log2 of the longest silence over the normal days' 90th percentile
    "distinct_vs_usual",  # log2((distinct values + 1) / (usual + 1)); 0 for activity
    "range_vs_usual",  # log2 of the day's value range over the usual range; 0 for activity
    "unavailable_hours",  # hours unavailable minus the usual hours
    "mean_shift",  # the day's mean minus the usual, in units of the daily means' spread
)
FEATURE_LIMIT: Final = 50.0  # every feature is clipped to [-limit, limit]
SHARE_PRIOR: Final = 5.0  # pseudo-events at the usual night share: one event is no share


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


# --- day features -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class DayFacts:
    """What one entity did on one local day, before it is compared with its normal."""

    events: int  # activations (activity) or numeric readings (numeric)
    hourly: npt.NDArray[np.int64]  # events per local hour, shape (24,)
    longest_silence: float  # seconds without an event, the silence before the day included
    unavailable: float  # seconds in an unavailable / unknown state
    distinct: int  # distinct numeric values held during the day
    value_range: float  # max - min of the values held (NaN: none)
    mean: float  # time-weighted mean of the values held (NaN: none)

    @property
    def night_events(self) -> int:
        """Events in the local night hours."""
        return int(self.hourly[NIGHT[0] : NIGHT[1]].sum())


class _Series:
    """One entity's history prepared for cheap day-by-day facts."""

    def __init__(self, history: StateHistory, kind: EntityKind, time_zone: str) -> None:
        self.history = history
        self.kind = kind
        self.time_zone = time_zone
        ts = np.asarray(history.timestamps, dtype=np.float64)
        order = np.flatnonzero(np.isfinite(ts))
        order = order[np.argsort(ts[order], kind="stable")]
        self.timestamps = ts[order]
        self.values = np.asarray(history.values, dtype=np.float64)[order]
        codes = np.asarray(history.codes)[order]
        vocabulary = history.vocabulary
        self.unavailable = np.isin(codes, [c for c, s in enumerate(vocabulary) if s in UNAVAILABLE])
        if kind == "activity":
            active = np.isin(codes, [c for c, s in enumerate(vocabulary) if s in ACTIVE_STATES])
        else:
            active = np.isfinite(self.values) & ~self.unavailable
        self.event_times = self.timestamps[active]
        self.event_hours = local_hours(self.event_times, time_zone)

    def facts(self, day_start: float, day_end: float) -> DayFacts:
        """The facts of the local day [day_start, day_end)."""
        lo, hi = np.searchsorted(self.event_times, [day_start, day_end], side="left").tolist()
        times = self.event_times[lo:hi]
        hourly = np.bincount(self.event_hours[lo:hi], minlength=24)[:24].astype(np.int64)
        silence_from = day_start
        if lo > 0:
            silence_from = max(float(self.event_times[lo - 1]), day_start - SILENCE_LOOKBACK)
        marks = np.concatenate([[silence_from], times, [day_end]])
        longest = float(np.max(np.diff(marks))) if marks.size > 1 else 0.0

        first, last = np.searchsorted(self.timestamps, [day_start, day_end], side="left").tolist()
        rows = np.arange(max(first - 1, 0), last)
        if rows.size == 0:
            return DayFacts(times.size, hourly, longest, 0.0, 0, math.nan, math.nan)
        begins = np.clip(self.timestamps[rows], day_start, day_end)
        ends = np.clip(np.append(self.timestamps[rows[1:]], day_end), day_start, day_end)
        durations = np.maximum(ends - begins, 0.0)
        unavailable = float(durations[self.unavailable[rows]].sum())
        if self.kind == "activity":
            return DayFacts(times.size, hourly, longest, unavailable, 0, math.nan, math.nan)
        values = self.values[rows]
        held = np.isfinite(values) & (durations > 0) & ~self.unavailable[rows]
        if not held.any():
            return DayFacts(times.size, hourly, longest, unavailable, 0, math.nan, math.nan)
        kept, weights = values[held], durations[held]
        return DayFacts(
            events=int(times.size),
            hourly=hourly,
            longest_silence=longest,
            unavailable=unavailable,
            distinct=int(np.unique(kept).size),
            value_range=float(kept.max() - kept.min()),
            mean=float(np.average(kept, weights=weights)),
        )


type Band = tuple[float, float]


def _band(values: Sequence[float] | FloatArray) -> Band:
    """The 10th and 90th percentiles of the normal days (0, 0 without any)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return (0.0, 0.0)
    low, high = np.percentile(finite, [10.0, 90.0]).tolist()
    return (float(low), float(high))


def _outside(value: float, band: Band, eps: float) -> float:
    """log2 of how far ``value`` is below or above the normal band; 0 inside it."""
    low, high = band
    if value < low:
        return math.log2((value + eps) / (low + eps))
    if value > high:
        return math.log2((value + eps) / (high + eps))
    return 0.0


def _usual_band(band: Band, unit: str = "") -> str:
    low, high = band
    if high < 0.05:
        return "usually none"
    if _number(low) == _number(high):
        return f"usually {_number(high)}{unit}"
    return f"usually {_number(low)}–{_number(high)}{unit}"


@dataclass(frozen=True, slots=True, eq=False)
class EntityNormal:
    """One entity's usual day, learned from the facts of its normal days.

    Counts, silences, distinct values and ranges keep the band of their normal days (10th
    to 90th percentile) for the reasons ("usually 4.1–7.9 %"); the features compare a day
    with the means, except the silence, which only counts above its band.
    """

    kind: EntityKind
    days: int  # normal days it rests on
    events: Band  # events per day
    night_share: float  # usual share of the day's events in the night hours
    quiet: npt.NDArray[np.bool_]  # local hours whose usual rate is about zero, shape (24,)
    quiet_events: float  # usual events per day in those hours
    quiet_night_events: float  # usual events per day in the quiet hours of the night
    silence: Band  # longest silence of a day, seconds
    unavailable: float  # usual seconds unavailable per day
    distinct: Band  # distinct values per day
    value_range: Band  # range of the values of a day
    typical_range: float  # mean range of the values of a day
    mean_events: float  # mean events per day
    mean_distinct: float  # mean distinct values per day
    mean: float  # usual daily mean
    mean_spread: float  # spread of the daily means (their std, with a floor)
    subject: str = "value"  # how reasons name the entity ("humidity")
    noun: str = "events"  # how reasons name the events ("motion events")
    unit: str = ""

    @classmethod
    def from_facts(
        cls,
        kind: EntityKind,
        facts: Sequence[DayFacts],
        *,
        quiet_rate: float = 0.05,
        subject: str = "value",
        noun: str = "events",
        unit: str = "",
    ) -> EntityNormal:
        """Summarise the normal days; no days gives an empty normal."""
        n = len(facts)
        hourly = np.sum([f.hourly for f in facts], axis=0) if n else np.zeros(24)
        total = float(hourly.sum())
        quiet = hourly / max(n, 1) <= quiet_rate
        means = np.array([f.mean for f in facts if math.isfinite(f.mean)])
        ranges = np.array([f.value_range for f in facts if math.isfinite(f.value_range)])
        center = float(np.mean(means)) if means.size else 0.0
        spread = float(np.std(means)) if means.size > 1 else 0.0
        typical_range = float(np.mean(ranges)) if ranges.size else 0.0
        distinct = [float(f.distinct) for f in facts if math.isfinite(f.value_range)]
        floor = max(0.25 * typical_range, 1e-3 * (abs(center) + 1.0))
        return cls(
            kind=kind,
            days=n,
            events=_band([f.events for f in facts]),
            night_share=float(hourly[NIGHT[0] : NIGHT[1]].sum()) / total if total else 0.0,
            quiet=np.asarray(quiet, dtype=np.bool_),
            quiet_events=float(hourly[quiet].sum()) / max(n, 1),
            quiet_night_events=float(hourly[quiet & _NIGHT_HOURS].sum()) / max(n, 1),
            silence=_band([f.longest_silence for f in facts]) if n else (DAY, DAY),
            unavailable=float(sum(f.unavailable for f in facts)) / max(n, 1),
            distinct=_band(distinct),
            value_range=_band(ranges),
            typical_range=typical_range,
            mean_events=float(np.mean([f.events for f in facts])) if n else 0.0,
            mean_distinct=float(np.mean(distinct)) if distinct else 0.0,
            mean=center,
            mean_spread=max(spread, floor),
            subject=subject,
            noun=noun,
            unit=unit,
        )

    def row(self, facts: DayFacts) -> FloatArray:
        """The day as a feature row relative to this normal (see :data:`DAY_FEATURE_NAMES`)."""
        share = (facts.night_events + SHARE_PRIOR * self.night_share) / (facts.events + SHARE_PRIOR)
        quiet_events = float(facts.hourly[self.quiet].sum())
        quiet_night = float(facts.hourly[self.quiet & _NIGHT_HOURS].sum())
        row = [
            math.log2((facts.events + 1.0) / (self.mean_events + 1.0)),
            share - self.night_share,
            math.log2(1.0 + quiet_events) - math.log2(1.0 + self.quiet_events),
            math.log2(1.0 + quiet_night) - math.log2(1.0 + self.quiet_night_events),
            max(_outside(facts.longest_silence, self.silence, 600.0), 0.0),
            0.0,
            0.0,
            (facts.unavailable - self.unavailable) / HOUR,
            0.0,
        ]
        if self.kind == "numeric" and math.isfinite(facts.value_range):
            row[5] = math.log2((facts.distinct + 1.0) / (self.mean_distinct + 1.0))
            eps = 0.01 * self.typical_range + 1e-9 * (abs(self.mean) + 1.0)
            row[6] = math.log2((facts.value_range + eps) / (self.typical_range + eps))
            row[8] = (facts.mean - self.mean) / self.mean_spread
        values = np.nan_to_num(np.asarray(row, dtype=np.float64), nan=0.0)
        return np.clip(values, -FEATURE_LIMIT, FEATURE_LIMIT)

    def describe(self, facts: DayFacts, feature: int) -> str:
        """The day's value of one feature next to the usual, in words."""
        unit = f" {self.unit}" if self.unit else ""
        name = DAY_FEATURE_NAMES[feature]
        if name == "events_vs_usual":
            return f"{facts.events} {self.noun} today; {_usual_band(self.events)}"
        if name == "night_share_shift":
            share = facts.night_events / facts.events if facts.events else 0.0
            return (
                f"{share:.0%} of today's {self.noun} were between {NIGHT[0]:02d}:00 and "
                f"{NIGHT[1]:02d}:00; usually {self.night_share:.0%}"
            )
        if name == "quiet_hour_events":
            quiet = int(facts.hourly[self.quiet].sum())
            return f"{quiet} {self.noun} in hours that are usually quiet; " + _usual_text(
                self.quiet_events
            )
        if name == "quiet_night_events":
            hours = np.flatnonzero(self.quiet & _NIGHT_HOURS & (facts.hourly > 0))
            if not hours.size:
                return f"no {self.noun} in the quiet night hours; " + _usual_text(
                    self.quiet_night_events
                )
            count = int(facts.hourly[hours].sum())
            return (
                f"{count} {self.noun} between {hours[0]:02d}:00 and {hours[-1] + 1:02d}:00, "
                f"usually quiet; {_usual_text(self.quiet_night_events)}"
            )
        if name == "silence_vs_normal":
            what = self.noun if self.kind == "activity" else f"a new {self.subject} value"
            low, high = (v / HOUR for v in self.silence)
            return (
                f"{facts.longest_silence / HOUR:.1f} h without {what}; "
                f"{_usual_band((low, high), ' h')}"
            )
        if name == "distinct_vs_usual":
            return (
                f"{self.subject} took {facts.distinct} distinct values today; "
                f"{_usual_band(self.distinct)}"
            )
        if name == "range_vs_usual":
            value = facts.value_range if math.isfinite(facts.value_range) else 0.0
            return (
                f"{self.subject} varied {_number(value)}{unit} today; "
                f"{_usual_band(self.value_range, unit)}"
            )
        if name == "unavailable_hours":
            return (
                f"unavailable for {facts.unavailable / HOUR:.1f} h today; "
                f"usually {self.unavailable / HOUR:.1f} h"
            )
        return (
            f"{self.subject} averaged {_number(facts.mean)}{unit} today; "
            f"usually {_number(self.mean)}{unit} (± {_number(self.mean_spread)})"
        )


def day_feature_row(
    history: StateHistory,
    kind: EntityKind,
    *,
    normal_start: float,
    normal_end: float,
    day_start: float,
    time_zone: str,
) -> FloatArray:
    """One entity's local day as a row of :data:`DAY_FEATURE_NAMES`, against its own normal.

    The normal is the whole local days in [normal_start, normal_end).
    """
    series = _Series(history, kind, time_zone)
    days = whole_days(normal_start, normal_end, time_zone)
    normal = EntityNormal.from_facts(kind, [series.facts(a, b) for a, b in days])
    return normal.row(series.facts(day_start, local_day_end(day_start, time_zone)))


# --- isolation forest ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class AnomalyForest:
    """An isolation forest over day rows, with its threshold and the normal it saw.

    ``threshold``: the anomaly score (``-score_samples``, in (0, 1]) above which a day is
    unusual, chosen on the training rows; ``center`` and ``spread``: the median and the
    99th percentile of the absolute deviation of each feature on those rows, to name the
    feature farthest from normal; ``min_deviation``: how many spreads that feature must be
    away before the forest's flag counts.
    """

    ensemble: TreeEnsemble
    threshold: float
    center: tuple[float, ...]
    spread: tuple[float, ...]
    rows: int = 0
    min_deviation: float = 3.0

    def __post_init__(self) -> None:
        """Check that the forest reads day rows."""
        n = len(DAY_FEATURE_NAMES)
        if self.ensemble.kind != "isolation_forest" or self.ensemble.n_features != n:
            raise ValueError(f"expected an isolation forest over {n} day features")
        if len(self.center) != n or len(self.spread) != n:
            raise ValueError(f"center and spread need {n} values each")
        if not all(math.isfinite(v) for v in (*self.center, *self.spread, self.threshold)):
            raise ValueError("center, spread and threshold must be finite")
        if min(self.spread) <= 0:
            raise ValueError("spread must be positive")

    def scores(self, rows: npt.ArrayLike) -> FloatArray:
        """Anomaly score of each row, in (0, 1]; larger is more unusual."""
        return -self.ensemble.score_samples(rows)

    def deviations(self, rows: npt.ArrayLike) -> FloatArray:
        """How far each feature is from the training median, in spreads."""
        centered = np.asarray(rows, dtype=np.float64) - np.array(self.center)
        return np.asarray(centered / np.array(self.spread), dtype=np.float64)

    def flags(self, rows: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each row is unusual: score above the threshold and one feature far out."""
        far = np.abs(self.deviations(rows)).max(axis=1) >= self.min_deviation
        return np.asarray((self.scores(rows) > self.threshold) & far, dtype=np.bool_)

    def farthest(self, row: npt.ArrayLike) -> int:
        """Index of the feature farthest from normal."""
        return int(np.argmax(np.abs(self.deviations(np.atleast_2d(row))[0])))

    def metadata(self) -> dict[str, Any]:
        """What a model registry keeps next to the ensemble's own metadata (JSON-able)."""
        return {
            "features": list(DAY_FEATURE_NAMES),
            "threshold": self.threshold,
            "center": list(self.center),
            "spread": list(self.spread),
            "rows": self.rows,
            "min_deviation": self.min_deviation,
        }

    @classmethod
    def from_metadata(cls, ensemble: TreeEnsemble, metadata: Mapping[str, Any]) -> AnomalyForest:
        """Rebuild from :meth:`metadata`; ``ValueError`` when it does not fit these features."""
        if list(metadata.get("features", ())) != list(DAY_FEATURE_NAMES):
            raise ValueError("the forest was trained on other day features")
        try:
            return cls(
                ensemble=ensemble,
                threshold=float(metadata["threshold"]),
                center=tuple(float(v) for v in metadata["center"]),
                spread=tuple(float(v) for v in metadata["spread"]),
                rows=int(metadata.get("rows", 0)),
                min_deviation=float(metadata.get("min_deviation", 3.0)),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"incomplete anomaly forest metadata: {err}") from err


def train_anomaly_forest(
    rows: npt.ArrayLike,
    *,
    seed: int = 0,
    n_trees: int = 100,
    max_samples: int = 256,
    trim: float = 0.01,
    false_alarm_rate: float = 1e-3,
    min_deviation: float = 3.0,
) -> AnomalyForest:
    """Train an isolation forest on normal day rows (needs scikit-learn, imported here).

    Normal periods hold faults too, so the forest is fitted twice: the ``trim`` share of
    rows the first fit finds most unusual is left out of the second. The threshold is the
    ``1 - false_alarm_rate`` quantile of the kept rows' scores; the center and spread (for
    ``min_deviation``) are those of all rows.
    """
    from sklearn.ensemble import IsolationForest

    X = np.asarray(rows, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(DAY_FEATURE_NAMES) or X.shape[0] < 2:
        raise ValueError(f"need at least 2 rows of {len(DAY_FEATURE_NAMES)} day features")
    X = np.clip(np.nan_to_num(X, nan=0.0), -FEATURE_LIMIT, FEATURE_LIMIT)

    def fit(data: FloatArray) -> TreeEnsemble:
        size = min(max_samples, data.shape[0])
        forest = IsolationForest(n_estimators=n_trees, max_samples=size, random_state=seed)
        return export_ensemble(forest.fit(data))

    center = np.median(X, axis=0)
    spread = np.quantile(np.abs(X - center), 0.99, axis=0)
    ensemble = fit(X)
    if trim > 0 and X.shape[0] * (1.0 - trim) >= 2:
        first = -ensemble.score_samples(X)
        X = X[first <= np.quantile(first, 1.0 - trim)]
        ensemble = fit(X)
    scores = -ensemble.score_samples(X)
    return AnomalyForest(
        ensemble=ensemble,
        threshold=float(np.quantile(scores, 1.0 - false_alarm_rate)),
        center=tuple(float(v) for v in center),
        spread=tuple(float(v) for v in np.maximum(spread, 1e-3)),
        rows=int(X.shape[0]),
        min_deviation=min_deviation,
    )


# --- a whole home -------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _EntityModel:
    entity_id: str
    series: _Series
    normal: EntityNormal
    normal_facts: list[DayFacts]  # one per normal day, oldest first
    unusual: UnusualTimeDetector | None = None
    stuck: StuckValueDetector | None = None


class HomeAnomalyModel:
    """The explainable detectors and day normals of every suitable entity of one home."""

    def __init__(
        self,
        time_zone: str,
        entities: dict[str, _EntityModel],
        skipped: Mapping[str, str] | None = None,
    ) -> None:
        """Use :meth:`fit`."""
        self.time_zone = time_zone
        self.entities = entities
        self.skipped: dict[str, str] = dict(skipped or {})  # entity id -> why not judged

    @classmethod
    def fit(cls, home: Home, normal_start: float, normal_end: float) -> HomeAnomalyModel:
        """Learn each entity's normal from [normal_start, normal_end) (numpy only, cheap).

        Entities with fewer than :data:`MIN_NORMAL_DAYS` whole days of history in the period
        are left out; :attr:`skipped` says why each entity with history was left out
        (:data:`SKIP_KIND`, :data:`SKIP_NO_HISTORY`, :data:`SKIP_SHORT`).
        """
        days = whole_days(normal_start, normal_end, home.time_zone)
        models: dict[str, _EntityModel] = {}
        judged = anomaly_entities(home)
        skipped: dict[str, str] = {}
        for entity_id, history in home.histories.items():
            kind = judged.get(entity_id)
            if kind is None:
                skipped[entity_id] = SKIP_KIND
                continue
            entity = home.entities[entity_id]
            series = _Series(history, kind, home.time_zone) if len(history) else None
            if series is None or not series.timestamps.size:
                skipped[entity_id] = SKIP_NO_HISTORY
                continue
            first = float(series.timestamps[0])
            own_days = [(a, b) for a, b in days if a >= first - HOUR]
            if len(own_days) < MIN_NORMAL_DAYS:
                skipped[entity_id] = SKIP_SHORT
                continue
            facts = [series.facts(a, b) for a, b in own_days]
            normal = EntityNormal.from_facts(
                kind,
                facts,
                subject=entity.device_class or "value",
                noun=NOUNS.get(entity.device_class or "", "events")
                if kind == "activity"
                else "readings",
                unit=entity.unit or "",
            )
            start = max(normal_start, own_days[0][0])
            model = _EntityModel(entity_id, series, normal, facts)
            if kind == "activity":
                model.unusual = UnusualTimeDetector(noun=normal.noun).fit(
                    series.event_times, start, normal_end, home.time_zone
                )
            else:
                model.stuck = StuckValueDetector().fit(history, start, normal_end)
            models[entity_id] = model
        return cls(home.time_zone, models, skipped)

    def _series(self, home: Home, model: _EntityModel) -> _Series | None:
        history = home.histories.get(model.entity_id)
        if history is None:
            return None
        if history is not model.series.history:
            model.series = _Series(history, model.normal.kind, self.time_zone)
        return model.series

    def rows(self, home: Home, day_start: float) -> dict[str, FloatArray]:
        """Each entity's day row (:data:`DAY_FEATURE_NAMES`) against its own normal."""
        day_end = local_day_end(day_start, self.time_zone)
        rows: dict[str, FloatArray] = {}
        for entity_id, model in self.entities.items():
            series = self._series(home, model)
            if series is not None:
                rows[entity_id] = model.normal.row(series.facts(day_start, day_end))
        return rows

    def judge(
        self, home: Home, day_start: float, forest: AnomalyForest | None = None
    ) -> dict[str, DayVerdict]:
        """Each entity's verdict on the local day starting at ``day_start``.

        The explainable detectors decide first; a day they find normal is unusual when the
        forest (if given) flags it, with the feature farthest from normal as the reason.
        """
        items: list[tuple[str, _Series]] = []
        for entity_id, model in self.entities.items():
            series = self._series(home, model)
            if series is not None:
                items.append((entity_id, series))
        return dict(zip((e for e, _ in items), self._judge(items, day_start, forest), strict=True))

    def judge_histories(
        self,
        histories: Sequence[tuple[str, StateHistory]],
        day_start: float,
        forest: AnomalyForest | None = None,
    ) -> list[DayVerdict]:
        """Verdicts on other histories of fitted entities (such as one with a fault put in),
        judged against the entity's normal as :meth:`judge` does; unknown entities are an error.
        """
        items = [
            (entity_id, _Series(history, self.entities[entity_id].normal.kind, self.time_zone))
            for entity_id, history in histories
        ]
        return self._judge(items, day_start, forest)

    def _judge(
        self,
        items: Sequence[tuple[str, _Series]],
        day_start: float,
        forest: AnomalyForest | None,
    ) -> list[DayVerdict]:
        day_end = local_day_end(day_start, self.time_zone)
        verdicts: list[DayVerdict] = []
        facts: list[DayFacts] = []
        for entity_id, series in items:
            model = self.entities[entity_id]
            if model.unusual is not None:
                verdicts.append(model.unusual.judge(series.event_times, day_start, day_end))
            else:
                assert model.stuck is not None  # every model has one detector
                verdicts.append(model.stuck.judge(series.history, day_start, day_end))
            if forest is not None:
                facts.append(series.facts(day_start, day_end))
        if forest is None or not items:
            return verdicts
        matrix = np.vstack(
            [self.entities[e].normal.row(f) for (e, _), f in zip(items, facts, strict=True)]
        )
        scores = forest.scores(matrix).tolist()
        flags = forest.flags(matrix).tolist()
        combined: list[DayVerdict] = []
        for index, ((entity_id, _), verdict) in enumerate(zip(items, verdicts, strict=True)):
            score = float(scores[index])
            if verdict.anomalous or not flags[index]:
                combined.append(
                    DayVerdict(
                        verdict.day_start,
                        verdict.anomalous,
                        verdict.score,
                        verdict.reason,
                        verdict.kind,
                        score,
                    )
                )
                continue
            feature = forest.farthest(matrix[index])
            reason = self.entities[entity_id].normal.describe(facts[index], feature)
            combined.append(DayVerdict(day_start, True, score, reason, "forest", score))
        return combined

    def training_rows(self, *, folds: int = 3) -> FloatArray:
        """Day rows of the normal period, for training a forest (see
        :func:`anomaly_training_rows`): cross-fitted over ``folds`` blocks of days.
        """
        rows: list[FloatArray] = []
        for model in self.entities.values():
            facts = model.normal_facts
            blocks = np.array_split(np.arange(len(facts)), min(max(folds, 2), len(facts)))
            for block in blocks:
                held = set(block.tolist())
                rest = [f for i, f in enumerate(facts) if i not in held]
                if not held or len(rest) < MIN_NORMAL_DAYS - 1:
                    continue
                normal = EntityNormal.from_facts(model.normal.kind, rest)
                rows.extend(normal.row(facts[i]) for i in sorted(held))
        return np.vstack(rows) if rows else np.empty((0, len(DAY_FEATURE_NAMES)))


def judge_home(
    home: Home,
    normal_start: float,
    normal_end: float,
    day_start: float,
    forest: AnomalyForest | None = None,
) -> dict[str, DayVerdict]:
    """Every suitable entity's verdict on one local day, against [normal_start, normal_end)."""
    return HomeAnomalyModel.fit(home, normal_start, normal_end).judge(home, day_start, forest)


def anomaly_training_rows(
    home: Home, normal_start: float, normal_end: float, *, folds: int = 3
) -> FloatArray:
    """Day rows of a home's normal period, for training its forest.

    Cross-fitted: each entity's normal days are cut into ``folds`` blocks, and each block's
    rows are taken against the normal of the other blocks, so they look like days the normal
    has not seen (as judged days are). Entities with too few days give no rows.
    """
    return HomeAnomalyModel.fit(home, normal_start, normal_end).training_rows(folds=folds)
