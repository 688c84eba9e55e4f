"""HomeIQ: machine learning on the home it runs in."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import HomeIQConfigEntry, HomeIQCoordinator, HomeIQRuntime
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register HomeIQ's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> bool:
    """Set up HomeIQ from a config entry; training is scheduled, never run here (a new
    HomeIQ's first run starts in the background a minute after Home Assistant started)."""
    coordinator = HomeIQCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = HomeIQRuntime(coordinator=coordinator)
    coordinator.async_schedule_nightly()
    coordinator.async_schedule_first_run()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> bool:
    """Unload a config entry; a running training run is cancelled."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
