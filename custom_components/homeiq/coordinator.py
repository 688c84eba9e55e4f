"""The HomeIQ coordinator: holds the latest results and runs the training pipeline.

There is no polling interval. A run starts from the nightly schedule, from the
``homeiq.train_now`` action, or once shortly after Home Assistant has started when HomeIQ
has never run; always as a background task of the config entry; two runs never overlap and
an unload cancels a running one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_call_later, async_track_time_change
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import (
    CONF_HISTORY_DAYS,
    CONF_HOME_TYPE,
    CONF_MIN_DAYS_DEVICE,
    CONF_TRAIN_TIME,
    DEFAULT_OPTIONS,
    DEFAULT_TRAIN_TIME,
    DOMAIN,
    EVENT_DEVICE_ANOMALY,
    HOME_TYPE_AUTO,
    LOGGER,
    UNSHIPPED_OPTION_DEFAULTS,
)
from .core import pipeline
from .core.capability import Capability, HomeAssessment, Unavailable
from .core.devices import DeviceReport, iso_time, parse_time
from .core.home import Home
from .core.home_type import HOME_TYPE, HomeTypeResult
from .core.ml.registry import ModelRegistry
from .core.ml.training import training_unavailable
from .core.pipeline import Step, StepKind, nightly_steps
from .core.run import RunOutcome, RunResult, StepOutcome, StepResult
from .core.synergy import SYNERGY, SynergyResult
from .home.reader import STORE_DIR, HomeReader
from .issues import async_sync_device_issues, async_sync_training_issue
from .suggestions import OpenSuggestion, SuggestionBook

STORAGE_VERSION = 1
RESULTS_VERSION = 1
RUNS_STORE = f"{DOMAIN}.runs"
RESULTS_STORE = f"{DOMAIN}.results"
BUNDLED_MODELS = Path(__file__).parent / "models"
TRIGGER_SCHEDULE = "schedule"
TRIGGER_ACTION = "action"
TRIGGER_FIRST_RUN = "first_run"
# How long after Home Assistant has started the first run of a new HomeIQ waits, so that
# start-up (and the integrations HomeIQ reads) is not slowed down by it.
FIRST_RUN_DELAY: Final = timedelta(seconds=60)

type StepFn = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(slots=True)
class HomeIQRuntime:
    """What a loaded HomeIQ entry holds at run time."""

    coordinator: HomeIQCoordinator


type HomeIQConfigEntry = ConfigEntry[HomeIQRuntime]


@dataclass(frozen=True, slots=True)
class HomeTypeState:
    """The home type shown to the user: the user's correction wins over the model."""

    home_type: str
    source: str  # "user" or "model"
    predicted: str | None
    probabilities: dict[str, float]


@dataclass(frozen=True, slots=True)
class HomeIQData:
    """Snapshot the entities read: runs, home type, device reports and deployed models."""

    running: bool
    run_started: datetime | None
    last_run: RunResult | None
    home_type: HomeTypeState | None = None
    devices: Mapping[str, DeviceReport] = field(default_factory=dict)
    models: Mapping[str, dict[str, Any] | None] = field(default_factory=dict)
    judged_day: float | None = None
    suggestions: tuple[OpenSuggestion, ...] | None = None  # open, best first; None: no result

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dictionary."""
        return {
            "running": self.running,
            "run_started": self.run_started.isoformat() if self.run_started else None,
            "last_run": self.last_run.as_dict() if self.last_run else None,
            "home_type": None
            if self.home_type is None
            else {
                "home_type": self.home_type.home_type,
                "source": self.home_type.source,
                "predicted": self.home_type.predicted,
                "probabilities": self.home_type.probabilities,
            },
            "devices": {key: report.as_dict() for key, report in self.devices.items()},
            "models": dict(self.models),
            "judged_day": None if self.judged_day is None else iso_time(self.judged_day),
            "open_suggestions": None if self.suggestions is None else len(self.suggestions),
        }


class StepSkipped(Exception):
    """Raised by a step that cannot run now (not enough data, library missing)."""


class HomeIQCoordinator(DataUpdateCoordinator[HomeIQData]):
    """Owns the training schedule, the run task and the persisted run history."""

    config_entry: HomeIQConfigEntry

    def __init__(self, hass: HomeAssistant, entry: HomeIQConfigEntry) -> None:
        """Create the coordinator; nothing is read or scheduled yet."""
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN)
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, RUNS_STORE)
        self._results: Store[dict[str, Any]] = Store(hass, RESULTS_VERSION, RESULTS_STORE)
        self._task: asyncio.Task[RunResult] | None = None
        self._run_started: datetime | None = None
        self._last_run: RunResult | None = None
        self._unsub_nightly: CALLBACK_TYPE | None = None
        self._unsub_started: CALLBACK_TYPE | None = None
        self._unsub_first_run: CALLBACK_TYPE | None = None
        self.reader = HomeReader(hass)
        self.home: Home | None = None
        self.registry = ModelRegistry(
            Path(hass.config.path(".storage", STORE_DIR, "models")), bundled_root=BUNDLED_MODELS
        )
        self.models: dict[str, object] = {}
        self.prediction: HomeTypeResult | None = None
        self.devices: dict[str, DeviceReport] = {}
        self.judged_day: float | None = None
        self.anomalies_announced: dict[str, float] = {}  # device id -> judged day announced
        self.home_type_labels: list[dict[str, Any]] = []
        self.training_unavailable: str | None = None
        self.home_results: dict[str, HomeAssessment] = {}  # capability -> its last result
        self.suggestions = SuggestionBook(hass, entry.entry_id)

    def option(self, key: str) -> Any:
        """Return an option, falling back to its default."""
        defaults = DEFAULT_OPTIONS | UNSHIPPED_OPTION_DEFAULTS
        return self.config_entry.options.get(key, defaults[key])

    @override
    async def _async_setup(self) -> None:
        """Load the last run, the last results and the deployed models."""
        await self.reader.async_load()
        self.config_entry.async_on_unload(self.reader.async_track_registry())
        stored = await self._store.async_load()
        if stored and stored.get("last_run"):
            try:
                self._last_run = RunResult.from_dict(stored["last_run"])
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Ignoring an unreadable stored training run")
        self._restore_results(await self._results.async_load() or {})
        await self.suggestions.async_load()
        self.models = await self.hass.async_add_executor_job(pipeline.load_models, self.registry)
        if self._record_home_type_label():
            await self._results.async_save(self._results_data())
        async_sync_device_issues(self.hass, self.devices)

    def _restore_results(self, stored: dict[str, Any]) -> None:
        try:
            self.prediction = HomeTypeResult.from_dict(stored["prediction"])
        except KeyError, TypeError, ValueError:
            self.prediction = None
        devices: dict[str, DeviceReport] = {}
        for device_id, report in (stored.get("devices") or {}).items():
            try:
                devices[device_id] = DeviceReport.from_dict(report)
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Ignoring an unreadable stored report of device %s", device_id)
        self.devices = devices
        try:
            self.judged_day = parse_time(stored["judged_day"])
        except KeyError, TypeError, ValueError:
            self.judged_day = None
        announced = stored.get("anomalies_announced") or {}
        self.anomalies_announced = {
            str(k): float(v) for k, v in announced.items() if isinstance(v, int | float)
        }
        labels = stored.get("home_type_labels") or []
        self.home_type_labels = [label for label in labels if isinstance(label, dict)]

    def _results_data(self) -> dict[str, Any]:
        return {
            "prediction": None if self.prediction is None else self.prediction.as_dict(),
            "devices": {key: report.as_dict() for key, report in self.devices.items()},
            "judged_day": None if self.judged_day is None else iso_time(self.judged_day),
            "anomalies_announced": self.anomalies_announced,
            "home_type_labels": self.home_type_labels,
        }

    def _record_home_type_label(self) -> bool:
        """Keep the user's home type correction as a label (once per change)."""
        chosen = str(self.option(CONF_HOME_TYPE))
        if chosen == HOME_TYPE_AUTO:
            return False
        if self.home_type_labels and self.home_type_labels[-1].get("home_type") == chosen:
            return False
        self.home_type_labels.append(
            {
                "home_type": chosen,
                "set_at": dt_util.utcnow().isoformat(),
                "predicted": self.prediction.home_type if self.prediction else None,
                "probabilities": self.prediction.probabilities if self.prediction else None,
            }
        )
        return True

    def home_type_state(self) -> HomeTypeState | None:
        """The home type to show: the user's choice, else the model's prediction."""
        chosen = str(self.option(CONF_HOME_TYPE))
        predicted = self.prediction.home_type if self.prediction else None
        probabilities = dict(self.prediction.probabilities) if self.prediction else {}
        if chosen != HOME_TYPE_AUTO:
            return HomeTypeState(chosen, "user", predicted, probabilities)
        if predicted is None:
            return None
        return HomeTypeState(predicted, "model", predicted, probabilities)

    def model_summaries(self) -> dict[str, dict[str, Any] | None]:
        """Deployed models with their held-out metrics (``None``: no usable model)."""
        return {
            name: pipeline.model_summary(name, model) for name, model in sorted(self.models.items())
        }

    @override
    async def _async_update_data(self) -> HomeIQData:
        """Return the current snapshot; HomeIQ never polls."""
        return self._snapshot()

    def _snapshot(self) -> HomeIQData:
        return HomeIQData(
            running=self.is_running,
            run_started=self._run_started,
            last_run=self._last_run,
            home_type=self.home_type_state(),
            devices=dict(self.devices),
            models=self.model_summaries(),
            judged_day=self.judged_day,
            suggestions=self.suggestions.open(),
        )

    @callback
    def async_suggestions_changed(self) -> None:
        """Show answers at once (the suggestions sensor)."""
        self.async_set_updated_data(self._snapshot())

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
    def async_schedule_first_run(self) -> None:
        """When HomeIQ has never finished a run, start one :data:`FIRST_RUN_DELAY` after
        Home Assistant has started (counting from now when it already has).

        A run cut short by a restart (cancelled) does not count: it left no results. Never
        during setup and never awaited; skipped when a run has happened or is going by
        then; cancelled on unload (:meth:`async_shutdown`).
        """
        if not self._needs_first_run():
            return

        @callback
        def started(_: HomeAssistant) -> None:
            self._unsub_started = None
            self._unsub_first_run = async_call_later(
                self.hass, FIRST_RUN_DELAY, self._async_first_run
            )

        unsub = async_at_started(self.hass, started)
        if self._unsub_first_run is None:  # Home Assistant is still starting
            self._unsub_started = unsub

    def _needs_first_run(self) -> bool:
        run = self._last_run
        return run is None or run.outcome is RunOutcome.CANCELLED

    @callback
    def _async_first_run(self, now: datetime) -> None:
        self._unsub_first_run = None
        if self.is_running or not self._needs_first_run():
            LOGGER.debug("First run not needed: HomeIQ has run or is running")
            return
        LOGGER.info("HomeIQ has never run: starting its first run")
        self.async_start_run(TRIGGER_FIRST_RUN)

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

    async def async_cancel_run(self) -> None:
        """Cancel a running training run and wait until it has recorded itself."""
        if (task := self._task) is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    async def async_forget_device(self, device_id: str) -> None:
        """Drop a device removed from the device registry: its report and repair issue."""
        if self.devices.pop(device_id, None) is None:
            return
        self.anomalies_announced.pop(device_id, None)
        async_sync_device_issues(self.hass, self.devices)
        self.async_set_updated_data(self._snapshot())
        await self._results.async_save(self._results_data())

    def _steps(self) -> list[tuple[str, StepFn]]:
        """The nightly run's steps, built from the registered capabilities."""
        return [(step.name, partial(self._async_step, step)) for step in nightly_steps()]

    async def _async_step(self, step: Step) -> dict[str, Any]:
        """Run one step: the ML in the executor, Home Assistant's side here."""
        if step.kind is StepKind.READ_HOME:
            return await self._async_step_read_home()
        if step.kind is StepKind.DEVICES:
            return await self._async_step_devices()
        assert step.capability is not None
        if step.kind is StepKind.TRAIN:
            return await self._async_train(step.capability)
        return await self._async_assess_home(step.capability)

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
            **({"history_skipped": report.history_skipped} if report.history_skipped else {}),
            **dict(report.counts),
            "external_series": report.external,
            "skipped": dict(self.reader.store.counters),
        }

    def _require_home(self) -> Home:
        if self.home is None:
            raise StepSkipped("the home could not be read in this run")
        return self.home

    async def _async_require_training(self) -> None:
        """Skip a training step (with one repair issue) where scikit-learn cannot run."""
        reason = await self.hass.async_add_executor_job(training_unavailable)
        self.training_unavailable = reason
        async_sync_training_issue(self.hass, reason)
        if reason is not None:
            raise StepSkipped(f"{reason}; the current model keeps working")

    async def _async_train(self, capability: Capability) -> dict[str, Any]:
        home = self._require_home()
        await self._async_require_training()
        try:
            details: dict[str, Any] = await self.hass.async_add_executor_job(
                lambda: capability.train_on_home(
                    home,
                    self.registry,
                    home.window_end or dt_util.utcnow().timestamp(),
                    min_days=float(self.option(CONF_MIN_DAYS_DEVICE)),
                )
            )
        except Unavailable as err:
            raise StepSkipped(str(err)) from err
        if (name := capability.model_name) is not None:
            self.models[name] = await self.hass.async_add_executor_job(
                pipeline.load_any, self.registry, name
            )
        return details

    async def _async_assess_home(self, capability: Capability) -> dict[str, Any]:
        home = self._require_home()
        now = home.window_end or dt_util.utcnow().timestamp()
        try:
            result = await self.hass.async_add_executor_job(
                capability.assess, home, now, dict(self.models)
            )
        except Unavailable as err:
            raise StepSkipped(str(err)) from err
        if capability.name == HOME_TYPE.name:
            assert isinstance(result, HomeTypeResult)
            return await self._async_home_type_assessed(result)
        if capability.name == SYNERGY.name:
            assert isinstance(result, SynergyResult)
            self.home_results[capability.name] = result
            return await self.suggestions.async_assessed(result, home)
        # A capability without a Home Assistant side of its own yet: its result is kept,
        # and its figures are the step's.
        self.home_results[capability.name] = result
        return result.as_dict()

    async def _async_home_type_assessed(self, result: HomeTypeResult) -> dict[str, Any]:
        """Keep the home type, record the user's correction as a label, save the results."""
        self.prediction = result
        self._record_home_type_label()
        await self._results.async_save(self._results_data())
        state = self.home_type_state()
        assert state is not None
        return {
            "home_type": state.home_type,
            "source": state.source,
            "predicted": result.home_type,
            "probabilities": result.probabilities,
            "model_version": result.model_version,
        }

    async def _async_step_devices(self) -> dict[str, Any]:
        home = self._require_home()
        now = home.window_end or dt_util.utcnow().timestamp()
        assessment = await self.hass.async_add_executor_job(
            pipeline.assess_home, home, now, dict(self.models)
        )
        # A device removed from the registry while the run read the home is not reported.
        registry = dr.async_get(self.hass)
        self.devices = {k: r for k, r in assessment.reports.items() if registry.async_get(k)}
        self.judged_day = assessment.judged_day
        self._announce_anomalies()
        async_sync_device_issues(self.hass, self.devices)
        await self._results.async_save(self._results_data())
        return assessment.details()

    def _announce_anomalies(self) -> None:
        """Fire ``homeiq_device_anomaly`` once per anomalous device and judged day."""
        for device_id, report in self.devices.items():
            if not report.anomalous or self.anomalies_announced.get(device_id) == (
                report.anomalies[0].day_start
            ):
                continue
            top = report.anomalies[0]
            self.anomalies_announced[device_id] = top.day_start
            self.hass.bus.async_fire(
                EVENT_DEVICE_ANOMALY,
                {
                    "device_id": device_id,
                    "device_name": report.name,
                    "entity_id": top.entity_id,
                    "day": dt_util.utc_from_timestamp(top.day_start).isoformat(),
                    "score": top.score,
                    "reason": top.reason,
                    "reasons": [a.reason for a in report.anomalies],
                },
            )

    @override
    async def async_shutdown(self) -> None:
        """Stop the schedule and a pending first run; the entry cancels a running task on
        unload."""
        await super().async_shutdown()
        for unsub in (self._unsub_nightly, self._unsub_started, self._unsub_first_run):
            if unsub is not None:
                unsub()
        self._unsub_nightly = self._unsub_started = self._unsub_first_run = None
