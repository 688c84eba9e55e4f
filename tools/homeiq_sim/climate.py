"""Synthetic thermostats: the HVAC mode their generated history ended in."""

from __future__ import annotations

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import HVACMode
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain


class SimClimate(SimEntity, ClimateEntity):
    """A thermostat showing its last HVAC mode."""

    _attr_temperature_unit = UnitOfTemperature.CELSIUS

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the HVAC mode."""
        super().__init__(entity, last_state)
        self._attr_hvac_modes = list(HVACMode)
        self._attr_hvac_mode = None if self.last_state is None else HVACMode(self.last_state)


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's thermostats."""
    async_add_domain(hass, entry, async_add_entities, "climate", SimClimate)
