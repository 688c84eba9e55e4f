"""Synthetic lights (on / off only)."""

from __future__ import annotations

from homeassistant.components.light import LightEntity
from homeassistant.components.light.const import ColorMode
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimToggle, async_add_domain


class SimLight(SimToggle, LightEntity):
    """A light that is on when its generated history ended on."""

    _attr_color_mode = ColorMode.ONOFF

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the state."""
        super().__init__(entity, last_state)
        self._attr_supported_color_modes = {ColorMode.ONOFF}
        self._attr_is_on = None if self.last_state is None else self.last_state == STATE_ON


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's lights."""
    async_add_domain(hass, entry, async_add_entities, "light", SimLight)
