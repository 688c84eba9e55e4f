"""Reviewing suggestions without YAML: the options flow's "Review suggestions" step.

Configure → Review suggestions → choose one (labelled with its one-line title) → its
evidence, with accept (the revert delay prefilled from the history, editable) or reject
(an optional reason). Each answer ends the flow with a message and changes the list at
once; the options are not touched and the entry is not reloaded.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.const import DEFAULT_OPTIONS, DOMAIN
from tests.ha.synergy_home import (
    async_get_suggestions,
    async_setup_synergy_entry,
    async_train,
    ids_by_cause,
    motion,
    read_automations,
)


@pytest.fixture
async def synergy_entry(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> dict[str, Any]:
    """The synergy home recorded, automations set up, HomeIQ set up (not run yet)."""
    return await async_setup_synergy_entry(hass, freezer, mock_config_entry)


async def _review(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Open the options flow and choose "Review suggestions"."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "review"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "review"}
    )


async def _message(hass: HomeAssistant, result: ConfigFlowResult) -> str:
    """The English message an aborted flow shows, its placeholders filled in."""
    texts = await async_get_translations(hass, "en", "options", [DOMAIN])
    text = texts[f"component.{DOMAIN}.options.abort.{result['reason']}"]
    return text.format(**(result["description_placeholders"] or {}))


def _options(result: ConfigFlowResult, key: str) -> list[dict[str, str]]:
    """The select options of the form field ``key``."""
    for field, selector in result["data_schema"].schema.items():
        if str(field) == key:
            options: list[dict[str, str]] = selector.config["options"]
            return options
    raise AssertionError(f"no field {key}")


async def test_review_accept_and_reject_end_to_end(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """Accept one with an edited delay (the automation is written), reject another with a
    reason; both leave the list; the options stay as they were."""
    entry = synergy_entry["entry"]
    coordinator = entry.runtime_data.coordinator
    await async_train(hass)
    listed = await async_get_suggestions(hass)
    ids = ids_by_cause(listed)

    result = await _review(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "review"
    assert result["description_placeholders"] == {"open": "9", "shown": "9", "likely": "3"}
    options = _options(result, "suggestion")
    assert [o["value"] for o in options] == [s["id"] for s in listed]
    labels = {o["value"]: o["label"] for o in options}
    assert labels[ids[motion("hallway")]] == (
        "★ Hallway light is turned on when Hallway motion detects motion"
    )
    # Starred: the suggestions likely worth automating (what the sensor counts), only those.
    assert [labels[s["id"]].startswith("★ ") for s in listed] == [s["likely"] for s in listed]

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"suggestion": ids[motion("hallway")]}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "answer"
    hallway = next(s for s in listed if s["id"] == ids[motion("hallway")])
    assert result["description_placeholders"] == {
        "title": "Hallway light is turned on when Hallway motion detects motion",
        "evidence": hallway["evidence"],
        "service": "light.turn_on",
        "error": "",
    }
    fields = {str(k): k for k in result["data_schema"].schema}
    assert list(fields) == ["answer", "delay", "reason"]
    # The delay is prefilled with the 5 minutes the history shows.
    five_minutes = {"hours": 0, "minutes": 5, "seconds": 0}
    assert fields["delay"].description == {"suggested_value": five_minutes}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"answer": "accept", "delay": {"hours": 0, "minutes": 2, "seconds": 30}}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "suggestion_accepted"
    automation_id = f"homeiq_{ids[motion('hallway')]}"
    written = await hass.async_add_executor_job(read_automations, synergy_entry["automations"])
    assert [a["id"] for a in written] == [automation_id]
    assert written[0]["triggers"][1]["for"] == {"hours": 0, "minutes": 2, "seconds": 30}
    entity_id = result["description_placeholders"]["automation"]
    assert entity_id.startswith("automation.homeiq_")
    assert await _message(hass, result) == (
        "Created the automation “HomeIQ: Hallway light is turned on when Hallway motion "
        f"detects motion”. It is in Settings → Automations & scenes ({entity_id}), where it "
        "can be edited, disabled or deleted (HomeIQ counts disabling or deleting it as a "
        "rejection)."
    )
    assert hass.states.get("sensor.homeiq_suggestions").attributes["open"] == 8

    result = await _review(hass, entry)
    assert result["description_placeholders"] == {"open": "8", "shown": "8", "likely": "2"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"suggestion": ids[motion("kitchen")]}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"answer": "reject", "reason": "the cat sets it off"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "suggestion_rejected"
    assert await _message(hass, result) == (
        "Rejected: Kitchen light is turned on when Kitchen motion detects motion. It leaves "
        "the list, and suggestions of the same kind rank lower."
    )
    answers = coordinator.suggestions.answers
    assert [(a.suggestion_id, a.verdict, a.reason) for a in answers] == [
        (ids[motion("hallway")], "accepted", None),
        (ids[motion("kitchen")], "rejected", "the cat sets it off"),
    ]
    left = {s["id"] for s in await async_get_suggestions(hass)}
    assert ids[motion("hallway")] not in left
    assert ids[motion("kitchen")] not in left
    assert len(left) == 7
    # Answering is not an options change: nothing saved, no reload.
    assert dict(entry.options) == DEFAULT_OPTIONS
    assert entry.runtime_data.coordinator is coordinator


async def test_a_suggestion_without_a_revert_has_no_delay(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """Locking the door after it closes undoes nothing: no delay field."""
    await async_train(hass)
    listed = await async_get_suggestions(hass)
    lock_id = ids_by_cause(listed, "door_lock")["binary_sensor.front_door"]
    result = await _review(hass, synergy_entry["entry"])
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"suggestion": lock_id}
    )
    assert [str(k) for k in result["data_schema"].schema] == ["answer", "reason"]


async def test_review_before_the_first_run_and_when_all_are_answered(
    hass: HomeAssistant, synergy_entry: dict[str, Any]
) -> None:
    """No run yet: the flow says suggestions come with the first run. Everything answered:
    it says new ones come with the next run."""
    entry = synergy_entry["entry"]
    result = await _review(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_suggestions"
    assert (await _message(hass, result)).startswith("HomeIQ has no suggestions yet")

    await async_train(hass)
    book = entry.runtime_data.coordinator.suggestions
    for suggestion in await async_get_suggestions(hass):
        await book.async_reject(suggestion["id"])
    result = await _review(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_open_suggestions"
    assert (await _message(hass, result)).startswith("Every suggestion has been answered")
