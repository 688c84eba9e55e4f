"""How many proposals the graph model's blend keeps, and which model should propose, on the
training homes only: ``python -m tools.gnn_proposals [--counts 30,50,100,200]
[--models graph,gbm,ensemble | --recipes] [--offsets 0,0.5,1,1.5,2,3] [--threads T]``.

Builds the bundle's training examples and its two fold models as ``scripts/train --only
gnn`` does (:func:`tools.gnn_train.train_gnn_bundle`), scores each example's candidates and
proposal pool with the model that had not seen it, and fits the first-day regime's
proposals (:func:`tools.gnn_train.fit_proposals`) with each count of proposals: its
held-out MRR by source, candidates alone and with the proposals. With ``--models``, the
same for each model — ``graph``, ``gbm`` (the non-graph baseline,
:func:`tools.gnn_train.fit_pair_baseline`, fitted on the same folds) and ``ensemble`` (the
mean of the two logits) — and each offset added to the proposals' fitted logit
(:func:`offset_study`). With ``--recipes``, each candidate blend (with the graph model, the
pair model, or both in one regression) with each proposer (the pair model, the mean of the
two logits) and offset, real homes split into half known and none known
(:func:`recipe_study`: what the bundle's choice of models rests on). The validation homes
are never read. Prints JSON (about 6 minutes on
one thread; with ``gbm`` or ``ensemble`` about 15).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
import json
import time
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.graph import GraphModel
from custom_components.homeiq.core.graph.blend import Regime, logit
from custom_components.homeiq.core.graph.propose import PROPOSALS
from tools.evaluation.synergy import bundled_synergy_ranker
from tools.gnn_samples import split_real_homes
from tools.gnn_train import (
    BUDGET_S,
    EPOCHS,
    FOLDS,
    REGIME_MAX_DAYS,
    SYNTHETIC_HOMES,
    BlendExample,
    Floats,
    PairBaseline,
    TrainingExample,
    _fit_logistic,
    _learned_logistic,
    _logistic,
    baseline_candidate_scores,
    blend_example,
    example_pool,
    fit_blend,
    fit_pair_baseline,
    gnn_candidate_scores,
    graph_scores,
    merged_labels,
    name_embedder,
    pretrain,
    proposing,
    regime_of,
    synthetic_training_corpus,
    training_examples,
)
from tools.realconfigs import corpus_path, load_real_homes


def count_study(examples: Sequence[BlendExample], counts: Sequence[int]) -> dict[str, Any]:
    """The first regime's proposal figures (:func:`~tools.gnn_train.fit_blend`) with each
    count of ``counts``: the examples' proposals cut to their first ``count``."""
    out: dict[str, Any] = {}
    for count in counts:
        cut = [
            replace(
                e,
                pool_other=e.pool_other[:count],
                pool_labels=e.pool_labels[:count],
                pool_ties=e.pool_ties[:count],
            )
            for e in examples
        ]
        blend, figures = fit_blend(cut)
        first = blend.regimes[0]
        out[str(count)] = {
            "kept": first.proposals > 0,
            "proposal_lift": first.proposal_lift,
            **next(iter(figures.values()))["proposals"],
        }
    return out


MODELS: Final = ("graph", "gbm", "ensemble")


def _ranked_figures(rankings: Sequence[npt.NDArray[np.bool_]]) -> dict[str, Any]:
    """Examples, MRR of the first target (0 where none is ranked) and targets in the first
    10 and 50, over the merged rankings' labels."""
    firsts = [np.flatnonzero(labels) for labels in rankings]
    return {
        "examples": len(rankings),
        "mrr": round(float(np.mean([1 / (f[0] + 1) if f.size else 0.0 for f in firsts])), 4)
        if rankings
        else None,
        "top_10": int(sum(labels[:10].sum() for labels in rankings)),
        "top_50": int(sum(labels[:50].sum() for labels in rankings)),
    }


def offset_study(
    examples: Sequence[BlendExample], offsets: Sequence[float], count: int = PROPOSALS
) -> dict[str, Any]:
    """The first-day examples' held-out merged rankings (for each fold, the candidate blend
    and the proposals' score fitted on the other folds), candidates alone and with ``count``
    proposals whose fitted logit gets each of ``offsets`` added: by source, the
    :func:`_ranked_figures`. Every first-day example counts (also those whose targets are
    neither candidates nor proposed), so the figures compare across models."""
    first = [e for e in examples if regime_of(e.days) == 0]
    rankings: dict[str, dict[str, list[npt.NDArray[np.bool_]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for fold in sorted({e.fold for e in first}):
        rest = [e for e in first if e.fold != fold]
        weights, learned = _logistic(rest), _learned_logistic(rest)
        if weights is None or learned is None:
            continue
        alone = Regime(REGIME_MAX_DAYS[0], True, *weights)
        for e in first:
            if e.fold != fold:
                continue
            rankings["candidates"][e.source].append(merged_labels(e, alone))
            for offset in offsets:
                trial = proposing(alone, count, learned, offset)
                rankings[f"offset_{offset:g}"][e.source].append(merged_labels(e, trial))
    return {
        name: {source: _ranked_figures(v) for source, v in sorted(by_source.items())}
        for name, by_source in rankings.items()
    }


def _ensemble(graph: Floats, gbm: Floats) -> Floats:
    """The probability of the mean of two models' logits (NaN where either has none)."""
    return np.asarray(1.0 / (1.0 + np.exp(-(logit(graph) + logit(gbm)) / 2)), dtype=np.float64)


def model_rows(
    examples: Sequence[TrainingExample],
    graphs: dict[int, Any],
    gbms: dict[int, PairBaseline],
    models: Sequence[str],
    count: int,
) -> dict[str, list[BlendExample]]:
    """Each first-day example's blend rows by each of ``models``, scored by the fold
    models that had not seen it."""
    out: dict[str, list[BlendExample]] = {m: [] for m in models}
    for e in examples:
        if regime_of(e.days) != 0:
            continue
        pool = example_pool(e)
        scores: dict[str, tuple[Floats, Floats]] = {}
        if "graph" in models or "ensemble" in models:
            graph = GraphModel(graphs[e.fold])
            scores["graph"] = (
                gnn_candidate_scores(graphs[e.fold], e),
                graph_scores(graph, e.graph, pool),
            )
        if "gbm" in models or "ensemble" in models:
            gbm = gbms[e.fold]
            scores["gbm"] = (
                baseline_candidate_scores(gbm, e),
                gbm.predict(e.graph, pool) if pool else np.empty(0),
            )
        if "ensemble" in models:
            scores["ensemble"] = (
                _ensemble(scores["graph"][0], scores["gbm"][0]),
                _ensemble(scores["graph"][1], scores["gbm"][1]),
            )
        for m in models:
            out[m].append(blend_example(e, scores[m][0], scores[m][1], count=count, pool=pool))
    return out


CANDIDATE_SCORERS: Final = ("gnn", "gbm", "stack")
PROPOSERS: Final = ("gbm", "ensemble")


@dataclass(frozen=True, slots=True)
class FirstDay:
    """One first-day example's out-of-fold scores: its candidates' (ranker, graph model,
    pair model) and the rows of the pairs each proposer would propose."""

    source: str  # real_half | real_none | synthetic
    fold: int
    ranker: Floats
    gnn: Floats
    gbm: Floats
    labels: npt.NDArray[np.bool_]
    ties: npt.NDArray[np.int64]
    proposed: dict[str, BlendExample]


def _columns(d: FirstDay, scorer: str) -> tuple[npt.NDArray[np.bool_], Floats]:
    """The candidate rows ``scorer``'s blend reads (those its models score) and their logits:
    (ranker, model) for ``gnn`` or ``gbm``, (ranker, gnn, gbm) for ``stack``."""
    models = {"gnn": [d.gnn], "gbm": [d.gbm], "stack": [d.gnn, d.gbm]}[scorer]
    keep = np.logical_and.reduce([np.isfinite(m) for m in models])
    return keep, np.column_stack([logit(d.ranker[keep]), *(logit(m[keep]) for m in models)])


def _candidate_fit(rest: Sequence[FirstDay], scorer: str) -> tuple[float, ...] | None:
    """The candidate blend of ``scorer`` fitted on ``rest``: (bias, weights …)."""
    columns = [_columns(d, scorer) for d in rest]
    return _fit_logistic(
        [x for _, x in columns], [d.labels[k] for d, (k, _) in zip(rest, columns, strict=True)]
    )


def _candidate_scores(d: FirstDay, scorer: str, fitted: tuple[float, ...]) -> Floats:
    """The example's candidate scores by the fitted blend (the ranker's where the blend's
    models have no score)."""
    out = d.ranker.copy()
    keep, x = _columns(d, scorer)
    if keep.any():
        out[keep] = 1.0 / (1.0 + np.exp(-(fitted[0] + x @ np.asarray(fitted[1:]))))
    return out


def recipe_study(
    days: Sequence[FirstDay], offsets: Sequence[float], count: int = PROPOSALS
) -> dict[str, Any]:
    """Each recipe (candidate blend of ``gnn``, ``gbm`` or both — ``stack``, a 3-input
    logistic regression — with proposals by the pair model or the mean of both logits),
    for each fold fitted on the other folds: the held-out merged rankings' figures by
    source (real homes half known, none known, synthetic) and offset."""
    rankings: dict[str, dict[str, list[npt.NDArray[np.bool_]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for fold in sorted({d.fold for d in days}):
        rest = [d for d in days if d.fold != fold]
        for scorer in CANDIDATE_SCORERS:
            fitted = _candidate_fit(rest, scorer)
            if fitted is None:
                continue
            for proposer in PROPOSERS:
                learned = _learned_logistic([d.proposed[proposer] for d in rest])
                if learned is None:
                    continue
                for d in days:
                    if d.fold != fold:
                        continue
                    e = replace(
                        d.proposed[proposer],
                        ranker=_candidate_scores(d, scorer, fitted),
                        other=np.full(len(d.ranker), np.nan),
                    )
                    base = Regime(REGIME_MAX_DAYS[0], True)
                    for offset in offsets:
                        trial = proposing(base, count, learned, offset)
                        name = f"{scorer}+{proposer}@{offset:g}"
                        rankings[name][d.source].append(merged_labels(e, trial))
    return {
        name: {source: _ranked_figures(v) for source, v in sorted(by_source.items())}
        for name, by_source in sorted(rankings.items())
    }


def first_days(
    examples: Sequence[TrainingExample],
    graphs: dict[int, Any],
    gbms: dict[int, PairBaseline],
    count: int = PROPOSALS,
) -> list[FirstDay]:
    """The first-day examples' out-of-fold scores for :func:`recipe_study`."""
    out = []
    for e in examples:
        if regime_of(e.days) != 0:
            continue
        pool = example_pool(e)
        gnn = gnn_candidate_scores(graphs[e.fold], e)
        gbm = baseline_candidate_scores(gbms[e.fold], e)
        pool_gnn = graph_scores(GraphModel(graphs[e.fold]), e.graph, pool)
        pool_gbm = gbms[e.fold].predict(e.graph, pool) if pool else np.empty(0)
        pool_scores = {"gbm": pool_gbm, "ensemble": _ensemble(pool_gnn, pool_gbm)}
        rows = e.candidates
        source = e.source if e.source != "real" else ("real_half" if e.known else "real_none")
        out.append(
            FirstDay(
                source=source,
                fold=e.fold,
                ranker=rows.ranker,
                gnn=gnn,
                gbm=gbm,
                labels=np.array([p in e.targets for p in rows.pairs], dtype=np.bool_),
                ties=rows.ties,
                proposed={
                    m: blend_example(e, gnn, s, count=count, pool=pool)
                    for m, s in pool_scores.items()
                },
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Train the fold models, score, fit with each count; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", default="30,50,100,200", help="comma-separated")
    parser.add_argument("--models", default="", help=f"comma-separated, of {','.join(MODELS)}")
    parser.add_argument("--offsets", default="0,0.5,1,1.5,2,3", help="comma-separated")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--recipes", action="store_true", help="compare candidate blends and proposers"
    )
    args = parser.parse_args(argv)
    try:
        counts = [int(c) for c in args.counts.split(",")]
        offsets = [float(o) for o in args.offsets.split(",")]
    except ValueError:
        parser.error("--counts takes whole numbers and --offsets numbers, separated by commas")
    if not counts or min(counts) < 1:
        parser.error("--counts takes at least one count, each 1 or more")
    models = [m for m in args.models.split(",") if m]
    if any(m not in MODELS for m in models):
        parser.error(f"--models takes {', '.join(MODELS)}")
    path = corpus_path()
    if path is None:
        parser.error("realconfigs/homes.jsonl not found (set HOMEIQ_REALCONFIGS)")
    began = time.perf_counter()
    train, _validation = split_real_homes(load_real_homes(path))  # validation never read
    examples = training_examples(
        train,
        synthetic_training_corpus(SYNTHETIC_HOMES),
        ranker=bundled_synergy_ranker(),
        embedder=name_embedder(),
    )
    folds = {
        fold: pretrain(
            [e for e in examples if e.fold != fold],
            epochs=EPOCHS,
            budget_s=BUDGET_S,
            threads=args.threads,
        )
        for fold in range(FOLDS)
    }
    if args.recipes:
        gbms = {
            fold: fit_pair_baseline([e for e in examples if e.fold != fold], threads=args.threads)
            for fold in range(FOLDS)
        }
        days = first_days(examples, folds, gbms)
        study = recipe_study(days, offsets)
        print(json.dumps({"recipes": study, "seconds": round(time.perf_counter() - began, 1)}))
        return 0
    if models:
        gbms = (
            {
                fold: fit_pair_baseline(
                    [e for e in examples if e.fold != fold], threads=args.threads
                )
                for fold in range(FOLDS)
            }
            if {"gbm", "ensemble"} & set(models)
            else {}
        )
        by_model = model_rows(examples, folds, gbms, models, PROPOSALS)
        study = {m: offset_study(rows, offsets) for m, rows in by_model.items()}
        print(json.dumps({"models": study, "seconds": round(time.perf_counter() - began, 1)}))
        return 0
    rows = []
    for e in examples:
        pool = example_pool(e)
        rows.append(
            blend_example(
                e,
                gnn_candidate_scores(folds[e.fold], e),
                graph_scores(GraphModel(folds[e.fold]), e.graph, pool),
                count=max(counts),
                pool=pool,
            )
        )
    figures = {"counts": count_study(rows, counts), "seconds": 0.0}
    figures["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
