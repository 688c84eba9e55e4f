"""Synthetic lock entities."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import SimConfigEntry
from .entity import async_setup_domain


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's lock entities."""
    await async_setup_domain(hass, entry, async_add_entities, "lock")
