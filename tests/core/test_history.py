"""Tests for packing state rows into histories."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st
import numpy as np

from custom_components.homeiq.core.home import Origin, StateHistory
from custom_components.homeiq.core.home.history import pack_rows, parse_numeric


@given(st.text())
def test_parse_numeric_never_raises(state: str) -> None:
    """Any state string parses to a finite float or NaN."""
    value = parse_numeric(state)
    assert math.isnan(value) or math.isfinite(value)


def test_parse_numeric_values() -> None:
    """Numbers parse; unknown, unavailable, empty, inf and nan do not."""
    assert parse_numeric("21.5") == 21.5
    assert parse_numeric(" -3 ") == -3.0
    for state in ("unknown", "unavailable", "", "on", "inf", "nan", "1e999"):
        assert math.isnan(parse_numeric(state))


def test_builder_packs_rows() -> None:
    """Rows become aligned arrays with a vocabulary of the raw states."""
    history = pack_rows(
        [10.0, 20.0, 30.0, 40.0],
        ["off", "on", "off", "unavailable"],
        [Origin.DEVICE, Origin.USER, Origin.AUTOMATION, Origin.UNKNOWN],
    )
    assert len(history) == 4
    assert history.timestamps.tolist() == [10.0, 20.0, 30.0, 40.0]
    assert history.vocabulary == ["off", "on", "unavailable"]
    assert history.codes.tolist() == [0, 1, 0, 2]
    assert history.states() == ["off", "on", "off", "unavailable"]
    assert history.origins.tolist() == [1, 2, 3, 0]
    assert np.isnan(history.values).all()


def test_empty_history() -> None:
    """An empty history has zero rows and typed arrays."""
    history = StateHistory.empty()
    assert len(history) == 0
    assert history.timestamps.dtype == np.float64
    assert pack_rows([], [], []).codes.dtype == np.int32
