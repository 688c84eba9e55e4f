"""The derived store: HomeIQ's own compact copy of the home's history.

The recorder keeps 10 days by default; HomeIQ's models look back up to 180. After each
read, the new state changes are appended here, so the next read only asks the recorder
for rows newer than :attr:`DerivedStore.watermark`.

What is kept:

* every entity's state changes (time, state, origin) — for numeric entities only the most
  recent ``raw_days``, since a power sensor can report every few seconds;
* for numeric entities, hourly aggregates (count, sum, min, max, last) for ``keep_days``.

Files: ``<name>.npz`` (plain arrays, loaded with ``allow_pickle=False``) and ``<name>.json``
(format version, watermark, vocabularies, counters), both written atomically.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import json
import math
from pathlib import Path
from typing import Any, cast
import zipfile

import numpy as np
import numpy.typing as npt

from .atomic import write_file_atomic
from .history import pack_rows, parse_numeric
from .home import Origin, StateHistory

FORMAT_VERSION = 1
HOUR = 3600.0
DAY = 86_400.0
UNAVAILABLE_STATES = frozenset({"unknown", "unavailable"})
FLUSH_ROWS = 500_000

# Rows of several entities: entity ids, timestamps, states, origins (column by column).
type RowChunk = tuple[Sequence[str], Sequence[float], Sequence[str | None], Sequence[int]]


class StoreCorruptError(Exception):
    """The stored files cannot be read; the caller starts a new store."""


@dataclass(slots=True)
class HourlyAggregate:
    """Hourly statistics of a numeric entity: one row per hour that had values."""

    hours: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    total: npt.NDArray[np.float64]
    minimum: npt.NDArray[np.float64]
    maximum: npt.NDArray[np.float64]
    last: npt.NDArray[np.float64]

    @classmethod
    def empty(cls) -> HourlyAggregate:
        """An aggregate without hours."""
        f = np.empty(0, dtype=np.float64)
        return cls(f, np.empty(0, dtype=np.int64), f, f, f, f)

    @property
    def mean(self) -> npt.NDArray[np.float64]:
        """Mean value of each hour."""
        return self.total / self.count

    def select(self, mask: npt.NDArray[np.bool_]) -> HourlyAggregate:
        """The hours where ``mask`` is true."""
        return HourlyAggregate(
            self.hours[mask],
            self.count[mask],
            self.total[mask],
            self.minimum[mask],
            self.maximum[mask],
            self.last[mask],
        )


def aggregate_hourly(
    timestamps: npt.NDArray[np.float64], values: npt.NDArray[np.float64]
) -> HourlyAggregate:
    """Aggregate sorted (timestamp, value) rows by hour; NaN values are left out."""
    finite = np.isfinite(values)
    ts, vals = timestamps[finite], values[finite]
    if ts.size == 0:
        return HourlyAggregate.empty()
    hours = np.floor(ts / HOUR) * HOUR
    starts = np.flatnonzero(np.r_[True, hours[1:] != hours[:-1]])
    ends = np.r_[starts[1:], hours.size] - 1
    return HourlyAggregate(
        hours=hours[starts],
        count=np.diff(np.r_[starts, hours.size]).astype(np.int64),
        total=np.add.reduceat(vals, starts),
        minimum=np.minimum.reduceat(vals, starts),
        maximum=np.maximum.reduceat(vals, starts),
        last=vals[ends],
    )


def merge_hourly(old: HourlyAggregate, new: HourlyAggregate) -> HourlyAggregate:
    """Combine two aggregates hour by hour; where both have an hour, ``new`` has the last value.

    Exact for counts, sums, minima and maxima, in whatever order the hours come.
    """
    if old.hours.size == 0:
        return new
    if new.hours.size == 0:
        return old
    hours = np.concatenate([old.hours, new.hours])
    order = np.argsort(hours, kind="stable")  # equal hours: old before new
    hours = hours[order]

    def joined[T: np.generic](a: npt.NDArray[T], b: npt.NDArray[T]) -> npt.NDArray[T]:
        combined: npt.NDArray[T] = np.concatenate([a, b])
        return combined[order]

    starts = np.flatnonzero(np.r_[True, hours[1:] != hours[:-1]])
    ends = np.r_[starts[1:], hours.size] - 1
    return HourlyAggregate(
        hours=hours[starts],
        count=np.add.reduceat(joined(old.count, new.count), starts),
        total=np.add.reduceat(joined(old.total, new.total), starts),
        minimum=np.minimum.reduceat(joined(old.minimum, new.minimum), starts),
        maximum=np.maximum.reduceat(joined(old.maximum, new.maximum), starts),
        last=joined(old.last, new.last)[ends],
    )


def _concat_histories(old: StateHistory, new: StateHistory) -> StateHistory:
    """Append ``new`` rows after ``old`` rows, re-coding ``new`` into ``old``'s vocabulary."""
    vocabulary = list(old.vocabulary)
    index = {state: code for code, state in enumerate(vocabulary)}
    remap = np.empty(len(new.vocabulary), dtype=np.int32)
    for code, state in enumerate(new.vocabulary):
        remap[code] = index.setdefault(state, len(vocabulary))
        if remap[code] == len(vocabulary):
            vocabulary.append(state)
    return StateHistory(
        timestamps=np.concatenate([old.timestamps, new.timestamps]),
        values=np.concatenate([old.values, new.values]),
        codes=np.concatenate([old.codes, remap[new.codes] if len(new) else new.codes]),
        vocabulary=vocabulary,
        origins=np.concatenate([old.origins, new.origins]),
    )


def _select_rows(
    history: StateHistory, rows: npt.NDArray[np.bool_] | npt.NDArray[np.intp]
) -> StateHistory:
    """The rows picked by a mask or an index array (in that order)."""
    return StateHistory(
        timestamps=history.timestamps[rows],
        values=history.values[rows],
        codes=history.codes[rows],
        vocabulary=history.vocabulary,
        origins=history.origins[rows],
    )


def _merge_sorted(a: StateHistory, b: StateHistory) -> StateHistory:
    """Merge two histories of one entity into one, ordered by time."""
    joined = _concat_histories(a, b)
    return _select_rows(joined, np.argsort(joined.timestamps, kind="stable"))


class DerivedStore:
    """HomeIQ's incremental copy of the history, bounded in time and size."""

    def __init__(self, *, keep_days: float = 180.0, raw_days: float = 14.0) -> None:
        """Create an empty store keeping ``keep_days`` of history (raw numeric: ``raw_days``)."""
        self.keep_days = keep_days
        self.raw_days = raw_days
        self.watermark: float | None = None
        self.events: dict[str, StateHistory] = {}
        self.hourly: dict[str, HourlyAggregate] = {}
        self.numeric: set[str] = set()
        self.counters: Counter[str] = Counter()

    def ingest(
        self,
        entity_id: str,
        timestamps: Sequence[float],
        states: Sequence[str | None],
        origins: Sequence[int],
        *,
        numeric: bool,
    ) -> int:
        """Append one entity's new rows (oldest first); return how many were kept.

        Rows at or before what the store already holds for the entity are duplicates of
        an earlier read and skipped; empty states are skipped; non-numeric values of a
        numeric entity (other than unknown / unavailable) are kept as events but left out
        of the hourly aggregates. Every skip is counted in :attr:`counters`.
        """
        known = self.events.get(entity_id)
        after = known.timestamps[-1] if known is not None and len(known) else -math.inf
        ts = np.asarray(timestamps, dtype=np.float64)
        org = np.asarray(origins, dtype=np.int8)
        duplicate = ts <= after
        empty = np.fromiter(map(_is_empty, states), dtype=bool, count=len(states))
        keep = ~duplicate & ~empty
        if duplicate.any():
            self.counters["duplicate_rows"] += int(duplicate.sum())
        if (empty & ~duplicate).any():
            self.counters["empty_states"] += int((empty & ~duplicate).sum())
        if keep.all():
            keep_ts, keep_states, keep_origins = ts, cast(Sequence[str], states), org
        else:
            rows = np.flatnonzero(keep)
            keep_ts, keep_origins = ts[rows], org[rows]
            keep_states = [cast(str, states[i]) for i in rows.tolist()]
        if not len(keep_ts):
            return 0
        new = pack_rows(keep_ts, keep_states, keep_origins)
        self.events[entity_id] = new if known is None else _concat_histories(known, new)
        if numeric:
            self.numeric.add(entity_id)
            bad = ~np.isfinite(new.values)
            if bad.any():
                unavailable = np.array(
                    [new.vocabulary[c] in UNAVAILABLE_STATES for c in new.codes[bad]]
                )
                if (~unavailable).any():
                    self.counters["non_numeric_in_numeric"] += int((~unavailable).sum())
            self.hourly[entity_id] = merge_hourly(
                self.hourly.get(entity_id, HourlyAggregate.empty()),
                aggregate_hourly(new.timestamps, new.values),
            )
        return len(keep_ts)

    def ingest_chunks(
        self,
        chunks: Iterable[RowChunk],
        numeric: set[str],
    ) -> int:
        """Ingest chunks of rows of several entities (each chunk ordered by entity, then time).

        Rows are gathered per entity first, so each entity's arrays grow once per read.
        """
        gathered: dict[str, tuple[list[float], list[str | None], list[int]]] = {}
        pending = 0
        kept = 0

        def flush() -> int:
            added = sum(
                self.ingest(entity_id, ts, st, org, numeric=entity_id in numeric)
                for entity_id, (ts, st, org) in gathered.items()
            )
            gathered.clear()
            return added

        for entity_ids, timestamps, states, origins in chunks:
            first = 0
            total = len(entity_ids)
            for n in range(1, total + 1):
                if n == total or entity_ids[n] != entity_ids[first]:
                    ts, st, org = gathered.setdefault(entity_ids[first], ([], [], []))
                    ts.extend(timestamps[first:n])
                    st.extend(states[first:n])
                    org.extend(origins[first:n])
                    first = n
            pending += total
            if pending >= FLUSH_ROWS:  # bound the memory of a long first read
                kept += flush()
                pending = 0
        return kept + flush()

    def rename(self, old_id: str, new_id: str) -> None:
        """Let the history of ``old_id`` continue under ``new_id``."""
        if old_id in self.events:
            moved = self.events.pop(old_id)
            existing = self.events.get(new_id)
            self.events[new_id] = moved if existing is None else _merge_sorted(moved, existing)
        if old_id in self.hourly:
            moved_hours = self.hourly.pop(old_id)
            existing_hours = self.hourly.get(new_id)
            self.hourly[new_id] = (
                moved_hours if existing_hours is None else merge_hourly(moved_hours, existing_hours)
            )
        if old_id in self.numeric:
            self.numeric.discard(old_id)
            self.numeric.add(new_id)
        self.counters["renamed_entities"] += 1

    def remove(self, entity_id: str) -> None:
        """Forget a deleted entity."""
        if self.events.pop(entity_id, None) is not None:
            self.counters["deleted_entities"] += 1
        self.hourly.pop(entity_id, None)
        self.numeric.discard(entity_id)

    def trim(self, now: float) -> None:
        """Drop what is older than the store keeps."""
        keep_from = now - self.keep_days * DAY
        raw_from = now - self.raw_days * DAY
        for entity_id, history in list(self.events.items()):
            cutoff = raw_from if entity_id in self.numeric else keep_from
            mask = history.timestamps >= cutoff
            if not mask.all():
                self.events[entity_id] = _select_rows(history, mask)
        for entity_id, hourly in list(self.hourly.items()):
            mask = hourly.hours >= keep_from
            if not mask.all():
                self.hourly[entity_id] = hourly.select(mask)

    def histories(self, start: float, end: float) -> dict[str, StateHistory]:
        """State histories of [start, end].

        For numeric entities, hours before the first raw row are represented by one row
        per hour at the hour's middle carrying the hourly mean (origin DEVICE).
        """
        result: dict[str, StateHistory] = {}
        for entity_id, history in self.events.items():
            rows = _select_rows(
                history, (history.timestamps >= start) & (history.timestamps <= end)
            )
            hourly = self.hourly.get(entity_id)
            if hourly is not None and hourly.hours.size:
                first_raw = history.timestamps[0] if len(history) else math.inf
                older = hourly.select(
                    (hourly.hours + HOUR / 2 >= start)
                    & (hourly.hours + HOUR / 2 <= end)
                    & (hourly.hours + HOUR <= first_raw)
                )
                if older.hours.size:
                    means = older.mean
                    summary = pack_rows(
                        (older.hours + HOUR / 2).tolist(),
                        [f"{m:.6g}" for m in means],
                        [int(Origin.DEVICE)] * older.hours.size,
                    )
                    rows = _concat_histories(summary, rows)
            if len(rows):
                result[entity_id] = rows
        return result

    # --- persistence -------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write ``path``.npz and ``path``.json atomically."""
        ids = sorted(self.events)
        hourly_ids = sorted(self.hourly)

        def cat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
            return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

        events = [self.events[i] for i in ids]
        hours = [self.hourly[i] for i in hourly_ids]
        arrays: dict[str, npt.NDArray[Any]] = {
            "event_offsets": np.cumsum([0] + [len(h) for h in events]).astype(np.int64),
            "timestamps": cat([h.timestamps for h in events], np.float64),
            "codes": cat([h.codes for h in events], np.int32),
            "origins": cat([h.origins for h in events], np.int8),
            "hour_offsets": np.cumsum([0] + [h.hours.size for h in hours]).astype(np.int64),
            "hours": cat([h.hours for h in hours], np.float64),
            "hour_count": cat([h.count for h in hours], np.int64),
            "hour_total": cat([h.total for h in hours], np.float64),
            "hour_min": cat([h.minimum for h in hours], np.float64),
            "hour_max": cat([h.maximum for h in hours], np.float64),
            "hour_last": cat([h.last for h in hours], np.float64),
        }
        meta = {
            "format_version": FORMAT_VERSION,
            "watermark": self.watermark,
            "keep_days": self.keep_days,
            "raw_days": self.raw_days,
            "entities": ids,
            "vocabularies": [h.vocabulary for h in events],
            "hourly_entities": hourly_ids,
            "numeric": sorted(self.numeric),
            "counters": dict(self.counters),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file_atomic(
            path.with_suffix(".npz"), lambda f: np.savez(f, allow_pickle=False, **arrays)
        )
        write_file_atomic(path.with_suffix(".json"), lambda f: f.write(json.dumps(meta).encode()))

    @classmethod
    def load(cls, path: Path) -> DerivedStore:
        """Read a store written by :meth:`save`; raise :class:`StoreCorruptError` if unreadable."""
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            if meta.get("format_version") != FORMAT_VERSION:
                raise StoreCorruptError(f"unknown format version {meta.get('format_version')}")
            with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            store = cls(keep_days=float(meta["keep_days"]), raw_days=float(meta["raw_days"]))
            store.watermark = meta["watermark"]
            offsets = arrays["event_offsets"]
            for n, (entity_id, vocabulary) in enumerate(
                zip(meta["entities"], meta["vocabularies"], strict=True)
            ):
                s = slice(int(offsets[n]), int(offsets[n + 1]))
                codes = arrays["codes"][s]
                if codes.size and (codes.min() < 0 or codes.max() >= len(vocabulary)):
                    raise StoreCorruptError(f"codes out of range for {entity_id}")
                parsed = np.array([parse_numeric(v) for v in vocabulary], dtype=np.float64)
                store.events[entity_id] = StateHistory(
                    timestamps=arrays["timestamps"][s],
                    values=parsed[codes] if codes.size else np.empty(0, dtype=np.float64),
                    codes=codes,
                    vocabulary=list(vocabulary),
                    origins=arrays["origins"][s],
                )
            hour_offsets = arrays["hour_offsets"]
            for n, entity_id in enumerate(meta["hourly_entities"]):
                s = slice(int(hour_offsets[n]), int(hour_offsets[n + 1]))
                store.hourly[entity_id] = HourlyAggregate(
                    arrays["hours"][s],
                    arrays["hour_count"][s],
                    arrays["hour_total"][s],
                    arrays["hour_min"][s],
                    arrays["hour_max"][s],
                    arrays["hour_last"][s],
                )
            store.numeric = set(meta["numeric"])
            store.counters = Counter(meta["counters"])
        except StoreCorruptError:
            raise
        except (OSError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile) as err:
            raise StoreCorruptError(f"{path}: {err}") from err
        return store

    def summary(self) -> dict[str, Any]:
        """Counts for diagnostics."""
        return {
            "watermark": self.watermark,
            "entities": len(self.events),
            "event_rows": sum(len(h) for h in self.events.values()),
            "hourly_rows": sum(h.hours.size for h in self.hourly.values()),
            "skipped": dict(self.counters),
        }


def _is_empty(state: str | None) -> bool:
    return not state
