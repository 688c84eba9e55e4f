"""The non-graph pair model: gradient-boosted trees on the features of a pair's two ends.

It reads what the graph model's scorer reads besides the message-passing embeddings — each
end's node features (:mod:`.build`) and the pair inputs (the pair edges joining the ends,
the cosine of their names) — and nothing of the graph's neighbourhoods. It started as the
evaluation's baseline for the graph model (``scripts/evaluate``, section ``gnn``); on the
real training homes it proposes the pairs owners automate better than the graph model does
(``python -m tools.gnn_proposals --models graph,gbm``), so it can be the model a regime
proposes with (:attr:`~.blend.Regime.proposer`). Trained by ``scripts/train`` with
scikit-learn, stored as a :class:`~..ml.trees.TreeEnsemble` (:data:`PAIR_MODEL`), run here
with numpy alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from ..ml.models import DeployedModel, load_deployed
from ..ml.registry import ModelRegistry
from .build import PAIR_EDGE_TYPES, PAIR_SIMILARITIES, HomeGraph

type Pair = tuple[str, str]

PAIR_MODEL: Final = "pairs"  # its name in the model registry
PAIR_INPUT_NAMES: Final = (
    *(f"pair:{edge_type}" for edge_type in PAIR_EDGE_TYPES),
    *(f"pair:{group}_similarity" for group in PAIR_SIMILARITIES),
)
CHUNK: Final = 4096  # pairs scored at once: a row is ~460 floats, held as float64 by the trees


def pair_feature_names(node_features: Sequence[str]) -> tuple[str, ...]:
    """The columns of :func:`pair_features` for a graph of ``node_features``."""
    return (
        *(f"trigger:{name}" for name in node_features),
        *(f"action:{name}" for name in node_features),
        *PAIR_INPUT_NAMES,
    )


def pair_features(graph: HomeGraph, pairs: Sequence[Pair]) -> npt.NDArray[np.float32]:
    """One float32 row per pair (every pair must name nodes): the trigger's node features,
    the action's (their ``structure`` columns hold the known pairs' degrees and the area
    sizes), then :data:`PAIR_INPUT_NAMES` — what the graph model's scorer reads besides the
    embeddings."""
    index = graph.pair_index(pairs)
    if (index < 0).any():
        raise ValueError("a pair names an entity that is not a node")
    src, dst = index
    return np.concatenate(
        [graph.features[src], graph.features[dst], graph.pair_inputs(index)], axis=1
    )


def pair_probabilities(
    model: DeployedModel, graph: HomeGraph, pairs: Sequence[Pair]
) -> npt.NDArray[np.float64]:
    """The pair model's probability of each pair (naming nodes), :data:`CHUNK` at a time
    (blocking)."""
    parts = [
        model.ensemble.predict_proba(pair_features(graph, pairs[i : i + CHUNK]))[:, 1]
        for i in range(0, len(pairs), CHUNK)
    ]
    return np.concatenate(parts).astype(np.float64) if parts else np.empty(0)


def candidate_probabilities(
    model: DeployedModel, graph: HomeGraph, pairs: Sequence[Pair]
) -> npt.NDArray[np.float64]:
    """The pair model's probability of each pair, NaN for a pair naming an entity that is not
    a node (a notification's ``notify``; blocking)."""
    out = np.full(len(pairs), np.nan)
    if not pairs:
        return out
    inside = np.flatnonzero((graph.pair_index(pairs) >= 0).all(axis=0))
    if inside.size:
        out[inside] = pair_probabilities(model, graph, [pairs[i] for i in inside.tolist()])
    return out


def load_pair_model(registry: ModelRegistry, node_features: Sequence[str]) -> DeployedModel | None:
    """The pair model to use for graphs of ``node_features`` (the active one, else the
    bundled one; blocking: reads files), or None (the reasons in the registry's fallbacks)."""
    return load_deployed(registry, PAIR_MODEL, pair_feature_names(node_features))


__all__ = [
    "PAIR_INPUT_NAMES",
    "PAIR_MODEL",
    "candidate_probabilities",
    "load_pair_model",
    "pair_feature_names",
    "pair_features",
    "pair_probabilities",
]
