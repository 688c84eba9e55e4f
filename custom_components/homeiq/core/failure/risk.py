"""The failure risk of every device, with the model in use and its threshold."""

from __future__ import annotations

import numpy as np

from ..devices import DEFAULT_RISK_THRESHOLD, DeviceRisk, devices_with_history
from ..home import Home
from ..ml.models import DeployedModel
from .features import device_failure_features, risk_findings
from .model import failure_risk


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
