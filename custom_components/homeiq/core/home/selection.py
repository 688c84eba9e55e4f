"""Which entities each capability reads: one definition for synthetic and real homes.

The models learn from synthetic homes and are served real ones, so a capability reads only
entities a synthetic home holds too: the domains of the generator's device kinds
(:data:`DEVICE_DOMAINS`, a constant here; a test checks the generator's catalog uses only
these) and the entities it adds to every home (``sun.sun``, ``zone.home``, one ``person``
per occupant, ``script`` entities). Home Assistant's own bookkeeping entities
(``automation.*``, ``update.*``, ``button.*``, ``event.*``, ``conversation.*``, ``tts.*``,
``todo.*``, further zones …) exist only in a real home and are read by none. The adapter
asks the recorder only for :func:`entities_read`.
"""

from __future__ import annotations

from typing import Final, Literal

from .external import find_external_entities
from .history import is_numeric
from .model import Entity, Home

type EntityKind = Literal["activity", "numeric"]

# Domains of the entities of the synthetic device kinds (light, sensor, lock …).
DEVICE_DOMAINS: Final = frozenset(
    {
        "alarm_control_panel",
        "binary_sensor",
        "camera",
        "climate",
        "cover",
        "fan",
        "light",
        "lock",
        "media_player",
        "sensor",
        "siren",
        "switch",
        "valve",
    }
)
# What the generator adds to every home besides devices.
HOME_ENTITY_IDS: Final = frozenset({"sun.sun", "zone.home"})
HOME_DOMAINS: Final = frozenset({"person", "script"})

ACTIVITY_CLASSES: Final = frozenset({"motion", "occupancy", "presence", "door", "window"})
# Numeric sensors of the surroundings: a flat line or a jump is a fault, not behaviour
# (power or energy follow what people do, and are left to the failure model).
STEADY_CLASSES: Final = frozenset(
    {
        "temperature",
        "humidity",
        "moisture",
        "pressure",
        "atmospheric_pressure",
        "illuminance",
        "carbon_dioxide",
        "carbon_monoxide",
        "pm25",
        "pm10",
        "volatile_organic_compounds",
    }
)


def is_modelled(home: Home, entity: Entity) -> bool:
    """Whether an entity is of a kind the synthetic homes hold (and the models know).

    Of the device domains only a device's entities are: in a synthetic home every light or
    sensor belongs to one, while Home Assistant's own sensors (the sun's, a service's such
    as a weather forecast's) belong to none of the home's devices.
    """
    if entity.domain in DEVICE_DOMAINS:
        return entity.device_id in home.devices
    return entity.domain in HOME_DOMAINS or entity.entity_id in HOME_ENTITY_IDS


def home_type_entities(home: Home) -> list[str]:
    """Entities the home type features count and read: enabled and modelled, in home order."""
    return [
        e for e, entity in home.entities.items() if entity.enabled and is_modelled(home, entity)
    ]


def home_type_devices(home: Home) -> list[str]:
    """Devices the home type features count: those with an entity they read."""
    with_entities = {home.entities[e].device_id for e in home_type_entities(home)}
    return [d for d in home.devices if d in with_entities]


def anomaly_kind(entity: Entity) -> EntityKind | None:
    """Whether an entity is judged as activity, as a numeric value, or not at all."""
    if entity.domain == "binary_sensor" and entity.device_class in ACTIVITY_CLASSES:
        return "activity"
    if entity.domain == "sensor" and is_numeric(entity) and entity.device_class in STEADY_CLASSES:
        return "numeric"
    return None


def anomaly_entities(home: Home) -> dict[str, EntityKind]:
    """Entities the anomaly check judges, with how it judges each."""
    return {
        entity_id: kind
        for entity_id, entity in home.entities.items()
        if (kind := anomaly_kind(entity)) is not None
    }


def device_entities(home: Home) -> dict[str, list[str]]:
    """Each device's modelled entities (the failure model reads them all), in home order."""
    found: dict[str, list[str]] = {}
    for entity_id, entity in home.entities.items():
        if entity.device_id is not None and is_modelled(home, entity):
            found.setdefault(entity.device_id, []).append(entity_id)
    return found


def failure_entities(home: Home) -> list[str]:
    """Entities the failure model reads: every modelled entity of a device."""
    return [e for entities in device_entities(home).values() for e in entities]


def is_battery(entity: Entity) -> bool:
    """Whether an entity is a battery level sensor (device class ``battery``)."""
    return entity.domain == "sensor" and entity.device_class == "battery"


def battery_entities(home: Home) -> list[str]:
    """Battery level sensors of devices, whose discharge the battery forecast reads."""
    return [
        e
        for e, entity in home.entities.items()
        if is_battery(entity) and entity.device_id in home.devices
    ]


def entities_read(home: Home) -> frozenset[str]:
    """Every entity some capability reads, external series included: what to ingest."""
    return frozenset(
        (
            *home_type_entities(home),
            *anomaly_entities(home),
            *failure_entities(home),
            *battery_entities(home),
            *find_external_entities(home).values(),
        )
    )
