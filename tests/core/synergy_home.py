"""Small hand-made homes for the synergy tests: entities, devices and histories built row by row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from custom_components.homeiq.core.home import Area, Device, Entity, Home, Origin, StateHistory
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.time import DAY, HOUR

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC (a Thursday)
USER, DEVICE, AUTO = int(Origin.USER), int(Origin.DEVICE), int(Origin.AUTOMATION)

type Row = tuple[float, str, int]


def history(rows: Iterable[Row]) -> StateHistory:
    """A history from (time, state, origin) rows, sorted by time."""
    ordered = sorted(rows, key=lambda row: row[0])
    return pack_rows([r[0] for r in ordered], [r[1] for r in ordered], [r[2] for r in ordered])


def numeric(times: Sequence[float], values: Sequence[float], origin: int = DEVICE) -> StateHistory:
    """A numeric history (states are the values as text)."""
    return history((t, f"{v:g}", origin) for t, v in zip(times, values, strict=True))


def pulses(
    starts: Iterable[float],
    length: float | Sequence[float],
    origin: int = DEVICE,
    *,
    on: str = "on",
    off: str = "off",
    first: float | None = None,
) -> list[Row]:
    """``on`` at each start, ``off`` ``length`` seconds later (one length or one per start);
    a leading ``off`` row at ``first`` (so the first ``on`` is an onset)."""
    starts = list(starts)
    lengths = [length] * len(starts) if isinstance(length, int | float) else list(length)
    rows: list[Row] = []
    if first is not None:
        rows.append((first, off, DEVICE))
    for start, duration in zip(starts, lengths, strict=True):
        rows.append((start, on, origin))
        rows.append((start + duration, off, origin))
    return rows


class HomeBuilder:
    """A home built entity by entity; every device-domain entity gets its own device."""

    def __init__(self, days: float, *, start: float = T0, time_zone: str = "UTC") -> None:
        self.home = Home(window_start=start, window_end=start + days * DAY, time_zone=time_zone)

    def area(self, area_id: str) -> HomeBuilder:
        """Add an area (its name is its id, capitalised)."""
        self.home.areas[area_id] = Area(area_id, area_id.capitalize())
        return self

    def entity(
        self,
        entity_id: str,
        rows: StateHistory | Iterable[Row] | None = None,
        *,
        device_class: str | None = None,
        area: str | None = None,
        unit: str | None = None,
        name: str | None = None,
    ) -> HomeBuilder:
        """Add an entity (with a device of its own) and its history."""
        if area is not None and area not in self.home.areas:
            self.area(area)
        device_id = f"device_{entity_id}"
        self.home.devices[device_id] = Device(device_id, entity_id, area_id=area)
        self.home.entities[entity_id] = Entity(
            entity_id,
            device_class=device_class,
            unit=unit,
            area_id=area,
            device_id=device_id,
            name=name,
        )
        if rows is not None:
            self.home.histories[entity_id] = (
                rows if isinstance(rows, StateHistory) else history(rows)
            )
        return self

    def sun(self, days: int) -> HomeBuilder:
        """``sun.sun``: below the horizon from 18:00 to 06:00 every day (UTC)."""
        rows: list[Row] = [(self.home.window_start or T0, "below_horizon", DEVICE)]
        for day in range(days):
            base = (self.home.window_start or T0) + day * DAY
            rows += [(base + 6 * HOUR, "above_horizon", DEVICE)]
            rows += [(base + 18 * HOUR, "below_horizon", DEVICE)]
        self.home.entities["sun.sun"] = Entity("sun.sun")
        self.home.histories["sun.sun"] = history(rows)
        return self


def daily(days: int, hour: float, start: float = T0) -> np.ndarray:
    """The same local (UTC) time every day."""
    return start + DAY * np.arange(days) + hour * HOUR
