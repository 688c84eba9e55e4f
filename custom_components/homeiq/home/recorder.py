"""Read state changes with their origin from the recorder database.

The recorder history API (``recorder.history``) returns states without their context, and
HomeIQ needs the context to tell a person's action from an automation's or a device's.
So this module runs one narrow query on the recorder's own tables (through the recorder's
``session_scope`` and schema models): state changes only (no attribute-only updates, no
attributes), a bounded chunk at a time, the origin computed by the database.

Which rows are new — the watermark. A state is stamped (``last_updated_ts``) in the event
loop and committed by the recorder thread later: after its commit interval, or much later
while the recorder is backlogged or the database is locked for a backup. A time watermark
("everything up to a minute ago is in") therefore skips rows committed late, for good. So
the watermark is the recorder's row id, ``states.state_id``:

* it is an integer primary key assigned when the row is inserted (SQLite: ``INTEGER PRIMARY
  KEY`` without AUTOINCREMENT, the next id is the largest + 1; MariaDB / PostgreSQL: an
  identity column);
* only the recorder thread writes states, one transaction after the other, so the rows
  visible to a reader are always the ids up to some maximum: a row committed after a read
  has a higher id than every row that read could see, whatever its ``last_updated_ts``
  (late commits, states imported with an old time);
* purging deletes the oldest rows, so the largest id stays and ids are not reused. They can
  go back only when the newest rows are deleted (``recorder.purge_entities``, SQLite then
  reuses ids above the new maximum) or the database is replaced (a corrupt database moved
  aside, a restored backup).

A read (:func:`plan_read`) first takes the largest id (``up_to``) and reads only rows with
ids up to it, so rows committed while it runs wait for the next read. It reads rows with
``state_id > after`` — and, as a safety net for ids that went back, rows with ``state_id <=
after`` stamped after the previous read's time; that second query is normally empty and
answered from the time index alone (the index holds the row id). The first read has no id:
it reads the history window by time (rows stamped after ``now - keep_days``), and so does
the first read after a format 1 store (which knew only a time). The new watermark is
(``up_to``, the read's time).

Schema: the query needs ``states.state_id / metadata_id / state / last_updated_ts /
last_changed_ts / context_user_id_bin / context_parent_id_bin`` and ``states_meta.metadata_id
/ entity_id``. They are as used here in every schema from 48 (the oldest the recorder still
migrates live, HA 2025.1) to 53 (the installed HA 2026.10's): 49–53 touch only statistics
tables, indexes and MySQL character sets. On a version not in :data:`KNOWN_SCHEMA_VERSIONS`
HomeIQ reads no history and says so.

Also considered: waiting for the recorder's queue to drain before reading. It narrows the
gap but does not close it (a backup lock or a backlog holds rows for minutes), while the
row id closes it whatever the delay.

Everything here runs in the recorder's executor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from homeassistant.components.recorder.db_schema import SchemaChanges, States, StatesMeta
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import session_scope
from sqlalchemy import Case, ColumnElement, case, func, select
from sqlalchemy.orm import Session

from ..core.home import Origin
from ..core.home.store import Watermark

# A day of a busy home is some 10^5 rows: bounded memory per chunk.
CHUNK_SECONDS = 86_400.0
CHUNK_IDS = 200_000
KNOWN_SCHEMA_VERSIONS = frozenset(range(48, 54))


@dataclass(slots=True)
class RecorderRows:
    """State changes of one chunk, column by column, ordered by entity then time."""

    entity_ids: list[str]
    timestamps: list[float]
    states: list[str | None]
    origins: list[int]


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """Which recorder rows one read takes (see the module docstring)."""

    up_to: int  # the largest row id when the read started (0: no rows)
    after_id: int | None  # rows with a higher id are new; None: select by time only
    after_ts: float  # rows stamped later are new (with ids up to ``after_id``: ids went back)
    until_ts: float  # the read's time: where the time chunks end (the last is open)

    @property
    def watermark(self) -> Watermark:
        """The watermark after this read."""
        return Watermark(state_id=self.up_to, time=self.until_ts)


def _origin_column() -> Case[int]:
    return case(
        (States.context_user_id_bin.is_not(None), int(Origin.USER)),
        (States.context_parent_id_bin.is_not(None), int(Origin.AUTOMATION)),
        else_=int(Origin.DEVICE),
    )


def select_schema_version(session: Session) -> int | None:
    """The recorder database's current schema version (the last ``schema_changes`` row)."""
    return session.execute(
        select(SchemaChanges.schema_version).order_by(SchemaChanges.change_id.desc()).limit(1)
    ).scalar()


def select_metadata_ids(session: Session) -> dict[int, str]:
    """Map every metadata id in the recorder database to its entity id."""
    return {
        metadata_id: entity_id
        for metadata_id, entity_id in session.execute(
            select(StatesMeta.metadata_id, StatesMeta.entity_id)
        )
        if entity_id is not None
    }


def select_max_state_id(session: Session) -> int:
    """The largest state row id (0 when there are no rows)."""
    return int(session.execute(select(func.max(States.state_id))).scalar() or 0)


def select_max_time(session: Session) -> float | None:
    """The latest ``last_updated_ts`` of any state row."""
    return session.execute(select(func.max(States.last_updated_ts))).scalar()


def plan_read(session: Session, since: Watermark | None, start_ts: float, now: float) -> ReadPlan:
    """The rows a read takes, given the store's watermark and the history window's start.

    The plan's time is the later of ``now`` and the newest row's time, so that the next
    read's check for ids that went back finds nothing in a database whose ids did not.
    """
    up_to = select_max_state_id(session)
    now = max(now, select_max_time(session) or now)
    if since is None:
        return ReadPlan(up_to=up_to, after_id=None, after_ts=start_ts, until_ts=now)
    if since.state_id is None:  # a format 1 store: it knew the time only
        return ReadPlan(up_to=up_to, after_id=None, after_ts=since.time or start_ts, until_ts=now)
    return ReadPlan(up_to=up_to, after_id=since.state_id, after_ts=since.time or now, until_ts=now)


def select_state_changes(
    session: Session, id_map: dict[int, str], *conditions: ColumnElement[bool]
) -> RecorderRows | None:
    """State changes of the entities in ``id_map`` matching ``conditions``, by entity then time."""
    stmt = (
        select(States.metadata_id, States.state, States.last_updated_ts, _origin_column())
        .where(*conditions)
        .where(
            States.last_changed_ts.is_(None) | (States.last_changed_ts == States.last_updated_ts)
        )
        .where(States.metadata_id.in_(list(id_map)))
        .order_by(States.metadata_id, States.last_updated_ts)
    )
    rows = session.connection().execute(stmt).all()
    if not rows:
        return None
    metadata, states, timestamps, origins = zip(*rows, strict=True)
    return RecorderRows(
        entity_ids=[id_map[m] for m in metadata],
        timestamps=list(timestamps),
        states=list(states),
        origins=list(origins),
    )


def _time_chunks(start_ts: float, until_ts: float) -> Iterator[list[ColumnElement[bool]]]:
    """Conditions for (start_ts, ∞) in day chunks up to ``until_ts``, the last one open."""
    chunk_start = start_ts
    while True:
        chunk_end = chunk_start + CHUNK_SECONDS
        if chunk_end >= until_ts:
            yield [States.last_updated_ts > chunk_start]
            return
        yield [States.last_updated_ts > chunk_start, States.last_updated_ts <= chunk_end]
        chunk_start = chunk_end


def chunk_conditions(session: Session, plan: ReadPlan) -> Iterator[list[ColumnElement[bool]]]:
    """The conditions of each chunk query of ``plan`` (each bounded by ``plan.up_to``)."""
    bound = States.state_id <= plan.up_to
    if plan.up_to == 0:
        return
    if plan.after_id is None:
        for conditions in _time_chunks(plan.after_ts, plan.until_ts):
            yield [bound, *conditions]
        return
    for low in range(plan.after_id, plan.up_to, CHUNK_IDS):
        yield [States.state_id > low, States.state_id <= min(low + CHUNK_IDS, plan.up_to)]
    went_back = min(plan.after_id, plan.up_to)
    reused = session.execute(
        select(States.state_id)
        .where(States.state_id <= went_back, States.last_updated_ts > plan.after_ts)
        .limit(1)
    ).first()
    if reused is not None:
        for conditions in _time_chunks(plan.after_ts, max(plan.until_ts, plan.after_ts)):
            yield [States.state_id <= went_back, *conditions]


def read_state_changes(
    hass: HomeAssistant, wanted: set[str], plan: ReadPlan
) -> Iterator[RecorderRows]:
    """Yield the state changes of ``wanted`` entities that ``plan`` takes, chunk by chunk."""
    with session_scope(hass=hass, read_only=True) as session:
        all_ids = select_metadata_ids(session)
    id_map = {mid: eid for mid, eid in all_ids.items() if eid in wanted}
    if not id_map:
        return
    with session_scope(hass=hass, read_only=True) as session:
        chunks = list(chunk_conditions(session, plan))
    for conditions in chunks:
        with session_scope(hass=hass, read_only=True) as session:
            rows = select_state_changes(session, id_map, *conditions)
        if rows is not None:
            yield rows


def is_known_schema(version: int | None) -> bool:
    """Whether HomeIQ's query fits the recorder schema ``version``."""
    return version is not None and version in KNOWN_SCHEMA_VERSIONS
