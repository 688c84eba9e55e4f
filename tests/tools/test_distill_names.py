"""Tests for the numpy parts of tools/distill_names: token choice, PCA, weights, figures."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.homeiq.core.names import NameEmbedder
from tools.distill_names import (
    CHECK_NAMES,
    embed_ms_per_1000,
    is_kept,
    principal_components,
    rank_weights,
    similarity_agreement,
    spearman,
    timing_names,
)


@pytest.mark.parametrize(
    ("token", "kept"),
    [
        ("hallway", True),
        ("##way", True),
        ("_", True),
        ("°", True),
        ("é", True),
        ("ł", True),  # Latin Extended-A
        ("[unused12]", False),
        ("[CLS]", False),
        ("[UNK]", False),
        ("д", False),
        ("##ω", False),
        ("温", False),
        ("ア", False),
    ],
)
def test_tokens_of_non_latin_scripts_and_placeholders_are_left_out(token: str, kept: bool) -> None:
    assert is_kept(token) is kept


def test_principal_components_centre_and_keep_the_widest_axes() -> None:
    rng = np.random.default_rng(0)
    states = (rng.normal(size=(500, 3)) * [10.0, 1.0, 0.1] + [5.0, -3.0, 2.0]).astype(np.float32)
    projected, kept = principal_components(states, 2)
    assert projected.shape == (500, 2)
    np.testing.assert_allclose(projected.mean(axis=0), 0.0, atol=1e-4)
    assert projected[:, 0].var() > 50 * projected[:, 1].var()
    assert 0.99 < kept < 1.0


def test_rank_weights_grow_with_the_vocabulary_id() -> None:
    np.testing.assert_allclose(rank_weights([0, 999, 29_999]), np.log([1, 1000, 30_000]))


def test_spearman_is_the_correlation_of_ranks() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 400]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ties share their mean rank: ranks (1.5, 1.5, 3) against (1, 2, 3).
    assert spearman([5, 5, 7], [1, 2, 3]) == pytest.approx(np.sqrt(3) / 2)


def test_similarity_agreement_of_identical_and_scrambled_embeddings() -> None:
    rng = np.random.default_rng(1)
    full = rng.normal(size=(12, 5))
    full /= np.linalg.norm(full, axis=1, keepdims=True)
    same = similarity_agreement(full, full)
    assert same == {"spearman_vs_minilm": 1.0, "nearest_same": 1.0, "nearest_in_top5": 1.0}
    scrambled = similarity_agreement(full[rng.permutation(12)], full)
    assert scrambled["spearman_vs_minilm"] < 0.5


def test_timing_names_are_distinct_and_home_like() -> None:
    names = timing_names(1000)
    assert len(set(names)) == 1000
    assert names[:2] == ["sensor.hallway_motion_0", "Kitchen Motion 0"]
    assert len(CHECK_NAMES) == len(set(CHECK_NAMES)) >= 50


def test_embed_timing_reports_first_and_cached_embedding() -> None:
    embedder = NameEmbedder(["sensor", "motion"], np.eye(2), np.ones(2))
    figures = embed_ms_per_1000(embedder, repeat=1)
    assert set(figures) == {"embed_ms_per_1000", "cached_embed_ms_per_1000"}
    assert all(value >= 0 for value in figures.values())
