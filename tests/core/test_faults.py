"""Faults put into a copy of a history: exact rows, the original untouched."""

from __future__ import annotations

from hypothesis import given, strategies as st
import numpy as np

from custom_components.homeiq.core.anomaly.faults import (
    window,
    with_level_shift,
    with_night_burst,
    with_stuck,
)
from custom_components.homeiq.core.home import Origin, StateHistory
from custom_components.homeiq.core.home.history import pack_rows

DAY = 86_400.0
HOUR = 3_600.0
T0 = 1_790_000_000.0


def _temperature(times: list[float], values: list[float]) -> StateHistory:
    return pack_rows(times, [f"{v:g}" for v in values], [int(Origin.DEVICE)] * len(times))


def test_night_burst_adds_on_off_pairs_from_the_first_hour() -> None:
    """Three activations 20 minutes apart from 01:00, each off a minute later."""
    history = pack_rows([T0 + 8 * HOUR, T0 + 8 * HOUR + 60], ["on", "off"], [1, 1])
    burst = with_night_burst(history, T0, events=3)
    assert burst.timestamps.tolist() == [
        T0 + HOUR,
        T0 + HOUR + 60,
        T0 + HOUR + 1200,
        T0 + HOUR + 1260,
        T0 + HOUR + 2400,
        T0 + HOUR + 2460,
        T0 + 8 * HOUR,
        T0 + 8 * HOUR + 60,
    ]
    assert burst.states() == ["on", "off"] * 4
    assert len(history) == 2  # the original is a different object, unchanged


def test_night_burst_on_a_door_adds_the_states_it_lacks() -> None:
    """A door reads open / closed: the burst uses the states it is given."""
    history = pack_rows([T0], ["closed"], [1])
    burst = with_night_burst(history, T0, events=1, active="open", idle="closed")
    assert burst.states() == ["closed", "open", "closed"]
    assert burst.vocabulary == ["closed", "open"]
    assert burst.origins.tolist() == [int(Origin.DEVICE)] * 3


def test_stuck_removes_the_readings_of_the_day_only() -> None:
    times = [T0 - HOUR, T0 + HOUR, T0 + 5 * HOUR, T0 + DAY + HOUR]
    stuck = with_stuck(_temperature(times, [20.0, 21.0, 22.0, 23.0]), T0, T0 + DAY)
    assert stuck.timestamps.tolist() == [T0 - HOUR, T0 + DAY + HOUR]
    assert stuck.values.tolist() == [20.0, 23.0]
    assert stuck.states() == ["20", "23"]


def test_level_shift_moves_values_and_states_and_starts_at_midnight() -> None:
    times = [T0 - HOUR, T0 + HOUR, T0 + 5 * HOUR, T0 + DAY + HOUR]
    history = _temperature(times, [20.0, 21.0, 21.5, 23.0])
    shifted = with_level_shift(history, T0, T0 + DAY, 4.5)
    assert shifted.timestamps.tolist() == [T0 - HOUR, T0, T0 + HOUR, T0 + 5 * HOUR, T0 + DAY + HOUR]
    assert shifted.values.tolist() == [20.0, 24.5, 25.5, 26.0, 23.0]
    assert shifted.states() == ["20", "24.5", "25.5", "26", "23"]
    assert history.values.tolist() == [20.0, 21.0, 21.5, 23.0]


def test_level_shift_leaves_unavailable_rows_alone() -> None:
    history = pack_rows([T0 + HOUR, T0 + 2 * HOUR], ["unavailable", "20.5"], [1, 1])
    shifted = with_level_shift(history, T0, T0 + DAY, 1.0)
    assert shifted.states() == ["unavailable", "21.5"]
    assert np.isnan(shifted.values[0])


def test_window_keeps_the_state_held_at_its_start() -> None:
    times = [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]
    cut = window(_temperature(times, [1.0, 2.0, 3.0, 4.0]), T0 + 1.5 * HOUR, T0 + 3 * HOUR)
    assert cut.timestamps.tolist() == [T0 + HOUR, T0 + 2 * HOUR]
    assert cut.states() == ["2", "3"]


@given(
    st.lists(st.floats(0, 3 * DAY), min_size=0, max_size=40),
    st.floats(-50, 50, allow_nan=False),
)
def test_faults_keep_histories_sorted_and_consistent(offsets: list[float], shift: float) -> None:
    """Whatever the history, a faulted copy is in time order with codes that name its values."""
    times = sorted(T0 + o for o in offsets)
    history = _temperature(times, [float(i % 7) for i in range(len(times))])
    for faulty in (
        with_stuck(history, T0 + DAY, T0 + 2 * DAY),
        with_level_shift(history, T0 + DAY, T0 + 2 * DAY, shift),
        with_night_burst(history, T0 + DAY, events=2),
    ):
        assert (np.diff(faulty.timestamps) >= 0).all()
        parsed = [float(s) if s not in ("on", "off") else np.nan for s in faulty.states()]
        assert np.allclose(faulty.values, parsed, equal_nan=True, rtol=1e-5)
        assert len(faulty.origins) == len(faulty) == len(faulty.codes) == len(faulty.values)
