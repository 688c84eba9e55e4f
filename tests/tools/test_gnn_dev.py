"""Tests for the graph model's development study (tools/gnn_dev.py): the seed ensemble
averages the models' logits, each model scoring with its own embeddings; the name-similarity
column is the cosine of the two ends' names."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pytest

from tools.gnn_dev import _Ensemble, name_similarity


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


class _Names:
    """A stand-in graph: three nodes' name embeddings (the last without a name)."""

    index: ClassVar = {"a": 0, "b": 1, "c": 2}

    def group(self, name: str) -> np.ndarray:
        assert name == "name"
        return np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], dtype=np.float32)

    def pair_index(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return np.array([[self.index[t] for t, _ in pairs], [self.index[a] for _, a in pairs]])


def test_name_similarity_is_the_cosine_of_the_two_names() -> None:
    scores = name_similarity(_Names(), [("a", "b"), ("b", "b"), ("a", "c")])
    assert scores == pytest.approx([1 / math.sqrt(2), 1.0, 0.0])
