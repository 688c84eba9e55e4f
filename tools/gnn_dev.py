"""Design decisions on the graph model, on the training homes only: ``python -m tools.gnn_dev``.

The real validation homes and the reporting seeds are for the README's figures; a choice
of model, features or budget is made here instead. The real *training* homes are split in
two by home (:func:`tools.gnn_train.home_fold`); for each fold, the graph model and the
non-graph baseline are trained on the other fold's examples (with the synthetic training
homes) and rank the pair spaces of this fold's homes, half of each home's automations
known with a development seed no training draw uses (or none known) — the same ranking
and figures as the evaluation's real section (:func:`tools.evaluation.gnn.
evaluate_real_validation`). With ``--finetune``, also the nightly fine-tuning on each of
this fold's homes, half known (:func:`finetune_study`). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
import tempfile
import time
from typing import Any, Final

import numpy as np

from custom_components.homeiq.core.capability import NotEnoughData
from custom_components.homeiq.core.graph import GraphModel, load_graph_model
from custom_components.homeiq.core.graph.blend import Blend, Regime, logit
from custom_components.homeiq.core.graph.model import write_bundled_graph
from custom_components.homeiq.core.graph.on_home import (
    WEIGHT_DECAY as FINETUNE_WEIGHT_DECAY,
    finetune_on_home,
)
from custom_components.homeiq.core.graph.scoring import BLEND_KEY
from custom_components.homeiq.core.ml.models import GNN_MODEL
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.synergy import find_candidates
from tools.evaluation.gnn import (
    Baseline,
    BundledGraph,
    Tops,
    evaluate_real_validation,
    ranked_head,
)
from tools.evaluation.synergy import bundled_synergy_ranker
from tools.gnn_samples import pair_space, real_link_home, split_real_homes
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
    link_graph,
    name_embedder,
    pair_tie_codes,
    pretrain,
    synthetic_training_corpus,
    training_examples,
)
from tools.realconfigs import corpus_path, load_real_homes

DEV_SEED: Final = 4242  # half-known draw of the development folds (no training draw uses it)
UNUSED: Final = Blend(tuple(Regime(d, used=False) for d in (0.0, 7.0, math.inf)))
# The fine-tuning study's bundle: the graph model blends with any history (the integration
# fine-tunes only a graph model some regime uses; the study never ranks by the blend).
STUDIED: Final = Blend((Regime(math.inf, used=True),))


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


FINETUNE_NOW: Final = 1_800_000_000.0  # the real homes have no history: any time will do


def finetune_study(
    weights: Any, homes: list[Any], *, embedder: Any, weight_decay: float
) -> dict[str, Any]:
    """The nightly fine-tuning (:func:`~custom_components.homeiq.core.graph.on_home.
    finetune_on_home`, as the integration runs it) on each development home with half of its
    automations known (the development draw): the fold's model (``weights``) fine-tuned on
    them, kept only if it ranks the home's own held-out third better; then the hidden half's
    pairs ranked over the pair space by the model before, the model kept (``after``) and the
    fine-tuned one whether kept or not (``tuned``); ``homes``: each fine-tuned home's
    held-out check (what the gate saw) and the hidden half's reciprocal rank before and
    tuned (what the gate should have foreseen)."""
    tops = {"before": Tops(), "after": Tops(), "tuned": Tops()}
    counts = {"fine_tuned": 0, "promoted": 0, "not_enough_pairs": 0}
    homes_seen: list[dict[str, Any]] = []  # each fine-tuned home's gate and hidden-half figures
    before = GraphModel(weights)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_bundled_graph(
            root / "bundled", weights, n_samples=1, metrics={"held_out_auc": 0.0},
            primary_metric="held_out_auc", extra={BLEND_KEY: STUDIED.as_dict()},
        )  # fmt: skip
        for index, real in enumerate(homes):
            if len(real.automations) < 2:
                continue
            link = real_link_home(real, DEV_SEED)
            targets = set(link.targets)
            if not targets:
                continue
            registry = ModelRegistry(root / f"home-{index}", bundled_root=root / "bundled")
            try:
                details = finetune_on_home(
                    link.home, registry, FINETUNE_NOW, embedder=embedder,
                    weight_decay=weight_decay,
                )  # fmt: skip
            except NotEnoughData:
                counts["not_enough_pairs"] += 1
                continue
            counts["fine_tuned"] += 1
            counts["promoted"] += bool(details["promoted"])
            registry.promote_if_better(GNN_MODEL, 1, active_score=-math.inf)  # the tuned one
            deployed = load_graph_model(registry, before.feature_names)
            assert deployed is not None
            assert deployed.source == "active"
            tuned = deployed.model
            graph = link_graph(link, find_candidates(link.home), embedder)
            space = [p for p in pair_space(link.home) if p not in link.known]
            ties = pair_tie_codes(space)
            ranks = {}
            for name, model in (("before", before), ("tuned", tuned)):
                head, first = ranked_head(space, graph_scores(model, graph, space), ties, targets)
                tops[name].add(head, first, targets)
                if name == ("tuned" if details["promoted"] else "before"):
                    tops["after"].add(head, first, targets)  # the model the step keeps
                ranks[name] = 0.0 if first is None else round(1.0 / first, 4)
            homes_seen.append(
                {
                    "held_out_pairs": details["held_out_pairs"],
                    "held_out_mrr_before": details["held_out_mrr_before"],
                    "held_out_mrr": details["held_out_mrr"],
                    "hidden_rr_before": ranks["before"],
                    "hidden_rr_tuned": ranks["tuned"],
                }
            )
    return {**counts, **{name: t.figures() for name, t in tops.items()}, "homes": homes_seen}


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
    parser.add_argument("--finetune", action="store_true", help="study the nightly fine-tune")
    parser.add_argument("--finetune-wd", type=float, default=FINETUNE_WEIGHT_DECAY)
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
        if args.finetune:
            out["folds"][str(fold)]["finetune"] = finetune_study(
                weights, homes, embedder=embedder, weight_decay=args.finetune_wd
            )
    out["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
