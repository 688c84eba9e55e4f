"""Home type: features of a whole home (structure and behaviour) for the classifier.

:func:`home_type_features` turns a :class:`Home` into one row of named columns. Structure
says most (outdoor areas, garage, well pump, a building entrance, floors, rooms); behaviour
adds how the home is used (when it is active, how many people). Counts are also given per
room, so that a home with part of its entities missing still looks like itself.
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt

from .home import Home
from .synthetic import HOME_TYPES
from .timezone import local_hour_of_day, local_weekday

__all__ = ["FEATURE_NAMES", "HOME_TYPES", "drop_entities", "home_type_features"]

# Area names (lower case) → group.
AREA_GROUPS: dict[str, re.Pattern[str]] = {
    "garden": re.compile(r"garden|yard|lawn|backyard|front yard"),
    "garage": re.compile(r"garage|carport"),
    "driveway": re.compile(r"driveway|parking"),
    "pool": re.compile(r"pool"),
    "porch": re.compile(r"porch|patio|deck|terrace|veranda"),
    "balcony": re.compile(r"balcony|loggia"),
    "shed": re.compile(r"shed|barn|workshop|greenhouse"),
    "basement": re.compile(r"basement|cellar|attic|loft"),
    "bedroom": re.compile(r"bedroom|nursery|guest room"),
    "bathroom": re.compile(r"bathroom|toilet|wc|shower"),
    "office": re.compile(r"office|study"),
    "dining": re.compile(r"dining"),
    "laundry": re.compile(r"laundry|utility"),
}
OUTDOOR_GROUPS = ("garden", "garage", "driveway", "pool", "porch", "balcony", "shed")
# Entity ids → signature devices.
ENTITY_GROUPS: dict[str, re.Pattern[str]] = {
    "garage_door": re.compile(r"garage"),
    "irrigation": re.compile(r"irrigation|sprinkler|watering"),
    "wood_stove": re.compile(r"stove|fireplace|chimney"),
    "well": re.compile(r"well_pump|well_pressure|well_"),
    "building": re.compile(r"intercom|building|entrance|elevator|lift"),
    "pool_pump": re.compile(r"pool"),
    "outdoor_light": re.compile(r"^light\.(garden|porch|patio|driveway|yard|outdoor|outside)"),
}
DOMAINS = ("light", "switch", "cover", "climate", "lock", "media_player", "alarm_control_panel")
PERIODS = ((0, 6), (6, 10), (10, 17), (17, 24))


def _feature_names() -> tuple[str, ...]:
    names = [
        "log_entities",
        "log_devices",
        "areas",
        "indoor_areas",
        "floors",
        "floor_span",
        "lowest_floor",
        "battery_share",
        "entities_per_area",
        "people",
        *(f"areas_{group}" for group in AREA_GROUPS),
        "outdoor_areas",
        "outdoor_share",
        *(f"has_{group}" for group in ENTITY_GROUPS),
        *(f"{domain}_per_area" for domain in DOMAINS),
        "motion_per_area",
        "door_sensors",
        "motion_events_per_day",
        *(f"motion_share_{start:02d}_{end:02d}" for start, end in PERIODS),
        "user_change_share",
        "home_weekday_daytime_share",
        "home_share",
    ]
    return tuple(names)


FEATURE_NAMES = _feature_names()


def _motion_timestamps(home: Home) -> npt.NDArray[np.float64]:
    parts = []
    for entity_id, history in home.histories.items():
        entity = home.entities.get(entity_id)
        if entity is None or entity.domain != "binary_sensor":
            continue
        if entity.device_class not in {"motion", "occupancy", "presence"}:
            continue
        if "on" in history.vocabulary:
            on = history.vocabulary.index("on")
            parts.append(history.timestamps[history.codes == on])
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)


def _presence_shares(home: Home) -> tuple[float, float]:
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
        if not entity_id.startswith("person.") or not len(history):
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


def home_type_features(home: Home) -> npt.NDArray[np.float64]:
    """One row of :data:`FEATURE_NAMES` for ``home``."""
    area_names = [area.name.lower() for area in home.areas.values()]
    area_counts = {
        group: sum(1 for name in area_names if pattern.search(name))
        for group, pattern in AREA_GROUPS.items()
    }
    outdoor = sum(area_counts[g] for g in OUTDOOR_GROUPS)
    areas = max(len(area_names), 1)
    indoor = max(len(area_names) - outdoor, 1)
    entity_ids = [e for e, entity in home.entities.items() if entity.enabled]
    domains = [e.partition(".")[0] for e in entity_ids]
    floors = {a.floor_id for a in home.areas.values() if a.floor_id}
    levels = [a.floor_level for a in home.areas.values() if a.floor_level is not None]
    devices = max(len(home.devices), 1)
    motion_sensors = sum(
        1
        for e in entity_ids
        if e.startswith("binary_sensor.")
        and home.entities[e].device_class in {"motion", "occupancy", "presence"}
    )
    doors = sum(
        1
        for e in entity_ids
        if e.startswith("binary_sensor.") and home.entities[e].device_class in {"door", "opening"}
    )
    motion = _motion_timestamps(home)
    days = (
        max(((home.window_end or 0.0) - (home.window_start or 0.0)) / 86_400.0, 1.0)
        if home.window_start is not None
        else 1.0
    )
    hours = local_hour_of_day(motion, home.time_zone) if motion.size else motion
    shares = [
        float(((hours >= start) & (hours < end)).mean()) if hours.size else 0.0
        for start, end in PERIODS
    ]
    origins = [h.origins for h in home.histories.values() if len(h)]
    all_origins = np.concatenate(origins) if origins else np.empty(0, dtype=np.int8)
    changes = max(all_origins.size, 1)
    row = [
        math.log1p(len(entity_ids)),
        math.log1p(len(home.devices)),
        float(len(area_names)),
        float(len(area_names) - outdoor),
        float(len(floors)),
        float(max(levels) - min(levels)) if levels else 0.0,
        float(min(levels)) if levels else -1.0,
        sum(1 for d in home.devices.values() if d.battery_powered) / devices,
        len(entity_ids) / areas,
        float(sum(1 for d in domains if d == "person")),
        *(float(area_counts[group]) for group in AREA_GROUPS),
        float(outdoor),
        outdoor / areas,
        *(float(any(pattern.search(e) for e in entity_ids)) for pattern in ENTITY_GROUPS.values()),
        *(sum(1 for d in domains if d == domain) / indoor for domain in DOMAINS),
        motion_sensors / indoor,
        float(doors),
        motion.size / days / max(motion_sensors, 1),
        *shares,
        float((all_origins == 2).sum()) / changes,
        *_presence_shares(home),
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
