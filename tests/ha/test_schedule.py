"""Tests for the nightly training schedule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.homeiq.const import CONF_TRAIN_TIME, DEFAULT_OPTIONS
from custom_components.homeiq.home.reader import HomeReader

READ = HomeReader.async_read


def local(hour: int, minute: int, second: int = 0) -> datetime:
    """Today (2026-11-23) at the given local time, in Home Assistant's time zone."""
    return datetime(2026, 11, 23, hour, minute, second, tzinfo=dt_util.get_default_time_zone())


async def _advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, to: datetime, *, wait_runs: bool = True
) -> None:
    """Move the clock, fire the timers due, and (by default) let started runs finish."""
    freezer.move_to(to)
    async_fire_time_changed(hass, to)
    await hass.async_block_till_done(wait_background_tasks=wait_runs)


@pytest.mark.parametrize("options", [{**DEFAULT_OPTIONS, CONF_TRAIN_TIME: "01:15:00"}])
async def test_runs_once_at_configured_time(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The run starts exactly once, at the configured time, and not at other times."""
    freezer.move_to(local(0, 0))
    mock_config_entry.add_to_hass(hass)
    with patch.object(HomeReader, "async_read", autospec=True, side_effect=READ) as read_home:
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

        for when in (local(0, 15), local(1, 0), local(1, 14), local(1, 14, 59)):
            await _advance(hass, freezer, when)
        assert read_home.call_count == 0

        await _advance(hass, freezer, local(1, 15))
        assert read_home.call_count == 1
        # The rest of that minute does not start another run.
        for later in (local(1, 15, 1), local(1, 15, 30), local(1, 15, 59), local(3, 30)):
            await _advance(hass, freezer, later)
        assert read_home.call_count == 1

        # The next night runs again.
        await _advance(hass, freezer, local(1, 15) + timedelta(days=1))
        assert read_home.call_count == 2

    run = mock_config_entry.runtime_data.coordinator.data.last_run
    assert run is not None
    assert run.trigger == "schedule"
    assert run.started == dt_util.as_utc(local(1, 15) + timedelta(days=1))


async def test_nightly_skipped_while_running(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A nightly tick during a run does not start a second run."""
    freezer.move_to(local(3, 0))
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = mock_config_entry.runtime_data.coordinator
    calls: list[Any] = []
    release = asyncio.Event()

    async def slow_read(*args: Any) -> Any:
        calls.append(args)
        await release.wait()
        return await READ(*args)

    with patch.object(HomeReader, "async_read", slow_read):
        task = coordinator.async_start_run("action")
        await _advance(hass, freezer, local(3, 30), wait_runs=False)
        assert "Nightly training skipped: a run is still in progress" in caplog.text
        assert len(calls) == 1
        release.set()
        result = await task
    assert result.trigger == "action"
    assert len(calls) == 1


async def test_no_run_after_unload(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """After unload, the configured time passes without a run."""
    freezer.move_to(local(3, 0))
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    with patch.object(HomeReader, "async_read") as read_home:
        await _advance(hass, freezer, local(3, 30))
    read_home.assert_not_called()


@pytest.mark.parametrize("options", [{**DEFAULT_OPTIONS, CONF_TRAIN_TIME: "half past"}])
async def test_unreadable_time_uses_default(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A hand-edited, unreadable training time falls back to the default time."""
    freezer.move_to(local(3, 0))
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    with patch.object(HomeReader, "async_read", autospec=True, side_effect=READ) as read_home:
        await _advance(hass, freezer, local(3, 29, 59))
        assert read_home.call_count == 0
        await _advance(hass, freezer, local(3, 30))
        assert read_home.call_count == 1
