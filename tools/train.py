"""Train the bundled models on the synthetic corpus: ``scripts/train [--quick] [--only NAME]``.

Writes ``custom_components/homeiq/models/<name>/model.{npz,json}`` (registry format 2: one
npz blob, version 0, ``trained_on: synthetic``) with held-out metrics measured on homes
generated with another seed, and prints a JSON summary. ``names`` is the name embedding
table distilled from MiniLM (``tools/distill_names.py``; no synthetic homes). The graph
model (``gnn``, :mod:`tools.gnn_train`: one safetensors blob) learns from the real
configurations' training homes too, reads the bundled name embeddings, and its blend is
fitted to the synergy ranker in ``--out``, so it is trained after those. Needs
scikit-learn, torch, torch-geometric and sentence-transformers (the ``train`` group).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
import json
from pathlib import Path
import sys
import time
from typing import Any

import numpy as np

from custom_components.homeiq.core.anomaly import DAY_FEATURE_NAMES
from custom_components.homeiq.core.failure import (
    FAILURE_FEATURE_NAMES,
    THRESHOLD_FOLDS,
    FailureSamples,
    failure_cuts,
    failure_risk,
    failure_samples,
    fit_failure_model,
)
from custom_components.homeiq.core.home_type import FEATURE_NAMES, fit_home_type
from custom_components.homeiq.core.ml.metrics import average_precision
from custom_components.homeiq.core.ml.models import (
    ANOMALY_MODEL,
    FAILURE_MODEL,
    HOME_TYPE_MODEL,
    SYNERGY_MODEL,
    write_bundled,
)
from custom_components.homeiq.core.names import NAMES_MODEL
from custom_components.homeiq.core.synergy import FEATURE_NAMES as SYNERGY_FEATURE_NAMES
from custom_components.homeiq.core.synergy.model import fit_ranker
from tools.distill_names import distill as distill_names
from tools.evaluation.anomaly import score_homes, train_cold_start_forest
from tools.evaluation.common import macro_f1
from tools.evaluation.home_type import features_and_labels
from tools.evaluation.synergy import bundled_synergy_ranker
from tools.gnn_train import name_embedder, train_gnn_bundle
from tools.realconfigs import corpus_path, load_real_homes
from tools.synergy_samples import mean_reciprocal_ranks, ranking_samples
from tools.synthetic import generate_corpus

BUNDLED_ROOT = Path(__file__).resolve().parent.parent / "custom_components/homeiq/models"


def train_home_type(
    out: Path, *, n_train: int, n_test: int, days: int, seed: int
) -> dict[str, Any]:
    """Train on ``n_train`` homes (seed), measure on ``n_test`` homes (seed + 1000), write."""
    x_train, y_train = features_and_labels(generate_corpus(n_train, seed, days=days))
    x_test, y_test = features_and_labels(generate_corpus(n_test, seed + 1000, days=days))
    ensemble = fit_home_type(x_train, y_train, seed=seed)
    predicted = [str(label) for label in ensemble.predict(x_test)]
    majority = Counter(y_train).most_common(1)[0][0]
    metrics = {
        "macro_f1": round(macro_f1(y_test, predicted), 4),
        "baseline_majority_macro_f1": round(macro_f1(y_test, [majority] * len(y_test)), 4),
    }
    info = write_bundled(
        out,
        HOME_TYPE_MODEL,
        ensemble,
        FEATURE_NAMES,
        n_samples=len(y_train),
        metrics=metrics,
        primary_metric="macro_f1",
        extra={
            "data": f"{n_train} synthetic homes (seed {seed}), held out: {n_test} homes "
            f"(seed {seed + 1000}), {days} days each"
        },
    )
    return {"version": info.version, "n_samples": info.n_samples, "metrics": metrics}


def _failure_corpus(n_homes: int, seed: int, days: int) -> tuple[FailureSamples, np.ndarray]:
    """Samples of every home, and the index of the home each sample comes from."""
    parts = []
    for synthetic in generate_corpus(n_homes, seed, days=days):
        home = synthetic.home
        parts.append(failure_samples(home, failure_cuts(home, first_days=14.0, step_days=2.0)))
    home_index = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
    return FailureSamples.concatenate(parts), home_index


def train_failure(out: Path, *, n_train: int, n_test: int, days: int, seed: int) -> dict[str, Any]:
    """Train on homes of ``seed``, test on ``seed + 1000``; write the model and its threshold.

    The threshold is chosen on out-of-fold risks of the training homes, split by home
    (:func:`fit_failure_model`), and stored with the model, which the integration applies.
    """
    train, home_index = _failure_corpus(n_train, seed, days)
    test, _ = _failure_corpus(n_test, seed + 1000, days)
    fitted = fit_failure_model(train.X, train.y, home_index % THRESHOLD_FOLDS, seed=seed)
    scores = failure_risk(fitted.ensemble, test.X)
    flagged = scores >= fitted.threshold
    caught = int((flagged & (test.y == 1)).sum())
    metrics = {
        "pr_auc": round(average_precision(test.y, scores), 4),
        "precision_at_threshold": round(caught / max(int(flagged.sum()), 1), 4),
        "recall_at_threshold": round(caught / max(int(test.y.sum()), 1), 4),
        "positive_share": round(float(test.y.mean()), 4),
    }
    info = write_bundled(
        out,
        FAILURE_MODEL,
        fitted.ensemble,
        FAILURE_FEATURE_NAMES,
        n_samples=len(train),
        metrics=metrics,
        primary_metric="pr_auc",
        extra={
            **fitted.threshold_metadata(),
            "data": f"{n_train} synthetic homes (seed {seed}), cuts every 2 days; held out: "
            f"{n_test} homes (seed {seed + 1000}); {days} days each",
        },
    )
    return {
        "version": info.version,
        "n_samples": info.n_samples,
        "threshold": fitted.threshold,
        "threshold_rule": fitted.rule,
        "metrics": metrics,
    }


def train_anomaly(out: Path, *, n_train: int, n_test: int, days: int, seed: int) -> dict[str, Any]:
    """The cold-start forest: trained on the normal days (the first 14) of ``n_train`` homes
    of ``seed``, no labels; measured with the detectors on planted faults of ``n_test`` homes
    of ``seed + 1000``.
    """
    forest = train_cold_start_forest(generate_corpus(n_train, seed, days=days), seed=seed)
    scored = score_homes(
        generate_corpus(n_test, seed + 1000, days=days), forest, home_forests=False
    )
    figures = scored["tallies"]["combined"].figures()
    metrics = {
        "f1": figures["f1"],
        "precision": figures["precision"],
        "recall": figures["recall"],
        "detectors_only_f1": scored["tallies"]["detectors"].figures()["f1"],
    }
    info = write_bundled(
        out,
        ANOMALY_MODEL,
        forest.ensemble,
        DAY_FEATURE_NAMES,
        n_samples=forest.rows,
        metrics=metrics,
        primary_metric="f1",
        extra={
            "forest": forest.metadata(),
            "data": f"normal days (days 0-13) of {n_train} synthetic homes (seed {seed}); "
            f"held out: planted night activity and stuck sensors in {n_test} homes "
            f"(seed {seed + 1000}), {days} days each",
        },
    )
    return {"version": info.version, "n_samples": info.n_samples, "metrics": metrics}


SYNERGY_DAYS = (0, 3, 7, 30)  # history lengths the ranker trains on (one home at each)


def train_synergy(out: Path, *, n_train: int, n_test: int, seed: int) -> dict[str, Any]:
    """Train the synergy ranker on the candidates of ``n_train`` homes (seed) cut to 0, 3, 7
    and 30 days, labelled by the planted synergies nobody automated; measure MRR next to the
    rules and miner baselines on ``n_test`` homes (seed + 1000)."""
    train = generate_corpus(n_train, seed, days=30)
    features, labels, _ = ranking_samples(train, SYNERGY_DAYS)
    ensemble = fit_ranker(features, labels, seed=seed)
    test = generate_corpus(n_test, seed + 1000, days=30)
    metrics: dict[str, float] = {}
    for days in (3, 30):
        for name, value in mean_reciprocal_ranks(test, ensemble, days).items():
            metrics[f"{name}_mrr_{days}d"] = value
    info = write_bundled(
        out,
        SYNERGY_MODEL,
        ensemble,
        SYNERGY_FEATURE_NAMES,
        n_samples=int(labels.shape[0]),
        metrics=metrics,
        primary_metric="combined_mrr_30d",
        extra={
            "data": f"candidates of {n_train} synthetic homes (seed {seed}) at "
            f"{', '.join(map(str, SYNERGY_DAYS))} days of history, {int(labels.sum())} planted "
            f"pairs nobody automated; held out: {n_test} homes (seed {seed + 1000})"
        },
    )
    return {"version": info.version, "n_samples": info.n_samples, "metrics": metrics}


def train_gnn(out: Path, *, quick: bool = False, realconfigs: Path | None = None) -> dict[str, Any]:
    """Pretrain the graph model and fit its blend to the synergy ranker bundled in ``out``
    (:func:`tools.gnn_train.train_gnn_bundle`); the real configurations from ``realconfigs``
    (else :func:`~tools.realconfigs.corpus_path`; none when absent)."""
    path = realconfigs or corpus_path()
    real_homes = load_real_homes(path) if path is not None and path.is_file() else []
    sizes: dict[str, Any] = (
        {"synthetic_homes": 6, "real_seeds": (1,), "epochs": 4, "budget_s": 30.0} if quick else {}
    )
    return train_gnn_bundle(
        out,
        real_homes,
        ranker=bundled_synergy_ranker(out),
        embedder=name_embedder(),
        **sizes,
    )


MODEL_NAMES = ("home_type", "failure", "anomaly", "synergy", NAMES_MODEL, "gnn")
QUICK_NAME_TOKENS = 3000  # --quick distils the names table of the first tokens only


def run(out: Path, *, quick: bool = False, only: Sequence[str] | None = None) -> dict[str, Any]:
    """Train every bundled model (or those named in ``only``); return what was written."""
    t0 = time.perf_counter()
    chosen = set(MODEL_NAMES if only is None else only)
    sizes = (
        {"n_train": 60, "n_test": 30, "days": 3}
        if quick
        else {
            "n_train": 1200,
            "n_test": 400,
            "days": 7,
        }
    )
    failure_sizes = (
        {"n_train": 30, "n_test": 10, "days": 30}
        if quick
        else {
            "n_train": 400,
            "n_test": 150,
            "days": 60,
        }
    )
    anomaly_sizes = (
        {"n_train": 4, "n_test": 3, "days": 20}
        if quick
        else {"n_train": 60, "n_test": 60, "days": 35}
    )
    result: dict[str, Any] = {}
    if "home_type" in chosen:
        result["home_type"] = train_home_type(out, seed=1, **sizes)
    if "failure" in chosen:
        result["failure"] = train_failure(out, seed=2, **failure_sizes)
    if "anomaly" in chosen:
        result["anomaly"] = train_anomaly(out, seed=3, **anomaly_sizes)
    if "synergy" in chosen:
        synergy_sizes = {"n_train": 20, "n_test": 10} if quick else {"n_train": 200, "n_test": 80}
        result["synergy"] = train_synergy(out, seed=4, **synergy_sizes)
    if NAMES_MODEL in chosen:
        max_tokens = QUICK_NAME_TOKENS if quick else None
        result[NAMES_MODEL] = distill_names(out / NAMES_MODEL, max_tokens=max_tokens)
    if "gnn" in chosen:
        result["gnn"] = train_gnn(out, quick=quick)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    """Train and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny corpora (a smoke run)")
    parser.add_argument("--out", type=Path, default=BUNDLED_ROOT, help="where models go")
    parser.add_argument(
        "--only",
        action="append",
        choices=MODEL_NAMES,
        help="train only this model (repeat for several); the others' files stay as they are",
    )
    args = parser.parse_args()
    print(json.dumps(run(args.out, quick=args.quick, only=args.only), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
