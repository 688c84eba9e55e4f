"""Pairs no rule expresses that the graph model proposes: their generic rules, the pool they
are chosen from, their score, and the suggestions and automations they become."""

from __future__ import annotations

from dataclasses import replace
from importlib.util import find_spec
import math
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.graph import build_graph, coactive_pairs, pair_nodes
from custom_components.homeiq.core.graph.blend import (
    Blend,
    Regime,
    blend_from_dict,
    blended,
    learned_scores,
)
from custom_components.homeiq.core.graph.build import HomeGraph
from custom_components.homeiq.core.graph.pairs import (
    PAIR_MODEL,
    load_pair_model,
    pair_feature_names,
    pair_features,
    pair_probabilities,
)
from custom_components.homeiq.core.graph.propose import (
    best_proposals,
    proposal_pool,
    proposal_tie,
)
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.ml.models import DeployedModel, write_bundled
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.ml.trees import ModelFileError, export_ensemble
from custom_components.homeiq.core.synergy import (
    RULES_BY_KIND,
    Answer,
    Verdict,
    find_candidates,
    open_suggestions,
    rule_of_kind,
    suggest,
)
from custom_components.homeiq.core.synergy.feedback import KIND_STEP
from custom_components.homeiq.core.synergy.ranking import automated_pairs, shifted_logits
from custom_components.homeiq.core.synergy.stored import result_as_dict, result_from_dict
from custom_components.homeiq.core.synergy.suggestion import (
    GRAPH_NOTE,
    GRAPH_NOTE_LIFT,
    LEARNED_NOTE,
    LEARNED_OFTEN,
)
from custom_components.homeiq.core.synergy.taxonomy import (
    LEARNED_CAUSE_STATES,
    LEARNED_EFFECTS,
    LEARNED_RULES,
    learned_rule,
)

from .synergy_home import T0
from .test_graph_ranking import _ranking
from .test_synergy_ranking import HALL, KITCHEN, rooms


def proposing(count: int, *, used: bool = True) -> Regime:
    """A regime for any history that proposes ``count`` pairs scored as the graph's own
    probability (bias 0, weight 1)."""
    return Regime(
        max_days=math.inf, used=used, bias=0.5, w_ranker=1.0, w_gnn=2.0, lift=0.1,
        proposals=count, learned_bias=0.0, learned_w_gnn=1.0, proposal_lift=0.05,
    )  # fmt: skip


def test_learned_rules_name_the_default_action_of_the_effect_domain() -> None:
    """A generic rule for every listed cause and effect domain, none for the others (a
    numeric sensor's level or a cover's direction cannot be guessed), none for a self pair;
    kinds never collide with the taxonomy's and are found again by kind."""
    rule = learned_rule("binary_sensor.porch_motion", "script.welcome")
    assert rule is not None
    assert (rule.kind, rule.service, rule.revert_service) == (
        "learned_binary_sensor_script",
        "script.turn_on",
        None,
    )
    assert rule.cause_states == ("on",)
    assert rule.learned
    assert rule.prior == 0.0
    light = learned_rule("person.alice", "light.porch")
    assert light is not None
    assert (light.cause_states, light.service, light.revert_service) == (
        ("home",),
        "light.turn_on",
        "light.turn_off",
    )
    for cause, effect in (
        ("sensor.temperature", "light.porch"),
        ("binary_sensor.door", "cover.garage"),
        ("light.porch", "light.porch"),
        ("light.porch", "notify"),
    ):
        assert learned_rule(cause, effect) is None
    assert len(LEARNED_RULES) == len(LEARNED_CAUSE_STATES) * len(LEARNED_EFFECTS)
    assert not set(LEARNED_RULES) & set(RULES_BY_KIND)
    assert rule_of_kind("learned_binary_sensor_script") is rule
    assert rule_of_kind("motion_light") is RULES_BY_KIND["motion_light"]
    with pytest.raises(KeyError):
        rule_of_kind("learned_sensor_cover")


def test_the_pool_leaves_out_candidates_and_the_best_are_chosen_by_score() -> None:
    """Every (cause, effect) pair of the nodes with a generic rule that is not excluded; the
    best by the graph's probability, equal ones in the ranking's stable order."""
    nodes = ["binary_sensor.a", "light.b", "script.c", "sensor.d"]
    pool = proposal_pool(nodes, {("binary_sensor.a", "light.b")})
    assert pool == [("binary_sensor.a", "script.c"), ("light.b", "script.c")]
    assert best_proposals(pool, np.array([0.2, 0.9]), 1) == [1]
    assert best_proposals(pool, np.array([0.2, 0.9]), 5) == [1, 0]
    tied = best_proposals(pool, np.array([0.5, 0.5]), 2)
    assert tied == sorted(range(2), key=lambda i: proposal_tie(pool[i]))
    assert best_proposals(pool, np.array([0.2, 0.9]), 0) == []
    assert learned_scores(np.array([0.25]), proposing(1)) == pytest.approx([0.25])


def test_a_blend_keeps_its_proposals_and_an_older_one_proposes_nothing() -> None:
    """The proposals' count and weights survive the JSON round trip; a blend written before
    proposals existed loads with none; a negative count or a weight that is not finite is
    refused."""
    blend = Blend((proposing(20),))
    assert blend_from_dict(blend.as_dict()) == blend
    older = {k: v for k, v in proposing(20).as_dict().items() if "learned" not in k}
    del older["proposals"], older["proposal_lift"]
    assert blend_from_dict({"regimes": [older]}).regimes[0].proposals == 0
    for broken in ({"proposals": -1}, {"learned_w_gnn": float("inf")}):
        with pytest.raises(ModelFileError):
            blend_from_dict({"regimes": [{**proposing(20).as_dict(), **broken}]})


def _pool(home: object) -> set[tuple[str, str]]:
    """The pairs of ``rooms()`` the graph model may propose, written out independently."""
    excluded = {c.pair for c in find_candidates(home)} | automated_pairs(home)  # type: ignore[arg-type]
    ids = sorted(home.entities)  # type: ignore[attr-defined]
    return {
        (t, a)
        for t in ids
        for a in ids
        if t != a
        and t.partition(".")[0] in LEARNED_CAUSE_STATES
        and a.partition(".")[0] in LEARNED_EFFECTS
        and (t, a) not in excluded
    }


def test_suggest_takes_the_graphs_best_proposals_with_their_own_score() -> None:
    """With a regime that proposes, the best pairs of the pool join the taxonomy's
    suggestions, scored by the learned weights, said as proposed by the graph model, with a
    generic automation; they survive a restart."""
    home = rooms()
    graph = _ranking(Blend((proposing(1000),)))
    everything = suggest(home, T0, graph=graph)
    learned = [s for s in everything.suggestions if s.kind.startswith("learned_")]
    pool = _pool(home)
    assert {s.pair for s in learned} == pool
    assert ("light.hall", "light.kitchen") in pool
    assert HALL not in pool  # the taxonomy's: never proposed again
    assert KITCHEN not in pool
    assert everything.as_dict()["graph"]["proposed"] == len(pool)
    assert everything.as_dict()["graph"]["proposed_by"] == "gnn"

    result = suggest(home, T0, graph=_ranking(Blend((proposing(3),))))
    best = sorted(learned, key=lambda s: -s.scores["gnn"])[:3]
    proposed = [s for s in result.suggestions if s.kind.startswith("learned_")]
    assert {s.pair for s in proposed} == {s.pair for s in best}
    assert result.as_dict()["graph"]["proposed"] == 3
    plain = suggest(home, T0)
    assert result.as_dict()["already_automated"] == plain.as_dict()["already_automated"] == 0
    assert result.as_dict()["candidates"] == plain.as_dict()["candidates"]
    for s in proposed:
        assert s.score == pytest.approx(s.scores["gnn"])  # bias 0, weight 1
        assert s.scores["rules"] == 0.0
        assert "ranker" not in s.scores
        note = GRAPH_NOTE if s.scores["combined"] >= LEARNED_OFTEN else LEARNED_NOTE
        assert s.text.endswith(f"no evidence for it from this home's history. {note}")
        rule = rule_of_kind(s.kind)
        assert s.automation["triggers"] == [
            {"trigger": "state", "entity_id": s.cause_id, "to": rule.cause_states[0], "id": "cause"}
        ]
        assert s.automation["actions"] == [
            {"action": rule.service, "target": {"entity_id": s.effect_id}}
        ]
    assert [s.score for s in result.suggestions] == sorted(
        (s.score for s in result.suggestions), reverse=True
    )
    restored, _home = result_from_dict(result_as_dict(result, home))
    assert [(s.kind, s.text) for s in restored.suggestions] == [
        (s.kind, s.text) for s in result.suggestions
    ]


def test_a_regime_may_propose_where_it_leaves_the_blend_out() -> None:
    """Proposals without the blend: the taxonomy's suggestions keep the ranker's scores."""
    home = rooms()
    plain = suggest(home, T0)
    result = suggest(home, T0, graph=_ranking(Blend((proposing(2, used=False),))))
    taxonomy = [s for s in result.suggestions if not s.kind.startswith("learned_")]
    assert [(s.suggestion_id, s.score) for s in taxonomy] == [
        (s.suggestion_id, s.score) for s in plain.suggestions
    ]
    assert len(result.suggestions) == len(plain.suggestions) + 2
    figures = result.as_dict()["graph"]
    assert (figures["used"], figures["proposed"]) == (False, 2)


def test_the_best_proposals_are_the_full_orders_head() -> None:
    """Choosing only among the pairs near the top gives the head of the full order (score
    descending, ties by the ranking's code), with many equal scores and any count."""
    rng = np.random.default_rng(0)
    pool = [(f"binary_sensor.s{i}", f"light.l{j}") for i in range(60) for j in range(20)]
    ties = np.array([proposal_tie(p) for p in pool], dtype=np.int64)
    for count in (1, 20, 300, len(pool) + 5):
        scores = np.round(rng.uniform(size=len(pool)), 2)  # about 12 pairs per value
        full = np.lexsort((ties, -scores)).tolist()
        assert best_proposals(pool, scores, count) == full[:count]


def test_an_answer_moves_the_proposals_of_its_kind() -> None:
    """Rejecting a proposed pair takes it off the list and lowers the other proposals of its
    kind (the same cause and effect domains) by one step in logit terms; others stay."""
    home = rooms()
    result = suggest(home, T0, graph=_ranking(Blend((proposing(1000),))))
    learned = [s for s in result.suggestions if s.kind.startswith("learned_")]
    rejected = learned[0]
    same = {s.suggestion_id for s in learned[1:] if s.kind == rejected.kind}
    assert same  # the test home has more than one pair of that kind
    answer = Answer(
        rejected.suggestion_id,
        rejected.kind,
        rejected.cause_id,
        rejected.effect_id,
        Verdict.REJECTED,
        T0,
    )
    after = {s.suggestion_id: s.score for s in open_suggestions(result, [answer], limit=1000)}
    assert rejected.suggestion_id not in after
    for s in result.suggestions:
        if s.suggestion_id == rejected.suggestion_id:
            continue
        expected = shifted_logits(np.array([s.score]), np.array([-KIND_STEP]))[0]
        moved = s.suggestion_id in same
        assert after[s.suggestion_id] == pytest.approx(expected if moved else s.score)


@pytest.mark.parametrize("role", ["proposer", "blender"])
def test_a_blend_names_its_models_and_an_older_one_uses_the_graph(role: str) -> None:
    """``proposer`` and ``blender`` survive the round trip; a blend without one uses the
    graph model there; an unknown one is refused."""
    blend = Blend((replace(proposing(5), **{role: "pairs"}),))
    assert blend_from_dict(blend.as_dict()) == blend
    older = proposing(5).as_dict()
    del older[role]
    assert getattr(blend_from_dict({"regimes": [older]}).regimes[0], role) == "graph"
    with pytest.raises(ModelFileError, match=role):
        blend_from_dict({"regimes": [{**older, role: "oracle"}]})


def _graph_of(home: Home) -> HomeGraph:
    """The graph of ``home`` as the ranking builds it (no known pairs, no name columns)."""
    return build_graph(
        home,
        co_activity=coactive_pairs(find_candidates(home)),
        known_pairs=[],
        entity_ids=pair_nodes(home),
        name_dim=0,
    )


def _kitchen_pair_model(tmp_path: Path, graph: HomeGraph) -> DeployedModel:
    """A stored pair model (numpy trees, loaded through the registry) that picks the pairs
    acting on the kitchen light."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    everything = [(a, b) for a in graph.node_ids for b in graph.node_ids if a != b]
    labels = np.array([int(b == "light.kitchen") for _, b in everything])
    classifier = HistGradientBoostingClassifier(max_iter=10, max_leaf_nodes=4, min_samples_leaf=1)
    classifier.fit(pair_features(graph, everything), labels)
    write_bundled(
        tmp_path, PAIR_MODEL, export_ensemble(classifier), pair_feature_names(graph.feature_names),
        n_samples=len(everything), metrics={"auc": 1.0}, primary_metric="auc",
    )  # fmt: skip
    pairs = load_pair_model(
        ModelRegistry(tmp_path / "live", bundled_root=tmp_path), graph.feature_names
    )
    assert pairs is not None
    return pairs


@pytest.mark.skipif(find_spec("sklearn") is None, reason="needs scikit-learn")
def test_a_regime_blends_with_the_pair_model_where_it_says_so(tmp_path: Path) -> None:
    """A regime whose blender is the pair model blends each candidate with the pair model's
    probability (scores ``pairs`` and ``pairs_lift``, no ``gnn``; a notification keeps the
    ranker's score), the step says so; without a pair model installed the ranker ranks
    alone and the step says why."""
    home = rooms()
    graph = _graph_of(home)
    pairs = _kitchen_pair_model(tmp_path, graph)
    regime = replace(proposing(0), blender="pairs")
    ranking = replace(_ranking(Blend((regime,))), pairs=pairs)
    result = suggest(home, T0, graph=ranking)
    figures = result.as_dict()["graph"]
    assert figures["used"] is True
    assert figures["blended_by"] == "pairs"
    plain = {s.suggestion_id: s.score for s in suggest(home, T0).suggestions}
    scored = 0
    for s in result.suggestions:
        assert not {"gnn", "graph_lift"} & set(s.scores)
        assert s.scores["ranker"] == pytest.approx(plain[s.suggestion_id])
        if s.effect_id is None:  # a notification: no pair-model score, the ranker's own
            assert "pairs" not in s.scores
            assert s.score == pytest.approx(s.scores["ranker"])
            continue
        p = pair_probabilities(pairs, graph, [s.pair])[0]
        assert s.scores["pairs"] == pytest.approx(p)
        expected = blended(np.array([s.scores["ranker"]]), np.array([p]), regime)[0]
        assert s.score == pytest.approx(expected)
        noted = s.scores["pairs_lift"] >= GRAPH_NOTE_LIFT
        assert s.text.endswith(GRAPH_NOTE) == noted
        scored += 1
    assert scored > 0
    missing = suggest(home, T0, graph=_ranking(Blend((regime,))))
    assert missing.as_dict()["graph"] == {
        "model": ranking.name,
        "regime": "any history",
        "used": False,
        "why": "its pair model is not installed",
    }
    assert [s.score for s in missing.suggestions] == [
        s.score for s in suggest(home, T0).suggestions
    ]


@pytest.mark.skipif(find_spec("sklearn") is None, reason="needs scikit-learn")
def test_a_regime_proposes_with_the_pair_model_where_it_says_so(tmp_path: Path) -> None:
    """A regime whose proposer is the pair model takes the pair model's best pairs of the
    pool, scored by its probability (scores ``pairs``, no ``gnn``), worded as every
    proposal; without a pair model installed it proposes nothing."""
    home = rooms()
    graph = _graph_of(home)
    pool = sorted(_pool(home))
    pairs = _kitchen_pair_model(tmp_path, graph)
    blend = Blend((replace(proposing(3, used=False), proposer="pairs"),))
    ranking = replace(_ranking(blend), pairs=pairs)
    result = suggest(home, T0, graph=ranking)
    proposed = [s for s in result.suggestions if s.kind.startswith("learned_")]
    probability = dict(zip(pool, pair_probabilities(pairs, graph, pool), strict=True))
    best = sorted(probability.values(), reverse=True)[:3]  # ties: any of the equal pairs
    assert sorted((probability[s.pair] for s in proposed), reverse=True) == best
    assert best[0] > np.median(list(probability.values()))
    assert all(s.effect_id == "light.kitchen" for s in proposed)
    for s in proposed:
        assert s.scores["pairs"] == pytest.approx(probability[s.pair])
        assert s.score == pytest.approx(probability[s.pair])  # bias 0, weight 1
        assert "gnn" not in s.scores or math.isnan(s.scores["gnn"])
        assert "proposed by HomeIQ from what owners of other homes automate" in s.text
        note = GRAPH_NOTE if s.scores["combined"] >= LEARNED_OFTEN else LEARNED_NOTE
        assert s.text.endswith(note)
    assert ranking.summary()["pair_model"]["source"] == "bundled"
    alone = suggest(home, T0, graph=_ranking(blend))
    assert not [s for s in alone.suggestions if s.kind.startswith("learned_")]
    assert "proposed" not in alone.as_dict()["graph"]
    assert result.as_dict()["graph"]["proposed_by"] == "pairs"
