"""Tests for scripts/evaluate's code (the figures themselves are not asserted)."""

from __future__ import annotations

from tools.evaluate import evaluate_home_type


def test_home_type_section_is_complete_and_consistent() -> None:
    """The section has every figure the issue names, computed on the held-out homes."""
    result = evaluate_home_type(n_train=40, n_test=20, days=2, seed=3)
    assert result["data"] == "synthetic"
    for key in ("macro_f1", "macro_f1_20pct_entities_dropped"):
        assert 0.0 <= result[key] <= 1.0
    baselines = result["baseline_macro_f1"]
    assert set(baselines) == {"majority_class", "area_count_rule"}
    # A majority-class guess has recall 1 on one class of five and 0 elsewhere.
    assert baselines["majority_class"] <= 0.34
    matrix = result["confusion"]["rows_true_columns_predicted"]
    assert len(matrix) == len(result["confusion"]["labels"]) == 5
    assert sum(map(sum, matrix)) == 20
