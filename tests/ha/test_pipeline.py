"""The coordinator runs the steps built from the registered capabilities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq import coordinator as coordinator_module
from custom_components.homeiq.const import CONF_MIN_DAYS_DEVICE
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.ml.models import DeployedModel
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.pipeline import CAPABILITIES, Step, nightly_steps
from custom_components.homeiq.core.run import StepOutcome


@dataclass(frozen=True, slots=True)
class _Pairs:
    """What a graph model's result could be: pairs found, as figures."""

    pairs: int

    def as_dict(self) -> dict[str, Any]:
        return {"pairs": self.pairs}


@dataclass(frozen=True, slots=True)
class _Graph:
    """A capability registered next to the shipped ones (as the graph model will be)."""

    name: str = "graph"
    model_name: str | None = None
    feature_names: tuple[str, ...] = ()
    trains_on_home: bool = True
    assesses_home: bool = True
    assesses_devices: bool = False

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        return {"entities": len(home.entities), "min_days": min_days}

    def assess(self, home: Home, now: float, models: Mapping[str, DeployedModel | None]) -> _Pairs:
        return _Pairs(len(home.automations))


async def test_a_registered_capability_runs_in_its_steps(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One more registered capability trains after the others and judges the home after the
    home type, before the devices; its result is kept and its figures are its steps'."""

    def steps() -> tuple[Step, ...]:
        return nightly_steps((*CAPABILITIES, _Graph()))

    monkeypatch.setattr(coordinator_module, "nightly_steps", steps)
    coordinator = init_integration.runtime_data.coordinator
    result = await coordinator.async_start_run("action")
    assert [s.name for s in result.steps] == [
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
    by_name = {s.name: s for s in result.steps}
    home = coordinator.home
    assert home is not None
    assert by_name["graph"].outcome is StepOutcome.OK
    assert by_name["graph"].details == {"pairs": len(home.automations)}
    assert coordinator.home_results["graph"] == _Pairs(len(home.automations))
    assert by_name["train_graph"].outcome is StepOutcome.OK
    assert by_name["train_graph"].details == {
        "entities": len(home.entities),
        "min_days": float(coordinator.option(CONF_MIN_DAYS_DEVICE)),
    }
