"""Synthetic media players (TVs, speakers) with their device class."""

from __future__ import annotations

from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import MediaPlayerDeviceClass, MediaPlayerState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain, device_class


class SimMediaPlayer(SimEntity, MediaPlayerEntity):
    """A media player showing its last state."""

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the device class and state."""
        super().__init__(entity, last_state)
        self._attr_device_class = device_class(MediaPlayerDeviceClass, entity.device_class)
        self._attr_state = None if self.last_state is None else MediaPlayerState(self.last_state)


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's media players."""
    async_add_domain(hass, entry, async_add_entities, "media_player", SimMediaPlayer)
