"""Each entity's normal day: the facts of a local day (events, silences, values) and the row
of :data:`DAY_FEATURE_NAMES` a day makes against the entity's normal days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
from typing import Final

import numpy as np
import numpy.typing as npt

from ..home import StateHistory
from ..home.selection import (
    EntityKind,
)
from ..time import (
    DAY,
    HOUR,
    local_day_end,
    local_hours,
    whole_days,
)
from .detectors import (
    _NIGHT_HOURS,
    ACTIVE_STATES,
    NIGHT,
    SILENCE_LOOKBACK,
    UNAVAILABLE,
    _number,
    _usual_text,
)

type FloatArray = npt.NDArray[np.float64]

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
