"""Pairs no rule expresses, proposed by the bundled graph model, on a new Home Assistant.

The synergy home's rooms (motion and a light each, the front door and its lock) with a
guest-mode helper and a welcome script, recorded for a few minutes only: a new install on
its first day. One ``homeiq.train_now`` runs the real pipeline with the bundled models; the
graph model's proposals are listed with the taxonomy's suggestions, say where they come
from, and one is accepted into ``automations.yaml`` and runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.homeiq.core.graph.propose import PROPOSALS
from custom_components.homeiq.core.synergy.suggestion import (
    GRAPH_NOTE,
    LEARNED_NOTE,
    LEARNED_OFTEN,
)
from tests.ha.synergy_home import (
    ROOMS,
    async_accept,
    async_get_suggestions,
    async_setup_automations,
    async_train,
    light,
    motion,
    read_automations,
    register_synergy_home,
)


async def _new_home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The rooms, a helper and a script, their states recorded over ten minutes."""
    start = datetime(2026, 12, 1, 9, 0, tzinfo=dt_util.get_default_time_zone())
    freezer.move_to(start)
    register_synergy_home(hass)
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"guest_mode": {"name": "Guest mode"}}}
    )
    assert await async_setup_component(
        hass,
        "script",
        {"script": {"welcome": {"alias": "Welcome", "sequence": [{"delay": 0}]}}},
    )
    for room in ROOMS:
        hass.states.async_set(motion(room), "off")
        hass.states.async_set(light(room), "off")
    hass.states.async_set("binary_sensor.front_door", "off")
    hass.states.async_set("lock.front_door_lock", "locked")
    freezer.move_to(start + timedelta(minutes=5))
    hass.states.async_set(motion("hallway"), "on")
    freezer.move_to(start + timedelta(minutes=6))
    hass.states.async_set(motion("hallway"), "off")
    await async_wait_recording_done(hass)
    freezer.move_to(start + timedelta(minutes=10))


async def test_a_new_home_gets_the_graphs_proposals_and_one_becomes_an_automation(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> None:
    """On its first day the home's list holds the graph model's proposals next to the
    taxonomy's suggestions; each says it was proposed and has a generic automation; the
    step counts them; accepting one writes it and it runs."""
    await _new_home(hass, freezer)
    path = await async_setup_automations(hass)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    steps = await async_train(hass)

    details = steps["synergy"]["details"]
    assert details["already_automated"] == 0
    graph = details["graph"]
    assert graph["regime"] == "up to a day of history"
    assert 0 < graph["proposed"] <= PROPOSALS
    suggestions = await async_get_suggestions(hass, limit=500)
    learned = [s for s in suggestions if s["kind"].startswith("learned_")]
    assert len(learned) == graph["proposed"]
    assert any(not s["kind"].startswith("learned_") for s in suggestions)
    proposer = graph["proposed_by"]  # the bundle's: the pair model or the graph model
    assert proposer in {"pairs", "gnn"}
    for s in learned:
        note = GRAPH_NOTE if s["scores"]["combined"] >= LEARNED_OFTEN else LEARNED_NOTE
        assert s["evidence"].endswith(note)
        assert "proposed by HomeIQ from what owners of other homes automate" in s["evidence"]
        assert s["figures"] is None
        assert set(s["scores"]) == {"rules", "miner", proposer, "combined"}
    pairs = {tuple(s["pair"]) for s in learned}
    assert (motion("hallway"), light("hallway")) not in pairs  # the taxonomy's own pair

    # The pool of this small home is shorter than the proposals kept: every pair with a
    # generic rule is proposed, the front door → guest mode one among them.
    chosen = next(
        s for s in learned if s["pair"] == ["binary_sensor.front_door", "input_boolean.guest_mode"]
    )
    assert chosen["kind"] == "learned_binary_sensor_input_boolean"
    response = await async_accept(hass, chosen["id"])

    written = read_automations(path)
    assert [a["id"] for a in written] == [f"homeiq_{chosen['id']}"]
    assert written[0]["triggers"] == [
        {"trigger": "state", "entity_id": "binary_sensor.front_door", "to": "on", "id": "cause"}
    ]
    assert written[0]["actions"] == [
        {"action": "input_boolean.turn_on", "target": {"entity_id": "input_boolean.guest_mode"}}
    ]
    assert hass.states.get(response["entity_id"]).state == "on"
    assert hass.states.get("input_boolean.guest_mode").state == "off"
    hass.states.async_set("binary_sensor.front_door", "on")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.guest_mode").state == "on"
    remaining = {s["id"] for s in await async_get_suggestions(hass, limit=500)}
    assert chosen["id"] not in remaining
