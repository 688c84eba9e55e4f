"""Read the home from Home Assistant's registries, automations and the recorder.

:class:`HomeReader` keeps HomeIQ's derived store (``core.store``) under the configuration
directory and reads the recorder incrementally: each read asks only for rows after the
store's watermark — the recorder's row id, so rows the recorder commits late are read by
the next read (see ``home.recorder``) — and history older than the recorder keeps stays
available. On a recorder schema HomeIQ does not know it reads no history, says why in the
read's report and raises a repair issue until the schema is known again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
import threading
from typing import Any

from homeassistant.components.automation import DATA_COMPONENT as AUTOMATIONS
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.helpers.recorder import get_instance, session_scope

from ..const import DOMAIN, LOGGER
from ..core.home import Automation, Home
from ..core.home.automations import reduce_automation
from ..core.home.external import attach_external_series
from ..core.home.history import is_numeric
from ..core.home.selection import anomaly_entities, battery_entities, entities_read
from ..core.home.store import DerivedStore, StoreCorruptError
from ..core.time import DAY
from ..issues import async_sync_recorder_schema_issue
from .recorder import (
    KNOWN_SCHEMA_VERSIONS,
    ReadPlan,
    is_known_schema,
    plan_read,
    read_state_changes,
    select_schema_version,
)
from .structure import assemble_home_structure

STORE_DIR = DOMAIN
STORE_NAME = "history"


def build_home_structure(hass: HomeAssistant) -> Home:
    """Build areas, devices, entities and automations from the registries (event loop).

    Which entities, and each one's device class, unit and area: see
    :func:`.structure.assemble_home_structure` (``scripts/suggest`` builds homes with it too).
    """
    return assemble_home_structure(
        floors=fr.async_get(hass).async_list_floors(),
        areas=ar.async_get(hass).async_list_areas(),
        devices=dr.async_get(hass).devices,
        entities=er.async_get(hass).entities.values(),
        states={state.entity_id: state.attributes for state in hass.states.async_all()},
        automations=read_automations(hass),
        time_zone=hass.config.time_zone,
        own_platform=DOMAIN,
    )


def read_automations(hass: HomeAssistant) -> list[Automation]:
    """The home's automations reduced to trigger entities → action entities / services."""
    if AUTOMATIONS not in hass.data:
        return []
    ent_reg = er.async_get(hass)

    def resolve(registry_id: str) -> str | None:
        return er.async_resolve_entity_id(ent_reg, registry_id)

    automations = []
    for entity in hass.data[AUTOMATIONS].entities:
        state = hass.states.get(entity.entity_id)
        automations.append(
            reduce_automation(
                getattr(entity, "raw_config", None) or {},
                fallback_id=entity.entity_id,
                enabled=state is not None and state.state == "on",
                resolve=resolve,
            )
        )
    return automations


@dataclass(slots=True)
class ReadReport:
    """What one read did, for the run's step details and diagnostics.

    ``read_from`` / ``read_to``: the previous read's time (or the history window's start) and
    this read's; ``from_state_id`` / ``to_state_id``: the recorder row ids read after / up to.
    """

    read_from: float
    read_to: float
    from_state_id: int | None = None
    to_state_id: int | None = None
    new_rows: int = 0
    recorder_schema: int | None = None
    history_skipped: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    external: dict[str, str] = field(default_factory=dict)


class HomeReader:
    """Reads the home incrementally into the derived store and builds :class:`Home` objects."""

    def __init__(self, hass: HomeAssistant, *, keep_days: float = 180.0) -> None:
        """Create a reader whose store lives in ``<config>/.storage/homeiq/``."""
        self.hass = hass
        self.path = Path(hass.config.path(".storage", STORE_DIR, STORE_NAME))
        self.keep_days = keep_days
        self.store = DerivedStore(keep_days=keep_days)
        self.store_reset_reason: str | None = None
        # Registry changes seen while a read runs in a worker thread wait here.
        self._reading = False
        self._pending: list[tuple[str, str, str | None]] = []
        # A run cancelled on unload leaves its executor thread running: after close() that
        # thread's save is dropped, so it cannot bring back files a removal deleted or
        # overwrite what the next entry saved.
        self._save_lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Refuse every later save; waits for a save in progress (blocking)."""
        with self._save_lock:
            self._closed = True

    async def async_load(self) -> None:
        """Load the store; an unreadable store is replaced by an empty one (and said so)."""
        self.store = await self.hass.async_add_executor_job(self._load)

    def _load(self) -> DerivedStore:
        if not DerivedStore.exists(self.path):
            return DerivedStore(keep_days=self.keep_days)
        try:
            store = DerivedStore.load(self.path)
        except StoreCorruptError as err:
            LOGGER.warning("HomeIQ's history store is unreadable and starts over: %s", err)
            self.store_reset_reason = str(err)
            return DerivedStore(keep_days=self.keep_days)
        if store.damaged:
            reason = "; ".join(f"{file}: {why}" for file, why in store.damaged.items())
            LOGGER.warning("HomeIQ dropped damaged parts of its history store: %s", reason)
            self.store_reset_reason = f"damaged files left out: {reason}"
        return store

    @callback
    def async_track_registry(self) -> Any:
        """Follow entity renames and removals; return the unsubscribe callback."""

        @callback
        def _updated(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
            data = event.data
            if data["action"] == "update" and "old_entity_id" in data:
                self._pending.append(("rename", data["old_entity_id"], data["entity_id"]))
            elif data["action"] == "remove":
                self._pending.append(("remove", data["entity_id"], None))
            if not self._reading:
                self._apply_pending()

        return self.hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, _updated)

    def _apply_pending(self) -> None:
        for action, entity_id, new_id in self._pending:
            if action == "rename" and new_id is not None:
                self.store.rename(entity_id, new_id)
            else:
                self.store.remove(entity_id)
        self._pending.clear()

    async def async_read(self, now: float, window_days: float) -> tuple[Home, ReadReport]:
        """Read new recorder rows into the store, save it, and build the home of the window."""
        self._reading = True
        try:
            return await self._async_read(now, window_days)
        finally:
            self._reading = False
            self._apply_pending()

    async def _async_read(self, now: float, window_days: float) -> tuple[Home, ReadReport]:
        home = build_home_structure(self.hass)
        wanted = entities_read(home)
        numeric = {eid for eid in wanted if is_numeric(home.entities[eid])}
        kept_raw = numeric & kept_raw_entities(home)
        previous = self.store.watermark
        start = now - self.keep_days * DAY
        report = ReadReport(
            read_from=previous.time if previous and previous.time is not None else start,
            read_to=now,
            from_state_id=previous.state_id if previous else None,
        )
        version, plan, report.new_rows = await get_instance(self.hass).async_add_executor_job(
            self._ingest, set(wanted), numeric, kept_raw, start, now
        )
        report.recorder_schema = version
        if plan is None:
            shown = "none recorded" if version is None else str(version)
            report.history_skipped = (
                f"the recorder database has schema version {shown}, which HomeIQ does not "
                f"know (it reads {_versions()}); no new history was read"
            )
            LOGGER.warning("HomeIQ reads no history: %s", report.history_skipped)
            async_sync_recorder_schema_issue(self.hass, shown, _versions())
        else:
            async_sync_recorder_schema_issue(self.hass, None, _versions())
            report.read_to = plan.until_ts
            report.to_state_id = plan.up_to
        await self.hass.async_add_executor_job(self._trim_and_save, now)
        home.histories = await self.hass.async_add_executor_job(
            self.store.histories, now - window_days * DAY, now
        )
        home.window_start = now - window_days * DAY
        home.window_end = now
        report.external = attach_external_series(home)
        report.counts.update(
            entities_without_area=sum(1 for e in home.entities.values() if e.area_id is None),
            entities_without_history=sum(1 for e in home.entities if e not in home.histories),
        )
        return home, report

    def _ingest(
        self, wanted: set[str], numeric: set[str], kept_raw: set[str], start: float, now: float
    ) -> tuple[int | None, ReadPlan | None, int]:
        """Check the schema, read the rows after the watermark, move it (recorder executor).

        Returns (schema version, the read's plan or None when the schema is unknown, rows kept).
        """
        self.store.set_kept_raw(kept_raw)
        with session_scope(hass=self.hass, read_only=True) as session:
            version = select_schema_version(session)
            if not is_known_schema(version):
                return version, None, 0
            plan = plan_read(session, self.store.watermark, start, now)
        kept = self.store.ingest_chunks(
            (
                (chunk.entity_ids, chunk.timestamps, chunk.states, chunk.origins)
                for chunk in read_state_changes(self.hass, wanted, plan)
            ),
            numeric,
        )
        self.store.watermark = plan.watermark
        return version, plan, kept

    def _trim_and_save(self, now: float) -> None:
        with self._save_lock:
            if self._closed:
                LOGGER.debug("HomeIQ's history store is closed: a cancelled run's save is dropped")
                return
            self.store.trim(now)
            self.store.save(self.path)


def kept_raw_entities(home: Home) -> set[str]:
    """Numeric entities the store keeps change by change for its whole window.

    The steady sensors the anomaly check judges (their normal longest silence) and the
    batteries the forecast reads: their models were trained on raw histories of the whole
    window, and they report at most every few minutes. Other numeric entities (power,
    energy …) can report every few seconds and are summarised after the store's raw days.
    """
    judged = {e for e, kind in anomaly_entities(home).items() if kind == "numeric"}
    return judged | set(battery_entities(home))


def _versions() -> str:
    """The recorder schema versions HomeIQ reads, for messages."""
    return f"{min(KNOWN_SCHEMA_VERSIONS)}–{max(KNOWN_SCHEMA_VERSIONS)}"
