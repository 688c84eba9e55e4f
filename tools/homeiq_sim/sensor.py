"""Synthetic sensors: device class, native unit and, for numbers, a state class."""

from __future__ import annotations

import math

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity
from custom_components.homeiq.core.home.history import is_numeric, parse_numeric

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain, device_class

# Meters that only count up; every other numeric sensor is a measurement.
TOTALS = frozenset({SensorDeviceClass.ENERGY, SensorDeviceClass.GAS, SensorDeviceClass.WATER})


class SimSensor(SimEntity, SensorEntity):
    """A sensor showing the last value of its generated history."""

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the device class, unit and state class the way an integration does."""
        super().__init__(entity, last_state)
        self._attr_device_class = device_class(SensorDeviceClass, entity.device_class)
        self._attr_native_unit_of_measurement = entity.unit
        if is_numeric(entity):
            self._attr_state_class = (
                SensorStateClass.TOTAL_INCREASING
                if self._attr_device_class in TOTALS
                else SensorStateClass.MEASUREMENT
            )
            value = math.nan if self.last_state is None else parse_numeric(self.last_state)
            self._attr_native_value = None if math.isnan(value) else value
        else:
            self._attr_native_value = self.last_state


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's sensors."""
    async_add_domain(hass, entry, async_add_entities, "sensor", SimSensor)
