"""Training the link model with torch-geometric, where torch imports (never on import here).

:func:`train_link_model` fits the model of :mod:`.model` — GraphSAGE layers (mean
aggregation, one per edge type, summed) and an MLP scorer of directed trigger → action
pairs (their embeddings, which pair edges join them, how alike their names are) — on
examples ``(graph, positive pairs, negative pairs)`` with binary cross-entropy and Adam
(an L2 penalty of ``weight_decay``), in full batch or mini-batches of examples, every
home weighing the same. Without given negatives each epoch samples some per positive: the
same trigger with a random entity an automation can act on (not one of the trigger's
positives). Torch runs on ``threads`` threads (restored afterwards), seeded, with
``dropout`` on the node features and between layers while training (none by default), and
stops after ``epochs`` or once ``budget_s`` seconds have passed; ``init`` fine-tunes
earlier weights. The result is exported to numpy arrays (:class:`~.model.GraphWeights`)
that :class:`~.model.GraphModel` runs without torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import functools
import time
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .build import EDGE_TYPES, HomeGraph, Pair
from .model import (
    GraphWeights,
    check_weights,
    model_config,
    pair_inputs,
    pair_width,
    weight_shapes,
)

type LinkExample = tuple[HomeGraph, Sequence[Pair], Sequence[Pair] | None]

NEGATIVES_PER_POSITIVE: Final = 3


@functools.cache
def _link_model_class() -> Any:
    """The torch module of the link model (torch and torch-geometric imported here)."""
    import torch
    from torch import nn
    from torch_geometric.nn import SAGEConv

    class LinkModel(nn.Module):
        """GraphSAGE encoder (one SAGE convolution per edge type, summed) + MLP pair scorer."""

        def __init__(self, n_features: int, hidden: int, layers: int, n_pair: int) -> None:
            super().__init__()
            self.convs = nn.ModuleList(
                nn.ModuleDict(
                    {
                        edge_type: SAGEConv(n_features if layer == 0 else hidden, hidden, "mean")
                        for edge_type in EDGE_TYPES
                    }
                )
                for layer in range(layers)
            )
            self.scorer = nn.Sequential(
                nn.Linear(3 * hidden + n_pair, hidden), nn.ReLU(), nn.Linear(hidden, 1)
            )
            self.dropout = 0.0  # while training only; not a parameter (the numpy side has none)

        def encode(self, x: Any, edges: Mapping[str, Any]) -> Any:
            """Node embeddings: each layer sums the edge types' SAGE convolutions."""
            h = nn.functional.dropout(x, self.dropout, self.training)
            convs: Any
            for layer, convs in enumerate(self.convs):
                h = torch.stack([convs[t](h, edges[t]) for t in EDGE_TYPES]).sum(dim=0)
                if layer < len(self.convs) - 1:
                    h = nn.functional.dropout(torch.relu(h), self.dropout, self.training)
            return h

        def forward(self, x: Any, edges: Mapping[str, Any], pairs: Any, inputs: Any) -> Any:
            """The logit of each directed (trigger, action) pair, ``pairs`` of shape (2, P),
            ``inputs`` (P, n_pair) its pair inputs (the pair edges joining its ends, the
            similarity of their names)."""
            h = self.encode(x, edges)
            trigger, action = h[pairs[0]], h[pairs[1]]
            joined = torch.cat([trigger, action, trigger * action, inputs], dim=-1)
            return self.scorer(joined).squeeze(-1)

    return LinkModel


@dataclass(slots=True)
class _Prepared:
    """One example as tensors: its graph, features, edges, positives, given negatives,
    sampling pool, and the pair inputs of positives and given negatives (as the model's
    ``config`` reads them)."""

    graph: HomeGraph
    x: Any
    edges: dict[str, Any]
    positives: npt.NDArray[np.int64]  # (2, P)
    negatives: npt.NDArray[np.int64] | None  # (2, N), None: sampled each epoch
    pool: npt.NDArray[np.int64]  # action nodes negatives are drawn from
    inputs: Any  # (P + N, pair inputs) with given negatives, else None
    config: Mapping[str, Any]


def _tensors(graph: HomeGraph) -> tuple[Any, dict[str, Any]]:
    import torch

    x = torch.from_numpy(np.ascontiguousarray(graph.features, dtype=np.float32))
    edges = {t: torch.from_numpy(np.ascontiguousarray(graph.edges[t])) for t in EDGE_TYPES}
    return x, edges


def _known(graph: HomeGraph, pairs: Sequence[Pair] | None) -> npt.NDArray[np.int64] | None:
    if pairs is None:
        return None
    index = graph.pair_index(pairs)
    return index[:, (index >= 0).all(axis=0)]


def _inputs(graph: HomeGraph, index: npt.NDArray[np.int64], config: Mapping[str, Any]) -> Any:
    import torch

    return torch.from_numpy(pair_inputs(graph, index, config))


def _prepare(examples: Sequence[LinkExample], config: Mapping[str, Any]) -> list[_Prepared]:
    prepared = []
    for graph, positives, negatives in examples:
        known = _known(graph, positives)
        if known is None or not known.shape[1]:
            continue
        pool = graph.action_nodes()
        if not pool.size:
            pool = np.arange(graph.n_nodes, dtype=np.int64)
        x, edges = _tensors(graph)
        given = _known(graph, negatives)
        inputs = None
        if given is not None:
            inputs = _inputs(graph, np.concatenate([known, given], axis=1), config)
        prepared.append(_Prepared(graph, x, edges, known, given, pool, inputs, config))
    return prepared


def sample_negatives(
    rng: np.random.Generator,
    positives: npt.NDArray[np.int64],
    pool: npt.NDArray[np.int64],
    per_positive: int = NEGATIVES_PER_POSITIVE,
) -> npt.NDArray[np.int64]:
    """For each positive (trigger, action), ``per_positive`` pairs of the same trigger with
    a random node of ``pool`` — draws that hit one of the trigger's positives or the
    trigger itself are dropped."""
    triggers = np.repeat(positives[0], per_positive)
    actions = pool[rng.integers(pool.size, size=triggers.size)]
    taken = set(zip(positives[0].tolist(), positives[1].tolist(), strict=True))
    keep = np.array(
        [
            t != a and (t, a) not in taken
            for t, a in zip(triggers.tolist(), actions.tolist(), strict=True)
        ],
        dtype=np.bool_,
    )
    return np.stack([triggers[keep], actions[keep]])


def train_link_model(
    examples: Sequence[LinkExample],
    *,
    init: GraphWeights | None = None,
    epochs: int = 200,
    budget_s: float = 60.0,
    seed: int = 0,
    hidden: int = 32,
    layers: int = 2,
    learning_rate: float = 0.01,
    weight_decay: float = 1e-4,
    threads: int = 1,
    batch: int | None = None,
    dropout: float = 0.0,
) -> GraphWeights:
    """Train (or, from ``init``, fine-tune) the link model on ``examples`` (blocking: CPU
    work; imports torch). One optimizer step per ``batch`` examples (in a new random order
    each epoch; ``None``: one step per epoch on all); ``dropout``: the share of node
    features and hidden units zeroed in each training step. ``ValueError`` if no example has a
    positive pair among its nodes or the graphs' node features differ from each other or
    from ``init``'s."""
    import torch

    names = {graph.feature_names for graph, _, _ in examples}
    if len(names) > 1:
        raise ValueError("the examples' graphs have different node features")
    if not names:
        raise ValueError("no example has a positive pair among its graph's nodes")
    feature_names = next(iter(names))
    if init is not None:
        check_weights(init.arrays, init.config)
        if tuple(init.config["feature_names"]) != feature_names:
            raise ValueError("init was trained on other node features than the examples have")
    config = (
        dict(init.config)
        if init is not None
        else model_config(feature_names, hidden=hidden, layers=layers)
    )
    prepared = _prepare(examples, config)
    if not prepared:
        raise ValueError("no example has a positive pair among its graph's nodes")
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _fit(
            prepared,
            config,
            init,
            (epochs, budget_s, batch or len(prepared)),
            seed,
            learning_rate,
            (weight_decay, dropout),
        )
    finally:
        torch.set_num_threads(previous_threads)


def _fit(  # noqa: PLR0917 - the private body of train_link_model
    prepared: list[_Prepared],
    config: dict[str, Any],
    init: GraphWeights | None,
    schedule: tuple[int, float, int],
    seed: int,
    learning_rate: float,
    regularisation: tuple[float, float],
) -> GraphWeights:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    epochs, budget_s, batch = schedule
    weight_decay, model_dropout = regularisation
    model = new_torch_model(config, init)  # imports torch-geometric: before the clock starts
    model.dropout = model_dropout
    started = time.monotonic()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    run, steps, loss_value, stopped = 0, 0, float("nan"), "epochs"
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(prepared)) if batch < len(prepared) else range(len(prepared))
        chunks = [order[i : i + batch] for i in range(0, len(prepared), batch)]
        epoch_losses = []
        for chunk in chunks:
            optimizer.zero_grad()
            losses = [_example_loss(model, prepared[int(i)], rng, loss_fn) for i in chunk]
            loss: Any = torch.stack(losses).mean()
            loss.backward()
            optimizer.step()
            steps += 1
            epoch_losses.append(float(loss.item()) * len(chunk))
        run, loss_value = run + 1, sum(epoch_losses) / len(prepared)
        if time.monotonic() - started >= budget_s:
            stopped = "budget"
            break
    weights = export_weights(model, config)
    training = {
        "epochs": run,
        "steps": steps,
        "stopped": stopped,
        "seconds": round(time.monotonic() - started, 3),
        "loss": loss_value,
        "examples": len(prepared),
        "positives": int(sum(p.positives.shape[1] for p in prepared)),
        "seed": seed,
        "fine_tuned": init is not None,
        "dropout": model_dropout,
    }
    return GraphWeights(weights.arrays, weights.config, training)


def _example_loss(model: Any, example: _Prepared, rng: np.random.Generator, loss_fn: Any) -> Any:
    """The binary cross-entropy of one example's positives and (given or sampled)
    negatives."""
    import torch

    negatives = example.negatives
    if negatives is None:
        negatives = sample_negatives(rng, example.positives, example.pool)
    index = np.concatenate([example.positives, negatives], axis=1)
    inputs = example.inputs
    if inputs is None:
        inputs = _inputs(example.graph, index, example.config)
    labels = torch.cat([torch.ones(example.positives.shape[1]), torch.zeros(negatives.shape[1])])
    return loss_fn(model(example.x, example.edges, torch.from_numpy(index), inputs), labels)


def new_torch_model(config: Mapping[str, Any], weights: GraphWeights | None = None) -> Any:
    """The torch link model of ``config``, holding ``weights`` when given (imports torch)."""
    import torch

    model = _link_model_class()(
        len(config["feature_names"]),
        int(config["hidden"]),
        int(config["layers"]),
        pair_width(config),
    )
    if weights is not None:
        state = {key: torch.from_numpy(np.array(value)) for key, value in weights.arrays.items()}
        model.load_state_dict(state, strict=True)
    return model


def export_weights(model: Any, config: Mapping[str, Any]) -> GraphWeights:
    """The torch model's parameters as float32 numpy arrays named as in its ``state_dict``."""
    arrays = {
        key: value.detach().cpu().numpy().astype(np.float32, copy=True)
        for key, value in model.state_dict().items()
    }
    if arrays.keys() != weight_shapes(config).keys():
        raise RuntimeError("the torch model's parameters are not those the numpy model reads")
    return GraphWeights(arrays, dict(config))


def torch_forward(
    weights: GraphWeights, graph: HomeGraph, pairs: Sequence[Pair]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """Node embeddings and pair probabilities computed by torch (what the numpy forward is
    checked against; all pairs must name nodes)."""
    import torch

    model = new_torch_model(weights.config, weights)
    model.eval()
    x, edges = _tensors(graph)
    index = graph.pair_index(pairs)
    if (index < 0).any():
        raise ValueError("a pair names an entity that is not a node")
    inputs = _inputs(graph, index, weights.config)
    with torch.no_grad():
        h = model.encode(x, edges)
        logits = model(x, edges, torch.from_numpy(index), inputs)
    return h.numpy().astype(np.float32), torch.sigmoid(logits.double()).numpy()
