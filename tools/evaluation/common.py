"""Helpers shared by the evaluation sections."""

from __future__ import annotations


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
