"""Tests for the homeiq.train_now action."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.homeiq.const import DOMAIN, SERVICE_TRAIN_NOW
from custom_components.homeiq.home.reader import HomeReader

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC)


async def _seed_history(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Write 8 state changes of 4 entities into the recorder."""
    writes = [
        (0, "binary_sensor.test_motion", "off"),
        (0, "light.bedroom_lamp", "off"),
        (0, "sensor.test_motion_battery", "90"),
        (0, "sensor.outside_temperature", "4.5"),
        (60, "binary_sensor.test_motion", "on"),
        (61, "light.bedroom_lamp", "on"),
        (300, "binary_sensor.test_motion", "off"),
        (3600, "sensor.test_motion_battery", "89"),
    ]
    outdoor = {"device_class": "temperature", "unit_of_measurement": "°C"}
    for offset, entity_id, state in writes:
        freezer.move_to(T0 + timedelta(seconds=offset))
        attributes = outdoor if entity_id == "sensor.outside_temperature" else None
        hass.states.async_set(entity_id, state, attributes, context=Context())
    await async_wait_recording_done(hass)
    freezer.move_to(T0 + timedelta(hours=2))


async def test_train_now_returns_counts(
    hass: HomeAssistant,
    small_home: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    """With a response requested, the action waits and returns every step's figures."""
    freezer.move_to(T0 - timedelta(minutes=1))
    await _seed_history(hass, freezer)
    # Set up after the history is written: a HomeIQ that has never run starts its first
    # run a minute after setup, which would otherwise fall into the writing.
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    response = await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )

    now = T0 + timedelta(hours=2)
    steps = response.pop("steps")
    assert response == {
        "trigger": "action",
        "started": now.isoformat(),
        "finished": now.isoformat(),
        "duration_s": 0.0,
        "outcome": "success",
    }
    assert [step["name"] for step in steps] == [
        "read_home",
        "train_failure",
        "train_anomaly",
        "train_gnn",
        "home_type",
        "synergy",
        "devices",
    ]
    # Two hours of history train nothing on this home: the steps say why.
    assert steps[1]["outcome"] == "skipped"
    assert "days of history" in steps[1]["reason"]
    assert steps[2]["outcome"] == "skipped"
    # The bundled blend ranks with the pair model only: its graph model is not fine-tuned.
    assert steps[3]["outcome"] == "skipped"
    assert steps[3]["reason"] == (
        "the graph model takes part in no history regime's ranking (the non-graph pair model "
        "lifted the training homes more), so fine-tuning it would change nothing"
    )
    assert [step["outcome"] for step in steps[4:]] == ["ok", "ok", "ok"]
    assert steps[:1] == [
        {
            "name": "read_home",
            "outcome": "ok",
            "started": now.isoformat(),
            "duration_s": steps[0]["duration_s"],
            "reason": None,
            "details": {
                "window_start": (now - timedelta(days=30)).isoformat(),
                "window_end": now.isoformat(),
                "areas": 3,
                "floors": 2,
                "devices": 2,
                "entities": 5,
                "automations": 0,
                "entities_with_history": 4,
                "history_rows": 8,
                "new_rows": 8,
                "entities_without_area": 2,
                "entities_without_history": 1,
                "external_series": {"outdoor_temperature": "sensor.outside_temperature"},
                "skipped": {},
            },
        }
    ]
    assert steps[0]["duration_s"] >= 0
    state = hass.states.get("sensor.homeiq_training_status")
    assert state.state == "success"
    assert state.attributes["last_trigger"] == "action"
    assert state.attributes["steps"][0]["details"]["history_rows"] == 8


async def test_train_now_without_response(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without a response the action returns at once and the run finishes in the background."""
    response = await hass.services.async_call(DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True)
    assert response is None
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = init_integration.runtime_data.coordinator
    assert not coordinator.is_running
    assert coordinator.data.last_run is not None
    assert coordinator.data.last_run.trigger == "action"


async def test_train_now_while_running(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A second call during a run is refused and the running run is not disturbed."""
    coordinator = init_integration.runtime_data.coordinator
    entered = asyncio.Event()
    release = asyncio.Event()
    original = coordinator._async_step_read_home

    async def slow_step() -> dict[str, Any]:
        entered.set()
        await release.wait()
        return await original()

    with patch.object(coordinator, "_async_step_read_home", slow_step):
        first = hass.async_create_task(
            hass.services.async_call(
                DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
            )
        )
        await entered.wait()
        assert coordinator.is_running
        assert hass.states.get("sensor.homeiq_training_status").state == "running"

        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
            )
        assert err.value.translation_key == "already_running"
        assert coordinator.is_running

        release.set()
        response = await first
    assert response["outcome"] == "success"
    assert hass.states.get("sensor.homeiq_training_status").state == "success"


async def test_train_now_not_loaded(hass: HomeAssistant) -> None:
    """Without a loaded entry the action raises a translated validation error."""
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "not_loaded"


async def test_train_now_cancelled_by_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A run cancelled by an unload ends the waiting call with a translated error."""
    coordinator = init_integration.runtime_data.coordinator
    entered = asyncio.Event()

    async def blocking_step() -> dict[str, Any]:
        entered.set()
        await asyncio.Event().wait()
        return {}

    with patch.object(coordinator, "_async_step_read_home", blocking_step):
        call = hass.async_create_task(
            hass.services.async_call(
                DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
            )
        )
        await entered.wait()
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        with pytest.raises(HomeAssistantError) as err:
            await call
    assert err.value.translation_key == "run_cancelled"


async def test_failed_step_is_reported(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A step that raises makes the run fail with the reason, without raising from the action."""
    with patch.object(HomeReader, "async_read", side_effect=RuntimeError("database is locked")):
        response = await hass.services.async_call(
            DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
        )
    assert response["outcome"] == "failed"
    assert response["steps"][0]["outcome"] == "failed"
    assert response["steps"][0]["reason"] == "RuntimeError('database is locked')"
    assert hass.states.get("sensor.homeiq_training_status").state == "failed"
