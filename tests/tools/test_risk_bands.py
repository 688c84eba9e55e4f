"""Tests for tools/risk_bands.py (the figures themselves are not asserted)."""

from __future__ import annotations

from tools.risk_bands import measure_risk_bands


def test_bands_partition_every_device_day() -> None:
    """Every judged device-day falls into exactly one band, with its failures."""
    result = measure_risk_bands(homes=4, seed=1029, days=30, dev_days=8)
    assert result["data"] == "synthetic"
    assert result["elevated_from"] == round(result["threshold"] / 4, 4)
    held_out = result["held_out_homes"]
    bands = held_out["bands"]
    assert list(bands) == ["low", "elevated", "high"]
    assert sum(b["device_days"] for b in bands.values()) == held_out["device_days"] > 0
    assert (
        sum(b["failed_within_7_days"] for b in bands.values())
        == (held_out["failures_within_7_days"])
    )
    assert 0.0 < held_out["share_at_floor"] <= 1.0
    dev = result["development_home"]
    assert sum(dev["bands"].values()) == dev["devices"] > 0
    assert dev["at_floor"] <= dev["devices"]
