"""The failure model: fit (scikit-learn, imported inside :func:`train_failure_model` and
:func:`fit_failure_model` alone), its threshold, risks from it and the rule baseline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..ml.trees import TreeEnsemble, export_ensemble
from .features import (
    _INDEX,
    FALLBACK_THRESHOLD,
    TARGET_PRECISION,
)

type FloatArray = npt.NDArray[np.float64]


def failure_classifier(seed: int = 0) -> Any:
    """The unfitted scikit-learn classifier behind the failure model (needs scikit-learn).

    An extremely randomised forest of 100 trees with at most 64 leaves each, which keeps
    the exported model near half a megabyte. Chosen by home-grouped cross-validation on
    training homes only (``compare_candidates`` in ``tools/evaluation/failure.py``).
    """
    from sklearn.ensemble import ExtraTreesClassifier

    return ExtraTreesClassifier(
        n_estimators=100,
        max_leaf_nodes=64,
        min_samples_leaf=3,
        max_features=0.5,
        random_state=seed,
    )


def train_failure_model(X: FloatArray, y: npt.NDArray[np.int64], *, seed: int = 0) -> TreeEnsemble:
    """Fit :func:`failure_classifier` on the rows and export it to arrays."""
    model = failure_classifier(seed)
    model.fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64))
    return export_ensemble(model)


def risk_threshold_rule(
    y: npt.NDArray[np.int64], scores: FloatArray, *, precision: float = TARGET_PRECISION
) -> tuple[float, str]:
    """The probability from which a device counts as at risk, and the rule that chose it.

    ``scores`` are out-of-sample risks of labelled rows (never rows the model was fitted
    on). The lowest threshold (in steps of 0.001) at which the precision on them is at least
    ``precision`` with 95 % confidence (one-sided Wilson lower bound): a repair issue should
    mostly be right on homes the threshold was not chosen on, where a point estimate of
    exactly ``precision`` would fall short half the time; the lowest such threshold keeps
    as many failures as it can. When no threshold gets there, the threshold with the best
    F1; without a failure scored above 0, :data:`FALLBACK_THRESHOLD`. A threshold of 0
    (every device at risk) is never chosen.
    """
    labels = np.asarray(y, dtype=np.int64).reshape(-1)
    values = np.asarray(scores, dtype=np.float64).reshape(-1)
    candidates = np.unique(np.round(values, 3))
    candidates = candidates[(candidates > 0.0) & (candidates <= values.max(initial=0.0))]
    if not labels.any() or candidates.size == 0:
        return FALLBACK_THRESHOLD, "no failure to choose from"
    # Rows at or above each candidate (as the risk is compared with it): counts from the top.
    order = np.argsort(values, kind="mergesort")
    sorted_scores, sorted_labels = values[order], labels[order]
    first = np.searchsorted(sorted_scores, candidates, side="left")
    flagged = labels.size - first
    caught = np.concatenate((np.cumsum(sorted_labels[::-1])[::-1], [0]))[first]
    reached = np.flatnonzero(_precision_lower_bound(caught, flagged) >= precision)
    if reached.size:
        return float(candidates[reached[0]]), (
            f"lowest with precision >= {precision:g} at 95 % confidence"
        )
    f1 = 2 * caught / (flagged + int(labels.sum()))
    if not f1.any():
        return FALLBACK_THRESHOLD, "no failure scored above 0"
    return float(candidates[int(np.argmax(f1))]), (
        f"best F1 (precision {precision:g} not reached at 95 % confidence)"
    )


def _precision_lower_bound(
    caught: npt.NDArray[np.int64], flagged: npt.NDArray[np.int64]
) -> FloatArray:
    """One-sided 95 % Wilson lower bound of ``caught / flagged`` (``flagged`` > 0)."""
    z = 1.645
    n = flagged.astype(np.float64)
    p = caught / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.asarray((centre - spread) / (1 + z * z / n), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class FittedFailureModel:
    """A failure model fitted on all rows, with the threshold chosen on held-out folds.

    ``validation`` holds the out-of-fold figures the threshold was chosen on.
    """

    ensemble: TreeEnsemble
    threshold: float
    rule: str
    validation: dict[str, float]

    def threshold_metadata(self) -> dict[str, Any]:
        """What the registry stores with the model about its threshold."""
        return {
            "threshold": self.threshold,
            "threshold_rule": self.rule,
            "threshold_validation": self.validation,
        }


def fit_failure_model(
    X: FloatArray,
    y: npt.NDArray[np.int64],
    folds: npt.NDArray[np.int64],
    *,
    seed: int = 0,
) -> FittedFailureModel:
    """Fit the failure model and choose its threshold without looking at other data.

    Each fold (homes for the bundled model, devices for a model of one home) is scored by
    a model fitted on the other folds; :func:`risk_threshold_rule` chooses the threshold on
    those out-of-fold scores, and the model that ships is fitted on every row.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    folds = np.asarray(folds)
    scores = np.zeros(y.shape[0], dtype=np.float64)
    names = np.unique(folds).tolist()
    for fold in names if len(names) > 1 else []:
        inside = folds == fold
        probe = train_failure_model(X[~inside], y[~inside], seed=seed)
        scores[inside] = failure_risk(probe, X[inside])
    threshold, rule = (
        risk_threshold_rule(y, scores)
        if len(names) > 1
        else (FALLBACK_THRESHOLD, "one fold: no out-of-fold risks to choose from")
    )
    flagged = scores >= threshold
    caught = int((flagged & (y == 1)).sum())
    validation = {
        "precision": round(caught / max(int(flagged.sum()), 1), 4),
        "recall": round(caught / max(int(y.sum()), 1), 4),
        "positives": int(y.sum()),
        "rows": int(y.shape[0]),
    }
    return FittedFailureModel(train_failure_model(X, y, seed=seed), threshold, rule, validation)


def failure_risk(model: TreeEnsemble, X: FloatArray) -> FloatArray:
    """The probability of failure within the horizon, one per row.

    A model that never saw a failure (its only class is 0) gives 0 everywhere.
    """
    rows = np.atleast_2d(np.asarray(X, dtype=np.float64))
    if 1 not in model.classes:
        return np.zeros(rows.shape[0], dtype=np.float64)
    proba = model.predict_proba(rows)
    return np.asarray(proba[:, list(model.classes).index(1)], dtype=np.float64)


def baseline_risk(features: FloatArray) -> float:
    """The threshold rules the original project used, as a score (rules met, plus a tie-break).

    Rules: error rate (unavailable episodes among reports, last 7 days) above 0.1, battery
    below 20 %, reporting gap more than three times the normal longest gap ("slow
    responses"). The tie-break in ``[0, 1)`` grows with each quantity.
    """
    f = np.asarray(features, dtype=np.float64).reshape(-1)
    error = float(f[_INDEX["error_rate_7d"]])
    battery = float(f[_INDEX["battery_level"]])
    silence = float(f[_INDEX["silence_ratio"]])
    rules = int(error > 0.1) + int(0.0 <= battery < 20.0) + int(silence > 3.0)
    tie = (
        min(max(error, 0.0), 1.0)
        + (1.0 - min(battery, 100.0) / 100.0 if battery >= 0.0 else 0.0)
        + (min(silence, 10.0) / 10.0 if silence >= 0.0 else 0.0)
    ) / 3.0
    return rules + 0.999 * tie
