"""Tests for the rule taxonomy: the service follows the pair, sentences, matching and priors."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import string

import pytest
import yaml

from custom_components.homeiq.core.home import Entity
from custom_components.homeiq.core.synergy import suggest
from custom_components.homeiq.core.synergy.miner import find_candidates
from custom_components.homeiq.core.synergy.taxonomy import (
    CROSS_AREA_FACTOR,
    NOTIFY_SERVICE,
    RULES,
    RULES_BY_KIND,
    UNKNOWN_AREA_FACTOR,
    RuleIndex,
    SynergyRule,
    fits_cause,
    fits_effect,
    pair_prior,
)

from .synergy_home import T0, HomeBuilder

# The pairs the issue names, each with the kind of rule and the service that must serve it.
ISSUE_KINDS = (
    "motion_light",
    "door_lock",
    "door_notify",
    "window_climate_off",
    "humidity_fan",
    "temperature_heat",
    "illuminance_light",
    "illuminance_cover",
    "away_lights_off",
    "away_climate_off",
    "media_dim",
    "sunset_lights",
    "sunrise_covers",
    "appliance_done_message",
    "leak_valve",
    "leak_notify",
    "smoke_notify",
    "smoke_lights",
)


def structural_home() -> HomeBuilder:
    """A home with no history: a front door and its lock, a leak sensor and the water valve,
    bathroom humidity and fan, a person and a living-room light."""
    return (
        HomeBuilder(0)
        .entity("binary_sensor.front_door", device_class="door", area="hall")
        .entity("lock.front_door", area="hall")
        .entity("binary_sensor.kitchen_leak", device_class="moisture", area="kitchen")
        .entity("valve.main_water", area="utility")
        .entity("sensor.bath_humidity", device_class="humidity", unit="%", area="bath")
        .entity("fan.bath", area="bath")
        .entity("person.anna")
        .entity("light.living", area="living")
    )


@pytest.mark.parametrize(
    ("kind", "cause", "effect", "service"),
    [
        ("door_lock", "binary_sensor.front_door", "lock.front_door", "lock.lock"),
        ("leak_valve", "binary_sensor.kitchen_leak", "valve.main_water", "valve.close_valve"),
        ("humidity_fan", "sensor.bath_humidity", "fan.bath", "fan.turn_on"),
        ("away_lights_off", "person.anna", "light.living", "light.turn_off"),
        ("leak_notify", "binary_sensor.kitchen_leak", None, NOTIFY_SERVICE),
    ],
)
def test_the_service_follows_the_pair(
    kind: str, cause: str, effect: str | None, service: str
) -> None:
    """Each pair is served by its rule's own service, in the candidate, the suggestion and the
    automation's action (door → ``lock.lock``, not ``turn_on``)."""
    home = structural_home().home
    (candidate,) = [
        c
        for c in find_candidates(home)
        if c.rule.kind == kind and c.pair == (cause, effect or "notify")
    ]
    assert candidate.rule.service == service
    (suggestion,) = [
        s for s in suggest(home, T0).suggestions if s.kind == kind and s.cause_id == cause
    ]
    assert suggestion.service == service
    assert suggestion.effect_id == effect
    (action,) = suggestion.automation["actions"]
    assert action["action"] == service
    if effect is not None:
        assert action["target"] == {"entity_id": effect}


def test_the_taxonomy_covers_the_pairs_the_issue_names() -> None:
    """Every kind the issue lists is there, each kind once."""
    assert set(ISSUE_KINDS) <= set(RULES_BY_KIND)
    assert len(RULES_BY_KIND) == len(RULES)


def _services(domain: str) -> dict[str, object]:
    spec = importlib.util.find_spec("homeassistant")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    root = Path(next(iter(spec.submodule_search_locations)))
    return yaml.safe_load((root / "components" / domain / "services.yaml").read_text()) or {}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.kind)
def test_every_rule_names_real_services(rule: SynergyRule) -> None:
    """The action and its undoing are services of Home Assistant (its ``services.yaml``), and
    their data are fields of those services."""
    for service in filter(None, (rule.service, rule.revert_service)):
        domain, _, name = service.partition(".")
        services = _services(domain)
        assert name in services, service
        if service == rule.service and rule.service_data:
            fields = services[name]["fields"]  # type: ignore[index]
            assert {key for key, _ in rule.service_data} <= set(fields)
        if not rule.notifies:
            assert domain in rule.effect_domains
    assert (rule.revert_service is None) == (rule.revert_state is None)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.kind)
def test_every_rule_s_sentence_formats(rule: SynergyRule) -> None:
    """Each sentence uses only {cause}, {effect} and {state}: {state} exactly for the numeric
    rules, {effect} for every rule with an effect entity and never for a notification."""
    fields = {name for _, name, _, _ in string.Formatter().parse(rule.sentence) if name}
    assert fields <= {"cause", "effect", "state"}
    assert ("state" in fields) == (rule.crossing is not None)
    assert ("effect" in fields) == (not rule.notifies)
    text = rule.sentence.format(cause="Hall motion", effect="Hall light", state="70 %")
    assert "{" not in text
    assert "}" not in text
    assert text.strip() == text


def test_fits_effect_needs_the_rule_s_words_in_the_id_or_name() -> None:
    """A humidity → switch rule takes a switch named like a fan (id or name, any case, German
    too) and no other switch; rules without words take any entity of their domain."""
    rule = RULES_BY_KIND["humidity_fan_switch"]
    assert fits_effect(rule, Entity("switch.bathroom_fan"))
    assert fits_effect(rule, Entity("switch.sonoff_1", name="Bad Lüfter"))
    assert fits_effect(rule, Entity("switch.relay_2", name="Exhaust"))
    assert not fits_effect(rule, Entity("switch.coffee_maker", name="Coffee maker"))
    assert not fits_effect(rule, Entity("fan.bath"))
    assert fits_effect(RULES_BY_KIND["humidity_fan"], Entity("fan.anything"))
    assert not fits_effect(RULES_BY_KIND["leak_notify"], Entity("light.hall"))


def test_fits_cause_by_domain_class_and_entity() -> None:
    """Motion (or occupancy) triggers the motion rule, a door does not; the sun rules take only
    ``sun.sun``; of the zones only ``zone.home`` is a presence; bookkeeping domains are never
    a cause."""
    motion = RULES_BY_KIND["motion_light"]
    assert fits_cause(motion, Entity("binary_sensor.hall", device_class="motion"))
    assert fits_cause(motion, Entity("binary_sensor.hall", device_class="occupancy"))
    assert not fits_cause(motion, Entity("binary_sensor.hall", device_class="door"))
    assert not fits_cause(motion, Entity("binary_sensor.hall"))
    assert fits_cause(RULES_BY_KIND["sunset_lights"], Entity("sun.sun"))
    assert not fits_cause(RULES_BY_KIND["sunset_lights"], Entity("sun.other"))
    away = RULES_BY_KIND["away_lights_off"]
    assert fits_cause(away, Entity("zone.home"))
    assert not fits_cause(away, Entity("zone.work"))
    assert fits_cause(away, Entity("person.anna"))
    index = RuleIndex.build()
    assert index.cause_rules(Entity("automation.lights")) == []
    assert {r.kind for r in index.cause_rules(Entity("binary_sensor.x", device_class="door"))} == {
        "door_light",
        "door_chime",
        "door_lock",
        "door_notify",
        "window_climate_off",
    }


def test_pair_prior_is_lower_across_rooms_for_one_room_rules() -> None:
    """Same room: the rule's prior; two rooms: a quarter; unknown: 0.6×; a rule that is not
    about one room keeps its prior; a notification too."""
    rule = RULES_BY_KIND["motion_light"]
    hall = Entity("binary_sensor.hall", device_class="motion", area_id="hall")
    assert pair_prior(rule, hall, Entity("light.hall", area_id="hall")) == rule.prior
    assert pair_prior(rule, hall, Entity("light.kitchen", area_id="kitchen")) == pytest.approx(
        rule.prior * CROSS_AREA_FACTOR
    )
    assert pair_prior(rule, hall, Entity("light.x")) == pytest.approx(
        rule.prior * UNKNOWN_AREA_FACTOR
    )
    lock = RULES_BY_KIND["door_lock"]
    door = Entity("binary_sensor.front_door", device_class="door", area_id="hall")
    assert pair_prior(lock, door, Entity("lock.back", area_id="garden")) == lock.prior
    assert (
        pair_prior(RULES_BY_KIND["door_notify"], door, None) == RULES_BY_KIND["door_notify"].prior
    )
