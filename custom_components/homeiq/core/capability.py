"""What every capability of HomeIQ is: its model, what the model reads, its training on
this home and its nightly assessment.

A capability is a package under ``core/`` (home type, failure, anomaly, battery; next
synergy, graph model, ask) exposing one object that implements :class:`Capability`; the
nightly pipeline (:mod:`.pipeline`) is built from the registered ones.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from .home import Home
from .ml.models import Models
from .ml.registry import ModelRegistry

HELD_OUT_SHARE: Final = 0.3  # the most recent share of cuts (or days) is held out


class Unavailable(Exception):
    """The capability cannot run its step now (no usable model, not enough data); says why."""


class NotEnoughData(Unavailable):
    """This home's history cannot train (or fairly judge) a model yet; says why."""


class HomeAssessment(Protocol):
    """What a capability that judges the whole home returns: figures for the run's step."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the step's figures unless the coordinator shows more)."""
        ...


class Capability(Protocol):
    """One thing HomeIQ learns about a home.

    ``model_name`` is its model in the registry (``None``: it has none) and
    ``feature_names`` what that model reads; a stored model trained on other features is
    not used. A capability with ``trains_on_home`` trains on this home's own history in the
    step ``train_<name>``; one with ``assesses_home`` judges the whole home in the step
    ``<name>``; one with ``assesses_devices`` contributes to every device's report in the
    step ``devices``.
    """

    @property
    def name(self) -> str:
        """Its name: the steps' and the results' key."""

    @property
    def model_name(self) -> str | None:
        """Its model in the registry, if any."""

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The features its model reads."""

    @property
    def trains_on_home(self) -> bool:
        """Whether the nightly run trains it on this home."""

    @property
    def assesses_home(self) -> bool:
        """Whether it judges the whole home in a step of its own."""

    @property
    def assesses_devices(self) -> bool:
        """Whether it contributes to the device reports."""

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """Train on this home's history, store and promote the model if better; the step's
        figures. Raises :class:`NotEnoughData` when the history cannot train it yet."""
        ...

    def assess(self, home: Home, now: float, models: Models) -> HomeAssessment:
        """Judge the whole home with the deployed ``models`` (blocking: CPU work). Raises
        :class:`Unavailable` when it cannot (no usable model)."""
        ...


class DeviceCapability:
    """Base of a capability judged per device: it adds to every device's report in the
    ``devices`` step and has no home-level step. Subclasses set ``name`` and, when they have
    a model, ``model_name``, ``feature_names``, ``trains_on_home`` and ``train_on_home``.
    """

    name: str
    model_name: str | None = None
    feature_names: tuple[str, ...] = ()
    trains_on_home: bool = False
    assesses_home: bool = False
    assesses_devices: bool = True

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """A capability without a model of this home has nothing to train."""
        raise NotEnoughData(f"{self.name} has no model to train on this home")

    def assess(self, home: Home, now: float, models: Models) -> HomeAssessment:
        """Judged per device, in the ``devices`` step."""
        raise Unavailable(f"{self.name} is judged per device")
