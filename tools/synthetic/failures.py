"""Planted device failures: battery depletion, drop-outs, stuck and drifting sensors,
sudden death and abnormal activity, with their start and failure times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import math
from typing import Final

import numpy as np

from custom_components.homeiq.core.home.history import to_microseconds

from .catalog import KINDS
from .environment import DAY, HOUR, Environment
from .layout import Layout
from .model import PlantedFailure
from .spans import Spans
from .track import Track

FAILURE_WEIGHTS: Final[dict[str, float]] = {
    "battery_depletion": 0.3,
    "dropout": 0.18,
    "stuck": 0.12,
    "drift": 0.12,
    "sudden_death": 0.12,
    "abnormal_activity": 0.16,
}
STUCK_PARTS: Final = frozenset({"temperature", "humidity", "illuminance", "moisture", "pressure"})
DRIFT_PER_DAY: Final[dict[str, tuple[float, float, float, float]]] = {
    # part: (low, high) drift per day, (min, max) physical range
    "temperature": (0.3, 0.6, -40.0, 80.0),
    "humidity": (1.0, 2.0, 0.0, 100.0),
    "moisture": (0.5, 1.5, 0.0, 100.0),
    "pressure": (0.03, 0.08, 0.0, 10.0),
}
QUIET_ROOMS: Final = frozenset(
    {"living_room", "kitchen", "dining_room", "office", "garage", "basement", "attic", "laundry"}
)
# Days from the start of the steep decline to empty, and the curve exponent (>1: late cliff).
BATTERY_CURVES: Final[dict[str, tuple[float, float, float, float]]] = {
    "lock": (15.0, 40.0, 0.9, 1.3),
    "smoke": (20.0, 45.0, 1.3, 2.0),
}
COIN_CELL: Final = (8.0, 25.0, 2.0, 3.0)
# Kinds plan_recent_failures can put under way at the end of a history.
RECENT_FAILURE_KINDS: Final = ("battery_depletion", "dropout", "stuck", "abnormal_activity")


@dataclass(slots=True)
class FailurePlan:
    """A planted failure and the parameters needed to apply it."""

    kind: str
    device_id: str
    entity_ids: tuple[str, ...]
    start_ts: float
    failure_ts: float | None
    end_ts: float | None = None
    params: dict[str, float] = field(default_factory=dict)

    def planted(self) -> PlantedFailure:
        """The ground-truth record, its times to the microsecond like the events they cause."""

        def micro(ts: float | None) -> float | None:
            return None if ts is None else float(to_microseconds(ts))

        return PlantedFailure(
            self.kind,
            self.device_id,
            self.entity_ids,
            float(to_microseconds(self.start_ts)),
            micro(self.failure_ts),
            micro(self.end_ts),
        )


def _eligible(layout: Layout, protected: set[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Candidate (device, entities) per failure kind."""
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {kind: [] for kind in FAILURE_WEIGHTS}
    for device_id, kind_key in layout.device_kinds.items():
        if device_id in protected:
            continue
        placed = [layout.placed[e] for e in layout.device_entities(device_id)]
        enabled = tuple(p.entity.entity_id for p in placed if p.entity.enabled)
        if not enabled:
            continue
        kind = KINDS[kind_key]
        found["sudden_death"].append((device_id, enabled))
        if kind.wireless:
            found["dropout"].append((device_id, enabled))
        if kind.battery and any(p.part == "battery" for p in placed):
            found["battery_depletion"].append((device_id, enabled))
        for p in placed:
            if p.entity.enabled and p.part in STUCK_PARTS:
                found["stuck"].append((device_id, (p.entity.entity_id,)))
                if p.part in DRIFT_PER_DAY:
                    found["drift"].append((device_id, (p.entity.entity_id,)))
            if (
                p.entity.enabled
                and kind_key == "motion"
                and p.part == "main"
                and p.role in QUIET_ROOMS
            ):
                found["abnormal_activity"].append((device_id, (p.entity.entity_id,)))
    return found


def plan_failures(
    rng: np.random.Generator,
    layout: Layout,
    protected: set[str],
    env: Environment,
    *,
    start: float,
    end: float,
    weights: Mapping[str, float] = FAILURE_WEIGHTS,
) -> list[FailurePlan]:
    """Zero to three failures on distinct devices, of kinds drawn with ``weights``."""
    count = int(rng.choice(4, p=[0.25, 0.35, 0.25, 0.15]))
    eligible = _eligible(layout, protected)
    used: set[str] = set()
    plans: list[FailurePlan] = []
    for _ in range(count):
        options = {
            kind: [c for c in candidates if c[0] not in used]
            for kind, candidates in eligible.items()
        }
        kinds = [kind for kind, candidates in options.items() if candidates]
        if not kinds:
            break
        chances = np.array([weights[kind] for kind in kinds])
        kind = kinds[int(rng.choice(len(kinds), p=chances / chances.sum()))]
        device_id, entity_ids = options[kind][int(rng.integers(len(options[kind])))]
        used.add(device_id)
        plans.append(
            _timed(rng, kind, device_id, entity_ids, layout=layout, env=env, start=start, end=end)
        )
    return plans


def _timed(
    rng: np.random.Generator,
    kind: str,
    device_id: str,
    entity_ids: tuple[str, ...],
    *,
    layout: Layout,
    env: Environment,
    start: float,
    end: float,
) -> FailurePlan:
    span = end - start
    plan = FailurePlan(kind, device_id, entity_ids, start, None)
    if kind == "battery_depletion":
        low, high, g_low, g_high = BATTERY_CURVES.get(layout.device_kinds[device_id], COIN_CELL)
        failure = start + rng.uniform(0.35, 1.5) * span
        plan.failure_ts = float(failure)
        plan.start_ts = float(min(failure - rng.uniform(low, high) * DAY, end - 0.1 * span))
        plan.params = {"level": rng.uniform(15.0, 35.0), "gamma": rng.uniform(g_low, g_high)}
    elif kind == "dropout":
        plan.start_ts = float(start + rng.uniform(0.1, 0.8) * span)
        plan.failure_ts = float(plan.start_ts + rng.uniform(4.0, 25.0) * DAY)
    elif kind == "sudden_death":
        plan.start_ts = float(start + rng.uniform(0.2, 0.9) * span)
        plan.failure_ts = plan.start_ts
    elif kind in ("stuck", "drift"):
        plan.start_ts = float(start + rng.uniform(0.15, 0.8) * span)
        plan.params = {"sign": float(rng.choice([-1.0, 1.0])), "rate": float(rng.random())}
    else:  # abnormal_activity
        day = int(env.day_index(np.array([start + rng.uniform(0.1, 0.7) * span]))[0])
        nights = int(rng.integers(5, 10))
        plan.start_ts = float(env.midnight(np.array([day]))[0] + HOUR)
        plan.end_ts = float(plan.start_ts + (nights - 1) * DAY + 3 * HOUR)
    return plan


def plan_recent_failures(
    rng: np.random.Generator,
    layout: Layout,
    excluded: set[str],
    env: Environment,
    kinds: tuple[str, ...],
    *,
    end: float,
) -> list[FailurePlan]:
    """One failure of each of ``kinds``, on distinct devices not in ``excluded``, under way
    at ``end``.

    A battery three to five days from empty; a device dropping out more and more often
    over the last eight to twelve days, dead one to three days after ``end``; a sensor
    stuck since about two days before ``end``; motion in a quiet room on the three nights
    before the last whole local day ended. A kind the home has no device for is left out.
    """
    unknown = set(kinds) - set(RECENT_FAILURE_KINDS)
    if unknown:
        msg = f"cannot plant recent failures of kind {sorted(unknown)}"
        raise ValueError(msg)
    eligible = _eligible(layout, excluded)
    used = set(excluded)
    plans: list[FailurePlan] = []
    for kind in kinds:
        options = [c for c in eligible[kind] if c[0] not in used]
        if not options:
            continue
        device_id, entity_ids = options[int(rng.integers(len(options)))]
        used.add(device_id)
        plans.append(_recent(rng, kind, device_id, entity_ids, layout=layout, env=env, end=end))
    return plans


def _recent(
    rng: np.random.Generator,
    kind: str,
    device_id: str,
    entity_ids: tuple[str, ...],
    *,
    layout: Layout,
    env: Environment,
    end: float,
) -> FailurePlan:
    plan = FailurePlan(kind, device_id, entity_ids, end, None)
    if kind == "battery_depletion":
        low, high, g_low, g_high = BATTERY_CURVES.get(layout.device_kinds[device_id], COIN_CELL)
        plan.failure_ts = float(end + rng.uniform(3.0, 5.0) * DAY)
        plan.start_ts = float(plan.failure_ts - rng.uniform(low, high) * DAY)
        plan.params = {"level": rng.uniform(15.0, 35.0), "gamma": rng.uniform(g_low, g_high)}
    elif kind == "dropout":
        plan.start_ts = float(end - rng.uniform(8.0, 12.0) * DAY)
        plan.failure_ts = float(end + rng.uniform(1.0, 3.0) * DAY)
    elif kind == "stuck":
        plan.start_ts = float(end - rng.uniform(1.6, 2.4) * DAY)
    else:  # abnormal_activity
        today = int(env.day_index(np.array([end]))[0])
        plan.start_ts = float(env.midnight(np.array([today - 3]))[0] + HOUR)
        plan.end_ts = float(plan.start_ts + 2 * DAY + 3 * HOUR)
    return plan


def abnormal_motion(rng: np.random.Generator, plan: FailurePlan) -> Spans:
    """Bursts of motion between 1 and 4 am on every night of an abnormal-activity plan.

    A stress plan (``hours``, ``fewest`` and ``most`` in its params) has bursts of its own
    length and size from its start instead.
    """
    assert plan.end_ts is not None
    hours = plan.params.get("hours", 3.0) * HOUR
    nights = round((plan.end_ts - plan.start_ts - hours) / DAY) + 1
    if "fewest" in plan.params:
        fewest, most = int(plan.params["fewest"]), int(plan.params["most"])
        per_night = rng.integers(fewest, most + 1, nights)
    else:
        per_night = rng.poisson(6.0, nights) + 1
    night_start = plan.start_ts + DAY * np.repeat(np.arange(nights, dtype=float), per_night)
    times = night_start + rng.uniform(0.0, hours, night_start.size)
    return Spans.of(times, times + rng.uniform(20.0, 90.0, times.size))


def apply_failure(
    rng: np.random.Generator, plan: FailurePlan, layout: Layout, tracks: dict[str, Track]
) -> None:
    """Change the tracks of the failing device as the plan says."""
    device_tracks = [tracks[e] for e in plan.entity_ids if e in tracks]
    if plan.kind == "battery_depletion":
        battery = next(
            e for e in plan.entity_ids if layout.placed[e].part == "battery" and e in tracks
        )
        _deplete(rng, plan, tracks[battery])
    elif plan.kind == "dropout":
        _drop_out(rng, plan, device_tracks)
    elif plan.kind == "stuck":
        _stick(tracks[plan.entity_ids[0]], plan.start_ts)
    elif plan.kind == "drift":
        part = layout.placed[plan.entity_ids[0]].part
        _drift(tracks[plan.entity_ids[0]], plan, part)
    if plan.failure_ts is not None:
        for track in device_tracks:
            track.add_outage(plan.failure_ts, math.inf)


def _deplete(rng: np.random.Generator, plan: FailurePlan, track: Track) -> None:
    assert plan.failure_ts is not None
    times = track.numeric_times
    level, gamma = plan.params["level"], plan.params["gamma"]
    before = level + rng.uniform(0.1, 0.3) * (plan.start_ts - times) / DAY
    progress = np.clip((times - plan.start_ts) / (plan.failure_ts - plan.start_ts), 0.0, 1.0)
    after = level * (1.0 - progress**gamma)
    value = np.where(times < plan.start_ts, before, after) + rng.normal(0, 0.15, times.shape[0])
    track.set_numeric(times, np.clip(value, 0.0, 100.0))


def _drop_out(rng: np.random.Generator, plan: FailurePlan, tracks: list[Track]) -> None:
    assert plan.failure_ts is not None
    length = plan.failure_ts - plan.start_ts
    peak_rate = 8.0 / DAY
    candidates = np.sort(
        plan.start_ts + rng.uniform(0, length, int(rng.poisson(peak_rate * length)))
    )
    progress = (candidates - plan.start_ts) / length
    kept = candidates[rng.random(candidates.size) < 0.04 + 0.96 * progress]
    progress = (kept - plan.start_ts) / length
    durations = rng.lognormal(np.log(120.0 * 30.0**progress), 0.5)
    spans = Spans.of(kept, np.minimum(kept + durations, plan.failure_ts)).merged()
    for track in tracks:
        for begin, finish in zip(spans.starts.tolist(), spans.ends.tolist(), strict=True):
            track.add_outage(begin, finish)


def _stick(track: Track, start: float) -> None:
    times, values = track.numeric_times, track.numeric_values.copy()
    if not times.size:
        return
    last = max(int(np.searchsorted(times, start, side="left")) - 1, 0)
    values[times >= start] = values[last]
    track.numeric_values = values


def _drift(track: Track, plan: FailurePlan, part: str) -> None:
    low, high, floor, ceiling = DRIFT_PER_DAY[part]
    rate = plan.params["sign"] * (low + (high - low) * plan.params["rate"])
    times = track.numeric_times
    offset = rate * np.maximum(times - plan.start_ts, 0.0) / DAY
    track.set_numeric(times, np.clip(track.numeric_values + offset, floor, ceiling))
