"""The nightly anomaly step on a generated home in a real recorder database: a forest is
trained on this home's normal days, checked on its most recent days, and shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.const import DOMAIN, SERVICE_TRAIN_NOW
from custom_components.homeiq.core.anomaly import MIN_CHECK_ENTITY_DAYS
from custom_components.homeiq.core.ml.models import ANOMALY_MODEL
from tests.ha.test_round_trip import _register
from tools.recorder_db import write_recorder_db
from tools.synthetic import SyntheticHome, generate_home

START = 1_795_000_000.0
DAYS = 21


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    """A 21-day generated home of about 30 entities."""
    return generate_home(8, target_entities=30, days=DAYS, start_ts=START)


@pytest.fixture
def recorder_db_url(tmp_path: Path, synthetic: SyntheticHome) -> str:
    """The recorder starts on a database that already holds the home's history."""
    path = tmp_path / "home-assistant_v2.db"
    assert write_recorder_db(path, synthetic.home) > 10_000
    return f"sqlite:///{path}"


async def test_anomaly_forest_of_this_home_is_trained_checked_and_shown(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    synthetic: SyntheticHome,
    mock_config_entry: MockConfigEntry,
) -> None:
    """train_now trains a forest, checks it against the detectors alone (the bundled forest
    is off by default) with faults put into the held-out days, and keeps the bundled model
    (30 entities over 6 held-out days are too few days to tell)."""
    home = synthetic.home
    assert home.window_end is not None
    _register(hass, home)
    freezer.move_to(dt_util.utc_from_timestamp(home.window_end + 3_600))
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    response = await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )
    assert response is not None
    steps: dict[str, Any] = {step["name"]: step for step in response["steps"]}
    step = steps["train_anomaly"]
    assert step["outcome"] == "ok", step
    details = step["details"]
    assert details["active"] == "detectors alone (the bundled forest is off by default)"
    assert details["held_out_days"] >= 3
    for figures in (details["held_out"], details["active_held_out"]):
        assert 0.0 <= figures["f1"] <= 1.0
        assert figures["judged_entity_days"] > 0
        assert figures["recall_night_burst"] > 0.5  # the detectors catch night bursts
    held_out, active = details["held_out"], details["active_held_out"]
    enough = held_out["judged_entity_days"] >= MIN_CHECK_ENTITY_DAYS
    assert details["promoted"] == (enough and held_out["f1"] > active["f1"])

    assert not enough
    assert not details["promoted"]
    assert "300 are needed" in details["why"]

    status = hass.states.get("sensor.homeiq_training_status")
    model = status.attributes["models"][ANOMALY_MODEL]
    assert (model["version"], model["source"], model["trained_on"]) == (0, "bundled", "synthetic")
    assert model["primary_metric"] == "f1"
    assert steps["devices"]["outcome"] == "ok"
    assert steps["devices"]["details"]["judged_day"] is not None
