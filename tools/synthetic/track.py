"""State changes of one entity under construction, packed into a :class:`StateHistory`.

A track collects categorical rows (a state string per row, with an origin) and at most one
numeric series (device reports, rounded to the sensor's precision), plus outages: spans in
which the entity reads ``unavailable`` or ``unknown``. Packing sorts everything, applies the
outages (rows inside are dropped; the state before the outage end is restored at its end),
starts the history with the state at the window start, keeps the window and drops rows that
repeat the previous state, as the recorder does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.home import Origin, StateHistory
from custom_components.homeiq.core.home.history import parse_numeric, to_microseconds

from .spans import FloatArray, Spans, as_floats

type IntArray = npt.NDArray[np.int64]
type OriginArray = npt.NDArray[np.int8]

UNAVAILABLE = "unavailable"
UNKNOWN = "unknown"


def quantize(values: FloatArray, decimals: int) -> FloatArray:
    """Round to the sensor's precision exactly as its state string will read back."""
    return np.round(values, decimals) + 0.0


class Track:
    """Rows of one entity, in any order, until :meth:`pack`."""

    __slots__ = (
        "_codes",
        "_origins",
        "_outages",
        "_times",
        "_vocabulary",
        "decimals",
        "default_state",
        "numeric_times",
        "numeric_values",
    )

    def __init__(self, default_state: str | None = None, *, decimals: int = 1) -> None:
        """Start an empty track; ``default_state`` is the state before any row."""
        self.default_state = default_state
        self.decimals = decimals
        self.numeric_times: FloatArray = np.empty(0)
        self.numeric_values: FloatArray = np.empty(0)
        self._vocabulary: dict[str, int] = {}
        self._times: list[FloatArray] = []
        self._codes: list[IntArray] = []
        self._origins: list[OriginArray] = []
        self._outages: dict[str, list[tuple[float, float]]] = {}

    def add(self, times: npt.ArrayLike, state: str, origin: Origin) -> None:
        """Add rows that all go to ``state``."""
        stamps = as_floats(times)
        code = self._vocabulary.setdefault(state, len(self._vocabulary))
        self._times.append(stamps)
        self._codes.append(np.full(stamps.shape[0], code, dtype=np.int64))
        self._origins.append(np.full(stamps.shape[0], int(origin), dtype=np.int8))

    def set_numeric(self, times: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Set the numeric reports (origin ``DEVICE``), rounded to ``decimals``."""
        self.numeric_times = as_floats(times)
        self.numeric_values = quantize(as_floats(values), self.decimals)

    def add_outage(self, start: float, end: float, state: str = UNAVAILABLE) -> None:
        """Make the entity read ``state`` in ``[start, end)``; ``end`` may be ``inf``."""
        if end > start:
            self._outages.setdefault(state, []).append((start, end))

    def pack(self, window_start: float, window_end: float, *, dedupe: bool = True) -> StateHistory:
        """Sort, apply outages, keep ``[window_start, window_end)`` and build the history."""
        for state in self._outages:
            self._vocabulary.setdefault(state, len(self._vocabulary))
        if self.default_state is not None:
            self._vocabulary.setdefault(self.default_state, len(self._vocabulary))
        vocabulary, vocab_values, times, codes, origins = self._merged_rows()
        default_code = (
            self._vocabulary[self.default_state] if self.default_state is not None else -1
        )
        for state, pairs in self._outages.items():
            spans = Spans.of([p[0] for p in pairs], [p[1] for p in pairs]).merged()
            times, codes, origins = _apply_outages(
                times,
                codes,
                origins,
                spans,
                outage_code=self._vocabulary[state],
                default_code=default_code,
            )
        times, codes, origins = _window(
            times, codes, origins, start=window_start, end=window_end, default_code=default_code
        )
        if dedupe and codes.shape[0] > 1:
            keep = np.concatenate([[True], codes[1:] != codes[:-1]])
            times, codes, origins = times[keep], codes[keep], origins[keep]
        return _compact(vocabulary, vocab_values, times, codes, origins)

    def _merged_rows(
        self,
    ) -> tuple[list[str], FloatArray, FloatArray, IntArray, OriginArray]:
        vocabulary = list(self._vocabulary)
        vocab_values = [parse_numeric(state) for state in vocabulary]
        times = list(self._times)
        codes = list(self._codes)
        origins = list(self._origins)
        if self.numeric_times.shape[0]:
            unique, inverse = np.unique(self.numeric_values, return_inverse=True)
            strings: list[str] = np.char.mod(f"%.{self.decimals}f", unique).tolist()
            times.append(self.numeric_times)
            codes.append(inverse.astype(np.int64) + len(vocabulary))
            origins.append(np.full(inverse.shape[0], int(Origin.DEVICE), dtype=np.int8))
            vocabulary.extend(strings)
            vocab_values.extend(unique.tolist())
        if not times:
            return vocabulary, np.asarray(vocab_values), np.empty(0), _ints(), _origins()
        all_times = np.concatenate(times)
        order = np.argsort(all_times, kind="stable")
        return (
            vocabulary,
            np.asarray(vocab_values, dtype=np.float64),
            all_times[order],
            np.concatenate(codes)[order],
            np.concatenate(origins)[order],
        )


def _ints() -> IntArray:
    return np.empty(0, dtype=np.int64)


def _origins() -> OriginArray:
    return np.empty(0, dtype=np.int8)


def _apply_outages(
    times: FloatArray,
    codes: IntArray,
    origins: OriginArray,
    spans: Spans,
    *,
    outage_code: int,
    default_code: int,
) -> tuple[FloatArray, IntArray, OriginArray]:
    inside = spans.contains(times)
    before_end = np.searchsorted(times, spans.ends, side="left") - 1
    if codes.shape[0]:
        restore_codes = np.where(before_end >= 0, codes[np.maximum(before_end, 0)], default_code)
    else:
        restore_codes = np.full(len(spans), default_code, dtype=np.int64)
    restorable = np.isfinite(spans.ends) & (restore_codes >= 0)
    device = int(Origin.DEVICE)
    new_times = np.concatenate([spans.ends[restorable], spans.starts, times[~inside]])
    new_codes = np.concatenate(
        [
            restore_codes[restorable],
            np.full(len(spans), outage_code, dtype=np.int64),
            codes[~inside],
        ]
    )
    new_origins = np.concatenate(
        [
            np.full(int(restorable.sum()) + len(spans), device, dtype=np.int8),
            origins[~inside],
        ]
    )
    order = np.argsort(new_times, kind="stable")
    return new_times[order], new_codes[order], new_origins[order]


def _window(
    times: FloatArray,
    codes: IntArray,
    origins: OriginArray,
    *,
    start: float,
    end: float,
    default_code: int,
) -> tuple[FloatArray, IntArray, OriginArray]:
    first = int(np.searchsorted(times, start, side="left"))
    last = int(np.searchsorted(times, end, side="left"))
    initial = int(codes[first - 1]) if first > 0 else default_code
    times, codes, origins = times[first:last], codes[first:last], origins[first:last]
    if initial >= 0 and (times.shape[0] == 0 or times[0] > start):
        times = np.concatenate([[start], times])
        codes = np.concatenate([[initial], codes])
        origins = np.concatenate([np.array([int(Origin.UNKNOWN)], dtype=np.int8), origins])
    return times, codes, origins


def _compact(
    vocabulary: list[str],
    vocab_values: FloatArray,
    times: FloatArray,
    codes: IntArray,
    origins: OriginArray,
) -> StateHistory:
    used, inverse = np.unique(codes, return_inverse=True)
    states = [vocabulary[code] for code in used.tolist()]
    final: dict[str, int] = {}
    remap = np.array([final.setdefault(state, len(final)) for state in states], dtype=np.int64)
    new_codes = remap[inverse] if codes.shape[0] else _ints()
    values_by_code = np.full(len(final), np.nan)
    values_by_code[remap] = vocab_values[used]
    return StateHistory(
        timestamps=to_microseconds(np.asarray(times, dtype=np.float64)),
        values=values_by_code[new_codes],
        codes=new_codes.astype(np.int32),
        vocabulary=list(final),
        origins=np.ascontiguousarray(origins, dtype=np.int8),
    )
