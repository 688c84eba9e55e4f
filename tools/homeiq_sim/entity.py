"""One entity class for every domain: shows the last generated state, never changes."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity, StateHistory

from . import DOMAIN, SimConfigEntry


class SimEntity(Entity):
    """A synthetic entity with the state its generated history ended in."""

    _attr_should_poll = False
    _attr_has_entity_name = False

    def __init__(self, entity: HomeEntity, history: StateHistory | None) -> None:
        """Create the entity with its fixed entity id, name, device and last state."""
        self.entity_id = entity.entity_id
        self._attr_unique_id = entity.entity_id
        self._attr_name = entity.name
        self._attr_state = history.states()[-1] if history is not None and len(history) else None
        attributes: dict[str, Any] = {}
        if entity.unit:
            attributes["unit_of_measurement"] = entity.unit
        if entity.device_class:
            attributes["device_class"] = entity.device_class
        self._attr_extra_state_attributes = attributes
        self._attr_entity_registry_enabled_default = entity.enabled
        if entity.device_id:
            self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entity.device_id)})


async def async_setup_domain(
    hass: HomeAssistant,
    entry: SimConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    domain: str,
) -> None:
    """Add the home's entities of one domain."""
    home = entry.runtime_data.home
    async_add_entities(
        SimEntity(entity, home.histories.get(entity_id))
        for entity_id, entity in sorted(home.entities.items())
        if entity.domain == domain
    )
