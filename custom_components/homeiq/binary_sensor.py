"""HomeIQ binary sensors: a device at risk of failing, a device behaving unusually."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import HomeIQConfigEntry, HomeIQCoordinator
from .core.devices import DeviceReport
from .entity import HomeIQDeviceEntity, device_entities_adder

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeIQConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the per-device binary sensors as devices get assessed."""
    coordinator = entry.runtime_data.coordinator
    add_devices = device_entities_adder(
        coordinator, async_add_entities, (AtRiskBinarySensor.create, AnomalousBinarySensor.create)
    )
    add_devices()
    entry.async_on_unload(coordinator.async_add_listener(add_devices))


class AtRiskBinarySensor(HomeIQDeviceEntity, BinarySensorEntity):
    """On when the device's failure risk is at or above the model's threshold."""

    _attr_translation_key = "at_risk"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _unrecorded_attributes = frozenset({"reasons"})

    @classmethod
    def create(
        cls, coordinator: HomeIQCoordinator, device: dr.AnyDeviceEntry, report: DeviceReport
    ) -> AtRiskBinarySensor | None:
        """An at-risk sensor for a device the failure model assessed."""
        return None if report.risk is None else cls(coordinator, device, "at_risk")

    @property
    @override
    def is_on(self) -> bool | None:
        report = self.report
        return None if report is None else report.at_risk

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        report = self.report
        if report is None:
            return None
        return {"risk": report.risk, "reasons": list(report.risk_reasons)}


class AnomalousBinarySensor(HomeIQDeviceEntity, BinarySensorEntity):
    """On when one of the device's entities behaved unusually on the last judged day."""

    _attr_translation_key = "anomalous"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _unrecorded_attributes = frozenset({"reasons"})

    @classmethod
    def create(
        cls, coordinator: HomeIQCoordinator, device: dr.AnyDeviceEntry, report: DeviceReport
    ) -> AnomalousBinarySensor | None:
        """An anomaly sensor for a device with entities that are judged for anomalies."""
        return cls(coordinator, device, "anomalous") if report.anomaly_checked else None

    @property
    @override
    def is_on(self) -> bool | None:
        report = self.report
        return None if report is None else report.anomalous

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        report = self.report
        if report is None:
            return None
        judged = self.coordinator.data.judged_day
        top = report.anomalies[0] if report.anomalies else None
        day = None if judged is None else dt_util.utc_from_timestamp(judged).isoformat()
        return {
            "judged_day": day,
            "reason": None if top is None else top.reason,
            "entity_id": None if top is None else top.entity_id,
            "score": None if top is None else top.score,
            "reasons": [a.reason for a in report.anomalies],
        }
