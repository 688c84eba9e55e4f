"""One report per device: failure risk, anomaly verdict and battery forecast, with reasons.

The report is what the integration shows (per-device sensors and binary sensors, the
``homeiq_device_anomaly`` event, the repair issue) and what it keeps between restarts, so
it is plain data with a JSON form.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
import math
from typing import Any, Final

from .anomaly import SKIP_KIND, DayVerdict
from .battery import forecast_battery
from .home import Home
from .home.selection import anomaly_kind, battery_entities

DEFAULT_RISK_THRESHOLD = 0.5
RISK_LOW: Final = "low"
RISK_ELEVATED: Final = "elevated"
RISK_HIGH: Final = "high"
RISK_BANDS: Final = (RISK_LOW, RISK_ELEVATED, RISK_HIGH)
# A risk from this share of the model's at-risk threshold up is "elevated". Below it the
# bundled model cannot tell devices apart: on synthetic homes almost every device-day gets
# the same floor probability, and devices below a quarter of the threshold fail no more
# often than the base rate (``tools/risk_bands.py`` measures both).
ELEVATED_SHARE: Final = 0.25


def risk_band(probability: float, threshold: float) -> str:
    """``high`` from the at-risk threshold up, ``elevated`` from :data:`ELEVATED_SHARE` of
    it, else ``low``."""
    if probability >= threshold:
        return RISK_HIGH
    if probability >= ELEVATED_SHARE * threshold:
        return RISK_ELEVATED
    return RISK_LOW


def iso_time(timestamp: float) -> str:
    """A POSIX time as an ISO 8601 string in UTC (how times are shown and stored)."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def parse_time(value: str | float) -> float:
    """Inverse of :func:`iso_time`; also takes a POSIX time (results stored before ISO)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    return float(value)


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
    day_start: float  # POSIX time of the judged local day's midnight (ISO in :meth:`as_dict`)
    score: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form, with the day as an ISO time."""
        return {
            "entity_id": self.entity_id,
            "day_start": iso_time(self.day_start),
            "score": self.score,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnomalyReport:
        """Inverse of :meth:`as_dict`; raises ``KeyError`` / ``TypeError`` / ``ValueError``."""
        return cls(
            entity_id=str(data["entity_id"]),
            day_start=parse_time(data["day_start"]),
            score=float(data["score"]),
            reason=str(data["reason"]),
        )


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """What HomeIQ knows about one device after a run."""

    device_id: str
    name: str
    risk: float | None = None  # probability of a failure within the next 7 days
    risk_reasons: tuple[str, ...] = ()  # only outside the low band
    at_risk: bool = False
    anomalies: tuple[AnomalyReport, ...] = ()
    anomaly_checked: bool = False  # some entity of the device was judged for anomalies
    battery: BatteryReport | None = None
    risk_band: str | None = None  # low / elevated / high (see :func:`risk_band`)
    risk_kinds: tuple[str, ...] = ()  # kinds of the reasons (``battery``, ``silent`` …)
    battery_powered: bool = False

    @property
    def risk_percent(self) -> float | None:
        """The failure probability in %, only outside the low band, where it says more than
        the band (in the low band the model gives nearly every device the same tiny
        probability, which would look precise without telling devices apart)."""
        if self.risk is None or self.risk_band in (None, RISK_LOW):
            return None
        return round(100 * self.risk, 1)

    @property
    def anomalous(self) -> bool:
        """Whether any entity of the device was anomalous on the judged day."""
        return bool(self.anomalies)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        data = asdict(self)
        data["risk_reasons"] = list(self.risk_reasons)
        data["risk_kinds"] = list(self.risk_kinds)
        data["anomalies"] = [a.as_dict() for a in self.anomalies]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeviceReport:
        """Inverse of :meth:`as_dict`; raises ``KeyError`` / ``TypeError`` / ``ValueError``.

        A report stored before risk bands existed gets the band of its risk at the
        default threshold (``high`` when it was at risk) until the next run.
        """
        battery = data.get("battery")
        risk = None if data.get("risk") is None else float(data["risk"])
        at_risk = bool(data.get("at_risk", False))
        band = data.get("risk_band")
        if band not in RISK_BANDS:
            band = None
            if risk is not None:
                band = RISK_HIGH if at_risk else risk_band(risk, DEFAULT_RISK_THRESHOLD)
        return cls(
            device_id=str(data["device_id"]),
            name=str(data["name"]),
            risk=risk,
            risk_reasons=tuple(str(r) for r in data.get("risk_reasons", ())),
            at_risk=at_risk,
            anomalies=tuple(AnomalyReport.from_dict(a) for a in data.get("anomalies", ())),
            anomaly_checked=bool(data.get("anomaly_checked", False)),
            battery=None if battery is None else BatteryReport(**battery),
            risk_band=band,
            risk_kinds=tuple(str(k) for k in data.get("risk_kinds", ())),
            battery_powered=bool(data.get("battery_powered", False)),
        )


@dataclass(frozen=True, slots=True)
class DeviceRisk:
    """The failure model's view of one device."""

    probability: float
    reasons: tuple[str, ...] = field(default=())
    kinds: tuple[str, ...] = field(default=())  # one per reason


def battery_report(home: Home, device_id: str, now: float) -> BatteryReport | None:
    """Forecast the device's battery entity (device class ``battery``, in %), if it has one."""
    for entity_id in battery_entities(home):
        entity = home.entities[entity_id]
        if entity.device_id != device_id or entity_id not in home.histories:
            continue
        forecast = forecast_battery(home.histories[entity.entity_id], now)
        if forecast is None:
            continue
        days_left = _rounded(forecast.days_to_empty)
        # Not draining: no date, and no range either (some of the sampled fits may drain,
        # which would read as "empty in 18 days at the earliest" next to "never").
        draining = days_left is not None
        return BatteryReport(
            entity_id=entity.entity_id,
            level=round(forecast.level, 1),
            drain_per_day=round(forecast.drain_per_day, 3),
            days_left=days_left,
            days_low=_rounded(forecast.days_low) if draining else None,
            days_high=_rounded(forecast.days_high) if draining else None,
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
        band = None if risk is None else risk_band(risk.probability, risk_threshold)
        # A device in the low band is one the model cannot tell from a healthy one: what
        # its features show is not why it is at risk, so no reasons are listed.
        explained = risk is not None and band != RISK_LOW
        anomalies = sorted(by_device.get(device_id, []), key=lambda a: -a.score)
        reports[device_id] = DeviceReport(
            device_id=device_id,
            name=home.devices[device_id].name,
            risk=None if risk is None else round(risk.probability, 3),
            risk_reasons=risk.reasons if explained and risk is not None else (),
            at_risk=band == RISK_HIGH,
            anomalies=tuple(anomalies),
            anomaly_checked=device_id in checked,
            battery=battery_report(home, device_id, now),
            risk_band=band,
            risk_kinds=risk.kinds if explained and risk is not None else (),
            battery_powered=home.devices[device_id].battery_powered,
        )
    return reports


# --- what was judged -------------------------------------------------------------------------

NO_HISTORY: Final = "no history"
NO_DEVICE: Final = "no device"
NO_FAILURE_MODEL: Final = "no failure model could be loaded"
BATTERY_NOT_DRAINING: Final = "battery not draining"
BATTERY_FEW_READINGS: Final = "too few readings in the last 7 days"


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many devices or entities (``of``) one capability considered and judged, and why
    it did not judge the others (reason -> count, most common first)."""

    of: str
    considered: int
    judged: int
    not_judged: dict[str, int] = field(default_factory=dict)

    @classmethod
    def count(cls, of: str, outcomes: Iterable[str | None]) -> Coverage:
        """From one outcome per item: ``None`` when judged, else why not."""
        reasons: Counter[str] = Counter()
        considered = judged = 0
        for outcome in outcomes:
            considered += 1
            if outcome is None:
                judged += 1
            else:
                reasons[outcome] += 1
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        return cls(of, considered, judged, dict(ordered))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coverage:
        """Inverse of :meth:`as_dict`; raises ``KeyError`` / ``TypeError`` / ``ValueError``."""
        return cls(
            str(data["of"]),
            int(data["considered"]),
            int(data["judged"]),
            {str(k): int(v) for k, v in dict(data["not_judged"]).items()},
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the run's figures)."""
        return {
            "of": self.of,
            "considered": self.considered,
            "judged": self.judged,
            "not_judged": dict(self.not_judged),
        }

    def summary(self) -> str:
        """One line for people: ``2 of 5 entities (2 kind not judged, 1 no history)``."""
        text = f"{self.judged} of {self.considered} {self.of}"
        if self.not_judged:
            text += " (" + ", ".join(f"{n} {why}" for why, n in self.not_judged.items()) + ")"
        return text


def failure_coverage(home: Home, risks: Mapping[str, DeviceRisk], *, model: bool) -> Coverage:
    """Devices of the home with a failure risk, and why the others have none."""
    with_history = set(devices_with_history(home))

    def outcome(device_id: str) -> str | None:
        if device_id in risks:
            return None
        if device_id not in with_history:
            return NO_HISTORY
        return None if model else NO_FAILURE_MODEL

    return Coverage.count("devices", (outcome(d) for d in home.devices))


def anomaly_coverage(
    home: Home,
    verdicts: Mapping[str, DayVerdict],
    skipped: Mapping[str, str],
    period_missing: str | None,
) -> Coverage:
    """Entities of the home judged for anomalies, and why the others were not.

    ``skipped``: why the anomaly model left entities out (entity id -> reason);
    ``period_missing``: why no day could be judged at all (``None``: a day was judged).
    """

    def outcome(entity_id: str) -> str | None:
        entity = home.entities[entity_id]
        if anomaly_kind(entity) is None:
            return SKIP_KIND
        if entity.device_id is None or entity.device_id not in home.devices:
            return NO_DEVICE  # its verdict would have no device to be shown on
        if entity_id in verdicts:
            return None
        if (why := skipped.get(entity_id)) is not None:
            return why
        history = home.histories.get(entity_id)
        if history is None or not len(history):
            return NO_HISTORY
        return period_missing or NO_HISTORY

    return Coverage.count("entities", (outcome(e) for e in home.entities))


def battery_coverage(home: Home, reports: Mapping[str, DeviceReport]) -> Coverage:
    """Devices with a battery sensor that got a days-left forecast, and why the others not."""

    batteries: dict[str, list[str]] = {}
    for entity in home.entities.values():
        if entity.device_class == "battery" and entity.domain == "sensor" and entity.device_id:
            batteries.setdefault(entity.device_id, []).append(entity.entity_id)

    def outcome(device_id: str) -> str | None:
        report = reports.get(device_id)
        battery = None if report is None else report.battery
        if battery is not None:
            return None if battery.days_left is not None else BATTERY_NOT_DRAINING
        histories = [home.histories.get(e) for e in batteries[device_id]]
        if not any(h is not None and len(h) for h in histories):
            return NO_HISTORY
        return BATTERY_FEW_READINGS

    return Coverage.count("devices", (outcome(d) for d in home.devices if d in batteries))
