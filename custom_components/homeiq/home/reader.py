"""Read the home from Home Assistant's registries and the recorder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.recorder import history
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.helpers.recorder import get_instance

from ..const import DOMAIN
from ..core.history import HistoryBuilder
from ..core.home import Area, Automation, Device, Entity, Home, StateHistory

HISTORY_CHUNK = timedelta(days=1)


def build_home_structure(hass: HomeAssistant) -> Home:
    """Build areas, devices, entities and automations from the registries (event loop)."""
    floors = fr.async_get(hass)
    areas = {
        area.id: Area(
            area_id=area.id,
            name=area.name,
            floor_id=area.floor_id,
            floor_level=(
                floor.level
                if area.floor_id and (floor := floors.async_get_floor(area.floor_id))
                else None
            ),
        )
        for area in ar.async_get(hass).async_list_areas()
    }
    ent_reg = er.async_get(hass)
    battery_devices = {
        entry.device_id
        for entry in ent_reg.entities.values()
        if entry.device_id and (entry.device_class or entry.original_device_class) == "battery"
    }
    devices = {
        device.id: Device(
            device_id=device.id,
            name=device.name_by_user or device.name or device.id,
            manufacturer=device.manufacturer,
            model=device.model,
            area_id=device.area_id,
            battery_powered=device.id in battery_devices,
        )
        for device in dr.async_get(hass).devices
        if device.entry_type is not dr.DeviceEntryType.SERVICE
    }
    entities: dict[str, Entity] = {}
    own = {entry.entity_id for entry in ent_reg.entities.values() if entry.platform == DOMAIN}
    for entry in ent_reg.entities.values():
        if entry.entity_id in own:
            continue
        device = devices.get(entry.device_id) if entry.device_id else None
        entities[entry.entity_id] = Entity(
            entity_id=entry.entity_id,
            device_class=entry.device_class or entry.original_device_class,
            unit=entry.unit_of_measurement,
            area_id=entry.area_id or (device.area_id if device else None),
            device_id=entry.device_id if device else None,
            name=entry.name or entry.original_name,
            enabled=entry.disabled_by is None,
        )
    for state in hass.states.async_all():
        if state.entity_id not in entities and state.entity_id not in own:
            entities[state.entity_id] = Entity(
                entity_id=state.entity_id,
                device_class=state.attributes.get("device_class"),
                unit=state.attributes.get("unit_of_measurement"),
                name=state.attributes.get("friendly_name"),
            )
    automations = [
        Automation(
            automation_id=state.attributes.get("id") or state.entity_id,
            name=state.name,
            enabled=state.state == "on",
        )
        for state in hass.states.async_all("automation")
    ]
    return Home(areas=areas, devices=devices, entities=entities, automations=automations)


def read_histories(
    hass: HomeAssistant, entity_ids: list[str], start: datetime, end: datetime
) -> dict[str, StateHistory]:
    """Read state changes in [start, end) through the recorder history API, a day at a time.

    Runs in the recorder's executor.
    """
    builders: dict[str, HistoryBuilder] = {}
    chunk_start = start
    while chunk_start < end:
        chunk_end = min(chunk_start + HISTORY_CHUNK, end)
        rows: dict[str, list[Any]] = history.get_significant_states(
            hass,
            chunk_start,
            chunk_end,
            entity_ids,
            include_start_time_state=False,
            significant_changes_only=False,
            minimal_response=True,
            no_attributes=True,
            compressed_state_format=True,
        )
        for entity_id, states in rows.items():
            builder = builders.setdefault(entity_id, HistoryBuilder())
            for row in states:
                builder.append(float(row["lu"]), str(row["s"]))
        chunk_start = chunk_end
    return {entity_id: builder.build() for entity_id, builder in builders.items()}


async def async_read_home(hass: HomeAssistant, start: datetime, end: datetime) -> Home:
    """Read the home's structure and the history of [start, end)."""
    home = build_home_structure(hass)
    entity_ids = sorted(home.entities)
    if entity_ids:
        home.histories = await get_instance(hass).async_add_executor_job(
            read_histories, hass, entity_ids, start, end
        )
    home.window_start = start.timestamp()
    home.window_end = end.timestamp()
    return home
