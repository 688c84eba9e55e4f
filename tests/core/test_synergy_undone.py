"""Implicit feedback: an automation's action undone by a person soon after it ran."""

from __future__ import annotations

from custom_components.homeiq.core.home import Home, Origin
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.synergy.feedback import Undone, undone_count

A, U, D = int(Origin.AUTOMATION), int(Origin.USER), int(Origin.DEVICE)


def _home(rows: list[tuple[float, str, int]]) -> Home:
    times, states, origins = zip(*rows, strict=True)
    return Home(histories={"light.hall": pack_rows(list(times), list(states), list(origins))})


def test_counts_runs_and_undos_after_since() -> None:
    """Runs: automation changes to the state after ``since``. Undone: the next row is a
    person's change to another state within 120 s."""
    home = _home(
        [
            (0.0, "on", A),  # before since: not counted
            (10.0, "off", U),
            (1000.0, "on", A),
            (1060.0, "off", U),  # undone after 60 s
            (2000.0, "on", A),
            (2200.0, "off", U),  # 200 s: too late
            (3000.0, "on", A),
            (3030.0, "off", A),  # the automation itself
            (4000.0, "on", U),  # a person's: not a run
            (4010.0, "off", U),
            (5000.0, "on", A),
            (5001.0, "off", D),  # the device
            (6000.0, "on", A),  # last row: no next
        ]
    )
    assert undone_count(home, "light.hall", "on", since=500.0) == Undone(runs=5, undone=1)
    assert undone_count(home, "light.hall", "on", since=0.0) == Undone(runs=6, undone=2)
    assert undone_count(home, "light.hall", "off", since=0.0).runs == 1
    assert undone_count(home, "light.other", "on", since=0.0) == Undone(0, 0)
    assert undone_count(home, "light.hall", "dim", since=0.0) == Undone(0, 0)


def test_against_needs_three_undos_and_thirty_percent() -> None:
    """At least 3 undone runs and at least 30 % of the runs."""
    assert Undone(runs=10, undone=3).against
    assert not Undone(runs=10, undone=2).against
    assert not Undone(runs=11, undone=3).against
    assert Undone(runs=3, undone=3).against
