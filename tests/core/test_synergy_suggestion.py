"""Tests for suggestions: stable ids, the evidence in words and the automation configuration."""

from __future__ import annotations

from dataclasses import replace
import hashlib
import json

from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.synergy import (
    Edits,
    Proposal,
    build_automation,
    learned_candidate,
    suggest,
    suggestion_id,
)
from custom_components.homeiq.core.synergy.conditions import Condition, Revert
from custom_components.homeiq.core.synergy.miner import Candidate, Evidence, Trigger
from custom_components.homeiq.core.synergy.suggestion import (
    GRAPH_NOTE,
    LEARNED_NOTE,
    LEARNED_OFTEN,
    make_suggestion,
)
from custom_components.homeiq.core.synergy.taxonomy import NOTIFY_SERVICE, RULES_BY_KIND
from custom_components.homeiq.core.time import DAY

from .synergy_home import DEVICE, T0, USER, HomeBuilder, Row, daily, numeric, pulses

MOTION, LIGHT = "binary_sensor.hall_motion", "light.hall"
LENGTHS = [60.0 + 37.0 * (i % 9) for i in range(20)]  # motion lasts 1 … 6 min


def hall_home() -> Home:
    """20 days: hall motion at 19:00, the hall light on by hand 5 s later and off 5 min after
    the motion stopped."""
    motion = daily(20, 19)
    light: list[Row] = [(T0, "off", DEVICE)]
    for at, length in zip(motion, LENGTHS, strict=True):
        light += [(at + 5, "on", USER), (at + length + 300, "off", USER)]
    return (
        HomeBuilder(20)
        .entity(MOTION, pulses(motion, LENGTHS, first=T0), device_class="motion", area="hall",
                name="Hall motion")
        .entity(LIGHT, light, area="hall", name="Hall light")
        .home
    )  # fmt: skip


def test_a_suggestion_id_is_a_stable_hash_of_the_pair() -> None:
    """The id is the first 12 hex digits of SHA-256 over kind, cause and effect."""
    expected = hashlib.sha256(f"motion_light|{MOTION}|{LIGHT}".encode()).hexdigest()[:12]
    assert suggestion_id("motion_light", MOTION, LIGHT) == expected
    assert (
        suggestion_id("door_notify", "binary_sensor.door", None)
        == (hashlib.sha256(b"door_notify|binary_sensor.door|notify").hexdigest()[:12])
    )
    assert suggestion_id("motion_switch", MOTION, LIGHT) != expected


def test_the_same_pair_keeps_its_id_when_the_history_or_the_level_changes() -> None:
    """Another night's history (fewer days) and another level of a numeric cause: same id."""
    home = hall_home()
    (first,) = suggest(home).suggestions
    shorter = replace(home, window_end=T0 + 10 * DAY)
    (second,) = suggest(shorter).suggestions
    assert first.suggestion_id == second.suggestion_id
    assert first.text != second.text
    rule = RULES_BY_KIND["humidity_fan"]
    humidity = (
        HomeBuilder(0)
        .entity("sensor.bath_humidity", device_class="humidity", unit="%", area="bath")
        .entity("fan.bath", area="bath")
        .home
    )
    at_70 = Candidate(rule, Trigger("sensor.bath_humidity", above=True, level=70.0),
                      "fan.bath", rule.prior, 1.0)  # fmt: skip
    at_65 = replace(at_70, trigger=replace(at_70.trigger, level=65.0))
    one, other = make_suggestion(humidity, at_70, 0.5), make_suggestion(humidity, at_65, 0.5)
    assert one.suggestion_id == other.suggestion_id
    assert one.automation["id"] == other.automation["id"] == f"homeiq_{one.suggestion_id}"
    assert one.automation["triggers"][0]["above"] == 70.0
    assert other.automation["triggers"][0]["above"] == 65.0


def test_the_text_holds_the_counts_and_the_automation_both_halves() -> None:
    """The hall light: the evidence in words, and an automation that turns the light on with
    the motion and off 5 min after it stopped (exactly this configuration)."""
    (suggestion,) = suggest(hall_home()).suggestions
    sid = suggestion_id("motion_light", MOTION, LIGHT)
    assert suggestion.suggestion_id == sid
    assert (suggestion.kind, suggestion.cause_id, suggestion.effect_id) == (
        "motion_light",
        MOTION,
        LIGHT,
    )
    assert suggestion.service == "light.turn_on"
    assert suggestion.area_id == "hall"
    evidence = suggestion.evidence
    assert evidence is not None
    assert evidence.revert == Revert("cause_end", 300.0, 20)
    text = (
        "Hall light was turned on by hand within 2 min of Hall motion detecting motion 20 of 20 "
        f"times in 20 days, median 5 s; {evidence.lift:.1f}× as often as at that time of day "
        "otherwise; it was turned off again about 5 min after the motion stopped."
    )
    assert suggestion.text == text
    on = {"action": "light.turn_on", "target": {"entity_id": LIGHT}}
    off = {"action": "light.turn_off", "target": {"entity_id": LIGHT}}
    assert suggestion.automation == {
        "id": f"homeiq_{sid}",
        "alias": "HomeIQ: Hall light is turned on when Hall motion detects motion",
        "description": f"Suggested by HomeIQ. {text}",
        "triggers": [
            {"trigger": "state", "entity_id": MOTION, "to": "on", "id": "cause"},
            {
                "trigger": "state",
                "entity_id": MOTION,
                "to": "off",
                "for": {"hours": 0, "minutes": 5, "seconds": 0},
                "id": "end",
            },
        ],
        "conditions": [],
        "actions": [
            {
                "choose": [
                    {"conditions": [{"condition": "trigger", "id": "cause"}], "sequence": [on]},
                    {"conditions": [{"condition": "trigger", "id": "end"}], "sequence": [off]},
                ],
                "default": [on],  # Run actions, with no trigger, turns the light on
            }
        ],
        "mode": "restart",
    }
    figures = suggestion.as_dict()
    assert json.loads(json.dumps(figures)) == figures
    assert figures["id"] == sid
    assert figures["trigger"] == "on"
    assert figures["figures"]["followed"] == 20
    assert figures["scores"].keys() == {"rules", "miner", "combined"}


def _hall_candidate(**evidence: object) -> Candidate:
    rule = RULES_BY_KIND["motion_light"]
    figures = Evidence(
        days=20, cause_events=20, effect_events=20, effect_events_by_hand=20, followed=18,
        followed_by_hand=18, followed_by_automation=0, followed_by_device=0, preceded=18,
        expected=1.0, delay_median_s=4.0, delay_p25_s=3.0, delay_p75_s=6.0,
    )  # fmt: skip
    return Candidate(
        rule, Trigger(MOTION, "on"), LIGHT, rule.prior, 1.0, replace(figures, **evidence),  # type: ignore[arg-type]
        cause_events=20, effect_events=20, days=20.0,
    )  # fmt: skip


def test_a_condition_gates_only_the_turning_on_when_the_revert_follows_the_cause() -> None:
    """With a revert from the motion's end, the dark condition sits in the choose branch that
    turns the light on; the words say "only after dark"."""
    dark = Condition("dark", "sun.sun", held_out_precision=1.0, held_out_precision_without=0.5)
    candidate = _hall_candidate(conditions=(dark,), revert=Revert("cause_end", 120.0, 18))
    home = hall_home()
    suggestion = make_suggestion(home, candidate, 0.9)
    assert "; only after dark;" in suggestion.text
    assert "18 of 20 times in 20 days, median 4 s" in suggestion.text
    automation = suggestion.automation
    assert automation["conditions"] == []
    cause, _end = automation["actions"][0]["choose"]
    assert cause["conditions"] == [
        {"condition": "trigger", "id": "cause"},
        {"condition": "state", "entity_id": "sun.sun", "state": "below_horizon"},
    ]
    assert automation["triggers"][1]["for"] == {"hours": 0, "minutes": 2, "seconds": 0}


def test_a_revert_from_the_effect_waits_in_the_sequence() -> None:
    """Off 10 min after it came on: turn on, wait, turn off (restarting on new motion); the
    conditions guard the whole automation. Without a revert: the action alone, mode single."""
    window = Condition("time_window", start_hour=22, end_hour=6)
    home = hall_home()
    candidate = _hall_candidate(conditions=(window,), revert=Revert("effect", 600.0, 18))
    automation = build_automation(home, candidate, "abc", "text")
    on = {"action": "light.turn_on", "target": {"entity_id": LIGHT}}
    off = {"action": "light.turn_off", "target": {"entity_id": LIGHT}}
    assert automation["triggers"] == [
        {"trigger": "state", "entity_id": MOTION, "to": "on", "id": "cause"}
    ]
    assert automation["conditions"] == [
        {"condition": "time", "after": "22:00:00", "before": "06:00:00"}
    ]
    assert automation["actions"] == [on, {"delay": {"hours": 0, "minutes": 10, "seconds": 0}}, off]
    assert automation["mode"] == "restart"
    assert automation["id"] == "homeiq_abc"
    assert automation["description"] == "Suggested by HomeIQ. text"
    plain = build_automation(home, _hall_candidate(), "abc", "text")
    assert plain["actions"] == [on]
    assert plain["mode"] == "single"
    assert plain["conditions"] == []
    # The user's delay adds the other half to a pair whose history showed none.
    edited = build_automation(home, _hall_candidate(), "abc", "text", Edits(revert_delay_s=90))
    assert edited["actions"] == [on, {"delay": {"hours": 0, "minutes": 1, "seconds": 30}}, off]
    edited = build_automation(
        home, _hall_candidate(revert=Revert("cause_end", 120.0, 18)), "abc", "text",
        Edits(revert_delay_s=240),
    )  # fmt: skip
    assert edited["triggers"][1]["for"] == {"hours": 0, "minutes": 4, "seconds": 0}


def test_a_numeric_pair_triggers_on_the_level_and_reverts_below_it() -> None:
    """Humidity above 72 % → fan on; back off 10 min after the humidity fell below the
    re-arm level (72 − 2); a user's level replaces the mined one in both triggers."""
    rule = RULES_BY_KIND["humidity_fan"]
    home = (
        HomeBuilder(0)
        .entity("sensor.bath_humidity", device_class="humidity", unit="%", area="bath",
                name="Bath humidity")
        .entity("fan.bath", area="bath", name="Bath fan")
        .home
    )  # fmt: skip
    figures = _hall_candidate(revert=Revert("cause_end", 600.0, 10)).evidence
    candidate = Candidate(
        rule, Trigger("sensor.bath_humidity", above=True, level=72.0, hysteresis=2.0),
        "fan.bath", rule.prior, 1.0, figures,
    )  # fmt: skip
    automation = build_automation(home, candidate, "abc", "text")
    assert (
        automation["alias"] == "HomeIQ: Bath fan is turned on when Bath humidity rises above 72 %"
    )
    assert automation["triggers"] == [
        {"trigger": "numeric_state", "entity_id": "sensor.bath_humidity", "above": 72.0,
         "id": "cause"},
        {"trigger": "numeric_state", "entity_id": "sensor.bath_humidity", "below": 70.0,
         "for": {"hours": 0, "minutes": 10, "seconds": 0}, "id": "end"},
    ]  # fmt: skip
    (choose,) = automation["actions"]
    assert [b["sequence"] for b in choose["choose"]] == [
        [{"action": "fan.turn_on", "target": {"entity_id": "fan.bath"}}],
        [{"action": "fan.turn_off", "target": {"entity_id": "fan.bath"}}],
    ]
    edited = build_automation(home, candidate, "abc", "text", Edits(level=80.0))
    assert edited["triggers"][0]["above"] == 80.0
    assert edited["triggers"][1]["below"] == 78.0
    text = make_suggestion(home, candidate, 0.5).text
    assert "Bath humidity rising above 72 %" in text


def test_a_climate_pair_sets_the_mode_and_back() -> None:
    """Temperature below 19 → heat, reverted to off: the data carry the HVAC modes."""
    rule = RULES_BY_KIND["temperature_heat"]
    home = (
        HomeBuilder(0)
        .entity("sensor.living_temp", device_class="temperature", unit="°C", area="living")
        .entity("climate.living", area="living")
        .home
    )
    figures = _hall_candidate(revert=Revert("effect", 1800.0, 10)).evidence
    candidate = Candidate(
        rule, Trigger("sensor.living_temp", above=False, level=19.0, hysteresis=0.5),
        "climate.living", rule.prior, 1.0, figures,
    )  # fmt: skip
    actions = build_automation(home, candidate, "abc", "text")["actions"]
    target = {"entity_id": "climate.living"}
    assert actions == [
        {"action": "climate.set_hvac_mode", "target": target, "data": {"hvac_mode": "heat"}},
        {"delay": {"hours": 0, "minutes": 30, "seconds": 0}},
        {"action": "climate.set_hvac_mode", "target": target, "data": {"hvac_mode": "off"}},
    ]


def test_a_notification_pair_creates_a_persistent_notification() -> None:
    """A leak sensor: a persistent notification naming what happened; no history, so the
    words say the suggestion comes from the kind of device."""
    home = (
        HomeBuilder(0)
        .entity(
            "binary_sensor.sink_leak", device_class="moisture", area="kitchen", name="Sink leak"
        )
        .home
    )
    (suggestion,) = [s for s in suggest(home, T0).suggestions if s.kind == "leak_notify"]
    assert suggestion.effect_id is None
    assert suggestion.service == NOTIFY_SERVICE
    assert suggestion.automation == {
        "id": f"homeiq_{suggestion_id('leak_notify', 'binary_sensor.sink_leak', None)}",
        "alias": "HomeIQ: You are notified when Sink leak detects water",
        "description": "Suggested by HomeIQ. You are notified when Sink leak detects water: "
        "suggested from the kind of devices.",
        "triggers": [
            {"trigger": "state", "entity_id": "binary_sensor.sink_leak", "to": "on", "id": "cause"}
        ],
        "conditions": [],
        "actions": [
            {
                "action": NOTIFY_SERVICE,
                "data": {"title": "HomeIQ", "message": "Sink leak detecting water"},
            }
        ],
        "mode": "single",
    }


def test_an_uncounted_pair_says_how_often_the_cause_went_unfollowed() -> None:
    """A light that never followed: the words give the cause's count over the history."""
    motion = daily(12, 19)
    home = (
        HomeBuilder(12)
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="hall",
                name="Hall motion")
        .entity(LIGHT, pulses(daily(12, 3), 60, USER, first=T0), area="hall", name="Hall light")
        .home
    )  # fmt: skip
    (suggestion,) = suggest(home).suggestions
    assert suggestion.evidence is None
    assert suggestion.text == (
        "Hall light is turned on when Hall motion detects motion: suggested from the kind of "
        "devices in one room; in 12 days of history it did not follow Hall motion detecting "
        "motion (12 times)."
    )
    assert suggestion.scores["miner"] == 0.0


def test_an_uncounted_numeric_pair_does_not_quote_another_level_s_count() -> None:
    """A humidity sensor between 45 and 51 % whose fan never runs: the suggestion shows the
    rule's default level (70 %), which the humidity never crossed — the words must not claim
    dozens of crossings of it that went unfollowed (they were crossings of lower levels)."""
    days = 3
    times = [T0 + k * 600.0 for k in range(days * 144)]
    values = [45.0 + (k % 7) for k in range(days * 144)]
    home = (
        HomeBuilder(days)
        .entity("sensor.bath_humidity", numeric(times, values), device_class="humidity",
                unit="%", area="bath", name="Bath humidity")
        .entity("fan.bath", [(T0, "off", DEVICE)], area="bath", name="Bath fan")
        .home
    )  # fmt: skip
    (suggestion,) = suggest(home).suggestions
    assert suggestion.trigger.level == 70.0
    assert suggestion.evidence is None
    assert suggestion.text == (
        "Bath fan is turned on when Bath humidity rises above 70 %: suggested from the kind of "
        "devices in one room; in 3 days of history it did not follow Bath humidity "
        "crossing any level."
    )


def test_a_proposal_says_often_only_from_its_calibrated_score() -> None:
    """A proposed pair reads "often" from its calibrated ``combined`` score of 0.5 on, not
    from the proposing model's own probability (fitted against sampled non-pairs, so high)."""
    home = hall_home()
    candidate = learned_candidate(home, Proposal(MOTION, LIGHT, 0.9, 0.02, model="pairs"), 0.0)
    low = make_suggestion(home, candidate, 0.02, {"pairs": 0.9, "combined": 0.02})
    assert low.text.endswith(f"this home's history. {LEARNED_NOTE}")
    high = make_suggestion(home, candidate, 0.6, {"pairs": 0.55, "combined": LEARNED_OFTEN})
    assert high.text.endswith(f"this home's history. {GRAPH_NOTE}")
    assert make_suggestion(home, candidate, 0.6).text.endswith(LEARNED_NOTE)  # no scores
