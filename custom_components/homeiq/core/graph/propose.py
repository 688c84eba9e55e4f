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
import hashlib
from typing import Final

import numpy as np
import numpy.typing as npt

from ..synergy.taxonomy import LEARNED_CAUSE_STATES, LEARNED_EFFECTS, learned_rule

type Pair = tuple[str, str]

PROPOSALS: Final = 20  # proposals a regime that uses them keeps per home (a fixed choice)


def proposal_pool(node_ids: Sequence[str], excluded: Collection[Pair]) -> list[Pair]:
    """Every pair of ``node_ids`` (the graph's nodes) with a generic rule that is not in
    ``excluded`` (the taxonomy's candidates and the home's automated pairs), in node order."""
    causes = [n for n in node_ids if n.partition(".")[0] in LEARNED_CAUSE_STATES]
    effects = [n for n in node_ids if n.partition(".")[0] in LEARNED_EFFECTS]
    return [(t, a) for t in causes for a in effects if t != a and (t, a) not in excluded]


def proposal_tie(pair: Pair) -> int:
    """The tie-break order of a proposed pair, the synergy ranking's (its kind and pair)."""
    rule = learned_rule(*pair)
    kind = rule.kind if rule is not None else ""
    return int(hashlib.sha256("|".join((kind, *pair)).encode()).hexdigest()[:15], 16)


def best_proposals(pool: Sequence[Pair], gnn: npt.ArrayLike, count: int) -> list[int]:
    """Indexes of the ``count`` pairs of ``pool`` the graph model scores highest (equal
    scores in the ranking's tie order)."""
    scores = np.asarray(gnn, dtype=np.float64)
    if count <= 0 or scores.size == 0:
        return []
    ties = np.array([proposal_tie(p) for p in pool], dtype=np.int64)
    order: list[int] = np.lexsort((ties, -scores))[:count].tolist()
    return order


__all__ = ["PROPOSALS", "best_proposals", "proposal_pool", "proposal_tie"]
