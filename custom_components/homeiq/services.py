"""HomeIQ actions: training, and the synergy suggestions (list, accept, reject)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import math
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from .const import (
    DOMAIN,
    SERVICE_ACCEPT_SUGGESTION,
    SERVICE_GET_SUGGESTIONS,
    SERVICE_REJECT_SUGGESTION,
    SERVICE_TRAIN_NOW,
)
from .coordinator import TRIGGER_ACTION, HomeIQConfigEntry
from .core.synergy import SHOWN_SUGGESTIONS
from .suggestions import SuggestionBook

ATTR_AREA = "area"
ATTR_ENTITY = "entity"
ATTR_LIMIT = "limit"
ATTR_ID = "id"
ATTR_DELAY = "delay"
ATTR_LEVEL = "level"
ATTR_REASON = "reason"


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise probatio.Invalid("expected a finite number")
    return value


TRAIN_NOW_SCHEMA = probatio.Schema({})
GET_SUGGESTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_AREA): cv.string,
        probatio.Optional(ATTR_ENTITY): cv.entity_id,
        probatio.Optional(ATTR_LIMIT, default=SHOWN_SUGGESTIONS): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1)
        ),
    }
)
ACCEPT_SUGGESTION_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_ID): cv.string,
        # Seconds or a duration; a negative one is a translated error, not a schema one.
        probatio.Optional(ATTR_DELAY): cv.time_period,
        probatio.Optional(ATTR_LEVEL): probatio.All(probatio.Coerce(float), _finite),
    }
)
REJECT_SUGGESTION_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_ID): cv.string,
        probatio.Optional(ATTR_REASON): cv.string,
    }
)


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


def _book(call: ServiceCall) -> SuggestionBook:
    return get_loaded_entry(call.hass).runtime_data.coordinator.suggestions


async def _async_get_suggestions(call: ServiceCall) -> ServiceResponse:
    """The open suggestions, best first, of an area or about an entity (cause or effect)."""
    opened = _book(call).open()
    if opened is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_suggestions")
    area, entity = call.data.get(ATTR_AREA), call.data.get(ATTR_ENTITY)
    found = [
        item.suggestion
        for item in opened
        if (area is None or item.suggestion.area_id == area)
        and (entity is None or entity in (item.suggestion.cause_id, item.suggestion.effect_id))
    ]
    return {"suggestions": [s.as_dict() for s in found[: call.data[ATTR_LIMIT]]]}


async def _async_accept_suggestion(call: ServiceCall) -> ServiceResponse:
    """Create the suggestion's automation in automations.yaml; its id and configuration."""
    entry = get_loaded_entry(call.hass)
    delay: timedelta | None = call.data.get(ATTR_DELAY)
    coordinator = entry.runtime_data.coordinator
    created: dict[str, Any] = await coordinator.suggestions.async_accept(
        call.data[ATTR_ID],
        delay_s=None if delay is None else delay.total_seconds(),
        level=call.data.get(ATTR_LEVEL),
    )
    coordinator.async_suggestions_changed()
    return created if call.return_response else None


async def _async_reject_suggestion(call: ServiceCall) -> None:
    """Record that the user does not want the suggestion."""
    coordinator = get_loaded_entry(call.hass).runtime_data.coordinator
    await coordinator.suggestions.async_reject(call.data[ATTR_ID], call.data.get(ATTR_REASON))
    coordinator.async_suggestions_changed()


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
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_SUGGESTIONS,
        _async_get_suggestions,
        schema=GET_SUGGESTIONS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ACCEPT_SUGGESTION,
        _async_accept_suggestion,
        schema=ACCEPT_SUGGESTION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_REJECT_SUGGESTION,
        _async_reject_suggestion,
        schema=REJECT_SUGGESTION_SCHEMA,
    )
