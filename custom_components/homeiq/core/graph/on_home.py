"""Fine-tuning the graph model on this home's own automations, in the nightly run.

What this home automated — its automations' trigger → action pairs, accepted suggestions
among them (they are automations) — is the label; every other pair of its trigger and
action entities is a negative. A third of the pairs (fixed by a hash of the pair, so the
split does not move from night to night) is held out: the current model and the
fine-tuned one each rank every action entity for each held-out pair's trigger, with the
other pairs as the graph's ``automated`` edges, and the fine-tuned model is promoted only
if its mean reciprocal rank is higher. Training runs where torch and torch-geometric
import (not on Home Assistant OS), on one thread, within :data:`BUDGET_S`.
"""

from __future__ import annotations

from collections.abc import Sequence
import hashlib
import importlib
import time
from typing import Any, Final

import numpy as np

from ..capability import HomeAssessment, NotEnoughData, Unavailable
from ..home import Home
from ..ml.models import GNN_MODEL, Models
from ..ml.registry import ModelRegistry
from ..names import bundled_embedder
from ..synergy.miner import find_candidates
from ..synergy.ranking import automated_pairs
from .build import (
    HomeGraph,
    Pair,
    TextEmbedder,
    build_graph,
    can_act,
    coactive_pairs,
    pair_nodes,
)
from .model import BUNDLE_KEY, GraphModel, bundle_of, save_graph_candidate
from .scoring import BLEND_KEY, GraphRanking, graph_feature_names, load_graph_ranking

MIN_PAIRS: Final = 6  # automated pairs among the graph's nodes before fine-tuning
HELD_OUT_BUCKETS: Final = 3  # one pair in three is held out
BUDGET_S: Final = 30.0
EPOCHS: Final = 60
WEIGHT_DECAY: Final = 1e-4  # Adam's L2 penalty while fine-tuning


def graph_training_unavailable() -> str | None:
    """``None`` when torch-geometric imports here, else why not (blocking import)."""
    try:
        importlib.import_module("torch_geometric")
    except ImportError as err:
        return f"torch-geometric cannot be imported on this system ({err})"
    return None


def _held_out(pair: Pair) -> bool:
    digest = hashlib.sha256(f"{pair[0]}|{pair[1]}".encode()).digest()
    return digest[0] % HELD_OUT_BUCKETS == 0


def held_out_mrr(model: GraphModel, graph: HomeGraph, held_out: Sequence[Pair]) -> float:
    """Mean reciprocal rank of each held-out pair's action among every action node for its
    trigger (ties count against the pair)."""
    actions = [graph.node_ids[i] for i in graph.action_nodes()]
    ranks: list[float] = []
    for trigger, action in held_out:
        others = [a for a in actions if a != trigger]
        if action not in others:
            continue  # not an action node: nothing to rank it among
        scores = model.score(graph, [(trigger, a) for a in others])
        own = scores[others.index(action)]
        ranks.append(1.0 / int(np.sum(scores >= own)))
    return float(np.mean(ranks)) if ranks else 0.0


def finetune_on_home(
    home: Home,
    registry: ModelRegistry,
    now: float,
    *,
    embedder: TextEmbedder | None,
    min_pairs: int = MIN_PAIRS,
    budget_s: float = BUDGET_S,
    weight_decay: float = WEIGHT_DECAY,
) -> dict[str, Any]:
    """Fine-tune the deployed graph model on this home's automations; store and promote it
    if it ranks the held-out pairs better (blocking: CPU work, imports torch). Raises
    :class:`Unavailable` where the blend uses the graph model in no regime or
    torch-geometric does not import, and :class:`NotEnoughData` with too few automated
    pairs."""
    current = load_graph_ranking(registry, embedder)
    if current is None:
        raise NotEnoughData("no graph model could be loaded to fine-tune")
    if not current.graph_in_use():
        raise Unavailable(
            "the graph model takes part in no history regime's ranking (the non-graph pair "
            "model lifted the training homes more), so fine-tuning it would change nothing"
        )
    model = current.deployed.model
    width = None if embedder is not None else model.name_dim
    nodes = set(pair_nodes(home))
    # Pairs whose action the model ranks: an automation may also act on a sensor (update an
    # entity) or a remote, which are nodes (they trigger) but no action node.
    pairs = sorted(
        (t, a)
        for t, a in automated_pairs(home)
        if t in nodes and a in nodes and t != a and can_act(a)
    )
    if len(pairs) < min_pairs:
        raise NotEnoughData(
            f"{len(pairs)} automated pairs among this home's entities; fine-tuning the graph "
            f"model needs {min_pairs}"
        )
    held_out = [p for p in pairs if _held_out(p)]
    train = [p for p in pairs if not _held_out(p)]
    if len(held_out) < 2 or len(train) < 2:
        raise NotEnoughData(
            f"{len(pairs)} automated pairs split into {len(train)} to learn from and "
            f"{len(held_out)} to check on; each side needs 2"
        )
    if (reason := graph_training_unavailable()) is not None:
        raise Unavailable(f"{reason}; the bundled graph model keeps working")
    started = time.perf_counter()
    coactive = coactive_pairs(find_candidates(home, now))

    def graph(known: Sequence[Pair]) -> HomeGraph:
        return build_graph(
            home,
            embedder=embedder,
            name_dim=width,
            co_activity=coactive,
            known_pairs=known,
            now=now,
            entity_ids=pair_nodes(home),
        )

    # Two examples: each half of the training pairs is predicted with the other as edges.
    halves = (train[::2], train[1::2])
    examples = [
        (graph(known), target, None)
        for known, target in ((halves[0], halves[1]), (halves[1], halves[0]))
        if target
    ]
    from .training import train_link_model

    tuned = train_link_model(
        examples,
        init=model.weights,
        epochs=EPOCHS,
        budget_s=budget_s,
        seed=0,
        weight_decay=weight_decay,
    )
    check = graph(train)
    before = held_out_mrr(model, check, held_out)
    after = held_out_mrr(GraphModel(tuned), check, held_out)
    info = save_graph_candidate(
        registry,
        tuned,
        trained_on="this_home",
        n_samples=len(train),
        metrics={"held_out_mrr": after, "held_out_pairs": float(len(held_out))},
        primary_metric="held_out_mrr",
        extra={
            BLEND_KEY: current.blend.as_dict(),
            "fine_tuned_from": current.name,
            BUNDLE_KEY: bundle_of(current.info),
        },
    )
    promoted, why = registry.promote_if_better(
        info.name, info.version, active_score=before, ties_promote=False
    )
    return {
        "automated_pairs": len(pairs),
        "training_pairs": len(train),
        "held_out_pairs": len(held_out),
        "held_out_mrr": round(after, 4),
        "held_out_mrr_before": round(before, 4),
        "fine_tuned_from": current.name,
        "seconds": round(time.perf_counter() - started, 1),
        "stopped": tuned.training.get("stopped"),
        "promoted": promoted,
        "why": why,
    }


class GraphCapability:
    """The graph model: fine-tuned on this home's automations every night where
    torch-geometric imports; it judges nothing itself — the synergy step ranks with it."""

    name: Final = "gnn"
    model_name: Final = GNN_MODEL
    trains_on_home: Final = True
    assesses_home: Final = False
    assesses_devices: Final = False

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The node features, with the bundled embedder's name columns."""
        return graph_feature_names(bundled_embedder())

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """Fine-tune on this home's automations (:func:`finetune_on_home`)."""
        return finetune_on_home(home, registry, now, embedder=bundled_embedder())

    def assess(self, home: Home, now: float, models: Models) -> HomeAssessment:
        """The synergy step uses the graph model; it has no step of its own."""
        raise Unavailable("the graph model is used by the synergy step")


GRAPH: Final = GraphCapability()

__all__ = [
    "BUDGET_S",
    "GRAPH",
    "MIN_PAIRS",
    "GraphCapability",
    "GraphRanking",
    "finetune_on_home",
    "graph_training_unavailable",
    "held_out_mrr",
]
