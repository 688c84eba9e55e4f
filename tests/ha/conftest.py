"""Fixtures for HomeIQ tests."""

from __future__ import annotations

from collections.abc import Iterator
import logging
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.const import DEFAULT_OPTIONS, DOMAIN


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default enabled (as Home Assistant core's fixture)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


# The test harness logs every SQL statement; failures are easier to read without them.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_mock: Any, enable_custom_integrations: None) -> None:
    """Run every test with the recorder and with custom_components/ loadable.

    HomeIQ depends on the recorder, so the recorder comes before ``hass`` is set up.
    """


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration directory per test: HomeIQ writes its history store there."""
    return hass_tmp_config_dir


@pytest.fixture
def options() -> dict[str, Any]:
    """Options of the mock config entry; override in a module or parametrize."""
    return dict(DEFAULT_OPTIONS)


@pytest.fixture
def mock_config_entry(options: dict[str, Any]) -> MockConfigEntry:
    """A HomeIQ config entry, not yet added to Home Assistant."""
    return MockConfigEntry(
        domain=DOMAIN, title="HomeIQ", data={}, options=options, entry_id="01JHOMEIQENTRY"
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up HomeIQ with the recorder running."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def small_home(hass: HomeAssistant) -> dict[str, Any]:
    """Registries of a small home: 2 floors, 3 areas, 2 devices, 4 entities (1 disabled).

    Returns the ids created; no states are written.
    """
    floors = fr.async_get(hass)
    ground = floors.async_create("Ground floor", level=0)
    upstairs = floors.async_create("Upstairs", level=1)
    areas = ar.async_get(hass)
    kitchen = areas.async_create("Kitchen", floor_id=ground.floor_id)
    bedroom = areas.async_create("Bedroom", floor_id=upstairs.floor_id)
    areas.async_create("Garden")
    config_entry = MockConfigEntry(domain="test")
    config_entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    motion = devices.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={("test", "motion")},
        manufacturer="Acme",
        model="M1",
        name="Kitchen motion",
    )
    devices.async_update_device(motion.id, area_id=kitchen.id)
    lamp = devices.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={("test", "lamp")}, name="Lamp"
    )
    entities = er.async_get(hass)
    entities.async_get_or_create(
        "binary_sensor",
        "test",
        "motion",
        device_id=motion.id,
        original_device_class="motion",
        suggested_object_id="test_motion",
    )
    entities.async_get_or_create(
        "sensor",
        "test",
        "motion_battery",
        device_id=motion.id,
        original_device_class="battery",
        suggested_object_id="test_motion_battery",
    )
    entities.async_get_or_create(
        "light",
        "test",
        "lamp",
        device_id=lamp.id,
        suggested_object_id="bedroom_lamp",
        original_name="Bedroom lamp",
    )
    entities.async_update_entity("light.bedroom_lamp", area_id=bedroom.id)
    entities.async_get_or_create(
        "sensor",
        "test",
        "old",
        disabled_by=er.RegistryEntryDisabler.USER,
        suggested_object_id="test_old",
    )
    return {"kitchen": kitchen.id, "bedroom": bedroom.id, "motion": motion.id, "lamp": lamp.id}
