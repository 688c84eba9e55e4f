"""Tests for reading the home from Home Assistant (registries, automations, recorder)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.homeiq.core.home import Origin
from custom_components.homeiq.home.reader import HomeReader

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC)
USER = Context(user_id="0123456789abcdef0123456789abcdef")


def automation_context() -> Context:
    """The context of a change caused by something else (an automation's service call)."""
    return Context(parent_id="01JABCDEFGHJKMNPQRSTVWXYZ0")


async def _write(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rows: list[tuple[float, str, str, Context | None, dict[str, Any] | None]],
) -> None:
    for offset, entity_id, state, context, attributes in rows:
        freezer.move_to(T0 + timedelta(seconds=offset))
        hass.states.async_set(entity_id, state, attributes, context=context or Context())
    await async_wait_recording_done(hass)


async def _read(
    hass: HomeAssistant, reader: HomeReader, freezer: FrozenDateTimeFactory, at: timedelta
) -> Any:
    freezer.move_to(T0 + at)
    return await reader.async_read((T0 + at).timestamp(), 30)


@pytest.fixture(autouse=True)
def devices_of_the_test_entities(hass: HomeAssistant) -> None:
    """``switch.fan``, ``sensor.temp`` and ``sensor.note`` belong to devices, as a home's
    switches and sensors do (a device-less one is read only when a model needs it)."""
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    for domain, key in (("switch", "fan"), ("sensor", "temp"), ("sensor", "note")):
        device = devices.async_get_or_create(
            config_entry_id=source.entry_id, identifiers={("test", key)}, name=key
        )
        entities.async_get_or_create(
            domain, "test", key, device_id=device.id, suggested_object_id=key
        )


@pytest.fixture
async def reader(hass: HomeAssistant) -> HomeReader:
    """A reader with an empty store in the test's configuration directory."""
    reader = HomeReader(hass)
    await reader.async_load()
    return reader


async def test_round_trip_states_times_origins(
    hass: HomeAssistant,
    small_home: dict[str, Any],
    reader: HomeReader,
    freezer: FrozenDateTimeFactory,
) -> None:
    """What was written to the recorder is read back exactly, with who did it."""
    rows = [
        (0.0, "binary_sensor.test_motion", "off", None, None),
        (0.0, "light.bedroom_lamp", "off", None, None),
        (10.25, "binary_sensor.test_motion", "on", None, None),
        (12.5, "light.bedroom_lamp", "on", automation_context(), None),
        (600.0, "light.bedroom_lamp", "off", USER, None),
        (601.0, "light.bedroom_lamp", "off", USER, {"brightness": 3}),  # attribute-only update
        (900.0, "sensor.test_motion_battery", "97", None, {"unit_of_measurement": "%"}),
    ]
    await _write(hass, freezer, rows)
    home, report = await _read(hass, reader, freezer, timedelta(hours=1))

    t0 = T0.timestamp()
    lamp = home.histories["light.bedroom_lamp"]
    assert lamp.timestamps.tolist() == [t0, t0 + 12.5, t0 + 600.0]
    assert lamp.states() == ["off", "on", "off"]
    assert lamp.origins.tolist() == [Origin.DEVICE, Origin.AUTOMATION, Origin.USER]
    motion = home.histories["binary_sensor.test_motion"]
    assert motion.states() == ["off", "on"]
    assert motion.timestamps.tolist() == [t0, t0 + 10.25]
    battery = home.histories["sensor.test_motion_battery"]
    assert battery.values.tolist() == [97.0]
    assert report.new_rows == 6  # the attribute-only update is not a state change

    # Structure: own area, area via the device, floors with their level.
    assert home.entities["light.bedroom_lamp"].area_id == small_home["bedroom"]
    assert home.entities["binary_sensor.test_motion"].area_id == small_home["kitchen"]
    assert home.entities["sensor.test_motion_battery"].device_id == small_home["motion"]
    assert home.entities["sensor.test_old"].enabled is False
    assert home.devices[small_home["motion"]].battery_powered is True
    assert home.devices[small_home["lamp"]].battery_powered is False
    levels = {a.name: a.floor_level for a in home.areas.values()}
    assert levels == {"Kitchen": 0, "Bedroom": 1, "Garden": None}
    # Nights, weekdays and routines are local: the home carries Home Assistant's zone.
    assert home.time_zone == hass.config.time_zone == "US/Pacific"


async def test_incremental_and_restart(
    hass: HomeAssistant, reader: HomeReader, freezer: FrozenDateTimeFactory
) -> None:
    """A second read only takes new rows; the store survives a restart and outlives the recorder."""
    await _write(
        hass, freezer, [(0, "switch.fan", "off", None, None), (30, "switch.fan", "on", None, None)]
    )
    _, first = await _read(hass, reader, freezer, timedelta(hours=1))
    assert first.new_rows == 2

    await _write(hass, freezer, [(7200, "switch.fan", "off", USER, None)])
    home, second = await _read(hass, reader, freezer, timedelta(hours=3))
    assert second.new_rows == 1
    assert second.read_from == first.read_to
    assert home.histories["switch.fan"].states() == ["off", "on", "off"]

    # Nothing new: nothing read.
    _, third = await _read(hass, reader, freezer, timedelta(hours=4))
    assert third.new_rows == 0

    # The recorder forgets everything; a new reader (a restart) still has the history.
    await hass.services.async_call("recorder", "purge", {"keep_days": 0}, blocking=True)
    await async_wait_recording_done(hass)
    restarted = HomeReader(hass)
    await restarted.async_load()
    assert restarted.store.watermark == reader.store.watermark
    home, after = await _read(hass, restarted, freezer, timedelta(hours=5))
    assert after.new_rows == 0
    assert home.histories["switch.fan"].states() == ["off", "on", "off"]
    assert home.histories["switch.fan"].origins.tolist() == [
        Origin.DEVICE,
        Origin.DEVICE,
        Origin.USER,
    ]


async def test_corrupt_store_starts_over(
    hass: HomeAssistant, reader: HomeReader, freezer: FrozenDateTimeFactory
) -> None:
    """A damaged store manifest is replaced; the reason is kept for diagnostics."""
    await _write(hass, freezer, [(0, "switch.fan", "off", None, None)])
    await _read(hass, reader, freezer, timedelta(hours=1))
    (reader.path / "manifest.json").write_bytes(b"not json")
    restarted = HomeReader(hass)
    await restarted.async_load()
    assert restarted.store.watermark is None
    assert restarted.store_reset_reason is not None
    home, report = await _read(hass, restarted, freezer, timedelta(hours=2))
    assert report.new_rows == 1  # read again from the recorder
    assert home.histories["switch.fan"].states() == ["off"]


@pytest.mark.parametrize("recorder_config", [{"exclude": {"entities": ["sensor.private"]}}])
async def test_bad_input(
    hass: HomeAssistant,
    small_home: dict[str, Any],
    reader: HomeReader,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Odd states, huge attributes, excluded and unrecorded entities: nothing crashes.

    What was skipped is counted.
    """
    huge = {"blob": "x" * 40_000, "unit_of_measurement": "°C"}
    rows = [
        (0, "sensor.temp", "20.5", None, {"unit_of_measurement": "°C"}),
        (1, "sensor.temp", "unknown", None, {"unit_of_measurement": "°C"}),
        (2, "sensor.temp", "unavailable", None, {"unit_of_measurement": "°C"}),
        (3, "sensor.temp", "warm", None, {"unit_of_measurement": "°C"}),
        (4, "sensor.temp", "21.5", None, huge),
        (5, "sensor.temp", "nan", None, {"unit_of_measurement": "°C"}),
        (6, "sensor.private", "secret", None, None),
        (7, "sensor.note", "", None, None),
        (8, "input_text.note", "hello", None, None),  # no model reads input_text
    ]
    await _write(hass, freezer, rows)
    home, report = await _read(hass, reader, freezer, timedelta(hours=1))

    temp = home.histories["sensor.temp"]
    assert temp.states() == ["20.5", "unknown", "unavailable", "warm", "21.5", "nan"]
    assert temp.values[[0, 4]].tolist() == [20.5, 21.5]
    assert reader.store.hourly["sensor.temp"].count.tolist() == [2]
    assert "sensor.private" not in home.histories  # excluded from the recorder
    assert "sensor.private" in home.entities
    assert "sensor.test_old" not in home.histories  # disabled: never recorded
    assert "input_text.note" in home.entities
    assert "input_text.note" not in home.histories  # not read
    assert reader.store.counters == {"empty_states": 1, "non_numeric_in_numeric": 2}
    # old (disabled), private (excluded), the two notes (empty state, not read) and four
    # quiet registry entities (three of small_home's, the fan)
    assert report.counts["entities_without_history"] == 8
    assert report.counts["entities_without_area"] == 6  # old, temp, private, notes, fan


async def test_renamed_and_deleted_entities(
    hass: HomeAssistant,
    small_home: dict[str, Any],
    reader: HomeReader,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a rename the history follows the new id; a deleted entity's history is dropped."""
    unsub = reader.async_track_registry()
    await _write(
        hass,
        freezer,
        [
            (0, "light.bedroom_lamp", "on", USER, None),
            (5, "binary_sensor.test_motion", "on", None, None),
        ],
    )
    await _read(hass, reader, freezer, timedelta(hours=1))

    registry = er.async_get(hass)
    registry.async_update_entity("light.bedroom_lamp", new_entity_id="light.reading_lamp")
    registry.async_remove("binary_sensor.test_motion")
    await hass.async_block_till_done()
    await _write(hass, freezer, [(7200, "light.reading_lamp", "off", None, None)])
    home, _ = await _read(hass, reader, freezer, timedelta(hours=3))
    unsub()

    assert "light.bedroom_lamp" not in home.histories
    lamp = home.histories["light.reading_lamp"]
    assert lamp.states() == ["on", "off"]
    assert lamp.origins.tolist() == [Origin.USER, Origin.DEVICE]
    assert "binary_sensor.test_motion" not in home.histories
    assert reader.store.counters["renamed_entities"] == 1
    assert reader.store.counters["deleted_entities"] == 1


async def test_automations_are_reduced(hass: HomeAssistant, reader: HomeReader) -> None:
    """The home's automations become trigger → action entities, with their enabled state."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": "motion_light",
                    "alias": "Motion light",
                    "triggers": [
                        {"trigger": "state", "entity_id": "binary_sensor.hall", "to": "on"}
                    ],
                    "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
                },
                {
                    "id": "lock_at_night",
                    "alias": "Lock at night",
                    "initial_state": False,
                    "triggers": [{"trigger": "time", "at": "23:00:00"}],
                    "actions": [
                        {"action": "lock.lock", "target": {"entity_id": "lock.front_door"}}
                    ],
                },
            ]
        },
    )
    await hass.async_block_till_done()
    home, _ = await reader.async_read(dt_util.utcnow().timestamp(), 30)
    by_id = {a.automation_id: a for a in home.automations}
    assert set(by_id) == {"motion_light", "lock_at_night"}
    assert by_id["motion_light"].enabled is True
    assert by_id["motion_light"].trigger_entities == ("binary_sensor.hall",)
    assert by_id["motion_light"].action_entities == ("light.hall",)
    assert by_id["motion_light"].action_services == ("light.turn_on",)
    assert by_id["lock_at_night"].enabled is False
    assert by_id["lock_at_night"].trigger_entities == ()
    assert by_id["lock_at_night"].action_entities == ("lock.front_door",)


async def test_device_class_and_unit_of_every_kind_of_entity(
    hass: HomeAssistant, reader: HomeReader
) -> None:
    """Device class: the user's, else the entity's own, else the state's; unit: the state's
    (what the recorded values are in), else the registry's.

    Real template sensors: one with a unique id (a registry entry, its own device class and
    unit) and one without (no registry entry: only its state says what it is); plus
    registry entries made the way integrations make them.
    """
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "sensor": [
                        {
                            "name": "Garden temperature",
                            "unique_id": "garden_temperature",
                            "state": "20",
                            "device_class": "temperature",
                            "unit_of_measurement": "°C",
                        },
                        {
                            "name": "Attic humidity",
                            "state": "55",
                            "device_class": "humidity",
                            "unit_of_measurement": "%",
                        },
                    ],
                    "binary_sensor": [
                        {"name": "Hall motion", "state": "off", "device_class": "motion"}
                    ],
                }
            ]
        },
    )
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    assert registry.async_get("sensor.garden_temperature") is not None
    assert registry.async_get("sensor.attic_humidity") is None
    # The user shows the garden in °F and overrides its device class.
    registry.async_update_entity_options(
        "sensor.garden_temperature", "sensor", {"unit_of_measurement": "°F"}
    )
    await hass.async_block_till_done()
    garden_state = hass.states.get("sensor.garden_temperature")
    assert (garden_state.state, garden_state.attributes["unit_of_measurement"]) == ("68.0", "°F")
    assert registry.async_get("sensor.garden_temperature").unit_of_measurement == "°C"
    registry.async_update_entity("sensor.garden_temperature", device_class="pressure")
    # Registered, with the device class and unit only in its state (what the development
    # home's entities were before they registered theirs).
    registry.async_get_or_create("sensor", "test", "cellar", suggested_object_id="cellar")
    hass.states.async_set(
        "sensor.cellar", "12.5", {"device_class": "temperature", "unit_of_measurement": "°C"}
    )
    # Registered, not loaded (no state): the registry is all there is.
    registry.async_get_or_create(
        "sensor",
        "test",
        "porch",
        suggested_object_id="porch",
        original_device_class="illuminance",
        unit_of_measurement="lx",
    )
    await hass.async_block_till_done()

    home, _ = await reader.async_read(dt_util.utcnow().timestamp(), 30)
    found = {
        entity_id: (home.entities[entity_id].device_class, home.entities[entity_id].unit)
        for entity_id in (
            "sensor.garden_temperature",
            "sensor.attic_humidity",
            "binary_sensor.hall_motion",
            "sensor.cellar",
            "sensor.porch",
        )
    }
    assert found == {
        "sensor.garden_temperature": ("pressure", "°F"),  # user's class; the state's unit
        "sensor.attic_humidity": ("humidity", "%"),  # no registry entry: the state's
        "binary_sensor.hall_motion": ("motion", None),
        "sensor.cellar": ("temperature", "°C"),  # registered without: the state's
        "sensor.porch": ("illuminance", "lx"),  # no state: the registry's
    }
    assert home.entities["sensor.attic_humidity"].name == "Attic humidity"
