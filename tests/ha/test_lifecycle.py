"""HomeIQ's lifecycle in Home Assistant: stale per-device entities, removing the integration,
and a reload while the old run's executor thread still trains.

The home of ``test_devices`` (three devices, 12 days of history in the recorder) runs the
real pipeline with the bundled models.
"""

from __future__ import annotations

from pathlib import Path
import threading
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import numpy as np
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.const import DOMAIN, ISSUE_DEVICE_AT_RISK_PREFIX
from custom_components.homeiq.coordinator import RESULTS_STORE, RUNS_STORE
from custom_components.homeiq.core.failure import FAILURE_FEATURE_NAMES, on_home
from custom_components.homeiq.core.ml.models import FAILURE_MODEL, save_candidate
from custom_components.homeiq.core.ml.registry import ModelRegistry, RegistryClosedError
from custom_components.homeiq.core.ml.trees import TreeEnsemble
from custom_components.homeiq.core.run import RunOutcome, StepOutcome
from custom_components.homeiq.home.reader import STORE_DIR, STORE_NAME
from custom_components.homeiq.suggestions import synergy_store_key
from tests.ha.history_home import async_record_home
from tests.ha.test_devices import _install_failure_model, _train

# Per-device entity keys of each device of the home after one run with the bundled models.
HALL_KEYS = {"failure_risk", "battery_days_left", "at_risk", "anomalous"}
PLUG_KEYS = {"failure_risk", "at_risk"}


@pytest.fixture
async def home_with_history(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> dict[str, Any]:
    """The home recorded and HomeIQ set up; time: day 12, 03:30."""
    ids = await async_record_home(hass, freezer)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return {"ids": ids, "entry": mock_config_entry}


def _homeiq_entities(hass: HomeAssistant, entry_id: str) -> dict[tuple[str, str], str]:
    """(device id, key) -> entity id of every per-device HomeIQ entity in the registry."""
    found = {}
    for entry in er.async_entries_for_config_entry(er.async_get(hass), entry_id):
        rest = entry.unique_id.removeprefix(f"{entry_id}_")
        device_id, _, key = rest.partition("_")
        if len(device_id) == 32:  # device registry ids; the service entities have none
            found[device_id, key] = entry.entity_id
    return found


def _keys_of(entities: dict[tuple[str, str], str], device_id: str) -> set[str]:
    return {key for (device, key) in entities if device == device_id}


async def test_entities_of_a_removed_device_go_at_once(
    hass: HomeAssistant, home_with_history: dict[str, Any], hass_storage: dict[str, Any]
) -> None:
    """Removing a device from the device registry removes HomeIQ's entities, its report
    and its repair issue without waiting for a run; the other devices keep theirs."""
    ids, entry = home_with_history["ids"], home_with_history["entry"]
    _install_failure_model(hass, risk=0.7)  # every device at risk: each has a repair issue
    await _train(hass)
    before = _homeiq_entities(hass, entry.entry_id)
    assert _keys_of(before, ids["hall"]) == HALL_KEYS
    hall_entities = [entity_id for (d, _), entity_id in before.items() if d == ids["hall"]]
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"{ISSUE_DEVICE_AT_RISK_PREFIX}{ids['hall']}")

    dr.async_get(hass).async_remove_device(ids["hall"])
    await hass.async_block_till_done()

    after = _homeiq_entities(hass, entry.entry_id)
    assert _keys_of(after, ids["hall"]) == set()
    assert after == {k: v for k, v in before.items() if k[0] != ids["hall"]}
    for entity_id in hall_entities:
        assert hass.states.get(entity_id) is None
    coordinator = entry.runtime_data.coordinator
    assert ids["hall"] not in coordinator.data.devices
    assert issues.async_get_issue(DOMAIN, f"{ISSUE_DEVICE_AT_RISK_PREFIX}{ids['hall']}") is None
    assert issues.async_get_issue(DOMAIN, f"{ISSUE_DEVICE_AT_RISK_PREFIX}{ids['plug']}")
    await hass.async_block_till_done()
    assert set(hass_storage[RESULTS_STORE]["data"]["devices"]) == {ids["thermo"], ids["plug"]}

    # A reload does not bring them back: the stored results no longer hold the device.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _homeiq_entities(hass, entry.entry_id) == after


async def test_entities_no_longer_assessed_go_after_the_run_and_come_back(
    hass: HomeAssistant, home_with_history: dict[str, Any]
) -> None:
    """A device the run did not assess (its entity moved away) loses its entities after the
    run, a device whose battery forecast went away loses that one only; both come back, with
    the same entity ids, once the run assesses them again."""
    ids, entry = home_with_history["ids"], home_with_history["entry"]
    await _train(hass)
    before = _homeiq_entities(hass, entry.entry_id)
    assert _keys_of(before, ids["plug"]) == PLUG_KEYS
    assert _keys_of(before, ids["hall"]) == HALL_KEYS

    entities = er.async_get(hass)
    entities.async_update_entity("switch.plug", device_id=None)  # the plug: no entity left
    entities.async_update_entity("sensor.hall_battery", device_id=None)  # no battery
    await hass.async_block_till_done()
    # Nothing is removed before a run has said so.
    assert _homeiq_entities(hass, entry.entry_id) == before

    steps = await _train(hass)
    assert steps["devices"]["details"]["devices"] == 2
    after = _homeiq_entities(hass, entry.entry_id)
    assert _keys_of(after, ids["plug"]) == set()
    assert _keys_of(after, ids["hall"]) == HALL_KEYS - {"battery_days_left"}
    assert _keys_of(after, ids["thermo"]) == _keys_of(before, ids["thermo"])
    assert hass.states.get(before[ids["plug"], "failure_risk"]) is None
    assert hass.states.get(before[ids["hall"], "battery_days_left"]) is None

    entities.async_update_entity("switch.plug", device_id=ids["plug"])
    entities.async_update_entity("sensor.hall_battery", device_id=ids["hall"])
    await _train(hass)
    assert _homeiq_entities(hass, entry.entry_id) == before
    battery = hass.states.get(before[ids["hall"], "battery_days_left"])
    assert battery is not None
    assert float(battery.state) > 0


def _files(directory: Path) -> dict[str, bool]:
    """What exists of HomeIQ's files (and of another integration's) under ``.storage``."""
    return {
        "model": (directory / "models" / FAILURE_MODEL / "v1" / "model.npz").is_file(),
        "history store": (directory / STORE_NAME / "manifest.json").is_file(),
        "directory": directory.exists(),
        "other": (directory.parent / "other.json").is_file(),
    }


async def test_removing_the_entry_deletes_what_it_stored(
    hass: HomeAssistant, home_with_history: dict[str, Any], hass_storage: dict[str, Any]
) -> None:
    """After a run, removing HomeIQ deletes .storage/homeiq/ (history store and models),
    the runs, results and suggestions stores and every HomeIQ repair issue."""
    entry = home_with_history["entry"]
    _install_failure_model(hass, risk=0.7)  # a model version on disk and repair issues
    await _train(hass)
    directory = Path(hass.config.path(".storage", STORE_DIR))
    other = directory.parent / "other.json"  # another integration's file stays
    await hass.async_add_executor_job(other.write_text, "{}")
    assert await hass.async_add_executor_job(_files, directory) == dict.fromkeys(
        ("model", "history store", "directory", "other"), True
    )
    synergy = synergy_store_key(entry.entry_id)
    assert {RUNS_STORE, RESULTS_STORE, synergy} <= set(hass_storage)
    issues = ir.async_get(hass)
    assert [i for (domain, i) in issues.issues if domain == DOMAIN]
    ir.async_create_issue(
        hass,
        "other",
        "kept",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="kept",
    )

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.NOT_LOADED
    assert await hass.async_add_executor_job(_files, directory) == {
        "model": False,
        "history store": False,
        "directory": False,
        "other": True,
    }
    assert RUNS_STORE not in hass_storage
    assert RESULTS_STORE not in hass_storage
    assert synergy not in hass_storage
    assert [i for (domain, i) in issues.issues if domain == DOMAIN] == []
    assert issues.async_get_issue("other", "kept") is not None


def _constant_failure_model(registry: ModelRegistry, pr_auc: float) -> int:
    """Save and promote a one-leaf failure model, as a training step would; its version."""
    constant = TreeEnsemble(
        kind="forest_classifier",
        n_features=len(FAILURE_FEATURE_NAMES),
        feature=np.array([-2], dtype=np.int32),
        threshold=np.array([-2.0]),
        left=np.array([-1], dtype=np.int32),
        right=np.array([-1], dtype=np.int32),
        missing_go_to_left=np.array([False]),
        value=np.array([[0.8, 0.2]]),
        tree_offsets=np.array([0, 1], dtype=np.int64),
        classes=(0, 1),
        accepts_nan=True,
    )
    info = save_candidate(
        registry,
        FAILURE_MODEL,
        constant,
        FAILURE_FEATURE_NAMES,
        trained_on="this_home",
        n_samples=1,
        metrics={"pr_auc": pr_auc},
        primary_metric="pr_auc",
        extra={"threshold": 0.5},
    )
    promoted, why = registry.promote_if_better(FAILURE_MODEL, info.version)
    assert promoted, why
    return info.version


async def test_reload_while_the_old_run_trains_in_the_executor(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving the options reloads the entry while the old run's thread is still training:
    the old run is recorded as cancelled, its late save is refused, and the reloaded entry's
    model is the only version, active and in use."""
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    late: list[BaseException] = []
    calls: list[ModelRegistry] = []

    def train(home: Any, registry: ModelRegistry, now: float, **_: Any) -> dict[str, Any]:
        calls.append(registry)
        if len(calls) > 1:  # the reloaded entry's run
            return {"version": _constant_failure_model(registry, 0.6)}
        entered.set()
        try:
            assert release.wait(10)
            _constant_failure_model(registry, 0.9)  # better: it would be promoted
        except BaseException as err:
            late.append(err)
            raise
        finally:
            finished.set()
        return {}

    monkeypatch.setattr(on_home, "train_failure_on_home", train)
    old = init_integration.runtime_data.coordinator
    task = old.async_start_run("action")
    assert await hass.async_add_executor_job(entered.wait, 10)

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert task.cancelled()
    assert old.data.last_run is not None
    assert old.data.last_run.outcome is RunOutcome.CANCELLED
    new = init_integration.runtime_data.coordinator
    assert new is not old
    result = await new.async_start_run("action")
    step = {s.name: s for s in result.steps}["train_failure"]
    assert step.outcome is StepOutcome.OK
    assert step.details == {"version": 1}

    release.set()  # the old thread goes on and tries to save and promote its model
    assert await hass.async_add_executor_job(finished.wait, 10)
    assert len(late) == 1
    assert isinstance(late[0], RegistryClosedError)

    registry = ModelRegistry(new.registry.root)
    assert [info.version for info in registry.versions(FAILURE_MODEL)] == [1]
    stored = registry.active(FAILURE_MODEL)
    assert stored is not None
    assert (stored.source, stored.info.version, stored.info.score) == ("active", 1, 0.6)
    deployed = new.models[FAILURE_MODEL]
    assert deployed is not None
    assert deployed.info.version == 1


async def test_the_old_entrys_late_history_save_is_dropped(
    hass: HomeAssistant, home_with_history: dict[str, Any]
) -> None:
    """After a reload, a save that the old run's read thread would still make (it cannot be
    stopped) writes nothing: the reloaded entry's history store is the only one on disk."""
    entry = home_with_history["entry"]
    await _train(hass)
    old = entry.runtime_data.coordinator
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    new = entry.runtime_data.coordinator
    manifest = new.reader.path / "manifest.json"
    before = await hass.async_add_executor_job(manifest.read_bytes)

    old.reader.store.watermark = None  # what a stale save would put back
    await hass.async_add_executor_job(old.reader._trim_and_save, 2e9)
    assert await hass.async_add_executor_job(manifest.read_bytes) == before

    await _train(hass)  # the reloaded entry still saves
    assert await hass.async_add_executor_job(manifest.read_bytes) != before


async def test_at_setup_only_entities_of_missing_devices_are_removed(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An entity left from before (its device deleted while HomeIQ did not clean up) goes at
    setup; one whose device exists but has no stored report waits for a run to say so."""
    mock_config_entry.add_to_hass(hass)
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=source.entry_id, identifiers={("test", "lamp")}, name="Lamp"
    )
    entities = er.async_get(hass)
    entry_id = mock_config_entry.entry_id
    orphan = entities.async_get_or_create(
        "sensor", DOMAIN, f"{entry_id}_{'0' * 32}_failure_risk", config_entry=mock_config_entry
    )
    unreported = entities.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{entry_id}_{device.id}_failure_risk",
        config_entry=mock_config_entry,
        device_id=device.id,
    )

    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert entities.async_get(orphan.entity_id) is None
    assert entities.async_get(unreported.entity_id) is not None

    steps = await _train(hass)  # the lamp has no history: the run does not assess it
    assert steps["devices"]["details"]["devices"] == 0
    assert entities.async_get(unreported.entity_id) is None
    assert entities.async_get("sensor.homeiq_training_status") is not None
