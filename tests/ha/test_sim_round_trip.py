"""A generated home brought up in Home Assistant the way ``scripts/develop`` does it (its
history in the recorder database, its structure by the ``homeiq_sim`` integration) reads
back through the adapter as the same home, with the same feature rows for every model.

The integration is loaded by Home Assistant's own loader from
``<config>/custom_components/homeiq_sim``, a link to ``tools/homeiq_sim`` (what
``scripts/develop`` makes). Home Assistant mounts the configuration folder on
``sys.path`` only while it first imports ``custom_components``; under pytest that package
already comes from the repository, so the folder stays mounted for the test.

Tolerances: none. Timestamps are written to the recorder as the generator made them
(microseconds) and read back exactly; the home is 13 days long so that every numeric
sensor is still kept change by change (HomeIQ's store keeps 14 days so, then hourly).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import numpy as np
import pytest

from custom_components.homeiq.core.anomaly import HomeAnomalyModel
from custom_components.homeiq.core.devices import battery_report
from custom_components.homeiq.core.failure import device_failure_features
from custom_components.homeiq.core.home import Origin, StateHistory
from custom_components.homeiq.core.home.external import find_external_entities
from custom_components.homeiq.core.home.selection import entities_read, is_modelled
from custom_components.homeiq.core.home_type import home_type_features
from custom_components.homeiq.core.time import local_midnights
from custom_components.homeiq.home.reader import HomeReader
from tests.ha.sim_home import async_bring_up, make_sim_config
from tools.recorder_db import write_recorder_db
from tools.synthetic import SyntheticHome, generate_home

REPO = Path(__file__).resolve().parents[2]
START = 1_795_000_000.0
DAYS = 13
DAY = 86_400.0


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    """A 13-day generated home of about 30 entities with batteries, motion and climate."""
    return generate_home(4, target_entities=30, days=DAYS, start_ts=START)


@pytest.fixture
def recorder_db_url(tmp_path: Path, synthetic: SyntheticHome) -> str:
    """The recorder starts on a database that already holds the home's history."""
    path = tmp_path / "home-assistant_v2.db"
    assert write_recorder_db(path, synthetic.home) > 10_000
    return f"sqlite:///{path}"


@pytest.fixture
def sim_config(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, synthetic: SyntheticHome
) -> Path:
    """The configuration folder as ``scripts/develop`` leaves it (:func:`make_sim_config`)."""
    return make_sim_config(hass, monkeypatch, synthetic)


def _rows_until(history: StateHistory, end: float) -> StateHistory:
    """The rows of ``history`` up to ``end``."""
    return history.rows(history.timestamps <= end)


# Home Assistant's sun entity polls; its timer outlives the test.
@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.usefixtures("sim_config")
async def test_generated_home_through_the_sim_reads_back_the_same(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, synthetic: SyntheticHome
) -> None:
    """Entities, device classes, units, names, areas, devices, automations and histories
    come back as generated, and every model's feature rows are the same."""
    source = synthetic.home
    assert source.window_start is not None
    assert source.window_end is not None
    up_at = source.window_end + 600.0
    freezer.move_to(dt_util.utc_from_timestamp(up_at))
    await async_bring_up(hass, source)
    # The entities' states written at start-up (their last generated states once more, the
    # sun's live state) are read too: they come after the generated window and are left out
    # of the comparison below.
    now = up_at + 30.0
    freezer.move_to(dt_util.utc_from_timestamp(now))
    reader = HomeReader(hass)
    await reader.async_load()
    home, _ = await reader.async_read(now, (now - source.window_start) / DAY)

    # Structure. Home Assistant's own entities (automations, the sun's sensors …) are there
    # too; what the models read is exactly the generated home's.
    assert set(source.entities) <= set(home.entities)
    assert {e for e, x in home.entities.items() if is_modelled(home, x)} >= set(source.entities)
    extra = set(home.entities) - set(source.entities)
    assert {e.partition(".")[0] for e in extra} >= {"automation"}
    assert not extra & entities_read(home), sorted(extra & entities_read(home))
    area_name = {a.area_id: a.name for a in home.areas.values()}
    source_area = {a.area_id: a.name for a in source.areas.values()}
    assert set(area_name.values()) == set(source_area.values())
    device_by_name = {d.name: d for d in home.devices.values()}
    for device in source.devices.values():
        got = device_by_name[device.name]
        assert (got.manufacturer, got.model, area_name.get(got.area_id or "")) == (
            device.manufacturer,
            device.model,
            source_area.get(device.area_id or ""),
        ), device.name
        assert got.battery_powered == device.battery_powered, device.name
    for entity_id, entity in source.entities.items():
        got = home.entities[entity_id]
        device = home.devices.get(got.device_id or "")
        assert (
            got.device_class,
            got.unit,
            got.name,
            got.enabled,
            area_name.get(got.area_id or ""),
            device.name if device else None,
        ) == (
            entity.device_class,
            entity.unit,
            entity.name,
            entity.enabled,
            source_area.get(entity.area_id or ""),
            source.devices[entity.device_id].name if entity.device_id else None,
        ), entity_id
    # The device class reaches the registry as the entity's own, as an integration's does.
    registry = er.async_get(hass)
    for entity_id, entity in source.entities.items():
        if entity.domain not in {"person", "script", "sun", "zone"}:
            entry = registry.async_get(entity_id)
            assert entry is not None, entity_id
            assert entry.original_device_class == entity.device_class, entity_id
    assert sorted(home.automations, key=lambda a: a.automation_id) == sorted(
        source.automations, key=lambda a: a.automation_id
    )

    # Histories: states, times and origins exact (the generator's start-of-window rows have
    # no known origin; with no context they read back as the device's own).
    assert set(home.histories) == set(source.histories)
    for entity_id, expected in source.histories.items():
        read_back = home.histories[entity_id]
        after = read_back.timestamps > source.window_end
        assert (read_back.timestamps[after] >= up_at).all(), entity_id  # start-up states
        got = _rows_until(read_back, source.window_end)
        assert got.timestamps.tolist() == expected.timestamps.tolist(), entity_id
        assert got.states() == expected.states(), entity_id
        origins = np.where(expected.origins == Origin.UNKNOWN, Origin.DEVICE, expected.origins)
        assert got.origins.tolist() == origins.tolist(), entity_id
        np.testing.assert_array_equal(got.values, expected.values)

    # Feature rows of every model, over the generated window.
    read = replace(
        home,
        histories={e: _rows_until(h, source.window_end) for e, h in home.histories.items()},
        window_start=source.window_start,
        window_end=source.window_end,
    )
    generated = replace(source, external={})
    np.testing.assert_array_equal(home_type_features(read), home_type_features(generated))
    same_device = {d: device_by_name[x.name].device_id for d, x in source.devices.items()}
    end = source.window_end
    for device_id, read_id in same_device.items():
        np.testing.assert_array_equal(
            device_failure_features(read, read_id, end),
            device_failure_features(generated, device_id, end),
        )
        assert battery_report(read, read_id, end) == battery_report(generated, device_id, end)
    assert sum(battery_report(read, d, end) is not None for d in read.devices) >= 2
    midnights = local_midnights(source.window_start + DAY, end - DAY, home.time_zone)
    day = float(midnights[-1])
    model_read = HomeAnomalyModel.fit(read, source.window_start, day)
    model_generated = HomeAnomalyModel.fit(generated, source.window_start, day)
    assert set(model_read.entities) == set(model_generated.entities)
    assert len(model_read.entities) >= 5
    rows_read, rows_generated = model_read.rows(read, day), model_generated.rows(generated, day)
    for entity_id, row in rows_generated.items():
        np.testing.assert_array_equal(rows_read[entity_id], row, err_msg=entity_id)
    assert find_external_entities(read) == find_external_entities(generated)
