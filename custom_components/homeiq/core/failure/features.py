"""Failure risk: which devices are likely to stop working within the next days.

Each device is described at a moment ``cut`` by one row of features computed only from the
history before ``cut``: how often and how long it was unavailable lately compared with its
own earlier normal, how much it reports compared with its normal, how long it has been
silent, and where its battery stands and how fast it falls. A tree ensemble trained on
synthetic homes turns the row into a probability; :func:`risk_reasons` turns the same row
into sentences a person understands.

A device *fails* in ``[cut, cut + horizon]`` when, in that span of its history, it is
unavailable for a long time, its battery reaches empty, or it stops reporting for far
longer than it normally does (:func:`failure_label`). Labels come from what the history
shows after the cut, never from the features, so a model is judged on outcomes.

A device is *unavailable* when all its entities read ``unavailable`` or ``unknown`` at
once: a Home Assistant restart touches entities one by one, a device that drops off its
network loses them all.

Numpy only; scikit-learn is imported inside :func:`.model.train_failure_model` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
from typing import Final

import numpy as np
import numpy.typing as npt

from ..anomaly import UNAVAILABLE
from ..battery import fit_discharge, hourly_levels
from ..home import Home, StateHistory
from ..home.selection import device_entities
from ..time import DAY, HOUR

type FloatArray = npt.NDArray[np.float64]

HORIZON_DAYS: Final = 7.0
RECENT_DAYS: Final = 7.0  # "lately": the week before the cut
NORMAL_DAYS: Final = 28.0  # the device's normal: up to four weeks before that week
MIN_NORMAL_DAYS: Final = 3.0  # a shorter normal period is no normal
MIN_GAP_REPORTS: Final = 20  # reports needed to know the normal longest gap
LONG_OUTAGE_H: Final = 12.0  # unavailable this long: failed
OPEN_OUTAGE_H: Final = 6.0  # ... or this long and still unavailable at the horizon's end
EMPTY_BATTERY: Final = 5.0  # %
SILENCE_FACTOR: Final = 4.0  # silent for this many normal longest gaps: stopped reporting
MIN_SILENCE_H: Final = 24.0
REGULAR_GAP_H: Final = 6.0  # only a device that reports at least this often can fall silent
NOT_FALLING_DAYS: Final = 365.0
SENTINEL: Final = -1.0  # "unknown" for features that are never negative
TARGET_PRECISION: Final = 0.8  # share of at-risk devices that should really fail
FALLBACK_THRESHOLD: Final = 0.5  # when the training data hold no failure to choose from
THRESHOLD_FOLDS: Final = 5  # folds whose out-of-fold risks choose the threshold

FAILURE_FEATURE_NAMES: Final[tuple[str, ...]] = (
    "entities",
    "battery_powered",
    "unavailable_now",
    "unavailable_now_hours",
    "unavailable_episodes_1d",
    "unavailable_episodes_7d",
    "unavailable_hours_1d",
    "unavailable_hours_7d",
    "unavailable_share_7d",
    "error_rate_7d",
    "mean_episode_hours_7d",
    "normal_episodes_per_day",
    "episode_rate_change",
    "reports_per_day_1d",
    "reports_per_day_7d",
    "normal_reports_per_day",
    "report_ratio_1d",
    "report_ratio_7d",
    "hours_since_report",
    "normal_longest_gap_hours",
    "silence_ratio",
    "battery_level",
    "battery_slope_7d",
    "battery_slope_2d",
    "battery_days_to_empty",
    "battery_forecast_days",
    "battery_days_left_log",
    "history_days",
)
_INDEX: Final = {name: i for i, name in enumerate(FAILURE_FEATURE_NAMES)}
LABEL_RULES: Final = ("unavailable", "battery_empty", "silent")


@dataclass(frozen=True, slots=True)
class FailureLabel:
    """What the history shows for one device in ``[cut, cut + horizon]``.

    ``failed`` with the ``event_ts`` of the first failure and the ``rule`` that saw it
    (one of :data:`LABEL_RULES`); otherwise ``event_ts`` is ``None`` and ``rule`` empty.
    """

    failed: bool
    event_ts: float | None = None
    rule: str = ""


@dataclass(frozen=True, slots=True)
class _Outages:
    """Spans ``[begins, ends)`` in which a device was unavailable, known up to ``until``.

    A span still open at ``until`` ends there and sets ``open``.
    """

    begins: FloatArray
    ends: FloatArray
    until: float
    open: bool

    def overlapping(self, begin: float) -> tuple[int, float]:
        """Spans reaching into ``[begin, until)`` and their hours inside it."""
        inside = self.ends > begin
        hours = float((self.ends[inside] - np.maximum(self.begins[inside], begin)).sum()) / HOUR
        return int(inside.sum()), hours

    def starting(self, begin: float, end: float) -> int:
        """Spans that begin in ``[begin, end)``."""
        return int(((self.begins >= begin) & (self.begins < end)).sum())


class _DeviceView:
    """A device's histories prepared once, then read at any cut without looking past it."""

    def __init__(self, home: Home, device_id: str, entity_ids: Sequence[str] | None = None) -> None:
        """Prepare the device's ``entity_ids`` (default: :func:`device_entities`' for it)."""
        if entity_ids is None:
            entity_ids = device_entities(home).get(device_id, [])
        device = home.devices.get(device_id)
        self.battery_powered = bool(device is not None and device.battery_powered)
        # Per entity: first row, and spans reading unavailable (end inf while still so).
        self.entities: list[tuple[float, FloatArray, FloatArray]] = []
        self.battery: StateHistory | None = None
        reports: list[FloatArray] = []
        for entity_id in entity_ids:
            entity = home.entities[entity_id]
            history = home.histories.get(entity_id)
            if history is None or len(history) == 0:
                continue
            lookup = np.array([state in UNAVAILABLE for state in history.vocabulary], dtype=bool)
            unavailable = lookup[history.codes]
            previous = np.concatenate(([False], unavailable[:-1]))
            begins = history.timestamps[unavailable & ~previous]
            ends = history.timestamps[~unavailable & previous]
            if begins.size > ends.size:
                ends = np.append(ends, math.inf)
            self.entities.append((float(history.timestamps[0]), begins, ends))
            reports.append(history.timestamps[~unavailable])
            if (
                self.battery is None
                and entity.device_class == "battery"
                and np.isfinite(history.values).any()
            ):
                self.battery = history
        self.reports: FloatArray = np.sort(np.concatenate(reports)) if reports else np.empty(0)
        first = min((e[0] for e in self.entities), default=math.inf)
        self.start = first if home.window_start is None else min(home.window_start, first)
        self._outages: dict[tuple[float, float], _Outages] = {}

    def entity_count(self, cut: float) -> int:
        """Entities with a row before ``cut``."""
        return sum(1 for first, _, _ in self.entities if first < cut)

    def outages(self, cut: float, until: float | None = None) -> _Outages:
        """Device outages seen in rows before ``until`` (default ``cut``), clipped there.

        The device's entities are those with a row before ``cut``; the device is
        unavailable while all of them are.
        """
        end = cut if until is None else until
        known = self._outages.get((cut, end))
        if known is not None:
            return known
        found = self._outages[cut, end] = self._device_outages(cut, end)
        return found

    def _device_outages(self, cut: float, end: float) -> _Outages:
        present = [(b, e) for first, b, e in self.entities if first < cut]
        if not present:
            return _Outages(np.empty(0), np.empty(0), end, False)
        begins = [b[b < end] for b, _ in present]
        if any(b.size == 0 for b in begins):  # one entity never unavailable: no device outage
            return _Outages(np.empty(0), np.empty(0), end, False)
        ends = [np.minimum(e[: b.size], end) for b, (_, e) in zip(begins, present, strict=True)]
        spans_begin, spans_end = _all_at_once(begins, ends, len(present))
        still = bool(spans_end.size and spans_end[-1] >= end)
        return _Outages(spans_begin, spans_end, end, still)

    def reports_between(self, begin: float, end: float) -> int:
        """Reports (rows that are not unavailable / unknown) in ``[begin, end)``."""
        return int(
            np.searchsorted(self.reports, end, side="left")
            - np.searchsorted(self.reports, begin, side="left")
        )

    def longest_gap(self, begin: float, end: float) -> float | None:
        """Longest time between reports in ``[begin, end)``; ``None`` with too few reports."""
        low = int(np.searchsorted(self.reports, begin, side="left"))
        high = int(np.searchsorted(self.reports, end, side="left"))
        if high - low < MIN_GAP_REPORTS:
            return None
        return float(np.diff(self.reports[low:high]).max())

    def last_report(self, cut: float) -> float | None:
        """Time of the last report before ``cut``."""
        index = int(np.searchsorted(self.reports, cut, side="left")) - 1
        return float(self.reports[index]) if index >= 0 else None

    def battery_level(self, cut: float) -> float | None:
        """The last battery level read before ``cut``."""
        if self.battery is None:
            return None
        ts, values = self.battery.timestamps, self.battery.values
        finite = np.flatnonzero(np.isfinite(values[: int(np.searchsorted(ts, cut, side="left"))]))
        return float(values[finite[-1]]) if finite.size else None

    def battery_slopes(self, cut: float) -> tuple[float, float]:
        """Battery change in % per day over the last 7 and the last 2 days before ``cut``.

        The hourly readings of each span (:func:`~.battery.hourly_levels`), led by the level
        carried into the span, fitted with a straight line; 0 without two readings.
        """
        if self.battery is None:
            return 0.0, 0.0
        ts, levels = hourly_levels(self.battery, float(np.nextafter(cut, -math.inf)), RECENT_DAYS)
        slopes = []
        for days in (RECENT_DAYS, 2.0):
            begin = cut - days * DAY
            inside = ts > begin
            span_ts, span_levels = ts[inside], levels[inside]
            carried = self.battery_level(float(np.nextafter(begin, math.inf)))
            if carried is not None and begin >= self.start:
                span_ts = np.concatenate(([begin], span_ts))
                span_levels = np.concatenate(([carried], span_levels))
            slopes.append(_slope(span_ts, span_levels))
        return slopes[0], slopes[1]

    def battery_forecast(self, cut: float, level: float, slope: float) -> float:
        """Days until the battery is empty on a curve that may fall faster and faster.

        The one battery fit (:func:`..battery.fit_discharge`) through the last week's hourly
        readings, without its uncertainty range, down to :data:`EMPTY_BATTERY` (the
        forecast counts to 0 %); only for a battery below half that is falling,
        otherwise (or with too few readings) :data:`NOT_FALLING_DAYS`.
        """
        if self.battery is None or level >= 50.0 or slope > -0.2:
            return NOT_FALLING_DAYS
        ts, levels = hourly_levels(self.battery, float(np.nextafter(cut, -math.inf)), RECENT_DAYS)
        if ts.size < 6 or ts[-1] - ts[0] < 6 * HOUR:
            return NOT_FALLING_DAYS
        days = (ts - ts[-1]) / DAY
        try:
            coefficients, _ = fit_discharge(days, levels)
        except ValueError, np.linalg.LinAlgError:
            return NOT_FALLING_DAYS
        coefficients[-1] -= EMPTY_BATTERY
        roots = np.roots(coefficients) if np.abs(coefficients[:-1]).max() > 1e-12 else np.empty(0)
        real = roots[np.abs(roots.imag) < 1e-9].real
        ahead = real[real > 0]
        if ahead.size:
            return float(min(ahead.min(), NOT_FALLING_DAYS))
        drain = -float(coefficients[-2])
        if drain > 0 and coefficients[-1] > 0:
            return float(min(coefficients[-1] / drain, NOT_FALLING_DAYS))
        return 0.0 if coefficients[-1] <= 0 else NOT_FALLING_DAYS

    def normal_span(self, cut: float) -> tuple[float, float] | None:
        """The device's normal period before the recent week; ``None`` when too short."""
        end = cut - RECENT_DAYS * DAY
        begin = max(self.start, end - NORMAL_DAYS * DAY)
        return (begin, end) if end - begin >= MIN_NORMAL_DAYS * DAY else None

    def features(self, cut: float) -> FloatArray:
        """The feature row at ``cut`` (see :data:`FAILURE_FEATURE_NAMES`)."""
        row = np.zeros(len(FAILURE_FEATURE_NAMES), dtype=np.float64)

        def put(name: str, value: float) -> None:
            row[_INDEX[name]] = value

        observed_days = max((cut - self.start) / DAY, 0.0)
        put("entities", self.entity_count(cut))
        put("battery_powered", float(self.battery_powered))
        put("history_days", min(observed_days, RECENT_DAYS + NORMAL_DAYS))
        outages = self.outages(cut)
        if outages.open:
            put("unavailable_now", 1.0)
            put("unavailable_now_hours", float(cut - outages.begins[-1]) / HOUR)
        week_days = max(min(RECENT_DAYS, observed_days), 1.0 / 24.0)
        day_days = max(min(1.0, observed_days), 1.0 / 24.0)
        episodes_1d, hours_1d = outages.overlapping(cut - DAY)
        episodes_7d, hours_7d = outages.overlapping(cut - RECENT_DAYS * DAY)
        reports_1d = self.reports_between(cut - DAY, cut)
        reports_7d = self.reports_between(cut - RECENT_DAYS * DAY, cut)
        put("unavailable_episodes_1d", episodes_1d)
        put("unavailable_episodes_7d", episodes_7d)
        put("unavailable_hours_1d", hours_1d)
        put("unavailable_hours_7d", hours_7d)
        put("unavailable_share_7d", min(hours_7d / (24.0 * week_days), 1.0))
        put("error_rate_7d", episodes_7d / max(episodes_7d + reports_7d, 1))
        put("mean_episode_hours_7d", hours_7d / episodes_7d if episodes_7d else 0.0)
        put("reports_per_day_1d", reports_1d / day_days)
        put("reports_per_day_7d", reports_7d / week_days)
        normal = self.normal_span(cut)
        if normal is None:
            for name in (
                "normal_episodes_per_day",
                "normal_reports_per_day",
                "report_ratio_1d",
                "report_ratio_7d",
            ):
                put(name, SENTINEL)
        else:
            normal_days = (normal[1] - normal[0]) / DAY
            normal_episodes = outages.starting(*normal) / normal_days
            normal_reports = self.reports_between(*normal) / normal_days
            put("normal_episodes_per_day", normal_episodes)
            put("episode_rate_change", episodes_7d / week_days - normal_episodes)
            put("normal_reports_per_day", normal_reports)
            put("report_ratio_1d", (reports_1d / day_days + 1.0) / (normal_reports + 1.0))
            put("report_ratio_7d", (reports_7d / week_days + 1.0) / (normal_reports + 1.0))
        last = self.last_report(cut)
        since_hours = (cut - (self.start if last is None else last)) / HOUR
        put("hours_since_report", max(since_hours, 0.0) if math.isfinite(since_hours) else 0.0)
        gap = self.longest_gap(*normal) if normal is not None else None
        put("normal_longest_gap_hours", SENTINEL if gap is None else gap / HOUR)
        put(
            "silence_ratio",
            SENTINEL if gap is None else row[_INDEX["hours_since_report"]] / max(gap / HOUR, 0.1),
        )
        level = self.battery_level(cut)
        if level is None:
            put("battery_level", SENTINEL)
            put("battery_days_to_empty", NOT_FALLING_DAYS)
            put("battery_forecast_days", NOT_FALLING_DAYS)
            put("battery_days_left_log", math.log1p(NOT_FALLING_DAYS))
        else:
            slope_7d, slope_2d = self.battery_slopes(cut)
            steepest = min(slope_7d, slope_2d)
            days_left = (
                max(level - EMPTY_BATTERY, 0.0) / -steepest if steepest < -0.01 else math.inf
            )
            put("battery_level", level)
            put("battery_slope_7d", slope_7d)
            put("battery_slope_2d", slope_2d)
            put("battery_days_to_empty", min(days_left, NOT_FALLING_DAYS))
            forecast = self.battery_forecast(cut, level, steepest)
            put("battery_forecast_days", forecast)
            # The sooner of both estimates on a log scale: the days that matter for a
            # week's horizon are a few out of 365, where a randomised split rarely falls.
            put("battery_days_left_log", math.log1p(min(days_left, forecast, NOT_FALLING_DAYS)))
        return row

    def label(self, cut: float, end: float) -> FailureLabel | None:
        """What happens in ``[cut, end]``; ``None`` when the device already failed at ``cut``."""
        if self.entity_count(cut) == 0:
            return None
        now = self.outages(cut)
        if now.open and cut - now.begins[-1] >= LONG_OUTAGE_H * HOUR:
            return None
        level = self.battery_level(cut)
        if level is not None and level <= EMPTY_BATTERY:
            return None
        gap = self.longest_gap(max(self.start, cut - (RECENT_DAYS + NORMAL_DAYS) * DAY), cut)
        limit = (
            None
            if gap is None or gap > REGULAR_GAP_H * HOUR
            else max(SILENCE_FACTOR * gap, MIN_SILENCE_H * HOUR)
        )
        last = self.last_report(cut)
        if limit is not None and last is not None and cut - last >= limit:
            return None
        events: list[tuple[float, str]] = []
        ahead = self.outages(cut, math.nextafter(end, math.inf))
        for begin, finish in zip(ahead.begins.tolist(), ahead.ends.tolist(), strict=True):
            if finish <= cut:
                continue
            hours = (finish - max(begin, cut)) / HOUR
            still = ahead.open and finish >= ahead.until
            if hours >= LONG_OUTAGE_H or (still and hours >= OPEN_OUTAGE_H):
                events.append((max(begin, cut), "unavailable"))
                break
        if self.battery is not None:
            ts, values = self.battery.timestamps, self.battery.values
            window = (ts >= cut) & (ts <= end) & (values <= EMPTY_BATTERY)
            if window.any():
                events.append((float(ts[np.argmax(window)]), "battery_empty"))
        if limit is not None and last is not None:
            future = self.reports[(self.reports >= cut) & (self.reports <= end)]
            marks = np.concatenate(([last], future, [end]))
            silent = np.flatnonzero(np.diff(marks) >= limit)
            if silent.size:
                events.append((float(marks[silent[0]]) + limit, "silent"))
        if not events:
            return FailureLabel(False)
        event_ts, rule = min(events)
        return FailureLabel(True, event_ts, rule)


def _slope(x: FloatArray, y: FloatArray) -> float:
    """Least-squares slope of ``y`` against ``x`` in days; 0 for less than 3 hours of data."""
    if x.size < 2 or x[-1] - x[0] < 3 * HOUR:
        return 0.0
    days = (x - x[-1]) / DAY
    centred = days - days.mean()
    return float((centred * (y - y.mean())).sum() / (centred * centred).sum())


def _all_at_once(
    begins: list[FloatArray], ends: list[FloatArray], count: int
) -> tuple[FloatArray, FloatArray]:
    """Spans in which all ``count`` entities are inside one of their own spans."""
    times = np.concatenate([*begins, *ends])
    if times.size == 0:
        return np.empty(0), np.empty(0)
    opened = sum(b.size for b in begins)
    steps = np.ones(times.size)
    steps[opened:] = -1.0
    order = np.lexsort((steps, times))  # at equal times, ends before begins
    times, level = times[order], np.cumsum(steps[order])
    full = np.flatnonzero(level[:-1] >= count)
    span_begins, span_ends = times[full], times[full + 1]
    keep = span_ends > span_begins
    span_begins, span_ends = span_begins[keep], span_ends[keep]
    if span_begins.size > 1:  # join spans that touch
        first = np.concatenate(([True], span_begins[1:] > span_ends[:-1]))
        span_ends = np.maximum.reduceat(span_ends, np.flatnonzero(first))
        span_begins = span_begins[first]
    return span_begins.astype(np.float64), span_ends.astype(np.float64)


def device_failure_features(home: Home, device_id: str, cut: float) -> FloatArray:
    """One row of :data:`FAILURE_FEATURE_NAMES` for a device, from rows before ``cut``.

    Unknown quantities (no battery, no normal period yet) read :data:`SENTINEL`; a device
    without history gives a row of zeros and sentinels.
    """
    return _DeviceView(home, device_id).features(cut)


def _hours(value: float) -> str:
    """Hours in words: ``45 min``, ``2.5 h``, ``9 h``."""
    if value < 1.0:
        return f"{max(round(value * 60), 1)} min"
    return f"{value:.1f} h" if value < 10.0 else f"{value:.0f} h"


def risk_findings(features: FloatArray) -> list[tuple[str, str]]:
    """What stands out in a feature row as (kind, reason in words), most important first.

    Kinds: ``unavailable_now``, ``unavailable_often``, ``battery``, ``silent``,
    ``fewer_reports`` (what the repair text advises on).
    """
    f = np.asarray(features, dtype=np.float64).reshape(-1)

    def get(name: str) -> float:
        return float(f[_INDEX[name]])

    found: list[tuple[float, str, str]] = []
    if get("unavailable_now") > 0:
        hours = get("unavailable_now_hours")
        found.append(
            (
                3.0 + hours / LONG_OUTAGE_H,
                "unavailable_now",
                f"unavailable for the last {_hours(hours)}",
            )
        )
    episodes = get("unavailable_episodes_7d")
    normal_rate = get("normal_episodes_per_day")
    usual = normal_rate * RECENT_DAYS if normal_rate >= 0 else None
    if episodes >= 2 and (usual is None or episodes >= 2.0 * usual + 2.0):
        usual_text = "" if usual is None else f" (normally {usual:.0f})"
        total = get("unavailable_hours_7d")
        found.append(
            (
                2.0 + episodes / 10.0,
                "unavailable_often",
                f"unavailable {episodes:.0f} times in the last 7 days, "
                f"{_hours(total)} in total{usual_text}",
            )
        )
    level = get("battery_level")
    days_left = min(get("battery_days_to_empty"), get("battery_forecast_days"))
    if level >= 0 and (level < 20.0 or days_left < 14.0):
        slope = min(get("battery_slope_7d"), get("battery_slope_2d"))
        text = f"battery at {level:.0f} %"
        if slope < -0.05:
            text += f" and falling {-slope:.1f} %/day"
        if days_left < NOT_FALLING_DAYS:
            text += f", empty in about {days_left:.0f} days" if days_left >= 1 else ", nearly empty"
        urgency = 2.5 - min(days_left, 30.0) / 30.0 + (20.0 - min(level, 20.0)) / 40.0
        found.append((urgency, "battery", text))
    silence = get("silence_ratio")
    gap = get("normal_longest_gap_hours")
    since = get("hours_since_report")
    if silence > 2.0 and since >= 1.0 and get("unavailable_now") == 0:
        found.append(
            (
                1.5 + min(silence, 10.0) / 10.0,
                "silent",
                f"no report for {_hours(since)} (normally at most {_hours(gap)})",
            )
        )
    normal_reports = get("normal_reports_per_day")
    today = get("reports_per_day_1d")
    if normal_reports >= 4.0 and today < 0.3 * normal_reports:
        share = 1.0 - today / normal_reports
        found.append(
            (
                1.0 + share / 2.0,
                "fewer_reports",
                f"{100 * share:.0f} % fewer reports than usual in the last day",
            )
        )
    found.sort(key=lambda item: -item[0])
    return [(kind, text) for _, kind, text in found]


def risk_reasons(features: FloatArray) -> list[str]:
    """Short reasons in words for what stands out in a feature row, most important first."""
    return [text for _, text in risk_findings(features)]
