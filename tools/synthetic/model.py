"""What a synthetic home is made of: the home itself and the ground truth planted in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from custom_components.homeiq.core.home import Home

ROUTINES: Final[tuple[str, ...]] = ("office", "remote", "shift", "retired", "student")

SYNERGY_KINDS: Final[tuple[str, ...]] = (
    "motion_light",
    "door_alarm",
    "humidity_fan",
    "temperature_climate",
    "illuminance_cover",
    "away_lights_off",
    "media_dim",
    "night_door_lock",
    "sunset_lights",
    "appliance_done_notify",
    "leak_valve",
)

FAILURE_KINDS: Final[tuple[str, ...]] = (
    "battery_depletion",
    "dropout",
    "stuck",
    "drift",
    "sudden_death",
    "abnormal_activity",
)


@dataclass(frozen=True, slots=True)
class PlantedSynergy:
    """A cause → effect pair planted in a synthetic home.

    An *occurrence* of the cause is a row of the cause's history that enters ``cause_state``
    from a different, valid state (not ``unavailable`` / ``unknown``; the row at the window
    start has no predecessor and never counts). For a numeric cause ``cause_state`` reads
    ``above:<x>`` (the value goes from a finite value ``<= x`` to ``> x``) or ``below:<x>``
    (from a finite value ``>= x`` to ``< x``). After an occurrence, with probability
    ``reliability``, the effect entity changes to ``effect_state`` (origin ``AUTOMATION`` when
    ``automated``, else ``USER``) after a gamma-distributed delay with the given mean and
    standard deviation, and before the next occurrence; it returns to its previous state in
    between. Effect entities take part in no other synergy and fail in no scenario.
    """

    kind: str
    cause_entity: str
    cause_state: str
    effect_entity: str
    effect_state: str
    delay_mean_s: float
    delay_std_s: float
    reliability: float
    automated: bool


@dataclass(frozen=True, slots=True)
class PlantedFailure:
    """A device degradation planted in a synthetic home, with its known outcome.

    ``start_ts`` is when the degradation begins (it may precede the window for a battery
    that was already declining). ``failure_ts`` is when the device becomes unusable
    (unavailable for good, battery empty); it may lie after the window end, which makes it a
    future outcome known only to the ground truth. It is ``None`` for kinds that never make
    the device unusable (``stuck``, ``drift``, ``abnormal_activity``). ``end_ts`` is when a
    temporary abnormality stops (``abnormal_activity``), otherwise ``None``.
    """

    kind: str
    device_id: str
    entity_ids: tuple[str, ...]
    start_ts: float
    failure_ts: float | None
    end_ts: float | None = None


@dataclass(slots=True)
class GroundTruth:
    """Everything the generator knows about a home that a model has to discover.

    ``routine`` is the routine of the home's main occupant. ``vacations`` are the
    ``(leave, return)`` times when nobody was home. ``utc_offset_h`` is the home's offset
    from UTC (local time drives the routines).
    """

    home_type: str
    seed: int
    occupants: int
    routine: str
    synergies: list[PlantedSynergy]
    failures: list[PlantedFailure]
    vacations: list[tuple[float, float]] = field(default_factory=list)
    climate_zone: str = ""
    grid_region: str = ""
    utc_offset_h: float = 0.0


@dataclass(slots=True)
class SyntheticHome:
    """A generated home with its ground truth."""

    home: Home
    truth: GroundTruth
