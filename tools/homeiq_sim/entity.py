"""What every synthetic entity shares: identity, device, and the state its history ended in.

Each platform module defines an entity class of its domain (``SensorEntity``,
``LightEntity`` …) on top of :class:`SimEntity`, so that Home Assistant registers the
entity the way it registers a real integration's: the device class and unit go into the
entity registry (``original_device_class``, ``unit_of_measurement``) and the state.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import DOMAIN, SimConfigEntry


class SimEntity(Entity):
    """A synthetic entity: fixed id, name and device; its state changes only when asked."""

    _attr_should_poll = False
    _attr_has_entity_name = False

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Create the entity; ``last_state`` is the last state of its generated history."""
        self.entity_id = entity.entity_id
        self._attr_unique_id = entity.entity_id
        self._attr_name = entity.name
        self._attr_entity_registry_enabled_default = entity.enabled
        self._attr_available = last_state != STATE_UNAVAILABLE
        if entity.device_id:
            self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entity.device_id)})
        # The state shown: None for unavailable / unknown (or no history).
        shown = last_state not in {None, STATE_UNAVAILABLE, STATE_UNKNOWN}
        self.last_state = last_state if shown else None


class SimToggle(SimEntity):
    """An on / off entity that follows ``turn_on`` / ``turn_off`` (automations call them)."""

    _attr_is_on: bool | None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        self._attr_is_on = False
        self.async_write_ha_state()


def device_class[T: StrEnum](kind: type[T], value: str | None) -> T | None:
    """The domain's device class named ``value`` (``None`` when the domain has no such class)."""
    try:
        return None if value is None else kind(value)
    except ValueError:
        return None


def async_add_domain(
    hass: HomeAssistant,
    entry: SimConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    domain: str,
    factory: Callable[[HomeEntity, str | None], Entity],
) -> None:
    """Add the home's entities of one domain, each built by ``factory``."""
    home = entry.runtime_data.home
    entities = []
    for entity_id, entity in sorted(home.entities.items()):
        if entity.domain != domain:
            continue
        history = home.histories.get(entity_id)
        last = history.states()[-1] if history is not None and len(history) else None
        entities.append(factory(entity, last))
    async_add_entities(entities)
