"""HomeIQ actions."""

from __future__ import annotations

import asyncio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import probatio

from .const import DOMAIN, SERVICE_TRAIN_NOW
from .coordinator import TRIGGER_ACTION, HomeIQConfigEntry

TRAIN_NOW_SCHEMA = probatio.Schema({})


def get_loaded_entry(hass: HomeAssistant) -> HomeIQConfigEntry:
    """Return the loaded HomeIQ entry or raise a translated validation error."""
    entries: list[HomeIQConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if not entries:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_loaded")
    return entries[0]


async def _async_train_now(call: ServiceCall) -> ServiceResponse:
    """Start a training run; with a response requested, wait for it and return its steps."""
    coordinator = get_loaded_entry(call.hass).runtime_data.coordinator
    if coordinator.is_running:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="already_running")
    task = coordinator.async_start_run(TRIGGER_ACTION)
    if not call.return_response:
        return None
    # asyncio.wait does not cancel the run if this call is cancelled.
    await asyncio.wait([task])
    if task.cancelled():
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="run_cancelled")
    return task.result().as_dict()


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register HomeIQ's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_TRAIN_NOW,
        _async_train_now,
        schema=TRAIN_NOW_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
