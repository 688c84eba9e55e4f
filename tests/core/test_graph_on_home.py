"""Fine-tuning the graph model on this home's automations: what it needs, the held-out
check, and that a candidate is stored and promoted only when it ranks better."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.capability import NotEnoughData, Unavailable
from custom_components.homeiq.core.graph import build_graph, feature_names, initial_weights
from custom_components.homeiq.core.graph.blend import Blend, Regime
from custom_components.homeiq.core.graph.model import (
    BUNDLE_KEY,
    GraphModel,
    save_graph_candidate,
    write_bundled_graph,
)
from custom_components.homeiq.core.graph.on_home import (
    GRAPH,
    finetune_on_home,
    graph_training_unavailable,
    held_out_mrr,
)
from custom_components.homeiq.core.graph.scoring import BLEND_KEY, load_graph_ranking
from custom_components.homeiq.core.home import Automation, Home
from custom_components.homeiq.core.ml.models import GNN_MODEL
from custom_components.homeiq.core.ml.registry import ModelRegistry, write_model

from .synergy_home import T0, HomeBuilder

ROOMS = ("hall", "kitchen", "bath", "bed", "study", "attic", "porch", "garage", "den")
BLEND = Blend((Regime(float("inf"), True, 0.0, 1.0, 1.0),))


def _home(automated: int) -> Home:
    """Motion and a light in each room; the first ``automated`` rooms automate the pair."""
    builder = HomeBuilder(0)
    for room in ROOMS:
        builder.entity(f"binary_sensor.{room}_motion", device_class="motion", area=room)
        builder.entity(f"light.{room}", area=room)
    home = builder.home
    home.automations = [
        Automation(
            f"a{i}", f"{room} light", True, (f"binary_sensor.{room}_motion",), (f"light.{room}",)
        )
        for i, room in enumerate(ROOMS[:automated])
    ]
    return home


def _registry(tmp_path: Path, blend: Blend = BLEND) -> ModelRegistry:
    weights = initial_weights(feature_names(0), hidden=8, seed=3)
    write_bundled_graph(
        tmp_path / "bundled", weights, n_samples=1, metrics={"held_out_mrr": 0.1},
        primary_metric="held_out_mrr", extra={BLEND_KEY: blend.as_dict()},
    )  # fmt: skip
    return ModelRegistry(tmp_path / "registry", bundled_root=tmp_path / "bundled")


def test_held_out_mrr_ranks_the_action_among_every_action_node() -> None:
    """1 / (number of action nodes scoring at least the pair's own), averaged."""
    home = _home(0)
    graph = build_graph(home, co_activity=())
    model = GraphModel(initial_weights(feature_names(0), hidden=8, seed=1))
    pair = ("binary_sensor.hall_motion", "light.hall")
    lights = [graph.node_ids[i] for i in graph.action_nodes()]
    scores = model.score(graph, [(pair[0], light) for light in lights])
    rank = int(np.sum(scores >= scores[lights.index("light.hall")]))
    assert held_out_mrr(model, graph, [pair]) == pytest.approx(1 / rank)
    assert held_out_mrr(model, graph, []) == 0.0
    # A pair acting on an entity no automation action is ranked among is left out.
    sensor_pair = ("binary_sensor.hall_motion", "binary_sensor.kitchen_motion")
    assert held_out_mrr(model, graph, [pair, sensor_pair]) == pytest.approx(1 / rank)


def test_too_few_pairs_or_no_model_is_not_enough(tmp_path: Path) -> None:
    """Five automated pairs are not enough; without a loadable model nothing is tuned."""
    with pytest.raises(NotEnoughData, match="5 automated pairs"):
        finetune_on_home(_home(5), _registry(tmp_path), T0, embedder=None)
    with pytest.raises(NotEnoughData, match="0 automated pairs"):  # a home of no entity
        finetune_on_home(Home(), _registry(tmp_path / "again"), T0, embedder=None)
    assert build_graph(Home(), co_activity=()).n_nodes == 0
    empty = ModelRegistry(tmp_path / "empty", bundled_root=tmp_path / "nothing")
    with pytest.raises(NotEnoughData, match="no graph model"):
        finetune_on_home(_home(9), empty, T0, embedder=None)


def test_a_graph_model_no_regime_uses_is_not_fine_tuned(tmp_path: Path) -> None:
    """Where every regime blends and proposes with the pair model (or is unused), the step
    is skipped with its reason and nothing is stored."""
    pairs_only = Blend(
        (
            Regime(1.0, True, 0.0, 1.0, 1.0, blender="pairs", proposals=5, proposer="pairs"),
            Regime(float("inf"), False),
        )
    )
    registry = _registry(tmp_path, pairs_only)
    with pytest.raises(Unavailable, match="takes part in no history regime") as raised:
        finetune_on_home(_home(9), registry, T0, embedder=None)
    assert not isinstance(raised.value, NotEnoughData)
    assert registry.versions(GNN_MODEL) == []
    graph_proposes = Blend((replace(pairs_only.regimes[0], proposer="graph"),))
    ranking = load_graph_ranking(_registry(tmp_path / "proposes", graph_proposes), None)
    assert ranking is not None
    assert ranking.graph_in_use()


def test_a_model_tuned_from_an_earlier_bundle_gives_way_to_the_installed_one(
    tmp_path: Path,
) -> None:
    """A fine-tuned model is used while the bundled model it descends from is installed;
    once an update installs another bundled model (or when its lineage is not recorded, as
    by earlier versions) the installed bundle is used, and the reason is kept."""
    registry = _registry(tmp_path)
    bundled = registry.bundled(GNN_MODEL)
    assert bundled is not None
    tuned = initial_weights(feature_names(0), hidden=8, seed=5)  # stands in for a tuned one

    def store(extra: dict[str, object]) -> None:
        info = save_graph_candidate(
            registry, tuned, trained_on="this_home", n_samples=9,
            metrics={"held_out_mrr": 0.5}, primary_metric="held_out_mrr",
            extra={BLEND_KEY: BLEND.as_dict(), **extra},
        )  # fmt: skip
        assert registry.promote_if_better(GNN_MODEL, info.version, active_score=0.1)[0]

    store({BUNDLE_KEY: bundled.info.trained_at})
    ranking = load_graph_ranking(registry, None)
    assert ranking is not None
    assert (ranking.source, ranking.info.version) == ("active", 1)
    # An update installs a bundled model trained at another time.
    write_model(
        tmp_path / "bundled" / GNN_MODEL,
        replace(bundled.info, trained_at="2027-01-01T00:00:00+00:00"),
        dict(bundled.blobs),
    )
    ranking = load_graph_ranking(registry, None)
    assert ranking is not None
    assert (ranking.source, ranking.info.trained_at) == ("bundled", "2027-01-01T00:00:00+00:00")
    assert any("earlier bundled graph model" in r for r in registry.fallbacks[GNN_MODEL])
    # A model stored without its lineage (earlier versions of HomeIQ) gives way too.
    store({})
    ranking = load_graph_ranking(registry, None)
    assert ranking is not None
    assert ranking.source == "bundled"


def test_pairs_acting_on_sensors_are_not_fine_tuned_on(tmp_path: Path) -> None:
    """Real configurations also act on sensors (``homeassistant.update_entity``): those
    pairs are no action the model ranks, so fine-tuning leaves them out (and does not fail
    on them, as it did)."""
    home = _home(9)
    home.automations += [
        Automation(f"u{i}", f"{room} update", True, (f"binary_sensor.{room}_motion",),
                   (f"binary_sensor.{ROOMS[i - 1]}_motion",))
        for i, room in enumerate(ROOMS)
    ]  # fmt: skip
    details = finetune_on_home(home, _registry(tmp_path), T0, embedder=None, budget_s=20.0)
    assert details["automated_pairs"] == 9


def test_fine_tuning_stores_a_candidate_promoted_only_if_better(tmp_path: Path) -> None:
    """A this-home candidate with the bundled blend; active only when its held-out MRR beat
    the bundled model's on the same held-out pairs."""
    assert graph_training_unavailable() is None  # torch-geometric imports in the test venv
    registry = _registry(tmp_path)
    details = finetune_on_home(_home(9), registry, T0, embedder=None, budget_s=20.0)
    assert details["automated_pairs"] == 9
    assert details["training_pairs"] + details["held_out_pairs"] == 9
    assert details["held_out_pairs"] >= 2
    versions = registry.versions(GNN_MODEL)
    assert [v.trained_on for v in versions] == ["this_home"]
    bundled = registry.bundled(GNN_MODEL)
    assert bundled is not None
    assert versions[0].extra[BUNDLE_KEY] == bundled.info.trained_at  # its lineage
    assert details["promoted"] == (details["held_out_mrr"] > details["held_out_mrr_before"])
    ranking = load_graph_ranking(registry, None)
    assert ranking is not None
    assert ranking.blend == BLEND
    assert ranking.info.trained_on == ("this_home" if details["promoted"] else "synthetic")
    assert GRAPH.model_name == GNN_MODEL
    assert GRAPH.trains_on_home
    assert not GRAPH.assesses_home
