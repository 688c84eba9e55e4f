"""Home type: features of a whole home (structure and behaviour) for the classifier.

:func:`home_type_features` turns a :class:`Home` into one row of named columns. Structure
says most (outdoor areas, garage, well pump, a building entrance, floors, rooms and how they
stack); what is installed says who lives there (owners fit thermostats, locks, alarm panels
and valves; tenants plug things in); behaviour adds how the home is used (when it is active,
how many people, how often they change floors). Counts are also given per room, so that a
home with part of its entities missing still looks like itself.

Area names come from the user: groups are found with loose patterns, and every feature has a
neutral value when nothing matches (no floors set up, no area at all).
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt

from .home import Home
from .selection import home_type_devices, home_type_entities
from .synthetic import HOME_TYPES
from .timezone import local_hour_of_day, local_weekday

__all__ = ["FEATURE_NAMES", "HOME_TYPES", "drop_entities", "home_type_features"]

# Area names (lower case) → group.
AREA_GROUPS: dict[str, re.Pattern[str]] = {
    "garden": re.compile(r"garden|yard|lawn|backyard"),
    "garage": re.compile(r"garage|carport"),
    "driveway": re.compile(r"drive ?way"),
    "parking": re.compile(r"parking|car ?park"),
    "pool": re.compile(r"pool"),
    "porch": re.compile(r"porch|patio|deck|terrace|veranda"),
    "balcony": re.compile(r"balcon|loggia"),
    "shed": re.compile(r"shed|barn|workshop|greenhouse"),
    "storage": re.compile(r"storage|locker|store ?room"),
    "basement": re.compile(r"basement|cellar|attic|loft"),
    "stairs": re.compile(r"stair|landing|steps"),
    "family": re.compile(r"family|\bden\b|playroom|rec room"),
    "bedroom": re.compile(r"bedroom|nursery|guest room"),
    "bathroom": re.compile(r"bathroom|toilet|\bwc\b|shower"),
    "office": re.compile(r"office|study"),
    "dining": re.compile(r"dining"),
    "laundry": re.compile(r"laundry|utility"),
}
OUTDOOR_GROUPS = ("garden", "garage", "driveway", "parking", "pool", "porch", "balcony", "shed")
LIVING = re.compile(r"living|lounge|sitting|kitchen")
# Entity ids → signature devices.
ENTITY_GROUPS: dict[str, re.Pattern[str]] = {
    "garage_door": re.compile(r"garage"),
    "irrigation": re.compile(r"irrigation|sprinkler|watering"),
    "wood_stove": re.compile(r"stove|fireplace|chimney"),
    "well": re.compile(r"well_pump|well_pressure|well_"),
    "building": re.compile(r"intercom|building|elevator|(?<![a-z])lift(?![a-z])|doorman|concierge"),
    "pool_pump": re.compile(r"pool"),
    "outdoor_light": re.compile(r"^light\.(garden|porch|patio|driveway|yard|outdoor|outside)"),
}
DOMAINS = (
    "light",
    "switch",
    "cover",
    "climate",
    "lock",
    "media_player",
    "alarm_control_panel",
    "valve",
    "fan",
    "camera",
)
# What an owner fits into the building (a tenant rarely may): entity domains.
INSTALLED_DOMAINS = frozenset({"climate", "lock", "alarm_control_panel", "valve", "cover", "fan"})
SHARED = ENTITY_GROUPS["building"]
LAMP = re.compile(r"lamp|bulb|strip")
MOTION_CLASSES = frozenset({"motion", "occupancy", "presence"})
PERIODS = ((0, 6), (6, 10), (10, 17), (17, 24))
FLOOR_CHANGE_S = 300.0  # motion on another floor this soon after: someone took the stairs


def _feature_names() -> tuple[str, ...]:
    names = [
        "log_entities",
        "log_devices",
        "areas",
        "indoor_areas",
        "floors",
        "floor_span",
        "lowest_floor",
        "rooms_per_floor",
        "max_rooms_on_a_floor",
        "living_level",
        "garage_on_a_floor",
        "battery_share",
        "entities_per_area",
        "people",
        *(f"areas_{group}" for group in AREA_GROUPS),
        "outdoor_areas",
        "outdoor_share",
        *(f"has_{group}" for group in ENTITY_GROUPS),
        *(f"{domain}_per_area" for domain in DOMAINS),
        "installed_devices",
        "installed_share",
        "plug_share",
        "lamp_share",
        "window_sensors_per_area",
        "exterior_devices",
        "motion_per_area",
        "door_sensors",
        "motion_events_per_day",
        *(f"motion_share_{start:02d}_{end:02d}" for start, end in PERIODS),
        "outdoor_motion_share",
        "floor_changes_per_day",
        "floor_change_share",
        "user_change_share",
        "home_weekday_daytime_share",
        "home_share",
    ]
    return tuple(names)


FEATURE_NAMES = _feature_names()


def _motion_onsets(home: Home, read: set[str]) -> dict[str, npt.NDArray[np.float64]]:
    """Times each motion / occupancy / presence sensor turns on."""
    out: dict[str, npt.NDArray[np.float64]] = {}
    for entity_id, history in home.histories.items():
        if entity_id not in read:
            continue
        entity = home.entities[entity_id]
        if entity.domain != "binary_sensor":
            continue
        if entity.device_class not in MOTION_CLASSES:
            continue
        if "on" in history.vocabulary:
            on = history.vocabulary.index("on")
            out[entity_id] = np.asarray(history.timestamps[history.codes == on], dtype=np.float64)
    return out


def _presence_shares(home: Home, read: set[str]) -> tuple[float, float]:
    """Share of weekday daytime (10–16 h local) and of all time that people spend at home.

    Sampled every 15 minutes over the window from the person entities' histories.
    """
    if home.window_start is None or home.window_end is None:
        return 0.0, 0.0
    grid = np.arange(home.window_start, home.window_end, 900.0)
    if grid.size == 0:
        return 0.0, 0.0
    hours = local_hour_of_day(grid, home.time_zone)
    weekday = local_weekday(grid, home.time_zone) < 5
    daytime = weekday & (hours >= 10) & (hours < 16)
    at_home = []
    for entity_id, history in home.histories.items():
        if entity_id not in read or not entity_id.startswith("person.") or not len(history):
            continue
        index = np.searchsorted(history.timestamps, grid, side="right") - 1
        states = np.asarray(history.vocabulary, dtype=object)[history.codes]
        home_now = np.where(index >= 0, states[np.maximum(index, 0)] == "home", False)
        at_home.append(home_now.astype(np.float64))
    if not at_home:
        return 0.0, 0.0
    presence = np.mean(at_home, axis=0)
    day_share = float(presence[daytime].mean()) if daytime.any() else 0.0
    return day_share, float(presence.mean())


def _groups_of(name: str) -> set[str]:
    return {group for group, pattern in AREA_GROUPS.items() if pattern.search(name)}


def _stacking(home: Home, groups: dict[str, set[str]]) -> tuple[float, float, float, float]:
    """Rooms per floor (mean, max), living space level above the lowest floor, garage floor.

    Only indoor areas with a floor count; the basement and attic (and floors below ground,
    when there are floors above it) are left out of the stacking. Zero when no floor is set
    up.
    """
    by_level: dict[int, int] = {}
    living: list[int] = []
    garage = 0.0
    for area_id, area in home.areas.items():
        if area.floor_level is None:
            continue
        found = groups[area_id]
        if "garage" in found:
            garage = 1.0
        if found & {*OUTDOOR_GROUPS, "basement", "storage"}:
            continue
        by_level[area.floor_level] = by_level.get(area.floor_level, 0) + 1
        if LIVING.search(area.name.lower()):
            living.append(area.floor_level)
    above = {level: n for level, n in by_level.items() if level >= 0} or by_level
    if not above:
        return 0.0, 0.0, 0.0, garage
    counts = list(above.values())
    ground = min(above)
    level = float(max(min(living) - ground, 0)) if living else 0.0
    return float(np.mean(counts)), float(max(counts)), level, garage


def _area_of(home: Home, entity_id: str) -> str | None:
    entity = home.entities[entity_id]
    if entity.area_id is not None:
        return entity.area_id
    device = home.devices.get(entity.device_id or "")
    return device.area_id if device else None


def _motion_features(
    home: Home, read: set[str], groups: dict[str, set[str]], days: float
) -> tuple[npt.NDArray[np.float64], float, float, float]:
    """All motion onsets, the outdoor share, floor changes per day and their share."""
    onsets = _motion_onsets(home, read)
    if not onsets:
        return np.empty(0, dtype=np.float64), 0.0, 0.0, 0.0
    times, outdoor, levels = [], [], []
    for entity_id, on in onsets.items():
        area_id = _area_of(home, entity_id)
        area = home.areas.get(area_id or "")
        found = groups.get(area_id or "", set())
        times.append(on)
        outdoor.append(np.full(on.size, bool(found & set(OUTDOOR_GROUPS))))
        level = area.floor_level if area is not None and area.floor_level is not None else None
        indoor_level = np.nan if level is None or found & set(OUTDOOR_GROUPS) else float(level)
        levels.append(np.full(on.size, indoor_level))
    all_times = np.concatenate(times)
    outdoor_share = float(np.concatenate(outdoor).mean()) if all_times.size else 0.0
    order = np.argsort(all_times, kind="stable")
    stamp, level = all_times[order], np.concatenate(levels)[order]
    known = np.isfinite(level)
    stamp, level = stamp[known], level[known]
    close = np.diff(stamp) <= FLOOR_CHANGE_S
    changes = close & (np.diff(level) != 0)
    share = float(changes.sum() / close.sum()) if close.any() else 0.0
    return all_times, outdoor_share, float(changes.sum()) / days, share


def home_type_features(home: Home) -> npt.NDArray[np.float64]:
    """One row of :data:`FEATURE_NAMES` for ``home``."""
    groups = {area_id: _groups_of(area.name.lower()) for area_id, area in home.areas.items()}
    area_counts = {
        group: sum(1 for found in groups.values() if group in found) for group in AREA_GROUPS
    }
    outdoor_ids = {a for a, found in groups.items() if found & set(OUTDOOR_GROUPS)}
    outdoor = len(outdoor_ids)
    n_areas = len(home.areas)
    areas = max(n_areas, 1)
    indoor = max(n_areas - outdoor, 1)
    entity_ids = home_type_entities(home)
    read = set(entity_ids)
    device_ids = home_type_devices(home)
    domains = [e.partition(".")[0] for e in entity_ids]
    floors = {a.floor_id for a in home.areas.values() if a.floor_id}
    levels = [a.floor_level for a in home.areas.values() if a.floor_level is not None]
    devices = max(len(device_ids), 1)

    def of_class(*classes: str) -> int:
        return sum(
            1
            for e in entity_ids
            if e.startswith("binary_sensor.") and home.entities[e].device_class in classes
        )

    installed = {
        home.entities[e].device_id or e
        for e, d in zip(entity_ids, domains, strict=True)
        if d in INSTALLED_DOMAINS and not SHARED.search(e) and "garage" not in e
    }
    plugs = sum(
        1
        for e, d in zip(entity_ids, domains, strict=True)
        if d == "switch" and home.entities[e].device_class == "outlet"
    )
    lights = [e for e, d in zip(entity_ids, domains, strict=True) if d == "light"]
    exterior = sum(
        1
        for e, d in zip(entity_ids, domains, strict=True)
        if d in ("light", "camera")
        and (_area_of(home, e) in outdoor_ids or ENTITY_GROUPS["outdoor_light"].search(e))
    )
    motion_sensors = of_class(*MOTION_CLASSES)
    days = (
        max(((home.window_end or 0.0) - (home.window_start or 0.0)) / 86_400.0, 1.0)
        if home.window_start is not None
        else 1.0
    )
    motion, outdoor_motion, floor_changes, floor_change_share = _motion_features(
        home, read, groups, days
    )
    hours = local_hour_of_day(motion, home.time_zone) if motion.size else motion
    shares = [
        float(((hours >= start) & (hours < end)).mean()) if hours.size else 0.0
        for start, end in PERIODS
    ]
    origins = [h.origins for e, h in home.histories.items() if e in read and len(h)]
    all_origins = np.concatenate(origins) if origins else np.empty(0, dtype=np.int8)
    changes = max(all_origins.size, 1)
    row = [
        math.log1p(len(entity_ids)),
        math.log1p(len(device_ids)),
        float(n_areas),
        float(n_areas - outdoor),
        float(len(floors)),
        float(max(levels) - min(levels)) if levels else 0.0,
        float(min(levels)) if levels else -1.0,
        *_stacking(home, groups),
        sum(1 for d in device_ids if home.devices[d].battery_powered) / devices,
        len(entity_ids) / areas,
        float(sum(1 for d in domains if d == "person")),
        *(float(area_counts[group]) for group in AREA_GROUPS),
        float(outdoor),
        outdoor / areas,
        *(float(any(pattern.search(e) for e in entity_ids)) for pattern in ENTITY_GROUPS.values()),
        *(sum(1 for d in domains if d == domain) / indoor for domain in DOMAINS),
        float(len(installed)),
        len(installed) / devices,
        plugs / devices,
        sum(1 for e in lights if LAMP.search(e)) / max(len(lights), 1),
        of_class("window") / indoor,
        float(exterior),
        motion_sensors / indoor,
        float(of_class("door", "opening")),
        motion.size / days / max(motion_sensors, 1),
        *shares,
        outdoor_motion,
        floor_changes,
        floor_change_share,
        float((all_origins == 2).sum()) / changes,
        *_presence_shares(home, read),
    ]
    return np.asarray(row, dtype=np.float64)


def drop_entities(home: Home, fraction: float, rng: np.random.Generator) -> Home:
    """A copy of ``home`` with ``fraction`` of its entities (and their histories) removed."""
    ids = sorted(home.entities)
    keep = set(np.asarray(ids)[rng.random(len(ids)) >= fraction].tolist()) if ids else set()
    kept_devices = {home.entities[e].device_id for e in keep}
    return Home(
        areas=dict(home.areas),
        devices={d: dev for d, dev in home.devices.items() if d in kept_devices},
        entities={e: home.entities[e] for e in ids if e in keep},
        histories={e: h for e, h in home.histories.items() if e in keep},
        automations=list(home.automations),
        external=dict(home.external),
        window_start=home.window_start,
        window_end=home.window_end,
        time_zone=home.time_zone,
    )
