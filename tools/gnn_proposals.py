"""How many proposals the graph model's blend keeps, on the training homes only:
``python -m tools.gnn_proposals [--counts 30,50,100,200] [--threads T]``.

Builds the bundle's training examples and its two fold models as ``scripts/train --only
gnn`` does (:func:`tools.gnn_train.train_gnn_bundle`), scores each example's candidates and
proposal pool with the model that had not seen it, and fits the first-day regime's
proposals (:func:`tools.gnn_train.fit_proposals`) with each count of proposals: its
held-out MRR by source, candidates alone and with the proposals. The validation homes are
never read. Prints JSON (about 6 minutes on one thread).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
import json
import time
from typing import Any

from custom_components.homeiq.core.graph import GraphModel
from tools.evaluation.synergy import bundled_synergy_ranker
from tools.gnn_samples import split_real_homes
from tools.gnn_train import (
    BUDGET_S,
    EPOCHS,
    FOLDS,
    SYNTHETIC_HOMES,
    BlendExample,
    blend_example,
    example_pool,
    fit_blend,
    gnn_candidate_scores,
    graph_scores,
    name_embedder,
    pretrain,
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


def main(argv: list[str] | None = None) -> int:
    """Train the fold models, score, fit with each count; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", default="30,50,100,200", help="comma-separated")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        counts = [int(c) for c in args.counts.split(",")]
    except ValueError:
        parser.error("--counts takes whole numbers separated by commas")
    if not counts or min(counts) < 1:
        parser.error("--counts takes at least one count, each 1 or more")
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
