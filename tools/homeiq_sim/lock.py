"""Synthetic locks."""

from __future__ import annotations

from homeassistant.components.lock import LockEntity
from homeassistant.components.lock.const import LockState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain


class SimLock(SimEntity, LockEntity):
    """A lock that is locked when its generated history ended locked."""

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the state."""
        super().__init__(entity, last_state)
        self._attr_is_locked = (
            None if self.last_state is None else self.last_state == LockState.LOCKED
        )


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's locks."""
    async_add_domain(hass, entry, async_add_entities, "lock", SimLock)
