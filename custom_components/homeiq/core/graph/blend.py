"""How the graph model's probability joins the synergy ranking, and where it does not.

The synergy ranker (:mod:`..synergy.ranking`) scores a candidate from its evidence and its
rule; the graph model (:mod:`.model`) scores the same pair from what homes like this one
automate. A :class:`Blend` joins them in logit terms,
``sigmoid(bias + w_ranker · logit(ranker) + w_gnn · logit(gnn))``, with one set of weights
per **regime** — how much history the home has — fitted by ``scripts/train`` (a logistic
regression on training homes, never on evaluation homes). A regime where the graph model
gave no measurable lift on the training homes' held-out part is marked ``used = False``:
there the ranker's own score ranks, unchanged, and the step says so.

A regime names the model it blends with (:attr:`Regime.blender`): the graph model, or the
non-graph pair model (:mod:`.pairs`) where that lifted the training homes' held-out MRR more
— the graph model then takes no part in that regime's candidate ranking, and the step says
so. The weights are named for the graph model (``w_gnn``) either way.

A regime may also let a model **propose** pairs no rule expresses (:mod:`.propose`): its
best ``proposals`` pairs join the ranking with their own calibrated score, fitted on the
training homes' proposals and kept only where they gained held-out MRR there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..ml.trees import ModelFileError

EPSILON: Final = 1e-6
# Which model's probability a regime blends with the ranker's and chooses and scores its
# proposals by: the graph model or the non-graph pair model (:mod:`.pairs`).
PROPOSERS: Final = ("graph", "pairs")
# The scores' key of each model's probability (a suggestion's ``scores``).
SCORE_KEYS: Final = {"graph": "gnn", "pairs": "pairs"}


@dataclass(frozen=True, slots=True)
class Regime:
    """The weights for homes with at most ``max_days`` days of history."""

    max_days: float
    used: bool
    bias: float = 0.0
    w_ranker: float = 1.0
    w_gnn: float = 0.0
    lift: float | None = None  # held-out MRR gained on the training homes, when fitted
    # Pairs no rule expresses that the graph model proposes (:mod:`.propose`): how many of
    # the best (0: none) and their score, sigmoid(learned_bias + learned_w_gnn · logit(gnn)).
    proposals: int = 0
    learned_bias: float = 0.0
    learned_w_gnn: float = 0.0
    proposal_lift: float | None = None  # held-out MRR the proposals gained, when fitted
    proposer: str = "graph"  # of PROPOSERS
    blender: str = "graph"  # of PROPOSERS: whose probability the candidates blend with

    def uses(self, model: str) -> bool:
        """Whether the regime blends or proposes with ``model`` (of :data:`PROPOSERS`)."""
        return (self.used and self.blender == model) or (
            self.proposals > 0 and self.proposer == model
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON form kept with the graph model."""
        return {
            "max_days": None if math.isinf(self.max_days) else self.max_days,
            "used": self.used,
            "bias": self.bias,
            "w_ranker": self.w_ranker,
            "w_gnn": self.w_gnn,
            "lift": self.lift,
            "proposals": self.proposals,
            "learned_bias": self.learned_bias,
            "learned_w_gnn": self.learned_w_gnn,
            "proposal_lift": self.proposal_lift,
            "proposer": self.proposer,
            "blender": self.blender,
        }


@dataclass(frozen=True, slots=True)
class Blend:
    """The regimes, by ascending ``max_days`` (the last one covers every longer history)."""

    regimes: tuple[Regime, ...]

    def regime(self, days: float) -> Regime:
        """The regime of a home with ``days`` of history."""
        for regime in self.regimes:
            if days <= regime.max_days:
                return regime
        return self.regimes[-1]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form kept with the graph model."""
        return {"regimes": [r.as_dict() for r in self.regimes]}


def blend_from_dict(data: object) -> Blend:
    """A :class:`Blend` from its JSON form; :class:`ModelFileError` if malformed."""
    if not isinstance(data, Mapping) or not isinstance(data.get("regimes"), list):
        raise ModelFileError("the graph model's blend is missing")
    regimes: list[Regime] = []
    try:
        for item in data["regimes"]:
            max_days = item["max_days"]
            regime = Regime(
                max_days=math.inf if max_days is None else float(max_days),
                used=bool(item["used"]),
                bias=float(item["bias"]),
                w_ranker=float(item["w_ranker"]),
                w_gnn=float(item["w_gnn"]),
                lift=None if item.get("lift") is None else float(item["lift"]),
                # A blend written before proposals existed proposes nothing.
                proposals=int(item.get("proposals", 0)),
                learned_bias=float(item.get("learned_bias", 0.0)),
                learned_w_gnn=float(item.get("learned_w_gnn", 0.0)),
                proposal_lift=None
                if item.get("proposal_lift") is None
                else float(item["proposal_lift"]),
                proposer=str(item.get("proposer", "graph")),
                blender=str(item.get("blender", "graph")),
            )
            if regime.proposals < 0:
                raise ModelFileError("the graph model's blend proposes a negative count")
            for role, name in (("proposer", regime.proposer), ("blender", regime.blender)):
                if name not in PROPOSERS:
                    raise ModelFileError(f"the graph model's blend has an unknown {role} {name!r}")
            values = (
                regime.bias,
                regime.w_ranker,
                regime.w_gnn,
                regime.learned_bias,
                regime.learned_w_gnn,
            )
            if not all(math.isfinite(v) for v in values):
                raise ModelFileError("the graph model's blend has a weight that is not finite")
            regimes.append(regime)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"the graph model's blend is malformed: {err}") from err
    if not regimes or [r.max_days for r in regimes] != sorted(r.max_days for r in regimes):
        raise ModelFileError("the graph model's blend regimes are empty or out of order")
    return Blend(tuple(regimes))


def logit(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """log(p / (1 - p)), with p kept inside (ε, 1 - ε)."""
    clipped = np.clip(np.asarray(p, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def blended(ranker: npt.ArrayLike, gnn: npt.ArrayLike, regime: Regime) -> npt.NDArray[np.float64]:
    """The blended score of each pair; the ranker's own where the regime leaves the graph
    model out or the graph model has no score for the pair (NaN: a pair naming no node)."""
    base = np.asarray(ranker, dtype=np.float64)
    graph = np.asarray(gnn, dtype=np.float64)
    if not regime.used or base.size == 0:
        return base.copy()
    z = regime.bias + regime.w_ranker * logit(base) + regime.w_gnn * logit(np.nan_to_num(graph))
    out = 1.0 / (1.0 + np.exp(-z))
    return np.asarray(np.where(np.isnan(graph), base, out), dtype=np.float64)


def learned_scores(gnn: npt.ArrayLike, regime: Regime) -> npt.NDArray[np.float64]:
    """The score of each proposed pair (no ranker score: the graph model's alone,
    calibrated on the training homes' proposals)."""
    z = regime.learned_bias + regime.learned_w_gnn * logit(gnn)
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def graph_lift(
    ranker: Sequence[float] | npt.NDArray[np.float64],
    gnn: Sequence[float] | npt.NDArray[np.float64],
    regime: Regime,
) -> npt.NDArray[np.float64]:
    """How much the graph model moved each pair's blended score, against the blend with a
    neutral graph score (0.5); 0 where the regime leaves the graph out or it has no score.
    A lift of :data:`~..synergy.suggestion.GRAPH_NOTE_LIFT` or more is worded "homes like
    yours often automate this"."""
    if not regime.used:
        return np.zeros(len(ranker))
    with_graph = blended(ranker, gnn, regime)
    neutral = blended(ranker, np.full(len(ranker), 0.5), regime)
    scored = ~np.isnan(np.asarray(gnn, dtype=np.float64))
    return np.asarray(np.where(scored, with_graph - neutral, 0.0), dtype=np.float64)


__all__ = [
    "PROPOSERS",
    "SCORE_KEYS",
    "Blend",
    "Regime",
    "blend_from_dict",
    "blended",
    "graph_lift",
    "learned_scores",
    "logit",
]
