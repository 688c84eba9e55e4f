"""Synergy suggestions through the actions, on a home recorded in the real recorder.

The home (``synergy_home``): three rooms where a person turns the light on by hand seconds
after the room's motion sensor sees them, 60 times in 10 days, and a front door with a
lock. One ``homeiq.train_now`` mines it with the real pipeline; the suggestions are then
listed, accepted (into ``automations.yaml``) and rejected through the actions.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homeiq.const import (
    DOMAIN,
    EVENT_NEW_SUGGESTION,
    SERVICE_ACCEPT_SUGGESTION,
    SERVICE_GET_SUGGESTIONS,
    SERVICE_REJECT_SUGGESTION,
)
from custom_components.homeiq.core.synergy import LIKELY_SCORE
from custom_components.homeiq.core.synergy.feedback import KIND_STEP
from tests.ha.synergy_home import (
    ROOMS,
    async_accept,
    async_get_suggestions,
    async_reject,
    async_setup_synergy_entry,
    async_train,
    ids_by_cause,
    light,
    motion,
    read_automations,
)

SENSOR = "sensor.homeiq_suggestions"


def _motion_light_scores(suggestions: list[dict[str, Any]]) -> dict[str, float]:
    """The bundled ranker's score of each room's motion → light pair, by suggestion id."""
    return {s["id"]: s["score"] for s in suggestions if s["kind"] == "motion_light"}


def _shifted(score: float, offset: float) -> float:
    """``score`` moved by ``offset`` in logit terms, as the response rounds it."""
    logit = math.log(score / (1 - score)) + offset
    return round(1 / (1 + math.exp(-logit)), 4)


@pytest.fixture
async def synergy_entry(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> dict[str, Any]:
    """The synergy home recorded, automations set up, HomeIQ set up (not run yet)."""
    return await async_setup_synergy_entry(hass, freezer, mock_config_entry)


async def test_run_finds_each_room_and_lists_them_best_first(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """The synergy step counts the home's pairs; the three rooms' motion → light pairs lead,
    each with its evidence in words and a complete automation with the revert."""
    steps = await async_train(hass)

    synergy = steps["synergy"]
    assert synergy["outcome"] == "ok"
    details = synergy["details"]
    assert details["ranker"] == "v0 (bundled)"
    assert details["counted"] == 3  # the three motion → light pairs met in the history
    assert details["suggestions"] == details["open"] == 9
    # Only the three motion → light pairs are likely worth automating (and announced).
    assert details["likely"] == details["new"] == 3
    assert details["already_automated"] == 0
    assert details["implicit"] == {"deleted": 0, "disabled": 0, "undone": 0}

    suggestions = await async_get_suggestions(hass)
    assert len(suggestions) == 9
    top = suggestions[:3]
    assert {(s["cause"], s["effect"], s["area"]) for s in top} == {
        (motion(room), light(room), room) for room in ROOMS
    }
    hallway = next(s for s in top if s["area"] == "hallway")
    assert hallway["kind"] == "motion_light"
    assert hallway["service"] == "light.turn_on"
    assert hallway["score"] == hallway["scores"]["combined"] >= LIKELY_SCORE
    assert all(s["score"] < LIKELY_SCORE for s in suggestions[3:])
    assert hallway["evidence"] == (
        "Hallway light was turned on by hand within 2 min of Hallway motion detecting motion "
        "60 of 60 times in 10 days, median 4 s; 26.5× as often as at that time of day "
        "otherwise; it was turned off again about 5 min after the motion stopped."
    )
    assert hallway["figures"]["followed"] == 60
    assert hallway["figures"]["followed_by_hand"] == 60
    automation = hallway["automation"]
    assert automation["id"] == f"homeiq_{hallway['id']}"
    assert [t["id"] for t in automation["triggers"]] == ["cause", "end"]
    assert automation["triggers"][1]["for"] == {"hours": 0, "minutes": 5, "seconds": 0}
    assert automation["mode"] == "restart"
    assert [s["score"] for s in suggestions] == sorted(
        (s["score"] for s in suggestions), reverse=True
    )

    state = hass.states.get(SENSOR)
    assert state.state == "3"
    assert state.attributes["open"] == 9
    assert [item["id"] for item in state.attributes["top"]] == [s["id"] for s in suggestions[:5]]
    assert state.attributes["top"][0]["title"] == next(
        f"{room.capitalize()} light is turned on when {room.capitalize()} motion detects motion"
        for room in ROOMS
        if motion(room) == suggestions[0]["cause"]
    )


async def test_filters(hass: HomeAssistant, synergy_entry: dict[str, Any]) -> None:
    """An area keeps its own suggestions, an entity those it causes or is the effect of, a
    limit the best few."""
    await async_train(hass)
    everything = await async_get_suggestions(hass)

    kitchen = await async_get_suggestions(hass, area=synergy_entry["areas"]["kitchen"])
    assert kitchen == [s for s in everything if s["area"] == "kitchen"]
    assert [s["cause"] for s in kitchen] == [motion("kitchen")]

    hallway_light = await async_get_suggestions(hass, entity=light("hallway"))
    assert hallway_light == [s for s in everything if light("hallway") in (s["cause"], s["effect"])]
    assert {s["kind"] for s in hallway_light} == {"motion_light", "door_light", "bedtime_lock"}

    assert await async_get_suggestions(hass, limit=2) == everything[:2]


async def test_accept_creates_the_automation_and_answers_re_rank_at_once(
    hass: HomeAssistant,
    synergy_entry: dict[str, Any],
    hass_client: ClientSessionGenerator,
) -> None:
    """Accepting writes the automation into automations.yaml (it loads as an automation
    entity) and the same kind elsewhere rises; rejecting another takes it off the list and
    its lookalike falls back; other kinds do not move; the sensor follows every answer and
    diagnostics show the answers."""
    await async_train(hass)
    before = await async_get_suggestions(hass)
    ids = ids_by_cause(before)
    others = {s["id"]: s["score"] for s in before if s["kind"] != "motion_light"}

    created = await async_accept(hass, ids[motion("hallway")], delay=120)

    automation_id = f"homeiq_{ids[motion('hallway')]}"
    assert created["id"] == ids[motion("hallway")]
    assert created["automation_id"] == automation_id
    written = await hass.async_add_executor_job(read_automations, synergy_entry["automations"])
    assert [a["id"] for a in written] == [automation_id]
    assert written[0]["triggers"][1]["for"] == {
        "hours": 0,
        "minutes": 2,
        "seconds": 0,
    }  # the edited delay
    assert written[0] == created["automation"]
    entity_id = er.async_get(hass).async_get_entity_id("automation", "automation", automation_id)
    assert entity_id is not None
    assert created["entity_id"] == entity_id
    assert hass.states.get(entity_id).state == "on"

    after_accept = await async_get_suggestions(hass)
    assert ids[motion("hallway")] not in {s["id"] for s in after_accept}
    base = _motion_light_scores(before)
    kitchen, bedroom = ids[motion("kitchen")], ids[motion("bedroom")]
    assert _motion_light_scores(after_accept) == pytest.approx(
        {room: _shifted(base[room], KIND_STEP) for room in (kitchen, bedroom)}, abs=2e-4
    )
    assert {s["id"]: s["score"] for s in after_accept if s["kind"] != "motion_light"} == others
    assert hass.states.get(SENSOR).state == "2"
    assert hass.states.get(SENSOR).attributes["open"] == 8

    await async_reject(hass, ids[motion("kitchen")], reason="I like the dark")

    after_reject = await async_get_suggestions(hass)
    assert ids[motion("kitchen")] not in {s["id"] for s in after_reject}
    # One accepted, one rejected: the kind is back where it started, below the raised score.
    assert {s["id"]: s["score"] for s in after_reject if s["kind"] == "motion_light"} == {
        bedroom: base[bedroom]
    }
    assert {s["id"]: s["score"] for s in after_reject if s["kind"] != "motion_light"} == others
    state = hass.states.get(SENSOR)
    assert state.state == "1"
    assert state.attributes["open"] == 7
    assert state.attributes["top"][0]["id"] == ids[motion("bedroom")]

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, synergy_entry["entry"])
    synergy = diagnostics["synergy"]
    assert [(a["suggestion_id"], a["verdict"]) for a in synergy["answers"]] == [
        (ids[motion("hallway")], "accepted"),
        (ids[motion("kitchen")], "rejected"),
    ]
    assert synergy["answers"][0]["automation_id"] == automation_id
    # The home's entity ids and the user's words are redacted.
    for answer in synergy["answers"]:
        assert answer["cause_id"] == answer["effect_id"] == "**REDACTED**"
    assert synergy["answers"][1]["reason"] == "**REDACTED**"
    assert [c["automation_id"] for c in synergy["created"]] == [automation_id]
    assert synergy["open"] == 7
    assert diagnostics["data"]["open_suggestions"] == 7


async def test_a_rejected_kind_falls_elsewhere(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """A rejection alone: the pair leaves, the same kind in the other rooms falls by one
    step, nothing else moves; nothing is written."""
    await async_train(hass)
    before = await async_get_suggestions(hass)
    ids = ids_by_cause(before)

    await async_reject(hass, ids[motion("bedroom")])

    after = await async_get_suggestions(hass)
    base = _motion_light_scores(before)
    assert _motion_light_scores(after) == pytest.approx(
        {
            ids[motion(room)]: _shifted(base[ids[motion(room)]], -KIND_STEP)
            for room in ("hallway", "kitchen")
        },
        abs=2e-4,
    )
    assert [s for s in after if s["kind"] != "motion_light"] == [
        s for s in before if s["kind"] != "motion_light"
    ]
    written = await hass.async_add_executor_job(read_automations, synergy_entry["automations"])
    assert written == []


async def _raises(hass: HomeAssistant, key: str, service: str, data: dict[str, Any]) -> str:
    """Call ``service`` and check it fails with the translated error ``key``; its text."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            service,
            data,
            blocking=True,
            return_response=service != SERVICE_REJECT_SUGGESTION,
        )
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    return str(err.value)


async def test_errors_are_translated(hass: HomeAssistant, synergy_entry: dict[str, Any]) -> None:
    """No suggestions before the first run; unknown ids; edits that do not fit; accepting
    or rejecting what was accepted; and nothing loaded after an unload."""
    for service, data in (
        (SERVICE_GET_SUGGESTIONS, {}),
        (SERVICE_ACCEPT_SUGGESTION, {"id": "0123456789ab"}),
        (SERVICE_REJECT_SUGGESTION, {"id": "0123456789ab"}),
    ):
        text = await _raises(hass, "no_suggestions", service, data)
    assert text.startswith("HomeIQ has no suggestions yet")

    await async_train(hass)
    suggestions = await async_get_suggestions(hass)
    motion_id = ids_by_cause(suggestions)[motion("hallway")]
    lock_id = ids_by_cause(suggestions, "door_lock")["binary_sensor.front_door"]

    text = await _raises(hass, "unknown_suggestion", SERVICE_ACCEPT_SUGGESTION, {"id": "nope"})
    assert text == (
        "HomeIQ has no suggestion with the id nope; homeiq.get_suggestions lists the current ones"
    )
    await _raises(hass, "unknown_suggestion", SERVICE_REJECT_SUGGESTION, {"id": "nope"})
    text = await _raises(
        hass, "bad_delay", SERVICE_ACCEPT_SUGGESTION, {"id": motion_id, "delay": -5}
    )
    assert text == "The delay must be between 0 seconds and 24 hours; -5 seconds was given"
    await _raises(
        hass, "bad_delay", SERVICE_ACCEPT_SUGGESTION, {"id": motion_id, "delay": {"days": 2}}
    )
    await _raises(hass, "no_revert", SERVICE_ACCEPT_SUGGESTION, {"id": lock_id, "delay": 60})
    text = await _raises(
        hass, "level_not_numeric", SERVICE_ACCEPT_SUGGESTION, {"id": motion_id, "level": 3}
    )
    assert "triggered by a state change" in text
    # None of these wrote anything or answered anything.
    written = await hass.async_add_executor_job(read_automations, synergy_entry["automations"])
    assert written == []
    assert len(await async_get_suggestions(hass)) == 9

    await async_accept(hass, motion_id)
    for service in (SERVICE_ACCEPT_SUGGESTION, SERVICE_REJECT_SUGGESTION):
        text = await _raises(hass, "suggestion_accepted", service, {"id": motion_id})
    assert f"is the automation homeiq_{motion_id}" in text
    written = await hass.async_add_executor_job(read_automations, synergy_entry["automations"])
    assert [a["id"] for a in written] == [f"homeiq_{motion_id}"]

    assert await hass.config_entries.async_unload(synergy_entry["entry"].entry_id)
    await _raises(hass, "not_loaded", SERVICE_GET_SUGGESTIONS, {})


async def test_two_accepts_at_once_create_one_automation(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """The same suggestion accepted twice at once: one automation, one answer, one error."""
    await async_train(hass)
    motion_id = ids_by_cause(await async_get_suggestions(hass))[motion("kitchen")]
    book = synergy_entry["entry"].runtime_data.coordinator.suggestions

    results = await asyncio.gather(
        book.async_accept(motion_id), book.async_accept(motion_id), return_exceptions=True
    )

    errors = [r for r in results if isinstance(r, ServiceValidationError)]
    assert [e.translation_key for e in errors] == ["suggestion_accepted"]
    written = await hass.async_add_executor_job(read_automations, synergy_entry["automations"])
    assert [a["id"] for a in written] == [f"homeiq_{motion_id}"]
    assert [a.verdict for a in book.answers] == ["accepted"]


async def test_answers_suggestions_and_events_survive_a_restart(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """After a reload the same suggestions are listed with the same answers applied, an
    accepted one with an edit builds the same automation as before, and a new run announces
    nothing twice."""
    events = async_capture_events(hass, EVENT_NEW_SUGGESTION)
    await async_train(hass)
    assert len(events) == 3
    hallway = next(e for e in events if e.data["cause"] == motion("hallway"))
    assert hallway.data == {
        "id": ids_by_cause(await async_get_suggestions(hass))[motion("hallway")],
        "kind": "motion_light",
        "cause": motion("hallway"),
        "effect": light("hallway"),
        "text": (await async_get_suggestions(hass, entity=motion("hallway")))[0]["evidence"],
    }
    ids = ids_by_cause(await async_get_suggestions(hass))
    await async_reject(hass, ids[motion("kitchen")], reason="too bright")
    listed = await async_get_suggestions(hass)
    entry = synergy_entry["entry"]

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert await async_get_suggestions(hass) == listed
    assert hass.states.get(SENSOR).state == "2"
    book = entry.runtime_data.coordinator.suggestions
    assert [(a.suggestion_id, a.verdict, a.reason) for a in book.answers] == [
        (ids[motion("kitchen")], "rejected", "too bright")
    ]
    created = await async_accept(hass, ids[motion("bedroom")], delay={"minutes": 3})
    assert created["automation"]["triggers"][1]["for"] == {"hours": 0, "minutes": 3, "seconds": 0}
    assert created["automation"]["description"].startswith(
        "Suggested by HomeIQ. Bedroom light was turned on by hand within 2 min"
    )

    steps = await async_train(hass)
    assert steps["synergy"]["details"]["new"] == 0
    assert len(events) == 3
    # The accepted pair is automated now: the run leaves it out.
    assert steps["synergy"]["details"]["already_automated"] == 1
    assert ids[motion("bedroom")] not in {s["id"] for s in await async_get_suggestions(hass)}
