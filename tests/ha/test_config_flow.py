"""Tests for the HomeIQ config and options flows."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.const import (
    CONF_DEEP_LEARNING,
    CONF_HISTORY_DAYS,
    CONF_HOME_TYPE,
    CONF_MIN_DAYS_DEVICE,
    CONF_MIN_EVENTS_SYNERGY,
    CONF_MIN_FEEDBACK_RANKER,
    CONF_TRAIN_TIME,
    DEFAULT_OPTIONS,
    DOMAIN,
)

VALID_OPTIONS: dict[str, Any] = {
    CONF_TRAIN_TIME: "01:15:00",
    CONF_HISTORY_DAYS: 90,
    CONF_MIN_DAYS_DEVICE: 21,
    CONF_HOME_TYPE: "condo",
}
# What an entry created before these features were hidden holds.
UNSHIPPED: dict[str, Any] = {
    CONF_MIN_EVENTS_SYNERGY: 10,
    CONF_MIN_FEEDBACK_RANKER: 5,
    CONF_DEEP_LEARNING: False,
}


async def _open_settings(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Open the options flow and choose the options form from its menu."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "review"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )


async def test_user_flow_creates_entry(hass: HomeAssistant) -> None:
    """The user step shows a confirmation form, then creates the entry with default options."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "HomeIQ"
    assert result["data"] == {}
    assert result["options"] == DEFAULT_OPTIONS
    assert set(result["options"]).isdisjoint(UNSHIPPED)  # no options of unshipped features
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED


async def test_single_instance(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """A second flow aborts: HomeIQ is a single config entry."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_options_flow_saves_and_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Valid options are saved and the entry reloads with them."""
    coordinator_before = init_integration.runtime_data.coordinator
    result = await _open_settings(hass, init_integration)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "settings"
    # Only options of shipped features are offered.
    assert [str(key) for key in result["data_schema"].schema] == list(VALID_OPTIONS)

    result = await hass.config_entries.options.async_configure(result["flow_id"], VALID_OPTIONS)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(init_integration.options) == VALID_OPTIONS
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.coordinator is not coordinator_before


async def test_options_flow_threshold_longer_than_window(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A device-model threshold longer than the history window is a form error; nothing is saved."""
    result = await _open_settings(hass, init_integration)
    bad = {**VALID_OPTIONS, CONF_HISTORY_DAYS: 10.0, CONF_MIN_DAYS_DEVICE: 30.0}

    result = await hass.config_entries.options.async_configure(result["flow_id"], bad)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MIN_DAYS_DEVICE: "exceeds_history_window"}
    # The error text names both values as whole days, also when the form sent floats.
    assert result["description_placeholders"] == {"min_days_device": "30", "history_days": "10"}
    assert dict(init_integration.options) == DEFAULT_OPTIONS

    # The same form accepts a corrected value.
    fixed = {**bad, CONF_MIN_DAYS_DEVICE: 7}
    result = await hass.config_entries.options.async_configure(result["flow_id"], fixed)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_MIN_DAYS_DEVICE] == 7


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (CONF_HISTORY_DAYS, 0),
        (CONF_HISTORY_DAYS, 181),
        (CONF_MIN_DAYS_DEVICE, 0),
        (CONF_TRAIN_TIME, "25:00"),
        (CONF_TRAIN_TIME, "soon"),
    ],
)
async def test_options_flow_out_of_range(
    hass: HomeAssistant, init_integration: MockConfigEntry, key: str, value: Any
) -> None:
    """Out-of-range values are rejected by the form schema and nothing is saved."""
    result = await _open_settings(hass, init_integration)
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**VALID_OPTIONS, key: value}
        )
    assert key in err.value.schema_errors
    assert dict(init_integration.options) == DEFAULT_OPTIONS


@pytest.mark.parametrize("options", [{**DEFAULT_OPTIONS, **UNSHIPPED}])
async def test_options_of_unshipped_features_are_kept_but_not_shown(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An older entry's synergy, ranker and deep-learning values load, are not in the form,
    and survive saving it."""
    assert init_integration.state is ConfigEntryState.LOADED
    result = await _open_settings(hass, init_integration)
    shown = {str(key) for key in result["data_schema"].schema}
    assert shown.isdisjoint(UNSHIPPED)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**VALID_OPTIONS, CONF_HISTORY_DAYS: 60.0, CONF_MIN_DAYS_DEVICE: 14.0}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(init_integration.options) == {
        **VALID_OPTIONS,
        CONF_HISTORY_DAYS: 60,
        CONF_MIN_DAYS_DEVICE: 14,
        **UNSHIPPED,
    }
    assert isinstance(init_integration.options[CONF_MIN_DAYS_DEVICE], int)
