"""How the five home types differ: rooms, floors, outdoor spaces, devices, people.

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


_TEMPERATE: Final = {"cold": 0.2, "temperate": 0.4, "warm": 0.25, "hot": 0.15}

PROFILES: Final[dict[str, TypeProfile]] = {
    "single_family_house": TypeProfile(
        floors=((1, 0.25), (2, 0.6), (3, 0.15)),
        basement=0.45,
        bedrooms=((2, 0.15), (3, 0.4), (4, 0.3), (5, 0.15)),
        bathrooms=((1, 0.25), (2, 0.55), (3, 0.2)),
        rooms={"office": 0.6, "dining_room": 0.7, "laundry": 0.7, "attic": 0.2},
        outdoor={
            "garden": 0.9,
            "garage": 0.8,
            "porch": 0.6,
            "pool": 0.15,
            "driveway": 0.5,
            "patio": 0.4,
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
    ),
    "townhouse": TypeProfile(
        floors=((2, 0.65), (3, 0.35)),
        basement=0.25,
        bedrooms=((2, 0.3), (3, 0.5), (4, 0.2)),
        bathrooms=((1, 0.35), (2, 0.5), (3, 0.15)),
        rooms={"office": 0.5, "dining_room": 0.45, "laundry": 0.5, "attic": 0.1},
        outdoor={"garden": 0.6, "garage": 0.45, "porch": 0.3, "pool": 0.02, "patio": 0.5},
        occupants=((1, 0.15), (2, 0.35), (3, 0.3), (4, 0.2)),
        routines={"office": 0.55, "remote": 0.2, "shift": 0.12, "retired": 0.08, "student": 0.05},
        devices={
            "alarm": 0.35,
            "garage_door": 0.8,
            "irrigation": 0.3,
            "pool_pump": 0.9,
            "back_door": 0.5,
        },
        climate=_TEMPERATE,
        floors_configured=0.6,
    ),
    "apartment": TypeProfile(
        floors=((1, 0.95), (2, 0.05)),
        basement=0.0,
        bedrooms=((0, 0.15), (1, 0.4), (2, 0.3), (3, 0.15)),
        bathrooms=((1, 0.8), (2, 0.2)),
        rooms={"office": 0.3, "dining_room": 0.25, "laundry": 0.2},
        outdoor={"balcony": 0.6},
        occupants=((1, 0.45), (2, 0.4), (3, 0.15)),
        routines={"office": 0.45, "remote": 0.2, "shift": 0.12, "retired": 0.08, "student": 0.15},
        devices={"alarm": 0.15, "intercom": 0.8},
        climate=_TEMPERATE,
        floors_configured=0.35,
        shared_building=True,
        storey=(0, 14),
        room_names={"hallway": ("hallway", "entrance", "hall")},
    ),
    "condo": TypeProfile(
        floors=((1, 0.85), (2, 0.15)),
        basement=0.0,
        bedrooms=((1, 0.35), (2, 0.45), (3, 0.2)),
        bathrooms=((1, 0.5), (2, 0.5)),
        rooms={"office": 0.45, "dining_room": 0.5, "laundry": 0.5},
        outdoor={"balcony": 0.5, "terrace": 0.35},
        occupants=((1, 0.35), (2, 0.4), (3, 0.15), (4, 0.1)),
        routines={"office": 0.45, "remote": 0.25, "shift": 0.08, "retired": 0.2, "student": 0.02},
        devices={"alarm": 0.25, "intercom": 0.75},
        climate=_TEMPERATE,
        floors_configured=0.45,
        shared_building=True,
        storey=(0, 9),
        room_names={"hallway": ("hallway", "entrance", "hall")},
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
    ),
}

OUTDOOR_ROLES: Final = frozenset(
    {"garden", "garage", "porch", "pool", "driveway", "patio", "shed", "balcony", "terrace"}
)

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
    "garage": {"motion": 0.6, "ceiling_light": 0.6},
    "garden": {"outdoor_light": 0.6, "motion": 0.3},
    "porch": {"outdoor_light": 0.8, "motion": 0.35},
    "driveway": {"outdoor_light": 0.55, "motion": 0.3},
    "patio": {"outdoor_light": 0.45},
    "balcony": {"outdoor_light": 0.35},
    "terrace": {"outdoor_light": 0.45},
    "pool": {},
    "shed": {"ceiling_light": 0.3},
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
