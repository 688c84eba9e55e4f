"""The home graph and the link model that scores trigger → action pairs on it.

:func:`build_graph` (:mod:`.build`) turns a home into nodes with features and typed edges;
:class:`GraphModel` (:mod:`.model`) runs the exported link model with numpy and keeps it in
the model registry; :func:`~.training.train_link_model` trains it where torch-geometric
imports (import :mod:`.training` only there: it is the one module that needs torch).
"""

from ..ml.models import GNN_MODEL
from .build import (
    ACTION_DOMAINS,
    EDGE_TYPES,
    FEATURE_GROUPS,
    TRIGGER_DOMAINS,
    HomeGraph,
    TextEmbedder,
    build_graph,
    can_act,
    can_trigger,
    coactive_pairs,
    feature_names,
    pair_nodes,
)
from .model import (
    DeployedGraphModel,
    GraphModel,
    GraphWeights,
    graph_model_of,
    initial_weights,
    load_graph_model,
    save_graph_candidate,
    write_bundled_graph,
)

__all__ = [
    "ACTION_DOMAINS",
    "EDGE_TYPES",
    "FEATURE_GROUPS",
    "GNN_MODEL",
    "TRIGGER_DOMAINS",
    "DeployedGraphModel",
    "GraphModel",
    "GraphWeights",
    "HomeGraph",
    "TextEmbedder",
    "build_graph",
    "can_act",
    "can_trigger",
    "coactive_pairs",
    "feature_names",
    "graph_model_of",
    "initial_weights",
    "load_graph_model",
    "pair_nodes",
    "save_graph_candidate",
    "write_bundled_graph",
]
