"""One report per device: failure risk, anomaly verdict and battery forecast, with reasons.

The report is what the integration shows (per-device sensors and binary sensors, the
``homeiq_device_anomaly`` event, the repair issue) and what it keeps between restarts, so
it is plain data with a JSON form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
import math
from typing import Any

from .anomaly import DayVerdict
from .battery import forecast_battery
from .home import Home
from .selection import battery_entities

DEFAULT_RISK_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class BatteryReport:
    """Days until the battery is empty, with a 10–90 % range (``None``: not soon / unknown)."""

    entity_id: str
    level: float
    drain_per_day: float
    days_left: float | None
    days_low: float | None
    days_high: float | None


@dataclass(frozen=True, slots=True)
class AnomalyReport:
    """The most unusual entity of a device on the judged day."""

    entity_id: str
    day_start: float
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """What HomeIQ knows about one device after a run."""

    device_id: str
    name: str
    risk: float | None = None  # probability of a failure within the next 7 days
    risk_reasons: tuple[str, ...] = ()
    at_risk: bool = False
    anomalies: tuple[AnomalyReport, ...] = ()
    anomaly_checked: bool = False  # some entity of the device was judged for anomalies
    battery: BatteryReport | None = None

    @property
    def anomalous(self) -> bool:
        """Whether any entity of the device was anomalous on the judged day."""
        return bool(self.anomalies)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        data = asdict(self)
        data["risk_reasons"] = list(self.risk_reasons)
        data["anomalies"] = [asdict(a) for a in self.anomalies]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeviceReport:
        """Inverse of :meth:`as_dict`; raises ``KeyError`` / ``TypeError`` on bad data."""
        battery = data.get("battery")
        risk = data.get("risk")
        return cls(
            device_id=str(data["device_id"]),
            name=str(data["name"]),
            risk=None if risk is None else float(risk),
            risk_reasons=tuple(str(r) for r in data.get("risk_reasons", ())),
            at_risk=bool(data.get("at_risk", False)),
            anomalies=tuple(AnomalyReport(**a) for a in data.get("anomalies", ())),
            anomaly_checked=bool(data.get("anomaly_checked", False)),
            battery=None if battery is None else BatteryReport(**battery),
        )


@dataclass(frozen=True, slots=True)
class DeviceRisk:
    """The failure model's view of one device."""

    probability: float
    reasons: tuple[str, ...] = field(default=())


def battery_report(home: Home, device_id: str, now: float) -> BatteryReport | None:
    """Forecast the device's battery entity (device class ``battery``, in %), if it has one."""
    for entity_id in battery_entities(home):
        entity = home.entities[entity_id]
        if entity.device_id != device_id or entity_id not in home.histories:
            continue
        forecast = forecast_battery(home.histories[entity.entity_id], now)
        if forecast is None:
            continue
        return BatteryReport(
            entity_id=entity.entity_id,
            level=round(forecast.level, 1),
            drain_per_day=round(forecast.drain_per_day, 3),
            days_left=_rounded(forecast.days_to_empty),
            days_low=_rounded(forecast.days_low),
            days_high=_rounded(forecast.days_high),
        )
    return None


def _rounded(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 1)


def devices_with_history(home: Home) -> list[str]:
    """Devices that have at least one entity with recorded history, in name order."""
    found = {
        entity.device_id
        for entity_id, history in home.histories.items()
        if len(history)
        and (entity := home.entities.get(entity_id)) is not None
        and entity.device_id in home.devices
    }
    return sorted(
        (d for d in found if d is not None), key=lambda d: (home.devices[d].name.casefold(), d)
    )


def assess_devices(
    home: Home,
    now: float,
    *,
    risks: Mapping[str, DeviceRisk],
    verdicts: Mapping[str, DayVerdict],
    risk_threshold: float = DEFAULT_RISK_THRESHOLD,
    device_ids: Sequence[str] | None = None,
) -> dict[str, DeviceReport]:
    """Combine risks (per device), anomaly verdicts (per entity) and battery forecasts."""
    by_device: dict[str, list[AnomalyReport]] = {}
    checked: set[str] = set()
    for entity_id, verdict in verdicts.items():
        entity = home.entities.get(entity_id)
        if entity is None or entity.device_id is None:
            continue
        checked.add(entity.device_id)
        if not verdict.anomalous:
            continue
        by_device.setdefault(entity.device_id, []).append(
            AnomalyReport(
                entity_id, verdict.day_start, round(verdict.score, 2), verdict.reason or ""
            )
        )
    reports = {}
    for device_id in devices_with_history(home) if device_ids is None else device_ids:
        risk = risks.get(device_id)
        anomalies = sorted(by_device.get(device_id, []), key=lambda a: -a.score)
        reports[device_id] = DeviceReport(
            device_id=device_id,
            name=home.devices[device_id].name,
            risk=None if risk is None else round(risk.probability, 3),
            risk_reasons=() if risk is None else risk.reasons,
            at_risk=risk is not None and risk.probability >= risk_threshold,
            anomalies=tuple(anomalies),
            anomaly_checked=device_id in checked,
            battery=battery_report(home, device_id, now),
        )
    return reports
