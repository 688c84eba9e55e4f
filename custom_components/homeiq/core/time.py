"""Local time of a home: hours of day and days of week from POSIX timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

HOUR = 3600.0


def fixed_offset_zone(utc_offset_h: float) -> str:
    """The IANA name of a fixed whole-hour offset (``Etc/GMT-1`` is UTC+1: the sign flips)."""
    if not float(utc_offset_h).is_integer() or not -12 <= utc_offset_h <= 14:
        raise ValueError(f"no IANA zone for a UTC offset of {utc_offset_h} h")
    hours = int(utc_offset_h)
    return "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"


def utc_offsets(timestamps: npt.ArrayLike, time_zone: str) -> npt.NDArray[np.float64]:
    """UTC offset in seconds of ``time_zone`` at each timestamp (daylight saving included).

    The zone is asked once per distinct hour, so long histories stay cheap.
    """
    ts = np.asarray(timestamps, dtype=np.float64)
    if ts.size == 0:
        return np.empty(0, dtype=np.float64)
    zone = ZoneInfo(time_zone)
    hours, inverse = np.unique(np.floor(ts / HOUR), return_inverse=True)
    offsets = np.array(
        [
            datetime.fromtimestamp(hour * HOUR, UTC).astimezone(zone).utcoffset().total_seconds()  # type: ignore[union-attr]
            for hour in hours.tolist()
        ],
        dtype=np.float64,
    )
    return offsets[inverse].reshape(ts.shape)


def local_hour_of_day(timestamps: npt.ArrayLike, time_zone: str) -> npt.NDArray[np.float64]:
    """Local hour of day in [0, 24) (fractional)."""
    ts = np.asarray(timestamps, dtype=np.float64)
    local = ts + utc_offsets(ts, time_zone)
    return np.mod(local, 86_400.0) / HOUR


def local_weekday(timestamps: npt.ArrayLike, time_zone: str) -> npt.NDArray[np.int64]:
    """Local day of week, Monday = 0."""
    ts = np.asarray(timestamps, dtype=np.float64)
    days = np.floor((ts + utc_offsets(ts, time_zone)) / 86_400.0).astype(np.int64)
    return np.mod(days + 3, 7)  # 1970-01-01 was a Thursday
