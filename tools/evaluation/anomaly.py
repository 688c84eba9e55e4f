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
from pathlib import Path
import tempfile
import time
from typing import Any

import numpy as np

from custom_components.homeiq.core.anomaly import (
    DAY_FEATURE_NAMES,
    MIN_FOREST_ROWS,
    AnomalyForest,
    HomeAnomalyModel,
    train_anomaly_forest,
    try_anomaly_forest,
)
from custom_components.homeiq.core.anomaly.judge import BUNDLED_ANOMALY_FOREST
from custom_components.homeiq.core.capability import NotEnoughData
from custom_components.homeiq.core.ml.models import ANOMALY_MODEL, ensemble_of
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.time import DAY, HOUR, local_midnights
from tools.synthetic import Stress, SyntheticHome, generate_corpus
from tools.synthetic.stress import BURST_VARIANTS

from .common import prf
from .rule_baseline import RULE_K, RULE_MIN_EVENTS, day_rule, fit_rule

BUNDLED_ROOT = Path(__file__).resolve().parents[2] / "custom_components/homeiq/models"
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
BASELINE = "rules"  # the rule baseline's name in the tallies


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


class _Episodes:
    """Planted faults of one entity over consecutive days: caught at all, and how late."""

    def __init__(self) -> None:
        self.delays: dict[str, list[int | None]] = {kind: [] for kind in KINDS}

    def add(self, kind: str, flags: Sequence[bool]) -> None:
        """One episode: whether each of its days (in order) was flagged."""
        first = next((index for index, flagged in enumerate(flags) if flagged), None)
        self.delays[kind].append(first)

    @staticmethod
    def _figures(delays: Sequence[int | None]) -> dict[str, Any]:
        caught = [d for d in delays if d is not None]
        return {
            "episodes": len(delays),
            "detected": round(len(caught) / len(delays), 3) if delays else None,
            "median_delay_days": float(np.median(caught)) if caught else None,
            "p90_delay_days": round(float(np.quantile(caught, 0.9)), 1) if caught else None,
        }

    def figures(self) -> dict[str, Any]:
        everything = [d for delays in self.delays.values() for d in delays]
        return {
            **self._figures(everything),
            "by_kind": {kind: self._figures(d) for kind, d in self.delays.items()},
        }


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
    """Judge every later local day of every home's suitable entities with every model and
    with the rule baseline, day by day and episode by episode.
    """
    tallies = {name: _Tally() for name in (*MODELS, BASELINE)}
    episodes = {name: _Episodes() for name in (*MODELS, BASELINE)}
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
        rules = {
            e: day_rule(fit_rule(home, e, start, split), home.time_zone) for e in model.entities
        }
        # Each entity's labelled days in order: (day index, predictions), to cut episodes.
        labelled: dict[str, list[tuple[int, dict[str, bool]]]] = {}
        days = local_midnights(split, home.window_end - DAY, home.time_zone).tolist()
        for index, day in enumerate(days):
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
                    BASELINE: rules[entity_id](day),
                }
                if fault is not None and fault.kind not in SCORED_FAULTS:
                    if day + DAY > fault.start_ts:  # an anomaly, but not one scored here
                        seen = other.setdefault(fault.kind, [0, 0])
                        seen[0] += 1
                        seen[1] += int(predictions["combined"])
                        continue
                    fault = None
                label = label_of(fault, day, activity)
                kind = "unusual_time" if activity else "stuck"
                judged += 1
                for name, predicted in predictions.items():
                    tallies[name].add(kind, bool(predicted), label)
                if label:
                    labelled.setdefault(entity_id, []).append((index, predictions))
        for entity_id, days_of in labelled.items():
            kind = (
                "unusual_time" if model.entities[entity_id].normal.kind == "activity" else "stuck"
            )
            for run in _consecutive(days_of):
                for name, tally in episodes.items():
                    tally.add(kind, [bool(p[name]) for _, p in run])
    return {
        "tallies": tallies,
        "episodes": episodes,
        "judged": judged,
        "other": other,
        "trials": trials,
        "chose_own": chose_own,
    }


def _consecutive(
    days: Sequence[tuple[int, dict[str, bool]]],
) -> list[list[tuple[int, dict[str, bool]]]]:
    """Runs of consecutive day indices: one planted episode each."""
    runs: list[list[tuple[int, dict[str, bool]]]] = []
    for item in days:
        if runs and item[0] == runs[-1][-1][0] + 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def label_of(fault: Any, day: float, activity: bool) -> bool:
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


def bundled_anomaly_forest() -> AnomalyForest:
    """The forest the integration ships (``custom_components/homeiq/models/anomaly``)."""
    with tempfile.TemporaryDirectory() as root:
        registry = ModelRegistry(Path(root), bundled_root=BUNDLED_ROOT)
        stored = registry.bundled(ANOMALY_MODEL)
        if stored is None:
            raise FileNotFoundError(f"no bundled anomaly model: {registry.fallbacks}")
        ensemble = ensemble_of(stored, DAY_FEATURE_NAMES)
        return AnomalyForest.from_metadata(ensemble, stored.info.extra.get("forest") or {})


def _model_figures(scored: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    tallies: dict[str, _Tally] = scored["tallies"]
    episodes: dict[str, _Episodes] = scored["episodes"]
    return {
        name: {**tallies[name].figures(), "episodes": episodes[name].figures()} for name in names
    }


def evaluate_anomaly(
    *,
    n_homes: int = 150,
    days: int = 35,
    seed: int = 3047,
    tune_homes: int = 60,
    tune_seed: int = 2047,
    normal_days: int = 14,
    home_forests: bool = True,
    stress: Stress | None = None,
    forest: AnomalyForest | None = None,
) -> dict[str, Any]:
    """Detection of planted night activity and stuck sensors, day by day and episode by
    episode, next to the rule baseline (:mod:`.rule_baseline`).

    Each home's first ``normal_days`` days are its normal; every later local day of every
    entity :class:`HomeAnomalyModel` judges (motion / door / window / occupancy / presence
    sensors, and temperature / humidity / light / pressure … sensors) is scored. Entities
    whose planted fault began inside the normal are left out (their normal is not normal);
    days of entities with other planted faults (drift, dropout, sudden death, a flat battery)
    after the fault began are not scored, and the share of them flagged is shown apart.
    An episode is one planted fault of one entity over consecutive labelled days: detected
    when one of its days is flagged, late by the days from its first day to the first flag.
    The cold-start forest is trained on ``tune_homes`` homes of ``tune_seed``, never on the
    reported homes (or ``forest`` is used, such as the bundled one); the detectors' settings
    and the baseline's were tuned on development seeds. ``stress`` makes the reported homes
    unlike the ones the detectors were designed on (the forest's homes stay ordinary).
    """
    if tune_seed == seed:
        raise ValueError("the forest's homes must not be the reported homes")
    began = time.perf_counter()
    if forest is None:
        forest = train_cold_start_forest(
            generate_corpus(tune_homes, tune_seed, days=days), normal_days=normal_days
        )
        forest_from = f"trained on the normal days of {tune_homes} other homes (seed {tune_seed})"
    else:
        forest_from = f"given ({forest.rows} training rows)"
    scored = score_homes(
        generate_corpus(n_homes, seed, days=days, stress=stress),
        forest,
        normal_days=normal_days,
        home_forests=home_forests,
    )
    names = MODELS if home_forests else ("detectors", "forest", "combined")
    by_model = _model_figures(scored, names)
    # The headline is what the integration ships: the detectors alone while the bundled
    # forest is off by default, else detectors and forest together.
    ships = "combined" if BUNDLED_ANOMALY_FOREST else "detectors"
    shipped = scored["tallies"][ships]
    tp, _, fn = scored["tallies"]["combined"].total()  # every planted anomalous day
    return {
        "data": "synthetic",
        "split": f"{n_homes} homes (seed {seed}), {days} days: days 0-{normal_days - 1} are "
        "the normal, later local days of every judged entity are scored; the cold-start "
        f"forest is {forest_from}",
        "ships": ships,
        **prf(*shipped.total()),
        "by_kind": by_model[ships]["by_kind"],
        "episodes": by_model[ships]["episodes"],
        "by_model": by_model,
        "baseline": {
            **_model_figures(scored, (BASELINE,))[BASELINE],
            "rules": f"numeric: no new value for {RULE_K:g} x the longest gap of the normal; "
            f"activity: at least {RULE_MIN_EVENTS} events in hours empty in the normal",
        },
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
        **({} if stress is not None else {"targets": {"f1": 0.8}}),
        "seconds": round(time.perf_counter() - began, 1),
    }


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    """What a stress row keeps of an anomaly result: each model's and the baseline's figures."""
    keep = ("precision", "recall", "f1", "by_kind", "episodes")
    models = {name: {k: f[k] for k in keep} for name, f in result["by_model"].items()}
    return {
        **{name: models[name] for name in ("detectors", "combined")},
        "rules_baseline": {k: result["baseline"][k] for k in keep},
        "anomalous_days": result["anomalous_days"],
        "judged_days": result["judged_days"],
    }


def evaluate_anomaly_stress(
    *,
    n_homes: int = 40,
    days: int = 30,
    night_bursts_seed: int = 4047,
    names_seed: int = 4001,
    normal_days: int = 14,
    forest: AnomalyForest | None = None,
) -> dict[str, Any]:
    """The detectors alone, with the bundled forest (``combined``), and the rule baseline on
    homes they were not designed on: night bursts of each :data:`BURST_VARIANTS` (the same
    ``n_homes`` homes each time, only the bursts differ), and names in other languages.
    No targets.
    """
    began = time.perf_counter()
    forest = forest or bundled_anomaly_forest()
    common: dict[str, Any] = {
        "n_homes": n_homes,
        "days": days,
        "normal_days": normal_days,
        "home_forests": False,
        "forest": forest,
    }
    variants = {
        variant: _compact(
            evaluate_anomaly(seed=night_bursts_seed, stress=Stress(night_bursts=variant), **common)
        )
        for variant in BURST_VARIANTS
    }
    names = evaluate_anomaly(seed=names_seed, stress=Stress(language="mixed"), **common)
    return {
        "night_bursts_other_hours": {
            "data": "synthetic (stress)",
            "split": f"{n_homes} homes (seed {night_bursts_seed}), {days} days, normal days "
            f"0-{normal_days - 1}; abnormal activity planted often, at the hours and of the "
            "size each variant names; combined = detectors + the bundled forest",
            "by_variant": variants,
        },
        "non_english_names": {
            "data": "synthetic (stress)",
            "split": f"{n_homes} homes (seed {names_seed}) named in German, French, Spanish or "
            "Dutch; combined = detectors + the bundled forest",
            **_compact(names),
        },
        "seconds": round(time.perf_counter() - began, 1),
    }
