"""Tests for the anomaly detectors, the day features, the forest and a whole home's verdicts."""

from __future__ import annotations

import functools
import math

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.anomaly import (
    DAY_FEATURE_NAMES,
    AnomalyForest,
    HomeAnomalyModel,
    StuckValueDetector,
    UnusualTimeDetector,
    activity_times,
    anomaly_training_rows,
    day_feature_row,
    judge_home,
    train_anomaly_forest,
)
from custom_components.homeiq.core.home import Entity, Home, StateHistory
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.time import (
    DAY,
    HOUR,
    local_day_end,
    local_midnights,
    weekday_name,
)

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC (a Thursday), a local midnight in UTC
MONDAY = T0 + 4 * DAY  # 2026-01-05
BERLIN = "Europe/Berlin"


def _evenings(days: int) -> np.ndarray:
    """Motion at 19:00, 19:20 and 20:00 every day."""
    base = T0 + DAY * np.arange(days)
    return np.sort(np.concatenate([base + 19 * HOUR, base + 19.33 * HOUR, base + 20 * HOUR]))


def _motion(times: np.ndarray | list[float]) -> StateHistory:
    """A motion sensor that turns on at each time and off a minute later."""
    on = np.sort(np.asarray(times, dtype=float))
    stamps = np.sort(np.concatenate([on, on + 60.0]))
    states = ["on" if t in set(on.tolist()) else "off" for t in stamps.tolist()]
    return pack_rows(stamps.tolist(), states, [1] * len(states))


def _temperature(times: np.ndarray) -> list[str]:
    return [f"{20 + np.sin(t / 5000):.2f}" for t in times]


def _humidity(times: np.ndarray, saturated_after: float = math.inf) -> StateHistory:
    """Humidity read every 10 minutes, swinging 6 % over the day; from ``saturated_after``
    it reads 95 % give or take a tenth every 3 hours (a sensor that broke, not one that
    stopped: it still reports more often than the stuck detector's 6 hours).
    """
    times = times[(times < saturated_after) | (np.arange(times.size) % 18 == 0)]
    swing = 45.0 + 3.0 * np.sin(2 * np.pi * times / DAY) + 0.4 * np.sin(times / 700.0)
    broken = 95.0 + 0.1 * (np.arange(times.size) % 2)
    values = np.where(times < saturated_after, swing, broken)
    return pack_rows(times.tolist(), [f"{v:.1f}" for v in values], [1] * times.size)


# --- local days ---------------------------------------------------------------------------


def test_local_midnights_follow_the_time_zone() -> None:
    """Midnights are local: in UTC+2 they fall at 22:00 UTC, in UTC+5:30 at 18:30 UTC."""
    assert local_midnights(T0, T0 + 2 * DAY, "UTC").tolist() == [T0, T0 + DAY]
    assert local_midnights(T0, T0 + 2 * DAY, "Etc/GMT-2").tolist() == [
        T0 + DAY - 2 * HOUR,
        T0 + 2 * DAY - 2 * HOUR,
    ]
    assert local_midnights(T0, T0 + 2 * DAY, "Asia/Kolkata").tolist() == [
        T0 + DAY - 5.5 * HOUR,
        T0 + 2 * DAY - 5.5 * HOUR,
    ]


def test_a_local_day_lasts_23_hours_when_the_clocks_go_forward() -> None:
    """2026-03-29 in Berlin: from 23:00 UTC (CET midnight) to 22:00 UTC (CEST midnight)."""
    march_29 = 1_774_738_800.0  # 2026-03-28 23:00 UTC
    assert local_midnights(march_29 - HOUR, march_29 + HOUR, BERLIN).tolist() == [march_29]
    assert local_day_end(march_29, BERLIN) == march_29 + 23 * HOUR
    assert weekday_name(march_29, BERLIN) == "Sunday"


# --- unusual time -------------------------------------------------------------------------


def test_night_burst_is_unusual_with_a_reason() -> None:
    """Seven motions between 2 and 4 am, never seen before, make the day anomalous."""
    history = _evenings(21)
    detector = UnusualTimeDetector().fit(history, T0, T0 + 14 * DAY, "UTC")
    normal_day = T0 + 15 * DAY
    assert not detector.judge(history, normal_day).anomalous
    burst = normal_day + 2 * HOUR + np.linspace(0, 1.9 * HOUR, 7)
    verdict = detector.judge(np.sort(np.concatenate([history, burst])), normal_day)
    assert verdict.anomalous
    assert verdict.kind == "unusual_time"
    assert verdict.reason == "7 events between 02:00 and 04:00 on a Friday; usually none"
    assert verdict.score > 4


def test_three_events_in_quiet_night_hours_are_unusual_two_are_not() -> None:
    """The quiet night hours are pooled: three events spread over them are enough."""
    history = _evenings(21)
    detector = UnusualTimeDetector(noun="motion events").fit(history, T0, T0 + 14 * DAY, "UTC")
    day = T0 + 16 * DAY
    spread = day + np.array([0.5, 2.5, 4.5]) * HOUR
    verdict = detector.judge(np.sort(np.concatenate([history, spread])), day)
    assert verdict.anomalous
    assert verdict.reason == "3 motion events between 00:00 and 05:00 on a Saturday; usually none"
    two = detector.judge(np.sort(np.concatenate([history, spread[:2]])), day)
    assert not two.anomalous


def test_usual_evenings_and_single_night_visits_are_normal() -> None:
    """More of the usual evening activity, or one trip at night, is not flagged."""
    history = _evenings(21)
    detector = UnusualTimeDetector().fit(history, T0, T0 + 14 * DAY, "UTC")
    day = T0 + 16 * DAY
    busy_evening = day + 19 * HOUR + np.linspace(0, HOUR, 5)
    night_trip = day + np.array([3 * HOUR, 3 * HOUR + 60])
    events = np.sort(np.concatenate([history, busy_evening, night_trip]))
    assert not detector.judge(events, day).anomalous


def test_a_night_with_some_usual_activity_needs_more_events() -> None:
    """Where the night is not quiet (a bathroom at 3 am), three events are normal."""
    base = T0 + DAY * np.arange(21)
    history = np.sort(np.concatenate([_evenings(21), base + 3.2 * HOUR]))
    detector = UnusualTimeDetector().fit(history, T0, T0 + 14 * DAY, "UTC")
    day = T0 + 16 * DAY
    three = day + np.array([3.1, 3.3, 3.5]) * HOUR
    assert not detector.judge(np.sort(np.concatenate([history, three])), day).anomalous


def test_hour_of_week_rates_are_exact_and_shrunk_to_the_hour_of_day() -> None:
    """Three weeks: Monday 02:00 has its own rate, pulled toward the hour of day by 2 weeks."""
    mondays = MONDAY + 7 * DAY * np.arange(3) + 2.5 * HOUR
    evenings = MONDAY + DAY * np.arange(21) + 19.25 * HOUR
    events = np.sort(np.concatenate([mondays, evenings]))
    detector = UnusualTimeDetector().fit(events, MONDAY, MONDAY + 21 * DAY, "UTC")
    assert detector.weekly
    hour_rate = 3 / 21
    assert detector.hour_rate[2] == pytest.approx(hour_rate)
    assert detector.hour_rate[19] == pytest.approx(1.0)
    assert detector.week_rate is not None
    assert detector.week_rate[0, 2] == pytest.approx((3 + 2 * hour_rate) / (3 + 2))
    assert detector.week_rate[1, 2] == pytest.approx((0 + 2 * hour_rate) / (3 + 2))
    assert detector.week_rate[4, 19] == pytest.approx(1.0)
    usual, exposure = detector.usual(MONDAY + 21 * DAY)  # the fourth Monday
    assert usual[2] == pytest.approx((3 + 2 * hour_rate) / 5)
    assert exposure[2] == 5
    # Less than three weeks: one rate per hour of the day, the same on every weekday.
    short = UnusualTimeDetector().fit(events, MONDAY, MONDAY + 20 * DAY, "UTC")
    assert not short.weekly
    assert short.usual(MONDAY)[0][2] == pytest.approx(3 / 20)
    assert short.usual(MONDAY + DAY)[0][2] == pytest.approx(3 / 20)


def test_reason_names_the_local_weekday_and_hours_across_a_dst_change() -> None:
    """Berlin, trained over the March clock change: the reason speaks local time."""
    start = float(local_midnights(1_772_990_000.0, 1_773_100_000.0, BERLIN)[0])  # Mon 9 Mar
    assert weekday_name(start, BERLIN) == "Monday"
    midnights = local_midnights(start, start + 30 * DAY, BERLIN)
    events = np.sort(np.concatenate([midnights + 7.5 * HOUR, midnights + 19 * HOUR]))
    normal_end = float(midnights[28])  # four weeks, Monday 6 April
    detector = UnusualTimeDetector(noun="motion events").fit(events, start, normal_end, BERLIN)
    assert detector.weekly
    tuesday = float(midnights[29])
    assert weekday_name(tuesday, BERLIN) == "Tuesday"
    burst = tuesday + np.array([1 + 1 / 6, 1 + 2 / 3, 2 + 1 / 3, 2 + 5 / 6]) * HOUR
    verdict = detector.judge(np.sort(np.concatenate([events, burst])), tuesday)
    assert verdict.anomalous
    assert verdict.reason == ("4 motion events between 01:00 and 03:00 on a Tuesday; usually none")


def test_activity_times_are_the_active_transitions() -> None:
    """Only changes to an active state count as events."""
    history = pack_rows([1.0, 2.0, 3.0, 4.0], ["off", "on", "off", "on"], [1, 1, 1, 1])
    assert activity_times(history).tolist() == [2.0, 4.0]


# --- stuck value --------------------------------------------------------------------------


def test_stuck_value_is_found_and_explained() -> None:
    """A temperature that normally changes every 10 minutes and then stops is stuck."""
    times = T0 + np.arange(0, 14 * DAY, 600.0)
    history = pack_rows(times.tolist(), _temperature(times), [1] * times.size)
    detector = StuckValueDetector().fit(history, T0, T0 + 14 * DAY)
    assert detector.limit == 6 * HOUR  # 4 x 10 min is below the 6 h floor
    assert not detector.judge(history, T0 + 13 * DAY).anomalous
    verdict = detector.judge(history, T0 + 14 * DAY)  # no reading on that day at all
    assert verdict.anomalous
    assert verdict.kind == "stuck"
    assert verdict.reason is not None
    assert "unchanged for 24 h" in verdict.reason


def test_a_sensor_silent_every_night_is_not_stuck_at_midnight() -> None:
    """A light sensor reads 0 from 17:00 to 07:00 every day: that silence is its normal."""
    day_times = (np.arange(7 * 6, 17 * 6) * 600.0)[None, :] + T0 + DAY * np.arange(15)[:, None]
    times = np.sort(day_times.ravel())
    values = [("0" if (t - T0) % DAY >= 17 * HOUR - 600 else f"{100 + (t % 7):.0f}") for t in times]
    history = pack_rows(times.tolist(), values, [1] * times.size)
    detector = StuckValueDetector().fit(history, T0, T0 + 14 * DAY)
    assert detector.limit >= 1.5 * 14 * HOUR
    assert not detector.judge(history, T0 + 13 * DAY).anomalous


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


# --- day features -------------------------------------------------------------------------


def test_day_feature_row_is_exact_on_a_constructed_day() -> None:
    """Three normal days of 20 / 22 / 24 / 22 every 6 h; then a day with a gap and a jump."""
    stamps: list[float] = []
    states: list[str] = []
    for day in range(3):
        for hour, value in ((0, "20"), (6, "22"), (12, "24"), (18, "22")):
            stamps.append(T0 + day * DAY + hour * HOUR)
            states.append(value)
    judged = T0 + 3 * DAY
    for hour, value in ((0, "20"), (3, "21"), (12, "unavailable"), (18, "30")):
        stamps.append(judged + hour * HOUR)
        states.append(value)
    history = pack_rows(stamps, states, [1] * len(stamps))
    row = day_feature_row(
        history,
        "numeric",
        normal_start=T0,
        normal_end=judged,
        day_start=judged,
        time_zone="UTC",
    )
    # Normal: 4 readings a day, 1 of them at night, longest silence 6 h, values 20-24,
    # time-weighted mean 22, daily means all 22 (spread floored at a quarter of the range).
    mean = (20 * 3 + 21 * 9 + 30 * 6) / 18
    expected = [
        math.log2(4 / 5),  # 3 readings against 4
        (2 + 5 * 0.25) / (3 + 5) - 0.25,  # 00:00 and 03:00 are night (shrunk share)
        math.log2(2) - math.log2(1),  # 03:00 is a usually quiet hour
        math.log2(2) - math.log2(1),  # … of the night
        math.log2((15 * HOUR + 600) / (6 * HOUR + 600)),  # 03:00 to 18:00
        math.log2(4 / 4),  # 20, 21, 30 against 20, 22, 24
        math.log2((10 + 0.04 + 23e-9) / (4 + 0.04 + 23e-9)),
        6.0,  # unavailable 12:00-18:00
        (mean - 22) / 1.0,
    ]
    assert len(DAY_FEATURE_NAMES) == len(expected)
    assert row.tolist() == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_activity_rows_leave_the_value_features_at_zero() -> None:
    """A motion sensor has no distinct values, range or mean: those features are 0."""
    history = _motion(_evenings(10))
    row = day_feature_row(
        history,
        "activity",
        normal_start=T0,
        normal_end=T0 + 7 * DAY,
        day_start=T0 + 8 * DAY,
        time_zone="UTC",
    )
    names = list(DAY_FEATURE_NAMES)
    for name in ("distinct_vs_usual", "range_vs_usual", "mean_shift"):
        assert row[names.index(name)] == 0.0
    assert row[names.index("events_vs_usual")] == pytest.approx(0.0)


# --- a whole home -------------------------------------------------------------------------


def _home(histories: dict[str, StateHistory], end_days: int = 21) -> Home:
    entities = {
        "binary_sensor.office_motion": Entity("binary_sensor.office_motion", "motion"),
        "sensor.bathroom_humidity": Entity("sensor.bathroom_humidity", "humidity", "%"),
        "sensor.bathroom_power": Entity("sensor.bathroom_power", "power", "W"),
        "light.office": Entity("light.office"),
    }
    return Home(
        entities={k: v for k, v in entities.items() if k in histories},
        histories=histories,
        window_start=T0,
        window_end=T0 + end_days * DAY,
        time_zone="UTC",
    )


def test_judge_home_without_a_forest_explains_both_kinds() -> None:
    """A night burst and a humidity sensor that stopped: both judged, with reasons."""
    day = T0 + 16 * DAY
    burst = day + np.array([1.2, 1.9, 2.4, 2.8, 3.1]) * HOUR
    readings = T0 + np.arange(0, 21 * DAY, 600.0)
    home = _home(
        {
            "binary_sensor.office_motion": _motion(np.concatenate([_evenings(21), burst])),
            "sensor.bathroom_humidity": _humidity(readings[readings < day - 3 * HOUR]),
            "sensor.bathroom_power": _humidity(readings),  # power is not judged
            "light.office": _motion(_evenings(21)),  # nor are lights
        }
    )
    verdicts = judge_home(home, T0, T0 + 14 * DAY, day)
    assert set(verdicts) == {"binary_sensor.office_motion", "sensor.bathroom_humidity"}
    motion = verdicts["binary_sensor.office_motion"]
    assert motion.anomalous
    assert motion.reason == ("5 motion events between 01:00 and 04:00 on a Saturday; usually none")
    humidity = verdicts["sensor.bathroom_humidity"]
    assert humidity.anomalous
    assert humidity.kind == "stuck"
    assert humidity.reason is not None
    assert "unchanged for 27 h" in humidity.reason
    calm = judge_home(home, T0, T0 + 14 * DAY, T0 + 15 * DAY)
    assert not any(v.anomalous for v in calm.values())


def test_entities_with_too_little_normal_are_not_judged() -> None:
    """Two days of history are not a normal."""
    history = _motion(_evenings(2))
    home = _home({"binary_sensor.office_motion": history})
    assert judge_home(home, T0, T0 + 2 * DAY, T0 + 2 * DAY) == {}


@functools.cache
def _forest() -> AnomalyForest:
    """A forest trained on the normal days of a small synthetic corpus."""
    pytest.importorskip("sklearn")
    from tools.synthetic import generate_corpus

    rows = [
        anomaly_training_rows(s.home, s.home.window_start, s.home.window_start + 14 * DAY)
        for s in generate_corpus(3, 5, days=15)  # no stuck sensor among its faults
        if s.home.window_start is not None
    ]
    return train_anomaly_forest(np.vstack(rows), seed=0, n_trees=60)


def test_forest_flags_a_broken_day_and_explains_it() -> None:
    """Humidity that still reports but reads 95 %: only the forest sees it, in words."""
    forest = _forest()
    readings = T0 + np.arange(0, 21 * DAY, 600.0)
    day = T0 + 16 * DAY
    home = _home({"sensor.bathroom_humidity": _humidity(readings, saturated_after=day)})
    model = HomeAnomalyModel.fit(home, T0, T0 + 14 * DAY)
    broken, normal = model.rows(home, day), model.rows(home, T0 + 15 * DAY)
    entity = "sensor.bathroom_humidity"
    assert forest.flags(broken[entity][None, :]).tolist() == [True]
    assert forest.flags(normal[entity][None, :]).tolist() == [False]
    without = model.judge(home, day)[entity]
    assert not without.anomalous  # it still reports: not stuck
    verdict = model.judge(home, day, forest)[entity]
    assert verdict.anomalous
    assert verdict.kind == "forest"
    assert verdict.forest_score is not None
    assert verdict.forest_score > forest.threshold
    assert verdict.reason is not None
    assert verdict.reason.startswith("humidity averaged 95.0 % today; usually 45.0 %")
    assert not model.judge(home, T0 + 15 * DAY, forest)[entity].anomalous


def test_forest_verdicts_are_the_detectors_or_the_forest() -> None:
    """judge() with a forest flags exactly what the detectors or the forest's flags flag."""
    forest = _forest()
    from tools.synthetic import generate_home

    home = generate_home(7, days=22).home
    assert home.window_start is not None
    model = HomeAnomalyModel.fit(home, home.window_start, home.window_start + 14 * DAY)
    for day in local_midnights(home.window_start + 14 * DAY, home.window_start + 21 * DAY, "UTC"):
        alone = model.judge(home, float(day))
        both = model.judge(home, float(day), forest)
        rows = model.rows(home, float(day))
        for entity_id, verdict in both.items():
            flag = bool(forest.flags(rows[entity_id][None, :])[0])
            assert verdict.anomalous == (alone[entity_id].anomalous or flag)
            assert not verdict.anomalous or verdict.reason


def test_forest_metadata_round_trip_and_checks() -> None:
    """The forest's own metadata rebuilds it; metadata for other features is refused."""
    forest = _forest()
    again = AnomalyForest.from_metadata(forest.ensemble, forest.metadata())
    rows = np.random.default_rng(0).normal(size=(5, len(DAY_FEATURE_NAMES)))
    assert again.scores(rows).tolist() == forest.scores(rows).tolist()
    assert again.flags(rows).tolist() == forest.flags(rows).tolist()
    with pytest.raises(ValueError, match="other day features"):
        AnomalyForest.from_metadata(forest.ensemble, {**forest.metadata(), "features": ["x"]})
    with pytest.raises(ValueError, match="incomplete"):
        AnomalyForest.from_metadata(forest.ensemble, {"features": list(DAY_FEATURE_NAMES)})
    with pytest.raises(ValueError, match="at least 2 rows"):
        train_anomaly_forest(np.zeros((1, len(DAY_FEATURE_NAMES))))


# --- odd inputs ---------------------------------------------------------------------------

_STATES = ["on", "off", "unavailable", "unknown", "21.5", "nan", "inf", "-3", "", "open"]


@st.composite
def _histories(draw: st.DrawFn) -> StateHistory:
    n = draw(st.integers(0, 30))
    offsets = draw(st.lists(st.floats(-2 * DAY, 12 * DAY, allow_nan=False), min_size=n, max_size=n))
    states = draw(st.lists(st.sampled_from(_STATES), min_size=n, max_size=n))
    times = sorted(T0 + o for o in offsets)
    return pack_rows(times, states, [1] * n)


@settings(max_examples=60)
@given(motion=_histories(), humidity=_histories(), day=st.integers(0, 12))
def test_odd_histories_never_raise_and_give_finite_features(
    motion: StateHistory, humidity: StateHistory, day: int
) -> None:
    """Empty, single-row, all-unavailable or NaN histories: finite rows, verdicts, no error."""
    day_start = T0 + day * DAY
    for history, kind in ((motion, "activity"), (humidity, "numeric")):
        row = day_feature_row(
            history,
            kind,  # type: ignore[arg-type]
            normal_start=T0,
            normal_end=T0 + 7 * DAY,
            day_start=day_start,
            time_zone=BERLIN,
        )
        assert row.shape == (len(DAY_FEATURE_NAMES),)
        assert np.isfinite(row).all()
    home = _home({"binary_sensor.office_motion": motion, "sensor.bathroom_humidity": humidity}, 12)
    home.time_zone = BERLIN
    for verdict in judge_home(home, T0, T0 + 7 * DAY, day_start).values():
        assert math.isfinite(verdict.score)
        assert not verdict.anomalous or verdict.reason
    assert np.isfinite(anomaly_training_rows(home, T0, T0 + 7 * DAY)).all()


def test_all_unavailable_and_empty_histories_give_neutral_rows() -> None:
    """A sensor that was never available, or never reported, has nothing to be unusual about."""
    times = T0 + np.arange(0, 10 * DAY, HOUR)
    gone = pack_rows(times.tolist(), ["unavailable"] * times.size, [1] * times.size)
    kwargs = {"normal_start": T0, "normal_end": T0 + 7 * DAY, "day_start": T0 + 8 * DAY}
    row = day_feature_row(gone, "numeric", time_zone="UTC", **kwargs)
    assert row.tolist() == pytest.approx([0.0] * len(DAY_FEATURE_NAMES))
    empty = day_feature_row(StateHistory.empty(), "activity", time_zone="UTC", **kwargs)
    assert np.isfinite(empty).all()
