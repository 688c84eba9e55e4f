"""Tests for the graph model's development study (tools/gnn_dev.py): the seed ensemble
averages the models' logits, each model scoring with its own embeddings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.gnn_dev import _Ensemble, parse_gbm


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
