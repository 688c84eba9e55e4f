"""Build compact state histories from rows of (timestamp, state, origin)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .home import Origin, StateHistory


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


class HistoryBuilder:
    """Accumulate rows of one entity, then pack them into a :class:`StateHistory`."""

    def __init__(self) -> None:
        """Start an empty history."""
        self._timestamps: list[float] = []
        self._values: list[float] = []
        self._codes: list[int] = []
        self._origins: list[int] = []
        self._vocabulary: dict[str, int] = {}

    def append(self, timestamp: float, state: str, origin: Origin = Origin.UNKNOWN) -> None:
        """Add one state change (rows must arrive oldest first)."""
        code = self._vocabulary.setdefault(state, len(self._vocabulary))
        self._timestamps.append(timestamp)
        self._values.append(parse_numeric(state))
        self._codes.append(code)
        self._origins.append(int(origin))

    def build(self) -> StateHistory:
        """Pack the rows into arrays."""
        return StateHistory(
            timestamps=np.asarray(self._timestamps, dtype=np.float64),
            values=np.asarray(self._values, dtype=np.float64),
            codes=np.asarray(self._codes, dtype=np.int32),
            vocabulary=list(self._vocabulary),
            origins=np.asarray(self._origins, dtype=np.int8),
        )
