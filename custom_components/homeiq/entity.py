"""Base entity for HomeIQ."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import override

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import HomeIQCoordinator
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


class HomeIQDeviceEntity(CoordinatorEntity[HomeIQCoordinator]):
    """An entity about another integration's device, shown on that device's page.

    It links to the device the way Home Assistant's helper integrations do (by setting
    ``device_entry``), so the device does not become a HomeIQ device.
    """

    _attr_has_entity_name = True
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: HomeIQCoordinator, device: dr.AnyDeviceEntry, key: str) -> None:
        """Initialize the entity for ``device``."""
        super().__init__(coordinator)
        self.device_id = device.id
        self.device_entry = device
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{device.id}_{key}"

    @property
    def report(self) -> DeviceReport | None:
        """The device's report from the last run (``None``: not assessed)."""
        return self.coordinator.data.devices.get(self.device_id)

    @property
    @override
    def available(self) -> bool:
        return super().available and self.report is not None


def device_entities_adder[T: HomeIQDeviceEntity](
    coordinator: HomeIQCoordinator,
    add_entities: Callable[[Iterable[T]], None],
    factories: Sequence[Callable[[HomeIQCoordinator, dr.AnyDeviceEntry, DeviceReport], T | None]],
) -> Callable[[], None]:
    """A listener that adds each device's entities once they apply (a factory returns one)."""
    known: set[tuple[str, int]] = set()
    registry = dr.async_get(coordinator.hass)

    @callback
    def add_new() -> None:
        new: list[T] = []
        for device_id, report in coordinator.data.devices.items():
            if (device := registry.async_get(device_id)) is None:
                continue
            for index, factory in enumerate(factories):
                if (device_id, index) in known:
                    continue
                if (entity := factory(coordinator, device, report)) is not None:
                    known.add((device_id, index))
                    new.append(entity)
        if new:
            add_entities(new)

    return add_new
