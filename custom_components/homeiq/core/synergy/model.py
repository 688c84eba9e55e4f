"""Training the synergy ranker (``scripts/train``; needs scikit-learn, imported lazily)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..ml.trees import TreeEnsemble, export_ensemble


def fit_ranker(
    features: npt.NDArray[np.float64], labels: npt.NDArray[np.bool_], *, seed: int
) -> TreeEnsemble:
    """The ranker: small gradient-boosted trees on the candidates' features, labelled by
    whether the pair is a planted synergy nobody automated yet."""
    from sklearn.ensemble import GradientBoostingClassifier

    model = GradientBoostingClassifier(
        n_estimators=150, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=seed
    )
    model.fit(features, labels.astype(int))
    return export_ensemble(model)
