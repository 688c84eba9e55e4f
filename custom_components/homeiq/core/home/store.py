"""The derived store: HomeIQ's own compact copy of the home's history.

The recorder keeps 10 days by default; HomeIQ's models look back up to 180. After each
read, the new state changes are added here, so the next read only asks the recorder for
rows after :attr:`DerivedStore.watermark`.

What is kept, so that every capability is served the kind of history its models were
trained on (synthetic homes are raw, change by change, for the whole window):

* every entity's state changes (time, state, origin) for ``keep_days`` — numeric entities
  included when they are *kept raw* (:meth:`DerivedStore.set_kept_raw`: the steady sensors
  the anomaly check judges and the batteries the forecast reads, which report at most every
  few minutes);
* the other numeric entities (power, energy …, which can report every few seconds) are
  *summarised*: their numeric rows are kept change by change for the most recent
  ``raw_days`` and as hourly aggregates (count, sum, min, max, last value and its time) for
  ``keep_days``; their non-numeric rows (``unavailable``, ``unknown``, text) are rare and
  kept as they are for ``keep_days``.

:meth:`DerivedStore.histories` serves a summarised hour as one row only when the hour's
last value differs from the value served before it, at the time of that last value, with
that value — a value and a time the sensor really reported, never a mean, so summaries
invent no change; they are interleaved with the kept non-numeric rows.

Rows may arrive out of time order (a state the recorder committed late): they are merged
in place, and hourly aggregates carry the time of their last value so that they merge
exactly in any order.

On disk (format 2) the store is a directory: ``manifest.json`` (format version, watermark,
counters, the list of segment files, renames and removals not yet folded into the files)
and segment files (``core.segments``, plain arrays read with ``allow_pickle=False``), each
written atomically under a new name before the manifest points at it. A save writes only
what changed:

* a *delta* segment with the rows added since the last save (one night's rows);
* once a save's rows reach into a new week (weeks of seven days counted from the Unix
  epoch, UTC), the closed weeks touched by deltas are rewritten from memory as one file per
  week and kind (``raw``: summarised entities' numeric rows, kept ``raw_days``; ``events``:
  every other row; ``hourly``) and the deltas go — so the directory holds about
  ``keep_days / 7`` files per kind plus a week of deltas; an entity that changes between
  kept raw and summarised has the weeks it has rows in rewritten the same way;
* trimming never rewrites: a week file is deleted once all of its rows are older than the
  store keeps (rows of a partly expired file are dropped when loaded);
* a rename or removal is a line in the manifest, applied to the files written before it
  when they are loaded, and folded in when those files are rewritten.

A damaged segment file is dropped alone (the rest loads; the reason is in
:attr:`DerivedStore.damaged`); a damaged manifest raises :class:`StoreCorruptError`. The
format 1 layout (one ``<name>.npz`` + ``<name>.json`` rewritten whole every night) is read
and migrated to format 2 on the next save.

Stores written before entities were kept raw (format 2 without ``kept_raw`` in the
manifest, and format 1) load as before: their numeric rows older than ``raw_days`` and the
non-numeric rows of numeric entities older than that are gone, and the hours summarised
then stay summaries (served as above); rows read from then on are kept as described. Their
``raw`` files of the last weeks are rewritten once, so that rows which are now kept longer
leave the short-lived ``raw`` files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
import json
import math
from pathlib import Path
from typing import Any, cast
import zipfile

import numpy as np
import numpy.typing as npt

from ..atomic import write_file_atomic
from ..time import DAY, HOUR, WEEK
from .history import pack_rows, parse_numeric
from .model import Origin, StateHistory
from .segments import (
    HourlyAggregate,
    SegmentError,
    encode_events,
    encode_hourly,
    read_segment,
    write_segment,
)

FORMAT_VERSION = 2
LEGACY_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KINDS = ("raw", "events", "hourly")
UNAVAILABLE_STATES = frozenset({"unknown", "unavailable"})
FLUSH_ROWS = 500_000

# Rows of several entities: entity ids, timestamps, states, origins (column by column).
type RowChunk = tuple[Sequence[str], Sequence[float], Sequence[str | None], Sequence[int]]


class StoreCorruptError(Exception):
    """The stored files cannot be read; the caller starts a new store."""


@dataclass(slots=True)
class Watermark:
    """Where the next recorder read starts.

    ``state_id``: the highest recorder row id the store has seen (rows above it are new,
    whatever their time); ``time``: when that read ran (rows stamped later that carry a
    lower id — a replaced database — are new too). A store migrated from format 1 knows only
    a ``time``.
    """

    state_id: int | None = None
    time: float | None = None


@dataclass(slots=True)
class SegmentInfo:
    """One segment file as listed in the manifest."""

    file: str
    seq: int
    week: int | None  # None: a delta (the rows of one save)
    spans: dict[str, tuple[float, float]]  # kind -> (first, last) time of its rows
    weeks: list[int]  # the weeks it has rows in

    def to_json(self) -> dict[str, Any]:
        """The manifest entry."""
        return {
            "file": self.file,
            "seq": self.seq,
            "week": self.week,
            "spans": {kind: list(span) for kind, span in self.spans.items()},
            "weeks": self.weeks,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SegmentInfo:
        """Parse a manifest entry (raises KeyError / TypeError / ValueError if malformed)."""
        file = str(data["file"])
        if "/" in file or "\\" in file or not file.endswith(".npz"):
            raise ValueError(f"bad segment file name {file!r}")
        week = data["week"]
        return cls(
            file=file,
            seq=int(data["seq"]),
            week=None if week is None else int(week),
            spans={
                str(kind): (float(span[0]), float(span[1])) for kind, span in data["spans"].items()
            },
            weeks=[int(w) for w in data["weeks"]],
        )


@dataclass(slots=True)
class SaveStats:
    """What one save wrote."""

    bytes_written: int = 0
    files_written: int = 0
    files_removed: int = 0
    compacted: bool = False


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
        last_ts=ts[ends],
    )


def merge_hourly_many(parts: Sequence[HourlyAggregate]) -> HourlyAggregate:
    """Combine aggregates hour by hour.

    Exact for counts, sums, minima and maxima; ``last`` is the value with the latest
    ``last_ts`` (on a tie, the later part's), so the order of the parts does not matter.
    """
    parts = [p for p in parts if p.hours.size]
    if not parts:
        return HourlyAggregate.empty()
    if len(parts) == 1:
        return parts[0]
    hours = np.concatenate([p.hours for p in parts])
    last_ts = np.concatenate([p.last_ts for p in parts])
    part = np.concatenate([np.full(p.hours.size, n) for n, p in enumerate(parts)])
    order = np.lexsort((part, last_ts, hours))  # by hour, then last_ts, then part

    def joined[T: np.generic](column: list[npt.NDArray[T]]) -> npt.NDArray[T]:
        combined: npt.NDArray[T] = np.concatenate(column)[order]
        return combined

    hours = hours[order]
    starts = np.flatnonzero(np.r_[True, hours[1:] != hours[:-1]])
    ends = np.r_[starts[1:], hours.size] - 1
    return HourlyAggregate(
        hours=hours[starts],
        count=np.add.reduceat(joined([p.count for p in parts]), starts),
        total=np.add.reduceat(joined([p.total for p in parts]), starts),
        minimum=np.minimum.reduceat(joined([p.minimum for p in parts]), starts),
        maximum=np.maximum.reduceat(joined([p.maximum for p in parts]), starts),
        last=joined([p.last for p in parts])[ends],
        last_ts=last_ts[order][ends],
    )


def merge_hourly(old: HourlyAggregate, new: HourlyAggregate) -> HourlyAggregate:
    """Combine two aggregates hour by hour (see :func:`merge_hourly_many`)."""
    return merge_hourly_many([old, new])


def _concat_many(pieces: Sequence[StateHistory]) -> StateHistory:
    """Rows of several pieces of one entity back to back, in one shared vocabulary."""
    if len(pieces) == 1:
        return pieces[0]
    if not pieces:
        return StateHistory.empty()
    index: dict[str, int] = {}
    codes = []
    for piece in pieces:
        remap = np.array(
            [index.setdefault(state, len(index)) for state in piece.vocabulary], dtype=np.int32
        )
        codes.append(remap[piece.codes] if len(piece) else piece.codes)
    return StateHistory(
        timestamps=np.concatenate([p.timestamps for p in pieces]),
        values=np.concatenate([p.values for p in pieces]),
        codes=np.concatenate(codes),
        vocabulary=list(index),
        origins=np.concatenate([p.origins for p in pieces]),
    )


def _in_time_order(history: StateHistory) -> StateHistory:
    """The history ordered by time (stable: equal times keep their order)."""
    if len(history) > 1 and (np.diff(history.timestamps) < 0).any():
        return history.rows(np.argsort(history.timestamps, kind="stable"))
    return history


def _week(ts: float) -> int:
    return math.floor(ts / WEEK)


def _weeks_of(timestamps: npt.NDArray[np.float64]) -> set[int]:
    return {int(w) for w in np.unique(np.floor(timestamps / WEEK)).tolist()}


class DerivedStore:
    """HomeIQ's incremental copy of the history, bounded in time and size."""

    def __init__(self, *, keep_days: float = 180.0, raw_days: float = 14.0) -> None:
        """Create an empty store keeping ``keep_days`` of history (raw numeric: ``raw_days``)."""
        self.keep_days = keep_days
        self.raw_days = raw_days
        self.watermark: Watermark | None = None
        self.events: dict[str, StateHistory] = {}
        self.hourly: dict[str, HourlyAggregate] = {}
        self.numeric: set[str] = set()
        # Numeric entities kept change by change for keep_days (the others are summarised).
        self.kept_raw: set[str] = set()
        self.counters: Counter[str] = Counter()
        self.trimmed_at: float | None = None
        # Damaged segment files dropped when loading (file: reason), for diagnostics.
        self.damaged: dict[str, str] = {}
        # Persistence state: what is on disk, and what is not yet.
        self._segments: list[SegmentInfo] = []
        self._ops: list[dict[str, Any]] = []
        self._next_seq = 0
        self._pending_events: dict[str, list[StateHistory]] = {}
        self._pending_hourly: dict[str, list[HourlyAggregate]] = {}
        self._rewrite_all = False
        self._rekind_weeks: set[int] = set()  # weeks whose rows changed kind: rewrite them
        self._legacy: Path | None = None

    # --- rows in -----------------------------------------------------------------------

    def ingest(
        self,
        entity_id: str,
        timestamps: Sequence[float],
        states: Sequence[str | None],
        origins: Sequence[int],
        *,
        numeric: bool,
    ) -> int:
        """Add one entity's new rows; return how many were kept.

        A row at exactly the time of a row the store already holds for the entity is a
        duplicate of an earlier read and skipped; an older row at a new time (committed
        late by the recorder) is merged in at its place. Empty states are skipped;
        non-numeric values of a numeric entity (other than unknown / unavailable) are kept
        as events but left out of the hourly aggregates. Every skip is counted in
        :attr:`counters`, as are late rows. A numeric entity that is not kept raw
        (:meth:`set_kept_raw`) gets its rows' hourly aggregates.
        """
        known = self.events.get(entity_id)
        ts = np.asarray(timestamps, dtype=np.float64)
        org = np.asarray(origins, dtype=np.int8)
        duplicate = np.zeros(ts.size, dtype=bool)
        late = np.zeros(ts.size, dtype=bool)
        if known is not None and len(known):
            late = ts <= known.timestamps[-1]
            if late.any():
                at = np.minimum(np.searchsorted(known.timestamps, ts[late]), len(known) - 1)
                duplicate[late] = known.timestamps[at] == ts[late]
        empty = np.fromiter(map(_is_empty, states), dtype=bool, count=len(states))
        keep = ~duplicate & ~empty
        if duplicate.any():
            self.counters["duplicate_rows"] += int(duplicate.sum())
        if (empty & ~duplicate).any():
            self.counters["empty_states"] += int((empty & ~duplicate).sum())
        late &= keep
        if late.any():
            self.counters["late_rows"] += int(late.sum())
        in_order = ts.size < 2 or bool((np.diff(ts) >= 0).all())
        if keep.all() and in_order:
            keep_ts, keep_states, keep_origins = ts, cast(Sequence[str], states), org
        else:
            rows = np.flatnonzero(keep)
            if not in_order:
                rows = rows[np.argsort(ts[rows], kind="stable")]
            keep_ts, keep_origins = ts[rows], org[rows]
            keep_states = [cast(str, states[i]) for i in rows.tolist()]
        if not len(keep_ts):
            return 0
        new = pack_rows(keep_ts, keep_states, keep_origins)
        if known is None:
            self.events[entity_id] = new
        elif late.any():
            self.events[entity_id] = _in_time_order(_concat_many([known, new]))
        else:
            self.events[entity_id] = _concat_many([known, new])
        self._pending_events.setdefault(entity_id, []).append(new)
        if numeric:
            self.numeric.add(entity_id)
            bad = ~np.isfinite(new.values)
            if bad.any():
                unavailable = np.array(
                    [new.vocabulary[c] in UNAVAILABLE_STATES for c in new.codes[bad]]
                )
                if (~unavailable).any():
                    self.counters["non_numeric_in_numeric"] += int((~unavailable).sum())
            if entity_id not in self.kept_raw:
                self._add_hourly(entity_id, aggregate_hourly(new.timestamps, new.values))
        return len(keep_ts)

    def _add_hourly(self, entity_id: str, delta: HourlyAggregate) -> None:
        """Merge new hourly aggregates of an entity in (and save them next time)."""
        if not delta.hours.size:
            return
        self.hourly[entity_id] = merge_hourly(
            self.hourly.get(entity_id, HourlyAggregate.empty()), delta
        )
        self._pending_hourly.setdefault(entity_id, []).append(delta)

    def set_kept_raw(self, entity_ids: Iterable[str]) -> None:
        """Keep these numeric entities change by change for ``keep_days``; summarise the rest.

        Called before each read with the entities whose models read single state changes
        over the whole window. An entity that becomes summarised gets the hourly aggregates
        of its rows that have none (the hours after its last aggregated hour), so nothing is
        lost; one that becomes kept raw keeps its rows from now on (hours summarised before
        stay summaries). Either way the weeks it has rows in are rewritten by the next save,
        since its rows change kind.
        """
        wanted = set(entity_ids)
        for entity_id in (self.kept_raw ^ wanted) & self.numeric:
            history = self.events.get(entity_id)
            if history is None or not len(history):
                continue
            self._rekind_weeks |= _weeks_of(history.timestamps)
            if entity_id in wanted:
                continue
            hourly = self.hourly.get(entity_id)
            after = -math.inf if hourly is None or not hourly.hours.size else hourly.hours[-1]
            rows = history.timestamps >= after + HOUR
            self._add_hourly(
                entity_id, aggregate_hourly(history.timestamps[rows], history.values[rows])
            )
        self.kept_raw = wanted

    def ingest_chunks(
        self,
        chunks: Iterable[RowChunk],
        numeric: set[str],
    ) -> int:
        """Ingest chunks of rows of several entities (each chunk grouped by entity).

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

    # --- registry changes --------------------------------------------------------------

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def rename(self, old_id: str, new_id: str) -> None:
        """Let the history of ``old_id`` continue under ``new_id`` (persisted by the next save)."""
        if old_id == new_id or not (old_id in self.events or old_id in self.hourly):
            return
        if old_id in self.events:
            moved = self.events.pop(old_id)
            existing = self.events.get(new_id)
            self.events[new_id] = (
                moved if existing is None else _in_time_order(_concat_many([moved, existing]))
            )
        if old_id in self.hourly:
            moved_hours = self.hourly.pop(old_id)
            existing_hours = self.hourly.get(new_id)
            self.hourly[new_id] = (
                moved_hours if existing_hours is None else merge_hourly(moved_hours, existing_hours)
            )
        for entities in (self.numeric, self.kept_raw):
            if old_id in entities:
                entities.discard(old_id)
                entities.add(new_id)
        for pending in (self._pending_events, self._pending_hourly):
            if old_id in pending:
                pieces: list[Any] = pending.pop(old_id)
                pending.setdefault(new_id, []).extend(pieces)
        self._ops.append({"seq": self._take_seq(), "op": "rename", "old": old_id, "new": new_id})
        self.counters["renamed_entities"] += 1

    def remove(self, entity_id: str) -> None:
        """Forget a deleted entity (persisted by the next save)."""
        if entity_id not in self.events and entity_id not in self.hourly:
            return
        if self.events.pop(entity_id, None) is not None:
            self.counters["deleted_entities"] += 1
        self.hourly.pop(entity_id, None)
        self.numeric.discard(entity_id)
        self.kept_raw.discard(entity_id)
        self._pending_events.pop(entity_id, None)
        self._pending_hourly.pop(entity_id, None)
        self._ops.append({"seq": self._take_seq(), "op": "remove", "entity": entity_id})

    # --- time window -------------------------------------------------------------------

    def _cutoffs(self, now: float) -> tuple[float, float]:
        """(raw numeric rows kept from, everything else kept from)."""
        return now - self.raw_days * DAY, now - self.keep_days * DAY

    def is_summarised(self, entity_id: str) -> bool:
        """Whether an entity's numeric rows older than ``raw_days`` live as hourly summaries."""
        return entity_id in self.numeric and entity_id not in self.kept_raw

    def _kept_rows(
        self, entity_id: str, history: StateHistory, raw_from: float, keep_from: float
    ) -> npt.NDArray[np.bool_]:
        """Which rows the store still keeps: the last ``keep_days``, and of a summarised
        entity's numeric rows only the last ``raw_days``."""
        kept = history.timestamps >= keep_from
        if self.is_summarised(entity_id):
            kept &= (history.timestamps >= raw_from) | ~np.isfinite(history.values)
        return kept

    def trim(self, now: float) -> None:
        """Drop what is older than the store keeps."""
        raw_from, keep_from = self._cutoffs(now)
        for entity_id, history in list(self.events.items()):
            mask = self._kept_rows(entity_id, history, raw_from, keep_from)
            if not mask.all():
                self.events[entity_id] = history.rows(mask)
        for entity_id, hourly in list(self.hourly.items()):
            mask = hourly.hours >= keep_from
            if not mask.all():
                self.hourly[entity_id] = hourly.select(mask)
        for entity_id, pieces in self._pending_events.items():
            pieces[:] = [p.rows(self._kept_rows(entity_id, p, raw_from, keep_from)) for p in pieces]
        for pieces_h in self._pending_hourly.values():
            pieces_h[:] = [p.select(p.hours >= keep_from) for p in pieces_h]
        self.trimmed_at = now if self.trimmed_at is None else max(self.trimmed_at, now)

    def histories(self, start: float, end: float) -> dict[str, StateHistory]:
        """State histories of [start, end].

        Kept rows are served as they are. Before an entity's first kept numeric row, its
        summarised hours (:attr:`hourly`) stand in: an hour is one row at the time of its
        last value, with that value (origin DEVICE), and only when that value differs from
        the row served before it, between the kept non-numeric rows. The served rows do not
        depend on the window: it only cuts them.
        """
        result: dict[str, StateHistory] = {}
        only_hourly = [e for e in self.hourly if e not in self.events]
        for entity_id in [*self.events, *only_hourly]:
            served = self.events.get(entity_id, StateHistory.empty())
            hourly = self.hourly.get(entity_id)
            if hourly is not None and hourly.hours.size:
                served = _with_summaries(served, hourly)
            lo = int(np.searchsorted(served.timestamps, start, side="left"))
            hi = int(np.searchsorted(served.timestamps, end, side="right"))
            if hi > lo:
                result[entity_id] = served.rows(slice(lo, hi))
        return result

    # --- persistence -------------------------------------------------------------------

    @staticmethod
    def exists(path: Path) -> bool:
        """Whether a store (either format) is saved at ``path``."""
        return (path / MANIFEST).exists() or path.with_suffix(".json").exists()

    def _kind_rows(self, kind: str, start: float, end: float) -> dict[str, Any]:
        """The arrays of ``kind`` for the rows in [start, end) held in memory."""
        if kind == "hourly":
            hourly: dict[str, HourlyAggregate] = {}
            for entity_id, agg in self.hourly.items():
                mask = (agg.hours >= start) & (agg.hours < end)
                if mask.any():
                    hourly[entity_id] = agg.select(mask)
            return hourly
        events: dict[str, StateHistory] = {}
        for entity_id, history in self.events.items():
            if kind == "raw" and not self.is_summarised(entity_id):
                continue
            lo, hi = np.searchsorted(history.timestamps, [start, end]).tolist()
            if hi > lo:
                piece = self._of_kind(entity_id, history.rows(slice(lo, hi)), kind)
                if len(piece):
                    events[entity_id] = piece
        return events

    def _of_kind(self, entity_id: str, history: StateHistory, kind: str) -> StateHistory:
        """The rows of ``kind`` (``raw`` or ``events``) of an entity's rows.

        ``raw``: a summarised entity's numeric rows (kept ``raw_days``); ``events``: every
        other row (kept ``keep_days``).
        """
        if not self.is_summarised(entity_id):
            return history if kind == "events" else history.rows(slice(0, 0))
        finite = np.isfinite(history.values)
        return history.rows(finite if kind == "raw" else ~finite)

    def _pending_rows(self) -> dict[str, dict[str, Any]]:
        """The rows added since the last save, by kind."""
        rows: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        for entity_id, pieces in self._pending_events.items():
            history = _in_time_order(_concat_many(pieces))
            for kind in ("raw", "events"):
                piece = self._of_kind(entity_id, history, kind)
                if len(piece):
                    rows[kind][entity_id] = piece
        for entity_id, pieces_h in self._pending_hourly.items():
            merged = merge_hourly_many(pieces_h)
            if merged.hours.size:
                rows["hourly"][entity_id] = merged
        return rows

    def _write(
        self, directory: Path, name: str, week: int | None, rows: dict[str, dict[str, Any]]
    ) -> tuple[SegmentInfo, int] | None:
        """Write one segment with the given rows by kind; None if there are none."""
        arrays: dict[str, npt.NDArray[Any]] = {}
        spans: dict[str, tuple[float, float]] = {}
        weeks: set[int] = set()
        for kind, by_entity in rows.items():
            if not by_entity:
                continue
            if kind == "hourly":
                arrays |= encode_hourly(by_entity)
                times = np.concatenate([agg.hours for agg in by_entity.values()])
            else:
                arrays |= encode_events(kind, by_entity)
                times = np.concatenate([h.timestamps for h in by_entity.values()])
            spans[kind] = (float(times.min()), float(times.max()))
            weeks |= _weeks_of(times)
        if not spans:
            return None
        seq = self._take_seq()
        info = SegmentInfo(f"{name}-{seq:06d}.npz", seq, week, spans, sorted(weeks))
        return info, write_segment(directory / info.file, arrays)

    def _reference_time(self) -> float:
        """The store's "now": its last trim, else its newest row."""
        if self.trimmed_at is not None:
            return self.trimmed_at
        latest = [float(h.timestamps[-1]) for h in self.events.values() if len(h)]
        latest += [float(a.hours[-1]) for a in self.hourly.values() if a.hours.size]
        return max(latest, default=0.0)

    def save(self, path: Path) -> SaveStats:
        """Write what changed since the last save into the store directory ``path``."""
        path.mkdir(parents=True, exist_ok=True)
        stats = SaveStats()
        current = _week(self._reference_time())
        pending = self._pending_rows()
        pending_weeks: set[int] = set()
        for kind, by_entity in pending.items():
            for item in by_entity.values():
                pending_weeks |= _weeks_of(item.hours if kind == "hourly" else item.timestamps)
        deltas = [s for s in self._segments if s.week is None]
        touched = pending_weeks.union(*(s.weeks for s in deltas)) | self._rekind_weeks
        written: list[SegmentInfo] = []
        if self._rewrite_all or self._rekind_weeks or any(w < current for w in touched):
            # Compaction: the closed weeks touched are rewritten from memory, one file per
            # week and kind; the open week's rows go into one new delta.
            if self._rewrite_all:
                touched = set().union(*(s.weeks for s in self._segments))
                for history in self.events.values():
                    touched |= _weeks_of(history.timestamps)
                for agg in self.hourly.values():
                    touched |= _weeks_of(agg.hours)
            touched |= {s.week for s in self._segments if s.week is not None and s.week >= current}
            replaced = {
                s.file
                for s in self._segments
                if s.week is None or s.week in touched or self._rewrite_all
            }
            for week in sorted(w for w in touched if w < current):
                for kind in KINDS:
                    rows = {kind: self._kind_rows(kind, week * WEEK, (week + 1) * WEEK)}
                    result = self._write(path, f"w{week}-{kind}", week, rows)
                    if result is not None:
                        written.append(result[0])
                        stats.bytes_written += result[1]
            open_rows = {kind: self._kind_rows(kind, current * WEEK, math.inf) for kind in KINDS}
            result = self._write(path, "d", None, open_rows)
            if result is not None:
                written.append(result[0])
                stats.bytes_written += result[1]
            self._segments = [s for s in self._segments if s.file not in replaced]
            stats.compacted = True
        else:
            result = self._write(path, "d", None, pending)
            if result is not None:
                written.append(result[0])
                stats.bytes_written += result[1]
        stats.files_written = len(written)
        self._segments.extend(written)
        self._drop_expired()
        self._ops = [op for op in self._ops if any(s.seq < op["seq"] for s in self._segments)]
        stats.bytes_written += self._write_manifest(path)
        stats.files_removed = self._remove_unlisted(path)
        self._pending_events.clear()
        self._pending_hourly.clear()
        self._rewrite_all = False
        self._rekind_weeks.clear()
        self.damaged.clear()
        return stats

    def _drop_expired(self) -> None:
        """Forget segment files all of whose rows are older than the store keeps."""
        if self.trimmed_at is None:
            return
        raw_from, keep_from = self._cutoffs(self.trimmed_at)
        cutoff = {"raw": raw_from, "events": keep_from, "hourly": keep_from}
        self._segments = [
            s
            for s in self._segments
            if any(last >= cutoff[kind] for kind, (_, last) in s.spans.items())
        ]

    def _write_manifest(self, path: Path) -> int:
        manifest = {
            "format_version": FORMAT_VERSION,
            "keep_days": self.keep_days,
            "raw_days": self.raw_days,
            "watermark": None if self.watermark is None else asdict(self.watermark),
            "trimmed_at": self.trimmed_at,
            "numeric": sorted(self.numeric),
            "kept_raw": sorted(self.kept_raw),
            "counters": dict(self.counters),
            "next_seq": self._next_seq,
            "segments": [s.to_json() for s in sorted(self._segments, key=lambda s: s.seq)],
            "ops": self._ops,
        }
        data = json.dumps(manifest).encode()
        write_file_atomic(path / MANIFEST, lambda f: f.write(data))
        return len(data)

    def _remove_unlisted(self, path: Path) -> int:
        """Delete segment files the manifest no longer lists (and a migrated format 1 store)."""
        listed = {s.file for s in self._segments}
        removed = 0
        for file in path.iterdir():
            unlisted = file.suffix == ".npz" and file.name not in listed
            if unlisted or (file.name.startswith(".") and file.name.endswith(".tmp")):
                file.unlink(missing_ok=True)
                removed += 1
        if self._legacy is not None:
            for suffix in (".json", ".npz"):
                self._legacy.with_suffix(suffix).unlink(missing_ok=True)
            self._legacy = None
        return removed

    @classmethod
    def load(cls, path: Path) -> DerivedStore:
        """Read the store saved at ``path`` (either format).

        Raise :class:`StoreCorruptError` if the manifest (or a format 1 store) is unreadable;
        a damaged segment file is left out and named in :attr:`damaged`.
        """
        if not (path / MANIFEST).exists() and path.with_suffix(".json").exists():
            return cls._load_legacy(path)
        try:
            manifest = json.loads((path / MANIFEST).read_text())
            if manifest.get("format_version") != FORMAT_VERSION:
                raise StoreCorruptError(f"unknown format version {manifest.get('format_version')}")
            store = cls(
                keep_days=float(manifest["keep_days"]), raw_days=float(manifest["raw_days"])
            )
            mark = manifest["watermark"]
            store.watermark = None if mark is None else Watermark(**mark)
            store.trimmed_at = manifest["trimmed_at"]
            store.numeric = set(manifest["numeric"])
            store.kept_raw = set(manifest.get("kept_raw", ()))
            store.counters = Counter(manifest["counters"])
            store._next_seq = int(manifest["next_seq"])
            segments = sorted(
                (SegmentInfo.from_json(s) for s in manifest["segments"]), key=lambda s: s.seq
            )
            ops = sorted(manifest["ops"], key=lambda op: int(op["seq"]))
            for op in ops:
                if op["op"] not in {"rename", "remove"}:
                    raise ValueError(f"unknown operation {op['op']!r}")
        except StoreCorruptError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise StoreCorruptError(f"{path / MANIFEST}: {err}") from err
        store._ops = ops
        events: dict[str, list[StateHistory]] = {}
        hourly: dict[str, list[HourlyAggregate]] = {}
        for info in segments:
            try:
                segment = read_segment(path / info.file)
            except SegmentError as err:
                store.damaged[info.file] = str(err)
                continue
            store._segments.append(info)
            later = [op for op in ops if op["seq"] > info.seq]
            for by_entity in segment.events.values():
                for entity_id, history in by_entity.items():
                    if (target := _follow(entity_id, later)) is not None:
                        events.setdefault(target, []).append(history)
            for entity_id, agg in segment.hourly.items():
                if (target := _follow(entity_id, later)) is not None:
                    hourly.setdefault(target, []).append(agg)
        store.events = {e: _in_time_order(_concat_many(p)) for e, p in events.items()}
        store.hourly = {e: merge_hourly_many(p) for e, p in hourly.items()}
        if "kept_raw" not in manifest:
            # Written before non-numeric rows of summarised entities were kept: they are in
            # ``raw`` files, which go after raw_days. Rewrite those weeks once.
            store._rekind_weeks = {w for s in store._segments if "raw" in s.spans for w in s.weeks}
        if store.trimmed_at is not None:
            store.trim(store.trimmed_at)
        return store

    @classmethod
    def _load_legacy(cls, path: Path) -> DerivedStore:
        """Read a format 1 store (``path``.npz + ``path``.json); the next save migrates it."""
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            if meta.get("format_version") != LEGACY_FORMAT_VERSION:
                raise StoreCorruptError(f"unknown format version {meta.get('format_version')}")
            with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            store = cls(keep_days=float(meta["keep_days"]), raw_days=float(meta["raw_days"]))
            mark = meta["watermark"]
            store.watermark = None if mark is None else Watermark(time=float(mark))
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
                hours = arrays["hours"][s]
                # Format 1 kept no time for the last value: every row of an hour up to the
                # watermark was in, so the hour's end (capped at the watermark) stands for it.
                cap = math.inf if mark is None else float(mark)
                store.hourly[entity_id] = HourlyAggregate(
                    hours,
                    arrays["hour_count"][s],
                    arrays["hour_total"][s],
                    arrays["hour_min"][s],
                    arrays["hour_max"][s],
                    arrays["hour_last"][s],
                    np.minimum(hours + HOUR, cap),
                )
            store.numeric = set(meta["numeric"])
            store.counters = Counter(meta["counters"])
        except StoreCorruptError:
            raise
        except (OSError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile) as err:
            raise StoreCorruptError(f"{path}: {err}") from err
        store._rewrite_all = True
        store._legacy = path
        return store

    def summary(self) -> dict[str, Any]:
        """Counts for diagnostics."""
        return {
            "watermark": None if self.watermark is None else asdict(self.watermark),
            "entities": len(self.events),
            "event_rows": sum(len(h) for h in self.events.values()),
            "hourly_rows": sum(h.hours.size for h in self.hourly.values()),
            "segment_files": len(self._segments),
            "skipped": dict(self.counters),
        }


def _with_summaries(history: StateHistory, hourly: HourlyAggregate) -> StateHistory:
    """An entity's kept rows led by its summarised hours before its first kept numeric row.

    Each such hour is a row at the time of its last value, with that value, unless the row
    before it (in time, the kept non-numeric rows included) is a summary of the same value.
    """
    finite = np.flatnonzero(np.isfinite(history.values))
    first_raw = int(finite[0]) if finite.size else len(history)
    before = hourly.last_ts < (history.timestamps[first_raw] if finite.size else math.inf)
    if not before.any():
        return history
    summary_ts, summary_values = hourly.last_ts[before], hourly.last[before]
    times = np.concatenate([summary_ts, history.timestamps[:first_raw]])
    order = np.argsort(times, kind="stable")
    is_summary = order < summary_ts.size
    values = np.concatenate([summary_values, history.values[:first_raw]])[order]
    repeated = is_summary & np.r_[False, is_summary[:-1] & (values[1:] == values[:-1])]
    served = np.sort(order[is_summary & ~repeated])  # the summaries served, in time order
    distinct, codes = np.unique(summary_values[served], return_inverse=True)
    summary = StateHistory(
        timestamps=summary_ts[served],
        values=summary_values[served],
        codes=codes.astype(np.int32),
        vocabulary=[_number_state(v) for v in distinct.tolist()],
        origins=np.full(served.size, int(Origin.DEVICE), dtype=np.int8),
    )
    head = _in_time_order(_concat_many([summary, history.rows(slice(0, first_raw))]))
    return _concat_many([head, history.rows(slice(first_raw, len(history)))])


def _number_state(value: float) -> str:
    """A summarised value as a state: the shortest text that reads back as the same float."""
    text = repr(value)
    return text.removesuffix(".0")


def _follow(entity_id: str, ops: Iterable[Mapping[str, Any]]) -> str | None:
    """The entity id after the renames and removals in ``ops`` (None: removed)."""
    current: str | None = entity_id
    for op in ops:
        if op["op"] == "rename" and current == op["old"]:
            current = op["new"]
        elif op["op"] == "remove" and current == op["entity"]:
            current = None
    return current


def _is_empty(state: str | None) -> bool:
    return not state
