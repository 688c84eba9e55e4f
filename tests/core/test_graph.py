"""Tests for the home graph and the link model: graph building on a hand-made and a generated
home, numpy-vs-torch parity, the registry round trip, refused files and a small training run
that learns planted synergies on held-out homes (that no module imports torch is checked by
tests/ha/test_imports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
import hashlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from custom_components.homeiq.core.graph import (
    FEATURE_GROUPS,
    GNN_MODEL,
    GraphModel,
    GraphWeights,
    HomeGraph,
    build_graph,
    coactive_pairs,
    feature_names,
    initial_weights,
    load_graph_model,
    save_graph_candidate,
    write_bundled_graph,
)
from custom_components.homeiq.core.graph.build import PAIR_EDGE_TYPES
from custom_components.homeiq.core.graph.model import graph_extra, neighbour_mean
from custom_components.homeiq.core.home import Area, Device, Entity, Home
from custom_components.homeiq.core.ml.blobs import ArrayBlob
from custom_components.homeiq.core.ml.registry import MAIN_BLOB, ModelRegistry
from custom_components.homeiq.core.ml.trees import ModelFileError
from custom_components.homeiq.core.synergy import find_candidates
from custom_components.homeiq.core.synergy.miner import candidate_entities
from custom_components.homeiq.core.time import DAY, HOUR
from tools.synthetic import SyntheticHome, generate_home

from .synergy_home import DEVICE, T0, USER, history

torch_geometric = pytest.importorskip("torch_geometric")
from custom_components.homeiq.core.graph.training import (  # noqa: E402
    sample_negatives,
    torch_forward,
    train_link_model,
)

type Pair = tuple[str, str]


@dataclass(frozen=True)
class HashedWords:
    """A tiny deterministic text embedder: the normalised sum of one seeded random vector
    per lower-cased word."""

    dim: int = 16

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit row per text (zeros for a text without words)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
                out[row] += np.random.default_rng(seed).standard_normal(self.dim)
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


MOTION, ILLUMINANCE, CEILING = (
    "binary_sensor.kitchen_motion",
    "sensor.kitchen_illuminance",
    "light.kitchen_ceiling",
)
HALL, BEDROOM, PUMP, POWER = (
    "light.hall",
    "sensor.bedroom_temperature",
    "switch.garden_pump",
    "sensor.house_power",
)
NODES = (MOTION, ILLUMINANCE, CEILING, HALL, BEDROOM, PUMP, POWER, "sun.sun", "person.anna")


def hand_made_home() -> Home:
    """Kitchen and hall on the ground floor, a bedroom upstairs, a garden on no floor; a
    motion sensor (with an illuminance sensor on its device) the ceiling light follows by
    hand at 07:00 on day one and 19:00 on day two (Berlin time: UTC+1 in January). Left
    out of the graph: a disabled light, an automation entity, a sensor of no device, and
    ``zone.home`` (the home has one person)."""
    areas = {
        "kitchen": Area("kitchen", "Kitchen", "ground"),
        "hall": Area("hall", "Hall", "ground"),
        "bedroom": Area("bedroom", "Bedroom", "upper"),
        "garden": Area("garden", "Garden"),
    }
    devices = {
        d: Device(d, d, area_id=area)
        for d, area in (
            ("multi", "kitchen"),
            ("ceiling", "kitchen"),
            ("hall", "hall"),
            ("thermo", "bedroom"),
            ("pump", "garden"),
            ("meter", None),
            ("old", "hall"),
        )
    }
    entities = [
        Entity(MOTION, "motion", area_id="kitchen", device_id="multi", name="Kitchen motion"),
        Entity(ILLUMINANCE, "illuminance", "lx", "kitchen", "multi", "Kitchen illuminance"),
        Entity(CEILING, area_id="kitchen", device_id="ceiling", name="Kitchen ceiling"),
        Entity(HALL, area_id="hall", device_id="hall", name="Hall light"),
        Entity(BEDROOM, "temperature", "°C", "bedroom", "thermo", "Bedroom temperature"),
        Entity(PUMP, "irrigation", area_id="garden", device_id="pump", name="Garden pump"),
        Entity(POWER, "power", "W", device_id="meter", name="House power"),
        Entity("light.old", area_id="hall", device_id="old", enabled=False),
        Entity("automation.morning"),
        Entity("sensor.weather_temperature", "temperature", "°C"),
        Entity("sun.sun"),
        Entity("person.anna"),
        Entity("zone.home"),
    ]
    local = T0 - HOUR  # 00:00 in Berlin on the first day
    motion = [(T0, "off", 1)]
    light = [(T0, "off", 1)]
    for at in (local + 7 * HOUR, local + DAY + 19 * HOUR):
        motion += [(at, "on", DEVICE), (at + 60, "off", DEVICE)]
        light += [(at + 5, "on", USER), (at + 600, "off", USER)]
    return Home(
        areas=areas,
        devices=devices,
        entities={e.entity_id: e for e in entities},
        histories={MOTION: history(motion), CEILING: history(light)},
        window_start=T0,
        window_end=T0 + 2 * DAY,
        time_zone="Europe/Berlin",
    )


def both_ways(*pairs: Pair) -> set[Pair]:
    return {*pairs, *((b, a) for a, b in pairs)}


def row(graph: HomeGraph, entity_id: str, group: str) -> npt.NDArray[np.float32]:
    return np.asarray(graph.group(group)[graph.index[entity_id]], dtype=np.float32)


def column(graph: HomeGraph, group: str, value: str) -> int:
    """Position of a one-hot column within its group."""
    names = graph.feature_names[graph.groups[group]]
    return names.index(f"{group}:{value}")


# --- building the graph ---------------------------------------------------------------


def test_hand_made_home_nodes_and_every_edge_type() -> None:
    graph = build_graph(
        hand_made_home(),
        co_activity=[(MOTION, CEILING), (MOTION, "light.not_in_home")],
        known_pairs=[("person.anna", HALL), ("sensor.weather_temperature", HALL)],
    )
    assert graph.node_ids == NODES
    assert graph.index == {e: i for i, e in enumerate(NODES)}
    assert graph.edge_pairs("same_area") == both_ways(
        (MOTION, ILLUMINANCE), (MOTION, CEILING), (ILLUMINANCE, CEILING)
    )
    assert graph.edge_pairs("same_device") == both_ways((MOTION, ILLUMINANCE))
    # Same floor, other area: the hall with each kitchen entity; upstairs is alone.
    assert graph.edge_pairs("same_floor") == both_ways(
        (HALL, MOTION), (HALL, ILLUMINANCE), (HALL, CEILING)
    )
    assert graph.edge_pairs("co_activity") == both_ways((MOTION, CEILING))
    assert graph.edge_pairs("automated") == both_ways(("person.anna", HALL))
    for edges in graph.edges.values():
        assert edges.dtype == np.int64
        assert edges.shape[0] == 2
        keys = edges[0] * graph.n_nodes + edges[1]
        assert np.array_equal(keys, np.unique(keys))  # sorted, no edge twice


def test_structure_columns_and_pair_flags() -> None:
    """Known pairs count per end (each pair once, the non-node end left out); area sizes
    count the other nodes of the area; pair flags say which edges join a pair's ends."""
    graph = build_graph(
        hand_made_home(),
        co_activity=[(MOTION, CEILING)],
        known_pairs=[("person.anna", HALL), ("person.anna", HALL), ("person.anna", CEILING),
                     ("sensor.weather_temperature", HALL)],
    )  # fmt: skip
    structure = {node: row(graph, node, "structure").tolist() for node in graph.node_ids}
    assert structure["person.anna"] == pytest.approx([np.log1p(2.0), 0.0, 0.0])
    assert structure[HALL] == pytest.approx([0.0, np.log1p(1.0), 0.0])
    assert structure[CEILING] == pytest.approx([0.0, np.log1p(1.0), np.log1p(2.0)])
    assert structure[MOTION] == pytest.approx([0.0, 0.0, np.log1p(2.0)])
    assert structure[POWER] == [0.0, 0.0, 0.0]  # no area
    pairs = [(MOTION, CEILING), (MOTION, ILLUMINANCE), (HALL, MOTION), ("person.anna", HALL)]
    flags = graph.pair_flags(graph.pair_index(pairs))
    assert PAIR_EDGE_TYPES == ("same_area", "same_device", "same_floor", "co_activity")
    assert flags.dtype == np.float32
    assert flags.tolist() == [[1, 0, 0, 1], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert graph.pair_flags(graph.pair_index([])).shape == (0, 4)


def test_pair_similarity_is_the_cosine_of_the_two_names() -> None:
    """The pair inputs end in the cosine of the ends' name embeddings: exact against the
    embedder's rows, 0 without an embedder (names all zero), and after the pair flags."""
    embedder = HashedWords(8)
    graph = build_graph(hand_made_home(), embedder=embedder, co_activity=())
    pairs = [(MOTION, CEILING), (MOTION, MOTION), (HALL, BEDROOM)]
    index = graph.pair_index(pairs)
    names = graph.group("name").astype(np.float64)
    expected = [
        float(names[a] @ names[b] / np.linalg.norm(names[a]) / np.linalg.norm(names[b]))
        for a, b in index.T
    ]
    similarity = graph.pair_similarity(index, "name")
    assert similarity.dtype == np.float32
    assert similarity.tolist() == pytest.approx(expected, abs=1e-6)
    assert similarity[1] == pytest.approx(1.0)  # an entity is its own closest name
    assert 0.0 < abs(similarity[0]) < 1.0
    inputs = graph.pair_inputs(index)
    assert inputs.shape == (3, len(PAIR_EDGE_TYPES) + 1)
    assert np.array_equal(inputs[:, :-1], graph.pair_flags(index))
    assert inputs[:, -1].tolist() == similarity.tolist()
    unnamed = build_graph(hand_made_home(), co_activity=())
    assert unnamed.pair_similarity(unnamed.pair_index(pairs), "name").tolist() == [0.0] * 3


def test_hand_made_home_features() -> None:
    embedder = HashedWords(8)
    home = hand_made_home()
    graph = build_graph(home, embedder=embedder, co_activity=())
    assert graph.features.dtype == np.float32
    assert graph.features.shape == (9, len(feature_names(8)))
    assert graph.feature_names == feature_names(8)
    assert tuple(graph.groups) == FEATURE_GROUPS
    assert graph.name_dim == 8
    # Every one-hot group has exactly one 1 per node.
    for group in ("domain", "device_class", "unit"):
        assert np.array_equal(graph.group(group).sum(axis=1), np.ones(9))
    assert row(graph, HALL, "domain")[column(graph, "domain", "light")] == 1.0
    assert row(graph, "sun.sun", "domain")[column(graph, "domain", "sun")] == 1.0
    assert row(graph, POWER, "device_class")[column(graph, "device_class", "power")] == 1.0
    assert row(graph, HALL, "device_class")[column(graph, "device_class", "none")] == 1.0
    assert row(graph, PUMP, "device_class")[column(graph, "device_class", "other")] == 1.0
    assert row(graph, BEDROOM, "unit")[column(graph, "unit", "temperature")] == 1.0
    assert row(graph, ILLUMINANCE, "unit")[column(graph, "unit", "illuminance")] == 1.0
    assert row(graph, POWER, "unit")[column(graph, "unit", "power")] == 1.0
    assert row(graph, HALL, "unit")[column(graph, "unit", "none")] == 1.0
    assert row(graph, HALL, "place").tolist() == [1.0, 1.0]
    assert row(graph, PUMP, "place").tolist() == [1.0, 0.0]
    assert row(graph, POWER, "place").tolist() == [0.0, 0.0]
    # Motion: on and off at 07:00 and at 19:00 Berlin time, 4 changes in 2 days.
    activity = row(graph, MOTION, "activity")
    expected = np.zeros(25, dtype=np.float32)
    expected[[7, 19]] = 0.5
    expected[24] = np.log1p(2.0)
    assert np.allclose(activity, expected, atol=1e-7)
    assert activity[:24].sum() == pytest.approx(1.0)
    assert np.array_equal(row(graph, HALL, "activity"), np.zeros(25))  # no history
    # Names: the friendly name and the object id's words; the area's name.
    assert np.array_equal(row(graph, HALL, "name"), embedder.embed(["Hall light hall"])[0])
    assert np.array_equal(row(graph, "sun.sun", "name"), embedder.embed(["sun"])[0])
    assert np.array_equal(row(graph, CEILING, "area_name"), embedder.embed(["Kitchen"])[0])
    assert np.array_equal(row(graph, POWER, "area_name"), np.zeros(8))


def test_without_embedder_names_are_zero_columns_of_the_asked_width() -> None:
    home = hand_made_home()
    assert build_graph(home, co_activity=()).name_dim == 0
    wide = build_graph(home, co_activity=(), name_dim=8)
    assert wide.feature_names == feature_names(8)
    assert not wide.group("name").any()
    assert not wide.group("area_name").any()
    with pytest.raises(ValueError, match="differs"):
        build_graph(home, embedder=HashedWords(8), name_dim=4)


def test_co_activity_is_mined_when_not_given() -> None:
    graph = build_graph(hand_made_home())
    assert graph.edge_pairs("co_activity") == both_ways((MOTION, CEILING))
    # With no history left nothing co-activates (and the miner is not asked).
    quiet = replace(hand_made_home(), histories={})
    assert build_graph(quiet).edges["co_activity"].shape == (2, 0)


def test_chosen_nodes() -> None:
    graph = build_graph(hand_made_home(), entity_ids=[HALL, "light.old", HALL], co_activity=())
    assert graph.node_ids == (HALL, "light.old")
    assert graph.edge_pairs("same_area") == both_ways((HALL, "light.old"))


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    return generate_home(11, days=10, target_entities=60)


def test_generated_home_graph(synthetic: SyntheticHome) -> None:
    home = synthetic.home
    candidates = find_candidates(home)
    graph = build_graph(home, co_activity=coactive_pairs(candidates))
    nodes = [e.entity_id for e in candidate_entities(home)]
    assert graph.node_ids == tuple(nodes)
    assert np.isfinite(graph.features).all()
    entities = [home.entities[e] for e in nodes]
    assert graph.edge_pairs("same_area") == {
        (a.entity_id, b.entity_id)
        for a in entities
        for b in entities
        if a is not b and a.area_id is not None and a.area_id == b.area_id
    }
    assert graph.edge_pairs("same_device") == {
        (a.entity_id, b.entity_id)
        for a in entities
        for b in entities
        if a is not b and a.device_id is not None and a.device_id == b.device_id
    }
    floor = {e.entity_id: home.areas[e.area_id].floor_id for e in entities if e.area_id}
    assert graph.edge_pairs("same_floor") == {
        (a.entity_id, b.entity_id)
        for a in entities
        for b in entities
        if floor.get(a.entity_id) is not None
        and floor.get(a.entity_id) == floor.get(b.entity_id)
        and a.area_id != b.area_id
    }
    coactive = graph.edge_pairs("co_activity")
    assert coactive == both_ways(*coactive_pairs(candidates))
    planted = {(s.cause_entity, s.effect_entity) for s in synthetic.truth.synergies}
    assert coactive & planted  # the history shows planted pairs meeting
    assert graph.edges["automated"].shape == (2, 0)  # none given
    shares = graph.group("activity")[:, :24].sum(axis=1)
    changes = graph.group("activity")[:, 24]
    assert np.allclose(shares[changes > 0], 1.0, atol=1e-5)
    assert np.array_equal(shares[changes == 0], np.zeros(int((changes == 0).sum())))
    assert (changes > 0).sum() > len(nodes) // 2


# --- the numpy forward ------------------------------------------------------------------


def test_neighbour_mean_dense_and_edge_by_edge_agree() -> None:
    rng = np.random.default_rng(3)
    edges = rng.integers(0, 40, size=(2, 300))
    messages = rng.standard_normal((40, 5))
    expected = np.zeros((40, 5))
    for node in range(40):
        incoming = edges[0, edges[1] == node]
        if incoming.size:
            expected[node] = messages[incoming].mean(axis=0)
    for dense in (True, False):
        assert np.allclose(neighbour_mean(messages, edges, 40, dense=dense), expected, atol=1e-12)
    assert not neighbour_mean(messages, np.empty((2, 0), np.int64), 40).any()


@pytest.fixture(scope="module")
def trained(synthetic: SyntheticHome) -> tuple[HomeGraph, list[Pair], GraphWeights]:
    """A small model trained on the generated home's planted synergies (names embedded)."""
    graph = build_graph(synthetic.home, embedder=HashedWords(16))
    planted = sorted({(s.cause_entity, s.effect_entity) for s in synthetic.truth.synergies})
    weights = train_link_model([(graph, planted, None)], epochs=30, budget_s=60, seed=1)
    pairs = [(c.cause_id, c.effect_id) for c in find_candidates(synthetic.home) if c.effect_id]
    return graph, pairs, weights


def test_numpy_forward_matches_torch(
    trained: tuple[HomeGraph, list[Pair], GraphWeights],
) -> None:
    graph, pairs, weights = trained
    model = GraphModel(weights)
    embeddings, probabilities = torch_forward(weights, graph, pairs)
    assert model.encode(graph).shape == (graph.n_nodes, 32)
    assert np.abs(model.encode(graph) - embeddings).max() <= 1e-5
    assert np.abs(model.score(graph, pairs) - probabilities).max() <= 1e-5
    assert np.abs(embeddings).max() > 0.1  # not a trivially small forward
    assert probabilities.std() > 0.01


def test_scores_of_pairs_outside_the_graph_are_nan(
    trained: tuple[HomeGraph, list[Pair], GraphWeights],
) -> None:
    graph, pairs, weights = trained
    model = GraphModel(weights)
    scores = model.score(graph, [pairs[0], (pairs[0][0], "notify"), ("light.nowhere", HALL)])
    assert np.isfinite(scores[0])
    assert np.isnan(scores[1:]).all()
    assert model.score(graph, []).shape == (0,)
    with pytest.raises(ValueError, match="other node features"):
        model.encode(build_graph(hand_made_home(), co_activity=()))


# --- the registry -------------------------------------------------------------------------


def test_save_and_load_give_identical_scores(
    trained: tuple[HomeGraph, list[Pair], GraphWeights], tmp_path: Path
) -> None:
    graph, pairs, weights = trained
    registry = ModelRegistry(tmp_path / "models", bundled_root=tmp_path / "bundled")
    info = save_graph_candidate(
        registry,
        weights,
        trained_on="this_home",
        n_samples=len(pairs),
        metrics={"auc": 0.9},
        primary_metric="auc",
    )
    assert registry.promote_if_better(GNN_MODEL, info.version)[0]
    assert (tmp_path / "models" / GNN_MODEL / "v1" / "model.safetensors").is_file()
    deployed = load_graph_model(registry, graph.feature_names)
    assert deployed is not None
    assert deployed.source == "active"
    assert np.array_equal(
        deployed.model.score(graph, pairs), GraphModel(weights).score(graph, pairs)
    )
    write_bundled_graph(
        tmp_path / "bundled", weights, n_samples=1, metrics={"auc": 0.8}, primary_metric="auc"
    )
    bundled = load_graph_model(
        ModelRegistry(tmp_path / "empty", bundled_root=tmp_path / "bundled"), graph.feature_names
    )
    assert bundled is not None
    assert bundled.source == "bundled"
    assert np.array_equal(
        bundled.model.score(graph, pairs), GraphModel(weights).score(graph, pairs)
    )


def test_broken_or_mismatched_files_are_refused(
    trained: tuple[HomeGraph, list[Pair], GraphWeights], tmp_path: Path
) -> None:
    graph, _, weights = trained
    registry = ModelRegistry(tmp_path / "models", bundled_root=tmp_path / "bundled")
    info = save_graph_candidate(
        registry,
        weights,
        trained_on="this_home",
        n_samples=1,
        metrics={"m": 1.0},
        primary_metric="m",
    )
    registry.promote_if_better(GNN_MODEL, info.version)
    # Another node feature layout (say the name embedder's width changed): not used.
    assert load_graph_model(registry, feature_names(8)) is None
    assert any("other node features" in r for r in registry.fallbacks[GNN_MODEL])
    # A flipped byte: the checksum refuses it, and no bundled model stands in.
    path = tmp_path / "models" / GNN_MODEL / "v1" / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_graph_model(registry, graph.feature_names) is None
    reasons = registry.fallbacks[GNN_MODEL]
    assert any("sha256" in r for r in reasons)
    assert any(r.startswith("bundled: ") for r in reasons)
    # A well-formed file that lacks an array.
    arrays = dict(weights.arrays)
    del arrays["scorer.2.bias"]
    fresh = ModelRegistry(tmp_path / "other")
    stored = fresh.save_candidate(
        GNN_MODEL,
        {MAIN_BLOB: ArrayBlob(arrays, kind="safetensors")},
        trained_on="this_home",
        n_samples=1,
        metrics={"m": 1.0},
        primary_metric="m",
        extra=graph_extra(weights),
    )
    fresh.promote_if_better(GNN_MODEL, stored.version)
    assert load_graph_model(fresh, graph.feature_names) is None
    assert any("lacks the arrays ['scorer.2.bias']" in r for r in fresh.fallbacks[GNN_MODEL])


def test_invalid_weights_are_refused(trained: tuple[HomeGraph, list[Pair], GraphWeights]) -> None:
    _, _, weights = trained
    arrays = dict(weights.arrays)
    arrays["scorer.0.bias"] = np.full_like(arrays["scorer.0.bias"], np.nan)
    with pytest.raises(ModelFileError, match="not finite"):
        GraphModel(GraphWeights(arrays, weights.config))
    arrays = dict(weights.arrays)
    arrays["scorer.0.bias"] = arrays["scorer.0.bias"].astype(np.float64)
    with pytest.raises(ModelFileError, match="expected float32"):
        GraphModel(GraphWeights(arrays, weights.config))
    with pytest.raises(ModelFileError, match="edge types"):
        GraphModel(GraphWeights(weights.arrays, {**weights.config, "edge_types": ["same_area"]}))
    with pytest.raises(ModelFileError, match="pair edges"):
        GraphModel(GraphWeights(weights.arrays, {**weights.config, "pair_edge_types": []}))
    with pytest.raises(ModelFileError, match="similarities"):
        GraphModel(GraphWeights(weights.arrays, {**weights.config, "pair_similarities": ["x"]}))
    with pytest.raises(ModelFileError, match="similarities"):  # version 2 read none
        GraphModel(GraphWeights(weights.arrays, {**weights.config, "format_version": 2}))
    # A version-1 model (its scorer read no pair flags) is not run.
    with pytest.raises(ModelFileError, match="version 3"):
        GraphModel(GraphWeights(weights.arrays, {**weights.config, "format_version": 1}))


def test_a_version_2_model_runs_without_the_similarity_input(
    trained: tuple[HomeGraph, list[Pair], GraphWeights],
) -> None:
    """A model stored before the scorer read name similarity (version 2: the pair flags
    only) still loads, and scores as its own weights say, in numpy as in torch."""
    graph, pairs, weights = trained
    config = {k: v for k, v in weights.config.items() if k != "pair_similarities"}
    config["format_version"] = 2
    arrays = dict(weights.arrays)
    arrays["scorer.0.weight"] = arrays["scorer.0.weight"][:, :-1].copy()
    old = GraphWeights(arrays, config)
    model = GraphModel(old)
    _, probabilities = torch_forward(old, graph, pairs)
    assert np.abs(model.score(graph, pairs) - probabilities).max() <= 1e-5
    # Without the similarity column it scores differently from the version-3 model.
    assert np.abs(model.score(graph, pairs) - GraphModel(weights).score(graph, pairs)).max() > 1e-4
    tuned = train_link_model([(graph, pairs[:3], None)], init=old, epochs=1, budget_s=60)
    assert tuned.config == old.config  # fine-tuning keeps the stored model's layout


# --- training -----------------------------------------------------------------------------


def test_dropout_regularises_training_only(
    trained: tuple[HomeGraph, list[Pair], GraphWeights],
) -> None:
    """Dropout changes the fitted weights (seeded: the same twice), not the exported model's
    layout, and the exported model runs in numpy as in torch (no dropout there)."""
    graph, pairs, _ = trained
    example = [(graph, pairs[:3], pairs[-5:])]
    plain = train_link_model(example, epochs=3, budget_s=60, seed=4)
    dropped = [
        train_link_model(example, epochs=3, budget_s=60, seed=4, dropout=0.5) for _ in range(2)
    ]
    assert dropped[0].training["dropout"] == 0.5
    assert plain.training["dropout"] == 0.0
    assert dropped[0].arrays.keys() == plain.arrays.keys()
    assert all(np.array_equal(dropped[0].arrays[k], dropped[1].arrays[k]) for k in plain.arrays)
    assert not np.array_equal(dropped[0].arrays["scorer.0.weight"], plain.arrays["scorer.0.weight"])
    _, probabilities = torch_forward(dropped[0], graph, pairs)
    assert np.abs(GraphModel(dropped[0]).score(graph, pairs) - probabilities).max() <= 1e-5


def test_training_is_seeded_budgeted_and_fine_tunes(
    trained: tuple[HomeGraph, list[Pair], GraphWeights],
) -> None:
    graph, pairs, weights = trained
    positives, negatives = pairs[:3], pairs[-5:]
    runs = [
        train_link_model([(graph, positives, negatives)], epochs=3, budget_s=60, seed=4)
        for _ in range(2)
    ]
    assert runs[0].arrays.keys() == runs[1].arrays.keys()
    assert all(np.array_equal(runs[0].arrays[k], runs[1].arrays[k]) for k in runs[0].arrays)
    assert runs[0].training["epochs"] == 3
    assert runs[0].training["stopped"] == "epochs"
    stopped = train_link_model([(graph, positives, None)], epochs=50, budget_s=0.0)
    assert stopped.training["epochs"] == 1
    assert stopped.training["stopped"] == "budget"
    tuned = train_link_model([(graph, positives, None)], init=weights, epochs=2, budget_s=60)
    assert tuned.training["fine_tuned"] is True
    assert tuned.config == weights.config
    assert not np.array_equal(tuned.arrays["scorer.2.weight"], weights.arrays["scorer.2.weight"])
    other = build_graph(hand_made_home(), co_activity=())
    with pytest.raises(ValueError, match="other node features"):
        train_link_model([(other, [(MOTION, CEILING)], None)], init=weights, epochs=1)
    with pytest.raises(ValueError, match="no example has a positive"):
        train_link_model([(graph, [("light.nowhere", HALL)], None)], epochs=1)


def test_mini_batches_take_one_step_per_batch(
    trained: tuple[HomeGraph, list[Pair], GraphWeights],
) -> None:
    graph, pairs, _ = trained
    examples = [(graph, pairs[i : i + 1], pairs[-5:]) for i in range(3)]
    full = train_link_model(examples, epochs=2, budget_s=60, seed=2)
    batched = [train_link_model(examples, epochs=2, budget_s=60, seed=2, batch=2) for _ in "ab"]
    assert full.training["steps"] == 2
    assert batched[0].training["steps"] == 4  # batches of 2 and 1, twice
    assert batched[0].training["epochs"] == 2
    key = "scorer.2.weight"
    assert np.array_equal(batched[0].arrays[key], batched[1].arrays[key])
    assert not np.array_equal(batched[0].arrays[key], full.arrays[key])


def test_sampled_negatives_keep_the_trigger_and_avoid_positives() -> None:
    positives = np.array([[0, 0, 1], [2, 3, 2]])
    pool = np.array([0, 2, 3, 4, 5])
    negatives = sample_negatives(np.random.default_rng(0), positives, pool, per_positive=20)
    assert set(negatives[0].tolist()) <= {0, 1}
    pairs = set(zip(negatives[0].tolist(), negatives[1].tolist(), strict=True))
    assert not pairs & {(0, 2), (0, 3), (1, 2)}
    assert all(t != a and a in pool for t, a in pairs)
    assert {a for t, a in pairs if t == 0} == {4, 5}


def auc(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64]) -> float:
    """P(a positive scores above a negative), ties counting half."""
    above = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(above + 0.5 * ties)


def planted_examples(seeds: range) -> list[tuple[HomeGraph, list[Pair]]]:
    out = []
    for seed in seeds:
        home = generate_home(seed, days=14, target_entities=60)
        planted = sorted({(s.cause_entity, s.effect_entity) for s in home.truth.synergies})
        out.append((build_graph(home.home), planted))
    return out


def held_out_auc(weights: GraphWeights, homes: list[tuple[HomeGraph, list[Pair]]]) -> float:
    """AUC of each held-out home's planted pairs against ten pairs of the same trigger
    with a random entity an automation can act on, per planted pair."""
    rng = np.random.default_rng(1)
    model = GraphModel(weights)
    positive, negative = [], []
    for graph, planted in homes:
        index = graph.pair_index(planted)
        negatives = sample_negatives(rng, index, graph.action_nodes(), per_positive=10)
        ids = graph.node_ids
        positive.append(model.score(graph, planted))
        negative.append(model.score(graph, [(ids[a], ids[b]) for a, b in negatives.T]))
    return auc(np.concatenate(positive), np.concatenate(negative))


def test_training_learns_planted_synergies_on_held_out_homes() -> None:
    train, held_out = planted_examples(range(100, 110)), planted_examples(range(200, 206))
    assert sum(len(p) for _, p in held_out) >= 25
    weights = train_link_model([(g, p, None) for g, p in train], epochs=60, budget_s=120, seed=0)
    assert weights.training["epochs"] == 60
    untrained = initial_weights(weights.config["feature_names"], seed=0)
    learned, chance = held_out_auc(weights, held_out), held_out_auc(untrained, held_out)
    assert learned >= 0.75
    assert learned >= chance + 0.15
