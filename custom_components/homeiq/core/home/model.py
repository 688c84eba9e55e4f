"""The home model: one plain description of a home, real or synthetic.

Everything HomeIQ learns is computed from a :class:`Home`. The Home Assistant adapter
(``homeiq.home``) and the synthetic generator both produce this type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt


class Origin(IntEnum):
    """Where a state change came from (derived from the state's context)."""

    UNKNOWN = 0
    DEVICE = 1  # no user, no parent context: the device reported it
    USER = 2  # a person did it (context carries a user id)
    AUTOMATION = 3  # caused by something else (context carries a parent id)


@dataclass(frozen=True, slots=True)
class Area:
    """A room or outdoor space."""

    area_id: str
    name: str
    floor_id: str | None = None
    floor_level: int | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A physical or virtual device."""

    device_id: str
    name: str
    manufacturer: str | None = None
    model: str | None = None
    area_id: str | None = None
    battery_powered: bool = False


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity; ``area_id`` is the entity's own area or else its device's."""

    entity_id: str
    device_class: str | None = None
    unit: str | None = None
    area_id: str | None = None
    device_id: str | None = None
    name: str | None = None
    enabled: bool = True

    @property
    def domain(self) -> str:
        """The entity's domain (``light`` for ``light.kitchen``)."""
        return self.entity_id.partition(".")[0]


@dataclass(slots=True)
class StateHistory:
    """Compact state history of one entity, oldest first.

    ``timestamps`` are POSIX seconds; ``values`` holds the numeric value or NaN;
    ``codes`` indexes ``vocabulary`` for the raw state string; ``origins`` holds
    :class:`Origin` values.
    """

    timestamps: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    codes: npt.NDArray[np.int32]
    vocabulary: list[str]
    origins: npt.NDArray[np.int8]

    def __len__(self) -> int:
        """Number of recorded state changes."""
        return int(self.timestamps.shape[0])

    @classmethod
    def empty(cls) -> StateHistory:
        """A history with no rows."""
        return cls(
            timestamps=np.empty(0, dtype=np.float64),
            values=np.empty(0, dtype=np.float64),
            codes=np.empty(0, dtype=np.int32),
            vocabulary=[],
            origins=np.empty(0, dtype=np.int8),
        )

    def states(self) -> list[str]:
        """The raw state strings, oldest first."""
        return [self.vocabulary[code] for code in self.codes.tolist()]

    def rows(self, selection: npt.NDArray[np.bool_] | npt.NDArray[np.intp] | slice) -> StateHistory:
        """The rows picked by a mask, an index array (in that order) or a slice."""
        return StateHistory(
            timestamps=self.timestamps[selection],
            values=self.values[selection],
            codes=self.codes[selection],
            vocabulary=self.vocabulary,
            origins=self.origins[selection],
        )


@dataclass(frozen=True, slots=True)
class Automation:
    """An existing automation reduced to what triggers it and what it acts on."""

    automation_id: str
    name: str
    enabled: bool
    trigger_entities: tuple[str, ...] = ()
    action_entities: tuple[str, ...] = ()
    action_services: tuple[str, ...] = ()


@dataclass(slots=True)
class Home:
    """A whole home: structure, histories, automations and external series."""

    areas: dict[str, Area] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    histories: dict[str, StateHistory] = field(default_factory=dict)
    automations: list[Automation] = field(default_factory=list)
    external: dict[str, StateHistory] = field(default_factory=dict)
    window_start: float | None = None
    window_end: float | None = None
    time_zone: str = "UTC"  # IANA name; routines, nights and tariffs run on local time

    def summary(self) -> dict[str, int]:
        """Counts that describe the home's size and how much history it has."""
        floors = {area.floor_id for area in self.areas.values() if area.floor_id}
        return {
            "areas": len(self.areas),
            "floors": len(floors),
            "devices": len(self.devices),
            "entities": len(self.entities),
            "automations": len(self.automations),
            "entities_with_history": sum(1 for h in self.histories.values() if len(h)),
            "history_rows": sum(len(h) for h in self.histories.values()),
        }
