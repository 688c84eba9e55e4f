"""Tests for creating automations in automations.yaml (home/automation_writer.py).

Each test runs a real Home Assistant on a configuration folder of its own
(``hass.config.config_dir`` is a temporary directory): ``configuration.yaml`` has
``automation: !include automations.yaml`` as a new Home Assistant configuration does, and the
``automation`` integration is set up from it, so ``automation.reload`` reads the real files.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from homeassistant import config as conf_util
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homeiq.const import DOMAIN
from custom_components.homeiq.core.home import Area, Entity, Home
from custom_components.homeiq.core.synergy.conditions import Condition, Revert
from custom_components.homeiq.core.synergy.miner import Candidate, Evidence, Trigger
from custom_components.homeiq.core.synergy.suggestion import (
    Edits,
    build_automation,
    describe,
    suggestion_id,
)
from custom_components.homeiq.core.synergy.taxonomy import (
    LEARNED_RULES,
    RULES,
    RULES_BY_KIND,
    SynergyRule,
)
from custom_components.homeiq.home.automation_writer import (
    AutomationWriteError,
    async_automation_ids,
    async_create_automation,
)

DEFAULT_CONFIGURATION = """\
automation: !include automations.yaml
input_boolean:
  done:
    name: Done
"""
MOTION = "binary_sensor.hall_motion"


def _automation(config_id: str, alias: str, *, to: str = "on") -> dict[str, Any]:
    """Motion in the hall turns input_boolean.done on (a real, observable action)."""
    return {
        "id": config_id,
        "alias": alias,
        "description": "Made by a test.",
        "triggers": [{"trigger": "state", "entity_id": MOTION, "to": to}],
        "conditions": [],
        "actions": [
            {"action": "input_boolean.turn_on", "target": {"entity_id": "input_boolean.done"}}
        ],
        "mode": "single",
    }


def _path(hass: HomeAssistant, name: str = "automations.yaml") -> Path:
    return Path(hass.config.path(name))


async def _setup(hass: HomeAssistant, configuration: str = DEFAULT_CONFIGURATION) -> None:
    """Write the configuration folder and set up what it names, as Home Assistant does."""
    _path(hass, "configuration.yaml").write_text(configuration, encoding="utf-8")
    if not _path(hass).exists():
        _path(hass).write_text("[]\n", encoding="utf-8")
    config = await conf_util.async_hass_config_yaml(hass)
    assert await async_setup_component(hass, "automation", config)
    assert await async_setup_component(hass, "input_boolean", config)
    await hass.async_block_till_done()


def _automation_entities(hass: HomeAssistant) -> list[str]:
    return sorted(hass.states.async_entity_ids("automation"))


async def test_create_writes_the_editors_format_and_the_automation_runs(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """The entry is written as the editor writes it; the editor reads it, saves it back
    byte for byte, and the automation runs when its trigger fires."""
    await _setup(hass)
    assert await async_setup_component(hass, "config", {})
    # Key order as given is not the editor's: the writer puts id, alias, … first.
    config = dict(reversed(list(_automation("homeiq_abc", "Hall motion done").items())))

    entity_id = await async_create_automation(hass, config)

    assert entity_id == "automation.hall_motion_done"
    assert _path(hass).read_text(encoding="utf-8") == (
        "- id: homeiq_abc\n"
        "  alias: Hall motion done\n"
        "  description: Made by a test.\n"
        "  triggers:\n"
        "  - trigger: state\n"
        "    entity_id: binary_sensor.hall_motion\n"
        "    to: 'on'\n"
        "  conditions: []\n"
        "  actions:\n"
        "  - action: input_boolean.turn_on\n"
        "    target:\n"
        "      entity_id: input_boolean.done\n"
        "  mode: single\n"
    )
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.unique_id == "homeiq_abc"
    assert hass.states.get(entity_id).state == "on"

    # The automation editor opens it and saving it unchanged rewrites the same bytes.
    before = _path(hass).read_bytes()
    client = await hass_client()
    response = await client.get("/api/config/automation/config/homeiq_abc")
    assert response.status == HTTPStatus.OK
    assert await response.json() == _automation("homeiq_abc", "Hall motion done")
    response = await client.post(
        "/api/config/automation/config/homeiq_abc", json=await response.json()
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
    assert _path(hass).read_bytes() == before

    hass.states.async_set(MOTION, "off")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.done").state == "off"
    hass.states.async_set(MOTION, "on")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.done").state == "on"


async def test_other_automations_are_kept(hass: HomeAssistant) -> None:
    """Entries already in the file stay, in their order; the new one is appended."""
    _path(hass).write_text(
        "- id: '1700000000000'\n  alias: Mine\n  triggers: []\n  actions: []\n",
        encoding="utf-8",
    )
    await _setup(hass)

    await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))

    assert await async_automation_ids(hass) == {"1700000000000", "homeiq_abc"}
    assert (
        _path(hass)
        .read_text(encoding="utf-8")
        .startswith(
            "- id: '1700000000000'\n  alias: Mine\n  triggers: []\n  actions: []\n"
            "- id: homeiq_abc\n"
        )
    )
    assert _automation_entities(hass) == ["automation.hall_motion_done", "automation.mine"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"triggers": [{"trigger": "no_such_trigger"}]}, "automation_invalid"),
        ({"actions": [{"action": "not a service"}]}, "automation_invalid"),
        ({"triggers": [{"trigger": "state", "to": "on"}]}, "automation_invalid"),
        ({"mode": "sometimes"}, "automation_invalid"),
        ({"id": None}, "automation_without_id"),
        ({"id": ""}, "automation_without_id"),
    ],
)
async def test_invalid_automation_is_refused_before_anything_is_written(
    hass: HomeAssistant, change: dict[str, Any], key: str
) -> None:
    """Home Assistant's own validation runs first: an invalid config leaves the file as it was."""
    await _setup(hass)
    before = _path(hass).read_bytes()

    with pytest.raises(AutomationWriteError) as err:
        await async_create_automation(hass, _automation("homeiq_abc", "Bad") | change)

    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert _path(hass).read_bytes() == before
    assert _automation_entities(hass) == []


async def test_invalid_automation_message_carries_home_assistants_reason(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The translated message names what Home Assistant's validation said."""
    await _setup(hass)

    with pytest.raises(AutomationWriteError) as err:
        await async_create_automation(
            hass, _automation("homeiq_abc", "Bad") | {"mode": "sometimes"}
        )

    reason = err.value.translation_placeholders["error"]
    assert "mode" in reason
    assert (
        str(err.value) == f"Home Assistant rejected the automation: {reason}. Nothing was written"
    )


async def test_accepting_twice_gives_one_automation(hass: HomeAssistant) -> None:
    """The same id twice is one entry (replaced by the second) and one automation entity."""
    await _setup(hass)

    first = await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))
    unchanged = _path(hass).read_bytes()
    again = await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))
    assert _path(hass).read_bytes() == unchanged
    edited = await async_create_automation(
        hass, _automation("homeiq_abc", "Hall motion done", to="off")
    )

    assert first == again == edited == "automation.hall_motion_done"
    assert _path(hass).read_text(encoding="utf-8").count("id: homeiq_abc") == 1
    assert "to: 'off'" in _path(hass).read_text(encoding="utf-8")
    assert _automation_entities(hass) == ["automation.hall_motion_done"]
    hass.states.async_set(MOTION, "on")
    await hass.async_block_till_done()
    hass.states.async_set(MOTION, "off")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.done").state == "on"  # the edited trigger runs


async def test_two_creates_at_once_are_both_kept(hass: HomeAssistant) -> None:
    """Concurrent creates are serialised: every one of them is in the file and runs."""
    await _setup(hass)

    entity_ids = await asyncio.gather(
        *(async_create_automation(hass, _automation(f"homeiq_{i}", f"Auto {i}")) for i in range(4))
    )

    assert sorted(entity_ids) == [f"automation.auto_{i}" for i in range(4)]
    assert await async_automation_ids(hass) == {f"homeiq_{i}" for i in range(4)}
    assert _automation_entities(hass) == [f"automation.auto_{i}" for i in range(4)]


async def test_create_while_the_editor_saves_loses_nothing(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """HomeIQ's creates and the automation editor's saves, interleaved, all end up in the file.

    Both read the whole file, change it and write it back; they share the editor's lock,
    so neither writes over a file the other has changed since it read it.
    """
    await _setup(hass)
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    async def editor_save(i: int) -> None:
        response = await client.post(
            f"/api/config/automation/config/editor_{i}",
            json=_automation(f"editor_{i}", f"Editor {i}"),
        )
        assert response.status == HTTPStatus.OK

    rounds = 6
    await asyncio.gather(
        *(editor_save(i) for i in range(rounds)),
        *(
            async_create_automation(hass, _automation(f"homeiq_{i}", f"HomeIQ {i}"))
            for i in range(rounds)
        ),
    )
    await hass.async_block_till_done()

    expected = {f"editor_{i}" for i in range(rounds)} | {f"homeiq_{i}" for i in range(rounds)}
    assert await async_automation_ids(hass) == expected
    # Every one is loaded too (the editor's own reloads ran as tasks).
    await hass.services.async_call("automation", "reload", blocking=True)
    assert len(_automation_entities(hass)) == 2 * rounds


@pytest.mark.parametrize(
    "content",
    [
        "- id: a\n  alias: [unclosed\n",  # not YAML
        "id: a\nalias: A dict, not a list\n",
        "- just a string\n",
        "- id: a\n  alias: A secret\n  description: !secret nope\n",
    ],
)
async def test_malformed_automations_yaml_is_refused_and_untouched(
    hass: HomeAssistant, content: str
) -> None:
    """A file that is not a list of automations is refused and left byte for byte."""
    await _setup(hass)
    _path(hass).write_text(content, encoding="utf-8")
    before = _path(hass).read_bytes()

    with pytest.raises(AutomationWriteError) as err:
        await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))

    assert err.value.translation_key == "automations_file_malformed"
    assert err.value.translation_placeholders["path"] == str(_path(hass))
    assert _path(hass).read_bytes() == before
    with pytest.raises(AutomationWriteError):
        await async_automation_ids(hass)


@pytest.mark.parametrize(
    ("configuration", "key"),
    [
        (
            "automation:\n  - id: inline\n    triggers: []\n    actions: []\n",
            "automations_not_in_file",
        ),
        ("automation: !include_dir_merge_list automations\n", "automations_not_in_file"),
        ("automation: !include other.yaml\n", "automations_not_in_file"),
        ("default_config:\n", "automations_not_in_file"),
        ("automation: !include automations.yaml\nhttp: [unclosed\n", "configuration_unreadable"),
    ],
)
async def test_automations_not_in_automations_yaml_are_refused(
    hass: HomeAssistant, configuration: str, key: str
) -> None:
    """A configuration that does not load automations.yaml gets a clear error, nothing written."""
    await _setup(hass)  # set up from the default; the configuration changes afterwards
    (Path(hass.config.config_dir) / "automations").mkdir()
    _path(hass, "other.yaml").write_text("[]\n", encoding="utf-8")
    _path(hass, "configuration.yaml").write_text(configuration, encoding="utf-8")
    before = _path(hass).read_bytes()

    with pytest.raises(AutomationWriteError) as err:
        await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))

    assert err.value.translation_key == key
    assert _path(hass).read_bytes() == before


async def test_automation_integration_not_loaded_is_refused(hass: HomeAssistant) -> None:
    """With automations.yaml included but the automation integration not running (nothing
    would reload it), nothing is written."""
    _path(hass, "configuration.yaml").write_text(DEFAULT_CONFIGURATION, encoding="utf-8")
    _path(hass).write_text("[]\n", encoding="utf-8")

    with pytest.raises(AutomationWriteError) as err:
        await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))

    assert err.value.translation_key == "automations_not_in_file"
    assert _path(hass).read_text(encoding="utf-8") == "[]\n"


async def test_named_automation_key_including_automations_yaml_is_accepted(
    hass: HomeAssistant,
) -> None:
    """``automation ui: !include automations.yaml`` next to a manual block is the editor's file."""
    await _setup(
        hass,
        "automation ui: !include automations.yaml\n"
        "automation manual: []\n"
        "input_boolean:\n  done:\n    name: Done\n",
    )

    assert (
        await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))
        == "automation.hall_motion_done"
    )


async def test_failed_reload_is_reported_and_the_file_restored(hass: HomeAssistant) -> None:
    """When automation.reload fails (here: configuration.yaml names a secret that does not
    exist, so Home Assistant cannot load its configuration), the error is reported and
    automations.yaml gets its previous bytes back; no automation is created."""
    _path(hass).write_text(
        "# my automations\n- id: '1'\n  alias: Mine\n  triggers: []\n  actions: []\n",
        encoding="utf-8",
    )
    await _setup(hass)
    before = _path(hass).read_bytes()
    _path(hass, "configuration.yaml").write_text(
        DEFAULT_CONFIGURATION + "homeassistant:\n  name: !secret not_there\n", encoding="utf-8"
    )

    with pytest.raises(AutomationWriteError) as err:
        await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))

    assert err.value.translation_key == "automations_reload_failed"
    assert "not_there" in err.value.translation_placeholders["error"]
    assert _path(hass).read_bytes() == before
    assert _automation_entities(hass) == ["automation.mine"]

    # Once the configuration loads again, the same create succeeds.
    _path(hass, "configuration.yaml").write_text(DEFAULT_CONFIGURATION, encoding="utf-8")
    assert (
        await async_create_automation(hass, _automation("homeiq_abc", "Hall motion done"))
        == "automation.hall_motion_done"
    )


async def test_automation_ids(hass: HomeAssistant) -> None:
    """The ids in automations.yaml; none when the file is absent or empty."""
    assert await async_automation_ids(hass) == set()
    _path(hass).write_text("", encoding="utf-8")
    assert await async_automation_ids(hass) == set()
    _path(hass).write_text("- id: a\n- alias: no id\n- id: 17\n", encoding="utf-8")
    assert await async_automation_ids(hass) == {"a", "17"}


# A typical HomeIQ suggestion, built by the synergy core from a tiny hand-made home.

HALL = Area("hall", "Hallway")
SUGGESTION_HOME = Home(
    areas={"hall": HALL},
    entities={
        "binary_sensor.hall_motion": Entity(
            "binary_sensor.hall_motion",
            device_class="motion",
            area_id="hall",
            name="Hallway motion",
        ),
        "light.hallway_light": Entity("light.hallway_light", area_id="hall", name="Hallway light"),
        "sensor.bath_humidity": Entity(
            "sensor.bath_humidity",
            device_class="humidity",
            unit="%",
            area_id="hall",
            name="Bath humidity",
        ),
        "fan.bath_fan": Entity("fan.bath_fan", area_id="hall", name="Bath fan"),
        "sun.sun": Entity("sun.sun", name="Sun"),
    },
)


def _evidence(**more: Any) -> Evidence:
    figures: dict[str, Any] = {
        "days": 30.0,
        "cause_events": 50,
        "effect_events": 45,
        "effect_events_by_hand": 41,
        "followed": 41,
        "followed_by_hand": 41,
        "followed_by_automation": 0,
        "followed_by_device": 0,
        "preceded": 41,
        "expected": 2.0,
        "delay_median_s": 4.0,
        "delay_p25_s": 2.0,
        "delay_p75_s": 9.0,
    }
    return Evidence(**(figures | more))


def _suggested(kind: str, trigger: Trigger, effect_id: str, evidence: Evidence) -> dict[str, Any]:
    candidate = Candidate(
        rule=RULES_BY_KIND[kind],
        trigger=trigger,
        effect_id=effect_id,
        prior=RULES_BY_KIND[kind].prior,
        same_area=1.0,
        evidence=evidence,
        cause_events=evidence.cause_events,
        effect_events=evidence.effect_events,
        days=evidence.days,
    )
    sid = suggestion_id(kind, trigger.entity_id, effect_id)
    return build_automation(SUGGESTION_HOME, candidate, sid, describe(SUGGESTION_HOME, candidate))


async def test_a_suggestion_with_a_revert_is_created_and_runs(
    hass: HomeAssistant, freezer: Any
) -> None:
    """Motion → hallway light, only after dark, off 5 min after the motion stopped: two
    triggers and a choose pass Home Assistant's validation, and both halves run."""
    config = _suggested(
        "motion_light",
        Trigger("binary_sensor.hall_motion", state="on"),
        "light.hallway_light",
        _evidence(
            conditions=(Condition("dark", "sun.sun"),), revert=Revert("cause_end", 300.0, 38)
        ),
    )
    assert len(config["triggers"]) == 2
    assert "choose" in config["actions"][0]
    await _setup(
        hass,
        DEFAULT_CONFIGURATION
        + "template:\n  - light:\n      - name: Hallway light\n"
        + "        turn_on: []\n        turn_off: []\n",
    )
    assert await async_setup_component(
        hass, "template", await conf_util.async_hass_config_yaml(hass)
    )
    await hass.async_block_till_done()
    hass.states.async_set("sun.sun", "below_horizon")
    hass.states.async_set(MOTION, "off")
    await hass.services.async_call(
        "light", "turn_off", {"entity_id": "light.hallway_light"}, blocking=True
    )
    assert hass.states.get("light.hallway_light").state == "off"

    entity_id = await async_create_automation(hass, config)

    assert (
        entity_id
        == "automation.homeiq_hallway_light_is_turned_on_when_hallway_motion_detects_motion"
    )
    assert hass.states.get(entity_id).state == "on"
    assert config["id"] in await async_automation_ids(hass)
    hass.states.async_set(MOTION, "on")
    await hass.async_block_till_done()
    assert hass.states.get("light.hallway_light").state == "on"
    hass.states.async_set(MOTION, "off")
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=301))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert hass.states.get("light.hallway_light").state == "off"


async def test_a_numeric_suggestion_passes_validation(hass: HomeAssistant) -> None:
    """Humidity above 70 % → bath fan on, off 10 min after it fell again: written and loaded."""
    config = _suggested(
        "humidity_fan",
        Trigger("sensor.bath_humidity", above=True, level=70.0, hysteresis=5.0),
        "fan.bath_fan",
        _evidence(revert=Revert("cause_end", 600.0, 30)),
    )
    assert config["triggers"][0]["trigger"] == "numeric_state"
    await _setup(hass)

    entity_id = await async_create_automation(hass, config)

    assert hass.states.get(entity_id).state == "on"
    assert er.async_get(hass).async_get(entity_id).unique_id == config["id"]


def _rule_automation(rule: SynergyRule, anchor: str | None) -> dict[str, Any]:
    """The automation of ``rule`` on stand-in entities, with every kind of condition and the
    given kind of revert (None: no revert)."""
    cause_id = (
        sorted(rule.cause_entities)[0]
        if rule.cause_entities
        else f"{sorted(rule.cause_domains)[0]}.cause"
    )
    trigger = (
        Trigger(cause_id, above=rule.crossing == "above", level=50.0, hysteresis=2.0)
        if rule.crossing
        else Trigger(cause_id, state=rule.cause_states[0])
    )
    effect_id = None if rule.notifies else f"{sorted(rule.effect_domains)[0]}.effect"
    conditions = (
        Condition("dark", "sun.sun"),
        Condition("someone_home", "zone.home"),
        Condition("illuminance_below", "sensor.lux", level=20.0),
        Condition("time_window", start_hour=22, end_hour=6),
    )
    revert = None if anchor is None else Revert(anchor, 300.0, 10)  # type: ignore[arg-type]
    evidence = _evidence(conditions=conditions, revert=revert)
    candidate = Candidate(rule, trigger, effect_id, rule.prior, 1.0, evidence, 50, 45, 30.0)
    sid = suggestion_id(f"{rule.kind}_{anchor}", cause_id, effect_id)  # one id per variant
    return build_automation(Home(), candidate, sid, describe(Home(), candidate))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.kind)
async def test_every_rule_builds_an_automation_home_assistant_accepts(
    hass: HomeAssistant, rule: SynergyRule
) -> None:
    """Each rule of the taxonomy, with every kind of condition and each kind of revert (or
    none), gives an automation that Home Assistant validates, the writer writes and reload
    loads (an automation that failed to load would be ``unavailable``)."""
    await _setup(hass)
    configs = [_rule_automation(rule, anchor) for anchor in ("cause_end", "effect", None)]

    for config in configs:
        entity_id = await async_create_automation(hass, config)
        assert hass.states.get(entity_id).state == "on", config

    assert await async_automation_ids(hass) == {config["id"] for config in configs}


async def test_every_learned_rule_builds_an_automation_home_assistant_accepts(
    hass: HomeAssistant,
) -> None:
    """A pair the graph model proposes (no rule, no evidence) of every cause and effect
    domain, as suggested and with a revert delay the user chose on accepting: validated,
    written and loaded."""
    await _setup(hass)
    configs = []
    for rule in LEARNED_RULES.values():
        cause, effect = next(iter(rule.cause_domains)), next(iter(rule.effect_domains))
        trigger = Trigger(f"{cause}.cause", state=rule.cause_states[0])
        candidate = Candidate(rule, trigger, f"{effect}.effect", rule.prior, 0.5)
        sid = suggestion_id(rule.kind, trigger.entity_id, candidate.effect_id)
        text = describe(Home(), candidate)
        configs.append(build_automation(Home(), candidate, sid, text))
        if rule.revert_service is not None:
            edits = Edits(revert_delay_s=300.0)
            revert = suggestion_id(f"{rule.kind}_revert", trigger.entity_id, candidate.effect_id)
            configs.append(build_automation(Home(), candidate, revert, text, edits))
    assert len(configs) == len(LEARNED_RULES) + sum(
        r.revert_service is not None for r in LEARNED_RULES.values()
    )

    for config in configs:
        entity_id = await async_create_automation(hass, config)
        assert hass.states.get(entity_id).state == "on", config

    assert await async_automation_ids(hass) == {config["id"] for config in configs}
