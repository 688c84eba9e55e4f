"""The recorder database written by tools/recorder_db is one the real recorder runs on."""

from __future__ import annotations

from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import numpy as np
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.core.home import Entity, Home, Origin
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.home.reader import HomeReader
from tools.recorder_db import write_recorder_db

T0 = 1_795_000_000.0


def _home() -> Home:
    home = Home(
        entities={
            "light.hall": Entity("light.hall", name="Hall"),
            "sensor.hall_temperature": Entity(
                "sensor.hall_temperature", device_class="temperature", unit="°C"
            ),
        }
    )
    home.histories = {
        "light.hall": pack_rows(
            [T0, T0 + 5.5, T0 + 60, T0 + 3600],
            ["off", "on", "off", "unavailable"],
            [Origin.DEVICE, Origin.AUTOMATION, Origin.USER, Origin.DEVICE],
        ),
        "sensor.hall_temperature": pack_rows(
            [T0 + n * 300.0 for n in range(24)],
            [f"{20 + n / 10:.1f}" for n in range(24)],
            [Origin.DEVICE] * 24,
        ),
    }
    return home


@pytest.fixture
def recorder_db_url(tmp_path: Path) -> str:
    """Start the recorder on a database written by tools.recorder_db."""
    path = tmp_path / "home-assistant_v2.db"
    assert write_recorder_db(path, _home()) == 28
    return f"sqlite:///{path}"


async def test_recorder_runs_on_written_db(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The recorder accepts the database and HomeIQ reads back exactly what was written."""
    source = _home()
    config_entry = MockConfigEntry(domain="test")
    config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={("test", "hall")}, name="Hall"
    )
    registry = er.async_get(hass)
    for entity_id, entity in source.entities.items():
        domain, _, object_id = entity_id.partition(".")
        registry.async_get_or_create(
            domain,
            "test",
            object_id,
            suggested_object_id=object_id,
            device_id=device.id,  # HomeIQ reads the entities of devices
            original_device_class=entity.device_class,
            unit_of_measurement=entity.unit,
        )
    freezer.move_to(dt_util.utc_from_timestamp(T0 + 2 * 3600))
    reader = HomeReader(hass)
    await reader.async_load()
    home, report = await reader.async_read(T0 + 2 * 3600, 30)

    assert report.new_rows == 28
    for entity_id, expected in source.histories.items():
        got = home.histories[entity_id]
        assert got.timestamps.tolist() == expected.timestamps.tolist()
        assert got.states() == expected.states()
        assert got.origins.tolist() == expected.origins.tolist()
        np.testing.assert_array_equal(got.values, expected.values)
