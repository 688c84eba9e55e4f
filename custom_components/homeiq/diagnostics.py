"""Diagnostics support for HomeIQ."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import HomeIQConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeIQConfigEntry
) -> dict[str, Any]:
    """The options, the last run, results, models and what the history store holds."""
    coordinator = entry.runtime_data.coordinator
    return {
        "options": dict(entry.options),
        "data": coordinator.data.as_dict(),
        "store": coordinator.reader.store.summary(),
        "store_reset_reason": coordinator.reader.store_reset_reason,
        "home_type_labels": list(coordinator.home_type_labels),
        "training_unavailable": coordinator.training_unavailable,
    }
