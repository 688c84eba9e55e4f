"""HomeIQ synthetic home — a development-only integration for scripts/develop.

``scripts/generate ha-config`` writes a synthetic home (HomeIQ's corpus format) and its
history (the recorder database) into a configuration folder, links this integration into
``custom_components`` and adds ``homeiq_sim:`` to ``configuration.yaml``. At start the
YAML is imported into a config entry whose setup creates the home's floors, areas, devices
and entities through Home Assistant's own registries; each entity shows the last state of
its generated history. It never changes states afterwards.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    config_validation as cv,
    device_registry as dr,
    floor_registry as fr,
)
from homeassistant.helpers.typing import ConfigType
import probatio

from tools.homefile import load_home
from tools.synthetic import SyntheticHome

DOMAIN = "homeiq_sim"
CONF_HOME = "home"
PLATFORMS = [
    Platform.ALARM_CONTROL_PANEL,
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.COVER,
    Platform.FAN,
    Platform.LIGHT,
    Platform.LOCK,
    Platform.MEDIA_PLAYER,
    Platform.SENSOR,
    Platform.SIREN,
    Platform.SWITCH,
    Platform.VALVE,
]

CONFIG_SCHEMA = probatio.Schema(
    {DOMAIN: probatio.Schema({probatio.Required(CONF_HOME): cv.string})},
    extra=probatio.ALLOW_EXTRA,
)

type SimConfigEntry = ConfigEntry[SyntheticHome]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Import the YAML configuration into a config entry."""
    if DOMAIN in config:
        hass.async_create_task(
            hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_IMPORT}, data=dict(config[DOMAIN])
            )
        )
    return True


def _build_registries(hass: HomeAssistant, entry: SimConfigEntry) -> dict[str, str]:
    """Create floors, areas and devices; return the map of synthetic area id → area id."""
    home = entry.runtime_data.home
    floors = fr.async_get(hass)
    areas = ar.async_get(hass)
    floor_ids: dict[str, str] = {}
    area_ids: dict[str, str] = {}
    for area in home.areas.values():
        floor_id = None
        if area.floor_id is not None:
            if area.floor_id not in floor_ids:
                level = area.floor_level
                name = f"Floor {level}" if level is not None else area.floor_id
                found = floors.async_get_floor_by_name(name) or floors.async_create(
                    name, level=area.floor_level
                )
                floor_ids[area.floor_id] = found.floor_id
            floor_id = floor_ids[area.floor_id]
        existing = areas.async_get_area_by_name(area.name)
        created = existing or areas.async_create(area.name, floor_id=floor_id)
        area_ids[area.area_id] = created.id
    devices = dr.async_get(hass)
    for device in home.devices.values():
        entry_device = devices.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, device.device_id)},
            name=device.name,
            manufacturer=device.manufacturer,
            model=device.model,
        )
        if device.area_id in area_ids and entry_device.area_id is None:
            devices.async_update_device(entry_device.id, area_id=area_ids[device.area_id])
    return area_ids


async def async_setup_entry(hass: HomeAssistant, entry: SimConfigEntry) -> bool:
    """Load the home and create its registries and entities."""
    path = Path(hass.config.path(entry.data[CONF_HOME]))
    entry.runtime_data = await hass.async_add_executor_job(load_home, path)
    _build_registries(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SimConfigEntry) -> bool:
    """Unload the entities."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
