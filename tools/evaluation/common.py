"""Helpers shared by the evaluation sections."""

from __future__ import annotations


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from true positives, false positives and false negatives."""
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    """Macro-averaged F1 over the five home types (absent classes count as 0)."""
    from sklearn.metrics import f1_score

    from custom_components.homeiq.core.home_type import HOME_TYPES

    return float(f1_score(truth, predicted, labels=list(HOME_TYPES), average="macro"))
