"""The link model run with numpy: exported weights, the forward pass, and the registry.

The model (trained in :mod:`.training` with torch-geometric) encodes every node of a
:class:`~.build.HomeGraph` with ``layers`` GraphSAGE layers, one per edge type, summed:
``h' = Σ_type [mean of the type's neighbours' h · W_l + b_l + h · W_r]``, ReLU between
layers; then scores a directed trigger → action pair with a small MLP on
``(h_trigger, h_action, h_trigger * h_action, pair inputs)``, the pair inputs saying which
of the config's ``pair_edge_types`` join the two ends and how similar the ends' columns of
its ``pair_similarities`` groups are (their names; :meth:`~.build.HomeGraph.pair_inputs`).
The weights are plain float32 arrays named as the torch module's ``state_dict``
(:func:`weight_shapes`) with a JSON config (the node feature columns, the edge types, the
pair edge types and similarities, the sizes); :class:`GraphModel` runs the same forward with
numpy alone, so the graph model works on Home Assistant OS.

In the model registry the arrays are one safetensors blob (:data:`~..ml.registry.MAIN_BLOB`)
and the config sits in ``ModelInfo.extra["gnn"]``. A stored model built on other node
features (an update changed the layout, or the name embedder's width) is not used: the
loader says why and takes the next one, as for the tree models. Nor is a model fine-tuned
from another bundled model than the one installed (``ModelInfo.extra["bundle"]``, the
bundled model's ``trained_at``): an update that brings a better bundled model has it used,
and fine-tuned on this home again, instead of the home's tuning of the old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..ml.blobs import ArrayBlob, Blob
from ..ml.models import GNN_MODEL, bundled_info, load_usable
from ..ml.registry import MAIN_BLOB, ModelInfo, ModelRegistry, ModelSource, StoredModel, write_model
from ..ml.trees import ModelFileError
from .build import (
    EDGE_TYPES,
    FEATURE_GROUPS,
    PAIR_EDGE_TYPES,
    PAIR_SIMILARITIES,
    HomeGraph,
    Pair,
)

type Floats32 = npt.NDArray[np.float32]
type Floats64 = npt.NDArray[np.float64]

FORMAT: Final = "homeiq-link-model"
FORMAT_VERSION: Final = 3  # 2: the scorer reads pair flags; 3: and pair similarities
READABLE_VERSIONS: Final = (2, 3)  # version 2 models (no similarities) still run
EXTRA_KEY: Final = "gnn"
BUNDLE_KEY: Final = "bundle"  # in a fine-tuned model's extra: the bundled model it descends from
MAX_HIDDEN: Final = 1024
MAX_LAYERS: Final = 4
DENSE_MAX_NODES: Final = 3000  # neighbour means by a matrix product up to this many nodes


@dataclass(frozen=True, slots=True)
class GraphWeights:
    """A link model's float32 arrays and JSON config, and what its training run did
    (``training``: epochs, seconds, loss … — not part of the model)."""

    arrays: Mapping[str, Floats32]
    config: Mapping[str, Any]
    training: Mapping[str, Any] = field(default_factory=dict)


def model_config(
    feature_names: Sequence[str], *, hidden: int = 32, layers: int = 2
) -> dict[str, Any]:
    """The config of a link model over these node features."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feature_names": list(feature_names),
        "edge_types": list(EDGE_TYPES),
        "pair_edge_types": list(PAIR_EDGE_TYPES),
        "pair_similarities": list(PAIR_SIMILARITIES),
        "hidden": hidden,
        "layers": layers,
    }


def pair_similarities(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The feature groups whose cosine across a pair the model's scorer reads (none for a
    version 2 model)."""
    return tuple(config.get("pair_similarities", ()))


def pair_width(config: Mapping[str, Any]) -> int:
    """How many pair inputs the scorer reads besides the two ends' embeddings."""
    return len(config["pair_edge_types"]) + len(pair_similarities(config))


def pair_inputs(
    graph: HomeGraph, index: npt.NDArray[np.int64], config: Mapping[str, Any]
) -> Floats32:
    """The pair inputs of node index pairs ``(2, P)`` (all valid) for a model of ``config``."""
    return graph.pair_inputs(index, config["pair_edge_types"], pair_similarities(config))


def weight_shapes(config: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The name and shape of every array of a model with this config."""
    hidden, width = int(config["hidden"]), len(config["feature_names"])
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(int(config["layers"])):
        fan_in = width if layer == 0 else hidden
        for edge_type in config["edge_types"]:
            prefix = f"convs.{layer}.{edge_type}"
            shapes[f"{prefix}.lin_l.weight"] = (hidden, fan_in)
            shapes[f"{prefix}.lin_l.bias"] = (hidden,)
            shapes[f"{prefix}.lin_r.weight"] = (hidden, fan_in)
    shapes["scorer.0.weight"] = (hidden, 3 * hidden + pair_width(config))
    shapes["scorer.0.bias"] = (hidden,)
    shapes["scorer.2.weight"] = (1, hidden)
    shapes["scorer.2.bias"] = (1,)
    return shapes


def check_weights(arrays: Mapping[str, npt.NDArray[Any]], config: Mapping[str, Any]) -> None:
    """Raise :class:`ModelFileError` unless ``arrays`` and ``config`` make a link model this
    HomeIQ runs: its format, its edge types, and exactly the arrays of :func:`weight_shapes`,
    float32 and finite."""
    if not isinstance(config, Mapping):
        raise ModelFileError("the graph model has no config")
    version = config.get("format_version")
    if config.get("format") != FORMAT or version not in READABLE_VERSIONS:
        raise ModelFileError(
            f"the graph model is not a {FORMAT} version {FORMAT_VERSION} "
            f"(it says {config.get('format')!r} {config.get('format_version')!r})"
        )
    names = config.get("feature_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ModelFileError("the graph model does not list its node features")
    if config.get("edge_types") != list(EDGE_TYPES):
        raise ModelFileError(
            f"the graph model reads edge types {config.get('edge_types')!r}, "
            f"this HomeIQ builds {list(EDGE_TYPES)}"
        )
    if config.get("pair_edge_types") != list(PAIR_EDGE_TYPES):
        raise ModelFileError(
            f"the graph model's scorer reads pair edges {config.get('pair_edge_types')!r}, "
            f"this HomeIQ builds {list(PAIR_EDGE_TYPES)}"
        )
    similarities = config.get("pair_similarities", [])
    if (version == 2 and "pair_similarities" in config) or (
        version != 2
        and (
            not isinstance(similarities, list)
            or len(set(map(str, similarities))) != len(similarities)
            or not set(similarities) <= set(FEATURE_GROUPS)
        )
    ):
        raise ModelFileError(
            f"the graph model's scorer reads similarities {similarities!r}, this HomeIQ "
            f"builds the feature groups {list(FEATURE_GROUPS)}"
        )
    for key, limit in (("hidden", MAX_HIDDEN), ("layers", MAX_LAYERS)):
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise ModelFileError(f"the graph model's {key} {value!r} is not in 1 … {limit}")
    shapes = weight_shapes(config)
    if missing := sorted(shapes.keys() - arrays.keys()):
        raise ModelFileError(f"the graph model lacks the arrays {missing}")
    if unknown := sorted(arrays.keys() - shapes.keys()):
        raise ModelFileError(f"the graph model holds unknown arrays {unknown}")
    for key, shape in shapes.items():
        array = np.asarray(arrays[key])
        if array.dtype != np.float32 or array.shape != shape:
            raise ModelFileError(
                f"array {key!r} is {array.dtype}{list(array.shape)}, expected float32{list(shape)}"
            )
        if not np.isfinite(array).all():
            raise ModelFileError(f"array {key!r} holds values that are not finite")


def initial_weights(
    feature_names: Sequence[str], *, hidden: int = 32, layers: int = 2, seed: int = 0
) -> GraphWeights:
    """An untrained model (uniform in ±1/√fan-in, as torch initialises a linear layer): a
    baseline for tests and the size for benchmarks."""
    config = model_config(feature_names, hidden=hidden, layers=layers)
    rng = np.random.default_rng(seed)
    arrays: dict[str, Floats32] = {}
    for key, shape in weight_shapes(config).items():
        fan_in = shape[1] if len(shape) == 2 else int(config["hidden"])
        bound = 1.0 / np.sqrt(fan_in)
        arrays[key] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return GraphWeights(arrays, config)


class GraphModel:
    """The link model's forward pass in numpy: node embeddings and pair probabilities."""

    def __init__(self, weights: GraphWeights) -> None:
        """Check the weights (:class:`ModelFileError` if they are not a usable model)."""
        check_weights(weights.arrays, weights.config)
        self.weights = weights
        self.config: Mapping[str, Any] = weights.config
        self.feature_names: tuple[str, ...] = tuple(weights.config["feature_names"])
        # Run in float64: the numpy forward then differs from torch's by torch's rounding only.
        self._arrays = {
            key: np.asarray(value, dtype=np.float64) for key, value in weights.arrays.items()
        }
        self._layers = [self._layer(layer) for layer in range(int(self.config["layers"]))]

    def _layer(self, layer: int) -> tuple[Floats64, Floats64, Floats64]:
        """One layer's weights, gathered: every edge type's neighbour projection side by side
        (``F × types·hidden``), and the sum of the types' root projections and biases (the
        types' outputs are summed, so their root terms add up)."""
        prefixes = [f"convs.{layer}.{t}" for t in self.config["edge_types"]]
        projection = np.concatenate([self._arrays[f"{p}.lin_l.weight"].T for p in prefixes], 1)
        root = np.sum([self._arrays[f"{p}.lin_r.weight"].T for p in prefixes], axis=0)
        bias = np.sum([self._arrays[f"{p}.lin_l.bias"] for p in prefixes], axis=0)
        return projection, root, bias

    @property
    def name_dim(self) -> int:
        """Width of the name embeddings the model reads (0: none)."""
        return sum(name.startswith("name:") for name in self.feature_names)

    def encode(self, graph: HomeGraph) -> Floats64:
        """One embedding row per node of ``graph``; ``ValueError`` if the graph has other
        node features than the model was trained on."""
        if graph.feature_names != self.feature_names:
            raise ValueError("the graph was built with other node features than the model reads")
        h = np.asarray(graph.features, dtype=np.float64)
        hidden = int(self.config["hidden"])
        for layer, (projection, root, bias) in enumerate(self._layers):
            # mean(h) · W equals mean(h · W): project first, then average the neighbours.
            messages = h @ projection
            out = h @ root + bias
            for i, edge_type in enumerate(self.config["edge_types"]):
                columns = messages[:, i * hidden : (i + 1) * hidden]
                out += neighbour_mean(columns, graph.edges[edge_type], graph.n_nodes)
            h = np.maximum(out, 0.0) if layer < len(self._layers) - 1 else out
        return h

    def score(
        self, graph: HomeGraph, pairs: Iterable[Pair], embeddings: Floats64 | None = None
    ) -> Floats64:
        """The probability that each (trigger, action) pair is worth automating; NaN for a
        pair with an entity that is not a node. ``embeddings`` (from :meth:`encode`) saves
        encoding the graph again."""
        h = self.encode(graph) if embeddings is None else embeddings
        index = graph.pair_index(pairs)
        out = np.full(index.shape[1], np.nan)
        valid = (index >= 0).all(axis=0)
        if not valid.any():
            return out
        pairs = index[:, valid]
        src, dst = h[pairs[0]], h[pairs[1]]
        inputs = pair_inputs(graph, pairs, self.config)
        joined = np.concatenate([src, dst, src * dst, inputs], axis=1)
        hidden = np.maximum(
            joined @ self._arrays["scorer.0.weight"].T + self._arrays["scorer.0.bias"], 0.0
        )
        logits = (hidden @ self._arrays["scorer.2.weight"].T + self._arrays["scorer.2.bias"])[:, 0]
        out[valid] = np.exp(-np.logaddexp(0.0, -logits))
        return out


def neighbour_mean(
    messages: Floats64,
    edge_index: npt.NDArray[np.int64],
    n_nodes: int,
    *,
    dense: bool | None = None,
) -> Floats64:
    """For each node, the mean of ``messages`` over the sources of its incoming edges (row
    0 → row 1, as torch-geometric passes messages, an edge given twice counting twice);
    zeros for a node with none. Up to :data:`DENSE_MAX_NODES` nodes (or ``dense``) through
    an ``n × n`` count matrix — a home's area and floor cliques make many edges, and one
    matrix product beats gathering a row per edge — else edge by edge."""
    out = np.zeros((n_nodes, messages.shape[1]), dtype=np.float64)
    if not edge_index.shape[1]:
        return out
    sources, targets = edge_index
    if dense if dense is not None else n_nodes <= DENSE_MAX_NODES:
        weights = np.ones(targets.shape[0])
        counts = np.bincount(targets * n_nodes + sources, weights, n_nodes * n_nodes)
        adjacency = counts.reshape(n_nodes, n_nodes)
        degree = adjacency.sum(axis=1)
        np.divide(adjacency @ messages, degree[:, None], out=out, where=degree[:, None] > 0)
        return out
    order = np.argsort(targets, kind="stable")
    ordered = targets[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    sums = np.add.reduceat(messages[sources[order]], starts, axis=0)
    sizes = np.diff(np.append(starts, ordered.shape[0]))
    out[ordered[starts]] = sums / sizes[:, None]
    return out


# --- the model registry ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeployedGraphModel:
    """A graph model ready for inference, with where it came from and why others were
    skipped."""

    model: GraphModel
    info: ModelInfo
    source: ModelSource
    fallbacks: tuple[str, ...] = ()


def graph_blobs(weights: GraphWeights) -> dict[str, Blob]:
    """The registry blobs of a graph model: its arrays, as one safetensors blob."""
    return {MAIN_BLOB: ArrayBlob(dict(weights.arrays), kind="safetensors")}


def graph_extra(weights: GraphWeights, **more: Any) -> dict[str, Any]:
    """The registry ``extra`` of a graph model: its config (and the caller's ``more``)."""
    return {EXTRA_KEY: dict(weights.config), **more}


def save_graph_candidate(
    registry: ModelRegistry,
    weights: GraphWeights,
    *,
    trained_on: str,
    n_samples: int,
    metrics: Mapping[str, float],
    primary_metric: str,
    higher_is_better: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Store ``weights`` as the next (not yet active) version of :data:`GNN_MODEL`."""
    GraphModel(weights)  # never store what could not be loaded
    return registry.save_candidate(
        GNN_MODEL,
        graph_blobs(weights),
        trained_on=trained_on,
        n_samples=n_samples,
        metrics=metrics,
        primary_metric=primary_metric,
        higher_is_better=higher_is_better,
        extra=graph_extra(weights, **dict(extra or {})),
    )


def write_bundled_graph(
    bundled_root: Path,
    weights: GraphWeights,
    *,
    n_samples: int,
    metrics: Mapping[str, float],
    primary_metric: str,
    higher_is_better: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Write the bundled (version 0, synthetic) graph model — ``scripts/train`` does."""
    GraphModel(weights)
    info = bundled_info(
        GNN_MODEL,
        n_samples=n_samples,
        metrics=metrics,
        primary_metric=primary_metric,
        higher_is_better=higher_is_better,
        extra=graph_extra(weights, **dict(extra or {})),
    )
    write_model(bundled_root / GNN_MODEL, info, graph_blobs(weights))
    return info


def bundle_of(info: ModelInfo) -> str | None:
    """Which bundled model a graph model descends from: its own ``trained_at`` for a bundled
    model, the recorded one for a fine-tuned model (``None``: not recorded)."""
    if info.trained_on != "this_home":
        return info.trained_at
    recorded = info.extra.get(BUNDLE_KEY)
    return recorded if isinstance(recorded, str) else None


def graph_model_of(
    stored: StoredModel, feature_names: Sequence[str], bundle: str | None = None
) -> GraphModel:
    """The graph model in a stored model; :class:`ModelFileError` if it is broken, reads
    other node features than ``feature_names`` (:func:`~.build.feature_names` of the graph
    this HomeIQ builds) or, given the installed ``bundle`` (:func:`bundle_of` the bundled
    model), descends from another bundled model."""
    if bundle is not None and stored.source != "bundled" and bundle_of(stored.info) != bundle:
        raise ModelFileError(
            "fine-tuned from an earlier bundled graph model; the one installed now is used "
            "(and fine-tuned on this home again)"
        )
    config = stored.info.extra.get(EXTRA_KEY)
    if not isinstance(config, dict):
        raise ModelFileError("the model's metadata does not describe a graph model")
    if config.get("feature_names") != list(feature_names):
        raise ModelFileError("trained on other node features than this version of HomeIQ builds")
    arrays = stored.arrays(MAIN_BLOB)
    return GraphModel(GraphWeights(dict(arrays), config))


def load_graph_model(
    registry: ModelRegistry, feature_names: Sequence[str]
) -> DeployedGraphModel | None:
    """The graph model to use: the active one, else a previous one, else the bundled one.

    ``None`` when none is usable; the reasons are in ``registry.fallbacks[GNN_MODEL]``.
    """
    bundled = registry.bundled(GNN_MODEL)  # before load_usable: it resets the fallbacks
    bundle = None if bundled is None else bundle_of(bundled.info)
    found = load_usable(
        registry, GNN_MODEL, lambda stored: graph_model_of(stored, feature_names, bundle)
    )
    if found is None:
        return None
    model, stored, reasons = found
    return DeployedGraphModel(model, stored.info, stored.source, reasons)
