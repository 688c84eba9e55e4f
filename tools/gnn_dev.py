"""Design decisions on the graph model, on the training homes only: ``python -m tools.gnn_dev``.

The real validation homes and the reporting seeds are for the README's figures; a choice
of model, features or budget is made here instead. The real *training* homes are split in
two by home (:func:`tools.gnn_train.home_fold`); for each fold, the graph model and the
non-graph baseline are trained on the other fold's examples (with the synthetic training
homes) and rank the pair spaces of this fold's homes, half of each home's automations
known with a development seed no training draw uses (or none known) — the same ranking
and figures as the evaluation's real section (:func:`tools.evaluation.gnn.
evaluate_real_validation`). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any, Final

import numpy as np

from custom_components.homeiq.core.graph import GraphModel
from custom_components.homeiq.core.graph.blend import Blend, Regime, logit
from tools.evaluation.gnn import Baseline, BundledGraph, evaluate_real_validation
from tools.evaluation.synergy import bundled_synergy_ranker
from tools.gnn_samples import split_real_homes
from tools.gnn_train import (
    BASELINE_PARAMS,
    BATCH,
    FOLDS,
    REAL_SEEDS,
    WEIGHT_DECAY,
    PairBaseline,
    fit_pair_baseline,
    graph_scores,
    home_fold,
    name_embedder,
    pretrain,
    synthetic_training_corpus,
    training_examples,
)
from tools.realconfigs import corpus_path, load_real_homes

DEV_SEED: Final = 4242  # half-known draw of the development folds (no training draw uses it)
UNUSED: Final = Blend(tuple(Regime(d, used=False) for d in (0.0, 7.0, math.inf)))


class _Zero:
    """A baseline left out (``--skip-baseline``: its figures do not change with the graph
    model's design): every pair scores 0."""

    @staticmethod
    def predict(_graph: object, pairs: list[object]) -> np.ndarray:
        return np.zeros(len(pairs))


class _Ensemble:
    """``--ensemble K``: the graph models of ``K`` training seeds, their logits averaged
    (whether the seeds' spread hides a better model)."""

    def __init__(self, models: list[GraphModel]) -> None:
        self.models = models

    def encode(self, graph: Any) -> list[Any]:
        return [m.encode(graph) for m in self.models]

    def score(self, graph: Any, pairs: Any, embeddings: list[Any]) -> Any:
        logits = [
            logit(m.score(graph, pairs, h)) for m, h in zip(self.models, embeddings, strict=True)
        ]
        return 1.0 / (1.0 + np.exp(-np.mean(logits, axis=0)))


def _stacked(examples: list[Any], train: Any, threads: int, graph: GraphModel) -> PairBaseline:
    """``--stack``: the baseline with one more column, the logit of ``graph`` (trained on
    all ``examples``; out of fold on them, by a finer split by home) — whether the graph
    adds to what gradient boosting finds."""
    inner = [home_fold(e.name, 2 * FOLDS) for e in examples]
    columns: list[Any] = [None] * len(examples)
    for part in sorted(set(inner)):
        model = GraphModel(train([e for e, k in zip(examples, inner, strict=True) if k != part]))
        for i, e in enumerate(examples):
            if inner[i] == part:
                columns[i] = logit(graph_scores(model, e.graph, [*e.positives, *e.negatives]))

    def extra(home: Any, pairs: Any) -> Any:
        return logit(graph_scores(graph, home, pairs))

    return fit_pair_baseline(examples, threads=threads, extra=extra, extra_columns=columns)


GBM_INTEGERS: Final = frozenset({"max_iter", "max_leaf_nodes", "min_samples_leaf"})


def parse_gbm(items: list[str]) -> dict[str, float]:
    """``--gbm KEY=VALUE`` items as the baseline's parameter overrides; ``ValueError`` for
    a parameter it does not take or a value that is not a number."""
    out: dict[str, float] = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in {*BASELINE_PARAMS, *GBM_INTEGERS}:
            raise ValueError(f"unknown --gbm parameter {key!r}")
        try:
            out[key] = int(value) if key in GBM_INTEGERS else float(value)
        except ValueError:
            raise ValueError(f"--gbm {key} needs a number, not {value!r}") from None
    return out


def main(argv: list[str] | None = None) -> int:
    """Train on one fold of the training homes, rank the other; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic-homes", type=int, default=60)
    parser.add_argument("--budget-s", type=float, default=120.0)
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=BATCH, help="examples per step (0: all)")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--stack", action="store_true", help="baseline: GBM + graph logit")
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--ensemble", type=int, default=1, help="seeds averaged")
    parser.add_argument("--wd", type=float, default=WEIGHT_DECAY, help="weight decay")
    parser.add_argument("--dropout", type=float, default=0.0, help="while training")
    parser.add_argument("--gbm", action="append", default=[], help="baseline KEY=VALUE")
    parser.add_argument("--real-draws", type=int, default=len(REAL_SEEDS), help="half-known draws")
    args = parser.parse_args(argv)
    try:
        gbm_params = parse_gbm(args.gbm)
    except ValueError as err:
        parser.error(str(err))
    began = time.perf_counter()
    path = corpus_path()
    if path is None:
        parser.error("realconfigs/homes.jsonl not found (set HOMEIQ_REALCONFIGS)")
    train, _validation = split_real_homes(load_real_homes(path))  # validation never read
    embedder = name_embedder()
    ranker = bundled_synergy_ranker()
    examples = training_examples(
        train,
        synthetic_training_corpus(args.synthetic_homes),
        ranker=ranker,
        embedder=embedder,
        real_seeds=tuple(range(1, args.real_draws + 1)),
    )
    out: dict[str, Any] = {"training_homes": len(train), "folds": {}}

    def train_graph(chosen: list[Any], seed: int | None = None) -> Any:
        return pretrain(
            chosen,
            epochs=args.epochs,
            budget_s=args.budget_s,
            threads=args.threads,
            batch=args.batch or None,
            hidden=args.hidden,
            layers=args.layers,
            learning_rate=args.lr,
            seed=args.seed if seed is None else seed,
            weight_decay=args.wd,
            dropout=args.dropout,
        )

    for fold in range(FOLDS):
        fit_on = [e for e in examples if e.fold != fold]
        weights = train_graph(fit_on)
        model: Any = GraphModel(weights)
        if args.ensemble > 1:
            seeds = range(args.seed + 1, args.seed + args.ensemble)
            model = _Ensemble([model, *(GraphModel(train_graph(fit_on, s)) for s in seeds)])
        graph = BundledGraph(model, UNUSED, None)  # type: ignore[arg-type]
        fitted: Any
        if args.stack:
            fitted = _stacked(fit_on, train_graph, args.threads, GraphModel(weights))
        elif args.skip_baseline:
            fitted = _Zero()
        else:
            fitted = fit_pair_baseline(fit_on, threads=args.threads, params=gbm_params)
        baseline = Baseline(fitted, UNUSED, {})
        homes = [h for h in train if home_fold(h.repo) == fold]
        out["folds"][str(fold)] = {
            "epochs": weights.training.get("epochs"),
            "steps": weights.training.get("steps"),
            "loss": weights.training.get("loss"),
            **{
                setting: {
                    key: value
                    for key, value in evaluate_real_validation(
                        homes,
                        seed=DEV_SEED,
                        known=known,
                        graph=graph,
                        baseline=baseline,
                        ranker=ranker,
                        embedder=embedder,
                    ).items()
                    if key in {"homes", "targets", "rules", "gnn", "baseline"}
                }
                for setting, known in (("half_known", True), ("none_known", False))
            },
        }
    out["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
