"""Tests for the explainable anomaly detectors."""

from __future__ import annotations

import numpy as np

from custom_components.homeiq.core.anomaly import (
    DAY,
    HOUR,
    StuckValueDetector,
    UnusualTimeDetector,
    activity_times,
    local_midnights,
)
from custom_components.homeiq.core.history import pack_rows

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC, a local midnight in UTC


def _evenings(days: int) -> np.ndarray:
    """Motion at 19:00, 19:20 and 20:00 every day."""
    base = T0 + DAY * np.arange(days)
    return np.sort(np.concatenate([base + 19 * HOUR, base + 19.33 * HOUR, base + 20 * HOUR]))


def test_local_midnights_follow_the_time_zone() -> None:
    """Midnights are local: in UTC+2 they fall at 22:00 UTC."""
    assert local_midnights(T0, T0 + 2 * DAY, "UTC").tolist() == [T0, T0 + DAY]
    assert local_midnights(T0, T0 + 2 * DAY, "Etc/GMT-2").tolist() == [
        T0 + DAY - 2 * HOUR,
        T0 + 2 * DAY - 2 * HOUR,
    ]


def test_night_burst_is_unusual_with_a_reason() -> None:
    """Seven motions between 2 and 4 am, never seen before, make the day anomalous."""
    history = _evenings(21)
    detector = UnusualTimeDetector().fit(history, T0, T0 + 14 * DAY, "UTC")
    normal_day = T0 + 15 * DAY
    assert not detector.judge(history, normal_day).anomalous
    burst = normal_day + 2 * HOUR + np.linspace(0, 1.9 * HOUR, 7)
    verdict = detector.judge(np.sort(np.concatenate([history, burst])), normal_day)
    assert verdict.anomalous
    assert verdict.reason is not None
    assert verdict.reason.startswith("7 events between 02:00 and 04:00")
    assert verdict.score > 4


def test_usual_evenings_and_single_night_visits_are_normal() -> None:
    """More of the usual evening activity, or one trip at night, is not flagged."""
    history = _evenings(21)
    detector = UnusualTimeDetector().fit(history, T0, T0 + 14 * DAY, "UTC")
    day = T0 + 16 * DAY
    busy_evening = day + 19 * HOUR + np.linspace(0, HOUR, 5)
    night_trip = day + np.array([3 * HOUR, 3 * HOUR + 60])
    events = np.sort(np.concatenate([history, busy_evening, night_trip]))
    assert not detector.judge(events, day).anomalous


def test_activity_times_are_the_active_transitions() -> None:
    """Only changes to an active state count as events."""
    history = pack_rows([1.0, 2.0, 3.0, 4.0], ["off", "on", "off", "on"], [1, 1, 1, 1])
    assert activity_times(history).tolist() == [2.0, 4.0]


def _temperature(times: np.ndarray) -> list[str]:
    return [f"{20 + np.sin(t / 5000):.2f}" for t in times]


def test_stuck_value_is_found_and_explained() -> None:
    """A temperature that normally changes every 10 minutes and then stops is stuck."""
    times = T0 + np.arange(0, 14 * DAY, 600.0)
    history = pack_rows(times.tolist(), _temperature(times), [1] * times.size)
    detector = StuckValueDetector().fit(history, T0, T0 + 14 * DAY)
    assert detector.limit == 6 * HOUR  # 4 x 10 min is below the 6 h floor
    assert not detector.judge(history, T0 + 13 * DAY).anomalous
    verdict = detector.judge(history, T0 + 14 * DAY)  # no reading on that day at all
    assert verdict.anomalous
    assert verdict.reason is not None
    assert "unchanged for 24 h" in verdict.reason


def test_unavailable_is_not_stuck_and_sparse_sensors_are_never_judged() -> None:
    """A device that is unavailable is not 'stuck'; too few readings give no limit."""
    times = T0 + np.arange(0, 14 * DAY, 600.0)
    states = [*_temperature(times), "unavailable"]
    history = pack_rows([*times.tolist(), T0 + 14 * DAY - 1], states, [1] * len(states))
    detector = StuckValueDetector().fit(history, T0, T0 + 14 * DAY)
    assert not detector.judge(history, T0 + 14 * DAY).anomalous
    sparse = pack_rows([T0, T0 + DAY], ["20.0", "21.0"], [1, 1])
    assert (
        not StuckValueDetector().fit(sparse, T0, T0 + 2 * DAY).judge(sparse, T0 + 9 * DAY).anomalous
    )
