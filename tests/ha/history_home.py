"""The home of ``test_devices`` recorded for tests that need a run with results.

Three devices (a battery motion sensor, a thermometer and a plug) with 12 days of history
in the recorder, a night burst of motion on the last day; the clock ends on day 12, 03:30.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.ha.test_devices import DAYS, _register, _rows

ATTRIBUTES = {
    "sensor.hall_battery": {"unit_of_measurement": "%", "device_class": "battery"},
    "sensor.living_temperature": {"unit_of_measurement": "°C"},
}


async def async_record_home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> dict[str, str]:
    """Register the home and write its history; return its device ids by key.

    Set HomeIQ up afterwards: waiting for the recorder fires due timers, and a nightly run
    would otherwise start part-way through the writing.
    """
    start = datetime(2026, 11, 1, tzinfo=dt_util.get_default_time_zone())
    freezer.move_to(start - timedelta(minutes=5))
    ids = _register(hass)
    for at, entity_id, state in _rows(start):
        freezer.move_to(at)
        hass.states.async_set(entity_id, state, ATTRIBUTES.get(entity_id), context=Context())
    await async_wait_recording_done(hass)
    freezer.move_to(start + timedelta(days=DAYS, hours=3, minutes=30))
    return ids
