"""A whole home's anomaly model: the detectors for every suitable entity, combined with a
forest when one is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..home import Home, StateHistory
from ..home.selection import (
    anomaly_entities,
)
from ..time import (
    HOUR,
    local_day_end,
    whole_days,
)
from .detectors import (
    MIN_NORMAL_DAYS,
    NOUNS,
    SKIP_KIND,
    SKIP_NO_HISTORY,
    SKIP_SHORT,
    DayVerdict,
    StuckValueDetector,
    UnusualTimeDetector,
)
from .forest import AnomalyForest
from .normal import DAY_FEATURE_NAMES, DayFacts, EntityNormal, _Series

type FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True, eq=False)
class _EntityModel:
    entity_id: str
    series: _Series
    normal: EntityNormal
    normal_facts: list[DayFacts]  # one per normal day, oldest first
    unusual: UnusualTimeDetector | None = None
    stuck: StuckValueDetector | None = None


class HomeAnomalyModel:
    """The explainable detectors and day normals of every suitable entity of one home."""

    def __init__(
        self,
        time_zone: str,
        entities: dict[str, _EntityModel],
        skipped: Mapping[str, str] | None = None,
    ) -> None:
        """Use :meth:`fit`."""
        self.time_zone = time_zone
        self.entities = entities
        self.skipped: dict[str, str] = dict(skipped or {})  # entity id -> why not judged

    @classmethod
    def fit(cls, home: Home, normal_start: float, normal_end: float) -> HomeAnomalyModel:
        """Learn each entity's normal from [normal_start, normal_end) (numpy only, cheap).

        Entities with fewer than :data:`MIN_NORMAL_DAYS` whole days of history in the period
        are left out; :attr:`skipped` says why each entity with history was left out
        (:data:`SKIP_KIND`, :data:`SKIP_NO_HISTORY`, :data:`SKIP_SHORT`).
        """
        days = whole_days(normal_start, normal_end, home.time_zone)
        models: dict[str, _EntityModel] = {}
        judged = anomaly_entities(home)
        skipped: dict[str, str] = {}
        for entity_id, history in home.histories.items():
            kind = judged.get(entity_id)
            if kind is None:
                skipped[entity_id] = SKIP_KIND
                continue
            entity = home.entities[entity_id]
            series = _Series(history, kind, home.time_zone) if len(history) else None
            if series is None or not series.timestamps.size:
                skipped[entity_id] = SKIP_NO_HISTORY
                continue
            first = float(series.timestamps[0])
            own_days = [(a, b) for a, b in days if a >= first - HOUR]
            if len(own_days) < MIN_NORMAL_DAYS:
                skipped[entity_id] = SKIP_SHORT
                continue
            facts = [series.facts(a, b) for a, b in own_days]
            normal = EntityNormal.from_facts(
                kind,
                facts,
                subject=entity.device_class or "value",
                noun=NOUNS.get(entity.device_class or "", "events")
                if kind == "activity"
                else "readings",
                unit=entity.unit or "",
            )
            start = max(normal_start, own_days[0][0])
            model = _EntityModel(entity_id, series, normal, facts)
            if kind == "activity":
                model.unusual = UnusualTimeDetector(noun=normal.noun).fit(
                    series.event_times, start, normal_end, home.time_zone
                )
            else:
                model.stuck = StuckValueDetector().fit(history, start, normal_end)
            models[entity_id] = model
        return cls(home.time_zone, models, skipped)

    def _series(self, home: Home, model: _EntityModel) -> _Series | None:
        history = home.histories.get(model.entity_id)
        if history is None:
            return None
        if history is not model.series.history:
            model.series = _Series(history, model.normal.kind, self.time_zone)
        return model.series

    def rows(self, home: Home, day_start: float) -> dict[str, FloatArray]:
        """Each entity's day row (:data:`DAY_FEATURE_NAMES`) against its own normal."""
        day_end = local_day_end(day_start, self.time_zone)
        rows: dict[str, FloatArray] = {}
        for entity_id, model in self.entities.items():
            series = self._series(home, model)
            if series is not None:
                rows[entity_id] = model.normal.row(series.facts(day_start, day_end))
        return rows

    def judge(
        self, home: Home, day_start: float, forest: AnomalyForest | None = None
    ) -> dict[str, DayVerdict]:
        """Each entity's verdict on the local day starting at ``day_start``.

        The explainable detectors decide first; a day they find normal is unusual when the
        forest (if given) flags it, with the feature farthest from normal as the reason.
        """
        items: list[tuple[str, _Series]] = []
        for entity_id, model in self.entities.items():
            series = self._series(home, model)
            if series is not None:
                items.append((entity_id, series))
        return dict(zip((e for e, _ in items), self._judge(items, day_start, forest), strict=True))

    def judge_histories(
        self,
        histories: Sequence[tuple[str, StateHistory]],
        day_start: float,
        forest: AnomalyForest | None = None,
    ) -> list[DayVerdict]:
        """Verdicts on other histories of fitted entities (such as one with a fault put in),
        judged against the entity's normal as :meth:`judge` does; unknown entities are an error.
        """
        items = [
            (entity_id, _Series(history, self.entities[entity_id].normal.kind, self.time_zone))
            for entity_id, history in histories
        ]
        return self._judge(items, day_start, forest)

    def _judge(
        self,
        items: Sequence[tuple[str, _Series]],
        day_start: float,
        forest: AnomalyForest | None,
    ) -> list[DayVerdict]:
        day_end = local_day_end(day_start, self.time_zone)
        verdicts: list[DayVerdict] = []
        facts: list[DayFacts] = []
        for entity_id, series in items:
            model = self.entities[entity_id]
            if model.unusual is not None:
                verdicts.append(model.unusual.judge(series.event_times, day_start, day_end))
            else:
                assert model.stuck is not None  # every model has one detector
                verdicts.append(model.stuck.judge(series.history, day_start, day_end))
            if forest is not None:
                facts.append(series.facts(day_start, day_end))
        if forest is None or not items:
            return verdicts
        matrix = np.vstack(
            [self.entities[e].normal.row(f) for (e, _), f in zip(items, facts, strict=True)]
        )
        scores = forest.scores(matrix).tolist()
        flags = forest.flags(matrix).tolist()
        combined: list[DayVerdict] = []
        for index, ((entity_id, _), verdict) in enumerate(zip(items, verdicts, strict=True)):
            score = float(scores[index])
            if verdict.anomalous or not flags[index]:
                combined.append(
                    DayVerdict(
                        verdict.day_start,
                        verdict.anomalous,
                        verdict.score,
                        verdict.reason,
                        verdict.kind,
                        score,
                    )
                )
                continue
            feature = forest.farthest(matrix[index])
            reason = self.entities[entity_id].normal.describe(facts[index], feature)
            combined.append(DayVerdict(day_start, True, score, reason, "forest", score))
        return combined

    def training_rows(self, *, folds: int = 3) -> FloatArray:
        """Day rows of the normal period, for training a forest (see
        :func:`anomaly_training_rows`): cross-fitted over ``folds`` blocks of days.
        """
        rows: list[FloatArray] = []
        for model in self.entities.values():
            facts = model.normal_facts
            blocks = np.array_split(np.arange(len(facts)), min(max(folds, 2), len(facts)))
            for block in blocks:
                held = set(block.tolist())
                rest = [f for i, f in enumerate(facts) if i not in held]
                if not held or len(rest) < MIN_NORMAL_DAYS - 1:
                    continue
                normal = EntityNormal.from_facts(model.normal.kind, rest)
                rows.extend(normal.row(facts[i]) for i in sorted(held))
        return np.vstack(rows) if rows else np.empty((0, len(DAY_FEATURE_NAMES)))


def judge_home(
    home: Home,
    normal_start: float,
    normal_end: float,
    day_start: float,
    forest: AnomalyForest | None = None,
) -> dict[str, DayVerdict]:
    """Every suitable entity's verdict on one local day, against [normal_start, normal_end)."""
    return HomeAnomalyModel.fit(home, normal_start, normal_end).judge(home, day_start, forest)


def anomaly_training_rows(
    home: Home, normal_start: float, normal_end: float, *, folds: int = 3
) -> FloatArray:
    """Day rows of a home's normal period, for training its forest.

    Cross-fitted: each entity's normal days are cut into ``folds`` blocks, and each block's
    rows are taken against the normal of the other blocks, so they look like days the normal
    has not seen (as judged days are). Entities with too few days give no rows.
    """
    return HomeAnomalyModel.fit(home, normal_start, normal_end).training_rows(folds=folds)
