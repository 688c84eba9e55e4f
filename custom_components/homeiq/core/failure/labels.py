"""What the failure model learns from: labels from what each device's history shows after a
cut (never from its features), and the samples of many (device, cut) pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ..home import Home
from ..home.selection import device_entities
from ..time import DAY
from .features import (
    FAILURE_FEATURE_NAMES,
    HORIZON_DAYS,
    FailureLabel,
    _DeviceView,
)

type FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class FailureSamples:
    """Feature rows and labels of (device, cut) pairs; ``event_ts`` is NaN for negatives."""

    X: FloatArray
    y: npt.NDArray[np.int64]
    device_ids: list[str]
    cuts: FloatArray
    event_ts: FloatArray
    rules: list[str]

    def __len__(self) -> int:
        """Number of samples."""
        return int(self.y.shape[0])

    @classmethod
    def concatenate(cls, parts: Sequence[FailureSamples]) -> FailureSamples:
        """All samples of ``parts``, in order."""
        if not parts:
            return cls(
                np.empty((0, len(FAILURE_FEATURE_NAMES))),
                np.empty(0, dtype=np.int64),
                [],
                np.empty(0),
                np.empty(0),
                [],
            )
        return cls(
            np.concatenate([p.X for p in parts]),
            np.concatenate([p.y for p in parts]),
            [d for p in parts for d in p.device_ids],
            np.concatenate([p.cuts for p in parts]),
            np.concatenate([p.event_ts for p in parts]),
            [r for p in parts for r in p.rules],
        )


def failure_label(
    home: Home, device_id: str, cut: float, horizon_days: float = HORIZON_DAYS
) -> FailureLabel | None:
    """Whether the device fails in ``[cut, cut + horizon_days]``, from that span's history.

    It fails when it is unavailable for :data:`LONG_OUTAGE_H` hours on end (or for
    :data:`OPEN_OUTAGE_H` hours and still at the horizon's end), when its battery reads
    :data:`EMPTY_BATTERY` % or less, or when it reports nothing for :data:`SILENCE_FACTOR`
    times its longest gap between reports of the five weeks before the cut (at least
    :data:`MIN_SILENCE_H` hours). ``None`` when the horizon is not inside the home's window
    or when the device had already failed at ``cut`` (no prediction to make).
    """
    end = cut + horizon_days * DAY
    if home.window_start is None or home.window_end is None:
        return None
    if cut <= home.window_start or end > home.window_end:
        return None
    return _DeviceView(home, device_id).label(cut, end)


def failure_cuts(
    home: Home,
    *,
    first_days: float = 14.0,
    step_days: float = 2.0,
    horizon_days: float = HORIZON_DAYS,
) -> FloatArray:
    """Cuts every ``step_days`` from ``first_days`` into the window, each with a full horizon."""
    if home.window_start is None or home.window_end is None:
        return np.empty(0)
    last_day = (home.window_end - home.window_start) / DAY - horizon_days
    days = np.arange(first_days, last_day + 1e-9, step_days, dtype=np.float64)
    return np.asarray(home.window_start + DAY * days, dtype=np.float64)


def failure_samples(
    home: Home,
    cuts: Sequence[float] | npt.NDArray[np.floating[Any]],
    horizon_days: float = HORIZON_DAYS,
) -> FailureSamples:
    """Features and history labels of every device with history at every cut.

    Pairs whose label is ``None`` (horizon outside the window, device already failed)
    are left out.
    """
    rows: list[FloatArray] = []
    labels: list[int] = []
    devices: list[str] = []
    times: list[float] = []
    events: list[float] = []
    rules: list[str] = []
    window_ok = home.window_start is not None and home.window_end is not None
    entities = device_entities(home)
    for device_id in home.devices:
        view = _DeviceView(home, device_id, entities.get(device_id, []))
        if not view.entities or not window_ok:
            continue
        for cut in (float(c) for c in cuts):
            end = cut + horizon_days * DAY
            assert home.window_start is not None
            assert home.window_end is not None
            if cut <= home.window_start or end > home.window_end:
                continue
            label = view.label(cut, end)
            if label is None:
                continue
            rows.append(view.features(cut))
            labels.append(int(label.failed))
            devices.append(device_id)
            times.append(cut)
            events.append(math.nan if label.event_ts is None else label.event_ts)
            rules.append(label.rule)
    return FailureSamples(
        np.array(rows, dtype=np.float64).reshape(len(rows), len(FAILURE_FEATURE_NAMES)),
        np.array(labels, dtype=np.int64),
        devices,
        np.array(times, dtype=np.float64),
        np.array(events, dtype=np.float64),
        rules,
    )
