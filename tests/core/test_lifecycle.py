"""Model lifecycle without Home Assistant: deployment, fallbacks, training on a home, reports."""

from __future__ import annotations

from collections.abc import Sequence
import dataclasses
from datetime import datetime
import math
from pathlib import Path
import shutil
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core import pipeline
from custom_components.homeiq.core.anomaly import (
    MIN_CHECK_ENTITY_DAYS,
    MIN_FOREST_ROWS,
    MIN_HELD_OUT_DAYS,
    AnomalyCheck,
    DayVerdict,
    ForestTrial,
    HomeAnomalyModel,
    anomaly_forest,
    check_anomaly_model,
    forest_in_use,
    judged_period,
    train_anomaly_on_home,
)
from custom_components.homeiq.core.capability import HELD_OUT_SHARE, NotEnoughData
from custom_components.homeiq.core.devices import (
    AnomalyReport,
    BatteryReport,
    DeviceReport,
    DeviceRisk,
    assess_devices,
    risk_band,
)
from custom_components.homeiq.core.failure import (
    FAILURE_FEATURE_NAMES,
    FailureSamples,
    device_folds,
    failure_risk,
    failure_samples,
    risk_threshold,
    risk_threshold_rule,
    train_failure_model,
    train_failure_on_home,
)
from custom_components.homeiq.core.graph.scoring import GraphRanking
from custom_components.homeiq.core.home import Device, Entity, Home, StateHistory
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.home_type import HomeTypeResult, classify_home
from custom_components.homeiq.core.ml.metrics import average_precision
from custom_components.homeiq.core.ml.models import (
    ANOMALY_MODEL,
    FAILURE_MODEL,
    GNN_MODEL,
    HOME_TYPE_MODEL,
    SYNERGY_MODEL,
    DeployedModel,
    load_deployed,
    save_candidate,
)
from custom_components.homeiq.core.ml.registry import ModelRegistry, read_model
from custom_components.homeiq.core.ml.trees import ensemble_from_arrays
from custom_components.homeiq.core.time import whole_days
from tools.synthetic import generate_home

BUNDLED = Path(__file__).parents[2] / "custom_components/homeiq/models"
DAY = 86_400.0


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    """A registry with the bundled models the integration ships."""
    return ModelRegistry(tmp_path / "models", bundled_root=BUNDLED)


@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=1, max_size=60).filter(
        lambda rows: any(y for y, _ in rows)
    )
)
def test_average_precision_matches_scikit_learn(rows: list[tuple[int, int]]) -> None:
    """Including ties between scores, the numpy figure is scikit-learn's."""
    from sklearn.metrics import average_precision_score

    y = np.array([r[0] for r in rows], dtype=np.int64)
    scores = np.array([r[1] / 6 for r in rows])
    assert average_precision(y, scores) == pytest.approx(
        average_precision_score(y, scores), abs=1e-12
    )


def test_bundled_models_load_and_classify(registry: ModelRegistry) -> None:
    """The shipped models load (version 0, synthetic) and classify a generated home."""
    models = pipeline.load_models(registry)
    assert set(models) == {HOME_TYPE_MODEL, FAILURE_MODEL, ANOMALY_MODEL, SYNERGY_MODEL, GNN_MODEL}
    assert isinstance(models[GNN_MODEL], GraphRanking)
    for model in models.values():
        assert isinstance(model, DeployedModel | GraphRanking)
        assert (model.source, model.info.version, model.info.trained_on) == (
            "bundled",
            0,
            "synthetic",
        )
    home_type = models[HOME_TYPE_MODEL]
    assert home_type is not None
    result = classify_home(home_type, generate_home(4, days=3).home)
    assert result.home_type == max(result.probabilities, key=lambda k: result.probabilities[k])
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=0.01)
    assert HomeTypeResult.from_dict(result.as_dict()) == result


def test_a_model_trained_on_other_features_falls_back_to_the_bundled_one(
    registry: ModelRegistry,
) -> None:
    """After an update that changes the features, the stale active version is not used."""
    info, blobs = read_model(BUNDLED / FAILURE_MODEL)
    ensemble = ensemble_from_arrays(info.extra["ensemble"], blobs["model"].arrays)
    stale = [*FAILURE_FEATURE_NAMES[:-1], "a_feature_that_no_longer_exists"]
    saved = save_candidate(
        registry,
        FAILURE_MODEL,
        ensemble,
        stale,
        trained_on="this_home",
        n_samples=10,
        metrics={"pr_auc": 0.9},
        primary_metric="pr_auc",
    )
    assert registry.promote_if_better(FAILURE_MODEL, saved.version)[0]

    model = pipeline.load_model(registry, FAILURE_MODEL)
    assert model is not None
    assert model.source == "bundled"
    assert any("other features" in reason for reason in model.fallbacks)


def test_no_usable_model_gives_none_with_reasons(tmp_path: Path) -> None:
    """Without the bundled files and with a broken active version, nothing is deployed."""
    bundled = tmp_path / "bundled"
    shutil.copytree(BUNDLED / HOME_TYPE_MODEL, bundled / HOME_TYPE_MODEL)
    (bundled / HOME_TYPE_MODEL / "model.npz").write_bytes(b"not an npz")
    registry = ModelRegistry(tmp_path / "models", bundled_root=bundled)
    assert (
        load_deployed(registry, HOME_TYPE_MODEL, pipeline.MODEL_FEATURES[HOME_TYPE_MODEL]) is None
    )
    assert any("bundled" in reason for reason in registry.fallbacks[HOME_TYPE_MODEL])


def test_training_on_a_home_with_too_little_history_says_why(registry: ModelRegistry) -> None:
    """Ten days cannot train: the reason names the days needed."""
    home = generate_home(2, days=10).home
    assert home.window_end is not None
    with pytest.raises(NotEnoughData, match="10 days of history"):
        train_failure_on_home(home, registry, home.window_end, min_days=14)
    assert registry.versions(FAILURE_MODEL) == []


T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
HOUR = 3_600.0
HOME_DAYS = 40  # cuts from day 7 to day 33; the cuts from day 25 on are held out


def _device_home(failures: Sequence[float], flaky: Sequence[float] = (), healthy: int = 10) -> Home:
    """A home of one-entity devices reporting hourly for :data:`HOME_DAYS` days.

    A device ``failing_i`` drops out for 40 minutes every 8 hours for four days, then for
    good on day ``failures[i]``; a ``flaky_i`` device drops out the same way up to day
    ``flaky[i]`` and then recovers; ``healthy`` devices never drop out.
    """
    end = T0 + HOME_DAYS * DAY
    home = Home(window_start=T0, window_end=end)

    def add(device_id: str, outages: list[tuple[float, float]], offset: float) -> None:
        rows = [
            (t, "20.0")
            for t in np.arange(T0 + offset, end, HOUR).tolist()
            if not any(begin <= t < finish for begin, finish in outages)
        ]
        for begin, finish in outages:
            rows.append((begin, "unavailable"))
            if math.isfinite(finish):
                rows.append((finish, "20.0"))
        rows.sort()
        entity_id = f"sensor.{device_id}"
        home.devices[device_id] = Device(device_id, device_id)
        home.entities[entity_id] = Entity(entity_id, device_id=device_id)
        home.histories[entity_id] = pack_rows(
            [t for t, _ in rows], [state for _, state in rows], [1] * len(rows)
        )

    def warning(until: float) -> list[tuple[float, float]]:
        return [(until - k * 8 * HOUR, until - k * 8 * HOUR + 2400.0) for k in range(12, 0, -1)]

    for i, day in enumerate(failures):
        add(f"failing_{i}", [*warning(T0 + day * DAY), (T0 + day * DAY, math.inf)], 60.0 * i)
    for i, day in enumerate(flaky):
        add(f"flaky_{i}", warning(T0 + day * DAY), 60.0 * i + 30.0)
    for i in range(healthy):
        add(f"healthy_{i}", [], 60.0 * i + 45.0)
    return home


def _home_cuts(home: Home) -> tuple[FailureSamples, np.ndarray, np.ndarray]:
    """The samples ``train_failure_on_home`` builds, with its training and held-out rows."""
    assert home.window_end is not None
    cuts = np.arange(T0 + 7 * DAY, home.window_end - 7 * DAY + 1e-6, DAY)
    samples = failure_samples(home, cuts)
    held_out_from = float(np.quantile(samples.cuts, 1.0 - HELD_OUT_SHARE))
    return samples, samples.cuts < held_out_from - 7 * DAY, samples.cuts >= held_out_from


@pytest.mark.parametrize(
    ("failures", "reason"),
    [
        (
            (12, 30, 32),
            "1 failing devices in the older part of this home's history; training needs 2",
        ),
        (
            (12, 15, 30),
            "1 failing devices (6 failing device-days) in the most recent days of this "
            "home's history; checking a model needs 2 failing devices and 5 failing "
            "device-days; the current model stays",
        ),
        (
            (12, 15, 24.5, 24.6),
            "2 failing devices (3 failing device-days) in the most recent days",
        ),
    ],
)
def test_training_on_a_home_needs_failures_to_learn_from_and_to_check_on(
    registry: ModelRegistry, failures: tuple[float, ...], reason: str
) -> None:
    """Too few failing devices (or failing days) in either part: nothing is trained."""
    home = _device_home(failures)
    assert home.window_end is not None
    with pytest.raises(NotEnoughData) as raised:
        train_failure_on_home(home, registry, home.window_end, min_days=14)
    assert reason in str(raised.value)
    assert registry.versions(FAILURE_MODEL) == []


def test_training_on_a_home_stores_a_threshold_chosen_on_its_training_cuts(
    registry: ModelRegistry,
) -> None:
    """The candidate's threshold is the bundled rule on out-of-fold risks of the training
    cuts (folds by device) alone, is stored with it, and is the one used once it is active.
    """
    home = _device_home((12, 15, 30, 32), flaky=(20, 31))
    assert home.window_end is not None
    details = train_failure_on_home(home, registry, home.window_end, min_days=14)
    samples, train, test = _home_cuts(home)
    assert details["training_samples"] == int(train.sum())
    assert details["held_out_samples"] == int(test.sum())
    assert details["positives"] == {"training": 13, "held_out": 13}
    assert details["failing_devices"] == {"training": 2, "held_out": 2}
    folds = device_folds(samples, train)
    X, y = samples.X[train], samples.y[train]
    out_of_fold = np.zeros(len(y))
    for fold in np.unique(folds).tolist():
        inside = folds == fold
        probe = train_failure_model(X[~inside], y[~inside], seed=0)
        out_of_fold[inside] = failure_risk(probe, X[inside])
    threshold, rule = risk_threshold_rule(y, out_of_fold)
    (stored,) = registry.versions(FAILURE_MODEL)
    assert stored.extra["threshold"] == threshold == details["threshold"]
    assert stored.extra["threshold_rule"] == rule
    assert stored.metrics["held_out_positives"] == 13
    assert stored.metrics["pr_auc"] == pytest.approx(details["pr_auc"], abs=1e-4)
    bundled = registry.bundled(FAILURE_MODEL)
    assert bundled is not None
    assert threshold != bundled.info.extra["threshold"]
    # Once active, the integration uses the candidate's own threshold.
    if not details["promoted"]:  # it lost to the bundled model; make it active anyway
        assert registry.promote_if_better(FAILURE_MODEL, stored.version)[0]
    models = pipeline.load_models(registry)
    assessment = pipeline.assess_home(home, home.window_end, models)
    assert assessment.risk_threshold == threshold
    assert assessment.risk_model == f"v{stored.version} (active)"


def test_device_folds_spread_the_failing_devices() -> None:
    """Devices with the most failing rows come first and are dealt to the folds in turn."""
    devices = ["a", "b", "b", "c", "d", "d", "d", "e", "f", "g", "h", "h"]
    labels = [0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0]
    samples = FailureSamples(
        np.zeros((len(devices), len(FAILURE_FEATURE_NAMES))),
        np.array(labels, dtype=np.int64),
        devices,
        np.zeros(len(devices)),
        np.zeros(len(devices)),
        [""] * len(devices),
    )
    rows = np.ones(len(devices), dtype=bool)
    rows[-1] = False
    # Ranked: b (2), d (2), f (1), then a, c, e, g, h without failures: folds 0, 1, 2, 3, ...
    expected = {"b": 0, "d": 1, "f": 2, "a": 3, "c": 4, "e": 0, "g": 1, "h": 2}
    assert device_folds(samples, rows).tolist() == [
        expected[d] for d, kept in zip(devices, rows.tolist(), strict=True) if kept
    ]


def _promote(registry: ModelRegistry, ensemble: Any) -> int:
    """Make ``ensemble`` the active failure model; return its version."""
    info = save_candidate(
        registry,
        FAILURE_MODEL,
        ensemble,
        FAILURE_FEATURE_NAMES,
        trained_on="this_home",
        n_samples=1,
        metrics={"pr_auc": 1.0},  # as recorded, at least as good as any active version
        primary_metric="pr_auc",
    )
    assert registry.promote_if_better(FAILURE_MODEL, info.version)[0]
    return info.version


@pytest.mark.parametrize("outcome", ["tie", "better", "worse"])
def test_a_home_model_replaces_the_model_in_use_only_when_better(
    registry: ModelRegistry, outcome: str
) -> None:
    """Judged on the same held-out cuts: better promotes, a tie and worse keep the active."""
    home = _device_home((12, 15, 30, 32), flaky=(20, 31))
    assert home.window_end is not None
    samples, _, test = _home_cuts(home)
    if outcome == "tie":  # the same training again gives the same model
        train_failure_on_home(home, registry, home.window_end, min_days=14)
        active = _promote(registry, ensemble_of_version(registry, 1))
    elif outcome == "better":  # a model that learnt the failures upside down
        active = _promote(registry, train_failure_model(samples.X, 1 - samples.y, seed=0))
    else:  # a model that learnt the held-out cuts themselves
        active = _promote(registry, train_failure_model(samples.X[test], samples.y[test], seed=0))
    details = train_failure_on_home(home, registry, home.window_end, min_days=14)
    candidate = max(info.version for info in registry.versions(FAILURE_MODEL))
    deployed = pipeline.load_model(registry, FAILURE_MODEL)
    assert deployed is not None
    if outcome == "better":
        assert details["pr_auc"] > details["active_pr_auc"]
        assert details["promoted"]
        assert deployed.info.version == candidate
        assert "is at least as good as" in details["why"]
    else:
        assert not details["promoted"]
        assert deployed.info.version == active
        if outcome == "tie":
            assert details["pr_auc"] == details["active_pr_auc"]
            assert details["why"].endswith("a tie keeps the model in use")
        else:
            assert details["pr_auc"] < details["active_pr_auc"]
            assert "is worse than" in details["why"]


def ensemble_of_version(registry: ModelRegistry, version: int) -> Any:
    """The tree ensemble stored as ``version`` of the failure model."""
    info, blobs = read_model(registry.root / FAILURE_MODEL / f"v{version}")
    return ensemble_from_arrays(info.extra["ensemble"], blobs["model"].arrays)


def test_judged_period_is_the_last_local_day_after_a_week_of_history() -> None:
    """The judged day is yesterday in the home's zone; before 7 days there is none."""
    start = 1_790_000_000.0
    history = StateHistory(
        np.array([start, start + 9 * DAY]),
        np.array([np.nan, np.nan]),
        np.array([0, 1], dtype=np.int32),
        ["off", "on"],
        np.array([1, 1], dtype=np.int8),
    )
    home = Home(
        entities={"binary_sensor.a": Entity("binary_sensor.a")},
        histories={"binary_sensor.a": history},
        window_start=start - 20 * DAY,
        window_end=start + 10 * DAY,
        time_zone="Europe/Berlin",
    )
    now = start + 10 * DAY
    period = judged_period(home, now)
    assert period is not None
    normal_start, day_start = period
    assert normal_start == start  # the history's start, not the requested window's
    assert now - 2 * DAY < day_start <= now - DAY
    local = datetime.fromtimestamp(day_start, ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert judged_period(home, start + 6 * DAY) is None


def _home_with_devices() -> Home:
    history = StateHistory(
        np.array([0.0, 60.0]),
        np.array([np.nan, np.nan]),
        np.array([0, 1], dtype=np.int32),
        ["off", "on"],
        np.array([1, 1], dtype=np.int8),
    )
    return Home(
        devices={
            "d1": Device("d1", "Hall"),
            "d2": Device("d2", "Attic"),
            "d3": Device("d3", "Idle"),
        },
        entities={
            "binary_sensor.hall": Entity("binary_sensor.hall", "motion", device_id="d1"),
            "binary_sensor.hall_door": Entity("binary_sensor.hall_door", "door", device_id="d1"),
            "switch.attic": Entity("switch.attic", device_id="d2"),
            "switch.idle": Entity("switch.idle", device_id="d3"),
        },
        histories={
            "binary_sensor.hall": history,
            "binary_sensor.hall_door": history,
            "switch.attic": history,
            "switch.idle": StateHistory.empty(),
        },
    )


def test_assess_devices_combines_risk_anomalies_and_thresholds() -> None:
    """At risk from the threshold up; anomalies most unusual first; only devices with history;
    reasons only outside the low band."""
    home = _home_with_devices()
    reports = assess_devices(
        home,
        100.0,
        risks={
            "d1": DeviceRisk(0.5, ("battery at 4 %",), ("battery",)),
            "d2": DeviceRisk(0.49, ("unavailable for the last 2.0 h",), ("unavailable_now",)),
        },
        verdicts={
            "binary_sensor.hall": DayVerdict(0.0, True, 3.0, "night motion"),
            "binary_sensor.hall_door": DayVerdict(0.0, True, 7.5, "door at 3 am"),
        },
        risk_threshold=0.5,
    )
    assert list(reports) == ["d2", "d1"]  # by name: Attic, Hall; Idle has no history
    hall, attic = reports["d1"], reports["d2"]
    assert (hall.risk, hall.at_risk, hall.risk_band) == (0.5, True, "high")
    assert (hall.risk_reasons, hall.risk_kinds) == (("battery at 4 %",), ("battery",))
    assert (attic.risk, attic.at_risk, attic.risk_band) == (0.49, False, "elevated")
    assert attic.risk_reasons == ("unavailable for the last 2.0 h",)
    assert [a.reason for a in hall.anomalies] == ["door at 3 am", "night motion"]
    assert hall.anomalous
    assert hall.anomaly_checked
    assert not attic.anomalous
    assert not attic.anomaly_checked

    # The same reasons below a quarter of the threshold: the model cannot tell the device
    # from a healthy one, so no reasons are listed.
    low = assess_devices(
        home,
        100.0,
        risks={"d2": DeviceRisk(0.124, ("unavailable for the last 2.0 h",), ("unavailable_now",))},
        verdicts={},
        risk_threshold=0.5,
    )["d2"]
    assert (low.risk_band, low.at_risk, low.risk_reasons, low.risk_kinds) == ("low", False, (), ())


@pytest.mark.parametrize(
    ("probability", "band"),
    [
        (0.0, "low"),
        (0.0008, "low"),
        (0.0999, "low"),
        (0.101, "elevated"),
        (0.403, "elevated"),
        (0.404, "high"),
        (1.0, "high"),
    ],
)
def test_risk_bands_follow_the_threshold(probability: float, band: str) -> None:
    """With the bundled threshold 0.404: elevated from 0.101 (a quarter of it), high from it."""
    assert risk_band(probability, 0.404) == band


def test_device_report_round_trips_through_json_form() -> None:
    """What is stored between restarts comes back equal; the judged day is an ISO time."""
    report = DeviceReport(
        "d1",
        "Hall",
        risk=0.7,
        risk_reasons=("a", "b"),
        at_risk=True,
        anomalies=(AnomalyReport("binary_sensor.hall", 1_790_035_200.0, 5.0, "why"),),
        anomaly_checked=True,
        battery=BatteryReport("sensor.hall_battery", 30.0, 2.0, 15.0, 12.0, 18.0),
        risk_band="high",
        risk_kinds=("battery", "silent"),
        battery_powered=True,
    )
    data = report.as_dict()
    assert data["anomalies"][0]["day_start"] == "2026-09-22T00:00:00+00:00"
    assert DeviceReport.from_dict(data) == report
    with pytest.raises(KeyError):
        DeviceReport.from_dict({"name": "no id"})


def test_a_report_stored_before_iso_times_and_bands_still_loads() -> None:
    """Numeric judged days and reports without a band (older results) are read."""
    old = {
        "device_id": "d1",
        "name": "Hall",
        "risk": 0.3,
        "risk_reasons": ["a"],
        "at_risk": False,
        "anomalies": [
            {
                "entity_id": "binary_sensor.hall",
                "day_start": 1_790_035_200.0,
                "score": 5.0,
                "reason": "why",
            }
        ],
        "anomaly_checked": True,
        "battery": None,
    }
    report = DeviceReport.from_dict(old)
    assert report.anomalies[0].day_start == 1_790_035_200.0
    assert report.risk_band == "elevated"  # 0.3 at the default threshold 0.5
    assert DeviceReport.from_dict({**old, "at_risk": True}).risk_band == "high"
    assert DeviceReport.from_dict({**old, "risk": None}).risk_band is None


def _covered_home() -> Home:
    """Six devices and ten entities, 12 days of history, each there for one reason."""
    start = 1_790_035_200.0  # a UTC midnight
    days = 12
    motion = [start + d * DAY + h * 3_600.0 for d in range(days) for h in (8.0, 12.0, 19.0)]
    recent = [t for t in motion if t >= start + 10 * DAY]
    steps = np.arange(days * 72)

    def activity(times: list[float]) -> StateHistory:
        return pack_rows(
            [x for t in times for x in (t, t + 90.0)],
            ["on", "off"] * len(times),
            [1] * 2 * len(times),
        )

    def numbers(values: list[float], every: float) -> StateHistory:
        return pack_rows(
            [start + i * every for i in range(len(values))],
            [f"{v:.2f}" for v in values],
            [1] * len(values),
        )

    draining = [60.0 - 2.0 * i / 24 for i in range(days * 24)]
    steady = [80.0] * (days * 24)
    return Home(
        devices={
            "hall": Device("hall", "Hall motion", battery_powered=True),
            "thermo": Device("thermo", "Thermometer"),
            "plug": Device("plug", "Plug"),
            "new": Device("new", "New motion", battery_powered=True),
            "remote": Device("remote", "Remote", battery_powered=True),
            "hub": Device("hub", "Hub"),
        },
        entities={
            "binary_sensor.hall": Entity("binary_sensor.hall", "motion", device_id="hall"),
            "sensor.hall_battery": Entity("sensor.hall_battery", "battery", "%", device_id="hall"),
            "sensor.temp": Entity("sensor.temp", "temperature", "°C", device_id="thermo"),
            "switch.plug": Entity("switch.plug", device_id="plug"),
            "sensor.plug_power": Entity("sensor.plug_power", "power", "W", device_id="plug"),
            "binary_sensor.new": Entity("binary_sensor.new", "motion", device_id="new"),
            "sensor.remote_battery": Entity(
                "sensor.remote_battery", "battery", "%", device_id="remote"
            ),
            "binary_sensor.hub_door": Entity("binary_sensor.hub_door", "door", device_id="hub"),
            "binary_sensor.loose": Entity("binary_sensor.loose", "motion"),  # no device
            "sensor.old_temp": Entity("sensor.old_temp", "temperature", "°C", device_id="hub"),
        },
        histories={
            "binary_sensor.hall": activity(motion),
            "sensor.hall_battery": numbers(draining, 3_600.0),
            "sensor.temp": numbers(
                (20.0 + np.sin(2 * np.pi * steps / 72) + 0.1 * (steps % 3)).tolist(), 1_200.0
            ),
            "switch.plug": activity(motion),
            "sensor.plug_power": numbers([5.0 + (i % 7) for i in range(days * 24)], 3_600.0),
            "binary_sensor.new": activity(recent),  # two days: too short to know its normal
            "sensor.remote_battery": numbers(steady, 3_600.0),
            "binary_sensor.hub_door": StateHistory.empty(),
            "binary_sensor.loose": activity(motion),
        },
        window_start=start,
        window_end=start + days * DAY + 3_600.0,
    )


def test_assessment_counts_what_each_capability_judged_and_why_not(
    registry: ModelRegistry,
) -> None:
    """Exact counts on a small home: a run that judged little says so, per capability."""
    home = _covered_home()
    assert home.window_end is not None
    assessment = pipeline.assess_home(home, home.window_end, pipeline.load_models(registry))
    judged = assessment.details()["judged"]
    assert judged["failure_risk"] == {
        "of": "devices",
        "considered": 6,
        "judged": 5,
        "not_judged": {"no history": 1},  # the hub's entities have no history
    }
    assert judged["anomaly"] == {
        "of": "entities",
        "considered": 10,
        "judged": 2,  # the hall motion and the thermometer
        "not_judged": {
            "kind not judged (power, energy, switches, lights …)": 4,
            "fewer than 3 whole days of its own history": 1,
            "no device": 1,
            "no history": 2,
        },
    }
    assert judged["battery"] == {
        "of": "devices",
        "considered": 2,
        "judged": 1,
        "not_judged": {"battery not draining": 1},
    }
    assert assessment.coverage["battery"].summary() == "1 of 2 devices (1 battery not draining)"
    assert assessment.details()["judged_day"] == "2026-10-03T00:00:00+00:00"

    # Before 7 days of history no day is judged, and every entity that would be says why.
    early = pipeline.assess_home(home, home.window_start + 5 * DAY, pipeline.load_models(registry))
    anomaly = early.details()["judged"]["anomaly"]
    assert anomaly["judged"] == 0
    assert anomaly["not_judged"]["fewer than 7 days of history"] == 3
    assert early.details()["judged_day"] is None


def _regular_home(days: int) -> Home:
    """A motion sensor active at 08:00, 12:00 and 19:00 and a temperature read every 20
    minutes (a daily wave), for ``days`` UTC days."""
    start = 1_790_035_200.0  # a UTC midnight
    motion_times, motion_states = [], []
    for day in range(days):
        for hour in (8.0, 12.0, 19.0):
            at = start + day * DAY + hour * 3_600.0
            motion_times += [at, at + 90.0]
            motion_states += ["on", "off"]
    steps = np.arange(days * 72)
    temperature = 20.0 + np.sin(2 * np.pi * steps / 72) + 0.1 * (steps % 3)
    return Home(
        devices={"d1": Device("d1", "Hall"), "d2": Device("d2", "Thermo")},
        entities={
            "binary_sensor.hall": Entity("binary_sensor.hall", "motion", device_id="d1"),
            "sensor.temp": Entity("sensor.temp", "temperature", "°C", device_id="d2"),
        },
        histories={
            "binary_sensor.hall": pack_rows(motion_times, motion_states, [1] * len(motion_times)),
            "sensor.temp": pack_rows(
                (start + steps * 1_200.0).tolist(),
                [f"{v:.2f}" for v in temperature.tolist()],
                [1] * steps.size,
            ),
        },
        window_start=start,
        window_end=start + days * DAY + 3_600.0,
    )


def test_the_anomaly_check_counts_each_fault_kind_exactly() -> None:
    """Four held-out days of two entities: every night burst and stuck day is caught by the
    detectors, no real day is flagged; the level shifts need a forest, which is not given."""
    home = _regular_home(14)
    start = home.window_start
    assert start is not None
    model = HomeAnomalyModel.fit(home, start, start + 10 * DAY)
    days = whole_days(start + 10 * DAY, start + 14 * DAY, home.time_zone)
    check = check_anomaly_model(home, model, days, forest=None)
    assert check.faults == {"night_burst": 4, "stuck": 2, "level_shift": 2}
    assert check.caught == {"night_burst": 4, "stuck": 2, "level_shift": 0}
    assert (check.false_alarms, check.clean) == (0, 8)
    assert check.recall == 0.75
    assert check.f1 == pytest.approx(2 * 0.75 / 1.75)  # no false alarm: precision 1
    figures = check.as_dict()
    assert figures["recall_stuck"] == 1.0
    assert figures["recall_level_shift"] == 0.0
    assert figures["false_alarm_rate"] == 0.0


def test_the_anomaly_check_weighs_false_alarms_as_a_home_has_them() -> None:
    """Half the judged days are faulty in the check, 1 % in a home: a model that catches
    more but raises false alarms on 2 % of real days does not win."""
    quiet = AnomalyCheck(0, 100, {"stuck": 60}, {"stuck": 100})
    noisy = AnomalyCheck(2, 100, {"stuck": 80}, {"stuck": 100})
    assert quiet.f1 == pytest.approx(2 * 0.6 / 1.6)
    precision = 0.01 * 0.8 / (0.01 * 0.8 + 0.99 * 0.02)
    assert noisy.f1 == pytest.approx(2 * precision * 0.8 / (precision + 0.8))
    assert noisy.f1 < quiet.f1
    assert AnomalyCheck(0, 10, {"stuck": 0}, {"stuck": 5}).f1 == 0.0


def test_anomaly_training_on_a_short_history_says_why(registry: ModelRegistry) -> None:
    home = _regular_home(10)
    assert home.window_end is not None
    with pytest.raises(NotEnoughData, match="needs 14"):
        train_anomaly_on_home(home, registry, home.window_end, min_days=14)
    assert registry.versions(ANOMALY_MODEL) == []


def test_anomaly_forest_of_this_home_is_checked_against_the_model_in_use(
    tmp_path: Path,
) -> None:
    """Generated homes train forests; each is checked against the detectors alone (the
    bundled forest is off by default) on the same held-out days with faults put in, and
    stored and used only when the check had enough days and it did better. The three homes
    cover both outcomes."""
    outcomes = set()
    for seed in (3, 5, 8):
        registry = ModelRegistry(tmp_path / str(seed), bundled_root=BUNDLED)
        home = generate_home(seed, days=30, target_entities=120).home
        assert home.window_end is not None
        details = train_anomaly_on_home(home, registry, home.window_end, min_days=14)
        assert details["held_out_days"] >= MIN_HELD_OUT_DAYS
        assert details["training_rows"] >= MIN_FOREST_ROWS
        assert details["active"].startswith("detectors alone")  # the bar
        held_out, active = details["held_out"], details["active_held_out"]
        assert held_out["judged_entity_days"] == active["judged_entity_days"]
        enough = held_out["judged_entity_days"] >= MIN_CHECK_ENTITY_DAYS
        assert details["promoted"] == (enough and held_out["f1"] > active["f1"])
        if not enough:
            assert "300 are needed" in details["why"]
        outcomes.add(details["promoted"])
        deployed = pipeline.load_model(registry, ANOMALY_MODEL)
        assert deployed is not None
        forest = anomaly_forest(deployed)
        assert forest is not None
        if details["promoted"]:
            (stored,) = registry.versions(ANOMALY_MODEL)
            assert stored.trained_on == "this_home"
            assert stored.metrics["f1"] == held_out["f1"]
            assert deployed.source == "active"
            assert forest.rows == details["training_rows"]
            assert forest_in_use(deployed) is not None
        else:  # a candidate that is not used is not stored
            assert registry.versions(ANOMALY_MODEL) == []
            assert deployed.source == "bundled"
            assert forest_in_use(deployed) is None  # off by default
    assert outcomes == {True, False}


def test_a_forest_trial_promotes_only_a_better_candidate_on_enough_days() -> None:
    """A tie keeps the forest in use; a check with too few real days decides nothing."""

    def check(false_alarms: int, clean: int, caught: int) -> AnomalyCheck:
        return AnomalyCheck(false_alarms, clean, {"stuck": caught}, {"stuck": clean})

    def trial(candidate: AnomalyCheck, active: AnomalyCheck) -> bool:
        forest = anomaly_forest(
            pipeline.load_model(
                ModelRegistry(Path("/nonexistent"), bundled_root=BUNDLED), ANOMALY_MODEL
            )
        )
        assert forest is not None
        return ForestTrial(forest, candidate, active, 10, 4, 30).verdict()[0]

    assert trial(check(0, 300, 200), check(0, 300, 150))
    assert not trial(check(0, 300, 150), check(0, 300, 150))  # a tie
    assert not trial(check(3, 300, 250), check(0, 300, 150))  # more caught, false alarms
    assert not trial(check(0, 299, 200), check(0, 299, 150))  # too few days to tell


def test_an_anomaly_model_without_forest_metadata_gives_no_forest(
    registry: ModelRegistry,
) -> None:
    """Detectors alone judge when the forest's threshold and normal are missing."""
    deployed = pipeline.load_model(registry, ANOMALY_MODEL)
    assert deployed is not None
    assert anomaly_forest(deployed) is not None
    broken = dataclasses.replace(
        deployed, info=dataclasses.replace(deployed.info, extra={"feature_names": []})
    )
    assert anomaly_forest(broken) is None
    assert anomaly_forest(None) is None


@pytest.mark.parametrize(
    ("stored", "used"), [(0.3, 0.3), (1.0, 1.0), (0.0, 0.5), (-1, 0.5), ("x", 0.5)]
)
def test_risk_threshold_outside_zero_to_one_is_not_used(
    registry: ModelRegistry, stored: object, used: float
) -> None:
    """A stored threshold of 0 would put every device at risk: the default is used."""
    deployed = pipeline.load_model(registry, FAILURE_MODEL)
    assert deployed is not None
    info = dataclasses.replace(deployed.info, extra={**deployed.info.extra, "threshold": stored})
    assert risk_threshold(dataclasses.replace(deployed, info=info)) == used
    assert risk_threshold(None) == 0.5


def test_the_bundled_anomaly_forest_is_not_in_use() -> None:
    """The status sensor says which models take part: the bundled forest does not (off by
    default), the home type and failure models do, a missing model does not."""
    registry = ModelRegistry(Path("/nonexistent"), bundled_root=BUNDLED)
    models = pipeline.load_models(registry)
    assert {name: pipeline.model_in_use(name, m) for name, m in models.items()} == {
        "home_type": True,
        "failure": True,
        "anomaly": False,
        "synergy": True,
        "gnn": True,  # with no history and up to 7 days
    }
    assert pipeline.model_in_use("failure", None) is False
