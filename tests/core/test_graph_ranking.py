"""The graph model in the synergy ranking: the blend per history regime, its JSON form,
where the graph is left out, and the evidence that says when it raised a suggestion."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.graph import feature_names, initial_weights
from custom_components.homeiq.core.graph.blend import (
    Blend,
    Regime,
    blend_from_dict,
    blended,
    graph_lift,
    logit,
)
from custom_components.homeiq.core.graph.model import (
    DeployedGraphModel,
    GraphModel,
    write_bundled_graph,
)
from custom_components.homeiq.core.graph.scoring import (
    BLEND_KEY,
    GraphRanking,
    load_graph_ranking,
)
from custom_components.homeiq.core.ml.models import GNN_MODEL
from custom_components.homeiq.core.ml.registry import ModelInfo, ModelRegistry
from custom_components.homeiq.core.ml.trees import ModelFileError
from custom_components.homeiq.core.synergy import GRAPH_NOTE_LIFT, SYNERGY, suggest
from custom_components.homeiq.core.synergy.stored import result_as_dict, result_from_dict
from custom_components.homeiq.core.synergy.suggestion import GRAPH_NOTE

from .synergy_home import T0
from .test_synergy_ranking import rooms

OFF = Regime(max_days=0.0, used=False)
ON = Regime(max_days=math.inf, used=True, bias=0.5, w_ranker=1.0, w_gnn=2.0, lift=0.1)


def _ranking(blend: Blend, *, seed: int = 0) -> GraphRanking:
    """An untrained graph model (no name columns) with ``blend``."""
    weights = initial_weights(feature_names(0), hidden=8, seed=seed)
    info = ModelInfo(
        name=GNN_MODEL, version=0, trained_on="synthetic", trained_at="2026-12-02T00:00:00+00:00",
        n_samples=1, metrics={"mrr": 0.5}, primary_metric="mrr", higher_is_better=True,
        extra={BLEND_KEY: blend.as_dict()},
    )  # fmt: skip
    return GraphRanking(DeployedGraphModel(GraphModel(weights), info, "bundled"), blend, None)


def test_blend_is_the_logit_sum_and_leaves_out_what_it_cannot_score() -> None:
    """sigmoid(bias + w_r logit(r) + w_g logit(g)); the ranker's own score where the regime
    leaves the graph out or the graph has no score (NaN)."""
    ranker = np.array([0.2, 0.6, 0.9])
    gnn = np.array([0.9, 0.1, np.nan])
    out = blended(ranker, gnn, ON)
    z = 0.5 + logit(ranker[:2]) + 2.0 * logit(gnn[:2])
    assert out[:2] == pytest.approx(1 / (1 + np.exp(-z)))
    assert out[2] == 0.9
    assert blended(ranker, gnn, OFF).tolist() == ranker.tolist()
    lift = graph_lift(ranker, gnn, ON)
    assert lift[0] > GRAPH_NOTE_LIFT  # a confident graph raises the pair
    assert lift[1] < 0  # and lowers one it thinks unlikely
    assert lift[2] == 0.0
    assert graph_lift(ranker, gnn, OFF).tolist() == [0.0, 0.0, 0.0]


def test_regimes_by_days_and_their_json_round_trip() -> None:
    """The first regime whose max_days covers the history; the last covers the rest."""
    blend = Blend((OFF, Regime(7.0, True, 0.1, 0.9, 0.4), ON))
    assert blend.regime(0) is OFF
    assert blend.regime(3).max_days == 7.0
    assert blend.regime(30) is ON
    assert blend_from_dict(blend.as_dict()) == blend
    for broken in (
        None,
        {"regimes": []},
        {"regimes": [{"max_days": 1, "used": True}]},
        {"regimes": [ON.as_dict(), OFF.as_dict()]},  # out of order
        {"regimes": [{**OFF.as_dict(), "bias": float("nan")}]},
    ):
        with pytest.raises(ModelFileError):
            blend_from_dict(broken)


def test_suggest_with_the_graph_where_it_helps() -> None:
    """The graph's probability and the blend are in every suggestion's scores, the blend
    ranks, and a suggestion it raised says so in its evidence (also after a restart)."""
    home = rooms()
    plain = suggest(home, T0)
    graph = _ranking(Blend((ON,)))
    result = suggest(home, T0, graph=graph)
    assert result.as_dict()["graph"]["used"] is True
    assert result.as_dict()["graph"]["model"] == "v0 (bundled)"
    by_id = {s.suggestion_id: s for s in plain.suggestions}
    raised = 0
    for s in result.suggestions:
        before = by_id[s.suggestion_id]
        assert s.scores["ranker"] == pytest.approx(before.scores["combined"])
        if s.effect_id is None:  # a notification: no graph node, the ranker's own score
            assert "gnn" not in s.scores
            assert s.score == pytest.approx(before.score)
            continue
        expected = blended([before.score], [s.scores["gnn"]], ON)[0]
        assert s.score == pytest.approx(expected)
        noted = s.text.endswith(GRAPH_NOTE)
        assert noted == (s.scores["graph_lift"] >= GRAPH_NOTE_LIFT)
        raised += noted
    assert result.as_dict()["graph"]["raised"] == raised
    assert [s.score for s in result.suggestions] == sorted(
        (s.score for s in result.suggestions), reverse=True
    )
    restored, _home = result_from_dict(result_as_dict(result, home))
    assert [s.text for s in restored.suggestions] == [s.text for s in result.suggestions]


def test_a_regime_without_lift_ranks_as_without_the_graph() -> None:
    """Left out: the same scores and order as with no graph, and the figures say why."""
    home = rooms()
    plain = suggest(home, T0)
    result = suggest(home, T0, graph=_ranking(Blend((OFF, ON))))  # no history: regime OFF
    assert [(s.suggestion_id, s.score) for s in result.suggestions] == [
        (s.suggestion_id, s.score) for s in plain.suggestions
    ]
    assert result.as_dict()["graph"] == {
        "model": "v0 (bundled)",
        "regime": "no history",
        "used": False,
        "why": "no lift with no history on the training homes",
    }
    assert all(GRAPH_NOTE not in s.text for s in result.suggestions)
    assert plain.as_dict()["graph"] == {"used": False, "why": "no graph model could be loaded"}


def test_the_capability_uses_a_loaded_graph_ranking(tmp_path: Path) -> None:
    """Bundled weights with a blend load as a graph ranking the synergy step uses; without a
    blend the model is refused and the reason kept."""
    weights = initial_weights(feature_names(0), hidden=8)
    blend = Blend((ON,))
    write_bundled_graph(
        tmp_path / "bundled", weights, n_samples=1, metrics={"mrr": 0.5}, primary_metric="mrr",
        extra={BLEND_KEY: blend.as_dict()},
    )  # fmt: skip
    registry = ModelRegistry(tmp_path / "registry", bundled_root=tmp_path / "bundled")
    ranking = load_graph_ranking(registry, None)
    assert ranking is not None
    assert ranking.blend == blend
    assert ranking.in_use()
    result = SYNERGY.assess(rooms(), T0, {GNN_MODEL: ranking})
    assert result.as_dict()["graph"]["used"] is True
    write_bundled_graph(
        tmp_path / "bare", weights, n_samples=1, metrics={"mrr": 0.5}, primary_metric="mrr"
    )
    bare = ModelRegistry(tmp_path / "registry2", bundled_root=tmp_path / "bare")
    assert load_graph_ranking(bare, None) is None
    assert any("blend" in reason for reason in bare.fallbacks[GNN_MODEL])
