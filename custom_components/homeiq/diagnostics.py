"""Diagnostics support for HomeIQ."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import HomeIQConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeIQConfigEntry
) -> dict[str, Any]:
    """Return the options, the last run, and what the history store holds and skipped."""
    coordinator = entry.runtime_data.coordinator
    return {
        "options": dict(entry.options),
        "data": coordinator.data.as_dict(),
        "store": coordinator.reader.store.summary(),
        "store_reset_reason": coordinator.reader.store_reset_reason,
    }
