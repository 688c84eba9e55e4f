"""The non-graph pair model (core.graph.pairs): its rows, and a trained model stored as
``scripts/train`` stores it, loaded and run with numpy as the integration does."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.graph import build_graph, feature_names, pair_nodes
from custom_components.homeiq.core.graph.pairs import (
    PAIR_INPUT_NAMES,
    PAIR_MODEL,
    load_pair_model,
    pair_feature_names,
    pair_features,
    pair_probabilities,
)
from custom_components.homeiq.core.ml.models import write_bundled
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.ml.trees import export_ensemble

from .test_synergy_ranking import rooms

needs_sklearn = pytest.mark.skipif(find_spec("sklearn") is None, reason="needs scikit-learn")


def _graph():  # type: ignore[no-untyped-def]
    home = rooms()
    return build_graph(
        home,
        known_pairs=[("binary_sensor.hall_motion", "light.hall")],
        entity_ids=pair_nodes(home),
    )


def test_rows_are_both_ends_then_the_pair_inputs() -> None:
    graph = _graph()
    pairs = [
        ("binary_sensor.hall_motion", "light.hall"),
        ("binary_sensor.kitchen_motion", "light.hall"),
    ]
    rows = pair_features(graph, pairs)
    width = graph.features.shape[1]
    names = pair_feature_names(graph.feature_names)
    assert rows.dtype == np.float32
    assert rows.shape == (2, len(names)) == (2, 2 * width + len(PAIR_INPUT_NAMES))
    assert names[0] == f"trigger:{graph.feature_names[0]}"
    assert names[width] == f"action:{graph.feature_names[0]}"
    assert np.array_equal(rows[1, :width], graph.features[graph.index[pairs[1][0]]])
    same_area = names.index("pair:same_area")
    assert rows[:, same_area].tolist() == [
        1.0,
        0.0,
    ]  # the hall's motion and light; not the kitchen's
    with pytest.raises(ValueError, match="not a node"):
        pair_features(graph, [("light.nowhere", "light.hall")])


@needs_sklearn
def test_a_stored_pair_model_runs_with_numpy_as_scikit_learn_does(tmp_path: Path) -> None:
    """Trained with scikit-learn, written as a bundled model, loaded through the registry:
    the probabilities of every pair of the home match scikit-learn's; a graph of other node
    features (another name embedding size) gets no pair model, with the reason."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    graph = _graph()
    nodes = graph.node_ids
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    rows = pair_features(graph, pairs)
    labels = np.array([int(graph.index[a] % 3 == 0 and "light" in b) for a, b in pairs])
    classifier = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, min_samples_leaf=2)
    classifier.fit(rows, labels)
    names = pair_feature_names(graph.feature_names)
    write_bundled(
        tmp_path / "bundled", PAIR_MODEL, export_ensemble(classifier), names,
        n_samples=len(pairs), metrics={"auc": 1.0}, primary_metric="auc",
    )  # fmt: skip
    registry = ModelRegistry(tmp_path / "live", bundled_root=tmp_path / "bundled")
    deployed = load_pair_model(registry, graph.feature_names)
    assert deployed is not None
    assert deployed.source == "bundled"
    ours = pair_probabilities(deployed, graph, pairs)
    assert np.abs(ours - classifier.predict_proba(rows)[:, 1]).max() <= 1e-12
    assert pair_probabilities(deployed, graph, []).shape == (0,)
    assert load_pair_model(registry, feature_names(8)) is None
    assert any("other features" in r for r in registry.fallbacks[PAIR_MODEL])
