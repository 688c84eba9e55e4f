"""Synergy ranking samples from synthetic homes: the home cut to its first days, the pairs
that are relevant (planted and not automated), and the ranker's training rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.ml.trees import TreeEnsemble
from custom_components.homeiq.core.synergy import (
    Candidate,
    candidate_features,
    find_candidates,
    score_candidates,
)
from custom_components.homeiq.core.synergy.ranking import automated_pairs, best_per_pair, ranked
from tools.synthetic import SyntheticHome

DAY = 86400.0


def first_days(home: Home, days: float) -> Home:
    """``home`` as it looked after its first ``days`` days (0: no history at all)."""
    start = home.window_start if home.window_start is not None else 0.0
    end = start + days * DAY
    histories = {
        entity_id: history.rows(history.timestamps < end)
        for entity_id, history in home.histories.items()
    }
    external = {key: series.rows(series.timestamps < end) for key, series in home.external.items()}
    return replace(home, histories=histories, external=external, window_end=end)


def relevant_pairs(synthetic: SyntheticHome) -> set[tuple[str, str]]:
    """The planted synergies nobody automated yet: what a suggestion should find."""
    return {(s.cause_entity, s.effect_entity) for s in synthetic.truth.synergies if not s.automated}


def ranked_candidates(home: Home) -> list[Candidate]:
    """The candidates a synthetic ranking is judged on: not yet automated, with an effect
    entity (the generator never plants a notification)."""
    automated = automated_pairs(home)
    return [c for c in find_candidates(home) if c.effect_id is not None and c.pair not in automated]


def ranking_samples(
    homes: Sequence[SyntheticHome], days: Iterable[float]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Features, labels and home index of every candidate of every home at each history
    length."""
    rows: list[npt.NDArray[np.float64]] = []
    labels: list[bool] = []
    groups: list[int] = []
    lengths = list(days)
    for index, synthetic in enumerate(homes):
        relevant = relevant_pairs(synthetic)
        for length in lengths:
            candidates = ranked_candidates(first_days(synthetic.home, length))
            if not candidates:
                continue
            rows.append(candidate_features(candidates))
            labels.extend(c.pair in relevant for c in candidates)
            groups.extend([index] * len(candidates))
    width = rows[0].shape[1] if rows else 0
    return (
        np.vstack(rows) if rows else np.empty((0, width)),
        np.array(labels, dtype=np.bool_),
        np.array(groups, dtype=np.int64),
    )


def first_relevant_rank(
    candidates: Sequence[Candidate], scores: npt.NDArray[np.float64], relevant: set[tuple[str, str]]
) -> int | None:
    """1-based rank of the first relevant pair in the ranking (best candidate per pair)."""
    best = best_per_pair(candidates, list(scores))
    order = ranked([candidates[i] for i in best], scores[best])
    for rank, (candidate, _) in enumerate(order, start=1):
        if candidate.pair in relevant:
            return rank
    return None


def mean_reciprocal_ranks(
    homes: Sequence[SyntheticHome], ranker: TreeEnsemble | None, days: float
) -> dict[str, float]:
    """MRR of every scorer over the homes with a relevant pair, at ``days`` of history."""
    reciprocal: dict[str, list[float]] = {}
    for synthetic in homes:
        relevant = relevant_pairs(synthetic)
        if not relevant:
            continue
        candidates = ranked_candidates(first_days(synthetic.home, days))
        for name, scores in score_candidates(candidates, ranker).items():
            rank = first_relevant_rank(candidates, scores, relevant) if candidates else None
            reciprocal.setdefault(name, []).append(0.0 if rank is None else 1.0 / rank)
    return {name: round(float(np.mean(values)), 4) for name, values in reciprocal.items()}
