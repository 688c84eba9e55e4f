"""A ranked candidate as the user sees it: a stable id, the evidence in words and numbers and
a complete automation configuration (triggers, conditions, actions, mode).

The configuration uses Home Assistant's current automation syntax (``triggers`` /
``conditions`` / ``actions``, ``trigger:`` / ``action:`` keys); the Home Assistant layer
validates it with Home Assistant's own automation config validation before writing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
import hashlib
from typing import Any, Final

from ..home import Home
from .conditions import Condition
from .miner import Candidate, Evidence, Trigger
from .ranking import LIKELY_SCORE

ID_PREFIX: Final = "homeiq_"
# The graph model raised a suggestion's score by at least this much (in probability): its
# evidence then ends with GRAPH_NOTE.
GRAPH_NOTE_LIFT: Final = 0.05
GRAPH_NOTE: Final = "Homes like yours often automate this."
# The scores' key of that lift, by the blending model's key: the graph model's or the
# non-graph pair model's (both learn what owners of other homes automate).
LIFT_KEYS: Final = {"gnn": "graph_lift", "pairs": "pairs_lift"}
# A pair a learned model proposes ends with GRAPH_NOTE from this calibrated score on (its
# ``combined``: how often such proposals were owners' pairs on the training homes), with
# LEARNED_NOTE below it. Not the proposing model's own probability (``gnn`` / ``pairs``):
# that is fitted against a few sampled non-pairs per pair, so it reads far higher than how
# often homes automate the pair (0.72 where the calibrated score is 0.024).
LEARNED_OFTEN: Final = 0.5
LEARNED_NOTE: Final = "Homes like yours sometimes automate this."
# How the action reads in a sentence, by the state it brings the effect to.
_DONE: Final[dict[str, str]] = {
    "on": "turned on",
    "off": "turned off",
    "closed": "closed",
    "open": "opened",
    "locked": "locked",
    "heat": "set to heat",
    "cool": "set to cool",
}
_OPPOSITE: Final[dict[str, str]] = {"on": "off", "off": "on", "open": "closed", "closed": "open"}


def suggestion_id(kind: str, cause_id: str, effect_id: str | None) -> str:
    """A stable id of a pair: the same rule, cause and effect give the same id every night
    (a numeric cause's level may move; the suggestion stays the same)."""
    text = f"{kind}|{cause_id}|{effect_id or 'notify'}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Edits:
    """What a user may change when accepting: the revert delay (s) and a numeric level."""

    revert_delay_s: float | None = None
    level: float | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggestion: the pair, its action, score and evidence, and its automation."""

    suggestion_id: str
    kind: str
    cause_id: str
    effect_id: str | None
    trigger: Trigger
    service: str
    score: float
    text: str
    automation: dict[str, Any]
    evidence: Evidence | None = None
    area_id: str | None = None
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def pair(self) -> tuple[str, str]:
        """(cause entity, effect entity or ``notify``)."""
        return (self.cause_id, self.effect_id or "notify")

    @property
    def likely(self) -> bool:
        """Whether it scores at the operating point or above (likely worth automating)."""
        return self.score >= LIKELY_SCORE

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the actions' response, ``scripts/suggest --json``)."""
        return {
            "id": self.suggestion_id,
            "likely": self.likely,
            "kind": self.kind,
            "pair": list(self.pair),
            "cause": self.cause_id,
            "trigger": self.trigger.key,
            "effect": self.effect_id,
            "service": self.service,
            "area": self.area_id,
            "score": round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "evidence": self.text,
            "figures": None if self.evidence is None else self.evidence.as_dict(),
            "automation": self.automation,
        }


def _name(home: Home, entity_id: str) -> str:
    if entity_id == "zone.home":
        return "everyone"
    entity = home.entities.get(entity_id)
    return entity.name if entity is not None and entity.name else entity_id


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _unit(home: Home, entity_id: str) -> str:
    entity = home.entities.get(entity_id)
    unit = entity.unit if entity is not None else None
    return f" {unit}" if unit else ""


_CLASS_ONSETS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    # (device class, state) -> (what its onset reads as, what its end reads as)
    **{
        (c, "on"): ("detecting motion", "the motion stopped")
        for c in ("motion", "occupancy", "presence")
    },
    **{(c, "on"): ("opening", "it closed") for c in ("door", "window", "opening", "garage_door")},
    **{(c, "off"): ("closing", "it opened") for c in ("door", "window", "opening", "garage_door")},
    ("moisture", "on"): ("detecting water", "it dried"),
    **{(c, "on"): ("detecting smoke", "it cleared") for c in ("smoke", "carbon_monoxide", "gas")},
}
_STATE_ONSETS: Final[dict[str, tuple[str, str]]] = {
    "playing": ("starting to play", "it stopped playing"),
    "below_horizon": ("setting", "it rose"),
    "above_horizon": ("rising", "it set"),
    "not_home": ("leaving home", "they came back"),
    "home": ("coming home", "they left"),
    "on": ("turning on", "it turned off"),
    "off": ("turning off", "it turned on"),
}


def _onset_words(home: Home, trigger: Trigger) -> tuple[str, str]:
    """How the trigger's onset and its end read (``detecting motion``, ``the motion stopped``)."""
    if trigger.above is not None:
        unit = _unit(home, trigger.entity_id)
        if trigger.above:
            return f"rising above {trigger.level:g}{unit}", "it fell again"
        return f"falling below {trigger.level:g}{unit}", "it rose again"
    if trigger.entity_id == "zone.home" and trigger.state == "0":
        return "everyone leaving home", "someone came back"
    entity = home.entities.get(trigger.entity_id)
    state = str(trigger.state)
    device_class = entity.device_class if entity is not None else None
    if (device_class or "", state) in _CLASS_ONSETS:
        return _CLASS_ONSETS[device_class or "", state]
    return _STATE_ONSETS.get(state, (f"turning {state}", "it changed back"))


def _cause_phrase(home: Home, trigger: Trigger) -> str:
    if trigger.entity_id == "zone.home":
        return _onset_words(home, trigger)[0]
    return f"{_name(home, trigger.entity_id)} {_onset_words(home, trigger)[0]}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe(home: Home, candidate: Candidate) -> str:
    """The evidence in words."""
    rule, trigger = candidate.rule, candidate.trigger
    sentence = _capitalised(_sentence(home, candidate))
    if rule.learned:
        return (
            f"{sentence}: proposed by HomeIQ from what owners of other homes automate; no "
            f"built-in rule covers this pair, so there is no evidence for it from this home's "
            f"history."
        )
    evidence = candidate.evidence
    if evidence is None or evidence.followed == 0:
        basis = "the kind of devices"
        if candidate.same_area == 1.0:
            basis += " in one room"
        seen = (
            f"; in {candidate.days:.0f} days of history it did not follow "
            f"{_cause_phrase(home, trigger)} ({candidate.cause_events} times)"
            if candidate.days >= 1 and candidate.effect_id and candidate.cause_events
            else ""
        )
        if seen and evidence is None and trigger.above is not None:
            # An uncounted numeric cause's count is of the levels tried, not of the default
            # level shown (it may never have crossed that one).
            seen = (
                f"; in {candidate.days:.0f} days of history it did not follow "
                f"{_name(home, trigger.entity_id)} crossing any level"
            )
        return f"{sentence}: suggested from {basis}{seen}."
    done = _DONE.get(rule.effect_state, f"set to {rule.effect_state}")
    who = " by hand" if evidence.by_hand_share >= 0.5 else ""
    parts = [
        f"{_name(home, str(candidate.effect_id))} was {done}{who} within "
        f"{_duration(rule.window_s)} of {_cause_phrase(home, trigger)} {evidence.followed} of "
        f"{evidence.cause_events} times in {evidence.days:.0f} days"
        + (
            ""
            if evidence.delay_median_s is None
            else f", median {_duration(evidence.delay_median_s)}"
        ),
        f"{evidence.lift:.1f}× as often as at that time of day otherwise",
    ]
    parts.extend(_condition_words(home, c) for c in evidence.conditions)
    if evidence.revert is not None and rule.revert_state is not None:
        back = _DONE.get(rule.revert_state, f"set to {rule.revert_state}")
        after = (
            _onset_words(home, trigger)[1]
            if evidence.revert.anchor == "cause_end"
            else f"it was {done}"
        )
        delay = _duration(evidence.revert.delay_s)
        parts.append(f"it was {back} again about {delay} after {after}")
    return "; ".join(parts) + "."


def _condition_words(home: Home, condition: Condition) -> str:
    if condition.kind == "dark":
        return "only after dark"
    if condition.kind == "someone_home":
        return "only while someone is home"
    if condition.kind == "illuminance_below":
        return f"only while {_name(home, str(condition.entity_id))} is below {condition.level:g} lx"
    return f"only between {condition.start_hour:02d}:00 and {condition.end_hour:02d}:00"


def _condition_config(condition: Condition) -> dict[str, Any]:
    if condition.kind == "dark":
        return {"condition": "state", "entity_id": "sun.sun", "state": "below_horizon"}
    if condition.kind == "someone_home":
        return {"condition": "numeric_state", "entity_id": "zone.home", "above": 0}
    if condition.kind == "illuminance_below":
        return {
            "condition": "numeric_state",
            "entity_id": condition.entity_id,
            "below": condition.level,
        }
    return {
        "condition": "time",
        "after": f"{condition.start_hour:02d}:00:00",
        "before": f"{condition.end_hour:02d}:00:00",
    }


def _action(
    home: Home, candidate: Candidate, service: str, data: Mapping[str, object]
) -> dict[str, Any]:
    if candidate.effect_id is None:
        return {
            "action": service,
            "data": {
                "title": "HomeIQ",
                "message": _capitalised(_cause_phrase(home, candidate.trigger)),
            },
        }
    action: dict[str, Any] = {"action": service, "target": {"entity_id": candidate.effect_id}}
    if data:
        action["data"] = dict(data)
    return action


def _cause_trigger(trigger: Trigger) -> dict[str, Any]:
    if trigger.above is None:
        return {
            "trigger": "state",
            "entity_id": trigger.entity_id,
            "to": trigger.state,
            "id": "cause",
        }
    side = "above" if trigger.above else "below"
    return {
        "trigger": "numeric_state",
        "entity_id": trigger.entity_id,
        side: trigger.level,
        "id": "cause",
    }


def duration(seconds: float) -> dict[str, int]:
    """A duration as the automation editor writes one (``for`` and ``delay``)."""
    total = round(seconds)
    return {"hours": total // 3600, "minutes": total % 3600 // 60, "seconds": total % 60}


def _end_trigger(trigger: Trigger, delay_s: float) -> dict[str, Any]:
    wait = duration(delay_s)
    if trigger.above is None:
        state = str(trigger.state)
        if state in _OPPOSITE:
            return {
                "trigger": "state",
                "entity_id": trigger.entity_id,
                "to": _OPPOSITE[state],
                "for": wait,
                "id": "end",
            }
        return {
            "trigger": "state",
            "entity_id": trigger.entity_id,
            "from": state,
            "for": wait,
            "id": "end",
        }
    level = float(trigger.level or 0.0)
    back = level - trigger.hysteresis if trigger.above else level + trigger.hysteresis
    side = "below" if trigger.above else "above"
    return {
        "trigger": "numeric_state",
        "entity_id": trigger.entity_id,
        side: round(back, 3),
        "for": wait,
        "id": "end",
    }


def build_automation(
    home: Home, candidate: Candidate, sid: str, text: str, edits: Edits = Edits()
) -> dict[str, Any]:
    """The automation a suggestion creates (``id`` = ``homeiq_<suggestion id>``)."""
    trigger = candidate.trigger
    if edits.level is not None and trigger.above is not None:
        trigger = replace(trigger, level=edits.level)
        candidate = replace(candidate, trigger=trigger)
    rule = candidate.rule
    evidence = candidate.evidence
    conditions = [_condition_config(c) for c in (evidence.conditions if evidence else ())]
    action = _action(home, candidate, rule.service, dict(rule.service_data))
    revert = evidence.revert if evidence is not None else None
    revert_action = None
    if rule.revert_service is not None and candidate.effect_id is not None:
        data = (
            {"hvac_mode": rule.revert_state}
            if rule.revert_service.endswith("set_hvac_mode")
            else {}
        )
        revert_action = _action(home, candidate, rule.revert_service, data)
    delay = (
        edits.revert_delay_s
        if edits.revert_delay_s is not None
        else (revert.delay_s if revert else None)
    )
    config: dict[str, Any] = {
        "id": f"{ID_PREFIX}{sid}",
        "alias": f"HomeIQ: {describe_short(home, candidate)}",
        "description": f"Suggested by HomeIQ. {text}",
        "triggers": [_cause_trigger(trigger)],
        "conditions": [],
        "actions": [action],
        "mode": "single",
    }
    if (
        revert_action is not None
        and delay is not None
        and revert is not None
        and revert.anchor == "cause_end"
    ):
        config["triggers"].append(_end_trigger(trigger, delay))
        config["actions"] = [
            {
                "choose": [
                    {
                        "conditions": [{"condition": "trigger", "id": "cause"}, *conditions],
                        "sequence": [action],
                    },
                    {
                        "conditions": [{"condition": "trigger", "id": "end"}],
                        "sequence": [revert_action],
                    },
                ],
                # Run actions (no trigger) does what the automation is for.
                "default": [action],
            }
        ]
        config["mode"] = "restart"
        return config
    config["conditions"] = conditions
    if revert_action is not None and delay is not None:
        config["actions"] = [action, {"delay": duration(delay)}, revert_action]
        config["mode"] = "restart"
    return config


def _sentence(home: Home, candidate: Candidate) -> str:
    """The rule's sentence for this pair (``{cause}``, ``{effect}``, ``{state}``: a numeric
    level, ``{onset}``: how the trigger's onset reads)."""
    trigger = candidate.trigger
    level = "" if trigger.level is None else f"{trigger.level:g}{_unit(home, trigger.entity_id)}"
    return candidate.rule.sentence.format(
        cause=_name(home, trigger.entity_id),
        effect=_name(home, candidate.effect_id) if candidate.effect_id else "",
        state=level,
        onset=_onset_words(home, trigger)[0],
    )


def describe_short(home: Home, candidate: Candidate) -> str:
    """A one-line name: the rule's sentence for this pair."""
    return _capitalised(_sentence(home, candidate))


def make_suggestion(
    home: Home, candidate: Candidate, score: float, scores: Mapping[str, float] | None = None
) -> Suggestion:
    """The suggestion of a ranked candidate (``scores``: every scorer's; when the graph
    model or the pair model raised it by :data:`GRAPH_NOTE_LIFT` or more, its evidence
    says so)."""
    sid = suggestion_id(candidate.rule.kind, candidate.cause_id, candidate.effect_id)
    text = describe(home, candidate)
    figures = scores or {}
    if candidate.rule.learned:
        often = figures.get("combined", 0.0) >= LEARNED_OFTEN
        text += f" {GRAPH_NOTE if often else LEARNED_NOTE}"
    elif any(figures.get(key, 0.0) >= GRAPH_NOTE_LIFT for key in LIFT_KEYS.values()):
        text += f" {GRAPH_NOTE}"
    effect = home.entities.get(candidate.effect_id or "")
    cause = home.entities.get(candidate.cause_id)
    area = (effect.area_id if effect is not None else None) or (cause.area_id if cause else None)
    return Suggestion(
        suggestion_id=sid,
        kind=candidate.rule.kind,
        cause_id=candidate.cause_id,
        effect_id=candidate.effect_id,
        trigger=candidate.trigger,
        service=candidate.rule.service,
        score=score,
        text=text,
        automation=build_automation(home, candidate, sid, text),
        evidence=candidate.evidence,
        area_id=area,
        scores=dict(scores or {}),
    )
