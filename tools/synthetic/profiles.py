"""How the five home types differ: rooms, floors, outdoor spaces, devices, people.

The differences are tendencies of real homes: owners fit devices into the building that
tenants rarely may (thermostat, lock, alarm panel, water valve), flats share a building
(intercom, parking, storage), townhouses stack few rooms on two or three floors over a small
yard, often with the garage underneath, and detached houses spread out with gardens,
driveways, sheds and more lights and cameras outside.

Every figure is a probability or a weighted choice, and the ranges of neighbouring types
overlap on purpose (a small house can look like a townhouse, a large condo like an
apartment), so that the type of a home is not given away by any single count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

type Weighted = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class TypeProfile:
    """The distributions one home type is drawn from."""

    floors: Weighted
    basement: float
    bedrooms: Weighted
    bathrooms: Weighted
    rooms: dict[str, float]
    outdoor: dict[str, float]
    occupants: Weighted
    routines: dict[str, float]
    devices: dict[str, float]
    climate: dict[str, float]
    floors_configured: float  # chance that a single-floor home has its floor set up
    shared_building: bool = False
    storey: tuple[int, int] = (0, 0)  # building storey of a flat
    room_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Owners fit devices into the building (thermostat, lock, alarm, valve, blinds, fans);
    # renters mostly bring what they can take with them (plugs, lamps, battery sensors).
    installed: float = 1.0
    portable: float = 1.0
    windows: float = 1.0  # window sensors: fewer behind shared walls
    exterior: float = 1.0  # outdoor lights and cameras
    stairs: float = 0.0  # chance that a home on several floors has its stairs as an area
    garage_below: float = 0.0  # chance that a garage sits under the living space (own floor)


_TEMPERATE: Final = {"cold": 0.2, "temperate": 0.4, "warm": 0.25, "hot": 0.15}
_HOUSE_NAMES: Final[dict[str, tuple[str, ...]]] = {"hallway": ("hallway", "hall", "entry", "foyer")}
_FLAT_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "hallway": ("hallway", "entrance", "hall", "entry"),
    "parking": ("parking", "parking_space", "car_park"),
    "storage": ("storage", "storage_unit", "locker"),
}

PROFILES: Final[dict[str, TypeProfile]] = {
    # Detached: more rooms on each floor, a garden, a driveway, sheds and pools, lit and
    # watched outside.
    "single_family_house": TypeProfile(
        floors=((1, 0.35), (2, 0.55), (3, 0.1)),
        basement=0.45,
        bedrooms=((2, 0.15), (3, 0.4), (4, 0.3), (5, 0.15)),
        bathrooms=((1, 0.25), (2, 0.55), (3, 0.2)),
        rooms={
            "office": 0.6,
            "dining_room": 0.7,
            "laundry": 0.7,
            "attic": 0.2,
            "family_room": 0.35,
        },
        outdoor={
            "garden": 0.9,
            "garage": 0.8,
            "porch": 0.6,
            "pool": 0.18,
            "driveway": 0.6,
            "patio": 0.45,
            "shed": 0.3,
        },
        occupants=((1, 0.08), (2, 0.3), (3, 0.25), (4, 0.25), (5, 0.12)),
        routines={"office": 0.5, "remote": 0.2, "shift": 0.12, "retired": 0.18},
        devices={
            "alarm": 0.45,
            "garage_door": 0.9,
            "irrigation": 0.55,
            "pool_pump": 0.95,
            "wood_stove": 0.08,
            "well_pump": 0.08,
            "back_door": 0.6,
        },
        climate=_TEMPERATE,
        floors_configured=0.6,
        room_names=_HOUSE_NAMES,
        exterior=1.3,
        stairs=0.3,
        garage_below=0.05,
    ),
    # Stacked on a small footprint: two or three floors of few rooms, often a garage under
    # the house, a patio or a small back yard, shared side walls.
    "townhouse": TypeProfile(
        floors=((2, 0.5), (3, 0.5)),
        basement=0.15,
        bedrooms=((2, 0.3), (3, 0.5), (4, 0.2)),
        bathrooms=((1, 0.3), (2, 0.5), (3, 0.2)),
        rooms={"office": 0.45, "dining_room": 0.35, "laundry": 0.5, "family_room": 0.1},
        outdoor={
            "garden": 0.45,
            "garage": 0.55,
            "porch": 0.25,
            "pool": 0.01,
            "driveway": 0.08,
            "patio": 0.6,
            "balcony": 0.2,
            "shed": 0.04,
        },
        occupants=((1, 0.15), (2, 0.35), (3, 0.3), (4, 0.2)),
        routines={"office": 0.55, "remote": 0.2, "shift": 0.12, "retired": 0.08, "student": 0.05},
        devices={
            "alarm": 0.35,
            "garage_door": 0.8,
            "irrigation": 0.15,
            "pool_pump": 0.9,
            "back_door": 0.5,
        },
        climate=_TEMPERATE,
        floors_configured=0.6,
        room_names={**_HOUSE_NAMES, "garden": ("back_yard", "yard", "garden")},
        windows=0.55,
        exterior=0.6,
        stairs=0.55,
        garage_below=0.6,
    ),
    # Rented flat: fewer rooms, what a tenant may fit (plugs, lamps, battery sensors), rarely
    # a thermostat, lock, alarm or water valve of their own.
    "apartment": TypeProfile(
        floors=((1, 0.95), (2, 0.05)),
        basement=0.0,
        bedrooms=((0, 0.2), (1, 0.4), (2, 0.28), (3, 0.12)),
        bathrooms=((1, 0.85), (2, 0.15)),
        rooms={"office": 0.25, "dining_room": 0.2, "laundry": 0.15},
        outdoor={"balcony": 0.55, "parking": 0.08, "storage": 0.1},
        occupants=((1, 0.45), (2, 0.4), (3, 0.15)),
        routines={"office": 0.45, "remote": 0.2, "shift": 0.12, "retired": 0.06, "student": 0.17},
        devices={"alarm": 0.06, "intercom": 0.8, "water_valve": 0.1},
        climate=_TEMPERATE,
        floors_configured=0.35,
        shared_building=True,
        storey=(0, 14),
        room_names=_FLAT_NAMES,
        installed=0.35,
        portable=1.4,
        windows=0.8,
        exterior=0.5,
        stairs=0.4,
    ),
    # Owned flat: the owner fits a thermostat, a lock, an alarm panel, a leak valve (a leak
    # floods the neighbours); a parking space and storage unit in the shared building,
    # a balcony or terrace, now and then two levels.
    "condo": TypeProfile(
        floors=((1, 0.8), (2, 0.2)),
        basement=0.0,
        bedrooms=((1, 0.3), (2, 0.5), (3, 0.2)),
        bathrooms=((1, 0.4), (2, 0.6)),
        rooms={"office": 0.45, "dining_room": 0.45, "laundry": 0.55, "family_room": 0.05},
        outdoor={"balcony": 0.55, "terrace": 0.3, "parking": 0.45, "storage": 0.35},
        occupants=((1, 0.35), (2, 0.4), (3, 0.15), (4, 0.1)),
        routines={"office": 0.45, "remote": 0.25, "shift": 0.08, "retired": 0.2, "student": 0.02},
        devices={"alarm": 0.4, "intercom": 0.75, "water_valve": 0.5},
        climate=_TEMPERATE,
        floors_configured=0.45,
        shared_building=True,
        storey=(0, 9),
        room_names=_FLAT_NAMES,
        installed=1.35,
        portable=0.9,
        windows=0.9,
        exterior=0.7,
        stairs=0.5,
    ),
    "cottage": TypeProfile(
        floors=((1, 0.6), (2, 0.4)),
        basement=0.3,
        bedrooms=((1, 0.3), (2, 0.5), (3, 0.2)),
        bathrooms=((1, 0.85), (2, 0.15)),
        rooms={"office": 0.2, "dining_room": 0.3, "laundry": 0.3},
        outdoor={
            "garden": 0.9,
            "porch": 0.75,
            "shed": 0.6,
            "garage": 0.3,
            "pool": 0.03,
            "driveway": 0.3,
        },
        occupants=((1, 0.3), (2, 0.45), (3, 0.15), (4, 0.1)),
        routines={"retired": 0.4, "remote": 0.3, "office": 0.2, "shift": 0.1},
        devices={
            "alarm": 0.3,
            "garage_door": 0.7,
            "irrigation": 0.4,
            "pool_pump": 0.9,
            "wood_stove": 0.85,
            "well_pump": 0.7,
            "back_door": 0.5,
        },
        climate={"cold": 0.45, "temperate": 0.4, "warm": 0.15},
        floors_configured=0.5,
        room_names=_HOUSE_NAMES,
        installed=0.8,
        stairs=0.2,
    ),
}

OUTDOOR_ROLES: Final = frozenset(
    {
        "garden",
        "garage",
        "porch",
        "pool",
        "driveway",
        "patio",
        "shed",
        "balcony",
        "terrace",
        "parking",
        "storage",
    }
)
# Device kinds whose chance follows the profile's ``installed``, ``portable``, ``windows`` and
# ``exterior`` factors.
INSTALLED_KINDS: Final = frozenset({"thermostat", "exhaust_fan", "blinds", "lock", "energy_meter"})
PORTABLE_KINDS: Final = frozenset({"plug", "lamp", "speaker"})
EXTERIOR_KINDS: Final = frozenset({"outdoor_light", "camera"})

# Probability that a room of a role holds a device kind (scaled by the home's "richness").
ROOM_DEVICES: Final[dict[str, dict[str, float]]] = {
    "living_room": {
        "motion": 0.75,
        "ceiling_light": 0.85,
        "lamp": 0.7,
        "multisensor": 0.55,
        "window_contact": 0.35,
        "blinds": 0.45,
        "tv": 0.85,
        "speaker": 0.3,
        "plug": 0.4,
        "thermostat": 0.55,
    },
    "kitchen": {
        "motion": 0.8,
        "ceiling_light": 0.85,
        "multisensor": 0.35,
        "speaker": 0.35,
        "leak": 0.4,
        "smoke": 0.35,
        "plug": 0.25,
    },
    "dining_room": {"ceiling_light": 0.8, "motion": 0.3, "lamp": 0.2},
    "bedroom": {
        "motion": 0.45,
        "ceiling_light": 0.75,
        "lamp": 0.6,
        "multisensor": 0.45,
        "window_contact": 0.3,
        "blinds": 0.4,
        "tv": 0.15,
        "plug": 0.2,
        "thermostat": 0.12,
        "smoke": 0.25,
    },
    "bathroom": {
        "motion": 0.65,
        "ceiling_light": 0.75,
        "multisensor": 0.7,
        "exhaust_fan": 0.5,
        "leak": 0.35,
        "speaker": 0.08,
    },
    "hallway": {"motion": 0.8, "ceiling_light": 0.8, "smoke": 0.55},
    "stairs": {"motion": 0.7, "ceiling_light": 0.55, "smoke": 0.2},
    "family_room": {
        "ceiling_light": 0.75,
        "lamp": 0.6,
        "tv": 0.5,
        "motion": 0.45,
        "speaker": 0.25,
        "plug": 0.25,
        "window_contact": 0.25,
    },
    "office": {
        "motion": 0.55,
        "ceiling_light": 0.7,
        "lamp": 0.45,
        "plug": 0.55,
        "multisensor": 0.35,
        "blinds": 0.3,
    },
    "laundry": {"ceiling_light": 0.6, "leak": 0.55, "motion": 0.35},
    "basement": {"motion": 0.5, "ceiling_light": 0.6, "multisensor": 0.45, "leak": 0.45},
    "attic": {"motion": 0.3, "ceiling_light": 0.5, "multisensor": 0.4},
    "garage": {"motion": 0.6, "ceiling_light": 0.6, "camera": 0.15},
    "garden": {"outdoor_light": 0.6, "motion": 0.3, "camera": 0.25},
    "porch": {"outdoor_light": 0.8, "motion": 0.35, "camera": 0.35},
    "driveway": {"outdoor_light": 0.55, "motion": 0.3, "camera": 0.45},
    "patio": {"outdoor_light": 0.45, "camera": 0.1},
    "balcony": {"outdoor_light": 0.35, "camera": 0.03},
    "terrace": {"outdoor_light": 0.45, "camera": 0.05},
    "pool": {},
    "shed": {"ceiling_light": 0.3},
    "parking": {"motion": 0.15, "camera": 0.1},
    "storage": {"ceiling_light": 0.2, "motion": 0.2, "leak": 0.15},
}

# Home-level devices every type may have.
COMMON_DEVICES: Final[dict[str, float]] = {
    "front_door": 0.8,
    "lock": 0.55,
    "chime": 0.3,
    "energy_meter": 0.6,
    "water_valve": 0.3,
    "dishwasher": 0.45,
    "washing_machine": 0.5,
    "dryer": 0.5,  # given a washing machine
    "notify_script": 0.8,  # given a metered appliance
    "soil_sensor": 0.6,  # given irrigation
}
