"""Held-out evaluation: ``scripts/evaluate [--json]``.

Every figure is computed at run time on synthetic homes generated with a seed other than the
training homes' (split by home, before any augmentation), next to baselines. Results on
synthetic homes are labelled as such. Later issues add their sections.
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import sys
import time
from typing import Any

import numpy as np

from custom_components.homeiq.core.anomaly import (
    HOUR,
    StuckValueDetector,
    UnusualTimeDetector,
    activity_times,
    local_midnights,
)
from custom_components.homeiq.core.battery import (
    DAY,
    HORIZON_DAYS,
    forecast_battery,
    hourly_levels,
)
from custom_components.homeiq.core.home import StateHistory
from custom_components.homeiq.core.home_type import (
    FEATURE_NAMES,
    HOME_TYPES,
    drop_entities,
    home_type_features,
)
from custom_components.homeiq.core.synthetic import generate_corpus
from custom_components.homeiq.core.trees import export_ensemble

TARGETS = {"macro_f1": 0.90, "macro_f1_20pct_entities_dropped": 0.80}
BATTERY_TARGET = {"median_abs_error_days": 1.5}
LEAD_DAYS = 7.0
ACTIVITY_CLASSES = frozenset({"motion", "occupancy", "door"})
STEADY_CLASSES = frozenset({"temperature", "humidity"})


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, labels=list(HOME_TYPES), average="macro"))


def _home_type_split(n_train: int, n_test: int, days: int, seed: int) -> dict[str, Any]:
    """Train on one synthetic corpus, evaluate on another (other seed) with the numpy evaluator."""
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.metrics import confusion_matrix
    from sklearn.tree import DecisionTreeClassifier

    train = generate_corpus(n_train, seed, days=days)
    test = generate_corpus(n_test, seed + 1000, days=days)
    x_train = np.array([home_type_features(s.home) for s in train])
    y_train = [s.truth.home_type for s in train]
    x_test = np.array([home_type_features(s.home) for s in test])
    y_test = [s.truth.home_type for s in test]
    rng = np.random.default_rng(seed)
    x_dropped = np.array([home_type_features(drop_entities(s.home, 0.2, rng)) for s in test])

    model = ExtraTreesClassifier(n_estimators=300, random_state=seed)
    model.fit(x_train, y_train)
    ensemble = export_ensemble(model)  # what ships: evaluated with numpy alone
    predicted = [str(label) for label in ensemble.predict(x_test)]
    predicted_dropped = [str(label) for label in ensemble.predict(x_dropped)]

    majority = Counter(y_train).most_common(1)[0][0]
    areas = FEATURE_NAMES.index("areas")
    area_rule = DecisionTreeClassifier(max_depth=3, random_state=seed)
    area_rule.fit(x_train[:, [areas]], y_train)
    return {
        "macro_f1": _macro_f1(y_test, predicted),
        "macro_f1_20pct_entities_dropped": _macro_f1(y_test, predicted_dropped),
        "majority_class": _macro_f1(y_test, [majority] * len(y_test)),
        "area_count_rule": _macro_f1(y_test, list(area_rule.predict(x_test[:, [areas]]))),
        "confusion": confusion_matrix(y_test, predicted, labels=list(HOME_TYPES)),
    }


def evaluate_home_type(
    *, n_train: int = 600, n_test: int = 400, days: int = 7, seeds: tuple[int, ...] = (1, 7, 13)
) -> dict[str, Any]:
    """Home type on several train/test splits (each split by home, test homes from another seed).

    Figures are means over the splits; ``per_split`` shows the spread.
    """
    splits = [_home_type_split(n_train, n_test, days, seed) for seed in seeds]

    def mean(key: str) -> float:
        return round(float(np.mean([split[key] for split in splits])), 3)

    return {
        "data": "synthetic",
        "split": f"by home: {n_train} training homes (seed s), {n_test} held-out homes "
        f"(seed s + 1000), {days} days each, for s in {list(seeds)}; figures are means",
        "macro_f1": mean("macro_f1"),
        "macro_f1_20pct_entities_dropped": mean("macro_f1_20pct_entities_dropped"),
        "baseline_macro_f1": {
            "majority_class": mean("majority_class"),
            "area_count_rule": mean("area_count_rule"),
        },
        "per_split_macro_f1": [round(split["macro_f1"], 3) for split in splits],
        "confusion": {
            "labels": list(HOME_TYPES),
            "rows_true_columns_predicted_summed": sum(
                split["confusion"] for split in splits
            ).tolist(),
        },
        "targets": TARGETS,
    }


def _battery_cases(n_homes: int, days: int, seed: int) -> list[tuple[StateHistory, float]]:
    """(battery history, time 7 days before it ran out) for every planted depletion seen."""
    cases = []
    for synthetic in generate_corpus(n_homes, seed, days=days):
        home = synthetic.home
        assert home.window_start is not None
        assert home.window_end is not None
        for failure in synthetic.truth.failures:
            if failure.kind != "battery_depletion" or failure.failure_ts is None:
                continue
            cut = failure.failure_ts - LEAD_DAYS * DAY
            if failure.failure_ts > home.window_end or cut - home.window_start < LEAD_DAYS * DAY:
                continue
            battery = next(
                e for e in failure.entity_ids if home.entities[e].device_class == "battery"
            )
            cases.append((home.histories[battery], cut))
    return cases


def evaluate_battery(*, n_homes: int = 300, days: int = 60, seed: int = 5) -> dict[str, Any]:
    """Days-to-empty error 7 days before depletion, on homes the forecast was not tuned on."""
    cases = _battery_cases(n_homes, days, seed + 2000)
    errors, baseline, covered = [], [], []
    for history, cut in cases:
        forecast = forecast_battery(history, cut)
        days_left = forecast.days_to_empty if forecast and forecast.days_to_empty else None
        errors.append(abs((HORIZON_DAYS if days_left is None else days_left) - LEAD_DAYS))
        if forecast and forecast.days_low is not None and forecast.days_high is not None:
            covered.append(forecast.days_low <= LEAD_DAYS <= forecast.days_high)
        # Baseline: a straight line through the last 14 days.
        ts, levels = hourly_levels(history, cut, 14.0)
        slope = np.polyfit((ts - ts[-1]) / DAY, levels, 1)[0] if ts.size >= 2 else 0.0
        straight = levels[-1] / -slope if ts.size >= 2 and slope < 0 else HORIZON_DAYS
        baseline.append(abs(min(straight, HORIZON_DAYS) - LEAD_DAYS))
    return {
        "data": "synthetic",
        "split": f"{len(cases)} planted battery depletions in {n_homes} homes (seed "
        f"{seed + 2000}), forecast {LEAD_DAYS:g} days before the battery ran out",
        "median_abs_error_days": round(float(np.median(errors)), 2) if errors else None,
        "baseline_median_abs_error_days": round(float(np.median(baseline)), 2)
        if baseline
        else None,
        "range_10_90_covers_truth": round(float(np.mean(covered)), 2) if covered else None,
        "cases": len(cases),
        "targets": BATTERY_TARGET,
    }


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


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
        **_prf(*counts["detector"]),
        "by_kind": {kind: _prf(*c) for kind, c in per_kind.items()},
        "zscore_baseline": _prf(*counts["zscore"]),
        "anomalous_days": counts["detector"][0] + counts["detector"][2],
        "targets": {"f1": 0.8},
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    """All evaluation sections."""
    t0 = time.perf_counter()
    home_type = (
        evaluate_home_type(n_train=60, n_test=30, days=3, seeds=(1,))
        if quick
        else evaluate_home_type()
    )
    battery = evaluate_battery(n_homes=40, days=40) if quick else evaluate_battery()
    anomaly = evaluate_anomaly(n_homes=20, days=25) if quick else evaluate_anomaly()
    result: dict[str, Any] = {"home_type": home_type, "battery": battery, "anomaly": anomaly}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    """Print the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="small corpora (a smoke run)")
    args = parser.parse_args()
    result = run(quick=args.quick)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
