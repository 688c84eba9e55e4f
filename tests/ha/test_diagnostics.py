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
from custom_components.homeiq.core.graph.propose import PROPOSALS

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=dt_util.UTC)
STEPS = [
    "read_home",
    "train_failure",
    "train_anomaly",
    "train_gnn",
    "home_type",
    "synergy",
    "devices",
]


async def test_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """Diagnostics hold the options and the last run with its steps."""
    before = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    models = before["data"].pop("models")
    assert before == {
        "options": DEFAULT_OPTIONS,
        "data": {
            "running": False,
            "run_started": None,
            "last_run": None,
            "home_type": None,
            "devices": {},
            "judged_day": None,
            "open_suggestions": None,
        },
        "store": {
            "watermark": None,
            "entities": 0,
            "event_rows": 0,
            "hourly_rows": 0,
            "segment_files": 0,
            "skipped": {},
        },
        "store_reset_reason": None,
        "home_type_labels": [],
        "training_unavailable": None,
        "synergy": {"result": None, "open": None, "answers": [], "announced": 0, "created": []},
    }
    # The bundled models are deployed, with the held-out metrics scripts/train measured.
    assert set(models) == {"home_type", "failure", "anomaly", "synergy", "gnn"}
    first_day = models["gnn"]["blend"]["regimes"][0]
    assert first_day["max_days"] == 1.0  # a home's first day counts as no history
    assert first_day["proposals"] == PROPOSALS
    for summary in models.values():
        assert summary["source"] == "bundled"
        assert summary["version"] == 0
        assert summary["trained_on"] == "synthetic"
        assert summary["fallbacks"] == ["no active version"] or summary["fallbacks"] == []
        assert summary["primary_metric"] in summary["metrics"]

    response = await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )
    after = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert after["data"]["last_run"] == response
    assert after["data"]["running"] is False
    # Times are ISO strings: how far the history store has read, too.
    assert datetime.fromisoformat(after["store"]["watermark"]["time"]).tzinfo is not None
    assert after["store"]["watermark"]["state_id"] > 0
    assert after["store_reset_reason"] is None
    assert [step["name"] for step in response["steps"]] == STEPS


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
    assert [step["name"] for step in state.attributes["steps"]] == STEPS
