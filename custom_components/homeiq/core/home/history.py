"""Build compact state histories from rows of (timestamp, state, origin), and read them."""

from __future__ import annotations

from collections.abc import Sequence
import math

import numpy as np
import numpy.typing as npt

from .model import Entity, Home, StateHistory


def to_microseconds(timestamps: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Round POSIX timestamps to the microsecond, the resolution Home Assistant keeps."""
    return np.rint(np.asarray(timestamps, dtype=np.float64) * 1e6) / 1e6


def parse_numeric(state: str) -> float:
    """Return the state as a finite float, or NaN when it is not a number."""
    try:
        value = float(state)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def pack_rows(
    timestamps: Sequence[float] | npt.NDArray[np.float64],
    states: Sequence[str],
    origins: Sequence[int] | npt.NDArray[np.int8],
) -> StateHistory:
    """Pack rows of one entity (oldest first) into a :class:`StateHistory`."""
    vocab = list(dict.fromkeys(states))
    index = {state: code for code, state in enumerate(vocab)}
    codes = np.fromiter(map(index.__getitem__, states), dtype=np.int32, count=len(states))
    parsed = np.array([parse_numeric(s) for s in vocab], dtype=np.float64)
    return StateHistory(
        timestamps=np.asarray(timestamps, dtype=np.float64),
        values=parsed[codes] if len(states) else np.empty(0, dtype=np.float64),
        codes=codes,
        vocabulary=vocab,
        origins=np.asarray(origins, dtype=np.int8),
    )


NUMERIC_DOMAINS = frozenset({"sensor", "number", "input_number"})


def is_numeric(entity: Entity) -> bool:
    """Whether an entity reports numbers (a unit, or a numeric sensor device class)."""
    return entity.domain in NUMERIC_DOMAINS and (
        entity.unit is not None or entity.device_class in {"battery", "humidity", "temperature"}
    )


def history_start(home: Home) -> float | None:
    """When the home's recorded history begins (not the requested window's start)."""
    firsts = [float(h.timestamps[0]) for h in home.histories.values() if len(h)]
    if not firsts:
        return None
    start = min(firsts)
    return start if home.window_start is None else max(start, home.window_start)
