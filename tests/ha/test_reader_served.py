"""A month of history written through the real recorder and read night by night.

The history the reader serves must be the kind the models learn from: steady sensors and
batteries row for row (so the stuck verdict and the outage reasons are those of the raw
rows), and a power sensor's summarised weeks without invented changes or lost outages.
"""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import numpy as np
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.homeiq.core.anomaly import StuckValueDetector
from custom_components.homeiq.core.failure import device_failure_features, risk_reasons
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.time import DAY
from custom_components.homeiq.home.reader import HomeReader
from tests.core.test_store_served import (
    BATTERY,
    GONE,
    LIGHT,
    NOW,
    POWER,
    READS,
    T0,
    Rows,
    as_history,
    assert_equal,
    battery_rows,
    light_rows,
    power_rows,
)

ATTRIBUTES = {
    LIGHT: {"device_class": "illuminance", "unit_of_measurement": "lx"},
    BATTERY: {"device_class": "battery", "unit_of_measurement": "%"},
    GONE: {"device_class": "battery", "unit_of_measurement": "%"},
    POWER: {"device_class": "power", "unit_of_measurement": "W"},
}


def _register(hass: HomeAssistant) -> None:
    """Each sensor on its own device, as a home's sensors are."""
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    for entity_id in ATTRIBUTES:
        object_id = entity_id.partition(".")[2]
        device = devices.async_get_or_create(
            config_entry_id=source.entry_id, identifiers={("test", object_id)}, name=object_id
        )
        entities.async_get_or_create(
            "sensor", "test", object_id, suggested_object_id=object_id, device_id=device.id
        )


async def test_a_month_read_night_by_night_serves_what_models_learn_from(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Eleven reads over 30 days of recorder rows; the last read's month is compared with
    the rows written."""
    _register(hass)
    rng = np.random.default_rng(11)
    rows: dict[str, Rows] = {
        LIGHT: light_rows(rng),
        BATTERY: battery_rows(rng, (NOW - 20 * DAY, NOW - 20 * DAY + 30 * 3600)),
        GONE: battery_rows(rng, (NOW - 16 * DAY, None)),
        POWER: power_rows(rng, step=(300, 1200)),
    }
    written = sorted((t, entity_id, state) for entity_id, r in rows.items() for t, state in r)
    reader = HomeReader(hass)
    await reader.async_load()
    previous = -np.inf
    home: Home | None = None
    for at in READS:
        for t, entity_id, state in written:
            if previous < t <= at:
                freezer.move_to(datetime.fromtimestamp(t, UTC))
                hass.states.async_set(entity_id, state, ATTRIBUTES[entity_id])
        await async_wait_recording_done(hass)
        freezer.move_to(datetime.fromtimestamp(at, UTC))
        home, _ = await reader.async_read(at, 30)
        previous = at
    assert home is not None

    # Steady sensor and batteries: row for row, the whole month, through the saved store.
    assert reader.store.kept_raw == {LIGHT, BATTERY, GONE}
    for entity_id in (LIGHT, BATTERY, GONE):
        assert_equal(home.histories[entity_id], as_history(rows[entity_id]))

    # The stuck light sensor: the verdict of the raw rows.
    light, raw_light = home.histories[LIGHT], as_history(rows[LIGHT])
    detector = StuckValueDetector().fit(light, T0, NOW - 3 * DAY)
    on_raw = StuckValueDetector().fit(raw_light, T0, NOW - 3 * DAY)
    assert detector.limit == on_raw.limit
    verdict = detector.judge(light, NOW - DAY)
    assert verdict == on_raw.judge(raw_light, NOW - DAY)
    assert verdict.anomalous

    # The batteries' devices: the failure features and reasons of the raw rows.
    raw_home = Home(
        devices=home.devices,
        entities=home.entities,
        histories={e: as_history(r) for e, r in rows.items()},
        window_start=home.window_start,
        window_end=home.window_end,
    )
    for entity_id in (BATTERY, GONE):
        device = home.entities[entity_id].device_id
        assert device is not None
        for cut in (NOW, NOW - 19 * DAY):
            features = device_failure_features(home, device, cut)
            np.testing.assert_array_equal(features, device_failure_features(raw_home, device, cut))
            assert risk_reasons(features) == risk_reasons(
                device_failure_features(raw_home, device, cut)
            )
    gone = home.entities[GONE].device_id
    assert gone is not None
    assert risk_reasons(device_failure_features(home, gone, NOW))[0] == (
        "unavailable for the last 384 h"
    )

    # The power sensor: summarised before the last 14 days, each served row a real
    # (time, value) that changed, its unavailable rows in place.
    power = home.histories[POWER]
    assert POWER in reader.store.hourly
    raw_power = dict(rows[POWER])
    old = power.timestamps < NOW - 14 * DAY
    assert old.sum() < sum(1 for t in raw_power if t < NOW - 14 * DAY)
    states = power.states()
    for index in np.flatnonzero(old).tolist():
        reported = raw_power[float(power.timestamps[index])]  # a time the sensor reported
        if np.isfinite(power.values[index]):
            assert power.values[index] == float(reported)
        else:
            assert states[index] == reported
    assert (power.values[1:] != power.values[:-1]).all()
    assert [
        t for t, s in zip(power.timestamps.tolist(), states, strict=True) if s == "unavailable"
    ] == [t for t, s in rows[POWER] if s == "unavailable"]
