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
    """The anomaly section scores planted faults per day, by kind and by model, next to a
    z-score; the cold-start forest comes from other homes than the reported ones.
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
    figures_list = [result, result["zscore_baseline"], *result["by_kind"].values()]
    for figures in models.values():
        figures_list += [figures, *figures["by_kind"].values()]
    for figures in figures_list:
        for key in ("precision", "recall", "f1"):
            assert 0.0 <= figures[key] <= 1.0
    assert set(result["by_kind"]) == {"unusual_time", "stuck"}
    assert result["by_kind"] == models["combined"]["by_kind"]
    assert result["f1"] == models["combined"]["f1"]
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


def test_failure_section() -> None:
    """The failure section scores held-out homes' history labels, next to the baseline."""
    from tools.evaluation.failure import evaluate_failure

    result = evaluate_failure(n_train=20, n_test=12, days=30, seed=5)
    assert result["data"] == "synthetic"
    assert "seed 5" in result["split"]
    assert "seed 1005" in result["split"]
    for key in ("pr_auc", "baseline_pr_auc", "recall_at_10pct_fpr", "precision_at_10pct_fpr"):
        assert 0.0 <= result[key] <= 1.0
    assert 0 < result["positives"] < result["samples"]
    assert sum(result["by_rule"].values()) == result["positives"]
    by_kind = result["positives_by_planted_kind"].values()
    assert sum(k["positives"] for k in by_kind) == result["positives"]
    assert 0.0 <= result["median_lead_days"] <= 7.0
    assert result["model"]["trees"] <= 150
    assert result["targets"] == {"pr_auc": 0.75, "pr_auc_over_baseline": 0.15}
