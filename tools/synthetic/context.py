"""What device behaviours share: the generation context and small row helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from custom_components.homeiq.core.home import Automation, Origin

from .environment import DAY, Environment
from .layout import Layout, Placed
from .routine import Schedule
from .spans import FloatArray, Spans
from .track import Track

USER, DEVICE, AUTOMATION = Origin.USER, Origin.DEVICE, Origin.AUTOMATION
DEFAULT_STATES: Final[dict[str, str]] = {
    "light": "off",
    "switch": "off",
    "fan": "off",
    "siren": "off",
    "script": "off",
    "binary_sensor": "off",
    "cover": "open",
    "lock": "locked",
    "valve": "open",
    "media_player": "off",
    "alarm_control_panel": "disarmed",
    "climate": "off",
    "camera": "idle",
}


@dataclass(slots=True)
class Context:
    """Everything the device behaviours draw on."""

    rng: np.random.Generator
    env: Environment
    layout: Layout
    schedule: Schedule
    start: float
    end: float
    independent: set[str] = field(default_factory=set)
    extra_motion: dict[str, Spans] = field(default_factory=dict)
    automations: list[Automation] = field(default_factory=list)

    @property
    def begin(self) -> float:
        """Start of generation: a day before the window, so the first states are settled."""
        return self.start - DAY

    def add_automation(
        self,
        name: str,
        triggers: tuple[str, ...],
        actions: tuple[str, ...],
        services: tuple[str, ...],
        *,
        enabled: bool = True,
    ) -> None:
        """Record an automation of the home."""
        taken = {automation.automation_id for automation in self.automations}
        automation_id = ""
        while not automation_id or automation_id in taken:
            created_ms = int(self.start * 1000) - int(self.rng.integers(10**9, 10**11))
            automation_id = str(created_ms)
        self.automations.append(
            Automation(automation_id, name, enabled, triggers, actions, services)
        )

    def entity_name(self, entity_id: str) -> str:
        """The friendly name of an entity (its id when it has none)."""
        return self.layout.placed[entity_id].entity.name or entity_id

    def seconds(self, low: float, high: float, n: int) -> FloatArray:
        """``n`` uniform durations in seconds."""
        return np.asarray(self.rng.uniform(low, high, n), dtype=np.float64)

    def season_mode(self) -> str:
        """The thermostat mode of the season: heat, cool or auto."""
        mean = float(np.mean(self.env.outdoor_c))
        return "heat" if mean < 16.0 else "cool" if mean > 22.0 else "auto"


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One device and its enabled entities by part."""

    device_id: str
    kind: str
    area_id: str
    role: str
    base: str
    parts: dict[str, str]

    @property
    def main(self) -> str | None:
        """The device's main entity, if it has one."""
        return self.parts.get("main")


def default_state(entity_id: str) -> str:
    """The resting state of an entity of a domain."""
    return DEFAULT_STATES.get(entity_id.partition(".")[0], "off")


def pairs(
    track: Track,
    on: FloatArray,
    off: FloatArray,
    states: tuple[str, str],
    origins: tuple[Origin, Origin],
) -> Track:
    """Add ``states[0]`` rows at ``on`` and ``states[1]`` rows at ``off``."""
    track.add(on, states[0], origins[0])
    track.add(off, states[1], origins[1])
    return track


def independent_track(ctx: Context, entity_id: str) -> Track:
    """Activity unrelated to any other entity: random use at random times."""
    domain = entity_id.partition(".")[0]
    rest = default_state(entity_id)
    track = Track(rest)
    active = {"cover": "closed", "lock": "unlocked", "climate": "heat"}.get(domain, "on")
    if domain == "valve":
        return track
    rate, median = {"siren": (0.3, 5.0), "script": (0.3, 2.0), "lock": (0.8, 60.0)}.get(
        domain, (1.0, 1200.0)
    )
    days = (ctx.end - ctx.begin) / DAY
    times = np.sort(ctx.rng.uniform(ctx.begin, ctx.end, int(ctx.rng.poisson(rate * days))))
    length = ctx.rng.lognormal(np.log(median), 0.5, times.size)
    gaps = np.diff(times, append=np.inf)
    off = times + np.minimum(length, 0.8 * gaps)
    return pairs(track, times, off, (active, rest), (USER, USER))


def placed_view(layout: Layout, device_id: str, kind: str) -> DeviceView:
    """The enabled entities of one device, by part."""
    device = layout.devices[device_id]
    parts: dict[str, str] = {}
    role, base = "", ""
    for entity_id in layout.device_entities(device_id):
        placed: Placed = layout.placed[entity_id]
        role, base = placed.role, placed.base
        if placed.entity.enabled:
            parts[placed.part] = entity_id
    return DeviceView(device_id, kind, device.area_id or "", role, base, parts)
