"""Planted synergies: which cause → effect pairs a home has, and the effect histories.

Planning looks at every pair the taxonomy allows in the layout (motion and light in one
room, bathroom humidity and fan, TV and lamp, sun and porch light …). Each pair is planted
with a probability, automated or done by hand, with a delay distribution and a reliability;
an effect entity of a pair that is not planted acts independently instead. After the cause
histories are final, each effect is generated from the cause's actual occurrences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
from typing import Final

import numpy as np

from custom_components.homeiq.core.home import Origin, StateHistory

from .layout import Layout, Placed
from .model import PlantedSynergy
from .routine import bedroom_of
from .spans import BoolArray, FloatArray
from .track import UNAVAILABLE, UNKNOWN, IntArray, Track

HOUR: Final = 3600.0
PLANT_CHANCE: Final = 0.75
# Shortest run (s) of the active / inactive side of a numeric cause, by synergy kind.
DEBOUNCE_S: Final[dict[str, tuple[float, float]]] = {
    "humidity_fan": (180.0, 1200.0),
    "temperature_climate": (1200.0, 1800.0),
    "illuminance_cover": (1200.0, 1800.0),
    "appliance_done_notify": (600.0, 300.0),
}

type Range = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Habit:
    """Delay mean (s), coefficient of variation and reliability ranges of one way of acting."""

    delay: Range
    variation: Range
    reliability: Range


@dataclass(frozen=True, slots=True)
class Rule:
    """How one synergy kind behaves."""

    revert_state: str
    service: str
    automated_chance: float
    automated: Habit
    manual: Habit | None
    revert_after: str  # "cause_end" or "effect"
    revert_delay: Range
    revert_origin: str  # "same", "user", "device", "automation"


def _habit(delay: Range, variation: Range, reliability: Range) -> Habit:
    return Habit(delay, variation, reliability)


AUTO_FAST = _habit((0.6, 2.0), (0.2, 0.5), (0.9, 0.99))
RULES: Final[dict[str, Rule]] = {
    "motion_light": Rule(
        "off", "light.turn_on", 0.6, AUTO_FAST,
        _habit((4, 30), (0.3, 0.7), (0.5, 0.85)), "cause_end", (30, 300), "same",
    ),
    "door_alarm": Rule(
        "off", "siren.turn_on", 1.0, _habit((0.5, 1.5), (0.15, 0.4), (0.93, 0.99)),
        None, "effect", (3, 8), "device",
    ),
    "humidity_fan": Rule(
        "off", "fan.turn_on", 0.5, _habit((20, 90), (0.2, 0.5), (0.85, 0.98)),
        _habit((60, 300), (0.3, 0.6), (0.4, 0.8)), "cause_end", (120, 900), "same",
    ),
    "temperature_climate": Rule(
        "off", "climate.set_hvac_mode", 0.5, _habit((30, 180), (0.2, 0.5), (0.85, 0.98)),
        _habit((300, 1200), (0.3, 0.6), (0.4, 0.8)), "cause_end", (300, 1800), "same",
    ),
    "illuminance_cover": Rule(
        "open", "cover.close_cover", 0.6, _habit((60, 300), (0.2, 0.5), (0.85, 0.98)),
        _habit((300, 1800), (0.3, 0.6), (0.4, 0.75)), "cause_end", (600, 1800), "same",
    ),
    "away_lights_off": Rule(
        "on", "light.turn_off", 0.4, _habit((5, 60), (0.2, 0.5), (0.85, 0.98)),
        _habit((120, 900), (0.3, 0.6), (0.4, 0.8)), "cause_end", (60, 600), "user",
    ),
    "media_dim": Rule(
        "on", "light.turn_off", 0.3, _habit((1, 5), (0.2, 0.5), (0.85, 0.98)),
        _habit((10, 90), (0.3, 0.6), (0.4, 0.8)), "cause_end", (30, 300), "same",
    ),
    "night_door_lock": Rule(
        "unlocked", "lock.lock", 0.3, _habit((5, 60), (0.2, 0.5), (0.9, 0.99)),
        _habit((30, 300), (0.3, 0.6), (0.5, 0.85)), "effect", (7 * HOUR, 9.5 * HOUR), "user",
    ),
    "sunset_lights": Rule(
        "off", "light.turn_on", 0.6, _habit((60, 600), (0.1, 0.4), (0.9, 0.99)),
        _habit((300, 2400), (0.3, 0.6), (0.5, 0.85)), "effect", (4 * HOUR, 6 * HOUR), "same",
    ),
    "appliance_done_notify": Rule(
        "off", "script.turn_on", 1.0, _habit((1, 5), (0.2, 0.5), (0.9, 0.99)),
        None, "effect", (1, 3), "automation",
    ),
    "leak_valve": Rule(
        "open", "valve.close_valve", 0.9, _habit((1, 3), (0.2, 0.5), (0.95, 0.99)),
        _habit((60, 600), (0.3, 0.6), (0.6, 0.9)), "effect", (20 * 60, 2 * HOUR), "user",
    ),
}  # fmt: skip


@dataclass(slots=True)
class SynergyPlan:
    """A planted synergy before its numeric threshold (if any) is known."""

    kind: str
    cause: str
    cause_state: str  # "above" / "below" for numeric causes until the threshold is set
    effect: str
    effect_state: str
    delay_mean_s: float
    delay_std_s: float
    reliability: float
    automated: bool

    @property
    def numeric(self) -> bool:
        """Whether the cause is a numeric sensor crossing a threshold."""
        return self.cause_state.partition(":")[0] in ("above", "below")

    def planted(self) -> PlantedSynergy:
        """The ground-truth record."""
        return PlantedSynergy(
            self.kind,
            self.cause,
            self.cause_state,
            self.effect,
            self.effect_state,
            self.delay_mean_s,
            self.delay_std_s,
            self.reliability,
            self.automated,
        )


type Candidate = tuple[str, str, str, str]  # cause, cause_state, effect, effect_state


def plan_synergies(
    rng: np.random.Generator, layout: Layout, season_mode: str
) -> tuple[list[SynergyPlan], set[str]]:
    """Choose the planted synergies and the effect entities left to act independently."""
    finders = dict(_FINDERS)
    kinds = list(finders)
    rng.shuffle(kinds)
    plans: list[SynergyPlan] = []
    independent: set[str] = set()
    effects: set[str] = set()
    causes: set[str] = set()
    for kind in kinds:
        for cause, cause_state, effect, effect_state in finders[kind](layout, season_mode):
            if effect in effects or effect in causes or cause in effects or effect in independent:
                continue
            if rng.random() >= PLANT_CHANCE:
                independent.add(effect)
                continue
            plans.append(_draw_plan(rng, kind, (cause, cause_state, effect, effect_state)))
            effects.add(effect)
            causes.add(cause)
    return plans, independent


def _draw_plan(rng: np.random.Generator, kind: str, candidate: Candidate) -> SynergyPlan:
    cause, cause_state, effect, effect_state = candidate
    rule = RULES[kind]
    automated = rule.manual is None or bool(rng.random() < rule.automated_chance)
    habit = rule.automated if automated or rule.manual is None else rule.manual
    mean = float(rng.uniform(*habit.delay))
    return SynergyPlan(
        kind=kind,
        cause=cause,
        cause_state=cause_state,
        effect=effect,
        effect_state=effect_state,
        delay_mean_s=round(mean, 3),
        delay_std_s=round(mean * float(rng.uniform(*habit.variation)), 3),
        reliability=round(float(rng.uniform(*habit.reliability)), 3),
        automated=automated,
    )


def _by_area(layout: Layout, kind: str, part: str = "main") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for placed in layout.find(kind, part):
        if placed.entity.enabled and placed.entity.area_id:
            found.setdefault(placed.entity.area_id, []).append(placed.entity.entity_id)
    return found


def _ids(placed: list[Placed]) -> list[str]:
    return [p.entity.entity_id for p in placed if p.entity.enabled]


def _same_room(
    layout: Layout, cause: tuple[str, str], effect: tuple[str, str], states: tuple[str, str]
) -> list[Candidate]:
    causes = _by_area(layout, *cause)
    effects = _by_area(layout, *effect)
    return [
        (causes[area][0], states[0], effects[area][0], states[1])
        for area in causes
        if area in effects
    ]


def _motion_light(layout: Layout, _: str) -> list[Candidate]:
    pairs = _same_room(layout, ("motion", "main"), ("ceiling_light", "main"), ("on", "on"))
    return pairs + _same_room(layout, ("motion", "main"), ("outdoor_light", "main"), ("on", "on"))


def _door_alarm(layout: Layout, _: str) -> list[Candidate]:
    doors, chimes = _ids(layout.find("door_contact")), _ids(layout.find("chime"))
    return [(doors[0], "on", chimes[0], "on")] if doors and chimes else []


def _humidity_fan(layout: Layout, _: str) -> list[Candidate]:
    return _same_room(layout, ("multisensor", "humidity"), ("exhaust_fan", "main"), ("above", "on"))


def _temperature_climate(layout: Layout, mode: str) -> list[Candidate]:
    side, effect = ("below", "heat") if mode == "heat" else ("above", "cool")
    return _same_room(
        layout, ("multisensor", "temperature"), ("thermostat", "main"), (side, effect)
    )


def _illuminance_cover(layout: Layout, _: str) -> list[Candidate]:
    return _same_room(layout, ("motion", "illuminance"), ("blinds", "main"), ("above", "closed"))


def _away_lights_off(layout: Layout, _: str) -> list[Candidate]:
    watched = set(_by_area(layout, "motion"))
    preference = ("hallway", "living_room", "kitchen", "dining_room", "office")
    ranked = sorted(
        layout.find("ceiling_light") + layout.find("lamp"),
        key=lambda p: preference.index(p.role) if p.role in preference else len(preference),
    )
    lights = [
        p.entity.entity_id
        for p in ranked
        if p.entity.enabled and p.entity.area_id not in watched and p.role != "bedroom"
    ]
    if not lights:
        return []
    cause, state = (
        (layout.persons[0], "not_home") if len(layout.persons) == 1 else ("zone.home", "0")
    )
    return [(cause, state, lights[0], "off")]


def _media_dim(layout: Layout, _: str) -> list[Candidate]:
    return _same_room(layout, ("tv", "main"), ("lamp", "main"), ("playing", "off"))


def _night_door_lock(layout: Layout, _: str) -> list[Candidate]:
    slept_in = {bedroom_of(layout, index) for index in range(len(layout.persons))}
    lamps = [
        p.entity.entity_id
        for p in layout.find("lamp")
        if p.role == "bedroom" and p.entity.enabled and p.entity.area_id in slept_in
    ]
    locks = _ids(layout.find("lock"))
    return [(lamps[0], "off", locks[0], "locked")] if lamps and locks else []


def _sunset_lights(layout: Layout, _: str) -> list[Candidate]:
    return [
        ("sun.sun", "below_horizon", light, "on") for light in _ids(layout.find("outdoor_light"))
    ]


def _appliance_done_notify(layout: Layout, _: str) -> list[Candidate]:
    scripts = _ids(layout.find("script"))
    for kind in ("washing_machine", "dishwasher", "dryer"):
        meters = _ids(layout.find(kind, "power"))
        if meters and scripts:
            return [(meters[0], "below:5.0", scripts[0], "on")]
    return []


def _leak_valve(layout: Layout, _: str) -> list[Candidate]:
    leaks, valves = _ids(layout.find("leak")), _ids(layout.find("water_valve"))
    return [(leaks[0], "on", valves[0], "closed")] if leaks and valves else []


_FINDERS: Final[dict[str, Callable[[Layout, str], list[Candidate]]]] = {
    "motion_light": _motion_light,
    "door_alarm": _door_alarm,
    "humidity_fan": _humidity_fan,
    "temperature_climate": _temperature_climate,
    "illuminance_cover": _illuminance_cover,
    "away_lights_off": _away_lights_off,
    "media_dim": _media_dim,
    "night_door_lock": _night_door_lock,
    "sunset_lights": _sunset_lights,
    "appliance_done_notify": _appliance_done_notify,
    "leak_valve": _leak_valve,
}


# --- thresholds of numeric causes ------------------------------------------------------


def choose_threshold(
    rng: np.random.Generator,
    plan: SynergyPlan,
    track: Track,
    day_index: Callable[[FloatArray], IntArray],
) -> None:
    """Set a numeric plan's threshold from its cause's readings, then debounce them."""
    side = plan.cause_state.partition(":")[0]
    values, times = track.numeric_values, track.numeric_times
    if plan.kind == "humidity_fan":
        threshold = float(round(rng.uniform(65.0, 75.0)))
    elif plan.kind == "appliance_done_notify":
        threshold = float(plan.cause_state.partition(":")[2])
    else:
        days = day_index(times)
        if values.size == 0:
            threshold = 0.0
        else:
            extreme = np.maximum if side == "above" else np.minimum
            start = np.flatnonzero(np.diff(days, prepend=days[0] - 1))
            daily = extreme.reduceat(values, start)
            quantile = 0.4 if side == "above" else 0.6
            step = 10.0 if plan.kind == "illuminance_cover" else 0.5
            threshold = float(np.round(np.quantile(daily, quantile) / step) * step)
    plan.cause_state = f"{side}:{threshold!r}"
    step = 10.0**-track.decimals
    active_s, inactive_s = DEBOUNCE_S[plan.kind]
    track.numeric_values = debounce(
        times, values, threshold, above=side == "above", step=step, shortest=(active_s, inactive_s)
    )


def debounce(
    times: FloatArray,
    values: FloatArray,
    threshold: float,
    *,
    above: bool,
    step: float,
    shortest: tuple[float, float],
) -> FloatArray:
    """Remove threshold crossings that do not last.

    ``shortest`` holds the shortest run on the active and on the inactive side. First short
    dips out of the active side are lifted back into it, then short visits to the active
    side are pushed out of it, so the remaining runs last at least that long.
    """
    values = values.copy()
    for target in (False, True):
        active = values > threshold if above else values < threshold
        short = _short_runs(times, active, target, shortest[0] if target else shortest[1])
        if not short.any():
            continue
        into_active = not target
        if above:
            values[short] = threshold + step if into_active else threshold - step
        else:
            values[short] = threshold - step if into_active else threshold + step
    return values


def _short_runs(times: FloatArray, active: BoolArray, target: bool, shortest: float) -> BoolArray:
    n = active.shape[0]
    if n < 3:
        return np.zeros(n, dtype=np.bool_)
    starts = np.concatenate([[0], np.flatnonzero(active[1:] != active[:-1]) + 1])
    ends = np.concatenate([starts[1:], [n]])
    duration = times[np.minimum(ends, n - 1)] - times[starts]
    short = (duration < shortest) & (active[starts] == target)
    short[0] = short[-1] = False
    return np.repeat(short, ends - starts)


# --- occurrences and effects --------------------------------------------------------------


def occurrences(
    history: StateHistory, cause_state: str, window_end: float
) -> tuple[FloatArray, FloatArray]:
    """Times the cause enters ``cause_state`` and the ends of those episodes."""
    times = history.timestamps
    if times.shape[0] < 2:
        return np.empty(0), np.empty(0)
    side, _, number = cause_state.partition(":")
    if side in ("above", "below") and number:
        threshold = float(number)
        values = history.values
        active = values > threshold if side == "above" else values < threshold
        valid_before = np.isfinite(values[:-1])
    else:
        code = history.vocabulary.index(cause_state) if cause_state in history.vocabulary else -1
        active = history.codes == code
        invalid = {
            history.vocabulary.index(s) for s in (UNAVAILABLE, UNKNOWN) if s in history.vocabulary
        }
        valid_before = ~np.isin(history.codes[:-1], list(invalid))
    onset = np.concatenate([[False], active[1:] & ~active[:-1] & valid_before])
    index = np.flatnonzero(onset)
    inactive = np.flatnonzero(~active)
    after = np.searchsorted(inactive, index, side="right")
    ends = np.where(
        after < inactive.shape[0],
        times[inactive[np.minimum(after, inactive.shape[0] - 1)]],
        window_end,
    )
    return times[index], np.asarray(ends, dtype=np.float64)


def effect_track(
    rng: np.random.Generator, plan: SynergyPlan, cause: StateHistory, window_end: float
) -> Track:
    """The effect entity's rows, following the cause's occurrences."""
    rule = RULES[plan.kind]
    onsets, ends = occurrences(cause, plan.cause_state, window_end)
    n = onsets.shape[0]
    shape = (plan.delay_mean_s / plan.delay_std_s) ** 2
    scale = plan.delay_std_s**2 / plan.delay_mean_s
    follows = rng.random(n) < plan.reliability
    effect_at = onsets + rng.gamma(shape, scale, n)
    next_onset = np.append(onsets[1:], math.inf)
    ok = follows & (effect_at < next_onset - 1.0)
    anchor = ends if rule.revert_after == "cause_end" else effect_at
    revert_at = np.maximum(anchor, effect_at) + rng.uniform(*rule.revert_delay, n)
    revert_at = np.minimum(revert_at, next_onset - 0.5)
    origin = Origin.AUTOMATION if plan.automated else Origin.USER
    revert_origin = {
        "same": origin,
        "user": Origin.USER,
        "device": Origin.DEVICE,
        "automation": Origin.AUTOMATION,
    }[rule.revert_origin]
    track = Track(rule.revert_state)
    track.add(effect_at[ok], plan.effect_state, origin)
    track.add(revert_at[ok], rule.revert_state, revert_origin)
    return track


def automation_name(plan: SynergyPlan, layout: Layout) -> str:
    """A user-style name for a planted automation."""
    entity = layout.placed[plan.effect].entity
    return f"{plan.kind.replace('_', ' ').capitalize()}: {entity.name or plan.effect}"
