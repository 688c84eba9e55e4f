"""Base entity for HomeIQ."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, override

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import HomeIQCoordinator, HomeIQData
from .core.devices import DeviceReport


class HomeIQEntity(CoordinatorEntity[HomeIQCoordinator]):
    """An entity of the HomeIQ service device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: HomeIQCoordinator, key: str) -> None:
        """Initialize the entity with a unique id derived from the entry and key."""
        super().__init__(coordinator)
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = f"{entry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry_id)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="HomeIQ",
            name="HomeIQ",
        )


@dataclass(frozen=True, kw_only=True)
class DeviceEntityDescription(EntityDescription):
    """Describes a per-device entity: whether a device gets it, and its attributes."""

    applies_fn: Callable[[DeviceReport], bool]  # does the device get this entity
    attributes_fn: Callable[[DeviceReport, HomeIQData], dict[str, Any]]


class HomeIQDeviceEntity(CoordinatorEntity[HomeIQCoordinator]):
    """An entity about another integration's device, shown on that device's page.

    It links to the device the way Home Assistant's helper integrations do (by setting
    ``device_entry``), so the device does not become a HomeIQ device.
    """

    _attr_has_entity_name = True
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    # Reasons are long and change every night: kept out of the recorder.
    _unrecorded_attributes = frozenset({"reasons"})
    entity_description: DeviceEntityDescription

    def __init__(
        self,
        coordinator: HomeIQCoordinator,
        device: dr.AnyDeviceEntry,
        description: DeviceEntityDescription,
    ) -> None:
        """Initialize the entity for ``device``."""
        super().__init__(coordinator)
        self.entity_description = description
        self.device_id = device.id
        self.device_entry = device
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{device.id}_{description.key}"

    @property
    def report(self) -> DeviceReport | None:
        """The device's report from the last run (``None``: not assessed)."""
        return self.coordinator.data.devices.get(self.device_id)

    @property
    @override
    def available(self) -> bool:
        return super().available and self.report is not None

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        report = self.report
        if report is None:
            return None
        return self.entity_description.attributes_fn(report, self.coordinator.data)


def device_entities_adder[D: DeviceEntityDescription, T: HomeIQDeviceEntity](
    coordinator: HomeIQCoordinator,
    add_entities: Callable[[Iterable[T]], None],
    entity_class: Callable[[HomeIQCoordinator, dr.AnyDeviceEntry, D], T],
    descriptions: Sequence[D],
) -> Callable[[], None]:
    """A listener that adds each device's entities once they apply to its report."""
    known: set[tuple[str, int]] = set()
    registry = dr.async_get(coordinator.hass)

    @callback
    def add_new() -> None:
        new: list[T] = []
        for device_id, report in coordinator.data.devices.items():
            if (device := registry.async_get(device_id)) is None:
                continue
            for index, description in enumerate(descriptions):
                if (device_id, index) in known or not description.applies_fn(report):
                    continue
                known.add((device_id, index))
                new.append(entity_class(coordinator, device, description))
        if new:
            add_entities(new)

    return add_new
