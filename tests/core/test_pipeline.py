"""Tests for the nightly pipeline built from the registered capabilities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from custom_components.homeiq.core.anomaly import ANOMALY, DAY_FEATURE_NAMES
from custom_components.homeiq.core.battery import BATTERY
from custom_components.homeiq.core.capability import Capability, NotEnoughData, Unavailable
from custom_components.homeiq.core.failure import FAILURE, FAILURE_FEATURE_NAMES
from custom_components.homeiq.core.graph.on_home import GRAPH
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.home_type import FEATURE_NAMES, HOME_TYPE
from custom_components.homeiq.core.ml.models import DeployedModel
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.pipeline import (
    CAPABILITIES,
    MODEL_FEATURES,
    StepKind,
    nightly_steps,
)
from custom_components.homeiq.core.synergy import FEATURE_NAMES as SYNERGY_FEATURE_NAMES, SYNERGY


def test_steps_of_the_registered_capabilities() -> None:
    """The run's steps, their order and kinds, as the snapshot tests pin them."""
    steps = nightly_steps()
    assert [s.name for s in steps] == [
        "read_home",
        "train_failure",
        "train_anomaly",
        "train_gnn",
        "home_type",
        "synergy",
        "devices",
    ]
    assert [s.kind for s in steps] == [
        StepKind.READ_HOME,
        StepKind.TRAIN,
        StepKind.TRAIN,
        StepKind.TRAIN,
        StepKind.ASSESS_HOME,
        StepKind.ASSESS_HOME,
        StepKind.DEVICES,
    ]
    assert [s.capability for s in steps] == [
        None,
        FAILURE,
        ANOMALY,
        GRAPH,
        HOME_TYPE,
        SYNERGY,
        None,
    ]
    assert CAPABILITIES == (HOME_TYPE, FAILURE, ANOMALY, BATTERY, GRAPH, SYNERGY)


def test_model_features_come_from_the_capabilities() -> None:
    """Each tree model is read with its capability's features, loaded in registration order
    (the graph model's features follow the name embedder: it is loaded apart)."""
    assert MODEL_FEATURES == {
        "home_type": FEATURE_NAMES,
        "failure": FAILURE_FEATURE_NAMES,
        "anomaly": DAY_FEATURE_NAMES,
        "synergy": SYNERGY_FEATURE_NAMES,
    }
    assert list(MODEL_FEATURES) == ["home_type", "failure", "anomaly", "synergy"]
    assert BATTERY.model_name is None


@dataclass(frozen=True, slots=True)
class _Graph:
    """A capability as the next one will be: trains on the home and judges it whole."""

    name: str = "graph"
    model_name: str | None = "graph"
    feature_names: tuple[str, ...] = ("co_occurrence",)
    trains_on_home: bool = True
    assesses_home: bool = True
    assesses_devices: bool = False

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        return {}

    def assess(self, home: Home, now: float, models: Mapping[str, DeployedModel | None]) -> object:
        return None


def test_a_new_capability_is_one_registration() -> None:
    """Registering one more capability adds its training and its home step, in order."""
    graph: Capability = _Graph()
    steps = nightly_steps((*CAPABILITIES, graph))
    assert [s.name for s in steps] == [
        "read_home",
        "train_failure",
        "train_anomaly",
        "train_gnn",
        "train_graph",
        "home_type",
        "synergy",
        "graph",
        "devices",
    ]


def test_capabilities_say_why_they_cannot_run(tmp_path: Any) -> None:
    """Without a model the home type is not judged; nothing trains on an empty home."""
    home = Home()
    registry = ModelRegistry(tmp_path / "models")
    with pytest.raises(Unavailable, match="no home type model"):
        HOME_TYPE.assess(home, 0.0, {})
    for capability in (HOME_TYPE, FAILURE, ANOMALY, BATTERY):
        with pytest.raises(NotEnoughData):
            capability.train_on_home(home, registry, 0.0, min_days=14.0)
