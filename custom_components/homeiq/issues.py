"""Repair issues HomeIQ raises: training not possible here, and devices at high risk."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import (
    DOMAIN,
    ISSUE_DEVICE_AT_RISK_BATTERY,
    ISSUE_DEVICE_AT_RISK_BATTERY_DEVICE,
    ISSUE_DEVICE_AT_RISK_MAINS,
    ISSUE_DEVICE_AT_RISK_PREFIX,
    ISSUE_TRAINING_UNAVAILABLE,
)
from .core.devices import DeviceReport


def device_issue_translation_key(report: DeviceReport) -> str:
    """The repair text that fits the device: its reasons first, then how it is powered.

    A battery reason asks for a new battery; other reasons on a battery device point at
    the battery and the radio range; a mains device is asked about power and network.
    """
    if "battery" in report.risk_kinds:
        return ISSUE_DEVICE_AT_RISK_BATTERY
    if report.battery_powered:
        return ISSUE_DEVICE_AT_RISK_BATTERY_DEVICE
    return ISSUE_DEVICE_AT_RISK_MAINS


@callback
def async_sync_training_issue(hass: HomeAssistant, reason: str | None) -> None:
    """One issue while training cannot run here (``reason``), none once it can."""
    if reason is None:
        ir.async_delete_issue(hass, DOMAIN, ISSUE_TRAINING_UNAVAILABLE)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_TRAINING_UNAVAILABLE,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_TRAINING_UNAVAILABLE,
        translation_placeholders={"reason": reason},
    )


@callback
def async_sync_device_issues(hass: HomeAssistant, reports: Mapping[str, DeviceReport]) -> None:
    """An issue per device at high risk; issues of recovered or removed devices go away."""
    registry = ir.async_get(hass)
    wanted = {
        f"{ISSUE_DEVICE_AT_RISK_PREFIX}{device_id}": report
        for device_id, report in reports.items()
        if report.at_risk
    }
    for domain, issue_id in list(registry.issues):
        if (
            domain == DOMAIN
            and issue_id.startswith(ISSUE_DEVICE_AT_RISK_PREFIX)
            and issue_id not in wanted
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    for issue_id, report in wanted.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=device_issue_translation_key(report),
            translation_placeholders={
                "device": report.name,
                "risk": f"{round(100 * (report.risk or 0.0))}",
                "reasons": "; ".join(report.risk_reasons) or "no single reason stands out",
            },
        )


ISSUE_RECORDER_SCHEMA = "recorder_schema_unknown"


@callback
def async_sync_recorder_schema_issue(
    hass: HomeAssistant, unknown_version: str | None, known: str
) -> None:
    """One issue while the recorder's schema is one HomeIQ cannot read, none once it can.

    ``unknown_version`` is the schema version HomeIQ does not know (None: the schema is
    known); ``known`` names the versions HomeIQ reads.
    """
    if unknown_version is None:
        ir.async_delete_issue(hass, DOMAIN, ISSUE_RECORDER_SCHEMA)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_RECORDER_SCHEMA,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_RECORDER_SCHEMA,
        translation_placeholders={"version": unknown_version, "known": known},
    )
