"""End to end on the generated demo home: suggest → accept → the automation exists and runs
→ feedback re-ranks, in a real Home Assistant.

The demo home (``tools.demo.DEMO_SEED``, 13 days so that HomeIQ's store keeps every state
change) is brought up the way ``scripts/develop`` does it: its history in the recorder
database, its structure by the ``homeiq_sim`` integration, its own automations in
``automations.yaml`` (``automation: !include automations.yaml``), Home Assistant's sun,
zone, persons and scripts. One ``homeiq.train_now`` runs the whole pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.ha.sim_home import async_bring_up, make_sim_config
from tests.ha.synergy_home import (
    async_accept,
    async_get_suggestions,
    async_reject,
    async_train,
    read_automations,
)
from tools.demo import DEMO_SEED
from tools.recorder_db import write_recorder_db
from tools.synthetic import SyntheticHome, generate_home

REPO = Path(__file__).resolve().parents[2]
START = 1_795_000_000.0
DAYS = 13


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    """The demo home, 13 days long."""
    return generate_home(DEMO_SEED, days=DAYS, start_ts=START)


@pytest.fixture
def recorder_db_url(tmp_path: Path, synthetic: SyntheticHome) -> str:
    """The recorder starts on a database that already holds the home's history."""
    path = tmp_path / "home-assistant_v2.db"
    write_recorder_db(path, synthetic.home)
    return f"sqlite:///{path}"


@pytest.fixture
def sim_config(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, synthetic: SyntheticHome
) -> Path:
    """The configuration folder as ``scripts/develop`` leaves it (:func:`make_sim_config`)."""
    return make_sim_config(hass, monkeypatch, synthetic, automations_file=True)


def _planted(synthetic: SyntheticHome) -> set[tuple[str, str]]:
    """The generator's synergies the home does not automate yet: what should be found."""
    return {(s.cause_entity, s.effect_entity) for s in synthetic.truth.synergies if not s.automated}


# Home Assistant's sun entity polls; its timer outlives the test.
@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.usefixtures("sim_config")
async def test_generated_home_suggest_accept_run_and_re_rank(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    synthetic: SyntheticHome,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The synergy step ranks a planted, not yet automated pair first; accepting it writes
    an automation that loads and turns the light on when the motion sensor sees motion;
    rejecting the next suggestion of that kind takes it off the list and lowers the rest of
    the kind at once."""
    assert synthetic.home.window_end is not None
    freezer.move_to(dt_util.utc_from_timestamp(synthetic.home.window_end + 600.0))
    await async_bring_up(hass, synthetic.home)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    steps = await async_train(hass)

    details: dict[str, Any] = steps["synergy"]["details"]
    assert steps["synergy"]["outcome"] == "ok"
    assert details["counted"] > 10
    assert details["already_automated"] >= len(synthetic.home.automations) // 2
    assert details["open"] == details["suggestions"] > 10
    assert details["likely"] == details["new"] >= 1  # only pairs likely worth automating
    suggestions = await async_get_suggestions(hass)
    assert (suggestions[0]["cause"], suggestions[0]["effect"]) in _planted(synthetic)
    # The best motion → light pair (what this test can trigger by hand) is planted too.
    top = next(s for s in suggestions if s["kind"] == "motion_light")
    assert (top["cause"], top["effect"]) in _planted(synthetic)
    assert top["likely"]
    assert top["figures"]["followed"] >= 5
    automated = {
        (t, a)
        for automation in synthetic.home.automations
        for t in automation.trigger_entities
        for a in automation.action_entities
    }
    assert not {(s["cause"], s["effect"]) for s in suggestions} & automated

    created = await async_accept(hass, top["id"])

    written = await hass.async_add_executor_job(
        read_automations, Path(hass.config.path("automations.yaml"))
    )
    assert [a["id"] for a in written][-1] == f"homeiq_{top['id']}"
    assert len(written) == len(synthetic.home.automations) + 1
    entity_id = created["entity_id"]
    assert hass.states.get(entity_id).state == "on"
    # It runs: motion turns the light on. The pair holds only between 10:00 and 21:00 (a
    # condition kept on held-out days); the clock is at 12:16 there.
    assert top["kind"] == "motion_light"
    assert "only between 10:00 and 21:00" in top["evidence"]
    assert dt_util.now().hour == 12
    hass.states.async_set(top["effect"], "off")
    hass.states.async_set(top["cause"], "off")
    await hass.async_block_till_done()
    hass.states.async_set(top["cause"], "on")
    await hass.async_block_till_done()
    assert hass.states.get(top["effect"]).state == "on"
    assert hass.states.get(entity_id).attributes["last_triggered"] is not None
    # Run actions in the editor (no trigger at all) does what the automation is for, also
    # when the automation has two parts (on at motion, off when the motion has ended).
    assert written[-1]["actions"][0]["choose"]
    hass.states.async_set(top["effect"], "off")
    await hass.services.async_call("automation", "trigger", {"entity_id": entity_id}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(top["effect"]).state == "on"

    before = {s["id"]: s for s in await async_get_suggestions(hass)}
    assert top["id"] not in before
    same_kind = [s for s in before.values() if s["kind"] == top["kind"]]
    assert len(same_kind) >= 2
    rejected = same_kind[0]
    await async_reject(hass, rejected["id"], reason="not this room")
    after = {s["id"]: s for s in await async_get_suggestions(hass)}
    assert rejected["id"] not in after
    for suggestion in same_kind[1:]:
        # One accepted and one rejected of this kind: back to the night's own score.
        assert after[suggestion["id"]]["score"] == suggestion["scores"]["combined"]
        assert after[suggestion["id"]]["score"] < before[suggestion["id"]]["score"]
