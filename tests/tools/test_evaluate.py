"""Tests for scripts/evaluate's code (the figures themselves are not asserted)."""

from __future__ import annotations

from tools.evaluate import evaluate_anomaly, evaluate_battery, evaluate_home_type


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
    result = evaluate_battery(n_homes=40, days=40, seed=1)
    assert result["data"] == "synthetic"
    assert result["cases"] > 0
    assert 0.0 <= result["median_abs_error_days"] < 365
    assert result["baseline_median_abs_error_days"] >= 0.0
    assert 0.0 <= result["range_10_90_covers_truth"] <= 1.0


def test_anomaly_section() -> None:
    """The anomaly section scores planted faults per day, by kind, next to a z-score."""
    result = evaluate_anomaly(n_homes=20, days=25, seed=11)
    assert result["data"] == "synthetic"
    for figures in (result, result["zscore_baseline"], *result["by_kind"].values()):
        for key in ("precision", "recall", "f1"):
            assert 0.0 <= figures[key] <= 1.0
    assert set(result["by_kind"]) == {"unusual_time", "stuck"}
    assert isinstance(result["anomalous_days"], int)
