"""Tests for local-time helpers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.time import (
    WEEKDAYS,
    fixed_offset_zone,
    local_hour_of_day,
    local_hours,
    local_weekday,
    utc_offsets,
    weekday_name,
)


def test_fixed_offset_zone() -> None:
    """Etc/GMT names flip the sign; fractional offsets have no such zone."""
    assert fixed_offset_zone(1.0) == "Etc/GMT-1"
    assert fixed_offset_zone(-8.0) == "Etc/GMT+8"
    assert fixed_offset_zone(0.0) == "Etc/GMT"
    with pytest.raises(ValueError, match=r"5\.5"):
        fixed_offset_zone(5.5)


def test_daylight_saving_is_followed() -> None:
    """Berlin is UTC+1 in winter and UTC+2 in summer."""
    winter = datetime(2026, 1, 15, 12, tzinfo=ZoneInfo("UTC")).timestamp()
    summer = datetime(2026, 7, 15, 12, tzinfo=ZoneInfo("UTC")).timestamp()
    assert utc_offsets([winter, summer], "Europe/Berlin").tolist() == [3600.0, 7200.0]
    assert local_hour_of_day([winter, summer], "Europe/Berlin").tolist() == [13.0, 14.0]


@given(
    st.floats(0, 2_000_000_000),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"]),
)
def test_matches_zoneinfo(ts: float, zone: str) -> None:
    """Hour of day and weekday agree with the standard library for any instant."""
    local = datetime.fromtimestamp(ts, ZoneInfo(zone))
    hour = local.hour + local.minute / 60 + (local.second + local.microsecond / 1e6) / 3600
    assert np.isclose(local_hour_of_day([ts], zone)[0], hour, atol=1e-6)
    assert local_weekday([ts], zone)[0] == local.weekday()
    assert local_hours(np.array([ts]), zone).tolist() == [local.hour]
    assert weekday_name(ts, zone) == WEEKDAYS[local.weekday()]


def test_offsets_keep_the_shape() -> None:
    """Offsets come back in the shape of the times (and empty for no times)."""
    times = np.full((2, 3), 1_767_225_600.0)
    assert utc_offsets(times, "Europe/Berlin").shape == (2, 3)
    assert utc_offsets([], "Europe/Berlin").size == 0
    assert local_hours(np.empty(0), "UTC").dtype == np.int64
