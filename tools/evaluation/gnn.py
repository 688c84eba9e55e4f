"""Graph model section: owners' hidden pairs on real validation homes, planted synergies on
synthetic held-out homes, with and without the graph model.

**Real validation homes** (the part of ``../shared/realconfigs`` no training run reads,
:func:`tools.gnn_samples.split_real_homes`; no history). Each home once with half of its
automations known (drawn by the section's seed) and once with none known (a new user on day
one); the targets are the other automations' entity pairs (:func:`~tools.gnn_samples.
real_link_home`). Over the home's pair space (every trigger-capable × action-capable pair,
the known pairs left out) rank:

* ``rules`` — the taxonomy prior of the pair's best candidate, 0 for a pair no rule
  expresses;
* ``gnn`` — the bundled graph model alone;
* ``baseline`` — a learned non-graph model: gradient boosting on the same node features of
  both ends and pair features (:func:`tools.gnn_train.fit_pair_baseline`), trained here on
  the same training examples as the graph model.

Over the taxonomy candidates, as the integration ranks them (automated pairs out,
notifications in, best candidate per pair): ``ranker`` (the bundled synergy ranker alone),
``combined`` (the ranker blended with the bundle's blender — the graph model, or the pair
model where the bundle's 0-day regime blends with that: :mod:`~custom_components.homeiq.core.
graph.blend`, with the bundle's weights) and ``combined_baseline`` (the same blend recipe
with the baseline's probability, fitted the same way on the training homes). ``combined``
and ``combined_baseline`` also rank the pairs their model proposes where the 0-day regime
of its blend keeps proposals (:mod:`~custom_components.homeiq.core.graph.propose`: the best
pairs no rule expresses, ``proposable_targets`` of the targets are among the pairs it may
propose); ``ranker`` reaches only the targets the taxonomy expresses
(``expressible_targets``). Equal scores are ordered
by a stable hash of the pair (of the candidate on candidate rankings), as the synergy
ranking orders them.

Figures per scorer: ``mrr`` (mean over homes of 1 / the rank of the home's first target, 0
when none is ranked), ``top_10`` / ``top_50`` (targets among the first 10 / 50: counts,
micro share over all targets and the mean of each home's share).

**Synthetic held-out homes** (the synergy section's seed): the synergy section's rankings
(notifications left out) at 0, 7 and 30 days — ``rules`` and ``combined`` (the bundled
ranker: the synergy section's ``combined``) — and ``combined_with_gnn``, the same candidates
ranked by the blend (with the graph model's proposals where the regime keeps them);
precision@5, recall@10 and MRR as that section computes them.

Nothing here is tuned on the validation homes or the held-out synthetic homes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
import tempfile
import time
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.graph import (
    GraphModel,
    TextEmbedder,
    feature_names,
    load_graph_model,
)
from custom_components.homeiq.core.graph.blend import (
    Blend,
    Regime,
    blend_from_dict,
    blended,
    learned_scores,
)
from custom_components.homeiq.core.graph.build import HomeGraph
from custom_components.homeiq.core.graph.pairs import load_pair_model
from custom_components.homeiq.core.graph.propose import (
    best_proposals,
    learned_probabilities,
    proposal_pool,
    proposal_tie,
)
from custom_components.homeiq.core.ml.models import DeployedModel
from custom_components.homeiq.core.ml.registry import ModelInfo, ModelRegistry
from custom_components.homeiq.core.synergy import find_candidates
from tools.evaluation.synergy import (
    BUNDLED_ROOT,
    bundled_synergy_ranker,
    ranker_name,
    ranking_figures,
    scored_rankings,
)
from tools.gnn_samples import (
    pair_space,
    real_link_home,
    split_real_homes,
    synthetic_link_home,
)
from tools.gnn_train import (
    REAL_SEEDS,
    SYNTHETIC_HOMES,
    CandidateRows,
    PairBaseline,
    TrainingExample,
    baseline_candidate_scores,
    candidate_rows,
    fit_pair_baseline,
    fitted_blend,
    graph_scores,
    link_graph,
    name_embedder,
    pair_tie_codes,
    ranking_order,
    regime_name,
    synthetic_training_corpus,
    training_examples,
)
from tools.realconfigs import RealHome, corpus_path, load_real_homes
from tools.synergy_samples import first_days, relevant_pairs
from tools.synthetic import SyntheticHome, generate_corpus

type Pair = tuple[str, str]
type Floats = npt.NDArray[np.float64]

TOPS: Final = (10, 50)
SPACE_SCORERS: Final = ("rules", "gnn", "baseline")
CANDIDATE_SCORERS: Final = ("ranker", "combined", "combined_baseline")
HISTORY_DAYS: Final = (0, 7, 30)
TARGETS: Final = {
    "real_combined_hits_at_10_over_rules": 2.0,
    "synthetic_0_days_combined_mrr_over_rules": 1.3,
}


# --- metrics ---------------------------------------------------------------------------


class Tops:
    """Targets found in the first 10 and 50 of each home's ranking and the reciprocal rank
    of its first target: counts over all homes (micro) and means over the homes."""

    def __init__(self) -> None:
        self.targets = 0
        self.hits = dict.fromkeys(TOPS, 0)
        self.shares: dict[int, list[float]] = {k: [] for k in TOPS}
        self.reciprocal: list[float] = []

    def add(self, order: Sequence[Pair], first_rank: int | None, targets: set[Pair]) -> None:
        """One home: its ranking's first pairs (at least :data:`TOPS` ``[-1]`` of them when
        there are), the 1-based rank of its first target (None: not ranked) and its
        targets (a home without targets is left out)."""
        if not targets:
            return
        self.targets += len(targets)
        for k in TOPS:
            hits = sum(pair in targets for pair in order[:k])
            self.hits[k] += hits
            self.shares[k].append(hits / len(targets))
        self.reciprocal.append(0.0 if first_rank is None else 1.0 / first_rank)

    def figures(self) -> dict[str, Any]:
        """``mrr``, ``top_k`` counts, ``top_k_micro`` and ``top_k_per_home`` shares."""
        out: dict[str, Any] = {
            "targets": self.targets,
            "homes": len(self.reciprocal),
            "mrr": round(float(np.mean(self.reciprocal)), 4) if self.reciprocal else None,
        }
        for k in TOPS:
            out[f"top_{k}"] = self.hits[k]
            out[f"top_{k}_micro"] = round(self.hits[k] / self.targets, 4) if self.targets else None
            shares = self.shares[k]
            out[f"top_{k}_per_home"] = round(float(np.mean(shares)), 4) if shares else None
        return out


def ranked_head(
    pairs: Sequence[Pair], scores: npt.ArrayLike, ties: npt.NDArray[np.int64], targets: set[Pair]
) -> tuple[list[Pair], int | None]:
    """The first :data:`TOPS` ``[-1]`` pairs of the ranking by ``scores`` (equal scores by
    ``ties``) and the 1-based rank of the first target (None if no target is ranked)."""
    order = ranking_order(scores, ties)
    head = [pairs[i] for i in order[: max(TOPS)].tolist()]
    hit = np.array([pairs[i] in targets for i in order.tolist()], dtype=np.bool_)
    found = np.flatnonzero(hit)
    return head, int(found[0]) + 1 if found.size else None


# --- the models ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BundledGraph:
    """The bundled graph model, its blend and its metadata, and the bundled pair model where
    a regime proposes with it."""

    model: GraphModel
    blend: Blend
    info: ModelInfo
    pairs: DeployedModel | None = None

    def candidate_scores(self, graph: HomeGraph, pairs: Sequence[Pair], regime: Regime) -> Floats:
        """The probabilities ``regime``'s candidates blend with (its blender's, as the
        integration scores them; NaN where a pair names no node)."""
        return learned_probabilities(regime.blender, self.model, self.pairs, graph, pairs)

    def pool_scores(self, graph: HomeGraph, pool: Sequence[Pair], regime: Regime) -> Floats:
        """The probabilities ``regime`` chooses its proposals of ``pool`` by (its proposer's,
        as the integration scores them; empty where it proposes nothing)."""
        if not regime.proposals:
            return np.empty(0)
        return learned_probabilities(regime.proposer, self.model, self.pairs, graph, pool)


def bundled_graph(
    embedder: TextEmbedder | None, bundled_root: Path = BUNDLED_ROOT
) -> BundledGraph | str:
    """The graph model the integration ships, loaded as it loads it, or why there is none."""
    width = 0 if embedder is None else embedder.dim
    with tempfile.TemporaryDirectory() as root:
        registry = ModelRegistry(Path(root), bundled_root=bundled_root)
        try:
            deployed = load_graph_model(registry, feature_names(width))
            reasons = registry.fallbacks.get("gnn", [])
            pairs = load_pair_model(registry, feature_names(width))
        finally:
            registry.close()
    if deployed is None:
        return "no usable bundled graph model: " + ("; ".join(reasons) or "none written")
    blend = blend_from_dict(deployed.info.extra.get("blend"))
    return BundledGraph(deployed.model, blend, deployed.info, pairs)


@dataclass(frozen=True, slots=True)
class Baseline:
    """The non-graph baseline fitted on every training example, and its blend (fitted on
    out-of-fold scores, as the graph model's)."""

    model: PairBaseline
    blend: Blend
    fit: dict[str, Any]


def fit_baseline(examples: Sequence[TrainingExample], *, seed: int = 0) -> Baseline:
    """The baseline and its blend, trained as the graph model is (imports scikit-learn)."""

    def fit(chosen: list[TrainingExample]) -> PairBaseline:
        return fit_pair_baseline(chosen, seed=seed)

    def pair_scores(model: PairBaseline, graph: HomeGraph, pairs: Sequence[Pair]) -> Floats:
        return model.predict(graph, pairs)

    blend, figures = fitted_blend(examples, fit, baseline_candidate_scores, pair_scores)
    # Its regimes blend and propose with the baseline, a pair model (the labels only: the
    # evaluation scores with the baseline itself).
    named = Blend(tuple(replace(r, blender="pairs", proposer="pairs") for r in blend.regimes))
    return Baseline(fit(list(examples)), named, figures)


# --- real validation homes -------------------------------------------------------------


def candidate_scores(
    rows: CandidateRows,
    learned: Floats,
    baseline: Floats,
    graph_blend: Blend,
    baseline_blend: Blend,
) -> dict[str, Floats]:
    """The candidate rankings' scores at 0 days: the ranker alone, the ranker blended with
    the bundle's blender (``learned``: the graph model's or the pair model's probability,
    as the bundled blend's regime names) and with the baseline (each by its own blend)."""
    regime, baseline_regime = graph_blend.regime(0.0), baseline_blend.regime(0.0)
    return {
        "ranker": rows.ranker,
        "combined": blended(rows.ranker, learned, regime),
        "combined_baseline": blended(rows.ranker, baseline, baseline_regime),
    }


@dataclass(frozen=True, slots=True)
class Ranking:
    """Pairs with their scores and tie order: what one scorer ranks in one home."""

    pairs: tuple[Pair, ...]
    scores: Floats
    ties: npt.NDArray[np.int64]


def with_proposals(
    rows: CandidateRows, scores: Floats, pool: Sequence[Pair], pool_scores: Floats, regime: Regime
) -> Ranking:
    """The candidates (``scores``) and, where ``regime`` proposes, its best pairs of ``pool``
    by ``pool_scores`` with their learned scores — as the integration ranks them."""
    best = best_proposals(pool, pool_scores, regime.proposals)
    proposed = [pool[i] for i in best]
    return Ranking(
        pairs=(*rows.pairs, *proposed),
        scores=np.concatenate([scores, learned_scores(pool_scores[best], regime)]),
        ties=np.concatenate([rows.ties, np.array([proposal_tie(p) for p in proposed], np.int64)]),
    )


def evaluate_real_validation(
    validation: Sequence[RealHome],
    *,
    seed: int,
    known: bool,
    graph: BundledGraph,
    baseline: Baseline,
    ranker: DeployedModel | None,
    embedder: TextEmbedder | None,
) -> dict[str, Any]:
    """Every scorer's figures on the validation homes, half known (``known``) or none."""
    tops = {name: Tops() for name in (*SPACE_SCORERS, *CANDIDATE_SCORERS)}
    in_space = expressible = proposable = spaces = 0
    graph_regime, baseline_regime = graph.blend.regime(0.0), baseline.blend.regime(0.0)
    empty = np.empty(0)  # the pool's scores where a regime proposes nothing (not scored)
    sizes: list[int] = []
    for real in validation:
        if len(real.automations) < 2:
            continue
        link = real_link_home(real, seed, known=known)
        targets = set(link.targets)
        if not targets:
            continue
        full_space = pair_space(link.home)
        space = [p for p in full_space if p not in link.known]
        sizes.append(len(space))
        in_space += len(targets & set(space))
        candidates = find_candidates(link.home)
        rows = candidate_rows(link.home, candidates, ranker)
        expressible += len(targets & set(rows.pairs))
        home_graph = link_graph(link, candidates, embedder)
        rules = dict(zip(rows.pairs, rows.rules.tolist(), strict=True))
        ties = pair_tie_codes(space)
        space_scores = {
            "rules": np.array([rules.get(p, 0.0) for p in space]),
            "gnn": graph_scores(graph.model, home_graph, space),
            "baseline": baseline.model.predict(home_graph, space),
        }
        for name, scores in space_scores.items():
            tops[name].add(*ranked_head(space, scores, ties, targets), targets)
        nodes = home_graph.index
        inside = [i for i, (t, a) in enumerate(rows.pairs) if t in nodes and a in nodes]
        baseline_scores = np.full(len(rows.pairs), np.nan)
        if inside:
            baseline_scores[inside] = baseline.model.predict(
                home_graph, [rows.pairs[i] for i in inside]
            )
        by_candidate = candidate_scores(
            rows,
            graph.candidate_scores(home_graph, rows.pairs, graph_regime),
            baseline_scores,
            graph.blend,
            baseline.blend,
        )
        pool = proposal_pool(home_graph.node_ids, set(rows.pairs) | link.known)
        proposable += len(targets & set(pool))
        rankings = {
            "ranker": Ranking(rows.pairs, by_candidate["ranker"], rows.ties),
            "combined": with_proposals(
                rows,
                by_candidate["combined"],
                pool,
                graph.pool_scores(home_graph, pool, graph_regime),
                graph_regime,
            ),
            "combined_baseline": with_proposals(
                rows,
                by_candidate["combined_baseline"],
                pool,
                baseline.model.predict(home_graph, pool) if baseline_regime.proposals else empty,
                baseline_regime,
            ),
        }
        for name, r in rankings.items():
            tops[name].add(*ranked_head(r.pairs, r.scores, r.ties, targets), targets)
        spaces += 1
    total = tops["rules"].targets
    return {
        "homes": spaces,
        "targets": total,
        "targets_in_pair_space": in_space,
        "expressible_targets": expressible,
        "expressible_share": round(expressible / total, 4) if total else None,
        "proposable_targets": proposable,
        "pair_space_median": float(np.median(sizes)) if sizes else None,
        **{name: t.figures() for name, t in tops.items()},
    }


# --- synthetic held-out homes ----------------------------------------------------------


def evaluate_gnn_synthetic(
    corpus: Sequence[SyntheticHome],
    *,
    graph: BundledGraph,
    ranker: DeployedModel | None,
    embedder: TextEmbedder | None,
    days: Sequence[int] = HISTORY_DAYS,
) -> dict[str, Any]:
    """The synergy section's ``rules`` and ``combined`` rankings and ``combined_with_gnn``
    at each history length, against the planted synergies nobody automated."""
    relevant = [relevant_pairs(s) for s in corpus]
    by_days: dict[str, Any] = {}
    for d in days:
        rankings: dict[str, list[list[Pair]]] = {
            "rules": [],
            "combined": [],
            "combined_with_gnn": [],
        }
        regime = graph.blend.regime(float(d))
        for index, synthetic in enumerate(corpus):
            home = first_days(synthetic.home, d)
            found = find_candidates(home)
            scored = scored_rankings(home, ranker, notifications=False, candidates=found)
            rankings["rules"].append([pair for pair, _ in scored["rules"]])
            rankings["combined"].append([pair for pair, _ in scored["combined"]])
            link = synthetic_link_home(synthetic, f"held-out-{index}", d)
            rows = candidate_rows(home, found, ranker, notifications=False)
            home_graph = link_graph(link, found, embedder)
            pool = proposal_pool(home_graph.node_ids, set(rows.pairs) | link.known)
            ranking = with_proposals(
                rows,
                blended(
                    rows.ranker, graph.candidate_scores(home_graph, rows.pairs, regime), regime
                ),
                pool,
                graph.pool_scores(home_graph, pool, regime),
                regime,
            )
            order = ranking_order(ranking.scores, ranking.ties)
            rankings["combined_with_gnn"].append([ranking.pairs[i] for i in order.tolist()])
        by_days[str(d)] = {
            **{name: ranking_figures(r, relevant) for name, r in rankings.items()},
            "graph_used": regime.used and regime.blender == "graph",
            "blended_by": regime.blender if regime.used else None,
        }
    return {
        "homes": len(corpus),
        "homes_scored": sum(bool(r) for r in relevant),
        "by_days": by_days,
    }


# --- the section -----------------------------------------------------------------------


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def targets_met(real: dict[str, Any], synthetic: dict[str, Any] | None) -> dict[str, Any]:
    """The issue's targets: on the real validation homes (each setting) combined hits@10 at
    least twice the rules' and above combined_baseline's; on synthetic homes at 0 days,
    combined MRR (with the graph) at least 1.3 × the rules'."""
    out: dict[str, Any] = {}
    for setting, figures in real.items():
        if not isinstance(figures, dict) or "combined" not in figures:
            continue
        combined = figures["combined"]["top_10"]
        out[f"real_{setting}"] = {
            "combined_hits_at_10_over_2x_rules": combined
            >= TARGETS["real_combined_hits_at_10_over_rules"] * figures["rules"]["top_10"],
            "combined_above_combined_baseline": combined > figures["combined_baseline"]["top_10"],
        }
    if synthetic is not None:
        zero = synthetic["by_days"].get("0")
        if zero is not None:
            ratio = TARGETS["synthetic_0_days_combined_mrr_over_rules"]
            out["synthetic_0_days_combined_mrr_over_1_3x_rules"] = (
                zero["combined_with_gnn"]["mrr"] or 0.0
            ) >= ratio * (zero["rules"]["mrr"] or 0.0)
    return out


def evaluate_gnn(
    *,
    realconfigs_seed: int = 5011,
    synergy_seed: int = 3011,
    n_homes: int = 200,
    realconfigs: Path | None = None,
    bundled_root: Path = BUNDLED_ROOT,
    synthetic_training_homes: int = SYNTHETIC_HOMES,
    real_seeds: Sequence[int] = REAL_SEEDS,
) -> dict[str, Any]:
    """Section ``gnn`` of ``scripts/evaluate``: real validation homes (half known, none
    known), synthetic held-out homes with and without the graph model, the targets and
    which regimes use the graph."""
    began = time.perf_counter()
    embedder = name_embedder()
    graph = bundled_graph(embedder, bundled_root)
    if isinstance(graph, str):
        return {"skipped": graph}
    ranker = bundled_synergy_ranker(bundled_root)
    path = realconfigs or corpus_path()
    real: dict[str, Any]
    baseline_fit: dict[str, Any] | None = None
    if path is None or not path.is_file():
        real = {"skipped": "realconfigs/homes.jsonl not found (set HOMEIQ_REALCONFIGS)"}
    else:
        homes = load_real_homes(path)
        train, validation = split_real_homes(homes)
        examples = training_examples(
            train,
            synthetic_training_corpus(synthetic_training_homes),
            ranker=ranker,
            embedder=embedder,
            real_seeds=real_seeds,
        )
        validation_names = {h.repo for h in validation}
        baseline = fit_baseline(examples)
        baseline_fit = {
            "blend": baseline.blend.as_dict(),
            "fit": baseline.fit,
            "training_examples": len(examples),
            "validation_homes_in_training": len({e.name for e in examples} & validation_names),
        }
        real = {
            "data": "real configurations, validation part (no history)",
            "split": f"{len(train)} training homes, {len(validation)} validation homes "
            "(fixed by repository name); half of each validation home's automations known "
            f"(seed {realconfigs_seed}) or none known",
            **{
                setting: evaluate_real_validation(
                    validation,
                    seed=realconfigs_seed,
                    known=known,
                    graph=graph,
                    baseline=baseline,
                    ranker=ranker,
                    embedder=embedder,
                )
                for setting, known in (("half_known", True), ("none_known", False))
            },
        }
    corpus = generate_corpus(n_homes, synergy_seed, days=max(HISTORY_DAYS))
    synthetic = {
        "data": "synthetic",
        "split": f"{n_homes} held-out homes (seed {synergy_seed}), {max(HISTORY_DAYS)} days "
        f"each, ranked on their first {list(HISTORY_DAYS)} days",
        **evaluate_gnn_synthetic(corpus, graph=graph, ranker=ranker, embedder=embedder),
    }
    real_settings = {k: v for k, v in real.items() if k in {"half_known", "none_known"}}
    return {
        "model": {
            "trained_at": graph.info.trained_at,
            "metrics": graph.info.metrics,
            "blend": graph.blend.as_dict(),
            "name_embedder": None if embedder is None else type(embedder).__name__,
        },
        "combined_ranker": ranker_name(ranker),
        "graph_used": {
            regime_name(r.max_days): r.used and r.blender == "graph" for r in graph.blend.regimes
        },
        "blended_by": {
            regime_name(r.max_days): r.blender if r.used else None for r in graph.blend.regimes
        },
        "proposed_by": {
            regime_name(r.max_days): r.proposer if r.proposals else None
            for r in graph.blend.regimes
        },
        "real_validation": real,
        "baseline": baseline_fit,
        "synthetic": synthetic,
        "ratios": {
            f"real_{setting}_combined_over_rules_hits_at_10": _ratio(
                figures["combined"]["top_10"], figures["rules"]["top_10"]
            )
            for setting, figures in real_settings.items()
        }
        | {
            "synthetic_0_days_combined_over_rules_mrr": _ratio(
                synthetic["by_days"]["0"]["combined_with_gnn"]["mrr"],
                synthetic["by_days"]["0"]["rules"]["mrr"],
            )
        },
        "targets": dict(TARGETS),
        "targets_met": targets_met(real_settings, synthetic),
        "tuned_on_these_homes": False,
        "seconds": round(time.perf_counter() - began, 1),
    }


__all__ = [
    "TARGETS",
    "Baseline",
    "BundledGraph",
    "Tops",
    "bundled_graph",
    "candidate_scores",
    "evaluate_gnn",
    "evaluate_gnn_synthetic",
    "evaluate_real_validation",
    "fit_baseline",
    "ranked_head",
    "targets_met",
]
