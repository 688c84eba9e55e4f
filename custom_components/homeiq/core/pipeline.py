"""The nightly pipeline, built from the registered capabilities, without Home Assistant.

:data:`CAPABILITIES` registers every capability (adding one is a new package under
``core/`` and one line here). :func:`nightly_steps` turns them into the run's steps:
``read_home``; ``train_<name>`` of every capability that trains on this home; ``<name>`` of
every capability that judges the whole home; ``devices``, where the device capabilities'
results (failure risk, anomalies, battery) are combined per device
(:func:`assess_home`). The coordinator runs these steps in the executor and keeps only
Home Assistant's side of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from .anomaly import ANOMALY, DayVerdict, HomeAnomalyModel
from .anomaly.judge import MIN_NORMAL_DAYS, forest_in_use, judged_period
from .battery import BATTERY
from .capability import Capability
from .devices import (
    ELEVATED_SHARE,
    RISK_BANDS,
    Coverage,
    DeviceReport,
    anomaly_coverage,
    assess_devices,
    battery_coverage,
    failure_coverage,
    iso_time,
)
from .failure import FAILURE
from .failure.risk import device_risks, risk_threshold
from .graph.on_home import GRAPH
from .graph.scoring import GraphRanking, load_graph_ranking
from .home import Home
from .home_type import HOME_TYPE
from .ml.models import (
    ANOMALY_MODEL,
    FAILURE_MODEL,
    GNN_MODEL,
    DeployedModel,
    Models,
    load_deployed,
    tree_model,
)
from .ml.registry import ModelRegistry
from .names import bundled_embedder
from .synergy import SYNERGY

# The registered capabilities, in the order their models load and their steps run.
CAPABILITIES: Final[tuple[Capability, ...]] = (
    HOME_TYPE,
    FAILURE,
    ANOMALY,
    BATTERY,
    GRAPH,
    SYNERGY,
)

READ_HOME: Final = "read_home"
DEVICES: Final = "devices"


class StepKind(StrEnum):
    """What a step of the nightly run does."""

    READ_HOME = "read_home"  # read the home from Home Assistant
    TRAIN = "train"  # train a capability on this home
    ASSESS_HOME = "assess_home"  # judge the whole home with a capability
    DEVICES = "devices"  # combine the device capabilities' results per device


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the nightly run: its name (as the run shows it) and what it does."""

    name: str
    kind: StepKind
    capability: Capability | None = None


def nightly_steps(capabilities: Sequence[Capability] = CAPABILITIES) -> tuple[Step, ...]:
    """The steps of a nightly run, in order, built from ``capabilities``."""
    return (
        Step(READ_HOME, StepKind.READ_HOME),
        *(Step(f"train_{c.name}", StepKind.TRAIN, c) for c in capabilities if c.trains_on_home),
        *(Step(c.name, StepKind.ASSESS_HOME, c) for c in capabilities if c.assesses_home),
        Step(DEVICES, StepKind.DEVICES),
    )


# The features each registered model reads: a stored model trained on others is not used.
MODEL_FEATURES: Final[dict[str, tuple[str, ...]]] = {
    c.model_name: c.feature_names
    for c in CAPABILITIES
    if c.model_name is not None and c.model_name != GNN_MODEL
}


def load_model(registry: ModelRegistry, name: str) -> DeployedModel | None:
    """The deployed tree model of ``name`` (blocking: reads files)."""
    return load_deployed(registry, name, MODEL_FEATURES[name])


def load_graph(registry: ModelRegistry) -> GraphRanking | None:
    """The deployed graph model with its blend (blocking: reads files); its node features
    hold the bundled embedder's name embeddings (:mod:`.names`)."""
    return load_graph_ranking(registry, bundled_embedder())


def load_any(registry: ModelRegistry, name: str) -> DeployedModel | GraphRanking | None:
    """The deployed model of ``name``, tree or graph (blocking: reads files)."""
    return load_graph(registry) if name == GNN_MODEL else load_model(registry, name)


def load_models(registry: ModelRegistry) -> dict[str, object]:
    """Every deployed model HomeIQ uses (blocking: reads files)."""
    return {name: load_any(registry, name) for name in (*MODEL_FEATURES, GNN_MODEL)}


def model_in_use(name: str, model: object) -> bool:
    """Whether the deployed model of ``name`` takes part in the assessments (the bundled
    anomaly forest is off by default: the detectors judge alone; the graph model only in
    the history regimes where it helped)."""
    if isinstance(model, GraphRanking):
        return model.in_use()
    if not isinstance(model, DeployedModel):
        return False
    return name != ANOMALY_MODEL or forest_in_use(model) is not None


def model_summary(name: str, model: object) -> dict[str, Any] | None:
    """What diagnostics show of a deployed model (``None``: no usable model)."""
    if not isinstance(model, DeployedModel | GraphRanking):
        return None
    return {**model.summary(), "in_use": model_in_use(name, model)}


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
            "with_battery_forecast": sum(
                r.battery is not None and r.battery.days_left is not None for r in reports
            ),
            "judged_day": None if self.judged_day is None else iso_time(self.judged_day),
            "risk_model": self.risk_model,
            "risk_threshold": self.risk_threshold,
            "elevated_from": round(ELEVATED_SHARE * self.risk_threshold, 4),
            "judged": {name: c.as_dict() for name, c in self.coverage.items()},
            **({"anomaly_skipped": self.anomaly_reason} if self.anomaly_reason else {}),
        }


def assess_home(home: Home, now: float, models: Models) -> Assessment:
    """Risk, anomalies and battery forecasts of every device with history."""
    failure = tree_model(models, FAILURE_MODEL)
    threshold = risk_threshold(failure)
    period = judged_period(home, now)
    forest = forest_in_use(tree_model(models, ANOMALY_MODEL))
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
