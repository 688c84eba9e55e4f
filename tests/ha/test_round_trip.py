"""A generated home written into Home Assistant comes back through the adapter unchanged."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import numpy as np
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.homeiq.core.home import Home, Origin
from custom_components.homeiq.home.reader import HomeReader
from tools.generate import automation_configs
from tools.synthetic import generate_home

START = 1_795_000_000.0


def _register(hass: HomeAssistant, home: Home) -> dict[str, str]:
    """Create the home's floors, areas, devices and entities; return synthetic → HA area ids."""
    floors = fr.async_get(hass)
    areas = ar.async_get(hass)
    area_ids: dict[str, str] = {}
    floor_ids: dict[str, str] = {}
    for area in home.areas.values():
        if area.floor_id and area.floor_id not in floor_ids:
            floor_ids[area.floor_id] = floors.async_create(
                f"Floor {area.floor_id}", level=area.floor_level
            ).floor_id
        area_ids[area.area_id] = areas.async_create(
            area.name, floor_id=floor_ids.get(area.floor_id or "")
        ).id
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    devices = dr.async_get(hass)
    device_ids: dict[str, str] = {}
    for device in home.devices.values():
        created = devices.async_get_or_create(
            config_entry_id=source.entry_id,
            identifiers={("test", device.device_id)},
            name=device.name,
            manufacturer=device.manufacturer,
            model=device.model,
        )
        if device.area_id:
            devices.async_update_device(created.id, area_id=area_ids[device.area_id])
        device_ids[device.device_id] = created.id
    entities = er.async_get(hass)
    for entity in home.entities.values():
        domain, _, object_id = entity.entity_id.partition(".")
        entities.async_get_or_create(
            domain,
            "test",
            entity.entity_id,
            suggested_object_id=object_id,
            device_id=device_ids.get(entity.device_id or ""),
            original_device_class=entity.device_class,
            unit_of_measurement=entity.unit,
            original_name=entity.name,
            disabled_by=None if entity.enabled else er.RegistryEntryDisabler.USER,
        )
    return area_ids


def _context(origin: int) -> Context:
    if origin == Origin.USER:
        return Context(user_id="5eed0000000000000000000000000001")
    if origin == Origin.AUTOMATION:
        return Context(parent_id="01JABCDEFGHJKMNPQRSTVWXYZ0")
    return Context()


async def test_generated_home_round_trip(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """States, timestamps, origins, areas and automations survive the trip exactly."""
    source = generate_home(3, target_entities=25, days=2, start_ts=START).home
    area_ids = _register(hass, source)
    assert await async_setup_component(
        hass, "automation", {"automation": automation_configs(source)}
    )

    rows = sorted(
        (ts, entity_id, state, origin)
        for entity_id, history in source.histories.items()
        if source.entities[entity_id].enabled
        for ts, state, origin in zip(
            history.timestamps.tolist(), history.states(), history.origins.tolist(), strict=True
        )
    )
    assert len(rows) > 1000
    for ts, entity_id, state, origin in rows:
        freezer.move_to(dt_util.utc_from_timestamp(ts))
        hass.states.async_set(entity_id, state, context=_context(origin))
    await async_wait_recording_done(hass)
    # Set up after the history is written, so that no automation fires while writing it;
    # the services they name exist (and do nothing) in case one is triggered.
    for automation in source.automations:
        for service in automation.action_services:
            domain, _, name = service.partition(".")
            hass.services.async_register(domain, name, lambda call: None)
    assert await async_setup_component(
        hass, "automation", {"automation": automation_configs(source)}
    )

    assert source.window_end is not None
    now = source.window_end + 3600
    freezer.move_to(dt_util.utc_from_timestamp(now))
    reader = HomeReader(hass)
    await reader.async_load()
    home, report = await reader.async_read(now, 30)

    assert report.new_rows == len(rows)
    recorded = {
        e for e, entity in source.entities.items() if entity.enabled and e in source.histories
    }
    assert set(home.histories) == recorded
    for entity_id in recorded:
        expected, got = source.histories[entity_id], home.histories[entity_id]
        assert got.timestamps.tolist() == expected.timestamps.tolist(), entity_id
        assert got.states() == expected.states(), entity_id
        # The generator's start-of-window rows have no known origin; with no context they
        # read back as the device's own.
        origins = np.where(expected.origins == Origin.UNKNOWN, Origin.DEVICE, expected.origins)
        assert got.origins.tolist() == origins.tolist(), entity_id
        np.testing.assert_array_equal(got.values, expected.values)

    for entity_id, entity in source.entities.items():
        assert home.entities[entity_id].area_id == (
            area_ids[entity.area_id] if entity.area_id else None
        ), entity_id
        assert home.entities[entity_id].enabled == entity.enabled
    assert {a.name for a in home.areas.values()} == {a.name for a in source.areas.values()}
    assert sorted(home.automations, key=lambda a: a.automation_id) == sorted(
        source.automations, key=lambda a: a.automation_id
    )
