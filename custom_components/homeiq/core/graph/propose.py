"""Pairs the graph model proposes that no rule of the taxonomy expresses.

Owners automate far more than the taxonomy's rules say (on the real configurations only
about 2 % of their trigger → action pairs fit a rule). The graph model scores any pair of
the home's graph, so it can propose the others: of every pair whose domains have a generic
rule (:func:`~..synergy.taxonomy.learned_rule`: the cause's onset triggers the effect
domain's default action) that is neither a taxonomy candidate nor automated already, the
:attr:`~.blend.Regime.proposals` best by the graph model's probability join the ranking,
scored by :func:`~.blend.learned_scores`. The same functions choose them in the integration,
in ``scripts/train`` (where the score is fitted) and in ``scripts/evaluate``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from ..ml.models import DeployedModel
from ..synergy.ranking import tie_key
from ..synergy.taxonomy import LEARNED_CAUSE_STATES, LEARNED_EFFECTS, learned_rule
from .build import HomeGraph
from .pairs import candidate_probabilities

type Pair = tuple[str, str]

# Proposals a regime that uses them ranks per home: of 30, 50, 100 and 200 tried on the
# training homes' out-of-fold scores (``python -m tools.gnn_proposals``: real homes'
# held-out MRR +0.010, +0.017, +0.022, +0.023; synthetic homes unchanged), the smallest
# near the best.
PROPOSALS: Final = 100
POOL_CHUNK: Final = 10_000  # pool pairs scored at once (a large home's pool has 80 000+)


class PairScoring(Protocol):
    """What scores pairs on an encoded graph (:class:`~.model.GraphModel`)."""

    def encode(self, graph: HomeGraph) -> npt.NDArray[np.float64]:
        """The node embeddings of ``graph``."""
        ...

    def score(
        self, graph: HomeGraph, pairs: Sequence[Pair], embeddings: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """The probability of each pair."""
        ...


def score_pool(
    model: PairScoring,
    graph: HomeGraph,
    pool: Sequence[Pair],
    embeddings: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The model's probability of every pool pair, :data:`POOL_CHUNK` at a time (the memory
    a large home's pool needs stays a few MB)."""
    parts = [
        model.score(graph, pool[i : i + POOL_CHUNK], embeddings)
        for i in range(0, len(pool), POOL_CHUNK)
    ]
    return np.concatenate(parts) if parts else np.empty(0)


def learned_probabilities(
    model: str,
    graph_model: PairScoring,
    pair_model: DeployedModel | None,
    graph: HomeGraph,
    pairs: Sequence[Pair],
    *,
    embeddings: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """The probability of each pair (NaN where it names no node) by ``model`` of
    :data:`~.blend.PROPOSERS` — a regime's ``blender`` for its candidates, its ``proposer``
    for the pool: the pair model (``ValueError`` without one), or the graph model (on
    ``embeddings``, encoded here when not given)."""
    if model == "pairs":
        if pair_model is None:
            raise ValueError("the regime uses a pair model that is not installed")
        return candidate_probabilities(pair_model, graph, pairs)
    encoded = graph_model.encode(graph) if embeddings is None else embeddings
    return score_pool(graph_model, graph, pairs, encoded)


def proposal_pool(node_ids: Sequence[str], excluded: Collection[Pair]) -> list[Pair]:
    """Every pair of ``node_ids`` (the graph's nodes) with a generic rule that is not in
    ``excluded`` (the taxonomy's candidates and the home's automated pairs), in node order."""
    causes = [n for n in node_ids if n.partition(".")[0] in LEARNED_CAUSE_STATES]
    effects = [n for n in node_ids if n.partition(".")[0] in LEARNED_EFFECTS]
    return [(t, a) for t in causes for a in effects if t != a and (t, a) not in excluded]


def proposal_tie(pair: Pair) -> int:
    """The tie-break order of a proposed pair, the synergy ranking's (its kind and pair)."""
    rule = learned_rule(*pair)
    return int(tie_key(rule.kind if rule is not None else "", pair)[:15], 16)


def best_proposals(pool: Sequence[Pair], gnn: npt.ArrayLike, count: int) -> list[int]:
    """Indexes of the ``count`` pairs of ``pool`` the graph model scores highest (equal
    scores in the ranking's tie order)."""
    scores = np.asarray(gnn, dtype=np.float64)
    if count <= 0 or scores.size == 0:
        return []
    # Only pairs scoring at least the count-th best can be chosen: tie codes for those only.
    nth = np.partition(scores, scores.size - min(count, scores.size))[-min(count, scores.size)]
    near = np.flatnonzero(scores >= nth)
    ties = np.array([proposal_tie(pool[i]) for i in near.tolist()], dtype=np.int64)
    order: list[int] = near[np.lexsort((ties, -scores[near]))][:count].tolist()
    return order


__all__ = [
    "POOL_CHUNK",
    "PROPOSALS",
    "PairScoring",
    "best_proposals",
    "learned_probabilities",
    "proposal_pool",
    "proposal_tie",
    "score_pool",
]
