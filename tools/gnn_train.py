"""Pretraining the graph model and fitting its blend: ``scripts/train --only gnn``.

**Training set, without circularity.** A positive is a pair someone automated
(:mod:`tools.gnn_samples`): the owners' pairs of the real *training* homes (several draws
with half of the automations known and the other half's pairs the targets, and one draw with
nothing known: a new user) and the planted synergies nobody automated of synthetic homes of
:data:`SYNTHETIC_SEED` — a corpus seed no evaluation uses — at 0, 7 and 30 days of history,
with the miner's co-activity as edges where there is history. Negatives are drawn from the
home's pair space (:func:`~tools.gnn_samples.pair_space`): uniform pairs and pairs of a
positive's trigger with another action, never a known pair or a target. The taxonomy's and
the miner's output are never labels. The nodes are those the integration's graph has
(every entity that can trigger or be acted on); the ``automated`` edges are the example's
known pairs, never its targets.

**Blend.** The graph model's probability joins the bundled synergy ranker's
(:mod:`custom_components.homeiq.core.graph.blend`) with one logistic regression per history
regime (0 days, up to 7, longer) of the label on ``[logit(ranker), logit(graph)]`` over the
taxonomy candidates the integration ranks (:func:`~custom_components.homeiq.core.synergy.
find_candidates`, automated pairs left out, one row per pair) of the training homes — the
real ones for the 0-day regime, the synthetic ones for all. The graph scores it reads are
out of fold: the training homes are split in two by home (:func:`home_fold`), a model
trained on one half scores the other. The regression's lift is measured the same way: fitted
on one half, the MRR of the first target among the other half's candidates, blend against
the ranker alone; a regime whose lift is under :data:`MIN_LIFT` (or whose graph weight is
not positive) is marked unused. **Proposals** (:mod:`custom_components.homeiq.core.graph.
propose`) are fitted per regime the same way: of each example's pairs no rule expresses
(neither a candidate nor known), the best :data:`~custom_components.homeiq.core.graph.
propose.PROPOSALS` by the out-of-fold graph score, a logistic regression of the label on
``logit(graph)``; kept where, fitted on one half, they raise the other half's MRR of the
first target (candidates and proposals ranked together against the candidates alone) by
:data:`MIN_LIFT` and their weight is positive. That lift is against no proposals at all:
any proposal finds some targets the taxonomy cannot, so the evaluation's fair comparison is
the baseline proposing the same way. **Which model** (:func:`choose_models`): the same fits
are made with the non-graph pair model's out-of-fold scores in place of the graph model's,
for the candidates and for the proposals; per regime the candidates blend with the model of
the larger held-out lift (the graph model only where it beat the pair model) and, with that
blend, the proposals come from the model whose proposals lifted more. Then the model is
trained on every example and written with the blend to ``custom_components/homeiq/models/
gnn/``, and the pair model to ``models/pairs`` where a regime uses it.

**Baseline.** :func:`fit_pair_baseline` is the learned non-graph model the evaluation sets
next to the graph model: gradient boosting on the same node features of both ends and pair
features the graph model's scorer reads (same area, device, floor, co-activity; the node
features hold the known pairs' degrees and the area sizes), on the same
examples with the same negatives and the same weight per home.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
import hashlib
import importlib
import importlib.util
import math
from pathlib import Path
import shutil
import time
from typing import Any, Final
import zlib

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.graph import (
    GraphModel,
    GraphWeights,
    HomeGraph,
    TextEmbedder,
    build_graph,
    coactive_pairs,
    write_bundled_graph,
)
from custom_components.homeiq.core.graph.blend import (
    PROPOSERS,
    Blend,
    Regime,
    blended,
    learned_scores,
    logit,
)
from custom_components.homeiq.core.graph.build import pair_nodes
from custom_components.homeiq.core.graph.pairs import (
    PAIR_INPUT_NAMES,
    PAIR_MODEL,
    pair_feature_names,
    pair_features,
)
from custom_components.homeiq.core.graph.propose import (
    PROPOSALS,
    best_proposals,
    proposal_pool,
    proposal_tie,
)
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.ml.models import DeployedModel, write_bundled
from custom_components.homeiq.core.ml.registry import ModelInfo
from custom_components.homeiq.core.ml.trees import export_ensemble
from custom_components.homeiq.core.synergy import Candidate, find_candidates, score_candidates
from custom_components.homeiq.core.synergy.ranking import automated_pairs, best_per_pair, tie_break
from tools.gnn_samples import (
    LinkHome,
    pair_space,
    real_training_homes,
    synthetic_link_home,
)
from tools.realconfigs import RealHome
from tools.synthetic import SyntheticHome, generate_corpus

type Pair = tuple[str, str]
type Floats = npt.NDArray[np.float64]
type Ints = npt.NDArray[np.int64]

SYNTHETIC_SEED: Final = 6  # corpus seed of the synthetic training homes (no evaluation uses it)
SYNTHETIC_HOMES: Final = 120
SYNTHETIC_DAYS: Final = (0, 7, 30)
REAL_SEEDS: Final = (1, 2)  # half-known draws per real training home (and one cold)
UNIFORM_NEGATIVES: Final = 3  # per positive, uniform from the pair space
SAME_TRIGGER_NEGATIVES: Final = 3  # per positive, its trigger with another action
FOLDS: Final = 2
# A home's first day counts as no history (the no-history examples have 0 days; a new
# install's recorder has minutes or hours, not the daily patterns the miner counts).
REGIME_MAX_DAYS: Final = (1.0, 7.0, math.inf)
MIN_LIFT: Final = 0.01
GAIN_SOURCE: Final = "real"  # the examples whose lift decides whether proposals are kept
# Added to the proposals' fitted logit, the one with the best held-out lift kept: the score
# is fitted on the proposals alone, and how they should rank against the candidates is what
# counts (tools.gnn_proposals --offsets on the training homes: 0 was not the best).
PROPOSAL_OFFSETS: Final = (0.0, 0.5, 1.0, 1.5, 2.0)
EPOCHS: Final = 80
SYNTHETIC_BATCH: Final = 5  # synthetic examples per union graph in training
BUDGET_S: Final = 240.0
HIDDEN: Final = 32
LAYERS: Final = 2
# Adam's L2 penalty: 1e-4 let the model learn the training homes by heart (training loss
# 0.06, development hits@10 0-10); 0.01 generalises (tools.gnn_dev, README), 0.05 too much.
WEIGHT_DECAY: Final = 0.01
BATCH: Final = 8  # training examples per Adam step (real homes and unions of synthetic ones)
CHUNK: Final = 50_000  # pairs scored at once (a home's pair space can hold a million)
NAMES_MODULE: Final = "custom_components.homeiq.core.names"


def name_embedder() -> TextEmbedder | None:
    """The integration's bundled name embedder when this checkout has one (``core.names``),
    else ``None``: the graphs then have no name columns."""
    if importlib.util.find_spec(NAMES_MODULE) is None:
        return None
    embedder: TextEmbedder | None = importlib.import_module(NAMES_MODULE).bundled_embedder()
    return embedder


# --- examples --------------------------------------------------------------------------


def home_fold(name: str, folds: int = FOLDS) -> int:
    """The internal fold of a training home, fixed by its name (every draw and history
    length of one home in the same fold)."""
    return zlib.crc32(f"homeiq-gnn-fold|{name}".encode()) % folds


def tie_code(key: str) -> int:
    """An int64 order equal to the order of the key's SHA-256 hex digest (its first 15
    digits): ties broken stably and arbitrarily, as the synergy ranking does."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)


def pair_tie_codes(pairs: Sequence[Pair]) -> Ints:
    """:func:`tie_code` of each pair (``trigger|action``)."""
    return np.array([tie_code(f"{t}|{a}") for t, a in pairs], dtype=np.int64)


def ranking_order(scores: npt.ArrayLike, ties: Ints) -> Ints:
    """Indexes by descending score, equal scores by ascending tie code."""
    values = np.asarray(scores, dtype=np.float64)
    order: Ints = np.lexsort((ties, -values)).astype(np.int64)
    return order


@dataclass(frozen=True, slots=True)
class CandidateRows:
    """An example's taxonomy candidates as the integration ranks them: automated pairs left
    out, one row per pair (its best candidate by the ranker), with the ranker's probability
    and the best prior of the pair's candidates (``rules``), and the candidate's tie-break
    order; notification pairs have ``notify`` as action."""

    pairs: tuple[Pair, ...]
    ranker: Floats
    rules: Floats
    ties: Ints


def candidate_rows(
    home: Home,
    candidates: Sequence[Candidate],
    ranker: DeployedModel | None,
    *,
    notifications: bool = True,
) -> CandidateRows:
    """The rows of the home's ``candidates`` (found on ``home``) the rankings read; the
    ``rules`` of a pair is its best candidate's prior. Notification pairs only with
    ``notifications``."""
    automated = automated_pairs(home)
    fresh = [
        c
        for c in candidates
        if c.pair not in automated and (notifications or c.effect_id is not None)
    ]
    scores = score_candidates(fresh, None if ranker is None else ranker.ensemble)
    best = best_per_pair(fresh, scores["combined"].tolist())
    rules: dict[Pair, float] = {}
    for candidate, prior in zip(fresh, scores["rules"].tolist(), strict=True):
        rules[candidate.pair] = max(prior, rules.get(candidate.pair, 0.0))
    pairs = tuple(fresh[i].pair for i in best)
    return CandidateRows(
        pairs=pairs,
        ranker=np.asarray(scores["combined"][best], dtype=np.float64),
        rules=np.array([rules[p] for p in pairs], dtype=np.float64),
        ties=np.array([int(tie_break(fresh[i])[:15], 16) for i in best], dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One training home at one history length: its graph, the positives (targets in the
    pair space), the negatives drawn from the pair space, and its candidates."""

    name: str
    source: str
    days: float
    fold: int
    graph: HomeGraph
    known: frozenset[Pair]
    positives: tuple[Pair, ...]
    negatives: tuple[Pair, ...]
    candidates: CandidateRows

    @property
    def targets(self) -> frozenset[Pair]:
        """The pairs to find."""
        return frozenset(self.positives)


def link_graph(
    link: LinkHome, candidates: Sequence[Candidate], embedder: TextEmbedder | None
) -> HomeGraph:
    """The graph of an example as the integration builds it (nodes: :func:`~custom_components.
    homeiq.core.graph.build.pair_nodes`), the known pairs as ``automated`` edges and the
    miner's co-active pairs among ``candidates``."""
    return build_graph(
        link.home,
        embedder=embedder,
        co_activity=coactive_pairs(candidates),
        known_pairs=link.known,
        entity_ids=pair_nodes(link.home),
    )


def sample_negatives(
    rng: np.random.Generator,
    space: Sequence[Pair],
    positives: Sequence[Pair],
    excluded: frozenset[Pair] | set[Pair],
    *,
    uniform: int = UNIFORM_NEGATIVES,
    same_trigger: int = SAME_TRIGGER_NEGATIVES,
) -> list[Pair]:
    """Negatives of an example from its pair space: ``uniform`` pairs per positive drawn
    uniformly and ``same_trigger`` pairs per positive of its trigger with another action of
    the space; never a pair of ``excluded`` (positives and known pairs), each pair once."""
    if not space or not positives:
        return []
    actions = sorted({a for _, a in space})
    out: dict[Pair, None] = {}
    for index in rng.integers(len(space), size=uniform * len(positives)).tolist():
        pair = space[index]
        if pair not in excluded:
            out[pair] = None
    picks = rng.integers(len(actions), size=same_trigger * len(positives)).tolist()
    triggers = [t for t, _ in positives for _ in range(same_trigger)]
    for trigger, index in zip(triggers, picks, strict=True):
        pair = (trigger, actions[index])
        if pair[1] != trigger and pair not in excluded:
            out[pair] = None
    return list(out)


def make_example(
    link: LinkHome,
    days: float,
    *,
    ranker: DeployedModel | None,
    embedder: TextEmbedder | None,
    seed: int,
    draw: int = 0,
) -> TrainingExample | None:
    """The training example of ``link`` (``None`` when no target is in its pair space)."""
    space = pair_space(link.home)
    in_space = set(space)
    positives = sorted(link.targets & in_space)
    if not positives:
        return None
    candidates = find_candidates(link.home)
    rng = np.random.default_rng([seed, zlib.crc32(link.name.encode()), int(days), draw])
    negatives = sample_negatives(rng, space, positives, link.targets | link.known)
    return TrainingExample(
        name=link.name,
        source=link.source,
        days=days,
        fold=home_fold(link.name),
        graph=link_graph(link, candidates, embedder),
        known=link.known,
        positives=tuple(positives),
        negatives=tuple(negatives),
        candidates=candidate_rows(link.home, candidates, ranker),
    )


def synthetic_training_corpus(n_homes: int, seed: int = SYNTHETIC_SEED) -> list[SyntheticHome]:
    """The synthetic training homes (30 days each)."""
    return generate_corpus(n_homes, seed, days=max(SYNTHETIC_DAYS))


def training_examples(
    real_homes: Sequence[RealHome],
    synthetic: Sequence[SyntheticHome],
    *,
    ranker: DeployedModel | None,
    embedder: TextEmbedder | None,
    real_seeds: Sequence[int] = REAL_SEEDS,
    days: Sequence[float] = SYNTHETIC_DAYS,
    seed: int = 0,
) -> list[TrainingExample]:
    """Every training example: the real *training* homes (validation homes are never read)
    with each of ``real_seeds`` and nothing known, the ``synthetic`` homes at each of
    ``days``."""
    out: list[TrainingExample] = []
    for draw, link in enumerate(real_training_homes(real_homes, real_seeds, cold=True)):
        example = make_example(link, 0.0, ranker=ranker, embedder=embedder, seed=seed, draw=draw)
        if example is not None:
            out.append(example)
    for index, home in enumerate(synthetic):
        for length in days:
            link = synthetic_link_home(home, f"synthetic-{index}", length)
            example = make_example(link, length, ranker=ranker, embedder=embedder, seed=seed)
            if example is not None:
                out.append(example)
    return out


# --- the graph model -------------------------------------------------------------------


def union_example(
    examples: Sequence[TrainingExample],
) -> tuple[HomeGraph, list[Pair], list[Pair]]:
    """Several examples as one training example: the disjoint union of their graphs (node
    ``k/<entity id>`` for the ``k``-th example) with their positives and negatives."""
    first = examples[0].graph
    node_ids: list[str] = []
    features = []
    edges: dict[str, list[Ints]] = {edge_type: [] for edge_type in first.edges}
    positives: list[Pair] = []
    negatives: list[Pair] = []
    offset = 0
    for k, example in enumerate(examples):
        graph = example.graph
        node_ids += [f"{k}/{node}" for node in graph.node_ids]
        features.append(graph.features)
        for edge_type, edge_index in graph.edges.items():
            edges[edge_type].append(edge_index + offset)
        offset += graph.n_nodes
        positives += [(f"{k}/{t}", f"{k}/{a}") for t, a in example.positives]
        negatives += [(f"{k}/{t}", f"{k}/{a}") for t, a in example.negatives]
    union = HomeGraph(
        node_ids=tuple(node_ids),
        index={node: i for i, node in enumerate(node_ids)},
        features=np.vstack(features),
        feature_names=first.feature_names,
        groups=first.groups,
        edges={t: np.concatenate(parts, axis=1) for t, parts in edges.items()},
    )
    return union, positives, negatives


def pretrain(
    examples: Sequence[TrainingExample],
    *,
    epochs: int = EPOCHS,
    budget_s: float = BUDGET_S,
    seed: int = 0,
    hidden: int = HIDDEN,
    layers: int = LAYERS,
    threads: int = 1,
    synthetic_batch: int = SYNTHETIC_BATCH,
    batch: int | None = BATCH,
    learning_rate: float = 0.01,
    weight_decay: float = WEIGHT_DECAY,
    dropout: float = 0.0,
) -> GraphWeights:
    """The link model trained on ``examples`` (imports torch; blocking). Each real example
    weighs as one home; the small synthetic ones go in unions of ``synthetic_batch``
    examples (one torch step per example costs more than their graphs)."""
    from custom_components.homeiq.core.graph.training import train_link_model

    real = [(e.graph, e.positives, e.negatives) for e in examples if e.source != "synthetic"]
    synthetic = [e for e in examples if e.source == "synthetic"]
    batches = [
        union_example(synthetic[i : i + synthetic_batch])
        for i in range(0, len(synthetic), synthetic_batch)
    ]
    return train_link_model(
        [*real, *batches],
        epochs=epochs,
        budget_s=budget_s,
        seed=seed,
        hidden=hidden,
        layers=layers,
        threads=threads,
        batch=batch,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        dropout=dropout,
    )


def graph_scores(model: GraphModel, graph: HomeGraph, pairs: Sequence[Pair]) -> Floats:
    """The graph model's probability of each pair (NaN where a pair names no node), the
    graph encoded once and the pairs scored :data:`CHUNK` at a time."""
    embeddings = model.encode(graph)
    parts = [
        model.score(graph, pairs[i : i + CHUNK], embeddings) for i in range(0, len(pairs), CHUNK)
    ]
    return np.concatenate(parts) if parts else np.empty(0)


# --- the non-graph baseline ------------------------------------------------------------

# The pair inputs the baseline reads after both ends' node features (core.graph.pairs).
PAIR_FEATURE_NAMES: Final = PAIR_INPUT_NAMES


@dataclass(frozen=True, slots=True)
class PairBaseline:
    """The fitted non-graph baseline (a scikit-learn classifier: evaluation only). With
    ``extra``, its rows end in that column of each pair (a development study: the graph
    model's logit, :mod:`tools.gnn_dev` ``--stack``)."""

    classifier: Any
    threads: int = 1
    extra: Callable[[HomeGraph, Sequence[Pair]], Floats] | None = None

    def rows(self, graph: HomeGraph, pairs: Sequence[Pair]) -> Any:
        """The classifier's rows of ``pairs``."""
        features = pair_features(graph, pairs)
        if self.extra is None:
            return features
        return np.column_stack([features, self.extra(graph, pairs)])

    def predict(self, graph: HomeGraph, pairs: Sequence[Pair]) -> Floats:
        """The probability of each pair, :data:`CHUNK` pairs at a time."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.threads):
            parts = [
                self.classifier.predict_proba(self.rows(graph, pairs[i : i + CHUNK]))
                for i in range(0, len(pairs), CHUNK)
            ]
        return np.concatenate([p[:, 1] for p in parts]).astype(np.float64) if parts else np.empty(0)


BASELINE_PARAMS: Final[Mapping[str, float]] = {
    "max_iter": 200,
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "l2_regularization": 1.0,
}


def fit_pair_baseline(
    examples: Sequence[TrainingExample],
    *,
    seed: int = 0,
    threads: int = 1,
    extra: Callable[[HomeGraph, Sequence[Pair]], Floats] | None = None,
    extra_columns: Sequence[Floats] | None = None,
    params: Mapping[str, float] | None = None,
) -> PairBaseline:
    """Gradient boosting on :func:`pair_features` of the examples' positives and negatives,
    every example weighing the same, on ``threads`` threads (imports scikit-learn), with
    :data:`BASELINE_PARAMS` (``params`` override some: a development study). With
    ``extra``, every row ends in one more column: ``extra`` of the pairs at predict time,
    and at fit time each example's ``extra_columns`` entry (scores of its positives, then
    negatives; default: ``extra`` of them)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    rows, labels, weights = [], [], []
    for i, e in enumerate(examples):
        pairs = [*e.positives, *e.negatives]
        features = pair_features(e.graph, pairs)
        if extra is not None:
            column = extra(e.graph, pairs) if extra_columns is None else extra_columns[i]
            features = np.column_stack([features, column])
        rows.append(features)
        labels.append(
            np.r_[np.ones(len(e.positives), np.int64), np.zeros(len(e.negatives), np.int64)]
        )
        weights.append(np.full(len(pairs), 1.0 / len(pairs)))
    weight = np.concatenate(weights)
    classifier = HistGradientBoostingClassifier(
        **{**BASELINE_PARAMS, **dict(params or {})}, early_stopping=False, random_state=seed
    )
    with threadpool_limits(limits=threads):
        classifier.fit(
            np.vstack(rows), np.concatenate(labels), sample_weight=weight / weight.mean()
        )
    return PairBaseline(classifier, threads, extra)


# --- the blend -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlendExample:
    """One example's candidate rows for the blend: the ranker's probability, the other
    model's (graph or baseline; NaN where it has none), the labels and tie order."""

    name: str
    fold: int
    days: float
    ranker: Floats
    other: Floats
    labels: npt.NDArray[np.bool_]
    ties: Ints
    source: str = "real"
    # The pairs the other model would propose (:func:`example_proposals`): its scores,
    # labels and tie order (empty: none).
    pool_other: Floats = field(default_factory=lambda: np.empty(0))
    pool_labels: npt.NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, np.bool_))
    pool_ties: Ints = field(default_factory=lambda: np.empty(0, np.int64))


def example_pool(example: TrainingExample) -> list[Pair]:
    """The pairs of the example the graph model may propose: every pair of its graph with a
    generic rule that is neither a candidate nor known, as the integration chooses them."""
    excluded = set(example.candidates.pairs) | example.known
    return proposal_pool(example.graph.node_ids, excluded)


def example_proposals(
    example: TrainingExample, pool: Sequence[Pair], scores: Floats, count: int = PROPOSALS
) -> tuple[list[Pair], Floats]:
    """The ``count`` best pairs of the example's ``pool`` by ``scores`` and their scores."""
    best = best_proposals(pool, scores, count)
    return [pool[i] for i in best], np.asarray(scores, dtype=np.float64)[best]


def blend_example(
    example: TrainingExample,
    other: Floats,
    pool_scores: Floats | None = None,
    count: int = PROPOSALS,
    pool: Sequence[Pair] | None = None,
) -> BlendExample:
    """The blend rows of a training example with the other model's scores of its
    candidates and (``pool_scores``, of ``pool``: :func:`example_pool` unless given) of the
    ``count`` pairs it would propose."""
    rows = example.candidates
    targets = example.targets
    proposed: list[Pair] = []
    proposed_scores = np.empty(0)
    if pool_scores is not None:
        pool = example_pool(example) if pool is None else pool
        proposed, proposed_scores = example_proposals(example, pool, pool_scores, count)
    return BlendExample(
        name=example.name,
        fold=example.fold,
        days=example.days,
        ranker=rows.ranker,
        other=np.asarray(other, dtype=np.float64),
        labels=np.array([p in targets for p in rows.pairs], dtype=np.bool_),
        ties=rows.ties,
        source=example.source,
        pool_other=proposed_scores,
        pool_labels=np.array([p in targets for p in proposed], dtype=np.bool_),
        pool_ties=np.array([proposal_tie(p) for p in proposed], dtype=np.int64),
    )


def regime_of(days: float, max_days: Sequence[float] = REGIME_MAX_DAYS) -> int:
    """The index of the regime of a home with ``days`` of history."""
    return next((i for i, limit in enumerate(max_days) if days <= limit), len(max_days) - 1)


def first_hit_rr(scores: Floats, ties: Ints, labels: npt.NDArray[np.bool_]) -> float:
    """1 / the rank of the first labelled row in the order of ``scores`` (0 if none)."""
    hits = np.flatnonzero(labels[ranking_order(scores, ties)])
    return 1.0 / (hits[0] + 1) if hits.size else 0.0


def _fit_logistic(
    xs: Sequence[Floats], ys: Sequence[npt.NDArray[np.bool_]]
) -> tuple[float, ...] | None:
    """(bias, weights …) of a logistic regression of the labels on the rows, each example's
    rows (one matrix of ``xs``) weighing the same; None without both labels."""
    from sklearn.linear_model import LogisticRegression

    kept = [(x, y) for x, y in zip(xs, ys, strict=True) if len(y)]
    if not kept:
        return None
    y = np.concatenate([y for _, y in kept])
    if y.all() or not y.any():
        return None
    weight = np.concatenate([np.full(len(y), 1.0 / len(y)) for _, y in kept])
    fitted = LogisticRegression(C=1.0, max_iter=1000)
    fitted.fit(np.vstack([x for x, _ in kept]), y, sample_weight=weight / weight.mean())
    return (float(fitted.intercept_[0]), *(float(w) for w in fitted.coef_[0]))


def _logistic(examples: Sequence[BlendExample]) -> tuple[float, float, float] | None:
    """(bias, w_ranker, w_other) of a logistic regression of the label on the logits, rows
    with an ``other`` score only, each example weighing the same; None without both
    labels."""
    xs, ys = [], []
    for e in examples:
        keep = np.isfinite(e.other)
        xs.append(np.column_stack([logit(e.ranker[keep]), logit(e.other[keep])]))
        ys.append(e.labels[keep])
    fitted = _fit_logistic(xs, ys)
    return None if fitted is None else (fitted[0], fitted[1], fitted[2])


def _learned_logistic(examples: Sequence[BlendExample]) -> tuple[float, float] | None:
    """(learned_bias, learned_w_gnn): the proposals' label on ``logit(other)``."""
    fitted = _fit_logistic(
        [logit(e.pool_other).reshape(-1, 1) for e in examples], [e.pool_labels for e in examples]
    )
    return None if fitted is None else (fitted[0], fitted[1])


def fit_regime(
    examples: Sequence[BlendExample],
    max_days: float,
    *,
    min_lift: float = MIN_LIFT,
    offsets: Sequence[float] = PROPOSAL_OFFSETS,
) -> tuple[Regime, dict[str, Any]]:
    """The regime's weights on all ``examples`` and its lift: for each fold, the weights
    fitted on the other folds rank the fold's candidates; lift = MRR of the first target
    (blend) - MRR (ranker alone), over the examples with a target among their candidates.
    Then the proposals (:func:`fit_proposals`)."""
    weights = _logistic(examples)
    figures: dict[str, Any] = {
        "examples": len(examples),
        "rows": int(sum(e.labels.size for e in examples)),
        "positives": int(sum(e.labels.sum() for e in examples)),
    }
    if weights is None:
        regime = Regime(max_days, used=False)
        figures["reason"] = "no positive and negative"
    else:
        held_out: list[tuple[str, float, float]] = []  # (source, ranker RR, blend RR)
        for fold in sorted({e.fold for e in examples}):
            fitted = _logistic([e for e in examples if e.fold != fold])
            if fitted is None:
                continue
            fold_regime = Regime(max_days, True, *fitted)
            for e in examples:
                if e.fold != fold or not e.labels.any():
                    continue
                held_out.append(
                    (
                        e.source,
                        first_hit_rr(e.ranker, e.ties, e.labels),
                        first_hit_rr(blended(e.ranker, e.other, fold_regime), e.ties, e.labels),
                    )
                )
        ranked_rr, blended_rr = [r for _, r, _ in held_out], [b for _, _, b in held_out]
        lift = float(np.mean(blended_rr) - np.mean(ranked_rr)) if ranked_rr else None
        used = lift is not None and lift >= min_lift and weights[2] > 0
        regime = Regime(max_days, used, *weights, lift=None if lift is None else round(lift, 4))
        figures.update(_held_out_figures(held_out))
        figures["by_source"] = {
            source: _held_out_figures([h for h in held_out if h[0] == source])
            for source in sorted({h[0] for h in held_out})
        }
    regime, figures["proposals"] = fit_proposals(
        examples, regime, min_lift=min_lift, offsets=offsets
    )
    return regime, figures


def candidate_ranking(e: BlendExample, regime: Regime) -> Floats:
    """The scores the example's candidates rank by in ``regime`` (the blend where used)."""
    return blended(e.ranker, e.other, regime)


def merged_labels(e: BlendExample, regime: Regime) -> npt.NDArray[np.bool_]:
    """The labels of the example's candidates and the regime's proposals (of ``e.pool_*``)
    in the order the integration ranks them together."""
    chosen = slice(0, regime.proposals)
    scores = np.concatenate(
        [candidate_ranking(e, regime), learned_scores(e.pool_other[chosen], regime)]
    )
    ties = np.concatenate([e.ties, e.pool_ties[chosen]])
    merged = np.concatenate([e.labels, e.pool_labels[chosen]])
    return np.asarray(merged[ranking_order(scores, ties)], dtype=np.bool_)


def merged_rr(e: BlendExample, regime: Regime) -> float:
    """1 / the rank of the first target when the regime's proposals join its candidates
    (:func:`merged_labels`; 0 if none)."""
    hits = np.flatnonzero(merged_labels(e, regime))
    return 1.0 / (hits[0] + 1) if hits.size else 0.0


def proposing(
    regime: Regime, count: int, learned: tuple[float, float], offset: float = 0.0
) -> Regime:
    """``regime`` proposing ``count`` pairs scored by the ``learned`` (bias, weight) with
    ``offset`` added to the bias."""
    return replace(
        regime, proposals=count, learned_bias=learned[0] + offset, learned_w_gnn=learned[1]
    )


def fit_proposals(
    examples: Sequence[BlendExample],
    regime: Regime,
    *,
    min_lift: float = MIN_LIFT,
    count: int = PROPOSALS,
    offsets: Sequence[float] = PROPOSAL_OFFSETS,
) -> tuple[Regime, dict[str, Any]]:
    """``regime`` with its proposals: the score of the proposed pairs fitted on all
    ``examples`` (:func:`_learned_logistic`) plus one of ``offsets``, and their lift,
    measured as the blend's: for each fold, fitted on the other folds, MRR of the first
    target with the proposals among the candidates - without them, over the examples with a
    target in either. An offset qualifies when no source loses more than ``min_lift``
    (synthetic homes' targets are planted taxonomy pairs, so they can show that proposals
    push good candidates down, never that they find anything); of those, the one with the
    best lift on the real homes (:data:`GAIN_SOURCE`; on all examples where there are none)
    is kept, the smaller on a tie. Proposals are kept (``count``) only with a positive
    weight and that lift ``min_lift`` or more."""
    figures: dict[str, Any] = {
        "rows": int(sum(e.pool_labels.size for e in examples)),
        "positives": int(sum(e.pool_labels.sum() for e in examples)),
    }
    weights = _learned_logistic(examples)
    if weights is None:
        return regime, {**figures, "reason": "no positive and negative"}
    # For each offset: (source, candidates RR, with proposals) of every held-out example.
    by_offset: dict[float, list[tuple[str, float, float]]] = {o: [] for o in offsets}
    for fold in sorted({e.fold for e in examples}):
        fitted = _learned_logistic([e for e in examples if e.fold != fold])
        if fitted is None:
            continue
        for e in examples:
            if e.fold != fold or not (e.labels.any() or e.pool_labels.any()):
                continue
            alone = first_hit_rr(candidate_ranking(e, regime), e.ties, e.labels)
            for offset in offsets:
                trial = proposing(regime, count, fitted, offset)
                by_offset[offset].append((e.source, alone, merged_rr(e, trial)))
    scored = {o: _proposal_lifts(h) for o, h in by_offset.items()}
    decisive: dict[float, float] = {
        o: -math.inf if (v := scored[o][0]) is None else v for o in offsets
    }
    qualified = [o for o in offsets if all(v >= -min_lift for v in scored[o][1].values())]
    offset = max(qualified, key=lambda o: (decisive[o], -o), default=offsets[0])
    lift, held_out = scored[offset][0], by_offset[offset]
    kept = bool(qualified) and lift is not None and lift >= min_lift and weights[1] > 0
    figures["offset"] = offset
    figures["lift_by_offset"] = {
        f"{o:g}": None if math.isinf(v) else round(v, 4) for o, v in decisive.items()
    }
    names = ("candidates", "with_proposals")
    figures.update(_held_out_figures(held_out, names))
    figures["by_source"] = {
        source: _held_out_figures([h for h in held_out if h[0] == source], names)
        for source in sorted({h[0] for h in held_out})
    }
    return replace(
        regime,
        proposals=count if kept else 0,
        learned_bias=weights[0] + offset,
        learned_w_gnn=weights[1],
        proposal_lift=None if lift is None else round(lift, 4),
    ), figures


def _proposal_lifts(
    held_out: Sequence[tuple[str, float, float]],
) -> tuple[float | None, dict[str, float]]:
    """The lift that decides (:data:`GAIN_SOURCE`'s, else all examples') and each source's:
    mean RR with the proposals - without them."""
    lifts = {
        source: float(np.mean([m - a for s, a, m in held_out if s == source]))
        for source in sorted({h[0] for h in held_out})
    }
    overall = float(np.mean([m - a for _, a, m in held_out])) if held_out else None
    return lifts.get(GAIN_SOURCE, overall), lifts


def _held_out_figures(
    held_out: Sequence[tuple[str, float, float]], names: tuple[str, str] = ("ranker", "blend")
) -> dict[str, Any]:
    """The held-out examples' count and mean reciprocal ranks of the two rankings compared
    (``names``: the ranker alone and the blend, by default)."""
    out: dict[str, Any] = {"held_out_examples": len(held_out)}
    for column, name in enumerate(names, start=1):
        out[f"held_out_mrr_{name}"] = (
            round(float(np.mean([h[column] for h in held_out])), 4) if held_out else None
        )
    return out


def fit_blend(
    examples: Sequence[BlendExample],
    *,
    max_days: Sequence[float] = REGIME_MAX_DAYS,
    min_lift: float = MIN_LIFT,
    offsets: Sequence[float] = PROPOSAL_OFFSETS,
) -> tuple[Blend, dict[str, Any]]:
    """One regime per ``max_days`` fitted on the examples of that history length."""
    regimes, figures = [], {}
    for i, limit in enumerate(max_days):
        chosen = [e for e in examples if regime_of(e.days, max_days) == i]
        regime, fit = fit_regime(chosen, limit, min_lift=min_lift, offsets=offsets)
        regimes.append(regime)
        figures[regime_name(limit)] = fit
    return Blend(tuple(regimes)), figures


def regime_name(max_days: float) -> str:
    """``day_one``, ``to_7_days``, ``longer``: how the figures name a regime."""
    if math.isinf(max_days):
        return "longer"
    if max_days <= 1:
        return "0_days" if max_days == 0 else "day_one"
    return f"to_{max_days:g}_days"


def out_of_fold[T](
    examples: Sequence[TrainingExample],
    fit: Callable[[list[TrainingExample]], Any],
    score: Callable[[Any, TrainingExample], T],
) -> list[T]:
    """Each example's scores from the model fitted on the other folds' examples."""
    out: dict[int, T] = {}
    for fold in sorted({e.fold for e in examples}):
        model = fit([e for e in examples if e.fold != fold])
        for i, e in enumerate(examples):
            if e.fold == fold:
                out[i] = score(model, e)
    return [out[i] for i in range(len(examples))]


def fitted_blend(
    examples: Sequence[TrainingExample],
    fit: Callable[[list[TrainingExample]], Any],
    score: Callable[[Any, TrainingExample], Floats],
    pair_score: Callable[[Any, HomeGraph, Sequence[Pair]], Floats] | None = None,
) -> tuple[Blend, dict[str, Any]]:
    """The blend of the ranker and the model ``fit`` trains, on out-of-fold scores of the
    examples' candidates and (with ``pair_score``, the model's probability of any pairs)
    of the pairs it would propose."""

    def both(model: Any, e: TrainingExample) -> tuple[Floats, list[Pair], Floats | None]:
        if pair_score is None:
            return score(model, e), [], None
        pool = example_pool(e)
        return score(model, e), pool, pair_score(model, e.graph, pool)

    scores = out_of_fold(examples, fit, both)
    return fit_blend(
        [blend_example(e, c, s, pool=p) for e, (c, p, s) in zip(examples, scores, strict=True)]
    )


def gnn_candidate_scores(weights: GraphWeights, example: TrainingExample) -> Floats:
    """The graph model's probability of each of the example's candidate pairs."""
    return graph_scores(GraphModel(weights), example.graph, example.candidates.pairs)


def baseline_candidate_scores(baseline: PairBaseline, example: TrainingExample) -> Floats:
    """The baseline's probability of each candidate pair (NaN for a notification)."""
    pairs = example.candidates.pairs
    nodes = example.graph.index
    inside = [i for i, (t, a) in enumerate(pairs) if t in nodes and a in nodes]
    out = np.full(len(pairs), np.nan)
    if inside:
        out[inside] = baseline.predict(example.graph, [pairs[i] for i in inside])
    return out


# --- the bundle ------------------------------------------------------------------------


def example_summary(examples: Sequence[TrainingExample]) -> dict[str, Any]:
    """How many examples, homes and pairs of each source."""
    out: dict[str, Any] = {}
    for source in ("real", "synthetic"):
        chosen = [e for e in examples if e.source == source]
        out[source] = {
            "examples": len(chosen),
            "homes": len({e.name for e in chosen}),
            "positives": sum(len(e.positives) for e in chosen),
            "negatives": sum(len(e.negatives) for e in chosen),
        }
    return out


def held_out_auc(examples: Sequence[TrainingExample], scores: Sequence[Floats]) -> float | None:
    """ROC AUC of out-of-fold scores: the examples' positives against their negatives
    (scores in the order positives, negatives; imports scikit-learn)."""
    from sklearn.metrics import roc_auc_score

    labels = np.concatenate(
        [np.r_[np.ones(len(e.positives)), np.zeros(len(e.negatives))] for e in examples]
    )
    if labels.all() or not labels.any():
        return None
    return float(roc_auc_score(labels, np.concatenate(scores)))


def choose_proposers(graph: Blend, pairs: Blend) -> Blend:
    """The regimes of ``graph`` (the candidates blended with the graph model, its proposals),
    each proposing with the pair model instead where ``pairs`` (the same candidate blend,
    the pair model's proposals) keeps proposals with a larger held-out lift."""
    out = []
    for g, p in zip(graph.regimes, pairs.regimes, strict=True):
        better = p.proposals > 0 and (
            g.proposals == 0 or (p.proposal_lift or 0.0) > (g.proposal_lift or 0.0)
        )
        out.append(
            replace(
                g,
                proposals=p.proposals,
                learned_bias=p.learned_bias,
                learned_w_gnn=p.learned_w_gnn,
                proposal_lift=p.proposal_lift,
                proposer="pairs",
            )
            if better
            else g
        )
    return Blend(tuple(out))


def choose_blenders(graph: Blend, pairs: Blend) -> tuple[str, ...]:
    """Per regime, the model its candidates blend with: ``pairs`` where the candidate blend
    with the pair model is used and lifted the held-out MRR more than the graph model's
    (or that one is not used), else ``graph`` — the graph model takes part only where it
    beat the non-graph model on the training homes."""
    return tuple(
        "pairs" if p.used and (not g.used or (p.lift or 0.0) > (g.lift or 0.0)) else "graph"
        for g, p in zip(graph.regimes, pairs.regimes, strict=True)
    )


def choose_models(
    fits: Mapping[tuple[str, str], tuple[Blend, dict[str, Any]]],
) -> tuple[Blend, dict[str, Any]]:
    """The blend of the four fitted ones (``fits`` by (blender, proposer), each of
    :data:`PROPOSERS`): per regime the blender of :func:`choose_blenders`, then of the two
    blends with that blender the proposer of :func:`choose_proposers`; and the figures of
    the chosen blender's fit with the other's lift and the pair model's proposals."""
    blenders = choose_blenders(fits["graph", "graph"][0], fits["pairs", "pairs"][0])
    regimes, figures = [], {}
    for i, blender in enumerate(blenders):
        by_graph, by_pairs = fits[blender, "graph"], fits[blender, "pairs"]
        one = choose_proposers(
            Blend((by_graph[0].regimes[i],)), Blend((by_pairs[0].regimes[i],))
        ).regimes[0]
        regime = replace(one, blender=blender)
        regimes.append(regime)
        name = regime_name(regime.max_days)
        fit = dict(by_graph[1][name])
        fit["pair_model_proposals"] = by_pairs[1][name]["proposals"]
        fit["blender"] = blender
        fit["lift_by_blender"] = {b: fits[b, b][0].regimes[i].lift for b in PROPOSERS}
        fit["proposer"] = regime.proposer if regime.proposals else None
        figures[name] = fit
    return Blend(tuple(regimes)), figures


def write_pair_model(
    out: Path, baseline: PairBaseline, node_features: Sequence[str], **info: Any
) -> ModelInfo:
    """The fitted pair model as the bundled :data:`~custom_components.homeiq.core.graph.
    pairs.PAIR_MODEL` (numpy trees), for graphs of ``node_features``."""
    return write_bundled(
        out,
        PAIR_MODEL,
        export_ensemble(baseline.classifier),
        pair_feature_names(node_features),
        **info,
    )


def train_gnn_bundle(
    out: Path,
    real_homes: Sequence[RealHome],
    *,
    ranker: DeployedModel | None,
    embedder: TextEmbedder | None = None,
    synthetic_homes: int = SYNTHETIC_HOMES,
    real_seeds: Sequence[int] = REAL_SEEDS,
    epochs: int = EPOCHS,
    budget_s: float = BUDGET_S,
    seed: int = 0,
    threads: int = 1,
) -> dict[str, Any]:
    """Build the examples, fit the blend on out-of-fold graph scores (and the proposals on
    the pair model's too: :func:`choose_proposers`), pretrain on every example and write
    the bundled graph model, and the pair model where a regime proposes with it; return the
    figures."""
    began = time.perf_counter()
    synthetic = synthetic_training_corpus(synthetic_homes)
    examples = training_examples(
        real_homes, synthetic, ranker=ranker, embedder=embedder, real_seeds=real_seeds, seed=seed
    )
    built_s = time.perf_counter() - began

    def fit(chosen: list[TrainingExample]) -> GraphWeights:
        return pretrain(chosen, epochs=epochs, budget_s=budget_s, seed=seed, threads=threads)

    def pair_scores(weights: GraphWeights, e: TrainingExample) -> Floats:
        return graph_scores(GraphModel(weights), e.graph, [*e.positives, *e.negatives])

    folds_began = time.perf_counter()
    fold_models = {fold: fit([e for e in examples if e.fold != fold]) for fold in range(FOLDS)}
    held_out = [pair_scores(fold_models[e.fold], e) for e in examples]
    candidate_scores = [gnn_candidate_scores(fold_models[e.fold], e) for e in examples]
    pools = [example_pool(e) for e in examples]
    pool_scores = [
        graph_scores(GraphModel(fold_models[e.fold]), e.graph, pool)
        for e, pool in zip(examples, pools, strict=True)
    ]
    pair_folds = {
        fold: fit_pair_baseline([e for e in examples if e.fold != fold], seed=seed, threads=threads)
        for fold in range(FOLDS)
    }
    pair_candidate_scores = [baseline_candidate_scores(pair_folds[e.fold], e) for e in examples]
    # Every example's pool is scored, though only the first regime's hold positives (the
    # synthetic homes' planted pairs are taxonomy candidates, never in a pool).
    pair_pool_scores = [
        pair_folds[e.fold].predict(e.graph, pool) if pool else np.empty(0)
        for e, pool in zip(examples, pools, strict=True)
    ]
    by_model = {
        "graph": (candidate_scores, pool_scores),
        "pairs": (pair_candidate_scores, pair_pool_scores),
    }
    fits = {
        (blender, proposer): fit_blend(
            [
                blend_example(e, c, s, pool=p)
                for e, c, s, p in zip(
                    examples, by_model[blender][0], by_model[proposer][1], pools, strict=True
                )
            ]
        )
        for blender in PROPOSERS
        for proposer in PROPOSERS
    }
    blend, blend_figures = choose_models(fits)
    folds_s = time.perf_counter() - folds_began
    weights = fit(examples)
    auc = held_out_auc(examples, held_out)
    metrics = {"held_out_auc": round(auc, 4) if auc is not None else 0.0}
    for regime in blend.regimes:
        metrics[f"lift_{regime_name(regime.max_days)}"] = regime.lift or 0.0
    training = {
        **dict(weights.training),
        "examples": example_summary(examples),
        "fold_epochs": [int(m.training["epochs"]) for m in fold_models.values()],
        "build_s": round(built_s, 1),
        "folds_s": round(folds_s, 1),
        "pretrain_s": float(weights.training["seconds"]),
    }
    info = write_bundled_graph(
        out,
        weights,
        n_samples=sum(len(e.positives) + len(e.negatives) for e in examples),
        metrics=metrics,
        primary_metric="held_out_auc",
        extra={
            "blend": blend.as_dict(),
            "blend_fit": blend_figures,
            "training": training,
            "data": f"real training homes ({len({e.name for e in examples if e.source == 'real'})}"
            f"; half known with seeds {list(real_seeds)} and none known), {synthetic_homes} "
            f"synthetic homes (seed {SYNTHETIC_SEED}) at {list(SYNTHETIC_DAYS)} days; "
            f"negatives from each home's pair space; blend on out-of-fold scores "
            f"({FOLDS} folds by home)",
            "name_embedder": None if embedder is None else type(embedder).__name__,
        },
    )
    pair_model: dict[str, Any] | None = None
    shutil.rmtree(out / PAIR_MODEL, ignore_errors=True)  # none left from an earlier run
    if any(r.uses("pairs") for r in blend.regimes):
        fitted = fit_pair_baseline(examples, seed=seed, threads=threads)
        lifts = {
            **{
                f"lift_{regime_name(r.max_days)}": r.lift or 0.0
                for r in blend.regimes
                if r.used and r.blender == "pairs"
            },
            **{
                f"proposal_lift_{regime_name(r.max_days)}": r.proposal_lift or 0.0
                for r in blend.regimes
                if r.proposals and r.proposer == "pairs"
            },
        }
        written = write_pair_model(
            out,
            fitted,
            examples[0].graph.feature_names,
            n_samples=sum(len(e.positives) + len(e.negatives) for e in examples),
            metrics=lifts,
            primary_metric=next(iter(lifts)),
            extra={
                "params": dict(BASELINE_PARAMS),
                "data": "the graph model's training examples (positives and negatives)",
            },
        )
        pair_model = {"version": written.version, "metrics": lifts}
    return {
        "version": info.version,
        "n_samples": info.n_samples,
        "metrics": metrics,
        "pair_model": pair_model,
        "blend": blend.as_dict(),
        "blend_fit": blend_figures,
        "training": training,
        "seconds": round(time.perf_counter() - began, 1),
    }
