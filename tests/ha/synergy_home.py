"""A home recorded for the synergy tests: three rooms where people switch the light on by
hand soon after the room's motion sensor sees them, and a front door.

Each room (hallway, kitchen, bedroom) has a motion sensor and a ceiling light, each on a
device of its own in the room. For 10 days, six times a day, motion turns on, a person
turns the light on ``LIGHT_DELAY_S`` later (a user context: by hand), the motion ends after
90 s and the light is turned off by hand 5 minutes after that. The front door opens and
closes twice a day. The clock ends on day 10, 03:35, after the nightly time (03:30), so
that moving it on does not start a nightly run in the middle of a test.

Also: the automation integration set up the way a default configuration has it
(``automation: !include automations.yaml``), so suggestions can be accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
import uuid

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
import yaml

from custom_components.homeiq.const import (
    DOMAIN,
    SERVICE_ACCEPT_SUGGESTION,
    SERVICE_GET_SUGGESTIONS,
    SERVICE_REJECT_SUGGESTION,
    SERVICE_TRAIN_NOW,
)

DAYS = 10
ROOMS = ("hallway", "kitchen", "bedroom")
MOTION_HOURS = (7.0, 8.5, 12.25, 18.0, 19.5, 21.75)
LIGHT_DELAY_S = {"hallway": 4.0, "kitchen": 8.0, "bedroom": 12.0}
MOTION_S = 90.0
LIGHT_OFF_AFTER_S = 300.0  # after the motion ended
USER = uuid.uuid4().hex


def motion(room: str) -> str:
    """The room's motion sensor."""
    return f"binary_sensor.{room}_motion"


def light(room: str) -> str:
    """The room's ceiling light."""
    return f"light.{room}_light"


def register_synergy_home(hass: HomeAssistant) -> dict[str, str]:
    """Areas, devices and entities; the area ids by room."""
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    areas = ar.async_get(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    area_ids = {}
    for room in ROOMS:
        area = areas.async_create(room.capitalize())
        area_ids[room] = area.id
        for domain, kind, device_class, name in (
            ("binary_sensor", "motion", "motion", f"{room.capitalize()} motion"),
            ("light", "light", None, f"{room.capitalize()} light"),
        ):
            device = devices.async_get_or_create(
                config_entry_id=source.entry_id, identifiers={("test", f"{room}_{kind}")}, name=name
            )
            devices.async_update_device(device.id, area_id=area.id)
            entities.async_get_or_create(
                domain,
                "test",
                f"{room}_{kind}",
                device_id=device.id,
                original_device_class=device_class,
                original_name=name,
                suggested_object_id=f"{room}_{kind}",
            )
    for domain, kind, device_class, name in (
        ("binary_sensor", "front_door", "door", "Front door"),
        ("lock", "front_door_lock", None, "Front door lock"),
    ):
        device = devices.async_get_or_create(
            config_entry_id=source.entry_id, identifiers={("test", kind)}, name=name
        )
        devices.async_update_device(device.id, area_id=area_ids["hallway"])
        entities.async_get_or_create(
            domain,
            "test",
            kind,
            device_id=device.id,
            original_device_class=device_class,
            original_name=name,
            suggested_object_id=kind,
        )
    return area_ids


def _rows(start: datetime) -> list[tuple[datetime, str, str, bool]]:
    """(time, entity, state, by hand) of the whole history, oldest first."""
    rows: list[tuple[datetime, str, str, bool]] = []
    for room in ROOMS:
        rows.append((start, motion(room), "off", False))
        rows.append((start, light(room), "off", True))
    rows.append((start, "binary_sensor.front_door", "off", False))
    rows.append((start, "lock.front_door_lock", "locked", True))
    for day in range(DAYS):
        midnight = start + timedelta(days=day)
        for hour in MOTION_HOURS:
            for room in ROOMS:
                at = midnight + timedelta(hours=hour)
                rows.append((at, motion(room), "on", False))
                rows.append((at + timedelta(seconds=LIGHT_DELAY_S[room]), light(room), "on", True))
                end = at + timedelta(seconds=MOTION_S)
                rows.append((end, motion(room), "off", False))
                off = end + timedelta(seconds=LIGHT_OFF_AFTER_S)
                rows.append((off, light(room), "off", True))
        for hour in (8.0, 17.5):
            at = midnight + timedelta(hours=hour, minutes=3)
            rows.append((at, "binary_sensor.front_door", "on", False))
            rows.append((at + timedelta(seconds=20), "binary_sensor.front_door", "off", False))
    return sorted(rows, key=lambda row: row[0])


async def async_record_synergy_home(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> dict[str, Any]:
    """Register the home and write its history; the clock ends on day 10, 03:35.

    Set HomeIQ up afterwards (waiting for the recorder fires due timers).
    """
    start = datetime(2026, 11, 1, tzinfo=dt_util.get_default_time_zone())
    freezer.move_to(start - timedelta(minutes=5))
    area_ids = register_synergy_home(hass)
    for at, entity_id, state, by_hand in _rows(start):
        freezer.move_to(at)
        context = Context(user_id=USER) if by_hand else Context()
        hass.states.async_set(entity_id, state, context=context)
    await async_wait_recording_done(hass)
    now = start + timedelta(days=DAYS, hours=3, minutes=35)
    freezer.move_to(now)
    return {"areas": area_ids, "start": start, "now": now}


async def async_setup_automations(hass: HomeAssistant) -> Path:
    """The automation integration as a default configuration has it; automations.yaml."""
    config = Path(hass.config.config_dir)
    path = config / "automations.yaml"

    def write() -> None:
        (config / "configuration.yaml").write_text("automation: !include automations.yaml\n")
        path.write_text("[]\n")

    await hass.async_add_executor_job(write)
    assert await async_setup_component(hass, "automation", {"automation": []})
    await hass.async_block_till_done()
    return path


async def async_train(hass: HomeAssistant) -> dict[str, Any]:
    """Run ``homeiq.train_now``; its steps by name."""
    response = await hass.services.async_call(
        DOMAIN, SERVICE_TRAIN_NOW, {}, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    assert response is not None
    return {step["name"]: step for step in response["steps"]}


async def async_get_suggestions(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    """``homeiq.get_suggestions`` with ``data``; the suggestions."""
    response = await hass.services.async_call(
        DOMAIN, SERVICE_GET_SUGGESTIONS, data, blocking=True, return_response=True
    )
    assert response is not None
    suggestions: list[dict[str, Any]] = response["suggestions"]
    return suggestions


async def async_accept(hass: HomeAssistant, suggestion_id: str, **edits: Any) -> dict[str, Any]:
    """``homeiq.accept_suggestion``; its response."""
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_ACCEPT_SUGGESTION,
        {"id": suggestion_id, **edits},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    assert response is not None
    return dict(response)


async def async_reject(hass: HomeAssistant, suggestion_id: str, **data: Any) -> None:
    """``homeiq.reject_suggestion``."""
    await hass.services.async_call(
        DOMAIN, SERVICE_REJECT_SUGGESTION, {"id": suggestion_id, **data}, blocking=True
    )
    await hass.async_block_till_done()


def ids_by_cause(suggestions: list[dict[str, Any]], kind: str = "motion_light") -> dict[str, str]:
    """Ids of the suggestions of ``kind`` by their cause entity."""
    return {s["cause"]: s["id"] for s in suggestions if s["kind"] == kind}


def read_automations(path: Path) -> list[dict[str, Any]]:
    """The automations in ``automations.yaml`` (blocking)."""
    loaded = yaml.safe_load(path.read_text())
    return list(loaded or [])


async def async_setup_synergy_entry(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> dict[str, Any]:
    """The synergy home recorded, automations set up, HomeIQ set up (not run yet)."""
    home = await async_record_synergy_home(hass, freezer)
    path = await async_setup_automations(hass)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return {**home, "entry": entry, "automations": path}
