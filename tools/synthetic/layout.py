"""Rooms, floors, devices and entities of a synthetic home, sized on request."""

from __future__ import annotations

from dataclasses import dataclass, field
import math

import numpy as np

from custom_components.homeiq.core.home import Area, Device, Entity

from .catalog import FIRST_NAMES, KINDS, SIGNAL, DeviceKind, EntitySpec
from .profiles import (
    COMMON_DEVICES,
    EXTERIOR_KINDS,
    INSTALLED_KINDS,
    OUTDOOR_ROLES,
    PORTABLE_KINDS,
    PROFILES,
    ROOM_DEVICES,
    TypeProfile,
    Weighted,
)

MIN_TARGET_ENTITIES = 10
FILLER_KINDS = (
    "lamp",
    "plug",
    "window_contact",
    "multisensor",
    "ceiling_light",
    "motion",
    "smoke",
    "blinds",
    "speaker",
)
METERED_APPLIANCES = frozenset({"dishwasher", "washing_machine", "dryer"})
SIGNATURE_PRIORITY = 3
HOME_PRIORITY = 2
ROOM_PRIORITY = 1
FILLER_PRIORITY = 0


@dataclass(frozen=True, slots=True)
class Room:
    """An area together with what kind of room it is."""

    area_id: str
    role: str

    @property
    def outdoor(self) -> bool:
        """Whether the room is outside the living space."""
        return self.role in OUTDOOR_ROLES


@dataclass(slots=True)
class Placed:
    """An entity and what the generator needs to know to animate it."""

    entity: Entity
    kind: str  # device kind, or "sun", "zone", "person", "script"
    part: str
    role: str  # role of its room ("" when it has none)
    base: str


@dataclass(slots=True)
class DevicePlan:
    """A device before ids are handed out."""

    kind: str
    area_id: str | None
    role: str
    base: str
    priority: int
    parts: tuple[EntitySpec, ...]

    @property
    def size(self) -> int:
        """Number of entities the device brings."""
        return len(self.parts)


@dataclass(slots=True)
class Layout:
    """The structure of a home, with each entity's role."""

    home_type: str
    rooms: list[Room]
    areas: dict[str, Area]
    devices: dict[str, Device] = field(default_factory=dict)
    device_kinds: dict[str, str] = field(default_factory=dict)
    placed: dict[str, Placed] = field(default_factory=dict)
    persons: list[str] = field(default_factory=list)

    def entities(self) -> dict[str, Entity]:
        """The home's entities."""
        return {entity_id: p.entity for entity_id, p in self.placed.items()}

    def find(self, kind: str, part: str = "main") -> list[Placed]:
        """Entities of a device kind and part, in creation order."""
        return [p for p in self.placed.values() if p.kind == kind and p.part == part]

    def rooms_of(self, role: str) -> list[Room]:
        """Rooms of one role."""
        return [room for room in self.rooms if room.role == role]

    def device_entities(self, device_id: str) -> list[str]:
        """The entities of one device."""
        return [e for e, p in self.placed.items() if p.entity.device_id == device_id]


def weighted_choice(rng: np.random.Generator, options: Weighted) -> int:
    """Draw one value of ``(value, weight)`` pairs."""
    weights = np.array([w for _, w in options])
    return options[int(rng.choice(len(options), p=weights / weights.sum()))][0]


def draw_layout(
    rng: np.random.Generator, home_type: str, occupants: int, target: int | None
) -> Layout:
    """Draw rooms and devices for ``home_type``, then fit the entity count to ``target``."""
    profile = PROFILES[home_type]
    rooms, areas = draw_rooms(rng, profile)
    richness = float(rng.beta(1.3, 1.3))
    plans = _room_devices(rng, profile, rooms, richness)
    plans += _home_devices(rng, profile, rooms, richness)
    wants_script = _has_metered(plans) and rng.random() < COMMON_DEVICES["notify_script"]
    core = 2 + occupants + int(wants_script)
    if target is None and sum(plan.size for plan in plans) + core < MIN_TARGET_ENTITIES:
        plans = _fit_size(rng, profile, plans, rooms, MIN_TARGET_ENTITIES - core)
    if target is not None:
        if target < max(MIN_TARGET_ENTITIES, core):
            msg = f"target_entities must be at least {max(MIN_TARGET_ENTITIES, core)}"
            raise ValueError(msg)
        plans = _fit_size(rng, profile, plans, rooms, target - core)
        if wants_script and not _has_metered(plans):
            wants_script = False
            plans.append(_plan(rng, "lamp", rooms[0], FILLER_PRIORITY))
    layout = Layout(home_type, rooms, areas)
    used: set[str] = set()
    for plan in plans:
        _materialize(rng, layout, plan, used)
    _core_entities(rng, layout, occupants)
    if wants_script:
        add_script(layout, "notify_phone", "Notify phone")
    return layout


def _has_metered(plans: list[DevicePlan]) -> bool:
    return any(plan.kind in METERED_APPLIANCES for plan in plans)


def draw_rooms(
    rng: np.random.Generator, profile: TypeProfile
) -> tuple[list[Room], dict[str, Area]]:
    """Rooms and areas (with floors) of one home."""
    n_floors = weighted_choice(rng, profile.floors)
    bedrooms = weighted_choice(rng, profile.bedrooms)
    bathrooms = weighted_choice(rng, profile.bathrooms)
    roles = ["living_room", "kitchen"]
    if not profile.shared_building or rng.random() < 0.75:
        roles.append("hallway")
    if n_floors > 1 and rng.random() < profile.stairs:
        roles.append("stairs")
    roles += ["bedroom"] * bedrooms + ["bathroom"] * bathrooms
    roles += [role for role, p in profile.rooms.items() if rng.random() < p]
    if rng.random() < profile.basement:
        roles.append("basement")
    roles += [role for role, p in profile.outdoor.items() if rng.random() < p]
    rooms = _name_rooms(rng, profile, roles)
    return rooms, _place_on_floors(rng, profile, rooms, n_floors)


def _name_rooms(rng: np.random.Generator, profile: TypeProfile, roles: list[str]) -> list[Room]:
    rooms: list[Room] = []
    seen: dict[str, int] = {}
    for role in roles:
        count = roles.count(role)
        seen[role] = seen.get(role, 0) + 1
        names = profile.room_names.get(role, (role,))
        name = names[int(rng.integers(len(names)))]
        if role == "bedroom" and count > 1:
            name = "master_bedroom" if seen[role] == 1 else f"bedroom_{seen[role]}"
        elif count > 1 and seen[role] > 1:
            name = f"{name}_{seen[role]}"
        rooms.append(Room(name, role))
    return rooms


def _place_on_floors(
    rng: np.random.Generator, profile: TypeProfile, rooms: list[Room], n_floors: int
) -> dict[str, Area]:
    has_basement = any(room.role == "basement" for room in rooms)
    configured = rng.random() < (
        0.85 if n_floors > 1 or has_basement else profile.floors_configured
    )
    storey = int(rng.integers(profile.storey[0], profile.storey[1] + 1))
    floors = _floor_names(profile, n_floors, storey)
    has_garage = any(room.role == "garage" for room in rooms)
    below = profile.garage_below * (1.0 if n_floors > 2 else 0.35)
    garage_below = n_floors > 1 and has_garage and rng.random() < below
    areas: dict[str, Area] = {}
    for room in rooms:
        level = _level(rng, room, n_floors, has_basement=has_basement, raised=garage_below)
        floor = floors.get(level) if level is not None and configured else None
        areas[room.area_id] = Area(
            area_id=room.area_id,
            name=room.area_id.replace("_", " ").title(),
            floor_id=floor[0] if floor else None,
            floor_level=floor[1] if floor else None,
        )
    return areas


def _level(
    rng: np.random.Generator, room: Room, n_floors: int, *, has_basement: bool, raised: bool
) -> int | None:
    """The floor of a room: living space below, bedrooms and the main bathroom upstairs.

    With a garage under the house (``raised``) the garage and the entrance take the ground
    floor and the living space starts one floor up.
    """
    ground = 1 if raised else 0
    upstairs = min(ground + 1, n_floors - 1)
    if room.role == "garage":
        return 0 if raised or rng.random() < 0.2 else None
    if room.outdoor:
        return None
    if room.role == "basement" or (room.role == "laundry" and has_basement and rng.random() < 0.7):
        return -1
    if room.role == "attic":
        return n_floors - 1
    if room.role == "bedroom" or room.area_id == "bathroom":
        return int(rng.integers(upstairs, n_floors))
    if room.role in ("office", "stairs"):
        return int(rng.integers(0, n_floors))
    if room.role == "hallway":
        return 0
    if room.role == "family_room" and has_basement and rng.random() < 0.3:
        return -1
    return ground


def _floor_names(profile: TypeProfile, n_floors: int, storey: int) -> dict[int, tuple[str, int]]:
    if profile.shared_building:
        if n_floors == 1:
            return {0: ("apartment", storey)}
        return {0: ("lower_level", storey), 1: ("upper_level", storey + 1)}
    names = ("ground_floor", "first_floor", "second_floor", "third_floor")
    floors = {level: (names[level], level) for level in range(n_floors)}
    floors[-1] = ("basement", -1)
    return floors


def _plan(
    rng: np.random.Generator,
    kind_key: str,
    room: Room | None,
    priority: int,
    base: str | None = None,
) -> DevicePlan:
    kind = KINDS[kind_key]
    parts = [spec for spec in kind.entities if spec.part != "illuminance" or rng.random() < 0.5]
    if kind.wireless and rng.random() < 0.05:
        parts.append(SIGNAL)
    return DevicePlan(
        kind=kind_key,
        area_id=room.area_id if room else None,
        role=room.role if room else "",
        base=base or (room.area_id if room else kind_key),
        priority=priority,
        parts=tuple(parts),
    )


def _scaled(p: float, richness: float) -> float:
    return min(0.97, p * (0.2 + 1.1 * richness))


def kind_factor(profile: TypeProfile, kind: str) -> float:
    """How much more (or less) likely a home of this profile is to hold a device kind."""
    if kind in INSTALLED_KINDS:
        return profile.installed
    if kind in PORTABLE_KINDS:
        return profile.portable
    if kind in EXTERIOR_KINDS:
        return profile.exterior
    if kind == "window_contact":
        return profile.windows
    return 1.0


def _filler(rng: np.random.Generator, profile: TypeProfile) -> str:
    """One more everyday device, drawn with the profile's tendencies."""
    weights = np.array([kind_factor(profile, kind) for kind in FILLER_KINDS])
    return FILLER_KINDS[int(rng.choice(len(FILLER_KINDS), p=weights / weights.sum()))]


def _room_devices(
    rng: np.random.Generator, profile: TypeProfile, rooms: list[Room], richness: float
) -> list[DevicePlan]:
    plans: list[DevicePlan] = []
    for room in rooms:
        for kind, p in ROOM_DEVICES[room.role].items():
            if rng.random() < _scaled(p * kind_factor(profile, kind), richness):
                plans.append(_plan(rng, kind, room, ROOM_PRIORITY))
        if not room.outdoor:
            for _ in range(int(rng.poisson(max(0.0, richness - 0.5) * 5.0))):
                plans.append(_plan(rng, _filler(rng, profile), room, FILLER_PRIORITY))
    return plans


def _first(rooms: list[Room], *roles: str) -> Room | None:
    for role in roles:
        for room in rooms:
            if room.role == role:
                return room
    return None


def _home_devices(
    rng: np.random.Generator, profile: TypeProfile, rooms: list[Room], richness: float
) -> list[DevicePlan]:
    p = {**COMMON_DEVICES, **profile.devices}
    entrance = _first(rooms, "hallway", "living_room")
    kitchen = _first(rooms, "kitchen")
    plans: list[DevicePlan] = []

    def add(
        kind: str, room: Room | None, chance: float, priority: int, base: str | None = None
    ) -> bool:
        if rng.random() < chance:
            plans.append(_plan(rng, kind, room, priority, base))
            return True
        return False

    add("door_contact", entrance, p["front_door"], HOME_PRIORITY, "front")
    if _first(rooms, "garden", "patio"):
        add("door_contact", kitchen, p.get("back_door", 0.0), ROOM_PRIORITY, "back")
    if outside := _first(rooms, "balcony", "terrace", "patio"):
        add("door_contact", _first(rooms, "living_room"), 0.35, ROOM_PRIORITY, outside.role)
    installed = profile.installed
    add("lock", entrance, _scaled(p["lock"] * installed, richness), HOME_PRIORITY, "front")
    add("alarm", entrance, p.get("alarm", 0.0), HOME_PRIORITY)
    add(
        "chime",
        entrance,
        _scaled(p["chime"], richness),
        ROOM_PRIORITY,
        entrance.area_id if entrance else None,
    )
    utility = _first(rooms, "laundry", "basement", "garage", "hallway", "kitchen")
    add("energy_meter", utility, _scaled(p["energy_meter"] * installed, richness), HOME_PRIORITY)
    has_leak = any(plan.kind == "leak" for plan in plans)
    add(
        "water_valve",
        _first(rooms, "basement", "laundry", "kitchen"),
        p["water_valve"] + 0.35 * has_leak * min(1.0, installed),
        ROOM_PRIORITY,
    )
    add("dishwasher", kitchen, _scaled(p["dishwasher"], richness), ROOM_PRIORITY)
    washer_room = _first(rooms, "laundry", "basement", "bathroom", "kitchen")
    if add("washing_machine", washer_room, _scaled(p["washing_machine"], richness), ROOM_PRIORITY):
        add("dryer", washer_room, p["dryer"], ROOM_PRIORITY)
    if garage := _first(rooms, "garage"):
        add("garage_door", garage, p.get("garage_door", 0.0), SIGNATURE_PRIORITY)
    garden = _first(rooms, "garden")
    if garden and add("irrigation", garden, p.get("irrigation", 0.0), SIGNATURE_PRIORITY):
        add("soil_sensor", garden, p["soil_sensor"], ROOM_PRIORITY)
    if pool := _first(rooms, "pool"):
        add("pool_pump", pool, p.get("pool_pump", 0.0), SIGNATURE_PRIORITY)
    add("wood_stove", _first(rooms, "living_room"), p.get("wood_stove", 0.0), SIGNATURE_PRIORITY)
    well_room = _first(rooms, "basement", "shed", "garage", "garden", "kitchen")
    add("well_pump", well_room, p.get("well_pump", 0.0), SIGNATURE_PRIORITY)
    add("intercom", entrance, p.get("intercom", 0.0), SIGNATURE_PRIORITY)
    return plans


def _fit_size(
    rng: np.random.Generator,
    profile: TypeProfile,
    plans: list[DevicePlan],
    rooms: list[Room],
    budget: int,
) -> list[DevicePlan]:
    """Remove or add devices until their entity count is as close to ``budget`` as fits (±8 %)."""
    target = budget
    low, high = math.ceil(0.92 * target) if target > 0 else 0, math.floor(1.08 * target)
    count = sum(plan.size for plan in plans)
    order = sorted(range(len(plans)), key=lambda i: (plans[i].priority, rng.random()))
    removed: set[int] = set()
    for index in order:
        if count <= target:
            break
        if count - plans[index].size < low:
            continue  # removing this device would undershoot; try a smaller one
        removed.add(index)
        count -= plans[index].size
    kept = [plan for i, plan in enumerate(plans) if i not in removed]
    indoor = [room for room in rooms if not room.outdoor]
    while count < target:
        kind = _filler(rng, profile)
        room = indoor[int(rng.integers(len(indoor)))]
        plan = _plan(rng, kind, room, FILLER_PRIORITY)
        if count + plan.size > high:
            plan = _plan(rng, "lamp", room, FILLER_PRIORITY)
        kept.append(plan)
        count += plan.size
    return kept


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


def _display(slug: str) -> str:
    return slug.replace("_", " ").title()


def _materialize(
    rng: np.random.Generator, layout: Layout, plan: DevicePlan, used: set[str]
) -> None:
    kind: DeviceKind = KINDS[plan.kind]
    device_slug = _unique(kind.slug.format(base=plan.base), used)
    device_name = f"{_display(plan.base)} {kind.label}" if "{base}" in kind.slug else kind.label
    device_id = rng.bytes(16).hex()
    manufacturer, model = kind.models[int(rng.integers(len(kind.models)))]
    layout.devices[device_id] = Device(
        device_id=device_id,
        name=device_name,
        manufacturer=manufacturer,
        model=model,
        area_id=plan.area_id,
        battery_powered=kind.battery,
    )
    layout.device_kinds[device_id] = plan.kind
    for spec in plan.parts:
        object_id = spec.object_id.format(base=plan.base, device=device_slug)
        entity_id = _unique(f"{spec.domain}.{object_id}", used)
        name = device_name if spec.part == "main" else f"{device_name} {spec.name}"
        entity = Entity(
            entity_id=entity_id,
            device_class=spec.device_class,
            unit=spec.unit,
            area_id=plan.area_id,
            device_id=device_id,
            name=name,
            enabled=spec.part != "signal",
        )
        layout.placed[entity_id] = Placed(entity, plan.kind, spec.part, plan.role, plan.base)


def _core_entities(rng: np.random.Generator, layout: Layout, occupants: int) -> None:
    def add(entity_id: str, kind: str, name: str, device_class: str | None = None) -> None:
        entity = Entity(entity_id=entity_id, device_class=device_class, name=name)
        layout.placed[entity_id] = Placed(entity, kind, "main", "", "")

    add("sun.sun", "sun", "Sun")
    add("zone.home", "zone", "Home")
    names = rng.choice(len(FIRST_NAMES), size=occupants, replace=False)
    for index in names.tolist():
        name = FIRST_NAMES[index]
        add(f"person.{name}", "person", name.title())
        layout.persons.append(f"person.{name}")


def add_script(layout: Layout, object_id: str, name: str) -> str:
    """Add a script entity (no device) and return its id."""
    entity_id = f"script.{object_id}"
    entity = Entity(entity_id=entity_id, name=name)
    layout.placed[entity_id] = Placed(entity, "script", "main", "", "")
    return entity_id
