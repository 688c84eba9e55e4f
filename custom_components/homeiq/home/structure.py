"""Build a home's structure from registry entries, without Home Assistant running.

The integration passes Home Assistant's own registry entries and current states
(``reader.build_home_structure``); ``scripts/suggest --config`` passes the same entries read
from a configuration folder's ``.storage`` files and the latest recorded attributes. Both get
the same :class:`Home` from the same entries: the rules live here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ..core.home import Area, Automation, Device, Entity, Home

SERVICE_ENTRY_TYPE = "service"  # dr.DeviceEntryType.SERVICE, a StrEnum


class FloorRecord(Protocol):
    """What HomeIQ reads of a floor registry entry."""

    @property
    def floor_id(self) -> str: ...

    @property
    def level(self) -> int | None: ...


class AreaRecord(Protocol):
    """What HomeIQ reads of an area registry entry."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def floor_id(self) -> str | None: ...


class DeviceRecord(Protocol):
    """What HomeIQ reads of a device registry entry."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def name_by_user(self) -> str | None: ...

    @property
    def manufacturer(self) -> str | None: ...

    @property
    def model(self) -> str | None: ...

    @property
    def area_id(self) -> str | None: ...

    @property
    def entry_type(self) -> str | None: ...


class EntityRecord(Protocol):
    """What HomeIQ reads of an entity registry entry."""

    @property
    def entity_id(self) -> str: ...

    @property
    def platform(self) -> str: ...

    @property
    def device_id(self) -> str | None: ...

    @property
    def area_id(self) -> str | None: ...

    @property
    def device_class(self) -> str | None: ...

    @property
    def original_device_class(self) -> str | None: ...

    @property
    def unit_of_measurement(self) -> str | None: ...

    @property
    def name(self) -> str | None: ...

    @property
    def original_name(self) -> str | None: ...

    @property
    def disabled_by(self) -> object | None: ...


def assemble_home_structure(
    *,
    floors: Iterable[FloorRecord],
    areas: Iterable[AreaRecord],
    devices: Iterable[DeviceRecord],
    entities: Iterable[EntityRecord],
    states: Mapping[str, Mapping[str, Any]],
    automations: list[Automation],
    time_zone: str,
    own_platform: str,
) -> Home:
    """The home's areas, devices, entities and automations (no histories).

    ``states`` maps each entity with a state to its attributes. An entity's device class is
    the user's (entity registry ``device_class``), else the entity's own
    (``original_device_class``), else its state's attribute: entities without a unique id
    have no registry entry at all and come from ``states`` alone, after the registry's.
    Its unit is the state's ``unit_of_measurement``, the unit the recorded values are in (a
    unit the user picks for a sensor applies to its state at once, while the registry keeps
    the unit of the last start until the next one); without a state it is the registry's.
    Service devices (a weather service, an integration's own) are not devices of the home;
    ``own_platform``'s entities (HomeIQ's) are left out.
    """
    levels = {floor.floor_id: floor.level for floor in floors}
    home_areas = {
        area.id: Area(
            area_id=area.id,
            name=area.name,
            floor_id=area.floor_id,
            floor_level=levels.get(area.floor_id) if area.floor_id else None,
        )
        for area in areas
    }
    device_entries = {
        device.id: device for device in devices if device.entry_type != SERVICE_ENTRY_TYPE
    }
    home_entities: dict[str, Entity] = {}
    registered = list(entities)
    own = {entry.entity_id for entry in registered if entry.platform == own_platform}
    for entry in registered:
        if entry.entity_id in own:
            continue
        device = device_entries.get(entry.device_id) if entry.device_id else None
        attributes = states.get(entry.entity_id, {})
        home_entities[entry.entity_id] = Entity(
            entity_id=entry.entity_id,
            device_class=entry.device_class
            or entry.original_device_class
            or attributes.get("device_class"),
            unit=attributes.get("unit_of_measurement") or entry.unit_of_measurement,
            area_id=entry.area_id or (device.area_id if device else None),
            device_id=entry.device_id if device else None,
            name=entry.name or entry.original_name,
            enabled=entry.disabled_by is None,
        )
    for entity_id, attributes in states.items():
        if entity_id not in home_entities and entity_id not in own:
            home_entities[entity_id] = Entity(
                entity_id=entity_id,
                device_class=attributes.get("device_class"),
                unit=attributes.get("unit_of_measurement"),
                name=attributes.get("friendly_name"),
            )
    battery_devices = {
        entity.device_id for entity in home_entities.values() if entity.device_class == "battery"
    }
    home_devices = {
        device.id: Device(
            device_id=device.id,
            name=device.name_by_user or device.name or device.id,
            manufacturer=device.manufacturer,
            model=device.model,
            area_id=device.area_id,
            battery_powered=device.id in battery_devices,
        )
        for device in device_entries.values()
    }
    return Home(
        areas=home_areas,
        devices=home_devices,
        entities=home_entities,
        automations=automations,
        time_zone=time_zone,
    )
