"""Diagnostics support for HomeIQ."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import HomeIQConfigEntry
from .core.devices import iso_time


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeIQConfigEntry
) -> dict[str, Any]:
    """The options, the last run, results, models and what the history store holds."""
    coordinator = entry.runtime_data.coordinator
    store = coordinator.reader.store.summary()
    watermark = store.get("watermark")
    if isinstance(watermark, int | float):  # read up to here; times are shown as ISO
        store["watermark"] = iso_time(watermark)
    return {
        "options": dict(entry.options),
        "data": coordinator.data.as_dict(),
        "store": store,
        "store_reset_reason": coordinator.reader.store_reset_reason,
        "home_type_labels": list(coordinator.home_type_labels),
        "training_unavailable": coordinator.training_unavailable,
    }
