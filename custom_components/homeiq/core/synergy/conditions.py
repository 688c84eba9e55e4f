"""Conditions under which a pair holds, and how its effect goes back (the revert).

A condition (dark — the sun below the horizon —, a low illuminance in the cause's room,
someone home, a time window) is chosen on every other day of the history and kept only when
it raises precision on the days in between without losing followers there: a condition that
does not hold up on days it was not chosen on is noise and stays out of the automation.
The revert is how the effect went back after following: a while after the cause ended (the
light off N minutes after the motion stopped) or a while after the effect itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt

from ..time import local_hour_of_day
from .events import Floats, state_at, state_onsets, value_at

if TYPE_CHECKING:
    from .miner import Evidence, MiningContext, Trigger
    from .taxonomy import SynergyRule

type ConditionKind = Literal["dark", "illuminance_below", "someone_home", "time_window"]
MIN_SIDE_FOLLOWERS: Final = 4  # followers each half of the days needs to judge a condition
MIN_PRECISION_GAIN: Final = 0.1
MIN_KEPT_FOLLOWERS: Final = 0.8  # share of held-out followers a condition must keep
LONGEST_REVERT_S: Final = 3 * 3600.0


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition kept for a pair, with the held-out figures that kept it."""

    kind: ConditionKind
    entity_id: str | None = None
    level: float | None = None  # illuminance below
    start_hour: int | None = None  # time window [start, end) in local hours
    end_hour: int | None = None
    held_out_precision: float = 0.0
    held_out_precision_without: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "kind": self.kind,
            "entity_id": self.entity_id,
            "level": self.level,
            "start_hour": self.start_hour,
            "end_hour": self.end_hour,
            "held_out_precision": round(self.held_out_precision, 3),
            "held_out_precision_without": round(self.held_out_precision_without, 3),
        }


@dataclass(frozen=True, slots=True)
class Revert:
    """How the effect went back: ``delay_s`` after the cause ended or after the effect."""

    anchor: Literal["cause_end", "effect"]
    delay_s: float
    count: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"anchor": self.anchor, "delay_s": round(self.delay_s, 1), "count": self.count}


def _followed(
    context: MiningContext, rule: SynergyRule, trigger: Trigger, effect_id: str
) -> tuple[Floats, npt.NDArray[np.bool_], Floats]:
    """Cause onset times, whether each was followed, and the following effect's time."""
    causes = context.onsets(trigger).times
    effects = context.effect(effect_id, rule.effect_state).onsets.times
    first = np.searchsorted(effects, causes, side="right")
    has = first < effects.shape[0]
    at = np.full(causes.shape, np.inf)
    at[has] = effects[first[has]]
    return causes, (at - causes) <= rule.window_s, at


def _masks(
    context: MiningContext, trigger: Trigger, times: Floats, followed: npt.NDArray[np.bool_]
) -> list[tuple[Condition, npt.NDArray[Any]]]:
    """Each candidate condition with where it holds at ``times`` (a mask) or the values its
    level / window is chosen from by the caller, on the training days' followers."""
    home = context.home
    found: list[tuple[Condition, npt.NDArray[Any]]] = []
    sun = home.histories.get("sun.sun")
    if sun is not None and len(sun) and trigger.entity_id != "sun.sun":
        dark = np.array([s == "below_horizon" for s in state_at(sun, times)])
        found.append((Condition("dark", "sun.sun"), dark))
    zone = home.histories.get("zone.home")
    if zone is not None and len(zone) and trigger.entity_id != "zone.home":
        found.append((Condition("someone_home", "zone.home"), value_at(zone, times) > 0))
    cause = home.entities.get(trigger.entity_id)
    area = cause.area_id if cause is not None else None
    if area is not None:
        for entity_id, entity in home.entities.items():
            if entity.area_id == area and entity.device_class == "illuminance":
                history = home.histories.get(entity_id)
                if history is not None and len(history) and entity_id != trigger.entity_id:
                    values = value_at(history, times)
                    found.append((Condition("illuminance_below", entity_id), values))
                break
    found.append((Condition("time_window"), local_hour_of_day(times, home.time_zone)))
    return found


def _fit_threshold(
    condition: Condition, values: Floats, followed: npt.NDArray[np.bool_]
) -> tuple[Condition, npt.NDArray[np.bool_]] | None:
    """Turn a value condition into a mask, its level / window set from ``followed``."""
    if condition.kind == "illuminance_below":
        levels = values[followed & np.isfinite(values)]
        if levels.size < MIN_SIDE_FOLLOWERS:
            return None
        top = float(np.quantile(levels, 0.9))
        # "below" is strict (here and in Home Assistant): the level lies between the
        # followers' values and the next value seen, so 0 lx followers are below it.
        higher = values[np.isfinite(values) & (values > top)]
        level = (top + float(higher.min())) / 2 if higher.size else top + 1.0
        if round(level, 1) > top:
            level = round(level, 1)
        return replace(condition, level=level), values < level
    if condition.kind == "time_window":
        hours = np.floor(values[followed]).astype(int)
        if hours.size < MIN_SIDE_FOLLOWERS:
            return None
        start, end = _covering_window(hours)
        if end - start >= 20:
            return None
        hour = np.floor(values).astype(int)
        inside = ((hour - start) % 24) < (end - start)
        return replace(condition, start_hour=start % 24, end_hour=end % 24), inside
    return None


def _covering_window(hours: npt.NDArray[np.int64]) -> tuple[int, int]:
    """The shortest circular run of hours holding 90 % of ``hours``."""
    counts = np.bincount(hours % 24, minlength=24).astype(np.float64)
    need = 0.9 * counts.sum()
    doubled = np.concatenate([counts, counts, [0.0]])
    cumulative = np.concatenate([[0.0], np.cumsum(doubled)])
    for length in range(1, 25):
        sums = cumulative[np.arange(24) + length] - cumulative[:24]
        start = int(np.argmax(sums))
        if sums[start] >= need:
            return start, start + length
    return 0, 24


def find_conditions(
    context: MiningContext, rule: SynergyRule, trigger: Trigger, effect_id: str, evidence: Evidence
) -> Evidence:
    """``evidence`` with the condition (if any) that holds up on held-out days."""
    times, followed, _ = _followed(context, rule, trigger, effect_id)
    if int(followed.sum()) < 2 * MIN_SIDE_FOLLOWERS:
        return evidence
    day = np.floor((times - context.start) / 86400.0).astype(int)
    train, held = day % 2 == 0, day % 2 == 1
    if int((followed & held).sum()) < MIN_SIDE_FOLLOWERS:
        return evidence
    base = float(followed[held].mean())
    best: Condition | None = None
    for candidate, values in _masks(context, trigger, times, followed):
        if values.dtype == np.bool_:
            chosen: tuple[Condition, npt.NDArray[np.bool_]] | None = (candidate, values)
        else:
            chosen = _fit_threshold(candidate, values, followed & train)
        if chosen is None:
            continue
        condition, mask = chosen
        if not (mask & held).any():
            continue
        precision = float(followed[mask & held].mean())
        kept = (followed & mask & held).sum() / max(int((followed & held).sum()), 1)
        better = best is None or precision > best.held_out_precision
        if precision >= base + MIN_PRECISION_GAIN and kept >= MIN_KEPT_FOLLOWERS and better:
            best = replace(condition, held_out_precision=precision, held_out_precision_without=base)
    return evidence if best is None else replace(evidence, conditions=(best,))


def find_revert(
    context: MiningContext, rule: SynergyRule, trigger: Trigger, effect_id: str, evidence: Evidence
) -> Evidence:
    """``evidence`` with how the effect went back, when it did so consistently."""
    if rule.revert_state is None:
        return evidence
    causes = context.onsets(trigger)
    _, followed, effect_at = _followed(context, rule, trigger, effect_id)
    history = context.effect(effect_id, rule.effect_state).history
    reverts = state_onsets(history, rule.revert_state, context.end)
    if not followed.any() or not len(reverts):
        return evidence
    at = effect_at[followed]
    cause_end = causes.ends[followed]
    index = np.searchsorted(reverts.times, at, side="right")
    has = index < len(reverts)
    if int(has.sum()) < 3:
        return evidence
    revert_at = reverts.times[index[has]]
    from_effect = revert_at - at[has]
    from_end = revert_at - cause_end[has]
    options: list[tuple[float, Revert]] = []
    if (from_end >= -1.0).mean() >= 0.8:
        median = float(np.median(np.maximum(from_end, 0.0)))
        options.append((_spread(from_end), Revert("cause_end", median, int(has.sum()))))
    median = float(np.median(from_effect))
    options.append((_spread(from_effect), Revert("effect", median, int(has.sum()))))
    _, revert = min(options, key=lambda item: item[0])
    if revert.delay_s > LONGEST_REVERT_S:
        return evidence
    return replace(evidence, revert=revert)


def _spread(delays: Floats) -> float:
    """Interquartile range of delays (seconds)."""
    p25, p75 = np.quantile(delays, [0.25, 0.75])
    return float(p75 - p25)
