"""Tests for the graph model's development study (tools/gnn_dev.py): the seed ensemble
averages the models' logits, each model scoring with its own embeddings; the fine-tune
study fine-tunes each home as the nightly step does and ranks its hidden half."""

from __future__ import annotations

import math

import numpy as np
import pytest

from custom_components.homeiq.core.graph import feature_names, initial_weights
from tests.tools.real_records import real_record
from tools.gnn_dev import DEV_SEED, _Ensemble, finetune_study, parse_gbm
from tools.gnn_samples import real_link_home
from tools.realconfigs import real_home


class _Fixed:
    """A stand-in graph model: its embedding is its name, its scores fixed."""

    def __init__(self, name: str, probabilities: list[float]) -> None:
        self.name, self.probabilities = name, np.array(probabilities)

    def encode(self, _graph: object) -> str:
        return self.name

    def score(self, _graph: object, pairs: list[object], embeddings: str) -> np.ndarray:
        assert embeddings == self.name  # each model reads its own embeddings
        return self.probabilities[: len(pairs)]


def test_ensemble_averages_logits() -> None:
    ensemble = _Ensemble([_Fixed("a", [0.2, 0.9, 0.5]), _Fixed("b", [0.8, 0.9, 0.1])])  # type: ignore[list-item]
    embeddings = ensemble.encode(None)
    assert embeddings == ["a", "b"]
    scores = ensemble.score(None, ["p", "q", "r"], embeddings)
    mean_logit = (math.log(0.5 / 0.5) + math.log(0.1 / 0.9)) / 2
    assert scores == pytest.approx([0.5, 0.9, 1 / (1 + math.exp(-mean_logit))])


def test_gbm_overrides_are_parsed_and_checked() -> None:
    assert parse_gbm(["max_leaf_nodes=15", "l2_regularization=10"]) == {
        "max_leaf_nodes": 15,
        "l2_regularization": 10.0,
    }
    assert isinstance(parse_gbm(["max_leaf_nodes=15"])["max_leaf_nodes"], int)
    with pytest.raises(ValueError, match="unknown --gbm parameter 'depth'"):
        parse_gbm(["depth=3"])
    with pytest.raises(ValueError, match="needs a number"):
        parse_gbm(["max_iter=many"])


def _rooms_record(repo: str, rooms: int) -> dict[str, object]:
    """A real-configuration record: motion and a light in each room, one automation each."""
    record = real_record(repo)
    names = [f"room{i}" for i in range(rooms)]
    record["entities"] = [
        entity
        for room in names
        for entity in (
            {"entity_id": f"binary_sensor.{room}_motion", "domain": "binary_sensor",
             "name": None, "area": room, "area_guess_from_name": None, "device_class": "motion"},
            {"entity_id": f"light.{room}", "domain": "light", "name": None, "area": room,
             "area_guess_from_name": None, "device_class": None},
        )
    ]  # fmt: skip
    template = record["pairs"][0]  # type: ignore[index]
    record["pairs"] = [
        {**template, "trigger": f"binary_sensor.{room}_motion", "action": f"light.{room}",
         "automation_alias": f"{room} light"}
        for room in names
    ]  # fmt: skip
    return record


def test_finetune_study_fine_tunes_each_home_and_ranks_its_hidden_half() -> None:
    """A home with enough known pairs is fine-tuned as the nightly step does; its hidden
    pairs are ranked before, after (the model kept) and by the tuned model; a home with too
    few known pairs is counted, not fine-tuned."""
    homes = [real_home(_rooms_record("owner6/config", 16)), real_home(real_record("owner7/config"))]
    weights = initial_weights(feature_names(0), hidden=8, seed=2)
    study = finetune_study(weights, homes, embedder=None, weight_decay=1e-4)
    assert (study["fine_tuned"], study["not_enough_pairs"]) == (1, 1)
    targets = len(real_link_home(homes[0], DEV_SEED).targets)
    assert targets >= 2
    for name in ("before", "after", "tuned"):
        assert (study[name]["homes"], study[name]["targets"]) == (1, targets)
    kept = "tuned" if study["promoted"] else "before"
    assert study["after"] == study[kept]
    assert study["before"]["mrr"] != study["tuned"]["mrr"]  # the fine-tune changed the ranking
    (home,) = study["homes"]
    assert home["held_out_pairs"] >= 2
    assert (home["hidden_rr_before"], home["hidden_rr_tuned"]) == (
        study["before"]["mrr"],
        study["tuned"]["mrr"],
    )
