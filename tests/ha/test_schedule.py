"""Tests for the nightly training schedule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.homeiq.const import CONF_TRAIN_TIME, DEFAULT_OPTIONS
from custom_components.homeiq.home.reader import HomeReader

READ = HomeReader.async_read


def _store_last_run(hass_storage: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    hass_storage["homeiq.runs"] = {
        "version": 1,
        "key": "homeiq.runs",
        "data": {
            "last_run": {
                "trigger": "schedule",
                "started": "2026-11-22T02:30:00+00:00",
                "finished": "2026-11-22T02:30:01+00:00",
                "steps": steps,
            }
        },
    }


@pytest.fixture
def ran_before(hass_storage: dict[str, Any]) -> None:
    """HomeIQ has run before (a stored last run): no first run is started."""
    _store_last_run(hass_storage, [])


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


@pytest.mark.usefixtures("ran_before")
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


@pytest.mark.usefixtures("ran_before")
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


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_first_run_a_minute_after_setup_when_never_run(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A HomeIQ that has never run does not wait for 03:30: one run starts 60 s after setup
    (not during it), and only one."""
    freezer.move_to(local(12, 0))
    with patch.object(HomeReader, "async_read", autospec=True, side_effect=READ) as read_home:
        await _setup(hass, mock_config_entry)
        assert read_home.call_count == 0  # setup never runs it
        await _advance(hass, freezer, local(12, 0, 59))
        assert read_home.call_count == 0
        await _advance(hass, freezer, local(12, 1))
        assert read_home.call_count == 1
        for later in (local(12, 2), local(13, 0)):
            await _advance(hass, freezer, later)
        assert read_home.call_count == 1
    run = mock_config_entry.runtime_data.coordinator.data.last_run
    assert run is not None
    assert run.trigger == "first_run"
    assert run.started == dt_util.as_utc(local(12, 1))
    assert hass.states.get("sensor.homeiq_training_status").attributes["last_trigger"] == (
        "first_run"
    )


@pytest.mark.usefixtures("ran_before")
async def test_no_first_run_when_a_last_run_exists(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A stored last run means HomeIQ has run: it waits for the nightly time."""
    freezer.move_to(local(12, 0))
    with patch.object(HomeReader, "async_read", autospec=True, side_effect=READ) as read_home:
        await _setup(hass, mock_config_entry)
        for later in (local(12, 1), local(12, 5), local(14, 0)):
            await _advance(hass, freezer, later)
    read_home.assert_not_called()
    assert hass.states.get("sensor.homeiq_training_status").state == "success"


async def test_unload_before_the_first_run_cancels_it(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Unloading within the minute leaves no pending first run behind."""
    freezer.move_to(local(12, 0))
    await _setup(hass, mock_config_entry)
    await _advance(hass, freezer, local(12, 0, 30))
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    with patch.object(HomeReader, "async_read") as read_home:
        await _advance(hass, freezer, local(12, 2))
    read_home.assert_not_called()


async def test_first_run_skipped_when_a_run_came_first(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A run started by the action within the minute (still going, or finished) is the
    first run: the timer starts no second one."""
    freezer.move_to(local(12, 0))
    await _setup(hass, mock_config_entry)
    coordinator = mock_config_entry.runtime_data.coordinator
    calls: list[Any] = []
    release = asyncio.Event()

    async def slow_read(*args: Any) -> Any:
        calls.append(args)
        await release.wait()
        return await READ(*args)

    with patch.object(HomeReader, "async_read", slow_read):
        task = coordinator.async_start_run("action")
        await _advance(hass, freezer, local(12, 1), wait_runs=False)
        assert coordinator.is_running
        release.set()
        result = await task
        await _advance(hass, freezer, local(12, 5))
    assert result.trigger == "action"
    assert len(calls) == 1
    assert coordinator.data.last_run is result


async def test_first_run_waits_until_home_assistant_has_started(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Set up while Home Assistant is starting, the first run comes a minute after it has
    started, not a minute after setup."""
    freezer.move_to(local(12, 0))
    hass.set_state(CoreState.starting)
    with patch.object(HomeReader, "async_read", autospec=True, side_effect=READ) as read_home:
        await _setup(hass, mock_config_entry)
        await _advance(hass, freezer, local(12, 5))
        assert read_home.call_count == 0
        hass.set_state(CoreState.running)
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
        await hass.async_block_till_done()
        await _advance(hass, freezer, local(12, 5, 59))
        assert read_home.call_count == 0
        await _advance(hass, freezer, local(12, 6))
        assert read_home.call_count == 1
    run = mock_config_entry.runtime_data.coordinator.data.last_run
    assert run is not None
    assert run.trigger == "first_run"


async def test_a_first_run_cut_short_by_a_restart_is_run_again(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A stored run that was cancelled (Home Assistant stopped during it) left no results:
    the first run comes again a minute after start."""
    _store_last_run(
        hass_storage,
        [
            {
                "name": "cancelled",
                "outcome": "cancelled",
                "started": "2026-11-22T02:30:01+00:00",
                "duration_s": 0.0,
                "reason": "the run was cancelled",
            }
        ],
    )
    freezer.move_to(local(12, 0))
    with patch.object(HomeReader, "async_read", autospec=True, side_effect=READ) as read_home:
        await _setup(hass, mock_config_entry)
        assert hass.states.get("sensor.homeiq_training_status").state == "cancelled"
        await _advance(hass, freezer, local(12, 1))
        assert read_home.call_count == 1
    run = mock_config_entry.runtime_data.coordinator.data.last_run
    assert run is not None
    assert run.trigger == "first_run"
