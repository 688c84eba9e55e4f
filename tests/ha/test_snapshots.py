"""Syrupy snapshots, as Home Assistant core writes them: entity states and attributes of each
platform, diagnostics and the ``homeiq.train_now`` response after one run on the recorded
home with the clock frozen.

Device ids are random per test run; they are shown as ``<hall>``, ``<thermo>``, ``<plug>``.
Step durations are measured with a real clock and left out. Regenerate with
``pytest tests/ha/test_snapshots.py --snapshot-update`` and read the diff.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import json
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.homeiq.const import DOMAIN, SERVICE_TRAIN_NOW
from tests.ha.history_home import async_record_home

# Seconds measured with perf_counter, and the recorder's row ids (how many rows Home
# Assistant itself wrote before the read varies from run to run).
VARYING = props("duration_s", "state_id", "to_state_id", "from_state_id")


def _named_ids(ids: dict[str, str]) -> Callable[..., Any]:
    """A syrupy matcher that writes each device id as ``<key>``."""

    def match(data: Any, path: Any) -> Any:
        return _replace_ids(data, ids) if isinstance(data, str) else data

    return match


def _replace_ids(data: Any, ids: dict[str, str]) -> Any:
    """``data`` with every device id, in keys and values, written as ``<key>``."""
    if isinstance(data, str):
        for key, device_id in ids.items():
            data = data.replace(device_id, f"<{key}>")
        return data
    if isinstance(data, dict):
        return {_replace_ids(k, ids): _replace_ids(v, ids) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_ids(item, ids) for item in data]
    return data


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, under ``tests/ha/snapshots/``.

    The plugin's fixture of the same name is shadowed by syrupy's own here.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def platforms() -> list[Platform]:
    """All platforms; a test that snapshots one platform overrides it."""
    return [Platform.BINARY_SENSOR, Platform.SENSOR]


@pytest.fixture
async def trained(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    platforms: list[Platform],
) -> AsyncIterator[dict[str, Any]]:
    """HomeIQ set up on the recorded home with ``platforms``, after one train_now."""
    ids = await async_record_home(hass, freezer)
    with patch("custom_components.homeiq.PLATFORMS", platforms):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        response = await hass.services.async_call(
            DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
        )
        await hass.async_block_till_done()
        yield {"ids": ids, "entry": mock_config_entry, "response": response}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    trained: dict[str, Any],
) -> None:
    """Status and home type sensors, and each device's failure risk and battery days."""
    await snapshot_platform(
        hass,
        entity_registry,
        snapshot.with_defaults(matcher=_named_ids(trained["ids"]), exclude=VARYING),
        trained["entry"].entry_id,
    )


@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_binary_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    trained: dict[str, Any],
) -> None:
    """Each device's at-risk and anomalous binary sensors."""
    await snapshot_platform(
        hass,
        entity_registry,
        snapshot.with_defaults(matcher=_named_ids(trained["ids"])),
        trained["entry"].entry_id,
    )


async def test_train_now_response_snapshot(
    snapshot: SnapshotAssertion, trained: dict[str, Any]
) -> None:
    """Every step with its figures, reasons and outcome."""
    assert trained["response"] == snapshot(exclude=VARYING)


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    trained: dict[str, Any],
    hass_client: ClientSessionGenerator,  # after ``trained``: its token is made at frozen time
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics keep figures and outcomes and redact names, entity ids and reasons."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, trained["entry"])
    assert _replace_ids(diagnostics, trained["ids"]) == snapshot(exclude=VARYING)
    # Whatever a regenerated snapshot holds: no name, entity id or time of day gets out.
    text = json.dumps(diagnostics)
    for private in ("Hall motion", "Plug", "hall_motion", "sensor.hall_battery", ":00 and"):
        assert private not in text
    hall = diagnostics["data"]["devices"][trained["ids"]["hall"]]
    assert hall["anomalies"][0]["score"] > 0  # the figures stay
    assert hall["battery"]["days_left"] == 18.0
