"""Failure risk: how likely a device fails within the next week."""

from __future__ import annotations

from typing import Any, Final

from ..capability import DeviceCapability
from ..home import Home
from ..ml.models import FAILURE_MODEL
from ..ml.registry import ModelRegistry
from . import on_home
from .features import (
    FAILURE_FEATURE_NAMES,
    FALLBACK_THRESHOLD,
    HORIZON_DAYS,
    SENTINEL,
    THRESHOLD_FOLDS,
    FailureLabel,
    device_failure_features,
    risk_findings,
    risk_reasons,
)
from .labels import FailureSamples, failure_cuts, failure_label, failure_samples
from .model import (
    baseline_risk,
    failure_classifier,
    failure_risk,
    fit_failure_model,
    risk_threshold_rule,
    train_failure_model,
)
from .on_home import device_folds, train_failure_on_home
from .risk import device_risks, risk_threshold


class FailureCapability(DeviceCapability):
    """Failure risk: trained on this home where it has seen failures; contributes each
    device's risk to its report."""

    name: Final = "failure"
    model_name = FAILURE_MODEL
    feature_names = FAILURE_FEATURE_NAMES
    trains_on_home = True

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """Train on this home's history (:func:`.on_home.train_failure_on_home`)."""
        return on_home.train_failure_on_home(home, registry, now, min_days=min_days)


FAILURE: Final = FailureCapability()


__all__ = [
    "FAILURE",
    "FAILURE_FEATURE_NAMES",
    "FALLBACK_THRESHOLD",
    "HORIZON_DAYS",
    "SENTINEL",
    "THRESHOLD_FOLDS",
    "FailureCapability",
    "FailureLabel",
    "FailureSamples",
    "baseline_risk",
    "device_failure_features",
    "device_folds",
    "device_risks",
    "failure_classifier",
    "failure_cuts",
    "failure_label",
    "failure_risk",
    "failure_samples",
    "fit_failure_model",
    "risk_findings",
    "risk_reasons",
    "risk_threshold",
    "risk_threshold_rule",
    "train_failure_model",
    "train_failure_on_home",
]
