"""The anomaly baseline: the two rules a careful engineer writes first.

* **No new value** (numeric sensors): a day is anomalous when, at some moment of it, the
  sensor has gone without a new reading for more than ``k`` × the longest gap between
  readings in the normal period. (A stuck sensor writes no rows, so a day-level statistic of
  its values cannot see it; its silence can.)
* **Events in empty hours** (activity sensors): a day is anomalous when it holds at least
  ``min_events`` events in local hours of the day that held no event at all in the normal
  period.

``k`` and ``min_events`` were chosen on development seeds only (:func:`tune_rules`; see
``RULE_K`` and ``RULE_MIN_EVENTS``), never on the reporting seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from custom_components.homeiq.core.anomaly import UNAVAILABLE, activity_times
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.home.selection import anomaly_kind
from custom_components.homeiq.core.time import (
    DAY,
    local_day_end,
    local_hour_of_day,
    local_midnights,
)
from tools.synthetic import SyntheticHome

# Chosen with ``tune_rules(generate_corpus(60, 2047, days=35))`` (the development tune
# corpus, 14 normal days), where F1 was highest: stuck 0.975 at k = 1.75 and 2 (0.91 at 1.5,
# 0.96 at 3), unusual time 0.786 at 4 events (0.61 at 3, 0.70 at 5).
RULE_K: Final = 2.0
RULE_MIN_EVENTS: Final = 4
K_GRID: Final = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)
MIN_EVENTS_GRID: Final = (1, 2, 3, 4, 5, 6, 8, 10)

type DayRule = Callable[[float], bool]


@dataclass(frozen=True, slots=True)
class NoNewValueRule:
    """Anomalous when the longest silence touching the day exceeds ``limit`` seconds."""

    readings: np.ndarray  # times of the numeric readings, sorted
    limit: float

    def silence(self, day_start: float, day_end: float) -> float:
        """Longest time without a reading that overlaps the day, counted up to its end."""
        lo, hi = np.searchsorted(self.readings, [day_start, day_end], side="left").tolist()
        before = float(self.readings[lo - 1]) if lo > 0 else day_start
        marks = np.concatenate([[before], self.readings[lo:hi], [day_end]])
        return float(np.max(np.diff(marks)))

    def __call__(self, day_start: float, day_end: float) -> bool:
        """Whether the day is anomalous."""
        return self.silence(day_start, day_end) > self.limit


@dataclass(frozen=True, slots=True)
class EmptyHoursRule:
    """Anomalous when the day holds ``min_events`` events in hours empty in the normal."""

    events: np.ndarray  # activation times, sorted
    hours: np.ndarray  # local hour of day of each activation
    empty: np.ndarray  # (24,) bool: the hour held no event in the normal period
    min_events: int

    def count(self, day_start: float, day_end: float) -> int:
        """Events of the day in the normally empty hours."""
        lo, hi = np.searchsorted(self.events, [day_start, day_end], side="left").tolist()
        return int(self.empty[self.hours[lo:hi]].sum())

    def __call__(self, day_start: float, day_end: float) -> bool:
        """Whether the day is anomalous."""
        return self.count(day_start, day_end) >= self.min_events


def fit_rule(
    home: Home,
    entity_id: str,
    start: float,
    split: float,
    *,
    k: float = RULE_K,
    min_events: int = RULE_MIN_EVENTS,
) -> NoNewValueRule | EmptyHoursRule | None:
    """The baseline rule of one entity, learned from [start, split); ``None``: not judged."""
    entity = home.entities.get(entity_id)
    history = home.histories.get(entity_id)
    kind = None if entity is None or history is None else anomaly_kind(entity)
    if kind is None or history is None:
        return None
    if kind == "activity":
        events = np.sort(np.asarray(activity_times(history), dtype=np.float64))
        hours = np.clip(np.floor(local_hour_of_day(events, home.time_zone)), 0, 23).astype(np.int64)
        normal = (events >= start) & (events < split)
        seen = np.bincount(hours[normal], minlength=24)[:24]
        return EmptyHoursRule(events, hours, seen == 0, min_events)
    states = [history.vocabulary[int(c)] for c in history.codes.tolist()]
    numeric = np.isfinite(history.values) & np.array([s not in UNAVAILABLE for s in states])
    readings = np.sort(np.asarray(history.timestamps[numeric], dtype=np.float64))
    inside = readings[(readings >= start) & (readings < split)]
    if inside.size < 2:
        return NoNewValueRule(readings, float("inf"))
    return NoNewValueRule(readings, k * float(np.max(np.diff(inside))))


def day_rule(rule: NoNewValueRule | EmptyHoursRule | None, time_zone: str) -> DayRule:
    """The rule as a function of the local day's start (never anomalous without a rule)."""
    if rule is None:
        return lambda _day: False
    return lambda day: rule(day, local_day_end(day, time_zone))


def tune_rules(
    homes: Sequence[SyntheticHome],
    *,
    normal_days: int = 14,
    k_grid: Sequence[float] = K_GRID,
    min_events_grid: Sequence[int] = MIN_EVENTS_GRID,
) -> dict[str, dict[str, dict[str, float]]]:
    """F1 of each rule setting on (development) homes, by kind: how ``RULE_K`` and
    ``RULE_MIN_EVENTS`` were chosen. Labels as in :mod:`tools.evaluation.anomaly`.
    """
    from .anomaly import SCORED_FAULTS, label_of
    from .common import prf

    counts: dict[str, dict[float, list[int]]] = {"stuck": {}, "unusual_time": {}}
    for synthetic in homes:
        home, truth = synthetic.home, synthetic.truth
        assert home.window_start is not None
        assert home.window_end is not None
        start, end = home.window_start, home.window_end
        split = start + normal_days * DAY
        faults = {e: f for f in truth.failures for e in f.entity_ids}
        days = local_midnights(split, end - DAY, home.time_zone).tolist()
        for entity_id in home.histories:
            fault = faults.get(entity_id)
            if fault is not None and fault.start_ts < split:
                continue
            base = fit_rule(home, entity_id, start, split, k=1.0)
            if base is None:
                continue
            activity = isinstance(base, EmptyHoursRule)
            kind = "unusual_time" if activity else "stuck"
            grid = min_events_grid if activity else k_grid
            for day in days:
                day_end = local_day_end(day, home.time_zone)
                scored = fault if fault is None or fault.kind in SCORED_FAULTS else None
                if fault is not None and scored is None and day + DAY > fault.start_ts:
                    continue  # another fault has begun: not scored
                label = label_of(scored, day, activity)
                if activity:
                    assert isinstance(base, EmptyHoursRule)
                    value = float(base.count(day, day_end))
                else:
                    assert isinstance(base, NoNewValueRule)
                    value = base.silence(day, day_end) / base.limit  # in longest normal gaps
                for setting in grid:
                    tally = counts[kind].setdefault(float(setting), [0, 0, 0])
                    predicted = value >= setting if activity else value > setting
                    tally[0] += int(predicted and label)
                    tally[1] += int(predicted and not label)
                    tally[2] += int(label and not predicted)
    return {
        kind: {f"{setting:g}": prf(*tally) for setting, tally in sorted(by.items())}
        for kind, by in counts.items()
    }


__all__ = [
    "RULE_K",
    "RULE_MIN_EVENTS",
    "EmptyHoursRule",
    "NoNewValueRule",
    "day_rule",
    "fit_rule",
    "tune_rules",
]
