"""Tests for the gnn section of scripts/evaluate: exact figures on hand-made rankings, the
targets, and the section's shape on tiny homes (never the reporting seeds)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.graph import feature_names, initial_weights, write_bundled_graph
from custom_components.homeiq.core.graph.blend import Blend, Regime
from tests.tools.real_records import real_record
from tools.evaluation.gnn import (
    TOPS,
    Tops,
    candidate_scores,
    evaluate_gnn,
    ranked_head,
    targets_met,
)
from tools.gnn_train import CandidateRows, name_embedder

A, B, C, D, E = (("t", x) for x in "abcde")


def test_tops_count_hits_and_reciprocal_ranks_exactly() -> None:
    """Micro counts over all targets, per-home means, MRR over homes with a target."""
    tops = Tops()
    tops.add([A, B, C], 2, {B, ("x", "y")})  # B 2nd; the other target not ranked
    tops.add([C, D], None, {E})  # nothing found
    tops.add([A], 1, set())  # no target: left out
    figures = tops.figures()
    assert figures["targets"] == 3
    assert figures["homes"] == 2
    assert figures["mrr"] == pytest.approx((1 / 2 + 0) / 2)
    assert figures["top_10"] == figures["top_50"] == 1
    assert figures["top_10_micro"] == pytest.approx(round(1 / 3, 4))
    assert figures["top_10_per_home"] == pytest.approx((1 / 2 + 0) / 2)
    assert Tops().figures()["mrr"] is None


def test_ranked_head_orders_by_score_then_tie_code() -> None:
    pairs = [("t", f"a{i}") for i in range(60)]
    scores = np.zeros(60)
    scores[59] = 1.0
    ties = np.arange(60)[::-1].copy()  # equal scores: the last pairs come first
    head, first = ranked_head(pairs, scores, ties, {pairs[0], pairs[57]})
    assert len(head) == max(TOPS)
    assert head[:3] == [pairs[59], pairs[58], pairs[57]]
    assert first == 3
    assert ranked_head(pairs, scores, ties, {("x", "y")})[1] is None


def test_candidate_scores_blend_only_where_the_regime_uses_the_graph() -> None:
    rows = CandidateRows(
        pairs=(A, B), ranker=np.array([0.6, 0.4]), rules=np.array([0.5, 0.5]), ties=np.array([0, 1])
    )
    on = Blend((Regime(0.0, True, 0.0, 1.0, 2.0), Regime(math.inf, False)))
    off = Blend((Regime(0.0, False), Regime(math.inf, False)))
    scores = candidate_scores(rows, np.array([0.1, 0.9]), np.array([0.9, np.nan]), on, off)
    assert scores["ranker"].tolist() == [0.6, 0.4]
    expected = 1 / (1 + np.exp(-(np.log(0.6 / 0.4) + 2 * np.log(0.1 / 0.9))))
    assert scores["combined"][0] == pytest.approx(expected)
    assert scores["combined"][1] > scores["combined"][0]  # the graph turned the order
    assert scores["combined_baseline"].tolist() == [0.6, 0.4]  # its regime is unused


def test_targets_on_hand_made_figures() -> None:
    real = {
        "half_known": {
            "rules": {"top_10": 3},
            "combined": {"top_10": 6},
            "combined_baseline": {"top_10": 6},
        },
        "none_known": {
            "rules": {"top_10": 2},
            "combined": {"top_10": 3},
            "combined_baseline": {"top_10": 1},
        },
    }
    synthetic = {"by_days": {"0": {"combined_with_gnn": {"mrr": 0.65}, "rules": {"mrr": 0.5}}}}
    assert targets_met(real, synthetic) == {
        "real_half_known": {
            "combined_hits_at_10_over_2x_rules": True,
            "combined_above_combined_baseline": False,  # equal is not above
        },
        "real_none_known": {
            "combined_hits_at_10_over_2x_rules": False,
            "combined_above_combined_baseline": True,
        },
        "synthetic_0_days_combined_mrr_over_1_3x_rules": True,
    }
    synthetic["by_days"]["0"]["combined_with_gnn"]["mrr"] = 0.64
    assert targets_met({}, synthetic) == {"synthetic_0_days_combined_mrr_over_1_3x_rules": False}


def test_section_shape_on_tiny_homes(tmp_path: Path) -> None:
    """Every figure the brief names, with a random graph model bundled in a tmp folder (no
    synergy ranker there: the fixed blend ranks); validation homes never train."""
    embedder = name_embedder()
    width = 0 if embedder is None else embedder.dim
    blend = Blend((Regime(0.0, True, 0.0, 1.0, 0.5), Regime(7.0, False), Regime(math.inf, False)))
    write_bundled_graph(
        tmp_path / "models",
        initial_weights(feature_names(width), hidden=8, layers=1),
        n_samples=1,
        metrics={"held_out_auc": 0.5},
        primary_metric="held_out_auc",
        extra={"blend": blend.as_dict()},
    )
    corpus = tmp_path / "homes.jsonl"
    names = [f"owner{i}/config" for i in (6, 7, 0, 1)]  # two training, two validation homes
    corpus.write_text("\n".join(json.dumps(real_record(n)) for n in names) + "\n", "utf-8")
    result = evaluate_gnn(
        realconfigs_seed=5,
        synergy_seed=31,
        n_homes=2,
        realconfigs=corpus,
        bundled_root=tmp_path / "models",
        synthetic_training_homes=2,
        real_seeds=(1,),
    )
    assert result["graph_used"] == {"0_days": True, "to_7_days": False, "longer": False}
    assert result["blended_by"] == {"0_days": "graph", "to_7_days": None, "longer": None}
    assert result["proposed_by"] == {"0_days": None, "to_7_days": None, "longer": None}
    assert result["baseline"]["validation_homes_in_training"] == 0
    real = result["real_validation"]
    for setting in ("half_known", "none_known"):
        figures = real[setting]
        assert figures["homes"] == 2
        assert figures["expressible_targets"] <= figures["targets_in_pair_space"]
        assert figures["targets_in_pair_space"] <= figures["targets"]
        for name in ("rules", "gnn", "baseline", "ranker", "combined", "combined_baseline"):
            scorer = figures[name]
            assert scorer["targets"] == figures["targets"]
            assert scorer["top_10"] <= scorer["top_50"] <= scorer["targets"]
            assert 0.0 <= scorer["mrr"] <= 1.0
        for name in ("ranker", "combined", "combined_baseline"):  # candidates only
            assert figures[name]["top_50"] <= figures["expressible_targets"]
    assert real["none_known"]["targets"] > real["half_known"]["targets"]
    synthetic = result["synthetic"]
    assert set(synthetic["by_days"]) == {"0", "7", "30"}
    for days, figures in synthetic["by_days"].items():
        assert set(figures) == {
            "rules",
            "combined",
            "combined_with_gnn",
            "graph_used",
            "blended_by",
        }
        assert figures["graph_used"] is (days == "0")
        assert set(figures["combined"]) == {"precision_at_5", "recall_at_10", "mrr"}
    assert set(result["targets_met"]) == {
        "real_half_known",
        "real_none_known",
        "synthetic_0_days_combined_mrr_over_1_3x_rules",
    }
    assert result["tuned_on_these_homes"] is False
    missing = evaluate_gnn(n_homes=1, bundled_root=tmp_path / "nothing")
    assert missing["skipped"].startswith("no usable bundled graph model")
