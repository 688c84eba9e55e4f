"""Tests for the synergy trigger events: state onsets, numeric crossings and candidate levels."""

from __future__ import annotations

from hypothesis import given, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.home import StateHistory
from custom_components.homeiq.core.synergy.events import (
    candidate_levels,
    crossing_onsets,
    state_at,
    state_onsets,
    value_at,
)

from .synergy_home import AUTO, DEVICE, USER, history, numeric

END = 1000.0


def test_state_onsets_count_entries_from_a_different_valid_state() -> None:
    """An onset enters the state from another valid state: never the first row, never from
    unavailable / unknown, never a repeated row; it ends at the next row leaving the state."""
    rows = history(
        [
            (10.0, "on", USER),  # first row: no predecessor
            (20.0, "off", DEVICE),
            (30.0, "on", USER),  # onset, ends at 40
            (40.0, "unavailable", DEVICE),
            (50.0, "on", DEVICE),  # from unavailable: not an onset
            (60.0, "off", DEVICE),
            (70.0, "unknown", DEVICE),
            (80.0, "on", DEVICE),  # from unknown: not an onset
            (90.0, "off", DEVICE),
            (100.0, "on", AUTO),  # onset, ends at 120 (the repeated row does not end it)
            (110.0, "on", USER),  # the same state again: not an onset
            (120.0, "off", DEVICE),
            (130.0, "on", USER),  # onset that never ends: the window end
        ]
    )
    found = state_onsets(rows, "on", END)
    assert found.times.tolist() == [30.0, 100.0, 130.0]
    assert found.ends.tolist() == [40.0, 120.0, END]
    assert found.origins.tolist() == [USER, AUTO, USER]
    assert len(found) == 3


def test_state_onsets_of_the_other_state_and_of_missing_states() -> None:
    """Onsets of ``off``; a state never seen and a history of one row have none."""
    rows = history([(10.0, "off", DEVICE), (20.0, "on", DEVICE), (30.0, "off", USER)])
    off = state_onsets(rows, "off", END)
    assert off.times.tolist() == [30.0]
    assert off.ends.tolist() == [END]
    assert len(state_onsets(rows, "playing", END)) == 0
    assert len(state_onsets(history([(1.0, "on", USER)]), "on", END)) == 0
    assert len(state_onsets(StateHistory.empty(), "on", END)) == 0


def test_a_crossing_upwards_fires_once_while_the_value_jitters_around_the_level() -> None:
    """Above 70 with a hysteresis of 2: the jitter 70.5 / 69.8 / 70.3 / 71 crosses once; only
    a fall to 68 or below re-arms it, 69 does not."""
    values = [60, 70.5, 69.8, 70.3, 71, 75, 69, 70.2, 67, 71, 68.5, 72]
    times = [10.0 * (i + 1) for i in range(len(values))]
    found = crossing_onsets(
        numeric(times, values), 70.0, above=True, hysteresis=2.0, window_end=END
    )
    # Onsets at 70.5 (t=20) and, after the re-arm at 67 (t=90), at 71 (t=100); 68.5 is above
    # 68 and does not re-arm, so 72 does not fire again.
    assert found.times.tolist() == [20.0, 100.0]
    # An onset ends at the re-arming row (67 at t=90); the second never re-arms.
    assert found.ends.tolist() == [90.0, END]


def test_a_crossing_downwards_mirrors_it() -> None:
    """Below 30 with a hysteresis of 5: re-armed at 35 or above."""
    values = [40, 29, 31, 28, 34, 29, 36, 25]
    times = [float(i) for i in range(len(values))]
    found = crossing_onsets(
        numeric(times, values), 30.0, above=False, hysteresis=5.0, window_end=END
    )
    assert found.times.tolist() == [1.0, 7.0]
    assert found.ends.tolist() == [6.0, END]


def test_a_crossing_needs_an_armed_start() -> None:
    """A first row already above the level, or values that start between the re-arm level and
    the level, do not fire until the value has been at or below the re-arm level."""
    above = numeric([0.0, 1.0, 2.0, 3.0], [80, 60, 69, 75])
    assert crossing_onsets(
        above, 70.0, above=True, hysteresis=2.0, window_end=END
    ).times.tolist() == [3.0]
    between = numeric([0.0, 1.0, 2.0, 3.0, 4.0], [69, 71, 69, 67, 71])
    assert crossing_onsets(
        between, 70.0, above=True, hysteresis=2.0, window_end=END
    ).times.tolist() == [4.0]


def test_crossings_skip_states_that_are_not_numbers() -> None:
    """Unavailable rows are left out of a numeric history; fewer than two numbers: nothing."""
    rows = history([(0.0, "60", DEVICE), (1.0, "unavailable", DEVICE), (2.0, "75", DEVICE)])
    assert crossing_onsets(
        rows, 70.0, above=True, hysteresis=1.0, window_end=END
    ).times.tolist() == [2.0]
    one = history([(0.0, "60", DEVICE), (1.0, "unavailable", DEVICE)])
    assert len(crossing_onsets(one, 70.0, above=True, hysteresis=1.0, window_end=END)) == 0


def test_candidate_levels_are_rounded_deciles_with_five_percent_hysteresis() -> None:
    """Values 0 … 100: the 5th–95th percentile spread is 90, so the step is 1, the levels are
    10, 20 … 90 and the hysteresis 4.5."""
    values = list(range(101))
    levels, hysteresis = candidate_levels(numeric([float(v) for v in values], values))
    assert levels == (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
    assert hysteresis == pytest.approx(4.5)


def test_candidate_levels_round_to_the_spread_and_dedupe() -> None:
    """Humidity 40 … 60 in steps of 0.1 (spread 18, step 0.1 → levels on tenths); a sensor that
    mostly reads one value gives few distinct levels."""
    values = np.round(np.arange(400, 601) / 10, 1)
    levels, hysteresis = candidate_levels(numeric(list(map(float, range(201))), values.tolist()))
    assert levels == pytest.approx((42.0, 44.0, 46.0, 48.0, 50.0, 52.0, 54.0, 56.0, 58.0))
    assert hysteresis == pytest.approx(0.9)
    flat = [50.0] * 90 + [40.0 + i for i in range(20)]
    levels, _ = candidate_levels(numeric(list(map(float, range(110))), flat))
    assert levels == (50.0,)


def test_candidate_levels_need_ten_values_and_a_spread() -> None:
    """Fewer than ten numbers, or all equal: no levels."""
    assert candidate_levels(numeric(list(map(float, range(9))), list(range(9)))) == ((), 0.0)
    assert candidate_levels(numeric(list(map(float, range(20))), [5] * 20)) == ((), 0.0)


def test_value_and_state_at_times() -> None:
    """The value / state held at a time; before the first row NaN / None."""
    rows = history([(10.0, "20", DEVICE), (20.0, "unavailable", DEVICE), (30.0, "25", DEVICE)])
    held = value_at(rows, np.array([5.0, 10.0, 25.0, 40.0]))
    assert np.isnan(held[0])
    assert held[1:].tolist() == [20.0, 20.0, 25.0]
    assert state_at(rows, np.array([5.0, 10.0, 25.0])) == [None, "20", "unavailable"]


@st.composite
def _series(draw: st.DrawFn) -> tuple[list[float], float, float, bool]:
    size = draw(st.integers(min_value=0, max_value=60))
    values = draw(
        st.lists(
            st.one_of(
                st.floats(min_value=0, max_value=20, allow_nan=False),
                st.sampled_from([9.5, 10.0, 10.5, float("nan")]),
            ),
            min_size=size,
            max_size=size,
        )
    )
    level = draw(st.sampled_from([8.0, 10.0, 12.0]))
    hysteresis = draw(st.sampled_from([0.0, 0.5, 1.0, 3.0]))
    return values, level, hysteresis, draw(st.booleans())


@given(_series())
def test_crossings_never_fire_twice_without_a_re_arm(
    series: tuple[list[float], float, float, bool],
) -> None:
    """Between two onsets there is always a re-arming row, and before the first one too; each
    onset row is past the level."""
    values, level, hysteresis, above = series
    times = np.arange(len(values), dtype=np.float64)
    history_ = StateHistory(
        timestamps=times,
        values=np.asarray(values, dtype=np.float64),
        codes=np.zeros(len(values), dtype=np.int32),
        vocabulary=["x"],
        origins=np.zeros(len(values), dtype=np.int8),
    )
    found = crossing_onsets(history_, level, above=above, hysteresis=hysteresis, window_end=1e9)
    series_ = np.asarray(values, dtype=np.float64)

    def re_arms(lo: float, hi: float) -> bool:
        window = series_[(times > lo) & (times < hi)]
        window = window[np.isfinite(window)]
        armed = window <= level - hysteresis if above else window >= level + hysteresis
        return bool(armed.any())

    onsets = found.times.tolist()
    for at in onsets:
        value = series_[int(at)]
        assert value > level if above else value < level
    for before, after in zip([-1.0, *onsets], onsets, strict=False):
        assert re_arms(before, after), (before, after)
    assert all(end >= at for at, end in zip(onsets, found.ends.tolist(), strict=True))
