"""The rule taxonomy: which trigger → action pairs make sense, how plausible each is, and how
one is said and automated.

A :class:`SynergyRule` matches a *cause* entity (domain, device class, the state change or
the numeric crossing that triggers) with an *effect* entity (domain, device class, the state
it is brought to) and names the action that brings it there (door → ``lock.lock``, not
``turn_on``), the action that undoes it, a plausibility prior and a sentence template.
The taxonomy serves cold start (no history yet), candidate pruning before the miner counts,
and turning a pair into an automation. Notification rules have no effect entity: they call
``persistent_notification.create``, which every Home Assistant has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

from ..home import Entity

type Crossing = Literal["above", "below"]

NOTIFY: Final = "notify"  # pseudo effect of the notification rules (no entity)
NOTIFY_SERVICE: Final = "persistent_notification.create"

# Entities of these domains are never a cause (Home Assistant's bookkeeping).
_NEVER_CAUSE: Final = frozenset({"automation", "script", "scene", "update", "button", "event"})


@dataclass(frozen=True, slots=True)
class SynergyRule:
    """One kind of cause → effect pair.

    ``cause_states`` are the states whose onset triggers (``on``, ``below_horizon`` …);
    ``crossing`` marks a numeric cause instead (a value rising above or falling below a
    level). ``effect_state`` is the state the action brings the effect entity to (what the
    miner looks for in the effect's history) and ``revert_service`` / ``revert_state`` the
    other half. ``same_area`` rules are about one room: a pair across rooms is far less
    plausible (:func:`pair_prior`).
    """

    kind: str
    cause_domains: frozenset[str]
    cause_classes: frozenset[str] | None  # None: any (or no) device class
    cause_states: tuple[str, ...]
    effect_domains: frozenset[str]
    service: str
    effect_state: str
    prior: float
    window_s: float  # how long after the cause an effect still counts as following it
    sentence: str  # "{cause} … {effect}" with {state} for the trigger
    crossing: Crossing | None = None
    effect_classes: frozenset[str] | None = None
    service_data: tuple[tuple[str, object], ...] = ()
    revert_service: str | None = None
    revert_state: str | None = None
    same_area: bool = True
    cause_entities: frozenset[str] | None = None  # only these entity ids (sun.sun …)
    effect_names: tuple[str, ...] = ()  # words in the effect's id/name that fit (fan …)
    learned: bool = False  # a generic rule of a pair only the graph model proposes

    @property
    def notifies(self) -> bool:
        """Whether the action is a notification (no effect entity)."""
        return NOTIFY in self.effect_domains


def _rule(  # noqa: PLR0917 - the table below reads as rows
    kind: str,
    causes: Iterable[str],
    classes: Iterable[str] | None,
    states: tuple[str, ...],
    effects: Iterable[str],
    service: str,
    effect_state: str,
    prior: float,
    window_s: float,
    sentence: str,
    **more: object,
) -> SynergyRule:
    return SynergyRule(
        kind=kind,
        cause_domains=frozenset(causes),
        cause_classes=None if classes is None else frozenset(classes),
        cause_states=states,
        effect_domains=frozenset(effects),
        service=service,
        effect_state=effect_state,
        prior=prior,
        window_s=window_s,
        sentence=sentence,
        **more,  # type: ignore[arg-type]
    )


_MOTION = ("motion", "occupancy", "presence")
_OPENING = ("door", "window", "opening", "garage_door")
_PRESENCE_IDS = frozenset({"zone.home"})

RULES: Final[tuple[SynergyRule, ...]] = (
    _rule(
        "motion_light", ["binary_sensor"], _MOTION, ("on",), ["light"], "light.turn_on", "on",
        0.9, 120.0, "{effect} is turned on when {cause} detects motion",
        revert_service="light.turn_off", revert_state="off",
    ),
    _rule(
        "motion_switch", ["binary_sensor"], _MOTION, ("on",), ["switch"], "switch.turn_on",
        "on", 0.35, 120.0, "{effect} is switched on when {cause} detects motion",
        revert_service="switch.turn_off", revert_state="off",
    ),
    _rule(
        "door_light", ["binary_sensor"], _OPENING[:1] + _OPENING[3:], ("on",), ["light"],
        "light.turn_on", "on", 0.5, 120.0, "{effect} is turned on when {cause} opens",
        revert_service="light.turn_off", revert_state="off",
    ),
    _rule(
        "door_chime", ["binary_sensor"], ("door", "opening"), ("on",), ["siren"],
        "siren.turn_on", "on", 0.6, 60.0, "{effect} sounds when {cause} opens",
        same_area=False, revert_service="siren.turn_off", revert_state="off",
    ),
    _rule(
        "door_lock", ["binary_sensor"], ("door",), ("off",), ["lock"], "lock.lock", "locked",
        0.55, 600.0, "{effect} is locked after {cause} closes", same_area=False,
    ),
    _rule(
        "door_notify", ["binary_sensor"], _OPENING, ("on",), [NOTIFY], NOTIFY_SERVICE, "",
        0.3, 0.0, "you are notified when {cause} opens", same_area=False,
    ),
    _rule(
        "window_climate_off", ["binary_sensor"], ("window", "door", "opening"), ("on",),
        ["climate"], "climate.set_hvac_mode", "off", 0.5, 900.0,
        "{effect} is switched off while {cause} is open",
        service_data=(("hvac_mode", "off"),),
    ),
    _rule(
        "humidity_fan", ["sensor"], ("humidity", "moisture"), (), ["fan"], "fan.turn_on",
        "on", 0.85, 1800.0, "{effect} is turned on when {cause} rises above {state}",
        crossing="above", revert_service="fan.turn_off", revert_state="off",
    ),
    _rule(
        "humidity_fan_switch", ["sensor"], ("humidity",), (), ["switch"], "switch.turn_on",
        "on", 0.6, 1800.0, "{effect} is switched on when {cause} rises above {state}",
        crossing="above", revert_service="switch.turn_off", revert_state="off",
        effect_names=("fan", "vent", "exhaust", "luefter", "lüfter", "ventil"),
    ),
    _rule(
        "temperature_heat", ["sensor"], ("temperature",), (), ["climate"],
        "climate.set_hvac_mode", "heat", 0.7, 3600.0,
        "{effect} starts heating when {cause} falls below {state}", crossing="below",
        service_data=(("hvac_mode", "heat"),),
        revert_service="climate.set_hvac_mode", revert_state="off",
    ),
    _rule(
        "temperature_cool", ["sensor"], ("temperature",), (), ["climate"],
        "climate.set_hvac_mode", "cool", 0.7, 3600.0,
        "{effect} starts cooling when {cause} rises above {state}", crossing="above",
        service_data=(("hvac_mode", "cool"),),
        revert_service="climate.set_hvac_mode", revert_state="off",
    ),
    _rule(
        "temperature_fan", ["sensor"], ("temperature",), (), ["fan"], "fan.turn_on", "on",
        0.4, 3600.0, "{effect} is turned on when {cause} rises above {state}",
        crossing="above", revert_service="fan.turn_off", revert_state="off",
    ),
    _rule(
        "illuminance_light", ["sensor"], ("illuminance",), (), ["light"], "light.turn_on",
        "on", 0.55, 1800.0, "{effect} is turned on when {cause} falls below {state}",
        crossing="below", revert_service="light.turn_off", revert_state="off",
    ),
    _rule(
        "illuminance_cover", ["sensor"], ("illuminance",), (), ["cover"], "cover.close_cover",
        "closed", 0.6, 5400.0, "{effect} closes when {cause} rises above {state}",
        crossing="above", revert_service="cover.open_cover", revert_state="open",
    ),
    _rule(
        "away_lights_off", ["person", "zone", "device_tracker", "group"], None,
        ("not_home", "0"), ["light"], "light.turn_off", "off", 0.7, 2700.0,
        "{effect} is turned off when {cause} leaves home", same_area=False,
    ),
    _rule(
        "away_climate_off", ["person", "zone", "device_tracker", "group"], None,
        ("not_home", "0"), ["climate"], "climate.set_hvac_mode", "off", 0.55, 2700.0,
        "{effect} is switched off when {cause} leaves home", same_area=False,
        service_data=(("hvac_mode", "off"),),
    ),
    _rule(
        "away_media_off", ["person", "zone", "device_tracker", "group"], None,
        ("not_home", "0"), ["media_player"], "media_player.turn_off", "off", 0.35, 2700.0,
        "{effect} is turned off when {cause} leaves home", same_area=False,
    ),
    _rule(
        "media_dim", ["media_player"], None, ("playing",), ["light"], "light.turn_off", "off",
        0.55, 300.0, "{effect} goes off when {cause} starts playing",
        revert_service="light.turn_on", revert_state="on",
    ),
    _rule(
        "sunset_lights", ["sun"], None, ("below_horizon",), ["light"], "light.turn_on", "on",
        0.6, 5400.0, "{effect} is turned on when the sun sets", same_area=False,
        cause_entities=frozenset({"sun.sun"}),
        revert_service="light.turn_off", revert_state="off",
    ),
    _rule(
        "sunrise_covers", ["sun"], None, ("above_horizon",), ["cover"], "cover.open_cover",
        "open", 0.5, 5400.0, "{effect} opens when the sun rises", same_area=False,
        cause_entities=frozenset({"sun.sun"}),
    ),
    _rule(
        "sunset_covers", ["sun"], None, ("below_horizon",), ["cover"], "cover.close_cover",
        "closed", 0.5, 5400.0, "{effect} closes when the sun sets", same_area=False,
        cause_entities=frozenset({"sun.sun"}),
    ),
    _rule(
        "bedtime_lock", ["light"], None, ("off",), ["lock"], "lock.lock", "locked", 0.3,
        900.0, "{effect} is locked when {cause} goes off", same_area=False,
    ),
    _rule(
        "appliance_done_notify", ["sensor"], ("power",), (), ["script"], "script.turn_on",
        "on", 0.5, 600.0, "{effect} runs when {cause} drops below {state}",
        crossing="below", same_area=False,
    ),
    _rule(
        "appliance_done_message", ["sensor"], ("power",), (), [NOTIFY], NOTIFY_SERVICE, "",
        0.45, 0.0, "you are notified when {cause} drops below {state} (the appliance is done)",
        crossing="below", same_area=False,
    ),
    _rule(
        "leak_valve", ["binary_sensor"], ("moisture",), ("on",), ["valve"],
        "valve.close_valve", "closed", 0.8, 1800.0,
        "{effect} closes when {cause} detects water", same_area=False,
    ),
    _rule(
        "leak_notify", ["binary_sensor"], ("moisture",), ("on",), [NOTIFY], NOTIFY_SERVICE,
        "", 0.75, 0.0, "you are notified when {cause} detects water", same_area=False,
    ),
    _rule(
        "smoke_notify", ["binary_sensor"], ("smoke", "carbon_monoxide", "gas"), ("on",),
        [NOTIFY], NOTIFY_SERVICE, "", 0.8, 0.0, "you are notified when {cause} detects smoke",
        same_area=False,
    ),
    _rule(
        "smoke_lights", ["binary_sensor"], ("smoke", "carbon_monoxide", "gas"), ("on",),
        ["light"], "light.turn_on", "on", 0.5, 120.0,
        "{effect} is turned on when {cause} detects smoke",
    ),
)  # fmt: skip

RULES_BY_KIND: Final[dict[str, SynergyRule]] = {rule.kind: rule for rule in RULES}

# --- learned pairs ---------------------------------------------------------------------
# The graph model may propose a pair no rule above expresses (what owners automate goes far
# beyond them: binary_sensor → script, input_boolean → input_boolean …). Such a pair gets a
# generic rule: the onset of the cause's usual "active" state triggers the effect domain's
# default action. Only these domains: a numeric sensor's level, a cover's direction or a
# climate's set point cannot be guessed without evidence.
LEARNED_CAUSE_STATES: Final[dict[str, str]] = {
    "binary_sensor": "on",
    "input_boolean": "on",
    "switch": "on",
    "light": "on",
    "fan": "on",
    "group": "on",
    "person": "home",
    "device_tracker": "home",
    "media_player": "playing",
    "lock": "unlocked",
    "cover": "open",
}
# effect domain -> (action, the state it brings, the action undoing it, how the action reads)
LEARNED_EFFECTS: Final[dict[str, tuple[str, str, str | None, str]]] = {
    "light": ("light.turn_on", "on", "light.turn_off", "is turned on"),
    "switch": ("switch.turn_on", "on", "switch.turn_off", "is switched on"),
    "fan": ("fan.turn_on", "on", "fan.turn_off", "is turned on"),
    "input_boolean": ("input_boolean.turn_on", "on", "input_boolean.turn_off", "is turned on"),
    "siren": ("siren.turn_on", "on", "siren.turn_off", "sounds"),
    "script": ("script.turn_on", "on", None, "is run"),
    "scene": ("scene.turn_on", "activated", None, "is activated"),
}
LEARNED_PREFIX: Final = "learned_"


def _learned(cause_domain: str, effect_domain: str) -> SynergyRule:
    service, state, revert, verb = LEARNED_EFFECTS[effect_domain]
    return SynergyRule(
        kind=f"{LEARNED_PREFIX}{cause_domain}_{effect_domain}",
        cause_domains=frozenset({cause_domain}),
        cause_classes=None,
        cause_states=(LEARNED_CAUSE_STATES[cause_domain],),
        effect_domains=frozenset({effect_domain}),
        service=service,
        effect_state=state,
        prior=0.0,
        window_s=120.0,
        sentence=f"{{effect}} {verb} upon {{cause}} {{onset}}",
        revert_service=revert,
        revert_state="off" if revert is not None else None,
        same_area=False,
        learned=True,
    )


LEARNED_RULES: Final[dict[str, SynergyRule]] = {
    rule.kind: rule
    for rule in (_learned(c, e) for c in LEARNED_CAUSE_STATES for e in LEARNED_EFFECTS)
}


def learned_rule(cause_id: str, effect_id: str) -> SynergyRule | None:
    """The generic rule of a pair the graph model may propose (None: its domains have none)."""
    cause, effect = cause_id.partition(".")[0], effect_id.partition(".")[0]
    if cause_id == effect_id or cause not in LEARNED_CAUSE_STATES or effect not in LEARNED_EFFECTS:
        return None
    return LEARNED_RULES[f"{LEARNED_PREFIX}{cause}_{effect}"]


def rule_of_kind(kind: str) -> SynergyRule:
    """The rule of a kind, a taxonomy rule or a learned one (``KeyError`` if neither)."""
    rule = RULES_BY_KIND.get(kind) or LEARNED_RULES.get(kind)
    if rule is None:
        raise KeyError(kind)
    return rule


CROSS_AREA_FACTOR: Final = 0.25  # prior of a same-area rule's pair known to span two areas
UNKNOWN_AREA_FACTOR: Final = 0.6  # … whose areas are not both known


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """The rules by cause domain, for matching many entities quickly."""

    by_domain: dict[str, list[SynergyRule]] = field(default_factory=dict)

    @classmethod
    def build(cls, rules: Iterable[SynergyRule] = RULES) -> RuleIndex:
        """Index ``rules`` by the domains of their causes."""
        index: dict[str, list[SynergyRule]] = {}
        for rule in rules:
            for domain in rule.cause_domains:
                index.setdefault(domain, []).append(rule)
        return cls(index)

    def cause_rules(self, entity: Entity) -> list[SynergyRule]:
        """The rules ``entity`` can be the cause of."""
        if entity.domain in _NEVER_CAUSE:
            return []
        return [r for r in self.by_domain.get(entity.domain, []) if fits_cause(r, entity)]


def fits_cause(rule: SynergyRule, entity: Entity) -> bool:
    """Whether ``entity`` can trigger ``rule``."""
    if entity.domain not in rule.cause_domains:
        return False
    if rule.cause_entities is not None and entity.entity_id not in rule.cause_entities:
        return False
    if entity.domain == "zone" and entity.entity_id not in _PRESENCE_IDS:
        return False
    return rule.cause_classes is None or entity.device_class in rule.cause_classes


def fits_effect(rule: SynergyRule, entity: Entity) -> bool:
    """Whether ``entity`` can be the effect of ``rule`` (never for notification rules)."""
    if entity.domain not in rule.effect_domains:
        return False
    if rule.effect_classes is not None and entity.device_class not in rule.effect_classes:
        return False
    if rule.effect_names:
        text = f"{entity.entity_id} {entity.name or ''}".lower()
        return any(word in text for word in rule.effect_names)
    return True


def pair_prior(rule: SynergyRule, cause: Entity, effect: Entity | None) -> float:
    """The rule's prior for this pair: lower across rooms for a same-area rule."""
    if effect is None or not rule.same_area:
        return rule.prior
    if cause.area_id is None or effect.area_id is None:
        return rule.prior * UNKNOWN_AREA_FACTOR
    return rule.prior if cause.area_id == effect.area_id else rule.prior * CROSS_AREA_FACTOR


def same_area(cause: Entity, effect: Entity | None) -> float:
    """1 when both are in one area, 0 in two, 0.5 when unknown (a feature of the ranker)."""
    if effect is None or cause.area_id is None or effect.area_id is None:
        return 0.5
    return 1.0 if cause.area_id == effect.area_id else 0.0
