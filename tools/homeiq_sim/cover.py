"""Synthetic covers (blinds, garage doors) with their device class."""

from __future__ import annotations

from homeassistant.components.cover import CoverDeviceClass, CoverEntity, CoverState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain, device_class


class SimCover(SimEntity, CoverEntity):
    """A cover that is closed when its generated history ended closed."""

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the device class and state."""
        super().__init__(entity, last_state)
        self._attr_device_class = device_class(CoverDeviceClass, entity.device_class)
        self._attr_is_closed = (
            None if self.last_state is None else self.last_state == CoverState.CLOSED
        )


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's covers."""
    async_add_domain(hass, entry, async_add_entities, "cover", SimCover)
