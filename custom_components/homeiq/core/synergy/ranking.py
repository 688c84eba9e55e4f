"""Ranking candidates: one score from the evidence, the rule prior and the user's answers.

Three scores are computed for every candidate: ``rules`` (the taxonomy prior with the
same-area factor — the cold-start baseline), ``miner`` (evidence only: the F1 of precision
and coverage when the effect follows more often than its own rate says) and ``combined``,
the probability of a small gradient-boosted tree model trained by ``scripts/train`` on the
synthetic corpus's planted synergies and run with numpy (:mod:`..ml.trees`). The user's
answers then shift the combined score of each kind of pair in logit terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import hashlib
import math
from typing import Final

import numpy as np
import numpy.typing as npt

from ..home import Home
from ..ml.trees import TreeEnsemble
from .miner import Candidate

FEATURE_NAMES: Final = (
    "prior",
    "same_area",
    "days",
    "cause_per_day",
    "effect_per_day",
    "counted",
    "followed",
    "precision",
    "coverage",
    "log_lift",
    "by_hand_share",
    "automation_share",
    "delay_ratio",
    "spread_ratio",
)
SCORERS: Final = ("rules", "miner", "combined")
# The operating point: a suggestion scoring at least this is "likely worth automating" (it
# counts in the suggestions sensor and fires the new-suggestion event). Chosen on development
# homes (30 days: precision 0.95, recall 0.90); scripts/evaluate reports it on held-out ones.
LIKELY_SCORE: Final = 0.5


def candidate_features(candidates: Sequence[Candidate]) -> npt.NDArray[np.float64]:
    """The ranker's features, one row per candidate (columns :data:`FEATURE_NAMES`)."""
    rows = np.zeros((len(candidates), len(FEATURE_NAMES)))
    for i, c in enumerate(candidates):
        days = max(c.days, 1.0)
        e = c.evidence
        row = [
            c.prior,
            c.same_area,
            math.log1p(c.days),
            math.log1p(c.cause_events / days),
            math.log1p(c.effect_events / days),
            float(e is not None),
        ]
        if e is None:
            row += [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
        else:
            window = max(c.rule.window_s, 1.0)
            median = e.delay_median_s if e.delay_median_s is not None else window
            spread = (
                (e.delay_p75_s - e.delay_p25_s) / max(median, 1.0)
                if e.delay_p75_s is not None and e.delay_p25_s is not None
                else 1.0
            )
            row += [
                math.log1p(e.followed),
                e.precision,
                e.coverage,
                math.log(e.lift),
                e.by_hand_share,
                e.followed_by_automation / e.followed if e.followed else 0.0,
                median / window,
                min(spread, 5.0),
            ]
        rows[i] = row
    return rows


def rules_score(candidate: Candidate) -> float:
    """The baseline: the taxonomy prior of the pair (same area counts)."""
    return candidate.prior


def miner_score(candidate: Candidate) -> float:
    """Evidence only: the F1 of precision (followers made by hand) and coverage, discounted
    by how much of it the effect's own rate at those hours explains (``1 - 1 / lift``);
    0 without evidence."""
    e = candidate.evidence
    if e is None or e.followed_by_hand == 0 or e.lift <= 1.0:
        return 0.0
    p, c = e.followed_by_hand / e.cause_events, e.coverage
    return (2 * p * c / (p + c)) * (1.0 - 1.0 / e.lift) if p + c else 0.0


def combined_scores(
    candidates: Sequence[Candidate], ranker: TreeEnsemble | None
) -> npt.NDArray[np.float64]:
    """The ranker's probability of each candidate (a fixed blend of rules and miner when no
    ranker could be loaded)."""
    if not candidates:
        return np.empty(0)
    if ranker is None:
        return np.array([0.3 * rules_score(c) + 0.7 * miner_score(c) for c in candidates])
    proba = ranker.predict_proba(candidate_features(candidates))
    return np.asarray(proba[:, 1], dtype=np.float64)


def shifted_logits(
    scores: npt.NDArray[np.float64], shifts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Probabilities moved by ``shifts`` in logit terms."""
    clipped = np.clip(scores, 1e-6, 1 - 1e-6)
    logit = np.log(clipped / (1 - clipped)) + shifts
    return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)


def with_offsets(
    scores: npt.NDArray[np.float64], candidates: Sequence[Candidate], offsets: Mapping[str, float]
) -> npt.NDArray[np.float64]:
    """Scores shifted in logit terms by the answers about each kind of pair."""
    if not offsets:
        return scores
    return shifted_logits(scores, np.array([offsets.get(c.rule.kind, 0.0) for c in candidates]))


def tie_key(kind: str, pair: tuple[str, str]) -> str:
    """A stable, arbitrary order among equal scores (no bias toward any entity name): the
    SHA-256 hex digest of the kind and the pair."""
    return hashlib.sha256("|".join((kind, *pair)).encode()).hexdigest()


def tie_break(candidate: Candidate) -> str:
    """:func:`tie_key` of a candidate."""
    return tie_key(candidate.rule.kind, candidate.pair)


def ranked(
    candidates: Sequence[Candidate], scores: Sequence[float] | npt.NDArray[np.float64]
) -> list[tuple[Candidate, float]]:
    """Candidates with their scores, best first (ties in a stable arbitrary order)."""
    pairs = list(zip(candidates, [float(s) for s in scores], strict=True))
    return sorted(pairs, key=lambda item: (-item[1], tie_break(item[0])))


def automated_pairs(home: Home) -> set[tuple[str, str]]:
    """(trigger entity, action entity) pairs the home's automations already cover; a
    notification counts as ``notify``."""
    pairs: set[tuple[str, str]] = set()
    for automation in home.automations:
        targets = set(automation.action_entities)
        if any(
            s.startswith(("notify.", "persistent_notification."))
            for s in automation.action_services
        ):
            targets.add("notify")
        pairs.update((t, a) for t in automation.trigger_entities for a in targets)
    return pairs


def best_per_pair(candidates: Sequence[Candidate], scores: Sequence[float]) -> list[int]:
    """Indexes of the best-scored candidate of each (cause, effect) pair (a pair may fit
    several rules: a door opening → light on, or → lock)."""
    best: dict[tuple[str, str], int] = {}
    for i, candidate in enumerate(candidates):
        key = candidate.pair
        if key not in best or scores[i] > scores[best[key]]:
            best[key] = i
    return sorted(best.values())
