"""Tests for the home-type feature builder."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import numpy as np

from custom_components.homeiq.core.history import pack_rows
from custom_components.homeiq.core.home import Area, Device, Entity, Home
from custom_components.homeiq.core.home_type import (
    FEATURE_NAMES,
    drop_entities,
    home_type_features,
)
from custom_components.homeiq.core.synthetic import generate_home

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _feature(row: np.ndarray, name: str) -> float:
    return float(row[FEATURE_NAMES.index(name)])


def test_features_of_a_small_cottage() -> None:
    """Named columns carry what the home has; night activity is measured in local time."""
    home = Home(
        areas={
            "a": Area("a", "Living Room", "f0", 0),
            "b": Area("b", "Garden"),
            "c": Area("c", "Bedroom", "f1", 1),
        },
        devices={"d": Device("d", "Stove", battery_powered=True), "e": Device("e", "Pump")},
        entities={
            "switch.wood_stove_fan": Entity("switch.wood_stove_fan", device_id="d"),
            "switch.well_pump": Entity("switch.well_pump", device_id="e"),
            "binary_sensor.hall_motion": Entity("binary_sensor.hall_motion", "motion"),
            "person.ann": Entity("person.ann"),
        },
        window_start=T0,
        window_end=T0 + 2 * 86_400,
        time_zone="Etc/GMT-2",  # UTC+2
    )
    # Motion at 23:00 and 01:00 UTC = 01:00 and 03:00 local: both at night.
    home.histories["binary_sensor.hall_motion"] = pack_rows(
        [T0 + 23 * 3600, T0 + 23 * 3600 + 60, T0 + 25 * 3600], ["on", "off", "on"], [1, 1, 2]
    )
    row = home_type_features(home)
    assert row.shape == (len(FEATURE_NAMES),)
    assert _feature(row, "areas") == 3
    assert _feature(row, "outdoor_areas") == 1
    assert _feature(row, "areas_garden") == 1
    assert _feature(row, "floors") == 2
    assert _feature(row, "floor_span") == 1
    assert _feature(row, "has_wood_stove") == 1
    assert _feature(row, "has_well") == 1
    assert _feature(row, "has_building") == 0
    assert _feature(row, "people") == 1
    assert _feature(row, "battery_share") == 0.5
    assert _feature(row, "motion_share_00_06") == 1.0
    assert _feature(row, "motion_events_per_day") == 1.0  # 2 'on' events over 2 days, 1 sensor
    assert _feature(row, "user_change_share") == 1 / 3


def test_empty_home_has_finite_features() -> None:
    """A home with nothing in it still gives a finite row."""
    row = home_type_features(Home())
    assert np.isfinite(row).all()


@settings(max_examples=15)
@given(st.integers(0, 10_000), st.floats(0.0, 0.9))
def test_dropping_entities(seed: int, fraction: float) -> None:
    """Dropping entities keeps areas, removes histories with them, and features stay finite."""
    home = generate_home(seed % 50, days=1).home
    dropped = drop_entities(home, fraction, np.random.default_rng(seed))
    assert set(dropped.entities) <= set(home.entities)
    assert set(dropped.histories) <= set(dropped.entities)
    assert dropped.areas == home.areas
    assert np.isfinite(home_type_features(dropped)).all()
    if fraction == 0.0:
        assert dropped.entities == home.entities
