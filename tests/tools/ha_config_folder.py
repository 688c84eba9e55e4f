"""Write a home as a Home Assistant configuration folder would hold it after a few weeks.

``.storage`` registries in the format Home Assistant 2026.10 writes them (every field its
loaders read, at the current versions: a test loads them with Home Assistant's own
registries), ``.storage/core.config`` with the time zone, ``automations.yaml`` as the
automation editor writes it and the recorder database (``tools.recorder_db``).

``sun.sun`` and ``zone.home`` get no registry entry (they have none in Home Assistant
either): they are known from their recorded states alone. Every other entity belongs to the
``homeiq_sim`` platform, its device (if any) to one config entry; an entity's own area is
written only where it differs from its device's, as Home Assistant keeps it.
"""

from __future__ import annotations

from datetime import UTC, datetime
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from custom_components.homeiq.core.home import Home
from tools.generate import automation_configs
from tools.recorder_db import write_recorder_db

PLATFORM = "homeiq_sim"
CONFIG_ENTRY_ID = "01JSIMCONFIGENTRY000000000"
STATE_ONLY = frozenset({"sun.sun", "zone.home"})
CREATED = datetime(2026, 1, 1, tzinfo=UTC).isoformat()


def _registry_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _write_storage(config: Path, key: str, version: int, minor: int, data: Any) -> None:
    document = {"version": version, "minor_version": minor, "key": key, "data": data}
    (config / ".storage").mkdir(parents=True, exist_ok=True)
    (config / ".storage" / key).write_text(json.dumps(document, indent=2), encoding="utf-8")


def floor_registry(home: Home) -> dict[str, Any]:
    """``core.floor_registry`` data (version 1.3)."""
    floors: dict[str, int | None] = {}
    for area in home.areas.values():
        if area.floor_id is not None:
            floors.setdefault(area.floor_id, area.floor_level)
    return {
        "floors": [
            {
                "aliases": [],
                "floor_id": floor_id,
                "icon": None,
                "level": level,
                "name": f"Floor {level}" if level is not None else floor_id,
                "created_at": CREATED,
                "modified_at": CREATED,
            }
            for floor_id, level in floors.items()
        ]
    }


def area_registry(home: Home) -> dict[str, Any]:
    """``core.area_registry`` data (version 1.9)."""
    return {
        "areas": [
            {
                "aliases": [],
                "floor_id": area.floor_id,
                "humidity_entity_id": None,
                "icon": None,
                "id": area.area_id,
                "labels": [],
                "name": area.name,
                "picture": None,
                "temperature_entity_id": None,
                "created_at": CREATED,
                "modified_at": CREATED,
            }
            for area in home.areas.values()
        ]
    }


def device_registry(home: Home) -> dict[str, Any]:
    """``core.device_registry`` data (version 3.4)."""
    return {
        "devices": [
            {
                "area_id": device.area_id,
                "config_entry_id": CONFIG_ENTRY_ID,
                "config_subentry_id": None,
                "configuration_url": None,
                "connections": [],
                "created_at": CREATED,
                "disabled_by": None,
                "entry_type": None,
                "hw_version": None,
                "id": device.device_id,
                "identifiers": [[PLATFORM, device.device_id]],
                "labels": [],
                "composite_device_id": None,
                "composite_primary_config_entry": None,
                "split_at": None,
                "manufacturer": device.manufacturer,
                "model": device.model,
                "model_id": None,
                "modified_at": CREATED,
                "name_by_user": None,
                "name": device.name,
                "has_composite_identifiers": False,
                "primary_config_entry": CONFIG_ENTRY_ID,
                "serial_number": None,
                "sw_version": None,
                "via_device_id": None,
            }
            for device in home.devices.values()
        ],
        "child_devices": [],
        "deleted_devices": [],
    }


def entity_registry(home: Home) -> dict[str, Any]:
    """``core.entity_registry`` data (version 1.23)."""
    entries = []
    for entity in home.entities.values():
        if entity.entity_id in STATE_ONLY:
            continue
        device = home.devices.get(entity.device_id) if entity.device_id else None
        own_area = entity.area_id if device is None or entity.area_id != device.area_id else None
        entries.append(
            {
                "aliases": [],
                "aliases_v2": [],
                "area_id": own_area,
                "categories": {},
                "capabilities": None,
                "config_entry_id": CONFIG_ENTRY_ID,
                "config_subentry_id": None,
                "created_at": CREATED,
                "device_class": None,
                "device_id": entity.device_id if device is not None else None,
                "disabled_by": None if entity.enabled else "user",
                "entity_category": None,
                "entity_id": entity.entity_id,
                "hidden_by": None,
                "icon": None,
                "id": _registry_id(entity.entity_id),
                "has_entity_name": False,
                "labels": [],
                "modified_at": CREATED,
                "name": None,
                "object_id_base": None,
                "options": {},
                "original_device_class": entity.device_class,
                "original_icon": None,
                "original_name": entity.name,
                "platform": PLATFORM,
                "suggested_object_id": entity.entity_id.partition(".")[2],
                "supported_features": 0,
                "translation_key": None,
                "unique_id": entity.entity_id,
                "previous_unique_id": None,
                "unit_of_measurement": entity.unit,
            }
        )
    return {"entities": entries, "deleted_entities": [], "settings": {"entity_id_parts": None}}


def core_config(home: Home) -> dict[str, Any]:
    """``core.config`` data (version 1.4)."""
    return {
        "latitude": 52.37,
        "longitude": 4.89,
        "elevation": 0,
        "unit_system_v2": "metric",
        "location_name": "Home",
        "time_zone": home.time_zone,
        "external_url": None,
        "internal_url": None,
        "currency": "EUR",
        "country": "NL",
        "language": "en",
        "radius": 100,
    }


STORAGE_FILES = {
    "core.floor_registry": (1, 3, floor_registry),
    "core.area_registry": (1, 9, area_registry),
    "core.device_registry": (3, 4, device_registry),
    "core.entity_registry": (1, 23, entity_registry),
    "core.config": (1, 4, core_config),
}


def write_registries(config: Path, home: Home) -> None:
    """The ``.storage`` files of ``home``."""
    for key, (version, minor, build) in STORAGE_FILES.items():
        _write_storage(config, key, version, minor, build(home))


def write_config_folder(config: Path, home: Home, *, history: bool = True) -> None:
    """``home`` as a configuration folder: registries, automations and (``history``) the
    recorder database."""
    config.mkdir(parents=True, exist_ok=True)
    write_registries(config, home)
    (config / "configuration.yaml").write_text(
        "default_config:\nautomation: !include automations.yaml\n", encoding="utf-8"
    )
    (config / "automations.yaml").write_text(
        yaml.safe_dump(automation_configs(home), sort_keys=False), encoding="utf-8"
    )
    if history:
        write_recorder_db(config / "home-assistant_v2.db", home)
