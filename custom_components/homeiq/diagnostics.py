"""Diagnostics support for HomeIQ."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import HomeIQConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeIQConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    return {"options": dict(entry.options), "data": entry.runtime_data.coordinator.data.as_dict()}
