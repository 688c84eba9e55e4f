"""Tests for setting up and unloading HomeIQ."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.core.run import RunOutcome, StepOutcome
from custom_components.homeiq.home.reader import HomeReader


async def test_setup_and_unload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The entry loads without running training and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    coordinator = init_integration.runtime_data.coordinator
    assert not coordinator.is_running
    assert coordinator.data.last_run is None
    assert hass.states.get("sensor.homeiq_training_status").state == "never_run"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("sensor.homeiq_training_status").state == "unavailable"
    # verify_cleanup (autouse) fails the test if the nightly timer were left behind.


async def test_setup_does_not_wait_for_training(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Setting up never runs (or awaits) the training pipeline."""
    mock_config_entry.add_to_hass(hass)
    with patch.object(HomeReader, "async_read") as read_home:
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    read_home.assert_not_called()


async def test_unload_cancels_running_run(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Unloading during a run cancels it; the cancelled run is recorded."""
    coordinator = init_integration.runtime_data.coordinator
    entered = asyncio.Event()

    async def blocking_read(*args: Any) -> None:
        entered.set()
        await asyncio.Event().wait()

    with patch.object(HomeReader, "async_read", blocking_read):
        task = coordinator.async_start_run("action")
        await entered.wait()
        assert coordinator.is_running
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        await hass.async_block_till_done()

    assert task.cancelled()
    assert coordinator.data.last_run is not None
    assert coordinator.data.last_run.outcome is RunOutcome.CANCELLED
    assert [s.outcome for s in coordinator.data.last_run.steps] == [StepOutcome.CANCELLED]


async def test_last_run_survives_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The last run and the history store survive a reload of the entry."""
    coordinator = init_integration.runtime_data.coordinator
    result = await coordinator.async_start_run("action")
    assert result.outcome is RunOutcome.SUCCESS

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    reloaded = init_integration.runtime_data.coordinator
    assert reloaded is not coordinator
    assert reloaded.data.last_run is not None
    assert reloaded.data.last_run.as_dict() == result.as_dict()
    # The history store was saved by the run and loaded again.
    assert coordinator.reader.store.watermark is not None
    assert reloaded.reader.store.watermark == coordinator.reader.store.watermark
    assert hass.states.get("sensor.homeiq_training_status").state == "success"


async def test_unreadable_stored_run_is_ignored(
    hass: HomeAssistant, hass_storage: dict[str, Any], mock_config_entry: MockConfigEntry
) -> None:
    """A damaged stored run does not prevent setup; the status starts over."""
    hass_storage["homeiq.runs"] = {
        "version": 1,
        "key": "homeiq.runs",
        "data": {"last_run": {"trigger": "action", "started": "not a date"}},
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.homeiq_training_status").state == "never_run"
