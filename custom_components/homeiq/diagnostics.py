"""Diagnostics support for HomeIQ.

A bug report needs the options, the last run's steps with their figures and reasons, the
deployed models with their metrics, the history store's counts and each device's figures.
What identifies the home and tells when its people are in is redacted: device names,
entity ids, and the per-device reasons (they name times of day such as "between 02:00 and
03:00"); in the synergy section, the entities of each answer and created automation and
the user's reasons. Device ids are kept: they are random ids the device registry made up, they say
nothing about the home, and they let the report be matched to a repair issue
(``device_at_risk_<id>``) or to the anomaly event.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import HomeIQConfigEntry
from .core.devices import iso_time

# Keys of a device report (core.devices.DeviceReport) that identify the home or its people.
TO_REDACT_DEVICE = {"name", "entity_id", "reason", "risk_reasons"}
# Keys of a synergy answer or created automation that name the home's entities (or are the
# user's own words); verdicts, kinds, times and the suggestion ids (hashes) stay.
TO_REDACT_SYNERGY = {"cause_id", "effect_id", "entity_id", "reason"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeIQConfigEntry
) -> dict[str, Any]:
    """The options, the last run, results, models, what the history store holds and the
    synergy answers."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data.as_dict()
    data["devices"] = async_redact_data(data["devices"], TO_REDACT_DEVICE)
    if data["last_run"] is not None:
        data["last_run"]["steps"] = [_redact_step(step) for step in data["last_run"]["steps"]]
    store = coordinator.reader.store.summary()
    watermark = store.get("watermark")
    if isinstance(watermark, dict) and isinstance(watermark.get("time"), int | float):
        # The row id and the time of the read it marks; times are shown as ISO.
        store["watermark"] = {**watermark, "time": iso_time(watermark["time"])}
    return {
        "options": dict(entry.options),
        "data": data,
        "store": store,
        "store_reset_reason": coordinator.reader.store_reset_reason,
        "home_type_labels": list(coordinator.home_type_labels),
        "training_unavailable": coordinator.training_unavailable,
        "synergy": async_redact_data(coordinator.suggestions.diagnostics(), TO_REDACT_SYNERGY),
    }


def _redact_step(step: dict[str, Any]) -> dict[str, Any]:
    """A step without the entity ids of the outside series it found (a copy)."""
    details = step.get("details") or {}
    series = details.get("external_series")
    if not isinstance(series, dict):
        return step
    # Which outside series were found matters; the entities that carry them do not.
    return {
        **step,
        "details": {**details, "external_series": async_redact_data(series, set(series))},
    }
