"""Faults put into a copy of one entity's history, to check an anomaly model on a home's own days.

A real home has no labels for its anomalies, so a model trained on it is checked the way a
smoke alarm is: on recent days it has not learned from, each suitable entity's real day
(which should pass) and the same day with a fault put in (which should be caught). The
faults are the kinds the anomaly models are for: activity in the middle of the night, a
value that stops changing, and a value that is off by a steady amount.
"""

from __future__ import annotations

from collections.abc import Sequence
import math

import numpy as np
import numpy.typing as npt

from ..home import Origin, StateHistory
from ..home.history import parse_numeric
from ..time import HOUR


def window(history: StateHistory, start: float, end: float) -> StateHistory:
    """The rows in [start, end), with the last row before ``start`` (the state held then)."""
    first, last = np.searchsorted(history.timestamps, [start, end], side="left").tolist()
    return history.rows(slice(max(first - 1, 0), last))


def _rebuilt(
    history: StateHistory,
    keep: npt.NDArray[np.bool_],
    added: Sequence[tuple[float, str]] = (),
    shifted: npt.NDArray[np.bool_] | None = None,
    shift: float = 0.0,
) -> StateHistory:
    """The rows of ``history`` where ``keep`` (numeric values of ``shifted`` rows moved by
    ``shift``), with ``added`` rows from the device, in time order.
    """
    vocabulary = list(history.vocabulary)
    codes = history.codes.copy()
    values = history.values.copy()
    if shifted is not None and shifted.any():
        values[shifted] += shift
        distinct, inverse = np.unique(values[shifted], return_inverse=True)
        codes[shifted] = len(vocabulary) + inverse.astype(np.int32)
        vocabulary += [_format(v) for v in distinct.tolist()]
    new_codes = []
    for _, state in added:
        if state not in vocabulary:
            vocabulary.append(state)
        new_codes.append(vocabulary.index(state))
    timestamps = np.concatenate([history.timestamps[keep], [t for t, _ in added]])
    order = np.argsort(timestamps, kind="stable")
    return StateHistory(
        timestamps=timestamps[order],
        values=np.concatenate([values[keep], [parse_numeric(s) for _, s in added]])[order],
        codes=np.concatenate([codes[keep], np.array(new_codes, dtype=np.int32)])[order],
        vocabulary=vocabulary,
        origins=np.concatenate(
            [history.origins[keep], np.full(len(added), int(Origin.DEVICE), dtype=np.int8)]
        )[order],
    )


def with_night_burst(
    history: StateHistory,
    day_start: float,
    *,
    events: int = 6,
    first_hour: float = 1.0,
    spacing: float = 1_200.0,
    active: str = "on",
    idle: str = "off",
) -> StateHistory:
    """``events`` activations (on, then off a minute later) every ``spacing`` seconds from
    ``first_hour`` after ``day_start`` (a local midnight).
    """
    added: list[tuple[float, str]] = []
    for k in range(events):
        at = day_start + first_hour * HOUR + k * spacing
        added += [(at, active), (at + 60.0, idle)]
    return _rebuilt(history, np.ones(len(history), dtype=np.bool_), added)


def with_stuck(history: StateHistory, day_start: float, day_end: float) -> StateHistory:
    """No new reading in [day_start, day_end): the last value before it holds all day."""
    inside = (history.timestamps >= day_start) & (history.timestamps < day_end)
    return _rebuilt(history, ~inside, [])


def with_level_shift(
    history: StateHistory, day_start: float, day_end: float, shift: float
) -> StateHistory:
    """Every numeric reading in [day_start, day_end) off by ``shift``, from a reading at
    ``day_start`` on (the value held at midnight, shifted).
    """
    times = history.timestamps
    inside = (times >= day_start) & (times < day_end) & np.isfinite(history.values)
    added: list[tuple[float, str]] = []
    before = np.flatnonzero((times < day_start) & np.isfinite(history.values))
    if before.size:
        added.append((day_start, _format(float(history.values[before[-1]]) + shift)))
    return _rebuilt(history, np.ones(len(history), dtype=np.bool_), added, inside, shift)


def _format(value: float) -> str:
    """A numeric state as Home Assistant would keep it (no float noise)."""
    return f"{value:.6g}" if math.isfinite(value) else "unknown"


__all__ = ["window", "with_level_shift", "with_night_burst", "with_stuck"]
