"""Read state changes with their origin from the recorder database.

The recorder history API (``recorder.history``) returns states without their context, and
HomeIQ needs the context to tell a person's action from an automation's or a device's.
So this module runs one narrow query on the recorder's own tables (through the recorder's
``session_scope`` and schema models): state changes only (no attribute-only updates, no
attributes), a bounded time chunk at a time, the origin computed by the database.

Everything here runs in the recorder's executor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import session_scope
from sqlalchemy import Case, case, select
from sqlalchemy.orm import Session

from ..core.home import Origin

# A day of a busy home is some 10^5 rows: bounded memory per chunk.
CHUNK_SECONDS = 86_400.0


@dataclass(slots=True)
class RecorderRows:
    """State changes of one time chunk, column by column, ordered by entity then time."""

    entity_ids: list[str]
    timestamps: list[float]
    states: list[str | None]
    origins: list[int]


def _origin_column() -> Case[int]:
    return case(
        (States.context_user_id_bin.is_not(None), int(Origin.USER)),
        (States.context_parent_id_bin.is_not(None), int(Origin.AUTOMATION)),
        else_=int(Origin.DEVICE),
    )


def select_metadata_ids(session: Session) -> dict[int, str]:
    """Map every metadata id in the recorder database to its entity id."""
    return {
        metadata_id: entity_id
        for metadata_id, entity_id in session.execute(
            select(StatesMeta.metadata_id, StatesMeta.entity_id)
        )
        if entity_id is not None
    }


def select_state_changes(
    session: Session, id_map: dict[int, str], start_ts: float, end_ts: float
) -> RecorderRows | None:
    """State changes of the entities in ``id_map`` in (start_ts, end_ts], by entity then time."""
    stmt = (
        select(States.metadata_id, States.state, States.last_updated_ts, _origin_column())
        .where(States.last_updated_ts > start_ts)
        .where(States.last_updated_ts <= end_ts)
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


def iter_state_changes(
    hass: HomeAssistant, wanted: set[str], start_ts: float, end_ts: float
) -> Iterator[RecorderRows]:
    """Yield the state changes of ``wanted`` entities in (start_ts, end_ts], chunk by chunk."""
    with session_scope(hass=hass, read_only=True) as session:
        all_ids = select_metadata_ids(session)
    id_map = {mid: eid for mid, eid in all_ids.items() if eid in wanted}
    if not id_map:
        return
    chunk_start = start_ts
    while chunk_start < end_ts:
        chunk_end = min(chunk_start + CHUNK_SECONDS, end_ts)
        with session_scope(hass=hass, read_only=True) as session:
            rows = select_state_changes(session, id_map, chunk_start, chunk_end)
        if rows is not None:
            yield rows
        chunk_start = chunk_end
