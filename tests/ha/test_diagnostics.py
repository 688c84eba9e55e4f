"""Tests for HomeIQ diagnostics and the training-status sensor."""

from __future__ import annotations

from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_OPTIONS
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homeiq.const import DEFAULT_OPTIONS, DOMAIN, SERVICE_TRAIN_NOW

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=dt_util.UTC)


async def test_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """Diagnostics hold the options and the last run with its steps."""
    before = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert before == {
        "options": DEFAULT_OPTIONS,
        "data": {"running": False, "run_started": None, "last_run": None},
        "store": {
            "watermark": None,
            "entities": 0,
            "event_rows": 0,
            "hourly_rows": 0,
            "skipped": {},
        },
        "store_reset_reason": None,
    }

    response = await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )
    after = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert after["data"] == {"running": False, "run_started": None, "last_run": response}
    assert after["store"]["watermark"] is not None
    assert after["store_reset_reason"] is None
    assert [step["name"] for step in response["steps"]] == ["read_home"]


async def test_status_sensor(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, init_integration: MockConfigEntry
) -> None:
    """The status sensor is an enum with the last run's timing and steps as attributes."""
    entity_id = "sensor.homeiq_training_status"
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.unique_id == f"{init_integration.entry_id}_training_status"
    assert entry.translation_key == "training_status"

    state = hass.states.get(entity_id)
    assert state.state == "never_run"
    assert state.attributes[ATTR_OPTIONS] == [
        "never_run",
        "running",
        "success",
        "partial",
        "failed",
        "cancelled",
    ]
    assert state.attributes["last_start"] is None
    assert state.attributes["steps"] == []

    freezer.move_to(NOW)
    await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )

    state = hass.states.get(entity_id)
    assert state.state == "success"
    assert state.attributes["last_trigger"] == "action"
    assert state.attributes["last_start"] == NOW.isoformat()
    assert state.attributes["last_end"] == NOW.isoformat()
    assert state.attributes["last_duration_s"] == 0.0
    assert state.attributes["last_outcome"] == "success"
    assert state.attributes["run_started"] is None
    assert [step["name"] for step in state.attributes["steps"]] == ["read_home"]
