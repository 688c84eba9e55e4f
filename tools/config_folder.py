"""Read a Home Assistant configuration folder into a :class:`Home`, without Home Assistant.

What is read, as the integration reads it from a running Home Assistant:

* ``.storage/core.floor_registry``, ``core.area_registry``, ``core.device_registry`` and
  ``core.entity_registry`` (Home Assistant's storage files: ``{"version", "minor_version",
  "key", "data"}``). Only fields every version since 2024 has are read, each with a default,
  so older and newer minor versions read alike; a missing file is an empty registry and a
  newer major version is read for the same fields (both said in the notes). Entries are
  turned into a home by :func:`~custom_components.homeiq.home.structure.assemble_home_structure`,
  the integration's own rules.
* the current state's attributes, which the integration takes from the state machine, are
  the latest recorded ones (unit, device class, friendly name); entities with recorded
  states in the window and no registry entry (``sun.sun``, ``zone.home``, YAML entities)
  join as the integration's state-only entities do;
* ``automations.yaml`` (the automation editor's file) and inline ``automation`` lists of
  ``configuration.yaml``, reduced by the integration's ``reduce_automation``. YAML tags Home
  Assistant resolves at start (``!include``, ``!secret``, ``!input``, ``!env_var`` …) become
  placeholder strings: nothing else is read and no secret is needed. An automation is
  enabled as last recorded, else as its ``initial_state``, else enabled;
* ``home-assistant_v2.db`` when present, opened read-only (``file:…?mode=ro``): state
  changes with their origin from the context columns, through the integration's recorder
  queries (``home.recorder``), into an in-memory copy of the integration's derived store
  (``core.home.store``), which serves the window exactly as the integration's first read
  would (numeric sensors of high rate summarised hourly after 14 days). A schema HomeIQ does
  not know reads no history (cold start), and the notes say so.
* the time zone: ``configuration.yaml`` ``homeassistant: time_zone``, else
  ``.storage/core.config``, else UTC.

``now`` defaults to the newest recorded state (a copy of a configuration reads as of when
it was copied), else the current time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
import sqlite3
import time
from typing import Any, Final
from urllib.parse import quote

from homeassistant.components.recorder.db_schema import StateAttributes, States, StatesMeta
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, aliased
import yaml

from custom_components.homeiq.const import DOMAIN
from custom_components.homeiq.core.home import Automation, Home
from custom_components.homeiq.core.home.automations import reduce_automation
from custom_components.homeiq.core.home.external import attach_external_series
from custom_components.homeiq.core.home.history import is_numeric
from custom_components.homeiq.core.home.selection import entities_read
from custom_components.homeiq.core.home.store import DerivedStore
from custom_components.homeiq.core.time import DAY
from custom_components.homeiq.home.reader import kept_raw_entities
from custom_components.homeiq.home.recorder import (
    KNOWN_SCHEMA_VERSIONS,
    chunk_conditions,
    is_known_schema,
    plan_read,
    select_max_time,
    select_metadata_ids,
    select_schema_version,
    select_state_changes,
)
from custom_components.homeiq.home.structure import assemble_home_structure

STORAGE: Final = ".storage"
RECORDER_DB: Final = "home-assistant_v2.db"
AUTOMATIONS_YAML: Final = "automations.yaml"
CONFIGURATION_YAML: Final = "configuration.yaml"
# Registry file → the major storage version HomeIQ knows (Home Assistant 2026.10's).
REGISTRIES: Final = {
    "core.floor_registry": 1,
    "core.area_registry": 1,
    "core.device_registry": 3,
    "core.entity_registry": 1,
}
_AUTOMATION_KEY = re.compile(r"^automation( .+)?$")


class ConfigFolderError(ValueError):
    """The folder cannot be read as a Home Assistant configuration folder."""


@dataclass(frozen=True, slots=True)
class FloorEntry:
    """A floor registry entry (the fields HomeIQ reads)."""

    floor_id: str
    level: int | None = None


@dataclass(frozen=True, slots=True)
class AreaEntry:
    """An area registry entry (the fields HomeIQ reads)."""

    id: str
    name: str
    floor_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """A device registry entry (the fields HomeIQ reads)."""

    id: str
    name: str | None = None
    name_by_user: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    area_id: str | None = None
    entry_type: str | None = None


@dataclass(frozen=True, slots=True)
class EntityEntry:
    """An entity registry entry (the fields HomeIQ reads)."""

    entity_id: str
    platform: str
    id: str | None = None  # the registry id device triggers and actions name
    unique_id: str | None = None
    device_id: str | None = None
    area_id: str | None = None
    device_class: str | None = None
    original_device_class: str | None = None
    unit_of_measurement: str | None = None
    name: str | None = None
    original_name: str | None = None
    disabled_by: str | None = None


@dataclass(frozen=True, slots=True)
class LatestState:
    """An entity's latest recorded state and attributes."""

    state: str | None
    attributes: dict[str, Any]
    time: float


@dataclass(slots=True)
class FolderHome:
    """The home read from a configuration folder, as of ``now``, and what was noticed."""

    home: Home
    now: float
    history_rows: int = 0
    recorder_schema: int | None = None
    notes: list[str] = field(default_factory=list)


# --- storage files ---------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_storage(config: Path, key: str, notes: list[str]) -> dict[str, Any] | None:
    """The ``data`` of a ``.storage`` file; ``None`` when it is missing (said in ``notes``)."""
    path = config / STORAGE / key
    if not path.is_file():
        notes.append(f"{STORAGE}/{key} is missing: read as empty")
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"{path}: cannot read JSON ({err})"
        raise ConfigFolderError(msg) from err
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        msg = f"{path}: not a Home Assistant storage file (no 'data' object)"
        raise ConfigFolderError(msg)
    known = REGISTRIES.get(key)
    version = document.get("version")
    if known is not None and isinstance(version, int) and version > known:
        minor = document.get("minor_version")
        notes.append(
            f"{STORAGE}/{key} is version {version}.{minor}, newer than HomeIQ knows ({known}): "
            "read for the fields it knows"
        )
    data: dict[str, Any] = document["data"]
    return data


def _entries(data: Mapping[str, Any] | None, name: str) -> Iterator[dict[str, Any]]:
    items = data.get(name) if data is not None else None
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def read_floors(config: Path, notes: list[str]) -> list[FloorEntry]:
    """The floor registry's floors."""
    data = read_storage(config, "core.floor_registry", notes)
    return [
        FloorEntry(floor_id=floor_id, level=_level(item.get("level")))
        for item in _entries(data, "floors")
        if (floor_id := _text(item.get("floor_id")))
    ]


def read_areas(config: Path, notes: list[str]) -> list[AreaEntry]:
    """The area registry's areas."""
    data = read_storage(config, "core.area_registry", notes)
    return [
        AreaEntry(
            id=area_id,
            name=_text(item.get("name")) or area_id,
            floor_id=_text(item.get("floor_id")),
        )
        for item in _entries(data, "areas")
        if (area_id := _text(item.get("id")))
    ]


def read_devices(config: Path, notes: list[str]) -> list[DeviceEntry]:
    """The device registry's devices (child devices are not read, as by the integration)."""
    data = read_storage(config, "core.device_registry", notes)
    return [
        DeviceEntry(
            id=device_id,
            name=_text(item.get("name")),
            name_by_user=_text(item.get("name_by_user")),
            manufacturer=_text(item.get("manufacturer")),
            model=_text(item.get("model")),
            area_id=_text(item.get("area_id")),
            entry_type=_text(item.get("entry_type")),
        )
        for item in _entries(data, "devices")
        if (device_id := _text(item.get("id")))
    ]


def read_entities(config: Path, notes: list[str]) -> list[EntityEntry]:
    """The entity registry's entities (deleted ones are not read)."""
    data = read_storage(config, "core.entity_registry", notes)
    entries = []
    for item in _entries(data, "entities"):
        entity_id = _text(item.get("entity_id"))
        if not entity_id or "." not in entity_id:
            continue
        unique_id = item.get("unique_id")
        entries.append(
            EntityEntry(
                entity_id=entity_id,
                platform=_text(item.get("platform")) or "",
                id=_text(item.get("id")),
                unique_id=None if unique_id is None else str(unique_id),
                device_id=_text(item.get("device_id")),
                area_id=_text(item.get("area_id")),
                device_class=_text(item.get("device_class")),
                original_device_class=_text(item.get("original_device_class")),
                unit_of_measurement=_text(item.get("unit_of_measurement")),
                name=_text(item.get("name")),
                original_name=_text(item.get("original_name")),
                disabled_by=_text(item.get("disabled_by")),
            )
        )
    return entries


# --- YAML ------------------------------------------------------------------------------


class _PlaceholderLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML has no types here
    """A safe loader that reads every tag it does not know as a placeholder.

    A tagged scalar becomes the string ``"<tag> <value>"`` (``"!secret api_key"``), which
    is no entity id and no service; tagged lists and mappings keep their content.
    """


def _placeholder(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return f"!{suffix} {loader.construct_scalar(node)}"


_PlaceholderLoader.add_multi_constructor("!", _placeholder)


def read_yaml(path: Path) -> Any:
    """A YAML file with Home Assistant's tags as placeholders; ``None`` when missing."""
    if not path.is_file():
        return None
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_PlaceholderLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        msg = f"{path}: cannot read YAML ({err})"
        raise ConfigFolderError(msg) from err


def automation_configs(config: Path, notes: list[str]) -> list[dict[str, Any]]:
    """Automation configurations of ``automations.yaml`` and ``configuration.yaml``."""
    found: list[dict[str, Any]] = []
    editor = read_yaml(config / AUTOMATIONS_YAML)
    if editor is None:
        notes.append(f"{AUTOMATIONS_YAML} is missing or empty: no automations from it")
    elif isinstance(editor, dict):
        found.append(editor)
    elif isinstance(editor, list):
        found.extend(item for item in editor if isinstance(item, dict))
    else:
        msg = f"{config / AUTOMATIONS_YAML}: expected a list of automations"
        raise ConfigFolderError(msg)
    main = read_yaml(config / CONFIGURATION_YAML)
    if isinstance(main, dict):
        for key, value in main.items():
            if isinstance(key, str) and _AUTOMATION_KEY.match(key) and isinstance(value, list):
                found.extend(item for item in value if isinstance(item, dict))
    return found


def configured_time_zone(config: Path, notes: list[str]) -> str:
    """``configuration.yaml``'s time zone, else the stored core configuration's, else UTC."""
    main = read_yaml(config / CONFIGURATION_YAML)
    core = main.get("homeassistant") if isinstance(main, dict) else None
    if isinstance(core, dict) and isinstance(core.get("time_zone"), str):
        return str(core["time_zone"])
    path = config / STORAGE / "core.config"
    if path.is_file():
        stored = read_storage(config, "core.config", notes) or {}
        if isinstance(stored.get("time_zone"), str):
            return str(stored["time_zone"])
    notes.append("no time zone configured: UTC")
    return "UTC"


def reduce_automations(
    configs: list[dict[str, Any]],
    entities: list[EntityEntry],
    latest: Mapping[str, LatestState],
) -> list[Automation]:
    """The automations reduced as the integration reduces them.

    An automation's entity is the registry's (platform ``automation``, unique id = the
    configuration's ``id``); it is enabled as last recorded, else as its ``initial_state``.
    """
    by_registry_id = {entry.id: entry.entity_id for entry in entities if entry.id}
    automation_entities = {
        entry.unique_id: entry.entity_id
        for entry in entities
        if entry.platform == "automation" and entry.unique_id is not None
    }
    reduced = []
    for number, config in enumerate(configs):
        config_id = config.get("id")
        entity_id = automation_entities.get(str(config_id)) if config_id is not None else None
        if entity_id is None:
            entity_id = f"automation.{_slug(config.get('alias')) or f'automation_{number}'}"
        recorded = latest.get(entity_id)
        if recorded is not None and recorded.state in ("on", "off"):
            enabled = recorded.state == "on"
        else:
            enabled = config.get("initial_state") is not False
        reduced.append(
            reduce_automation(
                config, fallback_id=entity_id, enabled=enabled, resolve=by_registry_id.get
            )
        )
    return reduced


def _slug(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


# --- recorder --------------------------------------------------------------------------


def open_recorder(path: Path) -> Engine:
    """An engine on the recorder database that can only read it."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )


def select_latest_states(session: Session, until: float) -> dict[str, LatestState]:
    """Each entity's latest recorded state and attributes up to ``until``."""
    newest = aliased(States)
    latest_id = (
        select(newest.state_id)
        .where(newest.metadata_id == StatesMeta.metadata_id, newest.last_updated_ts <= until)
        .order_by(newest.last_updated_ts.desc())
        .limit(1)
        .correlate(StatesMeta)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            StatesMeta.entity_id,
            States.state,
            States.last_updated_ts,
            StateAttributes.shared_attrs,
        )
        .select_from(StatesMeta)
        .join(States, States.state_id == latest_id)
        .outerjoin(StateAttributes, StateAttributes.attributes_id == States.attributes_id)
    ).all()
    found: dict[str, LatestState] = {}
    for entity_id, state, updated, shared in rows:
        if entity_id is None or updated is None:
            continue
        try:
            attributes = json.loads(shared) if shared else {}
        except json.JSONDecodeError:
            attributes = {}
        found[entity_id] = LatestState(
            state=state,
            attributes=attributes if isinstance(attributes, dict) else {},
            time=float(updated),
        )
    return found


def _read_history(
    session: Session, home: Home, start: float, now: float, days: float
) -> tuple[dict[str, Any], int]:
    """The window's histories as the integration's first read serves them, and rows read."""
    wanted = entities_read(home)
    numeric = {eid for eid in wanted if is_numeric(home.entities[eid])}
    store = DerivedStore(keep_days=max(days, 1.0))
    store.set_kept_raw(numeric & kept_raw_entities(home))
    plan = plan_read(session, None, start, now)
    id_map = {mid: eid for mid, eid in select_metadata_ids(session).items() if eid in wanted}
    chunks = []
    if id_map:
        for conditions in chunk_conditions(session, plan):
            rows = select_state_changes(session, id_map, *conditions)
            if rows is not None:
                chunks.append((rows.entity_ids, rows.timestamps, rows.states, rows.origins))
    kept = store.ingest_chunks(chunks, numeric)
    store.trim(now)
    return store.histories(start, now), kept


# --- the whole folder ------------------------------------------------------------------


def check_config_folder(config: Path) -> None:
    """Raise :class:`ConfigFolderError` unless ``config`` looks like a configuration folder."""
    if not config.is_dir():
        msg = f"{config} is not a folder"
        raise ConfigFolderError(msg)
    markers = (STORAGE, CONFIGURATION_YAML, ".HA_VERSION", RECORDER_DB)
    if not any((config / marker).exists() for marker in markers):
        msg = (
            f"{config} is not a Home Assistant configuration folder "
            f"(it has none of {', '.join(markers)})"
        )
        raise ConfigFolderError(msg)


@dataclass(frozen=True, slots=True)
class _Structure:
    """What a folder says about the home besides its history."""

    floors: list[FloorEntry]
    areas: list[AreaEntry]
    devices: list[DeviceEntry]
    entities: list[EntityEntry]
    automations: list[dict[str, Any]]
    time_zone: str

    def home(self, latest: Mapping[str, LatestState], start: float) -> Home:
        """The home's structure, given the latest recorded states.

        Registered entities take their latest recorded attributes (the state the
        integration would see); unregistered ones join when recorded since ``start``.
        """
        registered = {entry.entity_id for entry in self.entities}
        states = {
            entity_id: state.attributes
            for entity_id, state in latest.items()
            if entity_id in registered or state.time >= start
        }
        return assemble_home_structure(
            floors=self.floors,
            areas=self.areas,
            devices=self.devices,
            entities=self.entities,
            states=states,
            automations=reduce_automations(self.automations, self.entities, latest),
            time_zone=self.time_zone,
            own_platform=DOMAIN,
        )


def read_config_folder(config: Path, *, days: float, now: float | None = None) -> FolderHome:
    """Read the home of a configuration folder over the ``days`` before ``now``."""
    config = Path(config)
    check_config_folder(config)
    notes: list[str] = []
    if not (config / STORAGE).is_dir():
        hint = (
            " (a folder written by scripts/generate ha-config gets them when Home Assistant "
            f"first starts; scripts/suggest --home {config / 'homeiq_sim_home'} reads its home)"
            if (config / "homeiq_sim_home").is_dir()
            else ""
        )
        notes.append(f"no {STORAGE} folder: no registries{hint}")
    structure = _Structure(
        floors=read_floors(config, notes),
        areas=read_areas(config, notes),
        devices=read_devices(config, notes),
        entities=read_entities(config, notes),
        automations=automation_configs(config, notes),
        time_zone=configured_time_zone(config, notes),
    )
    db_path = config / RECORDER_DB
    if not db_path.is_file():
        notes.append(f"no {RECORDER_DB}: no history (cold start: rules and structure only)")
        end = time.time() if now is None else now
        home = structure.home({}, end - days * DAY)
        home.window_start, home.window_end = end - days * DAY, end
        return FolderHome(home=home, now=end, notes=notes)
    engine = open_recorder(db_path)
    try:
        with Session(engine) as session:
            return _read_with_history(session, structure, days, now, notes)
    except (DatabaseError, OperationalError) as err:
        msg = f"{db_path}: cannot read the recorder database ({err.orig})"
        raise ConfigFolderError(msg) from err
    finally:
        engine.dispose()


def _read_with_history(
    session: Session, structure: _Structure, days: float, now: float | None, notes: list[str]
) -> FolderHome:
    schema = select_schema_version(session)
    newest = select_max_time(session)
    end = now if now is not None else (newest if newest is not None else time.time())
    start = end - days * DAY
    home = structure.home(select_latest_states(session, end), start)
    rows = 0
    if is_known_schema(schema):
        home.histories, rows = _read_history(session, home, start, end, days)
    else:
        shown = "none recorded" if schema is None else str(schema)
        notes.append(
            f"the recorder database has schema version {shown}, which HomeIQ does not know "
            f"(it reads {min(KNOWN_SCHEMA_VERSIONS)}–{max(KNOWN_SCHEMA_VERSIONS)}): "
            "no history read (cold start)"
        )
    home.window_start, home.window_end = start, end
    attach_external_series(home)
    return FolderHome(home=home, now=end, history_rows=rows, recorder_schema=schema, notes=notes)
