"""Implicit answers: what happened to the automations created from suggestions.

The three rooms' motion → light suggestions are accepted; then the bedroom's automation is
deleted from automations.yaml, the kitchen's is turned off, and the hallway light, switched
on by an automation, is switched off again by hand within a minute 4 times of 10. The next
run records one answer of each kind, and the run after it records none again.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
import yaml

from custom_components.homeiq.core.synergy import Verdict, latest
from tests.ha.synergy_home import (
    ROOMS,
    USER,
    async_accept,
    async_get_suggestions,
    async_setup_synergy_entry,
    async_train,
    ids_by_cause,
    light,
    motion,
)


def _drop_automation(path: Path, automation_id: str) -> None:
    """Delete one automation from automations.yaml, as the editor does."""
    kept = [a for a in yaml.safe_load(path.read_text()) if a["id"] != automation_id]
    path.write_text(yaml.safe_dump(kept))


async def _undo_by_hand(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, runs: int, undone: int
) -> None:
    """The hallway light turned on by an automation ``runs`` times; the first ``undone``
    times a person turns it off 40 s later, else the automation does after 5 minutes."""
    at = dt_util.utcnow()
    for run in range(runs):
        at += timedelta(minutes=20)
        freezer.move_to(at)
        hass.states.async_set(light("hallway"), "on", context=Context(parent_id=ulid_now()))
        if run < undone:
            freezer.move_to(at + timedelta(seconds=40))
            hass.states.async_set(light("hallway"), "off", context=Context(user_id=USER))
        else:
            freezer.move_to(at + timedelta(minutes=5))
            hass.states.async_set(light("hallway"), "off", context=Context(parent_id=ulid_now()))
    await async_wait_recording_done(hass)


async def test_deleted_disabled_and_undone_automations_count_against_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> None:
    """Deleted → ``deleted``, turned off → ``disabled``, undone 4 of 10 runs → ``undone``;
    each recorded once, with the automation's id."""
    home = await async_setup_synergy_entry(hass, freezer, mock_config_entry)
    await async_train(hass)
    ids = ids_by_cause(await async_get_suggestions(hass))
    created = {room: await async_accept(hass, ids[motion(room)]) for room in ROOMS}

    await hass.async_add_executor_job(
        _drop_automation, home["automations"], created["bedroom"]["automation_id"]
    )
    await hass.services.async_call("automation", "reload", {}, blocking=True)
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": created["kitchen"]["entity_id"]}, blocking=True
    )
    assert hass.states.get(created["kitchen"]["entity_id"]).state == "off"
    await _undo_by_hand(hass, freezer, runs=10, undone=4)

    steps = await async_train(hass)

    assert steps["synergy"]["details"]["implicit"] == {"deleted": 1, "disabled": 1, "undone": 1}
    book = mock_config_entry.runtime_data.coordinator.suggestions
    verdicts = {a.suggestion_id: a.verdict for a in latest(book.answers).values()}
    assert verdicts == {
        ids[motion("bedroom")]: Verdict.DELETED,
        ids[motion("kitchen")]: Verdict.DISABLED,
        ids[motion("hallway")]: Verdict.UNDONE,
    }
    implicit = [a for a in book.answers if a.verdict is not Verdict.ACCEPTED]
    assert {a.automation_id for a in implicit} == {c["automation_id"] for c in created.values()}

    steps = await async_train(hass)

    assert steps["synergy"]["details"]["implicit"] == {"deleted": 0, "disabled": 0, "undone": 0}
    assert len(book.answers) == 3 + 3
    # The deleted automation's pair is no longer automated, but its suggestion stays answered.
    assert ids[motion("bedroom")] not in {s["id"] for s in await async_get_suggestions(hass)}


async def test_rarely_undone_is_not_an_answer(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> None:
    """Undone 2 of 10 runs (fewer than 3) records nothing; an automation left alone neither."""
    await async_setup_synergy_entry(hass, freezer, mock_config_entry)
    await async_train(hass)
    ids = ids_by_cause(await async_get_suggestions(hass))
    created = await async_accept(hass, ids[motion("hallway")])
    assert er.async_get(hass).async_get(created["entity_id"]) is not None
    await _undo_by_hand(hass, freezer, runs=10, undone=2)

    steps = await async_train(hass)

    assert steps["synergy"]["details"]["implicit"] == {"deleted": 0, "disabled": 0, "undone": 0}
    book = mock_config_entry.runtime_data.coordinator.suggestions
    assert [a.verdict for a in book.answers] == [Verdict.ACCEPTED]
