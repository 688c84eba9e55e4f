"""The evidence miner: cause → effect pairs counted in the home's own history.

For every pair the taxonomy allows (:mod:`.taxonomy`), pruned first by area (a one-room
rule across two known rooms is dropped) and by co-activity (binned onsets of the cause,
stretched over the rule's window, must meet the effect's onsets a few times), the miner
counts how often the effect follows the cause within the rule's window, how often the
effect's changes were preceded by the cause, the lift over the effect's own rate at that
hour and kind of day, the delays, who made the effect's changes (a person, an automation,
the device), the conditions under which the pair holds (kept only when they raise precision
on held-out days) and how the effect goes back (:mod:`.conditions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
import math
from typing import Any, Final

import numpy as np

from ..home import Entity, Home, Origin, StateHistory
from ..home.history import history_start, is_numeric
from ..home.selection import home_type_entities
from ..time import local_hours, local_weekday
from .conditions import Condition, Revert, find_conditions, find_revert
from .events import Floats, Onsets, candidate_levels, crossing_onsets, state_onsets
from .taxonomy import (
    RULES,
    RuleIndex,
    SynergyRule,
    fits_effect,
    pair_prior,
    same_area,
)

BIN_S: Final = 300.0  # co-activity bins
MIN_COACTIVE: Final = 2  # binned meetings a pair needs before it is counted …
CHANCE_FACTOR: Final = 1.5  # … and at least this many times the meetings chance would give
MIN_FOLLOWED: Final = 2  # followers a numeric level needs to be chosen over the default
DAY_S: Final = 86400.0
# Levels a numeric cause is given before its history tells (cold start).
DEFAULT_LEVELS: Final[dict[str, float]] = {
    "humidity_fan": 70.0,
    "humidity_fan_switch": 70.0,
    "temperature_heat": 19.0,
    "temperature_cool": 26.0,
    "temperature_fan": 26.0,
    "illuminance_light": 30.0,
    "illuminance_cover": 10000.0,
    "appliance_done_notify": 5.0,
    "appliance_done_message": 5.0,
}


@dataclass(frozen=True, slots=True)
class Trigger:
    """What of the cause triggers: the onset of a state or the crossing of a level."""

    entity_id: str
    state: str | None = None
    above: bool | None = None  # a numeric crossing: upwards (True) or downwards
    level: float | None = None
    hysteresis: float = 0.0

    @property
    def key(self) -> str:
        """``on`` / ``above:70.0`` (part of a suggestion's id)."""
        if self.above is None:
            return str(self.state)
        return f"{'above' if self.above else 'below'}:{self.level!r}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the history says about one pair (counts over ``days`` days)."""

    days: float
    cause_events: int
    effect_events: int
    effect_events_by_hand: int
    followed: int
    followed_by_hand: int
    followed_by_automation: int
    followed_by_device: int
    preceded: int
    expected: float  # followers expected from the effect's own rate at those times
    delay_median_s: float | None = None
    delay_p25_s: float | None = None
    delay_p75_s: float | None = None
    conditions: tuple[Condition, ...] = ()
    revert: Revert | None = None

    @property
    def precision(self) -> float:
        """P(the effect follows | the cause)."""
        return self.followed / self.cause_events if self.cause_events else 0.0

    @property
    def coverage(self) -> float:
        """P(the cause preceded | the effect changed)."""
        return self.preceded / self.effect_events if self.effect_events else 0.0

    @property
    def lift(self) -> float:
        """Followers over those expected from the effect's own rate (smoothed)."""
        return (self.followed + 0.5) / (self.expected + 0.5)

    @property
    def by_hand_share(self) -> float:
        """Share of the followers a person made by hand."""
        return self.followed_by_hand / self.followed if self.followed else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The figures, JSON-able."""
        return {
            "days": round(self.days, 2),
            "cause_events": self.cause_events,
            "effect_events": self.effect_events,
            "followed": self.followed,
            "followed_by_hand": self.followed_by_hand,
            "followed_by_automation": self.followed_by_automation,
            "followed_by_device": self.followed_by_device,
            "preceded": self.preceded,
            "precision": round(self.precision, 4),
            "coverage": round(self.coverage, 4),
            "lift": round(self.lift, 3),
            "delay_median_s": _round(self.delay_median_s),
            "delay_p25_s": _round(self.delay_p25_s),
            "delay_p75_s": _round(self.delay_p75_s),
            "conditions": [c.as_dict() for c in self.conditions],
            "revert": None if self.revert is None else self.revert.as_dict(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One pair the taxonomy allows, with its evidence (None: not counted — no history or
    no co-activity)."""

    rule: SynergyRule
    trigger: Trigger
    effect_id: str | None  # None for a notification
    prior: float
    same_area: float
    evidence: Evidence | None = None
    cause_events: int = 0  # onsets of the trigger; uncounted numeric: the busiest level tried
    effect_events: int = 0
    days: float = 0.0

    @property
    def cause_id(self) -> str:
        """The cause entity."""
        return self.trigger.entity_id

    @property
    def pair(self) -> tuple[str, str]:
        """(cause entity, effect entity or ``notify``)."""
        return (self.cause_id, self.effect_id or "notify")


@dataclass(slots=True)
class _EffectEvents:
    onsets: Onsets
    rate: Floats  # onsets per second by (weekend, hour): shape (2, 24)
    history: StateHistory


@dataclass(slots=True)
class MiningContext:
    """Per-home caches shared by every pair: onsets, rates and the window."""

    home: Home
    start: float
    end: float
    effects: dict[tuple[str, str], _EffectEvents] = field(default_factory=dict)
    triggers: dict[Trigger, Onsets] = field(default_factory=dict)
    _day_kinds: dict[Trigger, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def days(self) -> float:
        """Days of history in the window."""
        return max(self.end - self.start, 0.0) / DAY_S

    def effect(self, entity_id: str, state: str) -> _EffectEvents:
        """Onsets of ``state`` of the effect entity, with its rate by hour and kind of day."""
        key = (entity_id, state)
        if key not in self.effects:
            history = self.home.histories.get(entity_id) or StateHistory.empty()
            onsets = state_onsets(history, state, self.end)
            self.effects[key] = _EffectEvents(onsets, self._rate(onsets.times), history)
        return self.effects[key]

    def onsets(self, trigger: Trigger) -> Onsets:
        """The trigger's onsets in the cause's history."""
        if trigger not in self.triggers:
            history = self.home.histories.get(trigger.entity_id) or StateHistory.empty()
            if trigger.above is None:
                found = state_onsets(history, str(trigger.state), self.end)
            else:
                found = crossing_onsets(
                    history,
                    float(trigger.level or 0.0),
                    above=trigger.above,
                    hysteresis=trigger.hysteresis,
                    window_end=self.end,
                )
            self.triggers[trigger] = found
        return self.triggers[trigger]

    def _kind_of_day(self, times: Floats) -> tuple[np.ndarray, np.ndarray]:
        zone = self.home.time_zone
        return (local_weekday(times, zone) >= 5).astype(np.int64), local_hours(times, zone)

    def _rate(self, times: Floats) -> Floats:
        """Onsets per second by (weekend, hour), smoothed toward the hour's rate."""
        rate = np.zeros((2, 24))
        if not times.size or self.days <= 0:
            return rate
        weekend, hour = self._kind_of_day(times)
        counts = np.zeros((2, 24))
        np.add.at(counts, (weekend, hour), 1.0)
        day_starts = self.start + DAY_S * np.arange(max(math.ceil(self.days), 1))
        day_kinds = (local_weekday(day_starts + DAY_S / 2, self.home.time_zone) >= 5).astype(int)
        exposure = np.array([max(int((day_kinds == k).sum()), 0) for k in (0, 1)], float) * 3600
        pooled = counts.sum(axis=0) / max(exposure.sum(), 3600.0)
        prior_weight = 2 * 3600.0  # two days' worth of an hour
        rate = (counts + pooled * prior_weight) / (exposure[:, None] + prior_weight)
        return np.asarray(rate, dtype=np.float64)

    def expected(self, effect: _EffectEvents, trigger: Trigger, window_s: float) -> float:
        """Followers expected after the trigger's onsets from the effect's own rate alone."""
        times = self.onsets(trigger).times
        if not times.size:
            return 0.0
        if trigger not in self._day_kinds:
            self._day_kinds[trigger] = self._kind_of_day(times)
        weekend, hour = self._day_kinds[trigger]
        rate = effect.rate[weekend, hour]
        return float(np.sum(1.0 - np.exp(-rate * window_s)))


def mining_window(home: Home, now: float | None = None) -> tuple[float, float]:
    """The history window the miner reads: from where the recorded history begins, when
    that is after the window's start (a recorder keeps 10 days by default, the window asks
    for 30: rates and "in N days" count the days there is history for)."""
    end = home.window_end if home.window_end is not None else (now or 0.0)
    start = history_start(home)
    if start is None:
        start = home.window_start if home.window_start is not None else end
    return float(start), float(max(end, start))


def count_pair(
    context: MiningContext, rule: SynergyRule, trigger: Trigger, effect_id: str
) -> Evidence:
    """The evidence for one pair (no conditions, no revert)."""
    causes = context.onsets(trigger)
    effect = context.effect(effect_id, rule.effect_state)
    window = rule.window_s
    times = effect.onsets.times
    # The first effect onset after each cause onset, if within the window.
    first = np.searchsorted(times, causes.times, side="right")
    has = first < times.shape[0]
    delays = np.full(causes.times.shape, np.inf)
    delays[has] = times[first[has]] - causes.times[has]
    followed = delays <= window
    origins = effect.onsets.origins[first[followed]] if followed.any() else np.empty(0, np.int8)
    # The last cause onset before each effect onset.
    preceded = np.zeros(times.shape, dtype=np.bool_)
    if causes.times.size:
        last = np.searchsorted(causes.times, times, side="left") - 1
        preceded = (last >= 0) & (times - causes.times[np.maximum(last, 0)] <= window)
    quantiles = _quartiles(delays[followed]) if followed.any() else None
    return Evidence(
        days=context.days,
        cause_events=len(causes),
        effect_events=len(effect.onsets),
        effect_events_by_hand=int((effect.onsets.origins == Origin.USER).sum()),
        followed=int(followed.sum()),
        followed_by_hand=int((origins == Origin.USER).sum()),
        followed_by_automation=int((origins == Origin.AUTOMATION).sum()),
        followed_by_device=int((origins == Origin.DEVICE).sum()),
        preceded=int(preceded.sum()),
        expected=context.expected(effect, trigger, window),
        delay_median_s=None if quantiles is None else float(quantiles[1]),
        delay_p25_s=None if quantiles is None else float(quantiles[0]),
        delay_p75_s=None if quantiles is None else float(quantiles[2]),
    )


def _quartiles(values: Floats) -> tuple[float, float, float]:
    """25th, 50th and 75th percentile (linear interpolation, as ``np.quantile``)."""
    ordered = np.sort(values)
    last = ordered.shape[0] - 1
    out = []
    for q in (0.25, 0.5, 0.75):
        position = q * last
        low = int(position)
        high = min(low + 1, last)
        out.append(float(ordered[low] + (ordered[high] - ordered[low]) * (position - low)))
    return out[0], out[1], out[2]


def _level_score(evidence: Evidence) -> float:
    """How well a level explains the effect: F1 of precision and coverage, when lifted."""
    if evidence.followed < MIN_FOLLOWED or evidence.lift <= 1.0:
        return 0.0
    p, c = evidence.precision, evidence.coverage
    return 2 * p * c / (p + c) if p + c else 0.0


def _cause_states(rule: SynergyRule, cause: Entity) -> tuple[str, ...]:
    """The rule's onset states ``cause`` can take: a zone's state is how many people are in
    it (``0``: everyone left), a person's or tracker's is ``not_home``; a cause without
    history would otherwise get a state it never takes, and an automation that never runs."""
    counts = cause.domain == "zone"
    fitting = tuple(state for state in rule.cause_states if state.isdigit() == counts)
    return fitting or rule.cause_states


def cause_triggers(context: MiningContext, rule: SynergyRule, cause: Entity) -> list[Trigger]:
    """The triggers of ``cause`` a rule is tried with: its states, or its levels."""
    if rule.crossing is None:
        return [Trigger(cause.entity_id, state) for state in _cause_states(rule, cause)]
    history = context.home.histories.get(cause.entity_id)
    levels, hysteresis = candidate_levels(history) if history is not None else ((), 0.0)
    above = rule.crossing == "above"
    default = Trigger(cause.entity_id, above=above, level=DEFAULT_LEVELS.get(rule.kind, 0.0))
    if not levels:
        return [default]
    return [
        Trigger(cause.entity_id, above=above, level=level, hysteresis=hysteresis)
        for level in levels
    ]


@dataclass(frozen=True, slots=True)
class MinerSettings:
    """How much the miner does for every counted pair. Conditions and reverts cost the most
    and the ranking does not read them: :func:`describe_fully` adds them to the pairs kept."""

    conditions: bool = False
    revert: bool = False


DEFAULT_SETTINGS: Final = MinerSettings()
FULL_SETTINGS: Final = MinerSettings(conditions=True, revert=True)


def candidate_entities(home: Home) -> list[Entity]:
    """The entities a pair can be made of: enabled and of a kind HomeIQ models. In a home
    with one person ``zone.home`` says the same as that person and is left out."""
    entities = [home.entities[e] for e in home_type_entities(home)]
    if sum(e.domain == "person" for e in entities) == 1:
        entities = [e for e in entities if e.entity_id != "zone.home"]
    return entities


def find_candidates(
    home: Home,
    now: float | None = None,
    *,
    rules: Sequence[SynergyRule] = RULES,
    settings: MinerSettings = DEFAULT_SETTINGS,
    context: MiningContext | None = None,
) -> list[Candidate]:
    """Every pair the taxonomy allows in ``home``, counted where the history shows both
    sides meeting; one candidate per (rule, cause, effect), with the cause's best level."""
    if context is None:
        context = MiningContext(home, *mining_window(home, now))
    entities = candidate_entities(home)
    index = RuleIndex.build(rules)
    effects_by_domain: dict[str, list[Entity]] = {}
    for entity in entities:
        effects_by_domain.setdefault(entity.domain, []).append(entity)
    found: list[Candidate] = []
    for rule_causes in _causes_by_rule(index, entities).items():
        rule, causes = rule_causes
        effects = [
            e
            for domain in rule.effect_domains
            for e in effects_by_domain.get(domain, [])
            if fits_effect(rule, e)
        ]
        found.extend(_rule_candidates(context, rule, causes, effects, settings))
    return found


def _causes_by_rule(
    index: RuleIndex, entities: Iterable[Entity]
) -> dict[SynergyRule, list[Entity]]:
    by_rule: dict[SynergyRule, list[Entity]] = {}
    for entity in entities:
        if entity.domain == "sensor" and not is_numeric(entity):
            continue
        for rule in index.cause_rules(entity):
            by_rule.setdefault(rule, []).append(entity)
    return by_rule


def _rule_candidates(
    context: MiningContext,
    rule: SynergyRule,
    causes: list[Entity],
    effects: list[Entity],
    settings: MinerSettings,
) -> list[Candidate]:
    days = context.days
    if rule.notifies:
        return [
            Candidate(
                rule,
                _notify_trigger(context, rule, cause),
                None,
                pair_prior(rule, cause, None),
                same_area(cause, None),
                cause_events=len(context.onsets(_notify_trigger(context, rule, cause))),
                days=days,
            )
            for cause in causes
        ]
    pairs = [
        (cause, effect)
        for cause in causes
        for effect in effects
        if cause.entity_id != effect.entity_id
        and (not rule.same_area or same_area(cause, effect) != 0.0)
    ]
    if not pairs:
        return []
    triggers = {cause.entity_id: cause_triggers(context, rule, cause) for cause, _ in pairs}
    coactive = _coactive_pairs(context, rule, triggers, [e for _, e in pairs])
    out: list[Candidate] = []
    for cause, effect in pairs:
        options = triggers[cause.entity_id]
        effect_events = len(context.effect(effect.entity_id, rule.effect_state).onsets)
        cause_events = max(len(context.onsets(t)) for t in options)
        trigger, evidence = options[len(options) // 2], None
        if (cause.entity_id, effect.entity_id) in coactive:
            trigger, evidence = _best_trigger(context, rule, options, effect.entity_id)
            if evidence is not None:
                evidence = _enriched(context, rule, trigger, effect.entity_id, evidence, settings)
        if evidence is None and rule.crossing is not None:
            trigger = Trigger(
                cause.entity_id,
                above=rule.crossing == "above",
                level=DEFAULT_LEVELS.get(rule.kind, 0.0),
            )
        out.append(
            Candidate(
                rule,
                trigger,
                effect.entity_id,
                pair_prior(rule, cause, effect),
                same_area(cause, effect),
                evidence,
                cause_events=len(context.onsets(trigger)) if evidence else cause_events,
                effect_events=effect_events,
                days=days,
            )
        )
    return out


def _enriched(  # noqa: PLR0917 - a private helper of two callers
    context: MiningContext,
    rule: SynergyRule,
    trigger: Trigger,
    effect_id: str,
    evidence: Evidence,
    settings: MinerSettings,
) -> Evidence:
    if settings.conditions:
        evidence = find_conditions(context, rule, trigger, effect_id, evidence)
    if settings.revert and rule.revert_state:
        evidence = find_revert(context, rule, trigger, effect_id, evidence)
    return evidence


def describe_fully(context: MiningContext, candidate: Candidate) -> Candidate:
    """``candidate`` with the conditions it holds under and how its effect goes back."""
    if candidate.evidence is None or candidate.effect_id is None:
        return candidate
    evidence = _enriched(
        context,
        candidate.rule,
        candidate.trigger,
        candidate.effect_id,
        candidate.evidence,
        FULL_SETTINGS,
    )
    return replace(candidate, evidence=evidence)


def _notify_trigger(context: MiningContext, rule: SynergyRule, cause: Entity) -> Trigger:
    if rule.crossing is None:
        return Trigger(cause.entity_id, rule.cause_states[0])
    return Trigger(
        cause.entity_id, above=rule.crossing == "above", level=DEFAULT_LEVELS.get(rule.kind, 0.0)
    )


def _best_trigger(
    context: MiningContext, rule: SynergyRule, options: list[Trigger], effect_id: str
) -> tuple[Trigger, Evidence | None]:
    """The trigger (state or level) that best explains the effect, and its evidence."""
    scored = [(t, count_pair(context, rule, t, effect_id)) for t in options]
    if len(scored) == 1:
        return scored[0]
    return max(scored, key=lambda item: (_level_score(item[1]), item[1].followed))


def _binned(times: Floats, start: float, n_bins: int) -> np.ndarray:
    index = np.clip(((times - start) // BIN_S).astype(np.int64), 0, n_bins - 1)
    out = np.zeros(n_bins, dtype=np.float32)
    out[index] = 1.0
    return out


def _coactive_pairs(
    context: MiningContext,
    rule: SynergyRule,
    triggers: dict[str, list[Trigger]],
    effects: list[Entity],
) -> set[tuple[str, str]]:
    """Pairs whose binned onsets meet at least :data:`MIN_COACTIVE` times within the window
    and :data:`CHANCE_FACTOR` times as often as chance would give (one matrix product per
    rule: cost far below one count per pair). A numeric cause's levels are judged together
    and each on its own: pooled, the levels its noise crosses all the time would make any
    effect look like chance."""
    n_bins = max(math.ceil((context.end - context.start) / BIN_S) + 1, 1)
    stretch = math.ceil(rule.window_s / BIN_S) + 1
    cause_ids: list[str] = []  # the cause of each row
    rows_: list[np.ndarray] = []
    for cause_id, options in triggers.items():
        onsets = [context.onsets(t).times for t in options]
        # All triggers together, and each level of a numeric cause on its own.
        for times in [np.concatenate(onsets)] + (onsets if len(onsets) > 1 else []):
            if not times.size:
                continue
            binned = _binned(times, context.start, n_bins)
            stretched = np.convolve(binned, np.ones(stretch, dtype=np.float32))[:n_bins]
            cause_ids.append(cause_id)
            rows_.append((stretched > 0).astype(np.float32))
    if not rows_:
        return set()
    cause_rows = np.vstack(rows_)
    effect_ids = list(dict.fromkeys(e.entity_id for e in effects))
    effect_rows = np.zeros((len(effect_ids), n_bins), dtype=np.float32)
    for row, effect_id in enumerate(effect_ids):
        times = context.effect(effect_id, rule.effect_state).onsets.times
        if times.size:
            effect_rows[row] = _binned(times, context.start, n_bins)
    if not cause_rows.any() or not effect_rows.any():
        return set()
    meetings = cause_rows @ effect_rows.T
    chance = np.outer(cause_rows.sum(axis=1), effect_rows.sum(axis=1)) / n_bins
    rows, cols = np.nonzero((meetings >= MIN_COACTIVE) & (meetings >= CHANCE_FACTOR * chance))
    return {
        (cause_ids[r], effect_ids[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
    }
