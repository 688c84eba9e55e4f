"""Write a home's history into a Home Assistant recorder database (SQLite).

The database is created the way the recorder creates a new one (its own schema models,
``Base.metadata.create_all``, the current schema version), and the states are inserted
through the recorder's own tables. A state's origin becomes its context: a person's change
carries a user id, an automation's a parent id, a device's neither — what HomeIQ's reader
turns back into origins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
import json
import os
from pathlib import Path
from typing import Any

from fnv_hash_fast import fnv1a_32
from homeassistant.components.recorder.db_schema import (
    SCHEMA_VERSION,
    Base,
    SchemaChanges,
    StateAttributes,
    States,
    StatesMeta,
    StatisticsRuns,
)
import numpy as np
from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.orm import Session

from custom_components.homeiq.core.home import Home, Origin

USER_ID = bytes.fromhex("5eed0000000000000000000000000001")
BATCH = 50_000


def create_recorder_db(path: Path) -> Engine:
    """Create an empty recorder database at ``path`` (replacing an existing one)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}", future=True)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        now = datetime.now(UTC)
        session.add(StatisticsRuns(start=now.replace(minute=0, second=0, microsecond=0)))
        session.add(SchemaChanges(schema_version=SCHEMA_VERSION, changed=now))
        session.commit()
    return engine


def _attributes(home: Home, entity_id: str) -> dict[str, Any]:
    entity = home.entities[entity_id]
    attrs: dict[str, Any] = {}
    if entity.unit:
        attrs["unit_of_measurement"] = entity.unit
    if entity.device_class:
        attrs["device_class"] = entity.device_class
    if entity.name:
        attrs["friendly_name"] = entity.name
    return attrs


def _context_ids(count: int, seed: int) -> Iterator[bytes]:
    """Unique 16-byte context ids (ULID-shaped: 48-bit time part, random rest)."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
    for n in range(count):
        yield raw[n].tobytes()


def write_home_states(engine: Engine, home: Home, *, seed: int = 0) -> int:
    """Insert every state change of ``home`` (entities only, not external series); return rows."""
    with Session(engine) as session:
        metadata_ids: dict[str, int] = {}
        attributes_ids: dict[str, int | None] = {}
        for entity_id in sorted(home.histories):
            meta = StatesMeta(entity_id=entity_id)
            session.add(meta)
            attrs = _attributes(home, entity_id) if entity_id in home.entities else {}
            attr_row = None
            if attrs:
                shared = json.dumps(attrs, separators=(",", ":"))
                attr_row = StateAttributes(hash=fnv1a_32(shared.encode()), shared_attrs=shared)
                session.add(attr_row)
            session.flush()
            metadata_ids[entity_id] = meta.metadata_id
            attributes_ids[entity_id] = attr_row.attributes_id if attr_row else None
        session.commit()

    total = sum(len(h) for h in home.histories.values())
    contexts = _context_ids(total, seed)
    parent = bytes.fromhex("0190000000000000000000000000000a")
    rows: list[dict[str, Any]] = []
    written = 0
    with engine.begin() as conn:
        for entity_id in sorted(home.histories):
            history = home.histories[entity_id]
            states = history.states()
            metadata_id = metadata_ids[entity_id]
            attributes_id = attributes_ids[entity_id]
            for ts, state, origin in zip(
                history.timestamps.tolist(), states, history.origins.tolist(), strict=True
            ):
                rows.append(
                    {
                        "metadata_id": metadata_id,
                        "state": state,
                        "last_updated_ts": ts,
                        "last_changed_ts": None,
                        "last_reported_ts": None,
                        "attributes_id": attributes_id,
                        "origin_idx": 0,
                        "context_id_bin": next(contexts),
                        "context_user_id_bin": USER_ID if origin == Origin.USER else None,
                        "context_parent_id_bin": parent if origin == Origin.AUTOMATION else None,
                    }
                )
                if len(rows) >= BATCH:
                    conn.execute(insert(States), rows)
                    written += len(rows)
                    rows = []
        if rows:
            conn.execute(insert(States), rows)
            written += len(rows)
    return written


def write_recorder_db(path: Path, home: Home, *, seed: int = 0) -> int:
    """Create ``path`` and write ``home``'s history into it; return the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_recorder_db(path)
    try:
        return write_home_states(engine, home, seed=seed)
    finally:
        engine.dispose()
        os.sync()
