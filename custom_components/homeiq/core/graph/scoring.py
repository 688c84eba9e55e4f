"""The graph model in the synergy ranking: :class:`GraphRanking` scores a night's candidates.

It builds the home's graph as the model was trained on it (its nodes every entity that
triggers automations or that automations act on, :func:`~.build.pair_nodes`; the home's own
automations as ``automated`` edges, the miner's co-active pairs as ``co_activity`` edges),
scores every candidate pair with the regime's blender — the deployed graph model, or the
non-graph pair model (:mod:`.pairs`) where that lifted the training homes more — and blends
that with the ranker's score in the regime of the home's history (:mod:`.blend`); where that
regime proposes, it also offers the best pairs no rule expresses (:mod:`.propose`), chosen
and scored by the regime's proposer (the graph model or the pair model). It implements
:class:`~..synergy.PairScorer`, so the synergy package never imports this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ..home import Home
from ..ml.models import DeployedModel
from ..ml.registry import ModelRegistry
from ..ml.trees import ModelFileError
from ..synergy import Candidate, GraphScores, Proposal
from ..synergy.ranking import automated_pairs
from .blend import SCORE_KEYS, Blend, blend_from_dict, blended, graph_lift, learned_scores
from .build import TextEmbedder, build_graph, coactive_pairs, feature_names, pair_nodes
from .model import DeployedGraphModel, load_graph_model
from .pairs import load_pair_model
from .propose import best_proposals, learned_probabilities, proposal_pool

BLEND_KEY = "blend"  # the blend's JSON form in the graph model's registry ``extra``


@dataclass(frozen=True, slots=True)
class GraphRanking:
    """The deployed graph model, its blend, the name embedder its features need and the
    pair model (:mod:`.pairs`) where one is installed."""

    deployed: DeployedGraphModel
    blend: Blend
    embedder: TextEmbedder | None
    pairs: DeployedModel | None = None

    @property
    def name(self) -> str:
        """Which model scores: version and source."""
        return f"v{self.deployed.info.version} ({self.deployed.source})"

    @property
    def info(self) -> Any:
        """The model's registry information."""
        return self.deployed.info

    @property
    def source(self) -> str:
        """Where the model came from (bundled, this home …)."""
        return self.deployed.source

    def summary(self) -> dict[str, Any]:
        """What the user sees in diagnostics: as every model, and where the graph is used."""
        info = self.deployed.info
        return {
            "version": info.version,
            "source": self.deployed.source,
            "trained_on": info.trained_on,
            "trained_at": info.trained_at,
            "n_samples": info.n_samples,
            "primary_metric": info.primary_metric,
            "metrics": dict(info.metrics),
            "fallbacks": list(self.deployed.fallbacks),
            "blend": self.blend.as_dict(),
            "pair_model": None if self.pairs is None else self.pairs.summary(),
        }

    def in_use(self) -> bool:
        """Whether some history regime ranks or proposes with a learned model."""
        return any(regime.used or regime.proposals for regime in self.blend.regimes)

    def graph_in_use(self) -> bool:
        """Whether some history regime blends or proposes with the graph model itself (not
        only with the pair model)."""
        return any(r.uses("graph") for r in self.blend.regimes)

    def score_pairs(
        self,
        home: Home,
        candidates: Sequence[Candidate],
        ranker_scores: npt.NDArray[np.float64],
        days: float,
        now: float | None = None,
    ) -> GraphScores:
        """The blender's probability of every candidate, the blended scores and, where the
        regime proposes, the best pairs no rule expresses (:mod:`.propose`; blocking)."""
        regime = self.blend.regime(days)
        label = _regime_label(self.blend, regime.max_days)
        by_pairs = regime.proposer == "pairs"
        blends_pairs = regime.blender == "pairs"
        # A regime blending or proposing with a pair model that is not installed does not.
        usable = regime.used and (self.pairs is not None or not blends_pairs)
        propose = regime.proposals > 0 and (self.pairs is not None or not by_pairs)
        unused = GraphScores(
            probability=np.full(len(candidates), np.nan),
            blended=np.asarray(ranker_scores, dtype=np.float64).copy(),
            lift=np.zeros(len(candidates)),
            used=False,
            regime=label,
            model=self.name,
            blended_by=SCORE_KEYS[regime.blender],
            why=None if usable or not regime.used else "its pair model is not installed",
        )
        if not (usable and candidates) and not propose:
            return unused
        model = self.deployed.model
        automated = automated_pairs(home)
        graph = build_graph(
            home,
            embedder=self.embedder,
            name_dim=None if self.embedder is not None else model.name_dim,
            co_activity=coactive_pairs(candidates),
            known_pairs=[(t, a) for t, a in automated if a in home.entities],
            now=now,
            entity_ids=pair_nodes(home),
        )
        blending = usable and bool(candidates)
        # Encoded once for the candidates and the graph model's proposals; not at all where
        # only the pair model blends and proposes.
        graph_needed = (blending and not blends_pairs) or (propose and not by_pairs)
        embeddings = model.encode(graph) if graph_needed else None
        proposals: tuple[Proposal, ...] = ()
        if propose:
            pool = proposal_pool(graph.node_ids, {c.pair for c in candidates} | automated)
            probability = learned_probabilities(
                regime.proposer, model, self.pairs, graph, pool, embeddings=embeddings
            )
            best = best_proposals(pool, probability, regime.proposals)
            scores = learned_scores(probability[best], regime)
            key = SCORE_KEYS[regime.proposer]
            proposals = tuple(
                Proposal(*pool[i], float(probability[i]), float(score), key)
                for i, score in zip(best, scores.tolist(), strict=True)
            )
        if not blending:
            return replace(unused, used=usable, proposals=proposals)
        pairs = [(c.cause_id, c.effect_id or "notify") for c in candidates]
        other = learned_probabilities(
            regime.blender, model, self.pairs, graph, pairs, embeddings=embeddings
        )
        return replace(
            unused,
            probability=other,
            blended=blended(ranker_scores, other, regime),
            lift=graph_lift(ranker_scores, other, regime),
            used=True,
            proposals=proposals,
        )


def _regime_label(blend: Blend, max_days: float) -> str:
    if math.isinf(max_days):
        shorter = [r.max_days for r in blend.regimes if not math.isinf(r.max_days)]
        return f"more than {max(shorter):g} days of history" if shorter else "any history"
    if max_days <= 1:
        return "no history" if max_days == 0 else "up to a day of history"
    return f"up to {max_days:g} days of history"


def graph_feature_names(embedder: TextEmbedder | None, name_dim: int = 0) -> tuple[str, ...]:
    """The node features a graph model must have been trained on to be used here."""
    return feature_names(embedder.dim if embedder is not None else name_dim)


def load_graph_ranking(
    registry: ModelRegistry, embedder: TextEmbedder | None
) -> GraphRanking | None:
    """The graph ranking to use, or None (the reasons are in the registry's fallbacks)."""
    deployed = load_graph_model(registry, graph_feature_names(embedder))
    if deployed is None:
        return None
    try:
        blend = blend_from_dict(deployed.info.extra.get(BLEND_KEY))
    except ModelFileError as err:
        registry.fallbacks.setdefault(deployed.info.name, []).append(
            f"v{deployed.info.version} ({deployed.source}): {err}"
        )
        return None
    pairs = None
    if any(r.uses("pairs") for r in blend.regimes):
        pairs = load_pair_model(registry, graph_feature_names(embedder))
    return GraphRanking(deployed, blend, embedder, pairs)


__all__ = ["BLEND_KEY", "GraphRanking", "graph_feature_names", "load_graph_ranking"]
