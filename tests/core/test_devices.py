"""Device reports: what the battery entity shows for a battery that is not running down."""

from __future__ import annotations

import numpy as np

from custom_components.homeiq.core.battery import forecast_battery
from custom_components.homeiq.core.devices import battery_report
from custom_components.homeiq.core.home import Device, Entity, Home, Origin
from custom_components.homeiq.core.home.history import pack_rows

T0 = 1_795_000_000.0
HOUR = 3600.0


def _home(levels: list[float]) -> Home:
    """A home with one device and its battery sensor reporting ``levels`` hourly."""
    times = [T0 + n * HOUR for n in range(len(levels))]
    return Home(
        devices={"d": Device("d", "Door", battery_powered=True)},
        entities={
            "sensor.door_battery": Entity(
                "sensor.door_battery", device_class="battery", unit="%", device_id="d"
            )
        },
        histories={
            "sensor.door_battery": pack_rows(
                times, [f"{v:g}" for v in levels], [int(Origin.DEVICE)] * len(levels)
            )
        },
    )


def test_a_battery_that_is_not_draining_has_no_date_and_no_range() -> None:
    """A level that wobbles around 60 % (seeded noise, no drain) gives no days left and no
    range, although some of the sampled fits drain (the forecast's own 10 % bound is 72
    days: shown, it read as "empty in 72 days at the earliest" next to "not draining")."""
    rng = np.random.default_rng(0)
    rng.uniform(-2, 2, 2)
    rng.normal(0, 1, 72)  # the draws of a first, discarded trial
    slope, noise = rng.uniform(-2, 2), rng.uniform(0, 1.5)
    levels = np.round(60 + slope * np.arange(72) / 24 + rng.normal(0, noise, 72), 1)
    home = _home([float(v) for v in levels])
    forecast = forecast_battery(home.histories["sensor.door_battery"], T0 + 71 * HOUR)
    assert forecast is not None
    assert forecast.days_to_empty is None
    assert forecast.days_low is not None  # what the report must not show
    report = battery_report(home, "d", T0 + 71 * HOUR)
    assert report is not None
    assert (report.days_left, report.days_low, report.days_high) == (None, None, None)


def test_a_draining_battery_has_a_date_inside_its_range() -> None:
    """A battery losing 2 % a day from 40 % is empty in about 19 days, inside its range."""
    levels = [40.0 - 2.0 * n / 24 for n in range(72)]
    report = battery_report(_home(levels), "d", T0 + 71 * HOUR)
    assert report is not None
    assert report.days_left is not None
    assert abs(report.days_left - 34.1 / 2.0) < 1.0
    assert report.days_low is not None
    assert report.days_low <= report.days_left
