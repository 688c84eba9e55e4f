"""Synthetic binary sensors with their device class."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain, device_class


class SimBinarySensor(SimEntity, BinarySensorEntity):
    """A binary sensor that is on when its generated history ended on."""

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the device class and state."""
        super().__init__(entity, last_state)
        self._attr_device_class = device_class(BinarySensorDeviceClass, entity.device_class)
        self._attr_is_on = None if self.last_state is None else self.last_state == STATE_ON


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's binary sensors."""
    async_add_domain(hass, entry, async_add_entities, "binary_sensor", SimBinarySensor)
