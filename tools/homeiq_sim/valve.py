"""Synthetic valves with their device class (open / closed, no position)."""

from __future__ import annotations

from homeassistant.components.valve.const import ValveDeviceClass, ValveState
from homeassistant.components.valve.entity import ValveEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain, device_class


class SimValve(SimEntity, ValveEntity):
    """A valve that is closed when its generated history ended closed."""

    _attr_reports_position = False

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the device class and state."""
        super().__init__(entity, last_state)
        self._attr_device_class = device_class(ValveDeviceClass, entity.device_class)
        self._attr_is_closed = (
            None if self.last_state is None else self.last_state == ValveState.CLOSED
        )


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's valves."""
    async_add_domain(hass, entry, async_add_entities, "valve", SimValve)
