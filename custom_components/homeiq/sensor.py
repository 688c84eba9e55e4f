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
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import HomeIQConfigEntry, HomeIQCoordinator, HomeIQData
from .core.run import RunOutcome
from .entity import HomeIQEntity

PARALLEL_UPDATES = 0

STATUS_NEVER_RUN = "never_run"
STATUS_RUNNING = "running"


def _training_status(data: HomeIQData) -> str:
    if data.running:
        return STATUS_RUNNING
    if data.last_run is None:
        return STATUS_NEVER_RUN
    return data.last_run.outcome.value


def _training_attributes(data: HomeIQData) -> dict[str, Any]:
    run = data.last_run
    return {
        "run_started": data.run_started.isoformat() if data.run_started else None,
        "last_trigger": run.trigger if run else None,
        "last_start": run.started.isoformat() if run else None,
        "last_end": run.finished.isoformat() if run else None,
        "last_duration_s": round(run.duration_s, 3) if run else None,
        "last_outcome": run.outcome.value if run else None,
        "steps": [step.as_dict() for step in run.steps] if run else [],
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
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeIQConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add HomeIQ sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(HomeIQSensor(coordinator, description) for description in SENSORS)


class HomeIQSensor(HomeIQEntity, SensorEntity):
    """A sensor computed from the coordinator's snapshot."""

    entity_description: HomeIQSensorEntityDescription
    # Per-step details change every run and can be long; keep them out of the recorder.
    _unrecorded_attributes = frozenset({"steps"})

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
