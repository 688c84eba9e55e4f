"""Real Home Assistant configurations as :class:`Home` s (``../shared/realconfigs``).

``homes.jsonl`` (documented in that folder's README) holds, per public configuration, the
entities it defines or mentions (domain, device class, area where known) and the owner's
automations reduced to trigger → action pairs. :func:`real_home` turns one record into a
:class:`RealHome`: a :class:`Home` with no history and the owner's automations, grouped.

How a record becomes a home:

* every entity is kept, with its device class and name. The corpus has no units, and
  HomeIQ reads a sensor as numeric only with a unit: a sensor whose device class is a
  measurement (:data:`CLASS_UNITS`) gets that class's usual unit, as Home Assistant would
  report it. With ``guess_classes``, an entity the configuration gives no device class gets
  one from a word of its object id (:data:`CLASS_WORDS`: ``…_motion`` → ``motion``), the
  way an integration would have set it in a live home — a heuristic, reported apart;
* its area is the record's ``area``,
  else ``area_guess_from_name`` (a room word in its id or name), as an area id slugified
  from the area's name (so two entities named for one room share it);
* every entity gets a **pseudo device** of its own (``pseudo:<entity id>``, in the entity's
  area): the corpus has devices for few homes, and :mod:`~.core.home.selection` keeps an
  entity of a device domain (light, sensor …) only when it belongs to one of the home's
  devices, as every such entity of a synthetic home does. Entities of other domains
  (``input_boolean``, ``group`` …) are kept in the home but read by no capability, as in a
  real home;
* only **direct** pairs are read (rows without ``via``); rows are grouped into automations
  by (source file, automation id, alias). An automation's trigger entities and action
  entities are those of its rows; the pseudo action ``notify`` becomes the row's service
  (``notify.*``), so :func:`~.core.synergy.ranking.automated_pairs` sees it as a
  notification. ``device:<slug>`` triggers and targets (a device with no entity) are kept
  in the owner's pairs but name no entity of the home.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
import json
import os
from pathlib import Path
from typing import Any, Final
import zlib

import numpy as np

from custom_components.homeiq.core.home import Area, Automation, Device, Entity, Home

from .synthetic.names import slugify

CORPUS_FILE: Final = Path("shared/realconfigs/homes.jsonl")
CORPUS_ENV: Final = "HOMEIQ_REALCONFIGS"  # a homes.jsonl elsewhere
NOTIFY: Final = "notify"
PSEUDO_DEVICE: Final = "pseudo:"

type Pair = tuple[str, str]

# The usual unit of each measurement device class of a sensor.
CLASS_UNITS: Final[dict[str, str]] = {
    "temperature": "°C",
    "humidity": "%",
    "moisture": "%",
    "battery": "%",
    "illuminance": "lx",
    "power": "W",
    "energy": "kWh",
    "voltage": "V",
    "current": "A",
    "pressure": "hPa",
    "atmospheric_pressure": "hPa",
    "carbon_dioxide": "ppm",
    "carbon_monoxide": "ppm",
    "pm25": "µg/m³",
    "pm10": "µg/m³",
    "volatile_organic_compounds": "µg/m³",
    "gas": "m³",
    "water": "L",
    "signal_strength": "dBm",
}
# With ``guess_classes``: words of an object id and the device class they stand for, the
# first word found (in this order) wins.
CLASS_WORDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "binary_sensor": (
        ("motion", "motion"),
        ("pir", "motion"),
        ("movement", "motion"),
        ("occupancy", "occupancy"),
        ("occupied", "occupancy"),
        ("presence", "presence"),
        ("smoke", "smoke"),
        ("leak", "moisture"),
        ("flood", "moisture"),
        ("gas", "gas"),
        ("window", "window"),
        ("garage", "garage_door"),
        ("door", "door"),
        ("contact", "opening"),
    ),
    "sensor": (
        ("temperature", "temperature"),
        ("temp", "temperature"),
        ("humidity", "humidity"),
        ("illuminance", "illuminance"),
        ("lux", "illuminance"),
        ("power", "power"),
    ),
}


@dataclass(frozen=True, slots=True)
class OwnerAutomation:
    """One of the owner's automations: its key and its distinct direct (trigger, action)
    pairs (``action`` is ``notify`` for a notification)."""

    key: str
    name: str
    pairs: tuple[Pair, ...]
    services: tuple[str, ...]

    def as_automation(self) -> Automation:
        """The automation as the home model holds it (what it triggers on and acts on)."""
        triggers = tuple(dict.fromkeys(t for t, _ in self.pairs))
        targets = tuple(dict.fromkeys(a for _, a in self.pairs if a != NOTIFY))
        return Automation(
            automation_id=self.key,
            name=self.name,
            enabled=True,
            trigger_entities=triggers,
            action_entities=targets,
            action_services=self.services,
        )


@dataclass(frozen=True, slots=True)
class RealHome:
    """A real configuration: the home (no history, every owner automation in it) and the
    owner's automations with their pairs."""

    repo: str
    home: Home
    automations: tuple[OwnerAutomation, ...]

    def with_automations(self, kept: Sequence[OwnerAutomation]) -> Home:
        """The same home holding only the ``kept`` automations."""
        return Home(
            areas=self.home.areas,
            devices=self.home.devices,
            entities=self.home.entities,
            histories={},
            automations=[a.as_automation() for a in kept],
            time_zone=self.home.time_zone,
        )


def _area_name(record: Mapping[str, Any]) -> str | None:
    name = record.get("area") or record.get("area_guess_from_name")
    return str(name) if name else None


def owner_automations(pairs: Sequence[Mapping[str, Any]]) -> tuple[OwnerAutomation, ...]:
    """The owner's automations from the pair rows: direct rows only, grouped by (source
    file, automation id, alias), in the order they first appear."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in pairs:
        if row.get("via"):
            continue
        key = (
            str(row.get("source_file") or ""),
            str(row.get("automation_id") or ""),
            str(row.get("automation_alias") or ""),
        )
        group = grouped.setdefault(key, {"pairs": {}, "services": {}})
        trigger, action = str(row["trigger"]), str(row["action"])
        if trigger == action:
            continue
        group["pairs"][(trigger, action)] = None
        service = row.get("service")
        if isinstance(service, str) and service:
            group["services"][service] = None
    return tuple(
        OwnerAutomation(
            key="|".join(key),
            name=key[2] or key[1] or key[0],
            pairs=tuple(group["pairs"]),
            services=tuple(group["services"]),
        )
        for key, group in grouped.items()
        if group["pairs"]
    )


def guessed_class(entity_id: str) -> str | None:
    """The device class a word of the object id stands for (:data:`CLASS_WORDS`)."""
    domain, _, object_id = entity_id.partition(".")
    words = set(object_id.split("_"))
    return next((cls for word, cls in CLASS_WORDS.get(domain, ()) if word in words), None)


def real_home(record: Mapping[str, Any], *, guess_classes: bool = False) -> RealHome:
    """One ``homes.jsonl`` record as a :class:`RealHome` (see the module docstring)."""
    areas: dict[str, Area] = {}
    devices: dict[str, Device] = {}
    entities: dict[str, Entity] = {}
    for item in record.get("entities", []):
        entity_id = str(item["entity_id"])
        area_name = _area_name(item)
        area_id = None
        if area_name is not None:
            area_id = slugify(area_name)
            areas.setdefault(area_id, Area(area_id, area_name))
        name = item.get("name")
        device_class = item.get("device_class") or None
        if device_class is None and guess_classes:
            device_class = guessed_class(entity_id)
        unit = CLASS_UNITS.get(device_class or "") if entity_id.startswith("sensor.") else None
        device_id = PSEUDO_DEVICE + entity_id
        devices[device_id] = Device(device_id, str(name or entity_id), area_id=area_id)
        entities[entity_id] = Entity(
            entity_id,
            device_class=device_class,
            unit=unit,
            area_id=area_id,
            device_id=device_id,
            name=str(name) if name else None,
            enabled=not item.get("disabled", False),
        )
    automations = owner_automations(record.get("pairs", []))
    home = Home(
        areas=areas,
        devices=devices,
        entities=entities,
        automations=[a.as_automation() for a in automations],
    )
    return RealHome(str(record.get("repo", "")), home, automations)


def hidden_split(real: RealHome, seed: int) -> tuple[list[int], list[int]]:
    """Indexes of the kept and the hidden automations: half hidden (rounded down), drawn from
    ``seed`` and the home's name."""
    rng = np.random.default_rng([seed, zlib.crc32(real.repo.encode())])
    order = rng.permutation(len(real.automations)).tolist()
    hidden = sorted(order[: len(order) // 2])
    kept = sorted(order[len(order) // 2 :])
    return kept, hidden


def corpus_path() -> Path | None:
    """Where ``homes.jsonl`` is: ``$HOMEIQ_REALCONFIGS``, else ``shared/realconfigs/`` in a
    folder above the repository (``../shared`` of the main checkout); None when absent
    (the corpus is not part of the repository)."""
    if (configured := os.environ.get(CORPUS_ENV)) is not None:
        path = Path(configured)
        return path if path.is_file() else None
    for folder in Path(__file__).resolve().parents[1:]:
        if (folder / CORPUS_FILE).is_file():
            return folder / CORPUS_FILE
    return None


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of ``homes.jsonl``, one home each."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def load_real_homes(path: Path, *, guess_classes: bool = False) -> list[RealHome]:
    """Every home of ``homes.jsonl``, in file order."""
    return [real_home(record, guess_classes=guess_classes) for record in read_records(path)]
