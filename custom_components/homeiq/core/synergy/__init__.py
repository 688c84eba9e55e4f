"""Synergies: what is worth automating in this home, from its own history.

:func:`find_candidates` (:mod:`.miner`) lists every pair the taxonomy (:mod:`.taxonomy`)
allows and counts the evidence for those the history shows meeting; :func:`suggest` ranks
them (:mod:`.ranking`), leaves out what the home already automates and turns the best into
:class:`Suggestion` s with their automation; :func:`open_suggestions` applies the user's
answers (:mod:`.feedback`) at once, without mining again. A graph model (a
:class:`PairScorer`) may add pairs no rule expresses (:class:`Proposal`): they become
evidence-free candidates of a generic rule (:func:`~.taxonomy.learned_rule`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np

from ..capability import NotEnoughData
from ..home import Home
from ..ml.models import GNN_MODEL, SYNERGY_MODEL, DeployedModel, Models, tree_model
from ..ml.registry import ModelRegistry
from ..ml.trees import TreeEnsemble
from .feedback import Answer, Verdict, answered_ids, kind_offsets, latest
from .miner import (
    DEFAULT_SETTINGS,
    Candidate,
    Evidence,
    MinerSettings,
    MiningContext,
    Trigger,
    describe_fully,
    find_candidates,
    mining_window,
)
from .ranking import (
    FEATURE_NAMES,
    LIKELY_SCORE,
    SCORERS,
    automated_pairs,
    best_per_pair,
    candidate_features,
    combined_scores,
    miner_score,
    ranked,
    rules_score,
    shifted_logits,
    with_offsets,
)
from .suggestion import (
    GRAPH_NOTE_LIFT,
    LIFT_KEYS,
    Edits,
    Suggestion,
    build_automation,
    make_suggestion,
    suggestion_id,
)
from .taxonomy import RULES, RULES_BY_KIND, SynergyRule, learned_rule, rule_of_kind, same_area

KEPT_SUGGESTIONS: Final = 200  # ranked suggestions a result keeps (answers may lift some)
SHOWN_SUGGESTIONS: Final = 50


@dataclass(frozen=True, slots=True)
class Proposal:
    """A pair no rule expresses that a learned model proposes (:mod:`..graph.propose`): its
    probability by that model (``model``: the scores' key, ``gnn`` or ``pairs``) and the
    score it ranks with."""

    cause_id: str
    effect_id: str
    probability: float
    score: float
    model: str = "gnn"


@dataclass(frozen=True, slots=True)
class GraphScores:
    """The learned models' part in a night's ranking: the blending model's probability of
    each candidate (NaN where it has none; ``blended_by``: its scores' key, ``gnn`` for the
    graph model or ``pairs`` for the pair model), the blended scores that rank, how much it
    moved each one, whether it took part at all in this home's history regime, and which
    graph model it was."""

    probability: np.ndarray
    blended: np.ndarray
    lift: np.ndarray
    used: bool
    regime: str
    model: str
    proposals: tuple[Proposal, ...] = ()
    blended_by: str = "gnn"
    why: str | None = None  # why it was not used, where the regime's lift is not the reason


@runtime_checkable
class PairScorer(Protocol):
    """What scores candidates besides the ranker: the graph model (:mod:`..graph.scoring`)."""

    @property
    def name(self) -> str:
        """Which model scores."""

    def score_pairs(
        self,
        home: Home,
        candidates: Sequence[Candidate],
        ranker_scores: np.ndarray,
        days: float,
        now: float | None = None,
    ) -> GraphScores:
        """Its scores of ``candidates``, the blend with ``ranker_scores`` and the pairs it
        proposes besides them (blocking)."""
        ...


@dataclass(frozen=True, slots=True)
class SynergyResult:
    """A night's ranked suggestions (before the user's answers) and the step's figures."""

    suggestions: tuple[Suggestion, ...]
    candidates: int
    counted: int
    automated: int
    days: float
    ranker: str | None
    candidates_by_id: Mapping[str, Candidate] = field(default_factory=dict)
    graph: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The step's figures."""
        return {
            "candidates": self.candidates,
            "counted": self.counted,
            "already_automated": self.automated,
            "suggestions": len(self.suggestions),
            "days": round(self.days, 2),
            "ranker": self.ranker,
            **({"graph": dict(self.graph)} if self.graph else {}),
        }


def score_candidates(
    candidates: Sequence[Candidate], ranker: TreeEnsemble | None
) -> dict[str, np.ndarray]:
    """Every scorer's score of every candidate."""
    return {
        "rules": np.array([rules_score(c) for c in candidates]),
        "miner": np.array([miner_score(c) for c in candidates]),
        "combined": combined_scores(candidates, ranker),
    }


def suggest(
    home: Home,
    now: float | None = None,
    ranker: DeployedModel | None = None,
    *,
    settings: MinerSettings = DEFAULT_SETTINGS,
    keep: int = KEPT_SUGGESTIONS,
    graph: PairScorer | None = None,
) -> SynergyResult:
    """Mine, rank and describe the home's best pairs (blocking: CPU work). With ``graph``
    the graph model's probability joins the ranker's where it helps (its ``regime``), and
    its proposals join the candidates where that regime keeps them."""
    context = MiningContext(home, *mining_window(home, now))
    found = find_candidates(home, now, settings=settings, context=context)
    automated = automated_pairs(home)
    fresh = [c for c in found if c.pair not in automated]
    already_automated = len(found) - len(fresh)
    scores = score_candidates(fresh, None if ranker is None else ranker.ensemble)
    graph_figures: dict[str, Any] = {"used": False, "why": "no graph model could be loaded"}
    if graph is not None:
        part = graph.score_pairs(home, fresh, scores["combined"], context.days, now)
        graph_figures = {"model": part.model, "regime": part.regime, "used": part.used}
        if part.used:
            scores["ranker"] = scores["combined"]
            scores[part.blended_by] = part.probability
            scores[LIFT_KEYS[part.blended_by]] = part.lift
            scores["combined"] = part.blended
            graph_figures["blended_by"] = part.blended_by
            graph_figures["raised"] = int(np.sum(part.lift >= GRAPH_NOTE_LIFT))
        else:
            graph_figures["why"] = part.why or f"no lift with {part.regime} on the training homes"
        if part.proposals:
            graph_figures["proposed"] = len(part.proposals)
            graph_figures["proposed_by"] = part.proposals[0].model
            fresh, scores = _with_proposals(home, fresh, scores, part.proposals, context.days)
    combined = scores["combined"]
    best = best_per_pair(fresh, list(combined))
    order = ranked([fresh[i] for i in best], combined[best])[:keep]
    position = {id(c): i for i, c in enumerate(fresh)}
    suggestions = []
    by_id: dict[str, Candidate] = {}
    for ranked_candidate, score in order:
        i = position[id(ranked_candidate)]
        figures = {
            name: float(values[i]) for name, values in scores.items() if not np.isnan(values[i])
        }
        candidate = describe_fully(context, ranked_candidate)
        suggestion = make_suggestion(home, candidate, score, figures)
        suggestions.append(suggestion)
        by_id[suggestion.suggestion_id] = candidate
    return SynergyResult(
        suggestions=tuple(suggestions),
        candidates=len(found),
        counted=sum(c.evidence is not None for c in found),
        automated=already_automated,
        days=context.days,
        ranker=None if ranker is None else f"v{ranker.info.version} ({ranker.source})",
        candidates_by_id=by_id,
        graph=graph_figures,
    )


def learned_candidate(home: Home, proposal: Proposal, days: float) -> Candidate:
    """The candidate of a proposed pair: its generic rule, the onset of the cause's usual
    active state as trigger, no evidence."""
    rule = learned_rule(proposal.cause_id, proposal.effect_id)
    if rule is None:
        raise ValueError(f"no generic rule for {proposal.cause_id} -> {proposal.effect_id}")
    cause = home.entities.get(proposal.cause_id)
    effect = home.entities.get(proposal.effect_id)
    return Candidate(
        rule=rule,
        trigger=Trigger(proposal.cause_id, rule.cause_states[0]),
        effect_id=proposal.effect_id,
        prior=rule.prior,
        same_area=same_area(cause, effect) if cause is not None else 0.5,
        days=days,
    )


def _with_proposals(
    home: Home,
    fresh: list[Candidate],
    scores: dict[str, np.ndarray],
    proposals: Sequence[Proposal],
    days: float,
) -> tuple[list[Candidate], dict[str, np.ndarray]]:
    """The candidates and every scorer's scores with the proposed pairs appended (NaN where
    a scorer has none; ``rules`` and ``miner`` 0: no rule, no evidence)."""
    added = {
        "rules": [0.0] * len(proposals),
        "miner": [0.0] * len(proposals),
        "combined": [p.score for p in proposals],
    }
    for model in dict.fromkeys(p.model for p in proposals):
        added[model] = [p.probability if p.model == model else np.nan for p in proposals]
    out = {}
    for name in [*scores, *(k for k in added if k not in scores)]:
        before = scores.get(name, np.full(len(fresh), np.nan))
        after = added.get(name, [np.nan] * len(proposals))
        out[name] = np.concatenate([before, np.asarray(after, dtype=np.float64)])
    return [*fresh, *(learned_candidate(home, p, days) for p in proposals)], out


def open_suggestions(
    result: SynergyResult, answers: Iterable[Answer], limit: int = SHOWN_SUGGESTIONS
) -> list[Suggestion]:
    """The suggestions still open after the user's answers, re-ranked by them: answered ones
    leave the list, lookalikes of rejected ones fall and of accepted ones rise."""
    answers = list(answers)
    done = answered_ids(answers)
    offsets = kind_offsets(answers)
    still = [s for s in result.suggestions if s.suggestion_id not in done]
    base = np.array([s.scores.get("combined", s.score) for s in still])
    shifted = base.copy()
    if offsets and still:
        shifted = shifted_logits(base, np.array([offsets.get(s.kind, 0.0) for s in still]))
    order = sorted(range(len(still)), key=lambda i: (-shifted[i], still[i].suggestion_id))
    return [replace(still[i], score=float(shifted[i])) for i in order[:limit]]


class SynergyCapability:
    """Synergies: judged on the whole home every night with the bundled ranker (trained by
    ``scripts/train`` on synthetic homes); the user's answers re-rank at once."""

    name: Final = "synergy"
    model_name: Final = SYNERGY_MODEL
    feature_names: Final = FEATURE_NAMES
    trains_on_home: Final = False
    assesses_home: Final = True
    assesses_devices: Final = False

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """The ranker is trained on synthetic homes only (answers re-rank at once)."""
        raise NotEnoughData("the synergy ranker is trained on synthetic homes only")

    def assess(self, home: Home, now: float, models: Models) -> SynergyResult:
        """Mine and rank this home's pairs (with the graph model where it helps)."""
        graph = models.get(GNN_MODEL)
        return suggest(
            home,
            now,
            tree_model(models, SYNERGY_MODEL),
            graph=graph if isinstance(graph, PairScorer) else None,
        )


SYNERGY: Final = SynergyCapability()

__all__ = [
    "FEATURE_NAMES",
    "GRAPH_NOTE_LIFT",
    "LIKELY_SCORE",
    "RULES",
    "RULES_BY_KIND",
    "SCORERS",
    "SYNERGY",
    "Answer",
    "Candidate",
    "Edits",
    "Evidence",
    "GraphScores",
    "MinerSettings",
    "PairScorer",
    "Proposal",
    "Suggestion",
    "SynergyCapability",
    "SynergyResult",
    "SynergyRule",
    "Trigger",
    "Verdict",
    "build_automation",
    "candidate_features",
    "find_candidates",
    "latest",
    "learned_candidate",
    "open_suggestions",
    "rule_of_kind",
    "score_candidates",
    "suggest",
    "suggestion_id",
    "with_offsets",
]
