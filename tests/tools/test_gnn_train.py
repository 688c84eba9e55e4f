"""Tests for the graph model's pretraining and blend (tools/gnn_train.py, scripts/train
--only gnn): the training set reads no validation home and labels nothing the taxonomy or
the miner says, the negatives come from the pair space, the blend leaves a noise score out
and takes an informative one, the pair features of the baseline, and a loadable bundle."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
import hashlib
from importlib.util import find_spec
import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from custom_components.homeiq.core.graph import build_graph, feature_names, load_graph_model
from custom_components.homeiq.core.graph.blend import Blend, Regime, blend_from_dict
from custom_components.homeiq.core.graph.pairs import load_pair_model, pair_probabilities
from custom_components.homeiq.core.graph.propose import PROPOSALS
from custom_components.homeiq.core.home import Area, Automation, Device, Entity, Home
from custom_components.homeiq.core.ml.registry import ModelRegistry
from tests.tools.real_records import real_record
from tools import train
from tools.evaluation.common import DEVELOPMENT_SEEDS, REPORTING_SEEDS
from tools.gnn_proposals import count_study, offset_study
from tools.gnn_samples import pair_space, real_part
from tools.gnn_train import (
    BASELINE_PARAMS,
    PAIR_FEATURE_NAMES,
    PROPOSAL_OFFSETS,
    SYNTHETIC_SEED,
    BlendExample,
    choose_blenders,
    choose_models,
    choose_proposers,
    first_hit_rr,
    fit_blend,
    fit_pair_baseline,
    name_embedder,
    pair_features,
    pair_tie_codes,
    ranking_order,
    regime_name,
    regime_of,
    sample_negatives,
    tie_code,
    training_examples,
    union_example,
    write_pair_model,
)
from tools.realconfigs import real_home

TRAIN_NAMES = [f"owner{i}/config" for i in (6, 7, 9)]  # real_part: "train"
VALIDATION_NAMES = [f"owner{i}/config" for i in (0, 1, 2)]  # real_part: "validation"


def test_the_names_fall_where_the_tests_say() -> None:
    assert {real_part(n) for n in TRAIN_NAMES} == {"train"}
    assert {real_part(n) for n in VALIDATION_NAMES} == {"validation"}


def test_synthetic_training_seed_is_no_evaluation_seed() -> None:
    """Nor the synergy ranker's training (4) or held-out (1004) corpus."""
    evaluated = {*DEVELOPMENT_SEEDS.seeds(), *REPORTING_SEEDS.seeds(), 4, 1004}
    assert SYNTHETIC_SEED not in evaluated


def test_training_examples_read_no_validation_home_and_only_owner_pairs() -> None:
    """Examples of training homes only (two draws and a cold one each); positives are the
    owner's hidden pairs in the pair space, negatives from the pair space and never a
    positive or a known pair; the automated edges are the known pairs, never a target."""
    reals = [real_home(real_record(n)) for n in [*TRAIN_NAMES, *VALIDATION_NAMES]]
    examples = training_examples(reals, [], ranker=None, embedder=None, real_seeds=(1, 2))
    assert {e.name for e in examples} == set(TRAIN_NAMES)
    assert len(examples) == 3 * len(TRAIN_NAMES)
    owner = {p for a in reals[0].automations for p in a.pairs}
    for e in examples:
        space = set(pair_space(reals[0].home))
        assert e.source == "real"
        assert e.days == 0.0
        assert set(e.positives) <= owner & space
        assert set(e.negatives) <= space
        assert not set(e.negatives) & (set(e.positives) | e.known)
        assert len(set(e.negatives)) == len(e.negatives)
        assert not e.known & set(e.positives)
        automated = e.graph.edge_pairs("automated")
        assert {(t, a) for t, a in e.known} <= automated
        assert not set(e.positives) & automated
        assert set(e.graph.node_ids) == {x for p in space for x in p}
        # The candidates the blend reads: taxonomy pairs not automated, labels from owners.
        assert not set(e.candidates.pairs) & e.known
    cold = [e for e in examples if not e.known]
    assert len(cold) == len(TRAIN_NAMES)
    assert all(set(e.positives) == owner & set(pair_space(reals[0].home)) for e in cold)


def test_negatives_are_uniform_and_same_trigger_pairs_of_the_space() -> None:
    space = [(t, a) for t in ("s.a", "s.b", "s.c") for a in ("l.x", "l.y", "l.z", "s.a")]
    space = [p for p in space if p[0] != p[1]]
    positives = [("s.a", "l.x")]
    excluded = {("s.a", "l.x"), ("s.b", "l.y")}
    rng = np.random.default_rng(3)
    negatives = sample_negatives(rng, space, positives, excluded, uniform=0, same_trigger=20)
    assert negatives
    assert all(t == "s.a" and a != "s.a" for t, a in negatives)
    assert not set(negatives) & excluded
    assert len(negatives) == len(set(negatives)) <= 2  # l.y and l.z only
    uniform = sample_negatives(rng, space, positives, excluded, uniform=50, same_trigger=0)
    assert set(uniform) <= set(space) - excluded
    assert len(set(uniform)) > 3  # not only the positive's trigger
    assert sample_negatives(rng, [], positives, excluded) == []


def test_union_example_keeps_each_graph_apart() -> None:
    reals = [real_home(real_record(n)) for n in TRAIN_NAMES[:2]]
    examples = training_examples(reals, [], ranker=None, embedder=None, real_seeds=(1,))[:2]
    union, positives, negatives = union_example(examples)
    first, second = examples[0].graph, examples[1].graph
    assert union.n_nodes == first.n_nodes + second.n_nodes
    assert union.node_ids[first.n_nodes] == f"1/{second.node_ids[0]}"
    assert np.array_equal(union.features[: first.n_nodes], first.features)
    for edge_type, edges in union.edges.items():
        assert edges.shape[1] == first.edges[edge_type].shape[1] + second.edges[edge_type].shape[1]
        src, dst = edges
        assert ((src < first.n_nodes) == (dst < first.n_nodes)).all()  # no edge across
    assert len(positives) == len(examples[0].positives) + len(examples[1].positives)
    assert positives[0] == ("0/" + examples[0].positives[0][0], "0/" + examples[0].positives[0][1])
    assert len(negatives) == len(examples[0].negatives) + len(examples[1].negatives)


def test_pair_baseline_learns_and_reads_an_extra_column() -> None:
    """The baseline fits the examples' pairs; an extra column (here the label itself) is
    read at fit and at predict time, after the pair features."""
    reals = [real_home(real_record(n)) for n in TRAIN_NAMES]
    examples = training_examples(reals, [], ranker=None, embedder=None, real_seeds=(1,))
    plain = fit_pair_baseline(examples)
    e = examples[0]
    pairs = [*e.positives, *e.negatives]
    assert plain.rows(e.graph, pairs).shape == (
        len(pairs),
        2 * len(e.graph.feature_names) + len(PAIR_FEATURE_NAMES),
    )
    assert plain.predict(e.graph, pairs).shape == (len(pairs),)
    columns = [np.r_[np.ones(len(x.positives)), np.zeros(len(x.negatives))] for x in examples]
    targets = set(e.positives)  # the oracle of the example predicted

    def oracle(_graph: object, chosen: object) -> np.ndarray:
        return np.array([float(p in targets) for p in chosen])  # type: ignore[attr-defined]

    stacked = fit_pair_baseline(examples, extra=oracle, extra_columns=columns)
    rows = stacked.rows(e.graph, pairs)
    assert np.array_equal(rows[:, :-1], plain.rows(e.graph, pairs))
    assert np.array_equal(rows[:, -1], columns[0])  # the oracle at predict = the fit column
    assert stacked.classifier.n_features_in_ == plain.classifier.n_features_in_ + 1
    assert stacked.predict(e.graph, pairs).shape == (len(pairs),)
    with pytest.raises(ValueError, match="features"):
        plain.classifier.predict_proba(rows)  # one column too many for the plain model
    assert plain.classifier.max_leaf_nodes == BASELINE_PARAMS["max_leaf_nodes"]
    small = fit_pair_baseline(examples, params={"max_iter": 2, "max_leaf_nodes": 3})
    assert (small.classifier.max_iter, small.classifier.max_leaf_nodes) == (2, 3)
    assert small.classifier.n_iter_ == 2
    assert small.classifier.learning_rate == BASELINE_PARAMS["learning_rate"]  # the rest kept


def test_ranking_order_and_first_hit() -> None:
    """Best score first; equal scores by ascending tie code; RR of the first label."""
    scores = np.array([0.2, 0.9, 0.2, 0.5])
    ties = np.array([7, 1, 3, 0])
    assert ranking_order(scores, ties).tolist() == [1, 3, 2, 0]
    labels = np.array([True, False, True, False])
    assert first_hit_rr(scores, ties, labels) == pytest.approx(1 / 3)
    assert first_hit_rr(scores, ties, np.zeros(4, dtype=np.bool_)) == 0.0
    assert tie_code("a|b") == int(hashlib.sha256(b"a|b").hexdigest()[:15], 16)
    codes = pair_tie_codes([("a", "b"), ("a", "b"), ("b", "a")])
    assert codes[0] == codes[1] != codes[2]
    assert codes.dtype == np.int64


def _blend_examples(informative: bool, n: int = 300, rows: int = 30) -> list[BlendExample]:
    """Hand-made candidate rows: one target per example; the ranker ranks it up on average
    (a noisy score); the other score is either noise or close to the label."""
    rng = np.random.default_rng(11)
    out = []
    for i in range(n):
        labels = np.zeros(rows, dtype=np.bool_)
        labels[rng.integers(rows)] = True
        ranker = np.clip(0.3 + 0.15 * labels + rng.normal(0, 0.1, rows), 0.01, 0.99)
        if informative:
            other = 1 / (1 + np.exp(-(4.0 * labels - 2.0 + rng.normal(0, 1.0, rows))))
        else:
            other = rng.uniform(0.01, 0.99, rows)
        days = (0.0, 7.0, 30.0)[i % 3]
        ties = rng.integers(0, 2**40, rows)
        out.append(BlendExample(f"home{i // 3}", (i // 3) % 2, days, ranker, other, labels, ties))
    return out


def test_blend_leaves_out_a_noise_score_and_takes_an_informative_one() -> None:
    noise, noise_fit = fit_blend(_blend_examples(informative=False))
    assert [r.max_days for r in noise.regimes] == [1.0, 7.0, math.inf]
    assert not any(r.used for r in noise.regimes)
    assert all(r.lift is not None and r.lift < 0.01 for r in noise.regimes)
    assert noise_fit["day_one"]["examples"] == 100
    useful, useful_fit = fit_blend(_blend_examples(informative=True))
    assert all(r.used for r in useful.regimes)
    for regime in useful.regimes:
        assert regime.w_gnn > 0.5
        assert regime.lift is not None
        assert regime.lift > 0.2
    figures = useful_fit["longer"]
    assert figures["held_out_mrr_blend"] - figures["held_out_mrr_ranker"] == pytest.approx(
        useful.regimes[2].lift, abs=1e-4
    )
    # A regime without examples is left out and says why.
    only_cold = [e for e in _blend_examples(informative=True) if e.days == 0.0]
    blend, fit = fit_blend(only_cold)
    assert [r.used for r in blend.regimes] == [True, False, False]
    assert blend.regimes[1].lift is None
    assert fit["to_7_days"]["reason"] == "no positive and negative"
    assert blend_from_dict(json.loads(json.dumps(blend.as_dict()))) == blend


def test_blend_figures_by_source_split_the_held_out_examples() -> None:
    examples = [
        dataclasses.replace(e, source="synthetic" if i % 2 else "real")
        for i, e in enumerate(_blend_examples(informative=True))
    ]
    _, fit = fit_blend(examples)
    figures = fit["day_one"]
    by_source = figures["by_source"]
    assert set(by_source) == {"real", "synthetic"}
    counts = [by_source[s]["held_out_examples"] for s in ("real", "synthetic")]
    assert sum(counts) == figures["held_out_examples"] == 100
    assert counts == [50, 50]  # every third example is at 0 days; sources alternate
    for key in ("held_out_mrr_ranker", "held_out_mrr_blend"):
        mean = sum(
            by_source[s][key] * n for s, n in zip(("real", "synthetic"), counts, strict=True)
        )
        assert mean / 100 == pytest.approx(figures[key], abs=1e-4)
    assert by_source["real"]["held_out_mrr_blend"] > by_source["real"]["held_out_mrr_ranker"]


def _with_pools(examples: list[BlendExample], informative: bool) -> list[BlendExample]:
    """Each example with 20 proposed pairs; in half of the examples (both folds) the target
    is one of them instead of a candidate. Their score is close to the label or noise."""
    rng = np.random.default_rng(5)
    out = []
    for i, e in enumerate(examples):
        pool_labels = np.zeros(20, dtype=np.bool_)
        labels = e.labels
        if i % 4 >= 2:
            pool_labels[rng.integers(20)] = True
            labels = np.zeros_like(e.labels)
        sign = 1.0 if informative else -1.0
        pool = 1 / (1 + np.exp(-(sign * 4.0 * pool_labels - 1.0 + rng.normal(0, 1.0, 20))))
        ties = rng.integers(0, 2**40, 20)
        out.append(
            dataclasses.replace(
                e, labels=labels, pool_other=pool, pool_labels=pool_labels, pool_ties=ties
            )
        )
    return out


def test_proposals_are_kept_where_they_find_held_out_targets() -> None:
    """Proposals whose score tells targets apart raise the held-out MRR and are kept, with
    a positive weight; proposals scored against the label get a negative weight and are not
    kept (though any proposal finds some targets the candidates cannot)."""
    useful, fit = fit_blend(_with_pools(_blend_examples(informative=True), informative=True))
    for regime in useful.regimes:
        assert regime.proposals == PROPOSALS
        assert regime.learned_w_gnn > 0.5
        assert regime.proposal_lift is not None
        assert regime.proposal_lift > 0.1
    figures = fit["day_one"]["proposals"]
    assert figures["held_out_examples"] == 100
    assert figures["positives"] == 50  # half of the examples' targets are proposed
    assert figures["held_out_mrr_with_proposals"] - figures[
        "held_out_mrr_candidates"
    ] == pytest.approx(useful.regimes[0].proposal_lift, abs=1e-4)
    wrong, _ = fit_blend(_with_pools(_blend_examples(informative=True), informative=False))
    assert all(r.proposals == 0 for r in wrong.regimes)
    assert all(r.learned_w_gnn < 0 for r in wrong.regimes)
    assert all(r.used for r in wrong.regimes)  # the blend itself is fitted as before
    assert blend_from_dict(json.loads(json.dumps(useful.as_dict()))) == useful


def test_proposals_that_push_synthetic_targets_down_are_not_kept() -> None:
    """The real homes' gain decides, but no source may lose more than the minimum lift: a
    synthetic home whose planted (candidate) target sinks under confident wrong proposals
    vetoes them."""
    real = _with_pools(_blend_examples(informative=True), informative=True)
    rng = np.random.default_rng(3)
    synthetic = [
        dataclasses.replace(
            e,
            name=f"synthetic-{e.name}",
            source="synthetic",
            labels=_blend_examples(informative=True)[i].labels,
            pool_other=rng.uniform(0.995, 0.999, 20),
            pool_labels=np.zeros(20, dtype=np.bool_),
        )
        for i, e in enumerate(real)
        if i % 4 < 2  # examples whose target is a candidate
    ]
    alone, _ = fit_blend(real)
    assert alone.regimes[0].proposals == PROPOSALS
    vetoed, fit = fit_blend([*real, *synthetic])
    by_source = fit["day_one"]["proposals"]["by_source"]
    loss = (
        by_source["synthetic"]["held_out_mrr_with_proposals"]
        - by_source["synthetic"]["held_out_mrr_candidates"]
    )
    assert loss < -0.01
    assert vetoed.regimes[0].learned_w_gnn > 0
    assert vetoed.regimes[0].proposal_lift is not None
    assert vetoed.regimes[0].proposal_lift >= 0.01  # the real homes gain: only the veto
    assert vetoed.regimes[0].proposals == 0
    assert vetoed.regimes[0].proposal_lift == pytest.approx(
        by_source["real"]["held_out_mrr_with_proposals"]
        - by_source["real"]["held_out_mrr_candidates"],
        abs=2e-4,
    )


def test_regimes_by_history_length() -> None:
    """A home's first day is the no-history regime (a new install has minutes of it)."""
    days = (0.0, 0.5, 1.0, 1.5, 7.0, 7.1, 30.0)
    assert [regime_of(d) for d in days] == [0, 0, 0, 1, 1, 2, 2]
    assert [regime_name(m) for m in (0.0, 1.0, 7.0, math.inf)] == [
        "0_days",
        "day_one",
        "to_7_days",
        "longer",
    ]


def _two_room_home() -> Home:
    areas = {"hall": Area("hall", "Hall"), "bath": Area("bath", "Bath")}
    devices = {"d1": Device("d1", "Sensor", area_id="hall")}
    entities = {
        "binary_sensor.hall_motion": Entity(
            "binary_sensor.hall_motion", device_class="motion", area_id="hall", device_id="d1"
        ),
        "sensor.hall_lux": Entity(
            "sensor.hall_lux", device_class="illuminance", unit="lx", area_id="hall",
            device_id="d1",
        ),
        "light.hall": Entity("light.hall", area_id="hall"),
        "fan.bath": Entity("fan.bath", area_id="bath"),
    }  # fmt: skip
    automation = Automation(
        "a1", "Hall", True, ("binary_sensor.hall_motion",), ("light.hall", "fan.bath"), ()
    )
    return Home(areas=areas, devices=devices, entities=entities, automations=[automation])


def test_pair_features_of_the_baseline() -> None:
    """Both ends' node features (known degrees and area sizes among them), then the pair's
    edges: what the graph model's scorer reads besides the embeddings."""
    home = _two_room_home()
    known = [("binary_sensor.hall_motion", "light.hall"), ("binary_sensor.hall_motion", "fan.bath")]
    graph = build_graph(
        home,
        co_activity=[("sensor.hall_lux", "light.hall")],
        known_pairs=known,
        entity_ids=list(home.entities),
    )
    pairs = [("binary_sensor.hall_motion", "light.hall"), ("sensor.hall_lux", "fan.bath"),
             ("sensor.hall_lux", "light.hall")]  # fmt: skip
    rows = pair_features(graph, pairs)
    width = graph.features.shape[1]
    assert rows.shape == (3, 2 * width + len(PAIR_FEATURE_NAMES))
    assert np.array_equal(rows[1, :width], graph.features[graph.index["sensor.hall_lux"]])
    assert np.array_equal(rows[1, width : 2 * width], graph.features[graph.index["fan.bath"]])
    pair = dict(zip(PAIR_FEATURE_NAMES, rows[:, 2 * width :].T, strict=True))
    assert pair["pair:same_area"].tolist() == [1.0, 0.0, 1.0]
    assert pair["pair:same_device"].tolist() == [0.0, 0.0, 0.0]
    assert pair["pair:same_floor"].tolist() == [0.0, 0.0, 0.0]
    assert pair["pair:co_activity"].tolist() == [0.0, 0.0, 1.0]
    column = {name: i for i, name in enumerate(graph.feature_names)}
    as_trigger = column["structure:log1p_known_as_trigger"]
    as_action = width + column["structure:log1p_known_as_action"]
    area_nodes = column["structure:log1p_area_nodes"]
    assert rows[:, as_trigger] == pytest.approx(np.log1p([2.0, 0.0, 0.0]))
    assert rows[:, as_action] == pytest.approx(np.log1p([1.0, 1.0, 1.0]))
    assert rows[:, area_nodes] == pytest.approx(np.log1p([2.0, 2.0, 2.0]))
    assert rows[:, width + area_nodes] == pytest.approx(np.log1p([2.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="not a node"):
        pair_features(graph, [("light.nowhere", "fan.bath")])


def test_only_gnn_writes_a_loadable_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """scripts/train --only gnn (quick) writes models/gnn only, loadable as the integration
    loads it, with the blend and the training figures."""
    corpus = tmp_path / "homes.jsonl"
    corpus.write_text(
        "\n".join(json.dumps(real_record(n)) for n in [*TRAIN_NAMES, *VALIDATION_NAMES]) + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOMEIQ_REALCONFIGS", str(corpus))
    out = tmp_path / "models"
    result = train.run(out, quick=True, only=["gnn"])
    assert set(result) == {"gnn", "seconds"}
    figures = result["gnn"]
    # The pair model only where a regime blends or proposes with it.
    proposes_by_pairs = any(
        (r["proposals"] and r["proposer"] == "pairs") or (r["used"] and r["blender"] == "pairs")
        for r in figures["blend"]["regimes"]
    )
    assert (figures["pair_model"] is not None) == proposes_by_pairs
    assert {p.name for p in out.iterdir()} == {"gnn"} | ({"pairs"} if proposes_by_pairs else set())
    assert figures["training"]["examples"]["real"]["homes"] == len(TRAIN_NAMES)
    assert figures["training"]["examples"]["synthetic"]["homes"] > 0
    registry = ModelRegistry(tmp_path / "live", bundled_root=out)
    try:
        embedder = name_embedder()
        deployed = load_graph_model(
            registry, feature_names(0 if embedder is None else embedder.dim)
        )
    finally:
        registry.close()
    assert deployed is not None
    assert deployed.source == "bundled"
    blend = blend_from_dict(deployed.info.extra["blend"])
    assert [r.max_days for r in blend.regimes] == [1.0, 7.0, math.inf]
    assert deployed.info.extra["training"]["pretrain_s"] >= 0
    assert "held_out_auc" in deployed.info.metrics
    assert sum(p.stat().st_size for p in (out / "gnn").iterdir()) < 1_000_000


def test_the_count_study_cuts_each_examples_proposals() -> None:
    """Each count fits the first regime's proposals on the first ``count`` of every pool;
    the whole pool gives the figures fit_blend gives."""
    examples = _with_pools(_blend_examples(informative=True), informative=True)
    study = count_study(examples, (5, 20))
    assert set(study) == {"5", "20"}
    _, whole = fit_blend(examples)
    assert {k: v for k, v in study["20"].items() if k not in {"kept", "proposal_lift"}} == whole[
        "day_one"
    ]["proposals"]
    assert study["20"]["kept"] is True
    first_day = sum(e.days <= 1 for e in examples)
    assert study["5"]["rows"] == 5 * first_day < study["20"]["rows"] == 20 * first_day
    assert study["5"]["positives"] <= study["20"]["positives"]


def test_the_offset_study_ranks_every_first_day_example_held_out() -> None:
    """Candidates alone find the targets that are candidates; proposals scored close to the
    label find the others; a large offset puts every proposal above the candidates, which
    loses the candidate targets' first places."""
    examples = _with_pools(_blend_examples(informative=True), informative=True)
    study = offset_study(examples, (0.0, 50.0), count=20)
    first_day = [e for e in examples if e.days <= 1]
    assert set(study) == {"candidates", "offset_0", "offset_50"}
    alone, with_pool, far = (study[k]["real"] for k in ("candidates", "offset_0", "offset_50"))
    assert alone["examples"] == with_pool["examples"] == len(first_day)
    # The candidates' targets: every example whose target is no proposal, none beyond.
    candidate_targets = sum(int(e.labels.any()) for e in first_day)
    assert alone["top_50"] == candidate_targets
    assert with_pool["top_50"] == len(first_day)  # 30 candidates + 20 proposals: all ranked
    assert with_pool["mrr"] > alone["mrr"]
    assert far["mrr"] < with_pool["mrr"]
    assert far["top_10"] < with_pool["top_10"]


def test_the_proposals_keep_the_offset_with_the_best_held_out_lift() -> None:
    """Every offset is measured; the one kept has the best real-home lift of those no
    source loses by, and its lift is the regime's; the score's bias carries it."""
    examples = _with_pools(_blend_examples(informative=True), informative=True)
    blend, fit = fit_blend(examples)
    figures = fit["day_one"]["proposals"]
    lifts = figures["lift_by_offset"]
    assert set(lifts) == {f"{o:g}" for o in PROPOSAL_OFFSETS}
    assert figures["offset"] in PROPOSAL_OFFSETS
    assert lifts[f"{figures['offset']:g}"] == max(lifts.values())
    assert blend.regimes[0].proposal_lift == lifts[f"{figures['offset']:g}"]
    plain, _ = fit_blend(examples, offsets=(0.0,))
    first, zero = blend.regimes[0], plain.regimes[0]
    assert first.learned_bias == pytest.approx(zero.learned_bias + figures["offset"])
    assert first.learned_w_gnn == pytest.approx(zero.learned_w_gnn)


def _regime(max_days: float, proposals: int, lift: float | None, bias: float) -> Regime:
    return Regime(max_days, True, 0.1, 1.0, 0.5, 0.02, proposals, bias, 0.8, lift)


def test_a_regime_proposes_with_the_pair_model_where_its_lift_is_larger() -> None:
    """Per regime: the pair model's proposals replace the graph model's where they are kept
    with a larger lift (or the graph model keeps none); the candidate blend stays."""
    graph = Blend(
        (
            _regime(1.0, 100, 0.02, -5.0),
            _regime(7.0, 0, None, 0.0),
            _regime(math.inf, 100, 0.05, -4.0),
        )
    )
    pairs = Blend(
        (
            _regime(1.0, 100, 0.06, -3.0),
            _regime(7.0, 100, 0.03, -2.0),
            _regime(math.inf, 100, 0.04, -1.0),
        )
    )
    chosen = choose_proposers(graph, pairs).regimes
    assert [r.proposer for r in chosen] == ["pairs", "pairs", "graph"]
    assert [r.learned_bias for r in chosen] == [-3.0, -2.0, -4.0]
    assert [r.proposal_lift for r in chosen] == [0.06, 0.03, 0.05]
    assert all((r.bias, r.w_ranker, r.w_gnn) == (0.1, 1.0, 0.5) for r in chosen)
    none = Blend(tuple(replace(r, proposals=0) for r in pairs.regimes))
    assert choose_proposers(graph, none) == graph


def _candidates(max_days: float, used: bool, lift: float | None, w_gnn: float) -> Regime:
    return Regime(max_days, used, 0.1, 1.0, w_gnn, lift)


def test_a_regime_blends_with_the_model_of_the_larger_lift_then_picks_its_proposer() -> None:
    """Per regime: the candidates blend with the pair model where its blend is used and
    lifted more than the graph model's (or that one is unused), else with the graph model;
    the proposals are then chosen among the two fits with that blender, and the figures
    are that blender's with both lifts."""
    lifts = {"graph": (0.05, 0.02, None), "pairs": (0.03, 0.04, 0.02)}
    used = {"graph": (True, True, False), "pairs": (True, True, True)}
    fits: dict[tuple[str, str], tuple[Blend, dict[str, Any]]] = {}
    for blender, w in (("graph", 0.5), ("pairs", 0.7)):
        for proposer, (count, plift) in (("graph", (100, 0.01)), ("pairs", (100, 0.03))):
            regimes = tuple(
                replace(
                    _candidates(days, used[blender][i], lifts[blender][i], w),
                    proposals=count,
                    learned_bias=-1.0 if proposer == "graph" else -2.0,
                    learned_w_gnn=1.0,
                    proposal_lift=plift,
                )
                for i, days in enumerate((1.0, 7.0, math.inf))
            )
            figures = {
                regime_name(r.max_days): {"lift": r.lift, "proposals": {"by": proposer}}
                for r in regimes
            }
            fits[blender, proposer] = (Blend(regimes), figures)
    blend, figures = choose_models(fits)
    assert [r.blender for r in blend.regimes] == ["graph", "pairs", "pairs"]
    assert [r.w_gnn for r in blend.regimes] == [0.5, 0.7, 0.7]
    assert [r.lift for r in blend.regimes] == [0.05, 0.04, 0.02]
    assert [r.proposer for r in blend.regimes] == ["pairs"] * 3  # 0.03 > 0.01
    assert [r.learned_bias for r in blend.regimes] == [-2.0] * 3
    assert figures["day_one"]["blender"] == "graph"
    assert figures["day_one"]["lift_by_blender"] == {"graph": 0.05, "pairs": 0.03}
    assert figures["day_one"]["pair_model_proposals"] == {"by": "pairs"}
    assert figures["longer"]["lift_by_blender"] == {"graph": None, "pairs": 0.02}
    assert figures["to_7_days"]["proposer"] == "pairs"
    unused = Blend(tuple(replace(r, used=False) for r in fits["pairs", "pairs"][0].regimes))
    assert choose_blenders(fits["graph", "graph"][0], unused) == ("graph", "graph", "graph")


@pytest.mark.skipif(find_spec("sklearn") is None, reason="needs scikit-learn")
def test_the_written_pair_model_scores_as_the_fitted_baseline(tmp_path: Path) -> None:
    """The baseline written as the bundled pair model and loaded as the integration loads
    it gives the fitted classifier's probabilities."""
    home = _two_room_home()
    graph = build_graph(home, entity_ids=list(home.entities))
    nodes = graph.node_ids
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    # fit_pair_baseline reads an example's graph, positives and negatives only.
    positives = pairs[::4]
    negatives = [p for p in pairs if p not in positives]
    example: Any = SimpleNamespace(graph=graph, positives=positives, negatives=negatives)
    fitted = fit_pair_baseline([example], params={"max_iter": 5, "min_samples_leaf": 1})
    metric = "proposal_lift_day_one"
    write_pair_model(
        tmp_path, fitted, graph.feature_names, n_samples=len(pairs), metrics={metric: 0.05},
        primary_metric=metric,
    )  # fmt: skip
    registry = ModelRegistry(tmp_path / "live", bundled_root=tmp_path)
    deployed = load_pair_model(registry, graph.feature_names)
    assert deployed is not None
    ours = pair_probabilities(deployed, graph, pairs)
    assert np.abs(ours - fitted.predict(graph, pairs)).max() <= 1e-12
