"""Anomaly section: planted night activity and stuck sensors, judged day by day."""

from __future__ import annotations

from typing import Any

import numpy as np

from custom_components.homeiq.core.anomaly import (
    DAY,
    HOUR,
    StuckValueDetector,
    UnusualTimeDetector,
    activity_times,
    local_midnights,
)
from custom_components.homeiq.core.synthetic import generate_corpus

from .common import prf

ACTIVITY_CLASSES = frozenset({"motion", "occupancy", "door"})
STEADY_CLASSES = frozenset({"temperature", "humidity"})


def evaluate_anomaly(*, n_homes: int = 150, days: int = 35, seed: int = 3047) -> dict[str, Any]:
    """Day-level detection of planted night activity and stuck sensors, next to a z-score.

    Each home's first 14 days are its normal; every later local day of every motion / door
    sensor and temperature / humidity sensor is judged. Entities whose fault began before
    day 14 are left out (their normal is not normal).
    """
    counts = {"detector": [0, 0, 0], "zscore": [0, 0, 0]}
    per_kind = {"unusual_time": [0, 0, 0], "stuck": [0, 0, 0]}

    def add(key: list[int], predicted: bool, label: bool) -> None:
        predicted, label = bool(predicted), bool(label)
        key[0] += int(predicted and label)
        key[1] += int(predicted and not label)
        key[2] += int(label and not predicted)

    for synthetic in generate_corpus(n_homes, seed, days=days):
        home = synthetic.home
        assert home.window_start is not None
        assert home.window_end is not None
        start, split = home.window_start, home.window_start + 14 * DAY
        faults = {
            e: f
            for f in synthetic.truth.failures
            if f.kind in ("abnormal_activity", "stuck")
            for e in f.entity_ids
        }
        judged_days = local_midnights(split, home.window_end - DAY, home.time_zone)
        training_days = local_midnights(start, split, home.time_zone)
        for entity_id, history in home.histories.items():
            entity, fault = home.entities[entity_id], faults.get(entity_id)
            if fault is not None and fault.start_ts < split:
                continue
            if entity.domain == "binary_sensor" and entity.device_class in ACTIVITY_CLASSES:
                events = activity_times(history)
                detector = UnusualTimeDetector().fit(events, start, split, home.time_zone)
                daily = [((events >= d) & (events < d + DAY)).sum() for d in training_days]
                mean, std = float(np.mean(daily)), float(np.std(daily)) + 1e-9
                for day in judged_days:
                    label = (
                        fault is not None
                        and fault.kind == "abnormal_activity"
                        and fault.end_ts is not None
                        and day + DAY > fault.start_ts
                        and day < fault.end_ts
                    )
                    verdict = detector.judge(events, day).anomalous
                    count = int(((events >= day) & (events < day + DAY)).sum())
                    add(counts["detector"], verdict, label)
                    add(per_kind["unusual_time"], verdict, label)
                    add(counts["zscore"], abs(count - mean) / std > 3, label)
            elif entity.domain == "sensor" and entity.device_class in STEADY_CLASSES:
                stuck = StuckValueDetector().fit(history, start, split)
                values = history.values[np.isfinite(history.values)]
                times = history.timestamps[np.isfinite(history.values)]
                before = values[(times >= start) & (times < split)]
                mean, std = (
                    float(np.mean(before)) if before.size else 0.0,
                    float(np.std(before)) + 1e-9 if before.size else 1.0,
                )
                for day in judged_days:
                    label = (
                        fault is not None
                        and fault.kind == "stuck"
                        and day + DAY - fault.start_ts >= 12 * HOUR
                    )
                    verdict = stuck.judge(history, day).anomalous
                    today = values[(times >= day) & (times < day + DAY)]
                    z = abs(float(np.mean(today)) - mean) / std > 3 if today.size else False
                    add(counts["detector"], verdict, label)
                    add(per_kind["stuck"], verdict, label)
                    add(counts["zscore"], z, label)
    return {
        "data": "synthetic",
        "split": f"{n_homes} homes (seed {seed}), {days} days: days 0-13 are the normal, "
        "later local days of motion/door and temperature/humidity sensors are judged",
        **prf(*counts["detector"]),
        "by_kind": {kind: prf(*c) for kind, c in per_kind.items()},
        "zscore_baseline": prf(*counts["zscore"]),
        "anomalous_days": counts["detector"][0] + counts["detector"][2],
        "targets": {"f1": 0.8},
    }
