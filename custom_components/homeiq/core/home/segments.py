"""One segment file of the derived store: rows of many entities as plain arrays.

A segment holds up to three groups, each written as arrays with the group's name as prefix:

* ``raw`` and ``events`` — state changes (summarised numeric entities' numeric rows, kept
  for the store's raw days; every other row): per entity its row count, its own small
  vocabulary of the states it uses in this segment, and the rows (timestamp, state code,
  origin);
* ``hourly`` — hourly aggregates of numeric entities (count, sum, min, max, last value and
  the time of that last value, so that pieces merge exactly in any order).

Strings (entity ids, states) are stored as UTF-8 bytes plus lengths, so the file is read
with ``allow_pickle=False`` and any state text round-trips. :func:`read_segment` checks
every count and code and raises :class:`SegmentError` on anything inconsistent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
import zipfile

import numpy as np
import numpy.typing as npt

from ..atomic import write_file_atomic
from .history import parse_numeric
from .model import StateHistory

EVENT_GROUPS = ("raw", "events")
HOURLY_GROUP = "hourly"
HOURLY_FIELDS = ("hours", "count", "total", "min", "max", "last", "last_ts")


class SegmentError(Exception):
    """A segment file cannot be read or is inconsistent."""


@dataclass(slots=True)
class HourlyAggregate:
    """Hourly statistics of a numeric entity: one row per hour that had values.

    ``last_ts`` is the time of the row that gave ``last``, so that aggregates of rows read
    in any order (late commits included) merge to the same result.
    """

    hours: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    total: npt.NDArray[np.float64]
    minimum: npt.NDArray[np.float64]
    maximum: npt.NDArray[np.float64]
    last: npt.NDArray[np.float64]
    last_ts: npt.NDArray[np.float64]

    @classmethod
    def empty(cls) -> HourlyAggregate:
        """An aggregate without hours."""
        f = np.empty(0, dtype=np.float64)
        return cls(f, np.empty(0, dtype=np.int64), f, f, f, f, f)

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
            self.last_ts[mask],
        )


@dataclass(slots=True)
class Segment:
    """The decoded content of one segment file."""

    events: dict[str, dict[str, StateHistory]]  # group -> entity -> rows
    hourly: dict[str, HourlyAggregate]


def encode_strings(strings: Sequence[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """UTF-8 bytes of all strings back to back, and each string's length in bytes."""
    encoded = [s.encode() for s in strings]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), lengths


def decode_strings(blob: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int64]) -> list[str]:
    """Inverse of :func:`encode_strings`; raise :class:`SegmentError` if they do not fit."""
    if lengths.ndim != 1 or (lengths.size and lengths.min() < 0) or lengths.sum() != blob.size:
        raise SegmentError("string lengths do not match the bytes")
    data = blob.tobytes()
    ends = np.cumsum(lengths).tolist()
    starts = [0, *ends[:-1]]
    try:
        return [data[a:b].decode() for a, b in zip(starts, ends, strict=True)]
    except UnicodeDecodeError as err:
        raise SegmentError(f"bad text: {err}") from err


def _compact_vocabulary(history: StateHistory) -> tuple[list[str], npt.NDArray[np.int32]]:
    """The states a piece uses (in code order) and its codes into that smaller list."""
    if not len(history):
        return [], history.codes
    used, codes = np.unique(history.codes, return_inverse=True)
    return [history.vocabulary[c] for c in used.tolist()], codes.astype(np.int32)


def encode_events(group: str, rows: Mapping[str, StateHistory]) -> dict[str, npt.NDArray[Any]]:
    """The arrays of an event group (``raw`` or ``events``); entities without rows are left out."""
    ids = [entity_id for entity_id, history in rows.items() if len(history)]
    pieces = [rows[i] for i in ids]
    vocabularies, codes = [], []
    for history in pieces:
        vocabulary, piece_codes = _compact_vocabulary(history)
        vocabularies.append(vocabulary)
        codes.append(piece_codes)
    names, name_lengths = encode_strings(ids)
    vocab, vocab_lengths = encode_strings([s for v in vocabularies for s in v])

    def cat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    return {
        f"{group}_entities": names,
        f"{group}_entity_lengths": name_lengths,
        f"{group}_rows": np.array([len(h) for h in pieces], dtype=np.int64),
        f"{group}_timestamps": cat([h.timestamps for h in pieces], np.float64),
        f"{group}_codes": cat(codes, np.int32),
        f"{group}_origins": cat([h.origins for h in pieces], np.int8),
        f"{group}_vocab_sizes": np.array([len(v) for v in vocabularies], dtype=np.int64),
        f"{group}_vocab": vocab,
        f"{group}_vocab_lengths": vocab_lengths,
    }


def encode_hourly(rows: Mapping[str, HourlyAggregate]) -> dict[str, npt.NDArray[Any]]:
    """The arrays of the hourly group; entities without hours are left out."""
    ids = [entity_id for entity_id, piece in rows.items() if piece.hours.size]
    pieces = [rows[i] for i in ids]
    names, name_lengths = encode_strings(ids)
    arrays: dict[str, npt.NDArray[Any]] = {
        "hourly_entities": names,
        "hourly_entity_lengths": name_lengths,
        "hourly_rows": np.array([p.hours.size for p in pieces], dtype=np.int64),
    }
    columns: dict[str, list[npt.NDArray[Any]]] = {
        "hours": [p.hours for p in pieces],
        "count": [p.count for p in pieces],
        "total": [p.total for p in pieces],
        "min": [p.minimum for p in pieces],
        "max": [p.maximum for p in pieces],
        "last": [p.last for p in pieces],
        "last_ts": [p.last_ts for p in pieces],
    }
    for name, parts in columns.items():
        dtype = np.int64 if name == "count" else np.float64
        arrays[f"hourly_{name}"] = (
            np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype=dtype)
        )
    return arrays


def write_segment(path: Path, arrays: Mapping[str, npt.NDArray[Any]]) -> int:
    """Write one segment file atomically; return its size in bytes."""

    def write(handle: IO[bytes]) -> None:
        np.savez_compressed(handle, allow_pickle=False, **arrays)

    write_file_atomic(path, write)
    return path.stat().st_size


def _split(counts: npt.NDArray[np.int64], total: int, what: str) -> list[slice]:
    if counts.ndim != 1 or (counts.size and counts.min() < 0) or int(counts.sum()) != total:
        raise SegmentError(f"{what}: counts do not match the rows")
    ends = np.cumsum(counts).tolist()
    return [slice(a, b) for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _decode_events(group: str, data: Mapping[str, npt.NDArray[Any]]) -> dict[str, StateHistory]:
    ids = decode_strings(data[f"{group}_entities"], data[f"{group}_entity_lengths"])
    timestamps = data[f"{group}_timestamps"].astype(np.float64, copy=False)
    codes = data[f"{group}_codes"].astype(np.int32, copy=False)
    origins = data[f"{group}_origins"].astype(np.int8, copy=False)
    if not (timestamps.size == codes.size == origins.size):
        raise SegmentError(f"{group}: columns differ in length")
    rows = _split(data[f"{group}_rows"], timestamps.size, group)
    vocab = decode_strings(data[f"{group}_vocab"], data[f"{group}_vocab_lengths"])
    vocab_parts = _split(data[f"{group}_vocab_sizes"], len(vocab), f"{group} vocabulary")
    if not (len(ids) == len(rows) == len(vocab_parts)):
        raise SegmentError(f"{group}: entity count differs")
    result: dict[str, StateHistory] = {}
    for entity_id, row_slice, vocab_slice in zip(ids, rows, vocab_parts, strict=True):
        vocabulary = vocab[vocab_slice]
        piece_codes = codes[row_slice]
        if piece_codes.size and (piece_codes.min() < 0 or piece_codes.max() >= len(vocabulary)):
            raise SegmentError(f"{group}: codes out of range for {entity_id}")
        piece_ts = timestamps[row_slice]
        if piece_ts.size > 1 and (np.diff(piece_ts) < 0).any():
            raise SegmentError(f"{group}: rows of {entity_id} out of order")
        parsed = np.array([parse_numeric(v) for v in vocabulary], dtype=np.float64)
        result[entity_id] = StateHistory(
            timestamps=piece_ts,
            values=parsed[piece_codes] if piece_codes.size else np.empty(0, dtype=np.float64),
            codes=piece_codes,
            vocabulary=vocabulary,
            origins=origins[row_slice],
        )
    return result


def _decode_hourly(data: Mapping[str, npt.NDArray[Any]]) -> dict[str, HourlyAggregate]:
    ids = decode_strings(data["hourly_entities"], data["hourly_entity_lengths"])
    columns = {name: data[f"hourly_{name}"] for name in HOURLY_FIELDS}
    size = columns["hours"].size
    if any(column.size != size for column in columns.values()):
        raise SegmentError("hourly: columns differ in length")
    rows = _split(data["hourly_rows"], size, "hourly")
    if len(ids) != len(rows):
        raise SegmentError("hourly: entity count differs")
    return {
        entity_id: HourlyAggregate(
            hours=columns["hours"][s].astype(np.float64, copy=False),
            count=columns["count"][s].astype(np.int64, copy=False),
            total=columns["total"][s].astype(np.float64, copy=False),
            minimum=columns["min"][s].astype(np.float64, copy=False),
            maximum=columns["max"][s].astype(np.float64, copy=False),
            last=columns["last"][s].astype(np.float64, copy=False),
            last_ts=columns["last_ts"][s].astype(np.float64, copy=False),
        )
        for entity_id, s in zip(ids, rows, strict=True)
    }


def read_segment(path: Path) -> Segment:
    """Read and check one segment file; raise :class:`SegmentError` if it is damaged."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {key: npz[key] for key in npz.files}
        events = {
            group: _decode_events(group, data)
            for group in EVENT_GROUPS
            if f"{group}_entities" in data
        }
        hourly = _decode_hourly(data) if "hourly_entities" in data else {}
    except SegmentError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise SegmentError(f"{type(err).__name__}: {err}") from err
    return Segment(events=events, hourly=hourly)
