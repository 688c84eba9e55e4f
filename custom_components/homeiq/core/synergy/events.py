"""Trigger events in a history: onsets of a state and crossings of a numeric level.

An *onset* of state ``s`` is a row that enters ``s`` from a different, valid state (not
``unavailable`` / ``unknown``; the first row has no predecessor and never counts). A
*crossing* of level ``x`` upwards is a value rising above ``x`` after it was at or below
``x - hysteresis`` (downwards the mirror image), so a sensor jittering around the level
crosses it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ..home import StateHistory

type Floats = npt.NDArray[np.float64]
INVALID_STATES: Final = ("unavailable", "unknown")
LEVEL_QUANTILES: Final = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
HYSTERESIS_SHARE: Final = 0.05  # of the spread between the 5th and 95th percentile


@dataclass(frozen=True, slots=True)
class Onsets:
    """When something started, when it ended (the next row leaving it; the window end when
    it never did) and who made the change (:class:`~..home.Origin` values)."""

    times: Floats
    ends: Floats
    origins: npt.NDArray[np.int8]

    def __len__(self) -> int:
        """Number of onsets."""
        return int(self.times.shape[0])

    @classmethod
    def empty(cls) -> Onsets:
        """No onsets."""
        return cls(np.empty(0), np.empty(0), np.empty(0, dtype=np.int8))


def _onsets(
    history: StateHistory,
    active: npt.NDArray[np.bool_],
    valid_before: npt.NDArray[np.bool_],
    window_end: float,
) -> Onsets:
    onset = np.concatenate([[False], active[1:] & ~active[:-1] & valid_before])
    index = np.flatnonzero(onset)
    if not index.size:
        return Onsets.empty()
    leaving = np.flatnonzero(~active)
    after = np.searchsorted(leaving, index, side="right")
    ends = np.full(index.shape, window_end, dtype=np.float64)
    has_end = after < leaving.shape[0]
    ends[has_end] = history.timestamps[leaving[after[has_end]]]
    return Onsets(history.timestamps[index], ends, history.origins[index])


def state_onsets(history: StateHistory, state: str, window_end: float) -> Onsets:
    """Onsets of ``state`` in ``history``."""
    if len(history) < 2 or state not in history.vocabulary:
        return Onsets.empty()
    code = history.vocabulary.index(state)
    invalid = [history.vocabulary.index(s) for s in INVALID_STATES if s in history.vocabulary]
    active = history.codes == code
    valid_before = ~np.isin(history.codes[:-1], invalid)
    return _onsets(history, active, valid_before, window_end)


def crossing_onsets(
    history: StateHistory, level: float, *, above: bool, hysteresis: float, window_end: float
) -> Onsets:
    """Crossings of ``level`` (upwards when ``above``) with ``hysteresis``."""
    values = history.values
    finite = np.isfinite(values)
    if int(finite.sum()) < 2:
        return Onsets.empty()
    rows = history.rows(finite)
    values = rows.values
    armed_at = values <= level - hysteresis if above else values >= level + hysteresis
    fired_at = values > level if above else values < level
    # A row is active from a firing until the next re-arming; hold the last decision.
    decision = np.where(fired_at, 1, np.where(armed_at, 0, -1))
    held = _hold_last(decision)
    active = held == 1
    valid_before = held[:-1] == 0
    return _onsets(rows, active, valid_before, window_end)


def _hold_last(decision: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Forward-fill -1 entries with the last 0/1 decision (-1 before the first one)."""
    index = np.where(decision >= 0, np.arange(decision.shape[0]), -1)
    np.maximum.accumulate(index, out=index)
    return np.where(index >= 0, decision[np.maximum(index, 0)], -1)


def candidate_levels(history: StateHistory) -> tuple[tuple[float, ...], float]:
    """The levels a numeric cause is tried at (rounded quantiles of its values) and its
    hysteresis; no levels when it has too few distinct values."""
    values = history.values[np.isfinite(history.values)]
    if values.size < 10:
        return (), 0.0
    low, high = np.quantile(values, [0.05, 0.95])
    spread = float(high - low)
    if spread <= 0:
        return (), 0.0
    step = 10.0 ** np.floor(np.log10(spread / 20))
    levels = np.round(np.quantile(values, LEVEL_QUANTILES) / step) * step
    return tuple(sorted({float(x) for x in levels})), spread * HYSTERESIS_SHARE


def value_at(history: StateHistory, times: Floats) -> Floats:
    """The numeric value ``history`` held at each of ``times`` (NaN before its first row)."""
    finite = np.isfinite(history.values)
    stamps, values = history.timestamps[finite], history.values[finite]
    index = np.searchsorted(stamps, times, side="right") - 1
    return np.where(index >= 0, values[np.maximum(index, 0)] if values.size else np.nan, np.nan)


def state_at(history: StateHistory, times: Floats) -> list[str | None]:
    """The raw state ``history`` held at each of ``times`` (None before its first row)."""
    index = np.searchsorted(history.timestamps, times, side="right") - 1
    return [history.vocabulary[int(history.codes[i])] if i >= 0 else None for i in index.tolist()]
