"""HomeIQ sensors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import HomeIQConfigEntry, HomeIQCoordinator, HomeIQData
from .core.devices import RISK_BANDS, Coverage, DeviceReport
from .core.home_type import HOME_TYPES
from .core.run import RunOutcome
from .entity import (
    DeviceEntityDescription,
    HomeIQDeviceEntity,
    HomeIQEntity,
    device_entities_adder,
)
from .suggestions import TOP_ATTRIBUTE

PARALLEL_UPDATES = 0

STATUS_NEVER_RUN = "never_run"
STATUS_RUNNING = "running"


def _training_status(data: HomeIQData) -> str:
    if data.running:
        return STATUS_RUNNING
    if data.last_run is None:
        return STATUS_NEVER_RUN
    return data.last_run.outcome.value


def _judged_summary(data: HomeIQData) -> dict[str, str] | None:
    """Per capability, how much the last run's devices step judged, in words."""
    run = data.last_run
    step = next((s for s in run.steps if s.name == "devices"), None) if run else None
    if step is None or not isinstance(step.details.get("judged"), dict):
        return None
    summary = {}
    for capability, figures in step.details["judged"].items():
        try:
            summary[capability] = Coverage.from_dict(figures).summary()
        except KeyError, TypeError, ValueError:
            continue
    return summary


def _training_attributes(data: HomeIQData) -> dict[str, Any]:
    run = data.last_run
    return {
        "run_started": data.run_started.isoformat() if data.run_started else None,
        "last_trigger": run.trigger if run else None,
        "last_start": run.started.isoformat() if run else None,
        "last_end": run.finished.isoformat() if run else None,
        "last_duration_s": round(run.duration_s, 3) if run else None,
        "last_outcome": run.outcome.value if run else None,
        "judged": _judged_summary(data),
        "steps": [step.as_dict() for step in run.steps] if run else [],
        "models": dict(data.models),
    }


def _home_type(data: HomeIQData) -> str | None:
    return data.home_type.home_type if data.home_type else None


def _home_type_attributes(data: HomeIQData) -> dict[str, Any]:
    state = data.home_type
    if state is None:
        return {}
    return {
        "source": state.source,
        "predicted": state.predicted,
        "probabilities": dict(state.probabilities),
    }


def _open_suggestions(data: HomeIQData) -> int | None:
    """Open suggestions likely worth automating (the operating point of the ranking)."""
    if data.suggestions is None:
        return None
    return sum(item.suggestion.likely for item in data.suggestions)


def _suggestion_attributes(data: HomeIQData) -> dict[str, Any]:
    if data.suggestions is None:
        return {}
    return {
        "open": len(data.suggestions),
        "top": [item.short() for item in data.suggestions[:TOP_ATTRIBUTE]],
    }


@dataclass(frozen=True, kw_only=True)
class HomeIQSensorEntityDescription(SensorEntityDescription):
    """Describes a HomeIQ sensor."""

    value_fn: Callable[[HomeIQData], StateType]
    attributes_fn: Callable[[HomeIQData], dict[str, Any]] | None = None


SENSORS: tuple[HomeIQSensorEntityDescription, ...] = (
    HomeIQSensorEntityDescription(
        key="training_status",
        translation_key="training_status",
        device_class=SensorDeviceClass.ENUM,
        options=[STATUS_NEVER_RUN, STATUS_RUNNING, *(outcome.value for outcome in RunOutcome)],
        value_fn=_training_status,
        attributes_fn=_training_attributes,
    ),
    HomeIQSensorEntityDescription(
        key="home_type",
        translation_key="home_type",
        device_class=SensorDeviceClass.ENUM,
        options=list(HOME_TYPES),
        value_fn=_home_type,
        attributes_fn=_home_type_attributes,
    ),
    # Open synergy suggestions (answered ones leave at once); the best few as attributes.
    HomeIQSensorEntityDescription(
        key="suggestions",
        translation_key="suggestions",
        value_fn=_open_suggestions,
        attributes_fn=_suggestion_attributes,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeIQConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add HomeIQ sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(HomeIQSensor(coordinator, description) for description in SENSORS)
    add_devices = device_entities_adder(
        coordinator, async_add_entities, DeviceSensor, DEVICE_SENSORS
    )
    add_devices()
    entry.async_on_unload(coordinator.async_add_listener(add_devices))


class HomeIQSensor(HomeIQEntity, SensorEntity):
    """A sensor computed from the coordinator's snapshot."""

    entity_description: HomeIQSensorEntityDescription
    # Per-step details, model metrics and the top suggestions change every run (the
    # suggestions with every answer) and can be long: not recorded.
    _unrecorded_attributes = frozenset({"steps", "models", "top"})

    def __init__(
        self, coordinator: HomeIQCoordinator, description: HomeIQSensorEntityDescription
    ) -> None:
        """Initialize the sensor."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    @override
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)


@dataclass(frozen=True, kw_only=True)
class DeviceSensorEntityDescription(SensorEntityDescription, DeviceEntityDescription):
    """Describes a per-device HomeIQ sensor."""

    value_fn: Callable[[DeviceReport], StateType]


def _risk_attributes(report: DeviceReport, _: HomeIQData) -> dict[str, Any]:
    return {
        "probability": report.risk_percent,
        "at_risk": report.at_risk,
        "reasons": list(report.risk_reasons),
    }


def _battery_attributes(report: DeviceReport, _: HomeIQData) -> dict[str, Any]:
    battery = report.battery
    if battery is None:
        return {}
    return {
        "draining": battery.days_left is not None,
        "days_low": battery.days_low,
        "days_high": battery.days_high,
        "battery_level": battery.level,
        "drain_per_day": battery.drain_per_day,
        "battery_entity": battery.entity_id,
    }


# Per-device sensors keep no long-term statistics: their values are recomputed once a
# night, and in a home of hundreds of devices each statistic would be one more series to
# compile every hour (the battery's own level sensor keeps its statistics).
DEVICE_SENSORS: tuple[DeviceSensorEntityDescription, ...] = (
    # How likely the device fails within the next 7 days, as a band (see README).
    # Disabled by default: the "At risk" binary sensor shows the band too.
    DeviceSensorEntityDescription(
        key="failure_risk",
        translation_key="failure_risk",
        device_class=SensorDeviceClass.ENUM,
        options=list(RISK_BANDS),
        entity_registry_enabled_default=False,
        applies_fn=lambda report: report.risk_band is not None,
        value_fn=lambda report: report.risk_band,
        attributes_fn=_risk_attributes,
    ),
    # Days until the battery is empty, with a 10-90 % range (battery devices only).
    DeviceSensorEntityDescription(
        key="battery_days_left",
        translation_key="battery_days_left",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.DAYS,
        suggested_display_precision=1,
        applies_fn=lambda report: report.battery is not None,
        value_fn=lambda report: None if report.battery is None else report.battery.days_left,
        attributes_fn=_battery_attributes,
    ),
)


class DeviceSensor(HomeIQDeviceEntity, SensorEntity):
    """A per-device sensor computed from the device's report."""

    entity_description: DeviceSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType:
        report = self.report
        return None if report is None else self.entity_description.value_fn(report)
