"""Metrics of held-out checks, in numpy alone (they run where scikit-learn cannot)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def average_precision(y: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> float:
    """Area under the precision-recall curve as scikit-learn's ``average_precision_score``."""
    order = np.argsort(-scores, kind="mergesort")
    y_sorted, s_sorted = y[order], scores[order]
    distinct = np.r_[np.flatnonzero(np.diff(s_sorted)), y_sorted.size - 1]
    tps = np.cumsum(y_sorted)[distinct]
    fps = 1 + distinct - tps
    positives = tps[-1] if tps.size else 0
    if positives == 0:
        return 0.0
    precision = tps / (tps + fps)
    recall = tps / positives
    recall_steps = np.diff(np.r_[0.0, recall])
    return float(np.sum(recall_steps * precision))
