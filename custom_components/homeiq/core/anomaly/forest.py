"""The isolation forest that reads day rows against the normal days it was trained on
(scikit-learn is imported inside :func:`train_anomaly_forest` alone)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ..ml.trees import TreeEnsemble, export_ensemble
from .normal import DAY_FEATURE_NAMES, FEATURE_LIMIT

type FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class AnomalyForest:
    """An isolation forest over day rows, with its threshold and the normal it saw.

    ``threshold``: the anomaly score (``-score_samples``, in (0, 1]) above which a day is
    unusual, chosen on the training rows; ``center`` and ``spread``: the median and the
    99th percentile of the absolute deviation of each feature on those rows, to name the
    feature farthest from normal; ``min_deviation``: how many spreads that feature must be
    away before the forest's flag counts.
    """

    ensemble: TreeEnsemble
    threshold: float
    center: tuple[float, ...]
    spread: tuple[float, ...]
    rows: int = 0
    min_deviation: float = 3.0

    def __post_init__(self) -> None:
        """Check that the forest reads day rows."""
        n = len(DAY_FEATURE_NAMES)
        if self.ensemble.kind != "isolation_forest" or self.ensemble.n_features != n:
            raise ValueError(f"expected an isolation forest over {n} day features")
        if len(self.center) != n or len(self.spread) != n:
            raise ValueError(f"center and spread need {n} values each")
        if not all(math.isfinite(v) for v in (*self.center, *self.spread, self.threshold)):
            raise ValueError("center, spread and threshold must be finite")
        if min(self.spread) <= 0:
            raise ValueError("spread must be positive")

    def scores(self, rows: npt.ArrayLike) -> FloatArray:
        """Anomaly score of each row, in (0, 1]; larger is more unusual."""
        return -self.ensemble.score_samples(rows)

    def deviations(self, rows: npt.ArrayLike) -> FloatArray:
        """How far each feature is from the training median, in spreads."""
        centered = np.asarray(rows, dtype=np.float64) - np.array(self.center)
        return np.asarray(centered / np.array(self.spread), dtype=np.float64)

    def flags(self, rows: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each row is unusual: score above the threshold and one feature far out."""
        far = np.abs(self.deviations(rows)).max(axis=1) >= self.min_deviation
        return np.asarray((self.scores(rows) > self.threshold) & far, dtype=np.bool_)

    def farthest(self, row: npt.ArrayLike) -> int:
        """Index of the feature farthest from normal."""
        return int(np.argmax(np.abs(self.deviations(np.atleast_2d(row))[0])))

    def metadata(self) -> dict[str, Any]:
        """What a model registry keeps next to the ensemble's own metadata (JSON-able)."""
        return {
            "features": list(DAY_FEATURE_NAMES),
            "threshold": self.threshold,
            "center": list(self.center),
            "spread": list(self.spread),
            "rows": self.rows,
            "min_deviation": self.min_deviation,
        }

    @classmethod
    def from_metadata(cls, ensemble: TreeEnsemble, metadata: Mapping[str, Any]) -> AnomalyForest:
        """Rebuild from :meth:`metadata`; ``ValueError`` when it does not fit these features."""
        if list(metadata.get("features", ())) != list(DAY_FEATURE_NAMES):
            raise ValueError("the forest was trained on other day features")
        try:
            return cls(
                ensemble=ensemble,
                threshold=float(metadata["threshold"]),
                center=tuple(float(v) for v in metadata["center"]),
                spread=tuple(float(v) for v in metadata["spread"]),
                rows=int(metadata.get("rows", 0)),
                min_deviation=float(metadata.get("min_deviation", 3.0)),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"incomplete anomaly forest metadata: {err}") from err


def train_anomaly_forest(
    rows: npt.ArrayLike,
    *,
    seed: int = 0,
    n_trees: int = 100,
    max_samples: int = 256,
    trim: float = 0.01,
    false_alarm_rate: float = 1e-3,
    min_deviation: float = 3.0,
) -> AnomalyForest:
    """Train an isolation forest on normal day rows (needs scikit-learn, imported here).

    Normal periods hold faults too, so the forest is fitted twice: the ``trim`` share of
    rows the first fit finds most unusual is left out of the second. The threshold is the
    ``1 - false_alarm_rate`` quantile of the kept rows' scores; the center and spread (for
    ``min_deviation``) are those of all rows.
    """
    from sklearn.ensemble import IsolationForest

    X = np.asarray(rows, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(DAY_FEATURE_NAMES) or X.shape[0] < 2:
        raise ValueError(f"need at least 2 rows of {len(DAY_FEATURE_NAMES)} day features")
    X = np.clip(np.nan_to_num(X, nan=0.0), -FEATURE_LIMIT, FEATURE_LIMIT)

    def fit(data: FloatArray) -> TreeEnsemble:
        size = min(max_samples, data.shape[0])
        forest = IsolationForest(n_estimators=n_trees, max_samples=size, random_state=seed)
        return export_ensemble(forest.fit(data))

    center = np.median(X, axis=0)
    spread = np.quantile(np.abs(X - center), 0.99, axis=0)
    ensemble = fit(X)
    if trim > 0 and X.shape[0] * (1.0 - trim) >= 2:
        first = -ensemble.score_samples(X)
        X = X[first <= np.quantile(first, 1.0 - trim)]
        ensemble = fit(X)
    scores = -ensemble.score_samples(X)
    return AnomalyForest(
        ensemble=ensemble,
        threshold=float(np.quantile(scores, 1.0 - false_alarm_rate)),
        center=tuple(float(v) for v in center),
        spread=tuple(float(v) for v in np.maximum(spread, 1e-3)),
        rows=int(X.shape[0]),
        min_deviation=min_deviation,
    )
