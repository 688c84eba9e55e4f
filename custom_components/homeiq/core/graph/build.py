"""The home graph: the home's entities as nodes with features, and typed edges between them.

:func:`build_graph` turns a :class:`~..home.Home` into a :class:`HomeGraph` the link model
(:mod:`.model`) reads. Nodes are by default the entities the miner pairs
(:func:`~..synergy.miner.candidate_entities`: enabled, of a kind HomeIQ models — Home
Assistant's bookkeeping domains such as ``automation``, ``update`` or ``button`` and
disabled entities are left out). Each node's features, in column groups
(:data:`FEATURE_GROUPS`, named columns in ``HomeGraph.feature_names``):

* ``domain``: one-hot over :data:`DOMAINS` and ``other``;
* ``device_class``: one-hot over :data:`DEVICE_CLASSES`, ``other`` and ``none``;
* ``unit``: one-hot over :data:`UNIT_GROUPS` (``none`` … ``other``);
* ``place``: has an area, has a floor;
* ``activity``: the share of the entity's state changes in each local hour (24 columns,
  zeros without history) and ``log1p`` of its changes per day of history;
* ``structure``: ``log1p`` of the known pairs the entity triggers and of those acting on
  it (the home's own automations: an entity already automated is likely automated again),
  and of the other nodes in its area;
* ``name`` and ``area_name``: the text embedding of the entity's friendly name and object id
  words, and of its area's name (zeros without an embedder, or without an area).

Edges are undirected (both directions stored), one edge index per type
(:data:`EDGE_TYPES`): ``same_area``, ``same_device``, ``same_floor`` (areas on one floor,
not the same area), ``co_activity`` (the pairs the miner counted: their binned onsets met
at least twice and more often than chance, :mod:`~..synergy.miner`) and ``automated``
(trigger → action pairs someone decided to automate, given by the caller).

The pair scorer also reads, for each pair, which of :data:`PAIR_EDGE_TYPES` join its two
ends and the cosine similarity of the two ends' :data:`PAIR_SIMILARITIES` columns (their
names: "hallway motion" and "hallway ceiling light" are close) —
:meth:`HomeGraph.pair_inputs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import math
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from ..home import Entity, Home, StateHistory
from ..synergy.miner import Candidate, candidate_entities, find_candidates, mining_window
from ..time import DAY, local_hours

type Pair = tuple[str, str]
type Floats32 = npt.NDArray[np.float32]
type EdgeIndex = npt.NDArray[np.int64]

DOMAINS: Final = (
    "alarm_control_panel",
    "binary_sensor",
    "camera",
    "climate",
    "cover",
    "device_tracker",
    "fan",
    "group",
    "humidifier",
    "input_boolean",
    "input_number",
    "input_select",
    "light",
    "lock",
    "media_player",
    "person",
    "scene",
    "script",
    "sensor",
    "siren",
    "sun",
    "switch",
    "vacuum",
    "valve",
    "water_heater",
    "zone",
)
DEVICE_CLASSES: Final = (
    "battery",
    "blind",
    "carbon_dioxide",
    "connectivity",
    "curtain",
    "door",
    "energy",
    "garage",
    "garage_door",
    "gas",
    "humidity",
    "illuminance",
    "moisture",
    "motion",
    "occupancy",
    "opening",
    "outlet",
    "power",
    "presence",
    "pressure",
    "problem",
    "shade",
    "signal_strength",
    "smoke",
    "sound",
    "speaker",
    "temperature",
    "tv",
    "vibration",
    "water",
    "window",
)
UNIT_GROUPS: Final = ("none", "temperature", "percent", "power", "energy", "illuminance", "other")
UNITS: Final[Mapping[str, str]] = {
    "°C": "temperature",
    "°F": "temperature",
    "K": "temperature",
    "%": "percent",
    "W": "power",
    "kW": "power",
    "Wh": "energy",
    "kWh": "energy",
    "MWh": "energy",
    "lx": "illuminance",
}
FEATURE_GROUPS: Final = (
    "domain",
    "device_class",
    "unit",
    "place",
    "activity",
    "structure",
    "name",
    "area_name",
)
EDGE_TYPES: Final = ("same_area", "same_device", "same_floor", "co_activity", "automated")
PAIR_EDGE_TYPES: Final = ("same_area", "same_device", "same_floor", "co_activity")
PAIR_SIMILARITIES: Final = ("name",)  # feature groups whose cosine across a pair is an input
STRUCTURE_COLUMNS: Final = (
    "structure:log1p_known_as_trigger",
    "structure:log1p_known_as_action",
    "structure:log1p_area_nodes",
)
# Domains whose entities trigger automations, and those automations act on (the domains of
# the real configurations' pairs, less those that stand for time or for nothing in a home).
TRIGGER_DOMAINS: Final = frozenset(
    {
        "alarm_control_panel",
        "binary_sensor",
        "climate",
        "cover",
        "device_tracker",
        "event",
        "fan",
        "group",
        "input_boolean",
        "input_button",
        "input_number",
        "input_select",
        "light",
        "lock",
        "media_player",
        "number",
        "person",
        "remote",
        "select",
        "sensor",
        "sun",
        "switch",
        "vacuum",
        "zone",
    }
)
ACTION_DOMAINS: Final = frozenset(
    {
        "alarm_control_panel",
        "automation",
        "button",
        "camera",
        "climate",
        "cover",
        "fan",
        "group",
        "humidifier",
        "input_boolean",
        "input_button",
        "input_number",
        "input_select",
        "input_text",
        "light",
        "lock",
        "media_player",
        "number",
        "scene",
        "script",
        "select",
        "siren",
        "switch",
        "timer",
        "vacuum",
        "valve",
        "water_heater",
    }
)


def can_trigger(entity_id: str) -> bool:
    """Whether the entity's domain triggers automations."""
    return entity_id.partition(".")[0] in TRIGGER_DOMAINS


def can_act(entity_id: str) -> bool:
    """Whether automations act on the entity's domain."""
    return entity_id.partition(".")[0] in ACTION_DOMAINS


def pair_nodes(home: Home) -> list[str]:
    """The enabled entities that trigger automations or that automations act on, sorted:
    the nodes of the graph the link model ranks pairs on."""
    return sorted(
        e
        for e, entity in home.entities.items()
        if entity.enabled and (can_trigger(e) or can_act(e))
    )


class TextEmbedder(Protocol):
    """Embeds short texts (entity and area names) into unit rows of ``dim`` floats."""

    @property
    def dim(self) -> int:
        """Width of an embedding."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text, shape ``(len(texts), dim)``."""
        ...


def feature_names(name_dim: int) -> tuple[str, ...]:
    """The node feature columns, in order, with name embeddings ``name_dim`` wide."""
    return tuple(name for group in _group_columns(name_dim).values() for name in group)


def _group_columns(name_dim: int) -> dict[str, tuple[str, ...]]:
    hours = tuple(f"activity:hour_{hour:02d}" for hour in range(24))
    return {
        "domain": tuple(f"domain:{d}" for d in (*DOMAINS, "other")),
        "device_class": tuple(f"device_class:{c}" for c in (*DEVICE_CLASSES, "other", "none")),
        "unit": tuple(f"unit:{u}" for u in UNIT_GROUPS),
        "place": ("place:has_area", "place:has_floor"),
        "activity": (*hours, "activity:log1p_changes_per_day"),
        "structure": STRUCTURE_COLUMNS,
        "name": tuple(f"name:{i}" for i in range(name_dim)),
        "area_name": tuple(f"area_name:{i}" for i in range(name_dim)),
    }


@dataclass(frozen=True, slots=True)
class HomeGraph:
    """Nodes (entity ids), their features (float32, one row per node, columns
    ``feature_names`` in ``groups``) and one undirected edge index per type (int64, shape
    ``(2, E)``, both directions, sorted, no self loops)."""

    node_ids: tuple[str, ...]
    index: Mapping[str, int]
    features: Floats32
    feature_names: tuple[str, ...]
    groups: Mapping[str, slice]
    edges: Mapping[str, EdgeIndex]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def name_dim(self) -> int:
        """Width of the name embeddings."""
        group = self.groups["name"]
        return int(group.stop - group.start)

    def group(self, name: str) -> Floats32:
        """The feature columns of one group."""
        return self.features[:, self.groups[name]]

    def edge_pairs(self, edge_type: str) -> set[Pair]:
        """The edges of one type as (entity, entity) pairs, both directions."""
        src, dst = self.edges[edge_type]
        return {
            (self.node_ids[s], self.node_ids[d])
            for s, d in zip(src.tolist(), dst.tolist(), strict=True)
        }

    def pair_index(self, pairs: Iterable[Pair]) -> EdgeIndex:
        """(source, target) node indexes of entity pairs, shape ``(2, P)``; -1 for an entity
        that is not a node."""
        rows = [(self.index.get(a, -1), self.index.get(b, -1)) for a, b in pairs]
        return np.array(rows, dtype=np.int64).reshape(-1, 2).T.copy()

    def pair_flags(self, index: EdgeIndex, edge_types: Sequence[str] = PAIR_EDGE_TYPES) -> Floats32:
        """For node index pairs of shape ``(2, P)`` (all valid), one float32 row per pair:
        1 where an edge of each of ``edge_types`` joins the two ends, else 0."""
        n = self.n_nodes
        keys = index[0] * n + index[1]
        out = np.zeros((keys.shape[0], len(edge_types)), dtype=np.float32)
        for column, edge_type in enumerate(edge_types):
            edges = self.edges[edge_type]
            out[:, column] = np.isin(keys, edges[0] * n + edges[1])
        return out

    def pair_similarity(self, index: EdgeIndex, group: str) -> Floats32:
        """For node index pairs of shape ``(2, P)`` (all valid), the cosine similarity of
        the two ends' columns of feature ``group``; 0 where either end's are all zero."""
        columns = self.group(group).astype(np.float64)
        trigger, action = columns[index[0]], columns[index[1]]
        norms = np.linalg.norm(trigger, axis=1) * np.linalg.norm(action, axis=1)
        dots = (trigger * action).sum(axis=1)
        cosine = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
        return np.asarray(cosine, dtype=np.float32)

    def pair_inputs(
        self,
        index: EdgeIndex,
        edge_types: Sequence[str] = PAIR_EDGE_TYPES,
        similarities: Sequence[str] = PAIR_SIMILARITIES,
    ) -> Floats32:
        """What the pair scorer reads of node index pairs ``(2, P)`` besides the ends'
        embeddings: :meth:`pair_flags` of ``edge_types``, then :meth:`pair_similarity` of
        each of ``similarities``."""
        columns = [self.pair_flags(index, edge_types)]
        columns += [self.pair_similarity(index, group)[:, None] for group in similarities]
        return np.concatenate(columns, axis=1)

    def action_nodes(self) -> npt.NDArray[np.int64]:
        """Indexes of the nodes an automation can act on (:data:`ACTION_DOMAINS`)."""
        return np.array(
            [i for i, e in enumerate(self.node_ids) if e.partition(".")[0] in ACTION_DOMAINS],
            dtype=np.int64,
        )


def coactive_pairs(candidates: Iterable[Candidate]) -> set[Pair]:
    """The (cause, effect) pairs the miner counted — those whose onsets met often enough
    and more often than chance — from its candidates (notifications left out)."""
    return {
        (c.cause_id, c.effect_id)
        for c in candidates
        if c.evidence is not None and c.effect_id is not None
    }


def build_graph(
    home: Home,
    *,
    embedder: TextEmbedder | None = None,
    co_activity: Iterable[Pair] | None = None,
    known_pairs: Iterable[Pair] = (),
    now: float | None = None,
    name_dim: int | None = None,
    entity_ids: Sequence[str] | None = None,
) -> HomeGraph:
    """The graph of ``home`` (blocking: CPU work).

    ``co_activity`` are the co-active pairs (:func:`coactive_pairs` of the miner's
    candidates, when the caller mined already); ``None`` mines them here when the home has
    history. ``known_pairs`` are trigger → action pairs someone automated (the home's
    automations, accepted suggestions). Name embeddings are ``embedder.dim`` wide, else
    ``name_dim`` wide and zero (0 by default: no name columns). ``entity_ids`` replaces the
    default nodes (:func:`~..synergy.miner.candidate_entities`). Pairs naming an entity
    that is not a node are left out.
    """
    if embedder is not None and name_dim is not None and name_dim != embedder.dim:
        raise ValueError(f"name_dim {name_dim} differs from the embedder's {embedder.dim}")
    width = embedder.dim if embedder is not None else (name_dim or 0)
    if entity_ids is None:
        entities = candidate_entities(home)
    else:
        entities = [home.entities[e] for e in dict.fromkeys(entity_ids)]
    node_ids = tuple(e.entity_id for e in entities)
    index = {entity_id: i for i, entity_id in enumerate(node_ids)}
    start, end = mining_window(home, now)
    columns = _group_columns(width)
    groups: dict[str, slice] = {}
    offset = 0
    for group, names in columns.items():
        groups[group] = slice(offset, offset + len(names))
        offset += len(names)
    features = np.zeros((len(entities), offset), dtype=np.float32)
    features[:, groups["domain"]] = _one_hot([e.domain for e in entities], DOMAINS)
    features[:, groups["device_class"]] = _one_hot(
        [e.device_class or "none" for e in entities], (*DEVICE_CLASSES, "other", "none")
    )
    features[:, groups["unit"]] = _one_hot([unit_group(e.unit) for e in entities], UNIT_GROUPS)
    if entities:  # a home of no node has an empty feature matrix
        features[:, groups["place"]] = [
            [float(_area_id(home, e) is not None), float(_floor_id(home, e) is not None)]
            for e in entities
        ]
        features[:, groups["activity"]] = [
            hourly_activity(home.histories.get(e.entity_id), start, end, home.time_zone)
            for e in entities
        ]
    if embedder is not None and entities:
        features[:, groups["name"]] = embedder.embed([name_text(e) for e in entities])
        features[:, groups["area_name"]] = _area_embeddings(home, entities, embedder)
    areas = [_area_id(home, e) for e in entities]
    known_pairs = list(known_pairs)
    features[:, groups["structure"]] = _structure(known_pairs, index, areas)
    if co_activity is None:
        co_activity = coactive_pairs(find_candidates(home, now)) if end > start else set()
    edges = {
        "same_area": _clique_edges(areas),
        "same_device": _clique_edges([e.device_id for e in entities]),
        "same_floor": _clique_edges([_floor_id(home, e) for e in entities], apart=areas),
        "co_activity": _pair_edges(co_activity, index),
        "automated": _pair_edges(known_pairs, index),
    }
    return HomeGraph(
        node_ids=node_ids,
        index=index,
        features=features,
        feature_names=tuple(name for names in columns.values() for name in names),
        groups=groups,
        edges=edges,
    )


def unit_group(unit: str | None) -> str:
    """The unit's group in :data:`UNIT_GROUPS`."""
    if unit is None:
        return "none"
    return UNITS.get(unit, "other")


def name_text(entity: Entity) -> str:
    """What an entity's name embedding reads: its friendly name and its object id's words."""
    words = entity.entity_id.partition(".")[2].replace("_", " ")
    return f"{entity.name} {words}" if entity.name else words


def hourly_activity(
    history: StateHistory | None, start: float, end: float, time_zone: str
) -> list[float]:
    """The share of the state changes in ``[start, end]`` in each local hour (24 values, 0
    without changes) and ``log1p`` of the changes per day. A change is a row whose raw
    state differs from the row before it."""
    out = [0.0] * 25
    if history is None or len(history) < 2:
        return out
    changed = np.concatenate([[False], history.codes[1:] != history.codes[:-1]])
    times = history.timestamps[changed]
    times = times[(times >= start) & (times <= end)]
    if not times.size:
        return out
    counts = np.bincount(local_hours(times, time_zone), minlength=24)
    out[:24] = (counts / counts.sum()).tolist()
    days = (end - start) / DAY
    out[24] = math.log1p(times.size / days) if days > 0 else 0.0
    return out


def _structure(
    known_pairs: Sequence[Pair], index: Mapping[str, int], areas: Sequence[str | None]
) -> Floats32:
    """The ``structure`` columns: ``log1p`` of each node's known pairs as trigger and as
    action (each distinct pair once, both ends nodes) and of the other nodes in its area."""
    n = len(areas)
    out = np.zeros((n, len(STRUCTURE_COLUMNS)), dtype=np.float32)
    kept = {(index[t], index[a]) for t, a in known_pairs if t in index and a in index and t != a}
    if kept:
        pairs = np.array(sorted(kept), dtype=np.int64)
        out[:, 0] = np.log1p(np.bincount(pairs[:, 0], minlength=n))
        out[:, 1] = np.log1p(np.bincount(pairs[:, 1], minlength=n))
    codes = _codes(areas)
    placed = codes >= 0
    sizes = np.bincount(codes[placed])
    out[placed, 2] = np.log1p(sizes[codes[placed]] - 1)
    return out


def _one_hot(values: Sequence[str], known: Sequence[str]) -> Floats32:
    """One-hot rows over ``known``; a value not in it sets the ``other`` column after them
    (``known`` may list ``other`` itself)."""
    columns = list(known) if "other" in known else [*known, "other"]
    position = {value: i for i, value in enumerate(columns)}
    out = np.zeros((len(values), len(columns)), dtype=np.float32)
    for row, value in enumerate(values):
        out[row, position.get(value, position["other"])] = 1.0
    return out


def _area_id(home: Home, entity: Entity) -> str | None:
    """The entity's area, when the home knows it."""
    return entity.area_id if entity.area_id in home.areas else None


def _floor_id(home: Home, entity: Entity) -> str | None:
    area_id = _area_id(home, entity)
    return None if area_id is None else home.areas[area_id].floor_id


def _area_embeddings(home: Home, entities: Sequence[Entity], embedder: TextEmbedder) -> Floats32:
    """The embedding of each entity's area name (zeros without an area); each area once."""
    out = np.zeros((len(entities), embedder.dim), dtype=np.float32)
    area_ids = [_area_id(home, e) for e in entities]
    named = sorted({a for a in area_ids if a is not None})
    if not named:
        return out
    rows = dict(zip(named, embedder.embed([home.areas[a].name for a in named]), strict=True))
    for i, area_id in enumerate(area_ids):
        if area_id is not None:
            out[i] = rows[area_id]
    return out


def _edges_from(src: npt.NDArray[np.int64], dst: npt.NDArray[np.int64], n_nodes: int) -> EdgeIndex:
    """Both directions of the pairs, unique and sorted, without self loops."""
    keys = np.unique(np.concatenate([src * n_nodes + dst, dst * n_nodes + src]))
    both = np.stack([keys // n_nodes, keys % n_nodes]).astype(np.int64)
    return both[:, both[0] != both[1]]


def _clique_edges(
    keys: Sequence[str | None], apart: Sequence[str | None] | None = None
) -> EdgeIndex:
    """Edges between nodes that share a key (an area, a device; ``None`` shares nothing),
    and — given ``apart`` — do not share that one too."""
    members: dict[str, list[int]] = {}
    for node, key in enumerate(keys):
        if key is not None:
            members.setdefault(key, []).append(node)
    codes = None if apart is None else _codes(apart)
    sources: list[npt.NDArray[np.int64]] = []
    targets: list[npt.NDArray[np.int64]] = []
    for group in members.values():
        if len(group) < 2:
            continue
        nodes = np.array(group, dtype=np.int64)
        src, dst = np.repeat(nodes, nodes.size), np.tile(nodes, nodes.size)
        keep = src < dst
        if codes is not None:
            keep &= (codes[src] != codes[dst]) | (codes[src] < 0)
        sources.append(src[keep])
        targets.append(dst[keep])
    if not sources:
        return np.empty((2, 0), dtype=np.int64)
    return _edges_from(np.concatenate(sources), np.concatenate(targets), len(keys))


def _codes(keys: Sequence[str | None]) -> npt.NDArray[np.int64]:
    """An integer per distinct key, -1 for ``None``."""
    seen: dict[str, int] = {}
    return np.array(
        [-1 if key is None else seen.setdefault(key, len(seen)) for key in keys], dtype=np.int64
    )


def _pair_edges(pairs: Iterable[Pair], index: Mapping[str, int]) -> EdgeIndex:
    """Edges of the pairs whose both ends are nodes."""
    kept = [(index[a], index[b]) for a, b in pairs if a in index and b in index]
    if not kept:
        return np.empty((2, 0), dtype=np.int64)
    array = np.array(kept, dtype=np.int64).T
    return _edges_from(array[0], array[1], len(index))
