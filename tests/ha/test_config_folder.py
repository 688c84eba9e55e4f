"""The registry files scripts/suggest's tests write are Home Assistant's own format, and a
configuration folder reads (tools/config_folder.py) as the integration reads Home Assistant.

Home Assistant starts on the ``.storage`` files of a generated home (its storage is served
from them), so its own registries load them; the integration's ``build_home_structure``
then gives the same areas, devices and entities as reading the folder without Home
Assistant.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_storage

from custom_components.homeiq.home.reader import build_home_structure
from tests.tools.ha_config_folder import CONFIG_ENTRY_ID, PLATFORM, STORAGE_FILES, write_registries
from tools.config_folder import read_config_folder
from tools.synthetic import SyntheticHome, generate_home


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    """A generated home of about 40 entities (structure only is used)."""
    return generate_home(11, days=1, start_ts=1_795_000_000.0, target_entities=40)


@pytest.fixture
def config_folder(tmp_path: Path, synthetic: SyntheticHome) -> Path:
    """A configuration folder with the home's registries and nothing else."""
    config = tmp_path / "copy"
    write_registries(config, synthetic.home)
    return config


@pytest.fixture
def load_registries() -> bool:
    """The test harness would start the registries empty: the test loads them itself."""
    return False


@pytest.fixture
def hass_storage(config_folder: Path) -> Iterator[dict[str, Any]]:
    """Home Assistant's storage holds the folder's registry files when it starts."""
    stored = {
        key: json.loads((config_folder / ".storage" / key).read_text(encoding="utf-8"))
        for key in STORAGE_FILES
        if key != "core.config"
    }
    with mock_storage(stored) as data:
        yield data


async def test_registries_load_in_home_assistant_and_read_alike(
    hass: HomeAssistant, config_folder: Path, synthetic: SyntheticHome
) -> None:
    """Home Assistant loads every entry; the folder reads as the integration reads them."""
    dr.async_setup(hass)
    for registry in (ar, fr, dr, er):
        await registry.async_load(hass)
    MockConfigEntry(domain=PLATFORM, entry_id=CONFIG_ENTRY_ID).add_to_hass(hass)
    home = synthetic.home
    registered = set(home.entities) - {"sun.sun", "zone.home"}
    assert set(er.async_get(hass).entities) == registered
    assert {device.id for device in dr.async_get(hass).devices} == set(home.devices)
    in_hass = build_home_structure(hass)
    from_folder = read_config_folder(config_folder, days=1, now=1_795_086_400.0).home
    assert in_hass.areas == from_folder.areas == home.areas
    assert in_hass.devices == from_folder.devices
    assert in_hass.entities == from_folder.entities
    assert list(in_hass.entities) == list(from_folder.entities)
    assert from_folder.entities == {e: home.entities[e] for e in registered}
