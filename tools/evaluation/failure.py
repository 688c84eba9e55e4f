"""Failure section: will a device fail within 7 days? Trained on some homes, tested on others.

Labels come from each test home's own history after the cut (long unavailability, empty
battery, a device that stops reporting; see ``core/failure.py``), never from the planted
ground truth. The ground truth is used only for sanity figures: how the history labels line
up with the planted failures, and how well each planted kind is caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.failure import (
    DAY,
    HORIZON_DAYS,
    FailureSamples,
    baseline_risk,
    failure_cuts,
    failure_risk,
    failure_samples,
    train_failure_model,
)
from custom_components.homeiq.core.synthetic import SyntheticHome, generate_corpus

FAILURE_TARGETS = {"pr_auc": 0.75, "pr_auc_over_baseline": 0.15}
ENDING_KINDS = frozenset({"battery_depletion", "dropout", "sudden_death"})
FIRST_DAYS = 14.0
STEP_DAYS = 2.0
TARGET_FPR = 0.10
MATCH_AFTER_DAYS = 14.0  # a label matches a planted failure that follows it within this


def _samples(
    corpus: list[SyntheticHome],
) -> tuple[FailureSamples, list[str], dict[str, Any]]:
    """Samples of all homes, the planted kind behind each sample's device, label sanity."""
    parts, kinds = [], []
    matched = expected = caught = 0
    for synthetic in corpus:
        home = synthetic.home
        cuts = failure_cuts(home, first_days=FIRST_DAYS, step_days=STEP_DAYS)
        samples = failure_samples(home, cuts)
        planted = {f.device_id: f for f in synthetic.truth.failures}
        device_kinds = [planted[d].kind if d in planted else "none" for d in samples.device_ids]
        for i in np.flatnonzero(samples.y).tolist():
            failure = planted.get(samples.device_ids[i])
            event = float(samples.event_ts[i])
            matched += int(
                failure is not None
                and failure.kind in ENDING_KINDS
                and failure.failure_ts is not None
                and event - DAY <= failure.failure_ts <= event + MATCH_AFTER_DAYS * DAY
            )
        if cuts.size:
            positive_devices = {
                d for d, y in zip(samples.device_ids, samples.y.tolist(), strict=True) if y
            }
            for failure in synthetic.truth.failures:
                ts = failure.failure_ts
                if (
                    failure.kind in ENDING_KINDS
                    and ts is not None
                    and cuts[0] < ts <= cuts[-1] + HORIZON_DAYS * DAY
                ):
                    expected += 1
                    caught += int(failure.device_id in positive_devices)
        parts.append(samples)
        kinds.extend(device_kinds)
    combined = FailureSamples.concatenate(parts)
    positives = int(combined.y.sum())
    sanity = {
        "positive_labels_matching_a_planted_failure": round(matched / max(positives, 1), 3),
        "planted_failures_with_a_positive_label": round(caught / max(expected, 1), 3),
        "planted_failures_in_reach": expected,
    }
    return combined, kinds, sanity


def _average_precision(y: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, scores)) if y.any() else float("nan")


def _threshold_at_fpr(
    y: npt.NDArray[np.int64], scores: npt.NDArray[np.float64], fpr_limit: float
) -> float:
    """The lowest score threshold whose false-positive rate stays within ``fpr_limit``."""
    from sklearn.metrics import roc_curve

    fpr, _, thresholds = roc_curve(y, scores)
    return float(thresholds[np.flatnonzero(fpr <= fpr_limit)[-1]])


def evaluate_failure(
    *, n_train: int = 180, n_test: int = 150, days: int = 45, seed: int = 29
) -> dict[str, Any]:
    """Failure within 7 days: PR-AUC on held-out homes, next to the threshold baseline.

    The model is trained on ``n_train`` homes of seed ``seed`` and tested on ``n_test``
    homes of seed ``seed + 1000`` (split by home). Cuts: every 2 days from day 14, each
    with a full 7-day horizon inside the window. Predictions come from the exported numpy
    ensemble, the model that ships.
    """
    train, _, _ = _samples(generate_corpus(n_train, seed, days=days))
    test, kinds, sanity = _samples(generate_corpus(n_test, seed + 1000, days=days))
    ensemble = train_failure_model(train.X, train.y, seed=seed)
    scores = failure_risk(ensemble, test.X)
    baseline = np.array([baseline_risk(row) for row in test.X])
    y = test.y
    pr_auc = _average_precision(y, scores)
    baseline_pr_auc = _average_precision(y, baseline)
    threshold = _threshold_at_fpr(y, scores, TARGET_FPR) if y.any() else float("inf")
    flagged = scores >= threshold
    caught = flagged & (y == 1)
    leads = (test.event_ts[caught] - test.cuts[caught]) / DAY
    kind_array = np.array(kinds)
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted(set(kind_array[y == 1].tolist())):
        positive = (y == 1) & (kind_array == kind)
        by_kind[kind] = {
            "positives": int(positive.sum()),
            "recall_at_10pct_fpr": round(float(flagged[positive].mean()), 3),
        }
    sudden = (y == 1) & (kind_array == "sudden_death")
    return {
        "data": "synthetic",
        "split": f"trained on {n_train} homes (seed {seed}), tested on {n_test} other homes "
        f"(seed {seed + 1000}), {days} days each; a device is judged every "
        f"{STEP_DAYS:g} days from day {FIRST_DAYS:g} on whether its own history shows a "
        f"failure in the next {HORIZON_DAYS:g} days",
        "pr_auc": round(pr_auc, 3),
        "baseline_pr_auc": round(baseline_pr_auc, 3),
        "recall_at_10pct_fpr": round(float(caught.sum() / max(int(y.sum()), 1)), 3),
        "precision_at_10pct_fpr": round(float(caught.sum() / max(int(flagged.sum()), 1)), 3),
        "median_lead_days": round(float(np.median(leads)), 2) if leads.size else None,
        "positives": int(y.sum()),
        "samples": len(test),
        "training_samples": len(train),
        "training_positives": int(train.y.sum()),
        "by_rule": dict(sorted(Counter(r for r in test.rules if r).items())),
        # Ground truth, for analysis only: sudden deaths give no warning by design.
        "positives_by_planted_kind": by_kind,
        "pr_auc_without_sudden_death_positives": round(
            _average_precision(y[~sudden], scores[~sudden]), 3
        ),
        "label_sanity": sanity,
        "model": {"trees": ensemble.n_trees, "nodes": ensemble.n_nodes},
        "targets": FAILURE_TARGETS,
    }


def compare_candidates(
    *, n_homes: int = 160, days: int = 45, seed: int = 101, folds: int = 4
) -> dict[str, dict[str, float]]:
    """How the model was chosen: home-grouped cross-validation on training homes only.

    Never run on the test seed of :func:`evaluate_failure`. Returns the average precision
    of each candidate over all folds, with and without the positives of planted sudden
    deaths (which give no warning).
    """
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        RandomForestClassifier,
    )

    corpus = generate_corpus(n_homes, seed, days=days)
    parts = [_samples([synthetic]) for synthetic in corpus]
    samples = FailureSamples.concatenate([p[0] for p in parts])
    kinds = np.array([k for p in parts for k in p[1]])
    fold = np.concatenate([np.full(len(p[0]), i % folds) for i, p in enumerate(parts)])
    sudden = (samples.y == 1) & (kinds == "sudden_death")
    candidates: dict[str, Callable[[], Any]] = {
        "extra_trees_100x64_mf0.5": lambda: ExtraTreesClassifier(
            n_estimators=100, max_leaf_nodes=64, min_samples_leaf=3, max_features=0.5
        ),
        "random_forest_100x64": lambda: RandomForestClassifier(
            n_estimators=100, max_leaf_nodes=64, min_samples_leaf=3
        ),
        "gradient_boosting_150_d4_lr0.03": lambda: GradientBoostingClassifier(
            n_estimators=150, max_depth=4, learning_rate=0.03, subsample=0.8, min_samples_leaf=50
        ),
    }
    result = {}
    for name, make in candidates.items():
        scores = np.zeros(len(samples))
        for f in range(folds):
            model = make().set_params(random_state=seed)
            model.fit(samples.X[fold != f], samples.y[fold != f])
            scores[fold == f] = model.predict_proba(samples.X[fold == f])[:, 1]
        result[name] = {
            "pr_auc": round(_average_precision(samples.y, scores), 3),
            "pr_auc_without_sudden_death_positives": round(
                _average_precision(samples.y[~sudden], scores[~sudden]), 3
            ),
        }
    return result
