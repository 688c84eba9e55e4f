"""Tests for scripts/evaluate's code, and floors under its figures on small corpora.

Floors use DEVELOPMENT seeds only (never the reporting seeds) and sit a little under what the
code measured when they were set, so a drop in quality fails a test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from custom_components.homeiq.core.battery import forecast_battery
from custom_components.homeiq.core.time import DAY
from tools.evaluate import (
    evaluate_anomaly,
    evaluate_battery,
    evaluate_home_type,
    evaluate_home_type_names,
    seed_set,
)
from tools.evaluation.anomaly import evaluate_anomaly_stress
from tools.evaluation.battery import LEAD_DAYS, _battery_cases
from tools.evaluation.common import DEVELOPMENT_SEEDS, REPORTING_SEEDS
from tools.synthetic import Stress


def test_reporting_seeds_are_frozen_and_apart() -> None:
    """scripts/evaluate runs the reporting seeds; --dev and --quick the development ones;
    the two sets share no corpus, and the reporting seeds are the documented rule.
    """
    assert seed_set() is REPORTING_SEEDS
    assert seed_set(dev=True) is DEVELOPMENT_SEEDS
    assert seed_set(quick=True) is DEVELOPMENT_SEEDS
    assert REPORTING_SEEDS.as_dict()["set"] == "reporting"
    assert not set(REPORTING_SEEDS.seeds()) & set(DEVELOPMENT_SEEDS.seeds())
    assert len(set(REPORTING_SEEDS.seeds())) == len(REPORTING_SEEDS.seeds())
    development = DEVELOPMENT_SEEDS.as_dict()
    for key, value in REPORTING_SEEDS.as_dict().items():
        if key == "set":
            continue
        expected = development[key]
        if isinstance(value, tuple):
            assert value == tuple(s + 90_000 for s in expected)
        else:
            assert value == expected + 90_000


BUNDLED = Path(__file__).parents[2] / "custom_components/homeiq/models"


def test_home_type_section_is_complete_and_consistent() -> None:
    """The section has every figure the issue names, computed on the held-out homes."""
    result = evaluate_home_type(n_train=40, n_test=20, days=2, seeds=(3, 4))
    assert result["data"] == "synthetic"
    for key in ("macro_f1", "macro_f1_20pct_entities_dropped"):
        assert 0.0 <= result[key] <= 1.0
    baselines = result["baseline_macro_f1"]
    assert set(baselines) == {"majority_class", "area_count_rule"}
    # A majority-class guess has recall 1 on one class of five and 0 elsewhere.
    assert baselines["majority_class"] <= 0.34
    matrix = result["confusion"]["rows_true_columns_predicted_summed"]
    assert len(matrix) == len(result["confusion"]["labels"]) == 5
    assert sum(map(sum, matrix)) == 40  # two splits of 20 held-out homes
    assert len(result["per_split_macro_f1"]) == 2
    assert (
        result["macro_f1"] == round(sum(result["per_split_macro_f1"]) / 2, 3)
        or abs(result["macro_f1"] - sum(result["per_split_macro_f1"]) / 2) < 2e-3
    )


def test_battery_section() -> None:
    """The battery section measures errors on planted depletions, next to a straight line."""
    result = evaluate_battery(n_homes=40, days=40, seed=2001)
    assert result["data"] == "synthetic"
    assert "seed 2001" in result["split"]
    assert result["cases"] > 0
    assert 0.0 <= result["median_abs_error_days"] < 365
    assert result["baseline_median_abs_error_days"] >= 0.0
    assert 0.0 <= result["range_10_90_covers_truth"] <= 1.0


def test_anomaly_section() -> None:
    """The anomaly section scores planted faults per day and per episode, by kind and by
    model, next to the rule baseline; the cold-start forest comes from other homes.
    """
    result = evaluate_anomaly(n_homes=6, days=20, seed=11, tune_homes=4, tune_seed=12)
    assert result["data"] == "synthetic"
    assert "seed 11" in result["split"]
    assert "seed 12" in result["split"]
    models = result["by_model"]
    assert set(models) == {
        "detectors",
        "forest",
        "combined",
        "forest_this_home",
        "combined_this_home",
        "combined_checked",
    }
    checked = result["homes_checked_own_forest"]
    assert 0 <= checked["used"] <= checked["checked"] <= 6
    baseline = result["baseline"]
    assert "2 x the longest gap" in baseline["rules"]
    figures_list = [result, baseline, *result["by_kind"].values(), *baseline["by_kind"].values()]
    for figures in models.values():
        figures_list += [figures, *figures["by_kind"].values()]
    for figures in figures_list:
        for key in ("precision", "recall", "f1"):
            assert 0.0 <= figures[key] <= 1.0
    assert set(result["by_kind"]) == {"unusual_time", "stuck"}
    # The headline is what ships: the detectors alone (the bundled forest is off by default).
    assert result["ships"] == "detectors"
    assert result["by_kind"] == models["detectors"]["by_kind"]
    assert result["f1"] == models["detectors"]["f1"]
    assert result["episodes"] == models["detectors"]["episodes"]
    # Combining adds the forest's flags to the detectors': recall can only grow.
    assert models["combined"]["recall"] >= models["detectors"]["recall"]
    assert models["combined"]["recall"] >= models["forest"]["recall"]
    assert isinstance(result["anomalous_days"], int)
    assert result["judged_days"] > result["anomalous_days"]
    for seen in result["other_faults"].values():
        assert 0.0 <= seen["flagged"] <= 1.0
    assert result["forest"]["trees"] <= 100
    quick = evaluate_anomaly(n_homes=2, days=17, seed=11, tune_homes=2, home_forests=False)
    assert "forest_this_home" not in quick["by_model"]


def test_anomaly_floors() -> None:
    """On 16 development homes: F1 and episodes caught above their floors, and the rule
    baseline below the model (measured: 1.0, 1.0 and 0.957 when the floors were set).
    """
    result = evaluate_anomaly(
        n_homes=16,
        days=24,
        seed=DEVELOPMENT_SEEDS.anomaly,
        tune_homes=6,
        tune_seed=DEVELOPMENT_SEEDS.anomaly_tune,
        home_forests=False,
    )
    assert result["anomalous_days"] == 22
    assert result["f1"] >= 0.95
    assert result["by_model"]["detectors"]["f1"] >= 0.95
    episodes = result["episodes"]
    assert episodes["episodes"] == 3
    assert episodes["detected"] == 1.0
    assert episodes["median_delay_days"] == 0.0
    baseline = result["baseline"]
    assert baseline["f1"] >= 0.85  # the rules are a real baseline, not a straw man
    assert baseline["f1"] < result["f1"]


def test_home_type_floor() -> None:
    """Home type macro-F1 on a small development split stays above its floor (0.862 when
    set), well above the area-count rule.
    """
    result = evaluate_home_type(
        n_train=60, n_test=30, days=3, seeds=(DEVELOPMENT_SEEDS.home_type[0],)
    )
    assert result["macro_f1"] >= 0.81
    assert result["macro_f1"] > result["baseline_macro_f1"]["area_count_rule"] + 0.3


def test_home_type_floor_with_non_english_names() -> None:
    """Home type trained on English-named homes keeps its macro-F1 on the same kind of homes
    named in German, French, Spanish or Dutch (development seeds 1 and 4001): 0.873 when set,
    0.875 on the same homes in English; the English-only patterns scored 0.307 here.
    """
    result = evaluate_home_type_names(
        n_train=80,
        n_test=40,
        days=3,
        seed=DEVELOPMENT_SEEDS.home_type[0],
        test_seed=DEVELOPMENT_SEEDS.stress_names,
    )
    assert result["macro_f1"] >= 0.80
    assert result["macro_f1"] >= result["macro_f1_same_homes_english"] - 0.08


def test_battery_ceiling() -> None:
    """Battery days-to-empty median error on a small development corpus stays under its
    ceiling (0.75 days when set), far under the straight line's.
    """
    result = evaluate_battery(n_homes=40, days=40, seed=DEVELOPMENT_SEEDS.battery)
    assert result["cases"] == 10
    assert result["median_abs_error_days"] <= 0.9
    assert result["baseline_median_abs_error_days"] > 10.0


def test_stepped_battery_floor() -> None:
    """Batteries reporting in 10 % and 5 % steps (60 development stress homes): forecasts
    from the step crossings, dated well where the steps allow and not at all where they do
    not (set at: 10 % steps 4 of 12 forecast 2 days before empty, median error 1.41 days,
    all ranges holding the truth, none 7 days before; 5 % steps 12 of 12 at 2 days, median
    0.6, all ranges holding it, and 5 at 7 days, median 0.94). Before, none had a forecast.
    """
    for step, floors in (
        (10, {2.0: (4, 2.0, 0.75), 7.0: (0, 0.0, 0.0)}),
        (5, {2.0: (11, 1.0, 0.9), 7.0: (4, 1.5, 0.6)}),
    ):
        cases = _battery_cases(60, 60, DEVELOPMENT_SEEDS.stress_battery, Stress(battery_step=step))
        assert len(cases) == 12
        for lead, (fewest, median_error, coverage) in floors.items():
            errors, covered = [], []
            for history, cut in cases:
                forecast = forecast_battery(history, cut + (LEAD_DAYS - lead) * DAY)
                if forecast is None or forecast.days_to_empty is None:
                    continue
                assert forecast.step == step
                errors.append(abs(forecast.days_to_empty - lead))
                low, high = forecast.days_low, forecast.days_high
                covered.append(low is not None and high is not None and low <= lead <= high)
            assert len(errors) >= fewest
            if errors:
                assert float(np.median(errors)) <= median_error
                assert float(np.mean(covered)) >= coverage


def test_stress_rows_have_no_targets() -> None:
    """Stress rows are labelled as such, carry the models and the baseline, and no targets."""
    battery = evaluate_battery(n_homes=6, days=30, seed=11, stress=Stress(battery_step=10))
    assert battery["data"] == "synthetic (stress)"
    assert "10 % steps" in battery["split"]
    assert "targets" not in battery
    names = evaluate_home_type_names(n_train=20, n_test=10, days=2, seed=3, test_seed=13)
    assert names["data"] == "synthetic (stress)"
    assert 0.0 <= names["macro_f1"] <= 1.0
    assert 0.0 <= names["macro_f1_same_homes_english"] <= 1.0
    stress = evaluate_anomaly_stress(n_homes=2, days=16, night_bursts_seed=13, names_seed=14)
    variants = stress["night_bursts_other_hours"]["by_variant"]
    assert len(variants) == 6
    for row in [*variants.values(), stress["non_english_names"]]:
        assert set(row) >= {"detectors", "combined", "rules_baseline"}
        assert "targets" not in row


@pytest.fixture(scope="module")
def failure_section() -> dict[str, Any]:
    """The failure section on a small corpus of development seeds (29 and 1029)."""
    from tools.evaluation.failure import evaluate_failure

    return evaluate_failure(n_train=60, n_test=40, days=45, seed=29)


def test_failure_section(failure_section: dict[str, Any]) -> None:
    """The failure section scores held-out homes' history labels at the shipped threshold,
    next to the threshold rules, a logistic regression and the bundled model."""
    from tools.evaluation.failure import FAILURE_TARGETS

    result = failure_section
    assert result["data"] == "synthetic"
    assert "trained on 60 homes (seed 29)" in result["split"]
    assert "tested on 40 other homes (seed 1029)" in result["split"]
    for key in ("pr_auc", "baseline_pr_auc", "recall_at_10pct_fpr", "precision_at_10pct_fpr"):
        assert 0.0 <= result[key] <= 1.0
    assert 0 < result["positives"] < result["samples"]
    assert sum(result["by_rule"].values()) == result["positives"]
    by_kind = result["positives_by_planted_kind"].values()
    assert sum(k["positives"] for k in by_kind) == result["positives"]
    assert 0.0 <= result["median_lead_days"] <= 7.0
    assert result["model"]["trees"] <= 150
    assert (
        result["targets"]
        == FAILURE_TARGETS
        == {
            "pr_auc_without_sudden_death_positives": 0.90,
            "precision_at_threshold": 0.80,
            "recall_at_threshold": 0.70,
        }
    )
    point = result["operating_point"]
    assert result["targets_met"] == {
        "pr_auc_without_sudden_death_positives": result["pr_auc_without_sudden_death_positives"]
        >= 0.90,
        "precision_at_threshold": point["precision"] >= 0.80,
        "recall_at_threshold": point["recall"] >= 0.70,
    }
    assert result["threshold_rule"] in {
        "lowest with precision >= 0.8 at 95 % confidence",
        "best F1 (precision 0.8 not reached at 95 % confidence)",
    }
    assert result["threshold_validation"]["rows"] == result["training_samples"]
    rules, logistic = (
        result["baselines"]["threshold_rules"],
        result["baselines"]["logistic_regression"],
    )
    assert rules["pr_auc"] == result["baseline_pr_auc"]
    assert rules["operating_point"]["threshold"] == 1.0  # at least one rule met
    assert logistic["class_weight"] in {"none", "balanced"}
    bundled = result["bundled_model"]
    assert "error" not in bundled, bundled
    assert "seed 2" in bundled["data"]
    stored = json.loads((BUNDLED / "failure/model.json").read_text())["info"]["extra"]
    assert bundled["operating_point"]["threshold"] == round(stored["threshold"], 4)
    for figures in (point, rules["operating_point"], logistic["operating_point"]):
        for part in (figures, figures["all_failures"]):
            for key in ("precision", "recall", "f1"):
                assert 0.0 <= part[key] <= 1.0
        assert figures["false_alerts_per_100_devices_per_week"] >= 0.0
        assert (
            figures["false_alerts_per_100_devices_per_week"]
            <= (figures["alerts_per_100_devices_per_week"])
        )
        assert figures["falsely_alerted_devices_per_100_devices_per_week"] >= 0.0
        assert (
            figures["falsely_alerted_devices_per_100_devices_per_week"]
            <= (figures["alerted_devices_per_100_devices_per_week"])
        )


def test_failure_quality_floor_on_development_seeds(failure_section: dict[str, Any]) -> None:
    """A drop in the failure model's quality fails here (development seeds, not reporting).

    Measured when set: PR-AUC 0.862 without sudden deaths' positives (0.543 with them),
    precision 0.744 and recall 0.78 at the threshold, 0.25 false alerts per 100 devices per
    week, on these 40 test homes (70 positives); the logistic regression reaches 0.805, the
    threshold rules 0.053 (with sudden deaths). The floors leave about 0.03 to 0.06.
    """
    result = failure_section
    point = result["operating_point"]
    logistic = result["baselines"]["logistic_regression"]
    assert result["positives"] == 70
    assert result["pr_auc_without_sudden_death_positives"] >= 0.83
    assert result["pr_auc"] >= 0.50
    assert point["precision"] >= 0.68
    assert point["recall"] >= 0.72
    assert point["false_alerts_per_100_devices_per_week"] <= 0.4
    assert result["pr_auc_without_sudden_death_positives"] >= (
        logistic["pr_auc_without_sudden_death_positives"] + 0.03
    )
    assert result["pr_auc"] >= result["baseline_pr_auc"] + 0.4


def test_operating_point_counts_alerts_per_device_week() -> None:
    """Two devices over two 7-day blocks of cuts every 2 days, counted by hand."""
    from custom_components.homeiq.core.failure import FAILURE_FEATURE_NAMES, FailureSamples
    from tools.evaluation.failure import JudgedSamples, operating_point

    # Cuts (days 0, 2, 4, 6 | 8, 10) for devices 0 and 1; device 1 dies suddenly at the end.
    y = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1])
    scores = np.array([0.1, 0.6, 0.7, 0.9, 0.2, 0.1, 0.1, 0.1, 0.6, 0.1, 0.1, 0.9])
    kinds = np.array(["dropout"] * 6 + ["sudden_death"] * 6)
    samples = FailureSamples(
        np.zeros((12, len(FAILURE_FEATURE_NAMES))),
        y,
        ["a"] * 6 + ["b"] * 6,
        np.zeros(12),
        np.zeros(12),
        [""] * 12,
    )
    weeks = np.array([0, 0, 0, 0, 1, 1] * 2)
    judged = JudgedSamples(
        samples, kinds, np.zeros(12, dtype=np.int64), np.repeat([0, 1], 6), weeks, {}
    )
    point = operating_point(judged, scores, 0.5)
    # Flagged: a at days 2, 4, 6 (2 of them right); b at day 4 (wrong) and day 10 (right).
    # Without sudden-death positives: 2 right of 4 flagged, 2 of 2 failures caught.
    assert point["precision"] == 0.5
    assert point["recall"] == 1.0
    assert point["f1"] == round(2 * 0.5 / 1.5, 3)
    assert point["all_failures"] == {"precision": 0.6, "recall": 0.75, "f1": round(0.9 / 1.35, 3)}
    device_weeks = 12 * 2 / 7
    assert point["alerts_per_100_devices_per_week"] == round(100 * 5 / device_weeks, 2)
    assert point["false_alerts_per_100_devices_per_week"] == round(100 * 2 / device_weeks, 2)
    # Device-weeks: (a, 0) alerted and right, (a, 1) quiet, (b, 0) alerted and wrong, (b, 1)
    # alerted and right (day 10's alert was followed by the failure).
    assert point["alerted_devices_per_100_devices_per_week"] == 75.0
    assert point["falsely_alerted_devices_per_100_devices_per_week"] == 25.0
    assert point["false_alerts_on_failing_devices"] == 1.0  # both devices fail later
    point = operating_point(judged, scores, 0.65)  # a's days 4 and 6, b's day 10
    assert point["alerted_devices_per_100_devices_per_week"] == 50.0
    assert point["falsely_alerted_devices_per_100_devices_per_week"] == 0.0
    point = operating_point(judged, np.where(np.arange(12) == 8, 0.95, scores), 0.92)
    # Only b's day-4 alert, which no failure followed within 7 days: one false device-week.
    assert point["alerted_devices_per_100_devices_per_week"] == 25.0
    assert point["falsely_alerted_devices_per_100_devices_per_week"] == 25.0
    assert point["precision"] == 0.0
