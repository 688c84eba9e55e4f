"""The anomaly forest of this home: trained on its normal days, checked on its most recent
days as they were and with faults put in, promoted only when it does better."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..capability import HELD_OUT_SHARE, NotEnoughData
from ..home import Home, StateHistory
from ..home.history import history_start
from ..ml.models import ANOMALY_MODEL, load_deployed, save_candidate
from ..ml.registry import ModelRegistry
from ..time import DAY, local_day_end, whole_days
from .detectors import SILENCE_LOOKBACK
from .faults import window, with_level_shift, with_night_burst, with_stuck
from .forest import AnomalyForest, train_anomaly_forest
from .judge import MIN_NORMAL_DAYS, forest_in_use, judged_period
from .model import HomeAnomalyModel
from .normal import DAY_FEATURE_NAMES

MIN_HELD_OUT_DAYS: Final = 3  # whole days the anomaly check needs at least
MIN_FOREST_ROWS: Final = 50  # entity-days of normal an anomaly forest of this home needs
# Real entity-days the anomaly check needs: a forest with false alarms on 1 % of days
# raises none in 300 days with a chance of only 5 %.
MIN_CHECK_ENTITY_DAYS: Final = 300
BURST_EVENTS: Final = 6  # activations the anomaly check puts into a night
SHIFT_SPREADS: Final = 6.0  # how far the check moves a value, in spreads of its daily means
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
    active_model = load_deployed(registry, ANOMALY_MODEL, DAY_FEATURE_NAMES)
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
