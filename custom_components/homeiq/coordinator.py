"""The HomeIQ coordinator: holds the latest results and runs the training pipeline.

There is no polling interval. A run starts from the nightly schedule or from the
``homeiq.train_now`` action, always as a background task of the config entry; two runs
never overlap and an unload cancels a running one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time
from time import perf_counter
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import (
    CONF_HISTORY_DAYS,
    CONF_TRAIN_TIME,
    DEFAULT_OPTIONS,
    DEFAULT_TRAIN_TIME,
    DOMAIN,
    LOGGER,
)
from .core.home import Home
from .core.run import RunResult, StepOutcome, StepResult
from .home.reader import HomeReader

STORAGE_VERSION = 1
TRIGGER_SCHEDULE = "schedule"
TRIGGER_ACTION = "action"

type StepFn = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(slots=True)
class HomeIQRuntime:
    """What a loaded HomeIQ entry holds at run time."""

    coordinator: HomeIQCoordinator


type HomeIQConfigEntry = ConfigEntry[HomeIQRuntime]


@dataclass(frozen=True, slots=True)
class HomeIQData:
    """Snapshot the entities read: whether a run is going on and the last finished run."""

    running: bool
    run_started: datetime | None
    last_run: RunResult | None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dictionary."""
        return {
            "running": self.running,
            "run_started": self.run_started.isoformat() if self.run_started else None,
            "last_run": self.last_run.as_dict() if self.last_run else None,
        }


class StepSkipped(Exception):
    """Raised by a step that cannot run now (not enough data, library missing)."""


class HomeIQCoordinator(DataUpdateCoordinator[HomeIQData]):
    """Owns the training schedule, the run task and the persisted run history."""

    config_entry: HomeIQConfigEntry

    def __init__(self, hass: HomeAssistant, entry: HomeIQConfigEntry) -> None:
        """Create the coordinator; nothing is read or scheduled yet."""
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN)
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.runs")
        self._task: asyncio.Task[RunResult] | None = None
        self._run_started: datetime | None = None
        self._last_run: RunResult | None = None
        self._unsub_nightly: CALLBACK_TYPE | None = None
        self.reader = HomeReader(hass)
        self.home: Home | None = None

    def option(self, key: str) -> Any:
        """Return an option, falling back to its default."""
        return self.config_entry.options.get(key, DEFAULT_OPTIONS[key])

    @override
    async def _async_setup(self) -> None:
        """Load the last run from storage."""
        await self.reader.async_load()
        self.config_entry.async_on_unload(self.reader.async_track_registry())
        stored = await self._store.async_load()
        if stored and stored.get("last_run"):
            try:
                self._last_run = RunResult.from_dict(stored["last_run"])
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Ignoring an unreadable stored training run")

    @override
    async def _async_update_data(self) -> HomeIQData:
        """Return the current snapshot; HomeIQ never polls."""
        return self._snapshot()

    def _snapshot(self) -> HomeIQData:
        return HomeIQData(
            running=self.is_running, run_started=self._run_started, last_run=self._last_run
        )

    @property
    def is_running(self) -> bool:
        """Whether a training run is in progress."""
        return self._task is not None and not self._task.done()

    @callback
    def async_schedule_nightly(self) -> None:
        """Schedule the nightly run at the configured time of day."""
        train_time = dt_util.parse_time(str(self.option(CONF_TRAIN_TIME)))
        if train_time is None:  # only a hand-edited entry can hold an unreadable time
            LOGGER.warning("Unreadable training time, using %s", DEFAULT_TRAIN_TIME)
            train_time = time.fromisoformat(DEFAULT_TRAIN_TIME)
        self._unsub_nightly = async_track_time_change(
            self.hass,
            self._async_nightly,
            hour=train_time.hour,
            minute=train_time.minute,
            second=train_time.second,
        )

    @callback
    def _async_nightly(self, now: datetime) -> None:
        if self.is_running:
            LOGGER.info("Nightly training skipped: a run is still in progress")
            return
        self.async_start_run(TRIGGER_SCHEDULE)

    @callback
    def async_start_run(self, trigger: str) -> asyncio.Task[RunResult]:
        """Start a training run in the background and return its task."""
        if self.is_running:
            raise RuntimeError("a training run is already in progress")
        self._run_started = dt_util.utcnow()
        self._task = self.config_entry.async_create_background_task(
            self.hass, self._async_run(trigger, self._run_started), name=f"{DOMAIN} training"
        )
        self.async_set_updated_data(self._snapshot())
        return self._task

    def _steps(self) -> list[tuple[str, StepFn]]:
        return [("read_home", self._async_step_read_home)]

    async def _async_run(self, trigger: str, started: datetime) -> RunResult:
        steps: list[StepResult] = []
        LOGGER.debug("Training run started (%s)", trigger)
        try:
            for name, step in self._steps():
                steps.append(await self._async_run_step(name, step))
        except asyncio.CancelledError:
            steps.append(
                StepResult(
                    name="cancelled",
                    outcome=StepOutcome.CANCELLED,
                    started=dt_util.utcnow(),
                    duration_s=0.0,
                    reason="the run was cancelled",
                )
            )
            # No awaiting while cancelled: the store writes on its own schedule.
            result = self._finish_run(trigger, started, steps)
            self._store.async_delay_save(lambda: {"last_run": result.as_dict()}, 0)
            raise
        result = self._finish_run(trigger, started, steps)
        await self._store.async_save({"last_run": result.as_dict()})
        return result

    def _finish_run(self, trigger: str, started: datetime, steps: list[StepResult]) -> RunResult:
        result = RunResult(trigger=trigger, started=started, finished=dt_util.utcnow(), steps=steps)
        self._last_run = result
        self._run_started = None
        self._task = None
        self.async_set_updated_data(self._snapshot())
        LOGGER.debug("Training run finished: %s", result.outcome.value)
        return result

    async def _async_run_step(self, name: str, step: StepFn) -> StepResult:
        started = dt_util.utcnow()
        t0 = perf_counter()
        try:
            details = await step()
        except StepSkipped as err:
            return StepResult(
                name, StepOutcome.SKIPPED, started, perf_counter() - t0, reason=str(err)
            )
        except Exception as err:
            LOGGER.exception("HomeIQ step %s failed", name)
            return StepResult(
                name, StepOutcome.FAILED, started, perf_counter() - t0, reason=repr(err)
            )
        return StepResult(name, StepOutcome.OK, started, perf_counter() - t0, details)

    async def _async_step_read_home(self) -> dict[str, Any]:
        now = dt_util.utcnow()
        home, report = await self.reader.async_read(
            now.timestamp(), float(self.option(CONF_HISTORY_DAYS))
        )
        self.home = home
        return {
            "window_start": dt_util.utc_from_timestamp(home.window_start or 0).isoformat(),
            "window_end": now.isoformat(),
            **home.summary(),
            "new_rows": report.new_rows,
            **dict(report.counts),
            "external_series": report.external,
            "skipped": dict(self.reader.store.counters),
        }

    @override
    async def async_shutdown(self) -> None:
        """Stop the schedule; the entry cancels a running task on unload."""
        await super().async_shutdown()
        if self._unsub_nightly is not None:
            self._unsub_nightly()
            self._unsub_nightly = None
