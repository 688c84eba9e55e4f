"""What a training run does with the models, without Home Assistant.

The integration calls these functions in the executor: load the deployed models, train
this home's failure and anomaly models where scikit-learn runs and the history is long
enough (held out on the most recent data; each is promoted only if better: a tie keeps
the model in use), classify the home, and assess every device.
``scripts/train`` builds the bundled models the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .anomaly import (
    DAY_FEATURE_NAMES,
    SILENCE_LOOKBACK,
    AnomalyForest,
    DayVerdict,
    HomeAnomalyModel,
    train_anomaly_forest,
)
from .anomaly.faults import window, with_level_shift, with_night_burst, with_stuck
from .devices import (
    DEFAULT_RISK_THRESHOLD,
    ELEVATED_SHARE,
    RISK_BANDS,
    Coverage,
    DeviceReport,
    DeviceRisk,
    anomaly_coverage,
    assess_devices,
    battery_coverage,
    devices_with_history,
    failure_coverage,
    iso_time,
)
from .failure import (
    FAILURE_FEATURE_NAMES,
    HORIZON_DAYS,
    THRESHOLD_FOLDS,
    FailureSamples,
    device_failure_features,
    failure_risk,
    failure_samples,
    fit_failure_model,
    risk_findings,
)
from .home import Home, StateHistory
from .home_type import FEATURE_NAMES as HOME_TYPE_FEATURES
from .ml.metrics import average_precision
from .ml.models import (
    ANOMALY_MODEL,
    FAILURE_MODEL,
    HOME_TYPE_MODEL,
    DeployedModel,
    load_deployed,
    save_candidate,
)
from .ml.registry import ModelRegistry
from .ml.training import training_unavailable
from .time import DAY, local_day_end, local_midnights, whole_days

MIN_NORMAL_DAYS: Final = 7.0  # days of normal behaviour before a day can be judged
HELD_OUT_SHARE: Final = 0.3  # the most recent share of cuts (or days) is held out
MIN_HELD_OUT_DAYS: Final = 3  # whole days the anomaly check needs at least
# A failure model of this home is checked on failures of its most recent days. With cuts
# every day one failure gives up to 7 failing device-days that rise and fall together, so
# a count of days alone could let one event decide; two failing devices and five failing
# days are the least on which PR-AUC can tell two models apart on more than one event.
MIN_HELD_OUT_FAILURES: Final = 2  # failing devices
MIN_HELD_OUT_POSITIVES: Final = 5  # failing device-days
MIN_TRAINING_FAILURES: Final = 2  # failing devices: one learns while the other sets the threshold
MIN_FOREST_ROWS: Final = 50  # entity-days of normal an anomaly forest of this home needs
# Real entity-days the anomaly check needs: a forest with false alarms on 1 % of days
# raises none in 300 days with a chance of only 5 %.
MIN_CHECK_ENTITY_DAYS: Final = 300
BURST_EVENTS: Final = 6  # activations the anomaly check puts into a night
SHIFT_SPREADS: Final = 6.0  # how far the check moves a value, in spreads of its daily means
# The bundled forest (trained on synthetic homes) added nothing to the detectors in the
# evaluation, on the development homes and on the stress corpora (README "Evaluation"), so
# it is off by default: the detectors judge alone until a forest trained on this home beats
# them in its check (train_anomaly_on_home).
BUNDLED_ANOMALY_FOREST: Final = False

MODEL_FEATURES: Final[dict[str, tuple[str, ...]]] = {
    HOME_TYPE_MODEL: HOME_TYPE_FEATURES,
    FAILURE_MODEL: FAILURE_FEATURE_NAMES,
    ANOMALY_MODEL: DAY_FEATURE_NAMES,
}


class NotEnoughData(Exception):
    """This home's history cannot train (or fairly judge) a model yet; says why."""


def load_model(registry: ModelRegistry, name: str) -> DeployedModel | None:
    """The deployed model of ``name`` (blocking: reads files)."""
    return load_deployed(registry, name, MODEL_FEATURES[name])


def load_models(registry: ModelRegistry) -> dict[str, DeployedModel | None]:
    """Every deployed model HomeIQ uses (blocking: reads files)."""
    return {name: load_model(registry, name) for name in MODEL_FEATURES}


# --- devices -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assessment:
    """Reports of every device, which local day the anomaly verdicts are about, and how many
    devices and entities each capability judged (and why not the others)."""

    reports: dict[str, DeviceReport]
    judged_day: float | None
    risk_model: str | None
    risk_threshold: float
    anomaly_reason: str | None = None  # why no day was judged
    counts: dict[str, int] = field(default_factory=dict)
    coverage: dict[str, Coverage] = field(default_factory=dict)  # capability -> coverage

    def details(self) -> dict[str, Any]:
        """What the run's step shows (times as ISO strings)."""
        reports = self.reports.values()
        return {
            "devices": len(self.reports),
            "at_risk": sum(r.at_risk for r in reports),
            "risk_bands": {band: sum(r.risk_band == band for r in reports) for band in RISK_BANDS},
            "anomalous": sum(r.anomalous for r in reports),
            "with_battery_forecast": sum(r.battery is not None for r in reports),
            "judged_day": None if self.judged_day is None else iso_time(self.judged_day),
            "risk_model": self.risk_model,
            "risk_threshold": self.risk_threshold,
            "elevated_from": round(ELEVATED_SHARE * self.risk_threshold, 4),
            "judged": {name: c.as_dict() for name, c in self.coverage.items()},
            **({"anomaly_skipped": self.anomaly_reason} if self.anomaly_reason else {}),
        }


def history_start(home: Home) -> float | None:
    """When the home's recorded history begins (not the requested window's start)."""
    firsts = [float(h.timestamps[0]) for h in home.histories.values() if len(h)]
    if not firsts:
        return None
    start = min(firsts)
    return start if home.window_start is None else max(start, home.window_start)


def judged_period(home: Home, now: float) -> tuple[float, float] | None:
    """(start of the normal, start of the judged day): the last whole local day before ``now``.

    ``None`` until the home has :data:`MIN_NORMAL_DAYS` of history before that day.
    """
    start = history_start(home)
    if start is None:
        return None
    midnights = local_midnights(now - 2 * DAY, now, home.time_zone)
    days = midnights[midnights + DAY <= now]
    if days.size == 0:
        return None
    day_start = float(days[-1])
    if day_start - start < MIN_NORMAL_DAYS * DAY:
        return None
    return start, day_start


def anomaly_forest(model: DeployedModel | None) -> AnomalyForest | None:
    """The isolation forest of a deployed anomaly model (``None``: none, or unreadable)."""
    if model is None:
        return None
    try:
        return AnomalyForest.from_metadata(model.ensemble, model.info.extra.get("forest") or {})
    except ValueError:
        return None


def forest_in_use(model: DeployedModel | None) -> AnomalyForest | None:
    """The forest that judges next to the detectors: one trained on this home (it won its
    check), the bundled one only if :data:`BUNDLED_ANOMALY_FOREST`; else ``None``.
    """
    if model is None or (model.info.trained_on != "this_home" and not BUNDLED_ANOMALY_FOREST):
        return None
    return anomaly_forest(model)


def device_risks(home: Home, now: float, model: DeployedModel | None) -> dict[str, DeviceRisk]:
    """Failure risk of every device with history, with reasons from its features."""
    if model is None:
        return {}
    device_ids = devices_with_history(home)
    if not device_ids:
        return {}
    rows = np.array([device_failure_features(home, d, now) for d in device_ids])
    probabilities = failure_risk(model.ensemble, rows)
    risks = {}
    for device_id, p, row in zip(device_ids, probabilities.tolist(), rows, strict=True):
        findings = risk_findings(row)
        risks[device_id] = DeviceRisk(
            float(p), tuple(text for _, text in findings), tuple(kind for kind, _ in findings)
        )
    return risks


def risk_threshold(model: DeployedModel | None) -> float:
    """The probability from which a device counts as at risk (stored with the model)."""
    if model is None:
        return DEFAULT_RISK_THRESHOLD
    value = model.info.extra.get("threshold")
    if isinstance(value, int | float) and 0.0 < value <= 1.0:
        return float(value)
    return DEFAULT_RISK_THRESHOLD  # a threshold of 0 would put every device at risk


def assess_home(home: Home, now: float, models: Mapping[str, DeployedModel | None]) -> Assessment:
    """Risk, anomalies and battery forecasts of every device with history."""
    failure = models.get(FAILURE_MODEL)
    threshold = risk_threshold(failure)
    period = judged_period(home, now)
    forest = forest_in_use(models.get(ANOMALY_MODEL))
    verdicts: dict[str, DayVerdict] = {}
    skipped: dict[str, str] = {}
    if period is not None:
        anomaly_model = HomeAnomalyModel.fit(home, *period)
        verdicts = anomaly_model.judge(home, period[1], forest)
        skipped = anomaly_model.skipped
    risks = device_risks(home, now, failure)
    reports = assess_devices(home, now, risks=risks, verdicts=verdicts, risk_threshold=threshold)
    no_period = None if period else f"fewer than {MIN_NORMAL_DAYS:g} days of history"
    return Assessment(
        reports=reports,
        judged_day=None if period is None else period[1],
        risk_model=None if failure is None else f"v{failure.info.version} ({failure.source})",
        risk_threshold=threshold,
        anomaly_reason=None
        if period
        else f"needs {MIN_NORMAL_DAYS:g} days of history before the judged day",
        coverage={
            "failure_risk": failure_coverage(home, risks, model=failure is not None),
            "anomaly": anomaly_coverage(home, verdicts, skipped, no_period),
            "battery": battery_coverage(home, reports),
        },
    )


# --- training on this home -------------------------------------------------------------------


def _failing_devices(samples: FailureSamples, rows: npt.NDArray[np.bool_]) -> int:
    """Devices with a failure in ``rows`` (a device failing twice counts once)."""
    positive = rows & (samples.y == 1)
    return len({samples.device_ids[i] for i in np.flatnonzero(positive).tolist()})


def device_folds(samples: FailureSamples, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Fold of each of ``rows``: by device, devices with failures spread over the folds.

    Devices are ranked by their failing rows (most first, then by id) and dealt to
    :data:`THRESHOLD_FOLDS` folds in turn, so that each failing device is scored by a
    model fitted without it — and, up to that many, in a fold of its own.
    """
    devices = [samples.device_ids[i] for i in np.flatnonzero(rows).tolist()]
    labels = samples.y[rows].tolist()
    failing: dict[str, int] = {}
    for device, label in zip(devices, labels, strict=True):
        failing[device] = failing.get(device, 0) + label
    ranked = sorted(failing, key=lambda d: (-failing[d], d))
    fold = {device: rank % THRESHOLD_FOLDS for rank, device in enumerate(ranked)}
    return np.array([fold[d] for d in devices], dtype=np.int64)


def train_failure_on_home(
    home: Home, registry: ModelRegistry, now: float, *, min_days: float, seed: int = 0
) -> dict[str, Any]:
    """Train the failure model on this home's own history; promote it only if better.

    Cuts every day; the most recent :data:`HELD_OUT_SHARE` of them are held out, and the
    training cuts end a horizon before them so no training label sees held-out days. The
    candidate's threshold is chosen as the bundled model's is, on out-of-fold risks of the
    training cuts (folds by device, :func:`device_folds`), and stored with it. It replaces
    the model in use only with a higher PR-AUC on the held-out cuts: a tie keeps the model
    in use. Raises :class:`NotEnoughData` when the history is shorter than ``min_days``
    plus a horizon, when the training cuts hold failures of fewer than
    :data:`MIN_TRAINING_FAILURES` devices, or when the held-out cuts hold failures of fewer
    than :data:`MIN_HELD_OUT_FAILURES` devices or :data:`MIN_HELD_OUT_POSITIVES` failing
    device-days.
    """
    start = history_start(home)
    if start is None:
        raise NotEnoughData("no history has been read yet")
    days = (now - start) / DAY
    if days < min_days + HORIZON_DAYS:
        raise NotEnoughData(
            f"{days:.0f} days of history; training on this home needs "
            f"{min_days:g} days plus a {HORIZON_DAYS:g}-day horizon"
        )
    first = start + min(7.0, min_days) * DAY
    cuts = np.arange(first, now - HORIZON_DAYS * DAY + 1e-6, DAY)
    samples = failure_samples(home, cuts)
    if len(samples) == 0:
        raise NotEnoughData("no device has history to learn from")
    held_out_from = float(np.quantile(samples.cuts, 1.0 - HELD_OUT_SHARE))
    train = samples.cuts < held_out_from - HORIZON_DAYS * DAY
    test = samples.cuts >= held_out_from
    positives = int(samples.y[train].sum()), int(samples.y[test].sum())
    failures = _failing_devices(samples, train), _failing_devices(samples, test)
    if failures[0] < MIN_TRAINING_FAILURES:
        raise NotEnoughData(
            f"{failures[0]} failing devices in the older part of this home's history; "
            f"training needs {MIN_TRAINING_FAILURES} (one to learn from while another "
            "chooses the threshold); the current model stays"
        )
    if failures[1] < MIN_HELD_OUT_FAILURES or positives[1] < MIN_HELD_OUT_POSITIVES:
        raise NotEnoughData(
            f"{failures[1]} failing devices ({positives[1]} failing device-days) in the "
            f"most recent days of this home's history; checking a model needs "
            f"{MIN_HELD_OUT_FAILURES} failing devices and {MIN_HELD_OUT_POSITIVES} failing "
            "device-days; the current model stays"
        )
    X, y = samples.X[train], samples.y[train]
    fitted = fit_failure_model(X, y, device_folds(samples, train), seed=seed)
    held_out_y = samples.y[test]
    candidate_risk = failure_risk(fitted.ensemble, samples.X[test])
    candidate_ap = average_precision(held_out_y, candidate_risk)
    flagged = candidate_risk >= fitted.threshold
    caught = int((flagged & (held_out_y == 1)).sum())
    active = load_model(registry, FAILURE_MODEL)
    active_ap = (
        None
        if active is None
        else average_precision(held_out_y, failure_risk(active.ensemble, samples.X[test]))
    )
    metrics = {
        "pr_auc": candidate_ap,
        "held_out_positives": positives[1],
        "held_out_failing_devices": failures[1],
        "precision_at_threshold": round(caught / max(int(flagged.sum()), 1), 4),
        "recall_at_threshold": round(caught / max(positives[1], 1), 4),
    }
    info = save_candidate(
        registry,
        FAILURE_MODEL,
        fitted.ensemble,
        FAILURE_FEATURE_NAMES,
        trained_on="this_home",
        n_samples=int(train.sum()),
        metrics=metrics,
        primary_metric="pr_auc",
        extra={
            "threshold": fitted.threshold,
            "threshold_rule": fitted.rule,
            "threshold_validation": fitted.validation,
        },
    )
    promoted, why = registry.promote_if_better(
        FAILURE_MODEL, info.version, active_score=active_ap, ties_promote=False
    )
    return {
        "samples": len(samples),
        "training_samples": int(train.sum()),
        "held_out_samples": int(test.sum()),
        "positives": {"training": positives[0], "held_out": positives[1]},
        "failing_devices": {"training": failures[0], "held_out": failures[1]},
        "pr_auc": round(candidate_ap, 4),
        "active_pr_auc": None if active_ap is None else round(active_ap, 4),
        "threshold": fitted.threshold,
        "precision_at_threshold": metrics["precision_at_threshold"],
        "recall_at_threshold": metrics["recall_at_threshold"],
        "promoted": promoted,
        "why": why,
    }


FAULT_KINDS: Final = ("night_burst", "stuck", "level_shift")
FAULTY_SHARE: Final = 0.01  # share of faulty entity-days the check's F1 assumes


@dataclass(frozen=True, slots=True)
class AnomalyCheck:
    """How detectors and forest together did on real days (which should pass) and the same
    days with a fault put in (which should be caught), with the caught faults per kind.
    """

    false_alarms: int
    clean: int
    caught: Mapping[str, int]
    faults: Mapping[str, int]

    @property
    def recall(self) -> float:
        """Share of the faults put in that were caught."""
        return sum(self.caught.values()) / max(sum(self.faults.values()), 1)

    @property
    def false_alarm_rate(self) -> float:
        """Share of the real days that were flagged."""
        return self.false_alarms / max(self.clean, 1)

    @property
    def f1(self) -> float:
        """F1 as it would be if :data:`FAULTY_SHARE` of the entity-days were faulty.

        The check judges as many faulty days as real ones; weighting them as a home has
        them keeps a model that raises a false alarm every few nights from winning.
        """
        recall, share = self.recall, FAULTY_SHARE
        if recall == 0.0:
            return 0.0
        precision = share * recall / (share * recall + (1.0 - share) * self.false_alarm_rate)
        return 2 * precision * recall / (precision + recall)

    def as_dict(self) -> dict[str, float]:
        """Figures for the registry and the run's step."""
        recall = {
            f"recall_{kind}": round(self.caught.get(kind, 0) / n, 4)
            for kind in FAULT_KINDS
            if (n := self.faults.get(kind, 0))
        }
        return {
            "f1": round(self.f1, 4),
            "recall": round(self.recall, 4),
            **recall,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "judged_entity_days": self.clean,
        }


def _fault_kind(model: HomeAnomalyModel, entity_id: str, index: int) -> str:
    """The fault the check puts into the entity on its ``index``-th held-out day."""
    if model.entities[entity_id].normal.kind == "activity":
        return "night_burst"
    return "stuck" if index % 2 == 0 else "level_shift"


def _with_fault(
    kind: str, history: StateHistory, day_start: float, day_end: float, *, spread: float
) -> StateHistory:
    """The entity's history (around the day) with a fault of ``kind`` on the day; a level
    shift moves the value by :data:`SHIFT_SPREADS` × ``spread`` (its daily means' spread).
    """
    if kind == "night_burst":
        return with_night_burst(history, day_start, events=BURST_EVENTS)
    if kind == "stuck":
        return with_stuck(history, day_start, day_end)
    return with_level_shift(history, day_start, day_end, SHIFT_SPREADS * spread)


def check_anomaly_model(
    home: Home,
    model: HomeAnomalyModel,
    days: list[tuple[float, float]],
    forest: AnomalyForest | None,
) -> AnomalyCheck:
    """Judge every fitted entity on each of ``days`` as it was and with a fault put in."""
    false_alarms = clean = 0
    caught: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
    faults: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
    entity_ids = [e for e in model.entities if e in home.histories]
    for index, (day_start, _) in enumerate(days):
        kinds = [_fault_kind(model, e, index) for e in entity_ids]
        day_end = local_day_end(day_start, home.time_zone)
        real = [
            (e, window(home.histories[e], day_start - SILENCE_LOOKBACK - DAY, day_end))
            for e in entity_ids
        ]
        faulty = [
            (
                e,
                _with_fault(
                    kind,
                    history,
                    day_start,
                    day_end,
                    spread=model.entities[e].normal.mean_spread,
                ),
            )
            for (e, history), kind in zip(real, kinds, strict=True)
        ]
        verdicts = model.judge_histories(real + faulty, day_start, forest)
        false_alarms += sum(v.anomalous for v in verdicts[: len(real)])
        clean += len(real)
        for kind, verdict in zip(kinds, verdicts[len(real) :], strict=True):
            faults[kind] += 1
            caught[kind] += int(verdict.anomalous)
    return AnomalyCheck(false_alarms, clean, caught, faults)


@dataclass(frozen=True, slots=True)
class ForestTrial:
    """A forest trained on a home's normal days and how it and the forest in use did on the
    held-out most recent days of that normal."""

    forest: AnomalyForest
    candidate: AnomalyCheck
    active: AnomalyCheck
    normal_days: int
    held_out_days: int
    entities: int

    def verdict(self) -> tuple[bool, str]:
        """Whether the candidate should replace the forest in use, and why (or why not).

        Only a check with :data:`MIN_CHECK_ENTITY_DAYS` real entity-days can see a forest
        that raises a false alarm on one day in a hundred, and only a candidate that does
        better there (F1 as stored, rounded alike) replaces the forest in use, which was
        trained on far more days: a tie keeps it.
        """
        candidate, active = self.candidate.as_dict()["f1"], self.active.as_dict()["f1"]
        if self.candidate.clean < MIN_CHECK_ENTITY_DAYS:
            return False, (
                f"the check judged {self.candidate.clean} real entity-days; "
                f"{MIN_CHECK_ENTITY_DAYS} are needed to see a false alarm on 1 % of days"
            )
        if candidate <= active:
            return (
                False,
                f"F1 {candidate} on the held-out days is not above {active} of the model in use",
            )
        return True, f"F1 {candidate} on the held-out days is above {active} of the model in use"


def try_anomaly_forest(
    home: Home,
    normal_start: float,
    normal_end: float,
    active: AnomalyForest | None,
    *,
    seed: int = 0,
) -> ForestTrial:
    """Train a forest on the whole local days of [normal_start, normal_end) but the most
    recent :data:`HELD_OUT_SHARE` (at least :data:`MIN_HELD_OUT_DAYS`), and check it and
    ``active`` on those held-out days (:func:`check_anomaly_model`).

    Raises :class:`NotEnoughData` when the days or the entity-days to learn from are too few.
    """
    days = whole_days(normal_start, normal_end, home.time_zone)
    if len(days) < 2 * MIN_HELD_OUT_DAYS:
        raise NotEnoughData(
            f"{len(days)} whole days of normal; an anomaly forest of this home needs "
            f"{2 * MIN_HELD_OUT_DAYS}; the current one is used"
        )
    held = days[-max(MIN_HELD_OUT_DAYS, round(HELD_OUT_SHARE * len(days))) :]
    model = HomeAnomalyModel.fit(home, normal_start, held[0][0])
    rows = model.training_rows()
    if rows.shape[0] < MIN_FOREST_ROWS:
        raise NotEnoughData(
            f"{rows.shape[0]} entity-days of normal to learn from; a forest of this home "
            f"needs {MIN_FOREST_ROWS}; the current one is used"
        )
    forest = train_anomaly_forest(rows, seed=seed)
    return ForestTrial(
        forest=forest,
        candidate=check_anomaly_model(home, model, held, forest),
        active=check_anomaly_model(home, model, held, active),
        normal_days=len(days) - len(held),
        held_out_days=len(held),
        entities=len(model.entities),
    )


def train_anomaly_on_home(
    home: Home, registry: ModelRegistry, now: float, *, min_days: float, seed: int = 0
) -> dict[str, Any]:
    """Train an anomaly forest on this home's normal days; promote it if it does better.

    The detectors learn this home's normal at every run anyway (see :func:`assess_home`);
    this trains the forest that reads the days against that normal, and checks detectors +
    candidate against what judges now (:func:`forest_in_use`: the detectors alone while the
    bundled forest is off, or with this home's forest) on the most recent days
    (:func:`try_anomaly_forest`); the candidate is stored and promoted only when the check
    can tell and it does better (:meth:`ForestTrial.verdict`).
    """
    period = judged_period(home, now)
    start = history_start(home)
    if period is None or start is None:
        raise NotEnoughData(f"needs {MIN_NORMAL_DAYS:g} days of history to learn the normal")
    normal_start, day_start = period
    if (day_start - start) / DAY < min_days:
        raise NotEnoughData(
            f"{(day_start - start) / DAY:.0f} days of history; an anomaly forest of this "
            f"home needs {min_days:g}; the current one is used"
        )
    active_model = load_model(registry, ANOMALY_MODEL)
    active_forest = forest_in_use(active_model)  # None: the detectors alone are the bar
    trial = try_anomaly_forest(home, normal_start, day_start, active_forest, seed=seed)
    promote, why = trial.verdict()
    if promote:  # a candidate that would not be promoted is not stored
        info = save_candidate(
            registry,
            ANOMALY_MODEL,
            trial.forest.ensemble,
            DAY_FEATURE_NAMES,
            trained_on="this_home",
            n_samples=trial.forest.rows,
            metrics=trial.candidate.as_dict(),
            primary_metric="f1",
            extra={
                "forest": trial.forest.metadata(),
                "data": f"this home's normal days; checked on its {trial.held_out_days} most "
                f"recent days, each as it was and with a fault put in (F1 at "
                f"{FAULTY_SHARE:.0%} faulty days)",
            },
        )
        promote, why = registry.promote_if_better(
            ANOMALY_MODEL, info.version, active_score=trial.active.as_dict()["f1"]
        )
    else:
        why = f"not promoted: {why}"
    return {
        "normal_days": trial.normal_days,
        "held_out_days": trial.held_out_days,
        "training_rows": trial.forest.rows,
        "entities": trial.entities,
        "held_out": trial.candidate.as_dict(),
        "active_held_out": trial.active.as_dict(),
        "active": "detectors alone (the bundled forest is off by default)"
        if active_forest is None or active_model is None
        else f"v{active_model.info.version}",
        "promoted": promote,
        "why": why,
    }


__all__ = [
    "ANOMALY_MODEL",
    "FAILURE_MODEL",
    "HOME_TYPE_MODEL",
    "AnomalyCheck",
    "Assessment",
    "ForestTrial",
    "NotEnoughData",
    "anomaly_forest",
    "assess_home",
    "check_anomaly_model",
    "forest_in_use",
    "load_model",
    "load_models",
    "train_anomaly_on_home",
    "train_failure_on_home",
    "training_unavailable",
    "try_anomaly_forest",
]
