"""Held-out evaluation: ``scripts/evaluate [--json]``.

Every figure is computed at run time on synthetic homes generated with a seed other than the
training homes' (split by home, before any augmentation), next to baselines. Results on
synthetic homes are labelled as such. Later issues add their sections.
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import sys
import time
from typing import Any

import numpy as np

from custom_components.homeiq.core.home_type import (
    FEATURE_NAMES,
    HOME_TYPES,
    drop_entities,
    home_type_features,
)
from custom_components.homeiq.core.synthetic import generate_corpus
from custom_components.homeiq.core.trees import export_ensemble

TARGETS = {"macro_f1": 0.90, "macro_f1_20pct_entities_dropped": 0.80}


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, labels=list(HOME_TYPES), average="macro"))


def evaluate_home_type(
    *, n_train: int = 600, n_test: int = 400, days: int = 7, seed: int = 1
) -> dict[str, Any]:
    """Train on one synthetic corpus, evaluate on another (other seed) with the numpy evaluator."""
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.metrics import confusion_matrix
    from sklearn.tree import DecisionTreeClassifier

    train = generate_corpus(n_train, seed, days=days)
    test = generate_corpus(n_test, seed + 1000, days=days)
    x_train = np.array([home_type_features(s.home) for s in train])
    y_train = [s.truth.home_type for s in train]
    x_test = np.array([home_type_features(s.home) for s in test])
    y_test = [s.truth.home_type for s in test]
    rng = np.random.default_rng(seed)
    x_dropped = np.array([home_type_features(drop_entities(s.home, 0.2, rng)) for s in test])

    model = ExtraTreesClassifier(n_estimators=300, min_samples_leaf=1, random_state=seed)
    model.fit(x_train, y_train)
    ensemble = export_ensemble(model)  # what ships: evaluated with numpy alone
    predicted = [str(label) for label in ensemble.predict(x_test)]
    predicted_dropped = [str(label) for label in ensemble.predict(x_dropped)]

    majority = Counter(y_train).most_common(1)[0][0]
    areas = FEATURE_NAMES.index("areas")
    area_rule = DecisionTreeClassifier(max_depth=3, random_state=seed)
    area_rule.fit(x_train[:, [areas]], y_train)
    return {
        "data": "synthetic",
        "split": f"by home: {n_train} training homes (seed {seed}), "
        f"{n_test} held-out homes (seed {seed + 1000}), {days} days each",
        "macro_f1": round(_macro_f1(y_test, predicted), 3),
        "macro_f1_20pct_entities_dropped": round(_macro_f1(y_test, predicted_dropped), 3),
        "baseline_macro_f1": {
            "majority_class": round(_macro_f1(y_test, [majority] * len(y_test)), 3),
            "area_count_rule": round(
                _macro_f1(y_test, list(area_rule.predict(x_test[:, [areas]]))), 3
            ),
        },
        "confusion": {
            "labels": list(HOME_TYPES),
            "rows_true_columns_predicted": confusion_matrix(
                y_test, predicted, labels=list(HOME_TYPES)
            ).tolist(),
        },
        "targets": TARGETS,
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    """All evaluation sections."""
    t0 = time.perf_counter()
    sizes = {"n_train": 60, "n_test": 30, "days": 3} if quick else {}
    result: dict[str, Any] = {"home_type": evaluate_home_type(**sizes)}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    """Print the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="small corpora (a smoke run)")
    args = parser.parse_args()
    result = run(quick=args.quick)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
