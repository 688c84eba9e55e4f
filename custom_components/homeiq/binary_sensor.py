"""HomeIQ binary sensors: a device at risk of failing, a device behaving unusually."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import HomeIQConfigEntry, HomeIQData
from .core.devices import DeviceReport, iso_time
from .entity import DeviceEntityDescription, HomeIQDeviceEntity, device_entities_adder

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DeviceBinarySensorEntityDescription(BinarySensorEntityDescription, DeviceEntityDescription):
    """Describes a per-device HomeIQ binary sensor."""

    is_on_fn: Callable[[DeviceReport], bool]


def _anomaly_attributes(report: DeviceReport, data: HomeIQData) -> dict[str, Any]:
    top = report.anomalies[0] if report.anomalies else None
    judged = data.judged_day
    return {
        "judged_day": None if judged is None else iso_time(judged),
        "reason": None if top is None else top.reason,
        "entity_id": None if top is None else top.entity_id,
        "score": None if top is None else top.score,
        "reasons": [a.reason for a in report.anomalies],
    }


DEVICE_BINARY_SENSORS: tuple[DeviceBinarySensorEntityDescription, ...] = (
    # On when the failure risk is at or above the model's threshold (band "high"); the one
    # failure entity every assessed device gets enabled.
    DeviceBinarySensorEntityDescription(
        key="at_risk",
        translation_key="at_risk",
        device_class=BinarySensorDeviceClass.PROBLEM,
        applies_fn=lambda report: report.risk_band is not None,
        is_on_fn=lambda report: report.at_risk,
        attributes_fn=lambda report, _: {
            "risk_band": report.risk_band,
            "probability": report.risk_percent,
            "reasons": list(report.risk_reasons),
        },
    ),
    # On when one of the device's entities was unusual on the last judged day.
    DeviceBinarySensorEntityDescription(
        key="anomalous",
        translation_key="anomalous",
        device_class=BinarySensorDeviceClass.PROBLEM,
        applies_fn=lambda report: report.anomaly_checked,
        is_on_fn=lambda report: report.anomalous,
        attributes_fn=_anomaly_attributes,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeIQConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the per-device binary sensors as devices get assessed."""
    coordinator = entry.runtime_data.coordinator
    add_devices = device_entities_adder(
        coordinator, async_add_entities, DeviceBinarySensor, DEVICE_BINARY_SENSORS
    )
    add_devices()
    entry.async_on_unload(coordinator.async_add_listener(add_devices))


class DeviceBinarySensor(HomeIQDeviceEntity, BinarySensorEntity):
    """A per-device binary sensor computed from the device's report."""

    entity_description: DeviceBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        report = self.report
        return None if report is None else self.entity_description.is_on_fn(report)
