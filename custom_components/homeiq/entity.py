"""Base entity for HomeIQ."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, override

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_platform,
    entity_registry as er,
)
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, LOGGER
from .coordinator import HomeIQCoordinator, HomeIQData
from .core.devices import DeviceReport
from .core.run import RunResult


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
        self._attr_unique_id = device_unique_id(
            coordinator.config_entry.entry_id, device.id, description.key
        )

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


def device_unique_id(entry_id: str, device_id: str, key: str) -> str:
    """The unique id of the entity ``key`` of HomeIQ about the device ``device_id``."""
    return f"{entry_id}_{device_id}_{key}"


def device_entities_adder[D: DeviceEntityDescription, T: HomeIQDeviceEntity](
    coordinator: HomeIQCoordinator,
    add_entities: Callable[[Iterable[T]], None],
    entity_class: Callable[[HomeIQCoordinator, dr.AnyDeviceEntry, D], T],
    descriptions: Sequence[D],
) -> Callable[[], None]:
    """A coordinator listener that keeps the platform's per-device entities current.

    Call it from the platform's ``async_setup_entry``. Each update it removes from the
    entity registry the entities of devices that left the device registry, and, once a run
    has finished, those of devices the run did not assess or whose description no longer
    applies to the report (the battery forecast went away); then it adds the entities that
    now apply. A removed entity can come back when its device is assessed again.
    """
    hass = coordinator.hass
    entry_id = coordinator.config_entry.entry_id
    domain = entity_platform.async_get_current_platform().domain
    known: set[tuple[str, int]] = set()
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    # Reports survive restarts, but only a finished run says what is no longer assessed.
    cleaned_after: list[RunResult | None] = [coordinator.data.last_run]

    def parse(unique_id: str) -> tuple[str, int] | None:
        """(device id, description index) of one of this platform's unique ids."""
        rest = unique_id.removeprefix(f"{entry_id}_")
        if rest == unique_id:
            return None
        for index, description in enumerate(descriptions):
            device_id = rest.removesuffix(f"_{description.key}")
            if device_id and device_id != rest:
                return device_id, index
        return None

    @callback
    def remove_stale(data: HomeIQData) -> None:
        after_run = not data.running and data.last_run is not cleaned_after[0]
        if after_run:
            cleaned_after[0] = data.last_run
        for entry in er.async_entries_for_config_entry(entities, entry_id):
            if entry.domain != domain or (parsed := parse(entry.unique_id)) is None:
                continue
            device_id, index = parsed
            if devices.async_get(device_id) is not None and not (
                after_run
                and (
                    (report := data.devices.get(device_id)) is None
                    or not descriptions[index].applies_fn(report)
                )
            ):
                continue
            LOGGER.debug("Removing %s: its device is gone or no longer assessed", entry.entity_id)
            entities.async_remove(entry.entity_id)
            known.discard(parsed)

    @callback
    def add_new(data: HomeIQData) -> None:
        new: list[T] = []
        for device_id, report in data.devices.items():
            if (device := devices.async_get(device_id)) is None:
                continue
            for index, description in enumerate(descriptions):
                if (device_id, index) in known or not description.applies_fn(report):
                    continue
                known.add((device_id, index))
                new.append(entity_class(coordinator, device, description))
        if new:
            add_entities(new)

    @callback
    def update() -> None:
        remove_stale(coordinator.data)
        add_new(coordinator.data)

    return update
