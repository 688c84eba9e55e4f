"""The reader's watermark and schema check against a real recorder.

Rows the recorder commits after a read — although stamped before it — must be read by the
next read; on a recorder schema HomeIQ does not know, no history is read and a repair issue
says why until the schema is known again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.db_schema import SchemaChanges, States, StatesMeta
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import delete, select

from custom_components.homeiq.const import DOMAIN
from custom_components.homeiq.core.home import Origin
from custom_components.homeiq.core.home.store import DerivedStore, Watermark
from custom_components.homeiq.home.reader import HomeReader, ReadReport
from custom_components.homeiq.issues import ISSUE_RECORDER_SCHEMA
from tools.legacy_store import save_format_1

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC)
USER = Context(user_id="0123456789abcdef0123456789abcdef")


def _at(seconds: float) -> float:
    return (T0 + timedelta(seconds=seconds)).timestamp()


async def _set(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float, entity_id: str, state: str
) -> None:
    freezer.move_to(T0 + timedelta(seconds=seconds))
    hass.states.async_set(
        entity_id, state, {"unit_of_measurement": "W"} if "power" in entity_id else None
    )


async def _read(
    reader: HomeReader, freezer: FrozenDateTimeFactory, seconds: float
) -> tuple[Any, ReadReport]:
    freezer.move_to(T0 + timedelta(seconds=seconds))
    return await reader.async_read(_at(seconds), 30)


def _register_devices(hass: HomeAssistant) -> None:
    """Put ``switch.fan`` and ``sensor.power`` on a device: HomeIQ reads the entities of
    devices (and the external series)."""
    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=source.entry_id, identifiers={("test", "fan")}, name="Fan"
    )
    entities = er.async_get(hass)
    for entity_id in ("switch.fan", "sensor.power"):
        domain, _, object_id = entity_id.partition(".")
        entities.async_get_or_create(
            domain, "test", object_id, suggested_object_id=object_id, device_id=device.id
        )


@pytest.fixture
async def reader(hass: HomeAssistant) -> HomeReader:
    """A reader with an empty store in the test's configuration directory."""
    _register_devices(hass)
    reader = HomeReader(hass)
    await reader.async_load()
    return reader


@pytest.mark.parametrize("persistent_database", [True])
async def test_rows_committed_after_a_read_are_read_next_time(
    hass: HomeAssistant, reader: HomeReader, freezer: FrozenDateTimeFactory
) -> None:
    """States stamped before a read but committed after it (a backup held the database).

    The backup lock is the recorder's own (``lock_database``, what Home Assistant's backups
    use): states queue up in the recorder while a read runs, and land after it.
    """
    await _set(hass, freezer, 0, "switch.fan", "off")
    await async_wait_recording_done(hass)
    _, first = await _read(reader, freezer, 600)
    assert first.new_rows == 1

    instance = get_instance(hass)
    assert await instance.lock_database()
    try:
        await _set(hass, freezer, 700, "switch.fan", "on")
        await _set(hass, freezer, 710, "sensor.power", "120.5")
        # Read well after the states' time (the old reader skipped rows older than a minute).
        home, during = await _read(reader, freezer, 1800)
    finally:
        assert instance.unlock_database()
    await async_wait_recording_done(hass)
    assert during.new_rows == 0
    assert home.histories["switch.fan"].states() == ["off"]
    assert "sensor.power" not in home.histories
    assert _at(710) < during.read_to - 60

    home, after = await _read(reader, freezer, 2400)
    assert after.new_rows == 2
    assert after.from_state_id == during.to_state_id
    fan = home.histories["switch.fan"]
    assert fan.timestamps.tolist() == [_at(0), _at(700)]
    assert fan.states() == ["off", "on"]
    assert home.histories["sensor.power"].values.tolist() == [120.5]
    assert reader.store.hourly["sensor.power"].count.tolist() == [1]

    # A restart keeps the watermark and reads nothing twice.
    restarted = HomeReader(hass)
    await restarted.async_load()
    assert restarted.store.watermark == reader.store.watermark
    assert isinstance(restarted.store.watermark, Watermark)
    assert restarted.store.watermark.state_id == after.to_state_id
    home, again = await _read(restarted, freezer, 3000)
    assert again.new_rows == 0
    assert home.histories["switch.fan"].states() == ["off", "on"]


def _insert_state(hass: HomeAssistant, entity_id: str, state: str, ts: float) -> int:
    """Insert a state row through the recorder's session, as an import with an old time."""
    with session_scope(hass=hass) as session:
        metadata_id = session.execute(
            select(StatesMeta.metadata_id).where(StatesMeta.entity_id == entity_id)
        ).scalar_one()
        row = States(
            metadata_id=metadata_id,
            state=state,
            last_updated_ts=ts,
            last_changed_ts=ts,
            context_user_id_bin=bytes.fromhex(USER.user_id or ""),
        )
        session.add(row)
        session.flush()
        return int(row.state_id)


async def test_old_rows_with_new_ids_are_read_in_place(
    hass: HomeAssistant, reader: HomeReader, freezer: FrozenDateTimeFactory
) -> None:
    """A row inserted after a read with a time older than the entity's newest row is read."""
    await _set(hass, freezer, 0, "sensor.power", "10")
    await _set(hass, freezer, 1200, "sensor.power", "30")
    await async_wait_recording_done(hass)
    _, first = await _read(reader, freezer, 3000)
    assert first.new_rows == 2

    instance = get_instance(hass)
    state_id = await instance.async_add_executor_job(
        _insert_state, hass, "sensor.power", "20", _at(600)
    )
    assert first.to_state_id is not None
    assert state_id > first.to_state_id
    home, second = await _read(reader, freezer, 3600)
    assert second.new_rows == 1
    power = home.histories["sensor.power"]
    assert power.timestamps.tolist() == [_at(0), _at(600), _at(1200)]
    assert power.values.tolist() == [10.0, 20.0, 30.0]
    assert power.origins.tolist() == [Origin.DEVICE, Origin.USER, Origin.DEVICE]
    hourly = reader.store.hourly["sensor.power"]
    assert hourly.count.tolist() == [3]
    assert hourly.last.tolist() == [30.0]  # the late row is not the hour's last value
    assert reader.store.counters["late_rows"] == 1


def _set_schema_version(hass: HomeAssistant, version: int | None) -> None:
    """Record ``version`` as the database's schema (None: remove what this test added)."""
    with session_scope(hass=hass) as session:
        if version is None:
            session.execute(delete(SchemaChanges).where(SchemaChanges.schema_version == 99))
        else:
            session.add(SchemaChanges(schema_version=version, changed=dt_util.utcnow()))


async def test_unknown_schema_skips_history_with_an_issue(
    hass: HomeAssistant,
    reader: HomeReader,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """On a schema HomeIQ does not know: no history read, the structure is, and an issue."""
    await _set(hass, freezer, 0, "switch.fan", "off")
    await async_wait_recording_done(hass)
    _, first = await _read(reader, freezer, 600)
    assert first.new_rows == 1
    assert first.recorder_schema == 53
    assert first.history_skipped is None
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_RECORDER_SCHEMA) is None

    instance = get_instance(hass)
    await instance.async_add_executor_job(_set_schema_version, hass, 99)
    await _set(hass, freezer, 700, "switch.fan", "on")
    await async_wait_recording_done(hass)
    home, skipped = await _read(reader, freezer, 1200)
    assert skipped.new_rows == 0
    assert skipped.recorder_schema == 99
    assert skipped.history_skipped == (
        "the recorder database has schema version 99, which HomeIQ does not know "
        "(it reads 48–53); no new history was read"
    )
    assert "switch.fan" in home.entities  # the structure is still read
    assert home.histories["switch.fan"].states() == ["off"]  # and the stored history kept
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_RECORDER_SCHEMA)
    assert issue is not None
    assert issue.translation_key == ISSUE_RECORDER_SCHEMA
    assert issue.translation_placeholders == {"version": "99", "known": "48–53"}
    assert issue.severity is ir.IssueSeverity.WARNING

    # Known again: the issue goes, and the rows of the skipped time are read.
    await instance.async_add_executor_job(_set_schema_version, hass, None)
    home, known = await _read(reader, freezer, 1800)
    assert known.history_skipped is None
    assert known.new_rows == 1
    assert home.histories["switch.fan"].states() == ["off", "on"]
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_RECORDER_SCHEMA) is None


async def test_reused_row_ids_are_still_read(
    hass: HomeAssistant, reader: HomeReader, freezer: FrozenDateTimeFactory
) -> None:
    """Deleting the newest rows lets SQLite hand out their ids again: those rows are read."""
    await _set(hass, freezer, 0, "switch.fan", "off")
    await _set(hass, freezer, 10, "sensor.power", "5")
    await async_wait_recording_done(hass)
    _, first = await _read(reader, freezer, 600)
    assert first.new_rows == 2

    await hass.services.async_call(
        "recorder", "purge_entities", {"entity_id": "sensor.power", "keep_days": 0}, blocking=True
    )
    await async_wait_recording_done(hass)
    await _set(hass, freezer, 700, "switch.fan", "on")
    await async_wait_recording_done(hass)
    home, second = await _read(reader, freezer, 1200)
    assert second.to_state_id is not None
    assert first.to_state_id is not None
    assert second.to_state_id <= first.to_state_id  # the new row took a used id
    assert second.new_rows == 1
    assert home.histories["switch.fan"].states() == ["off", "on"]


async def test_format_1_store_on_disk_is_migrated(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A store a user has in the old layout is read, continued by time, and converted."""
    _register_devices(hass)
    old = DerivedStore()
    old.ingest("switch.fan", [_at(-7200)], ["off"], [int(Origin.USER)], numeric=False)
    old.watermark = Watermark(time=_at(-60))
    reader = HomeReader(hass)
    save_format_1(old, reader.path)
    await _set(hass, freezer, 0, "switch.fan", "on")
    await async_wait_recording_done(hass)

    await reader.async_load()
    home, report = await _read(reader, freezer, 600)
    assert report.read_from == _at(-60)
    assert report.new_rows == 1
    assert home.histories["switch.fan"].states() == ["off", "on"]
    assert not reader.path.with_suffix(".json").exists()
    assert not reader.path.with_suffix(".npz").exists()
    assert (reader.path / "manifest.json").exists()
    assert reader.store.watermark is not None
    assert reader.store.watermark.state_id == report.to_state_id
