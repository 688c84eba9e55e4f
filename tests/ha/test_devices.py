"""Device intelligence in Home Assistant: per-device entities, the anomaly event, repair issues.

A small home is written into the recorder (12 days of history), then ``homeiq.train_now``
runs the real pipeline with the bundled models.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import math
import re
import sys
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import numpy as np
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homeiq.const import (
    CONF_HOME_TYPE,
    DOMAIN,
    EVENT_DEVICE_ANOMALY,
    ISSUE_DEVICE_AT_RISK_PREFIX,
    ISSUE_TRAINING_UNAVAILABLE,
    SERVICE_TRAIN_NOW,
)
from custom_components.homeiq.core import pipeline
from custom_components.homeiq.core.devices import DeviceReport
from custom_components.homeiq.core.failure import FAILURE_FEATURE_NAMES
from custom_components.homeiq.core.home_type import HOME_TYPES
from custom_components.homeiq.core.ml.models import FAILURE_MODEL, save_candidate
from custom_components.homeiq.core.ml.trees import TreeEnsemble
from custom_components.homeiq.issues import device_issue_translation_key

DAYS = 12
MOTION_HOURS = (7.5, 8.25, 12.0, 18.5, 19.0, 21.0)  # local hours of daily motion
NIGHT_BURST = [2.0 + k * 0.08 for k in range(12)]  # 12 motion events 02:00-02:53, last day


def _register(hass: HomeAssistant) -> dict[str, str]:
    """Three devices: a battery motion sensor, a thermometer and a plug."""
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    ids = {}
    for key, name in (("hall", "Hall motion"), ("thermo", "Living thermometer"), ("plug", "Plug")):
        ids[key] = devices.async_get_or_create(
            config_entry_id=source.entry_id, identifiers={("test", key)}, name=name
        ).id
    for domain, unique, device, device_class, unit in (
        ("binary_sensor", "hall_motion", "hall", "motion", None),
        ("sensor", "hall_battery", "hall", "battery", "%"),
        ("sensor", "living_temperature", "thermo", "temperature", "°C"),
        ("switch", "plug", "plug", None, None),
    ):
        entities.async_get_or_create(
            domain,
            "test",
            unique,
            device_id=ids[device],
            original_device_class=device_class,
            unit_of_measurement=unit,
            suggested_object_id=unique,
        )
    return ids


def _rows(start: datetime) -> list[tuple[datetime, str, str]]:
    """12 days: daytime motion (and a night burst on the last day), a battery draining
    2 %/day, a temperature changing every 20 minutes, a plug switched twice a day."""
    rows = []
    for day in range(DAYS):
        midnight = start + timedelta(days=day)
        hours = list(MOTION_HOURS) + (NIGHT_BURST if day == DAYS - 1 else [])
        for hour in hours:
            at = midnight + timedelta(hours=hour)
            rows.append((at, "binary_sensor.hall_motion", "on"))
            rows.append((at + timedelta(seconds=90), "binary_sensor.hall_motion", "off"))
        for hour in range(24):
            level = 60.0 - 2.0 * (day + hour / 24)
            rows.append((midnight + timedelta(hours=hour), "sensor.hall_battery", f"{level:.2f}"))
        for step in range(72):
            at = midnight + timedelta(minutes=20 * step)
            temperature = 20.0 + 1.5 * math.sin(2 * math.pi * step / 72) + 0.1 * (step % 3)
            rows.append((at, "sensor.living_temperature", f"{temperature:.2f}"))
        rows.append((midnight + timedelta(hours=7), "switch.plug", "on"))
        rows.append((midnight + timedelta(hours=22), "switch.plug", "off"))
    return sorted(rows)


@pytest.fixture
async def home_with_history(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_config_entry: MockConfigEntry
) -> dict[str, Any]:
    """The home registered, its history recorded, HomeIQ set up; time: day 12, 03:30."""
    zone = dt_util.get_default_time_zone()
    start = datetime(2026, 11, 1, tzinfo=zone)
    freezer.move_to(start - timedelta(minutes=5))
    ids = _register(hass)
    attributes = {
        "sensor.hall_battery": {"unit_of_measurement": "%", "device_class": "battery"},
        "sensor.living_temperature": {"unit_of_measurement": "°C"},
    }
    for at, entity_id, state in _rows(start):
        freezer.move_to(at)
        hass.states.async_set(entity_id, state, attributes.get(entity_id), context=Context())
    await async_wait_recording_done(hass)
    now = start + timedelta(days=DAYS, hours=3, minutes=30)
    freezer.move_to(now)
    # Set up after the history is written: waiting for the recorder fires due timers, and
    # the nightly run would otherwise start part-way through the writing.
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return {"ids": ids, "start": start, "now": now, "entry": mock_config_entry}


async def _train(hass: HomeAssistant) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    assert response is not None
    return {step["name"]: step for step in response["steps"]}


def _covers_2am(reason: str) -> bool:
    """Whether the reason names a local time window that contains 02:00."""
    found = re.search(r"between (\d\d):00 and (\d\d):00", reason)
    return found is not None and int(found[1]) <= 2 < int(found[2])


def _entity_of(
    hass: HomeAssistant, device_id: str, unique_suffix: str, *, disabled: bool = False
) -> str | None:
    entries = er.async_entries_for_device(
        er.async_get(hass), device_id, include_disabled_entities=disabled
    )
    for entry in entries:
        if entry.platform == DOMAIN and entry.unique_id.endswith(unique_suffix):
            return entry.entity_id
    return None


async def test_devices_get_entities_event_and_home_type(
    hass: HomeAssistant, home_with_history: dict[str, Any]
) -> None:
    """One run: home type, risk, battery days, anomaly with its reason and one event."""
    ids = home_with_history["ids"]
    events = async_capture_events(hass, EVENT_DEVICE_ANOMALY)

    steps = await _train(hass)

    read = steps["read_home"]["details"]
    assert read["entities_with_history"] == 4
    assert read["history_rows"] == read["new_rows"] > 1000
    assert steps["home_type"]["outcome"] == "ok"
    assert steps["devices"]["outcome"] == "ok"
    assert steps["devices"]["details"]["devices"] == 3
    # 12 days of history: too little to train on this home, and the step says so.
    assert steps["train_failure"]["outcome"] == "skipped"
    assert "12 days of history" in steps["train_failure"]["reason"]
    # Days from the options (floats in the coordinator) read as whole numbers: "14", not "14.0".
    assert "needs 14 days" in steps["train_failure"]["reason"]
    assert "needs 14;" in steps["train_anomaly"]["reason"]
    for step in steps.values():
        assert not re.search(r"\d\.0\b", step["reason"] or ""), step["reason"]

    home_type = hass.states.get("sensor.homeiq_home_type")
    assert home_type.state in HOME_TYPES
    assert home_type.attributes["source"] == "model"
    probabilities = home_type.attributes["probabilities"]
    assert set(probabilities) == set(HOME_TYPES)
    assert abs(sum(probabilities.values()) - 1.0) < 0.01
    assert home_type.state == max(probabilities, key=probabilities.get)

    # The battery drains 2 %/day and reads 36 % at the end: 18 days left.
    battery = hass.states.get(_entity_of(hass, ids["hall"], "_battery_days_left"))
    assert abs(float(battery.state) - 18.0) <= 0.5
    assert battery.attributes["unit_of_measurement"] == "d"
    assert battery.attributes["days_low"] <= float(battery.state) <= battery.attributes["days_high"]
    assert battery.attributes["battery_entity"] == "sensor.hall_battery"

    # The night burst on the last day makes the hall sensor anomalous, with a reason.
    anomalous = hass.states.get(_entity_of(hass, ids["hall"], "_anomalous"))
    assert anomalous.state == "on"
    assert anomalous.attributes["entity_id"] == "binary_sensor.hall_motion"
    assert _covers_2am(anomalous.attributes["reason"])
    assert "on a Thursday" in anomalous.attributes["reason"]  # 12 November 2026
    assert hass.states.get(_entity_of(hass, ids["thermo"], "_anomalous")).state == "off"
    # The plug has no entity that is judged for anomalies, so no anomaly sensor.
    assert _entity_of(hass, ids["plug"], "_anomalous") is None
    assert _entity_of(hass, ids["plug"], "_battery_days_left") is None

    # Battery days left keep no long-term statistics (recomputed once a night).
    assert "state_class" not in battery.attributes

    # Every device gets an "At risk" problem sensor with its band; the probability and the
    # reasons only outside the low band, where the model tells devices apart.
    registry = er.async_get(hass)
    bands = []
    for device_id in ids.values():
        at_risk = hass.states.get(_entity_of(hass, device_id, "_at_risk"))
        band = at_risk.attributes["risk_band"]
        bands.append(band)
        assert at_risk.state == ("on" if band == "high" else "off")
        assert (at_risk.attributes["probability"] is None) == (band == "low")
        if band == "low":
            assert at_risk.attributes["reasons"] == []
        # The band sensor is there but disabled by default: a home of hundreds of devices
        # does not get a second failure entity on each.
        failure_risk = _entity_of(hass, device_id, "_failure_risk", disabled=True)
        assert failure_risk is not None
        entry = registry.async_get(failure_risk)
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(failure_risk) is None
    details = steps["devices"]["details"]
    assert details["risk_bands"] == {
        band: bands.count(band) for band in ("low", "elevated", "high")
    }
    assert details["judged_day"] == "2026-11-12T08:00:00+00:00"  # local midnight, ISO
    assert anomalous.attributes["judged_day"] == details["judged_day"]

    # What was judged, per capability, and why the others were not.
    kind = "kind not judged (power, energy, switches, lights …)"
    assert details["judged"] == {
        "failure_risk": {"of": "devices", "considered": 3, "judged": 3, "not_judged": {}},
        "anomaly": {
            "of": "entities",
            "considered": 4,
            "judged": 2,  # the motion sensor and the thermometer
            "not_judged": {kind: 2},  # the battery level and the plug's switch
        },
        "battery": {"of": "devices", "considered": 1, "judged": 1, "not_judged": {}},
    }
    status = hass.states.get("sensor.homeiq_training_status")
    assert status.attributes["judged"] == {
        "failure_risk": "3 of 3 devices",
        "anomaly": f"2 of 4 entities (2 {kind})",
        "battery": "1 of 1 devices",
    }

    assert len(events) == 1
    assert events[0].data["device_id"] == ids["hall"]
    assert events[0].data["entity_id"] == "binary_sensor.hall_motion"
    assert _covers_2am(events[0].data["reason"])

    # The same judged day again: no second event.
    await _train(hass)
    assert len(events) == 1


async def test_results_survive_a_restart(
    hass: HomeAssistant, home_with_history: dict[str, Any]
) -> None:
    """After a reload the entities show the last run's results before any new run."""
    ids = home_with_history["ids"]
    await _train(hass)
    entity_id = _entity_of(hass, ids["hall"], "_battery_days_left")
    before = hass.states.get(entity_id).state
    entry = home_with_history["entry"]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == before
    assert hass.states.get("sensor.homeiq_home_type").state in HOME_TYPES


async def test_diagnostics_and_stored_results_show_iso_times(
    hass: HomeAssistant,
    home_with_history: dict[str, Any],
    hass_storage: dict[str, Any],
    hass_client: ClientSessionGenerator,  # after the clock moved: its token is valid then
) -> None:
    """The judged day is an ISO time in diagnostics, in each anomaly, and in the store."""
    ids = home_with_history["ids"]
    await _train(hass)
    day = "2026-11-12T08:00:00+00:00"  # 12 November, local midnight (US/Pacific)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, home_with_history["entry"]
    )
    data = diagnostics["data"]
    assert data["judged_day"] == day
    hall = data["devices"][ids["hall"]]
    assert [a["day_start"] for a in hall["anomalies"]] == [day]
    assert hall["battery_powered"] is True
    assert data["devices"][ids["plug"]]["battery_powered"] is False
    devices_step = next(s for s in data["last_run"]["steps"] if s["name"] == "devices")
    assert devices_step["details"]["judged_day"] == day

    stored = hass_storage["homeiq.results"]["data"]
    assert stored["judged_day"] == day
    assert stored["devices"][ids["hall"]]["anomalies"][0]["day_start"] == day


async def test_user_correction_of_the_home_type_wins(
    hass: HomeAssistant, home_with_history: dict[str, Any]
) -> None:
    """A type chosen in the options is shown and kept as a label with the prediction."""
    await _train(hass)
    predicted = hass.states.get("sensor.homeiq_home_type").state
    chosen = "cottage" if predicted != "cottage" else "condo"
    entry = home_with_history["entry"]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry.options, CONF_HOME_TYPE: chosen}
    )
    await hass.async_block_till_done()

    state = hass.states.get("sensor.homeiq_home_type")
    assert state.state == chosen
    assert state.attributes["source"] == "user"
    assert state.attributes["predicted"] == predicted
    coordinator = entry.runtime_data.coordinator
    assert [label["home_type"] for label in coordinator.home_type_labels] == [chosen]
    assert coordinator.home_type_labels[0]["predicted"] == predicted

    await _train(hass)  # a new run keeps the user's type and does not add a second label
    assert hass.states.get("sensor.homeiq_home_type").state == chosen
    assert len(coordinator.home_type_labels) == 1


def _install_failure_model(hass: HomeAssistant, risk: float) -> None:
    """Activate a failure model that gives every device the probability ``risk`` (one tree
    with one leaf), with the at-risk threshold 0.5."""
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
    constant = TreeEnsemble(
        kind="forest_classifier",
        n_features=len(FAILURE_FEATURE_NAMES),
        feature=np.array([-2], dtype=np.int32),
        threshold=np.array([-2.0]),
        left=np.array([-1], dtype=np.int32),
        right=np.array([-1], dtype=np.int32),
        missing_go_to_left=np.array([False]),
        value=np.array([[1.0 - risk, risk]]),
        tree_offsets=np.array([0, 1], dtype=np.int64),
        classes=(0, 1),
        accepts_nan=True,
    )
    saved = save_candidate(
        coordinator.registry,
        FAILURE_MODEL,
        constant,
        FAILURE_FEATURE_NAMES,
        trained_on="this_home",
        n_samples=1,
        metrics={"pr_auc": 1.0},
        primary_metric="pr_auc",
        extra={"threshold": 0.5},
    )
    promoted, _ = coordinator.registry.promote_if_better(FAILURE_MODEL, saved.version)
    assert promoted
    # Loaded as after a training step.
    coordinator.models[FAILURE_MODEL] = pipeline.load_model(coordinator.registry, FAILURE_MODEL)


async def test_repair_issue_for_a_device_at_risk_goes_away_on_recovery(
    hass: HomeAssistant, home_with_history: dict[str, Any]
) -> None:
    """Devices at or above the threshold get a repair issue; it is removed when they are not."""
    ids = home_with_history["ids"]
    issues = ir.async_get(hass)
    _install_failure_model(hass, risk=0.7)  # every device counts as at risk
    steps = await _train(hass)
    assert steps["devices"]["details"]["at_risk"] == 3
    # The repair text fits the device: the motion sensor runs on a battery, the thermometer
    # and the plug on the mains.
    expected = {
        "hall": "device_at_risk_battery_device",
        "thermo": "device_at_risk_mains",
        "plug": "device_at_risk_mains",
    }
    for key, device_id in ids.items():
        issue = issues.async_get_issue(DOMAIN, f"{ISSUE_DEVICE_AT_RISK_PREFIX}{device_id}")
        assert issue is not None
        assert issue.translation_key == expected[key]
        assert issue.severity is ir.IssueSeverity.WARNING
        assert issue.translation_placeholders["risk"] == "70"
    hall = issues.async_get_issue(DOMAIN, f"{ISSUE_DEVICE_AT_RISK_PREFIX}{ids['hall']}")
    assert hall.translation_placeholders["device"] == "Hall motion"
    at_risk = hass.states.get(_entity_of(hass, ids["hall"], "_at_risk"))
    assert at_risk.state == "on"
    assert (at_risk.attributes["risk_band"], at_risk.attributes["probability"]) == ("high", 70.0)

    # Enabled, the band sensor of the hall shows the same band, with the probability.
    failure_risk = _entity_of(hass, ids["hall"], "_failure_risk", disabled=True)
    er.async_get(hass).async_update_entity(failure_risk, disabled_by=None)
    entry = home_with_history["entry"]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    _install_failure_model(hass, risk=0.7)
    await _train(hass)
    state = hass.states.get(failure_risk)
    assert state.state == "high"
    assert state.attributes["options"] == ["low", "elevated", "high"]
    assert state.attributes["probability"] == 70.0
    assert state.attributes["at_risk"] is True
    assert "state_class" not in state.attributes

    _install_failure_model(hass, risk=0.2)  # nothing is at risk: the devices recovered
    await _train(hass)
    assert not [
        issue_id
        for (domain, issue_id) in issues.issues
        if domain == DOMAIN and issue_id.startswith(ISSUE_DEVICE_AT_RISK_PREFIX)
    ]
    assert hass.states.get(_entity_of(hass, ids["hall"], "_at_risk")).state == "off"
    assert hass.states.get(failure_risk).state == "elevated"  # 0.2: from 0.125 up

    _install_failure_model(hass, risk=0.001)  # the floor the bundled model gives most devices
    await _train(hass)
    state = hass.states.get(failure_risk)
    assert state.state == "low"
    assert (state.attributes["probability"], state.attributes["reasons"]) == (None, [])


async def test_without_scikit_learn_inference_works_and_training_is_skipped(
    hass: HomeAssistant, home_with_history: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where scikit-learn cannot be imported (Home Assistant OS), numpy inference still runs."""
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now raises ImportError

    steps = await _train(hass)

    for name in ("train_failure", "train_anomaly"):
        assert steps[name]["outcome"] == "skipped"
        assert "scikit-learn" in steps[name]["reason"]
    assert steps["home_type"]["outcome"] == "ok"
    assert steps["devices"]["outcome"] == "ok"
    assert hass.states.get("sensor.homeiq_home_type").state in HOME_TYPES
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_TRAINING_UNAVAILABLE)
    assert issue is not None
    assert "scikit-learn" in issue.translation_placeholders["reason"]

    monkeypatch.undo()  # scikit-learn is back: the issue goes away with the next run
    await _train(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_TRAINING_UNAVAILABLE) is None


@pytest.mark.parametrize(
    ("kinds", "battery_powered", "key"),
    [
        (("battery", "silent"), True, "device_at_risk_battery"),
        (("silent",), True, "device_at_risk_battery_device"),
        ((), True, "device_at_risk_battery_device"),
        (("unavailable_now",), False, "device_at_risk_mains"),
        ((), False, "device_at_risk_mains"),
    ],
)
def test_repair_text_follows_the_reasons_then_the_power_source(
    kinds: tuple[str, ...], battery_powered: bool, key: str
) -> None:
    """A battery reason asks for a new battery; otherwise how the device is powered decides."""
    report = DeviceReport(
        "d",
        "Device",
        risk=0.9,
        at_risk=True,
        risk_band="high",
        risk_kinds=kinds,
        battery_powered=battery_powered,
    )
    assert device_issue_translation_key(report) == key
