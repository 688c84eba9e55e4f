"""Anomaly section: planted night activity and stuck sensors, judged day by day.

What the integration runs is scored: :class:`HomeAnomalyModel` learns every suitable
entity's normal from each home's first days, and every later local day is judged by the
explainable detectors, by an isolation forest over day rows, and by both together. The
forest is trained on the normal days of *other* synthetic homes (a different seed: the cold
start the integration ships), and, for comparison, on each home's own normal days: always
(``*_this_home``), or as the integration does, only where the check on the most recent
normal days with faults put in prefers it to the cold-start forest (``combined_checked``).
"""

from __future__ import annotations

from collections.abc import Sequence
import time
from typing import Any

import numpy as np

from custom_components.homeiq.core.anomaly import (
    DAY,
    HOUR,
    AnomalyForest,
    HomeAnomalyModel,
    activity_times,
    local_midnights,
    train_anomaly_forest,
)
from custom_components.homeiq.core.lifecycle import (
    MIN_FOREST_ROWS,
    NotEnoughData,
    try_anomaly_forest,
)
from custom_components.homeiq.core.synthetic import SyntheticHome, generate_corpus

from .common import prf

KINDS = ("unusual_time", "stuck")
MODELS = (
    "detectors",
    "forest",
    "combined",
    "forest_this_home",
    "combined_this_home",
    "combined_checked",
)
SCORED_FAULTS = frozenset({"abnormal_activity", "stuck"})


class _Tally:
    """True positives, false positives and false negatives, per kind."""

    def __init__(self) -> None:
        self.counts = {kind: [0, 0, 0] for kind in KINDS}

    def add(self, kind: str, predicted: bool, label: bool) -> None:
        counts = self.counts[kind]
        counts[0] += int(predicted and label)
        counts[1] += int(predicted and not label)
        counts[2] += int(label and not predicted)

    def total(self) -> list[int]:
        return [sum(c[i] for c in self.counts.values()) for i in range(3)]

    def figures(self) -> dict[str, Any]:
        return {**prf(*self.total()), "by_kind": {k: prf(*c) for k, c in self.counts.items()}}


def train_cold_start_forest(
    homes: Sequence[SyntheticHome], *, normal_days: int = 14, seed: int = 0
) -> AnomalyForest:
    """The forest the integration ships: trained on the normal days of synthetic homes.

    No labels are used; the normal days may hold planted faults, as a real home's may.
    """
    rows = []
    for synthetic in homes:
        home = synthetic.home
        assert home.window_start is not None
        start = home.window_start
        model = HomeAnomalyModel.fit(home, start, start + normal_days * DAY)
        rows.append(model.training_rows())
    return train_anomaly_forest(np.vstack(rows), seed=seed)


def score_homes(
    homes: Sequence[SyntheticHome],
    forest: AnomalyForest,
    *,
    normal_days: int = 14,
    home_forests: bool = True,
) -> dict[str, Any]:
    """Judge every later local day of every home's suitable entities with every model."""
    tallies = {name: _Tally() for name in MODELS}
    zscore = _Tally()
    other: dict[str, list[int]] = {}
    judged = trials = chose_own = 0
    for synthetic in homes:
        home = synthetic.home
        assert home.window_start is not None
        assert home.window_end is not None
        start = home.window_start
        split = start + normal_days * DAY
        faults = {e: f for f in synthetic.truth.failures for e in f.entity_ids}
        model = HomeAnomalyModel.fit(home, start, split)
        own: AnomalyForest | None = None
        checked = forest  # what the integration would use: its own forest if the check says so
        if home_forests:
            rows = model.training_rows()
            own = train_anomaly_forest(rows, seed=0) if rows.shape[0] >= MIN_FOREST_ROWS else None
            try:
                trial = try_anomaly_forest(home, start, split, forest)
            except NotEnoughData:
                pass
            else:
                trials += 1
                if trial.verdict()[0]:
                    checked = trial.forest
                    chose_own += 1
        baselines = {e: _zscore_baseline(home, e, start, split) for e in model.entities}
        for day in local_midnights(split, home.window_end - DAY, home.time_zone).tolist():
            verdicts = model.judge(home, day)
            rows_of = model.rows(home, day)
            ids = list(rows_of)
            matrix = np.vstack([rows_of[e] for e in ids])
            flagged = dict(zip(ids, forest.flags(matrix).tolist(), strict=True))
            flagged_checked = dict(zip(ids, checked.flags(matrix).tolist(), strict=True))
            flagged_own = dict(
                zip(
                    ids,
                    own.flags(matrix).tolist() if own is not None else [False] * len(ids),
                    strict=True,
                )
            )
            for entity_id in ids:
                fault = faults.get(entity_id)
                if fault is not None and fault.start_ts < split:
                    continue  # its normal was not normal
                activity = model.entities[entity_id].normal.kind == "activity"
                detectors = verdicts[entity_id].anomalous
                predictions = {
                    "detectors": detectors,
                    "forest": flagged[entity_id],
                    "combined": detectors or flagged[entity_id],
                    "forest_this_home": flagged_own[entity_id],
                    "combined_this_home": detectors or flagged_own[entity_id],
                    "combined_checked": detectors or flagged_checked[entity_id],
                }
                if fault is not None and fault.kind not in SCORED_FAULTS:
                    if day + DAY > fault.start_ts:  # an anomaly, but not one scored here
                        seen = other.setdefault(fault.kind, [0, 0])
                        seen[0] += 1
                        seen[1] += int(predictions["combined"])
                        continue
                    fault = None
                label = _label(fault, day, activity)
                kind = "unusual_time" if activity else "stuck"
                judged += 1
                for name, predicted in predictions.items():
                    tallies[name].add(kind, bool(predicted), label)
                zscore.add(kind, baselines[entity_id](day), label)
    return {
        "tallies": tallies,
        "zscore": zscore,
        "judged": judged,
        "other": other,
        "trials": trials,
        "chose_own": chose_own,
    }


def _label(fault: Any, day: float, activity: bool) -> bool:
    """Whether a planted fault makes this local day anomalous."""
    if fault is None:
        return False
    if activity:
        return bool(
            fault.kind == "abnormal_activity"
            and fault.end_ts is not None
            and day + DAY > fault.start_ts
            and day < fault.end_ts
        )
    return bool(fault.kind == "stuck" and day + DAY - fault.start_ts >= 12 * HOUR)


def _zscore_baseline(home: Any, entity_id: str, start: float, split: float) -> Any:
    """|z| > 3 of the day's event count (activity) or mean value (numeric) vs the normal."""
    history = home.histories[entity_id]
    entity = home.entities[entity_id]
    if entity.domain == "binary_sensor":
        events = activity_times(history)
        normal_days = local_midnights(start, split - DAY + 1.0, home.time_zone)
        daily = [((events >= d) & (events < d + DAY)).sum() for d in normal_days.tolist()]
        mean, std = float(np.mean(daily)) if daily else 0.0, float(np.std(daily)) + 1e-9

        def count_rule(day: float) -> bool:
            count = int(((events >= day) & (events < day + DAY)).sum())
            return abs(count - mean) / std > 3

        return count_rule
    finite = np.isfinite(history.values)
    values, times = history.values[finite], history.timestamps[finite]
    before = values[(times >= start) & (times < split)]
    center = float(np.mean(before)) if before.size else 0.0
    spread = float(np.std(before)) + 1e-9 if before.size else 1.0

    def mean_rule(day: float) -> bool:
        today = values[(times >= day) & (times < day + DAY)]
        return bool(today.size) and abs(float(np.mean(today)) - center) / spread > 3

    return mean_rule


def evaluate_anomaly(
    *,
    n_homes: int = 150,
    days: int = 35,
    seed: int = 3047,
    tune_homes: int = 60,
    tune_seed: int = 2047,
    normal_days: int = 14,
    home_forests: bool = True,
) -> dict[str, Any]:
    """Day-level detection of planted night activity and stuck sensors, next to a z-score.

    Each home's first ``normal_days`` days are its normal; every later local day of every
    entity :class:`HomeAnomalyModel` judges (motion / door / window / occupancy / presence
    sensors, and temperature / humidity / light / pressure … sensors) is scored. Entities
    whose planted fault began inside the normal are left out (their normal is not normal);
    days of entities with other planted faults (drift, dropout, sudden death, a flat battery)
    after the fault began are not scored, and the share of them flagged is shown apart.
    The cold-start forest is trained on ``tune_homes`` homes of ``tune_seed``, never on the
    reported homes; the detectors' settings were tuned on ``tune_seed`` homes too.
    """
    if tune_seed == seed:
        raise ValueError("the forest's homes must not be the reported homes")
    began = time.perf_counter()
    forest = train_cold_start_forest(
        generate_corpus(tune_homes, tune_seed, days=days), normal_days=normal_days
    )
    scored = score_homes(
        generate_corpus(n_homes, seed, days=days),
        forest,
        normal_days=normal_days,
        home_forests=home_forests,
    )
    tallies: dict[str, _Tally] = scored["tallies"]
    by_model = {name: tally.figures() for name, tally in tallies.items()}
    if not home_forests:
        for name in ("forest_this_home", "combined_this_home", "combined_checked"):
            by_model.pop(name)
    combined = tallies["combined"]
    tp, _, fn = combined.total()
    return {
        "data": "synthetic",
        "split": f"{n_homes} homes (seed {seed}), {days} days: days 0-{normal_days - 1} are "
        "the normal, later local days of every judged entity are scored; the cold-start "
        f"forest is trained on the normal days of {tune_homes} other homes (seed {tune_seed})",
        **prf(*combined.total()),
        "by_kind": by_model["combined"]["by_kind"],
        "by_model": by_model,
        "zscore_baseline": prf(*scored["zscore"].total()),
        "anomalous_days": tp + fn,
        "judged_days": scored["judged"],
        "other_faults": {
            kind: {"days": n, "flagged": round(flagged / max(n, 1), 3)}
            for kind, (n, flagged) in sorted(scored["other"].items())
        },
        "homes_checked_own_forest": {"checked": scored["trials"], "used": scored["chose_own"]},
        "forest": {
            "trees": forest.ensemble.n_trees,
            "rows": forest.rows,
            "threshold": round(forest.threshold, 4),
        },
        "targets": {"f1": 0.8},
        "seconds": round(time.perf_counter() - began, 1),
    }
