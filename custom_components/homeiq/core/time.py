"""Time in HomeIQ: the constants and the one set of local-time helpers every capability uses.

Times are POSIX timestamps (float seconds). A home's local time comes from its IANA zone;
offsets are asked of the zone once per UTC hour ever (a zone changes its offset on whole
hours), so long histories stay cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime
import functools
import itertools
import math
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

MINUTE: Final = 60.0
HOUR: Final = 3_600.0
DAY: Final = 86_400.0
WEEK: Final = 7 * DAY
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

type FloatArray = npt.NDArray[np.float64]


def fixed_offset_zone(utc_offset_h: float) -> str:
    """The IANA name of a fixed whole-hour offset (``Etc/GMT-1`` is UTC+1: the sign flips)."""
    if not float(utc_offset_h).is_integer() or not -12 <= utc_offset_h <= 14:
        raise ValueError(f"no IANA zone for a UTC offset of {utc_offset_h} h")
    hours = int(utc_offset_h)
    return "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"


@functools.lru_cache(maxsize=1 << 16)
def _hour_offset(time_zone: str, hour: int) -> float:
    """UTC offset in seconds of ``time_zone`` during one UTC hour."""
    moment = datetime.fromtimestamp(hour * HOUR, UTC).astimezone(ZoneInfo(time_zone))
    return moment.utcoffset().total_seconds()  # type: ignore[union-attr]


def utc_offsets(timestamps: npt.ArrayLike, time_zone: str) -> FloatArray:
    """UTC offset in seconds of ``time_zone`` at each timestamp (daylight saving included)."""
    times = np.asarray(timestamps, dtype=np.float64)
    if not times.size:
        return np.empty(0, dtype=np.float64)
    hours, inverse = np.unique(np.floor(times / HOUR).astype(np.int64), return_inverse=True)
    table = np.array([_hour_offset(time_zone, hour) for hour in hours.tolist()])
    return np.asarray(table[inverse].reshape(times.shape), dtype=np.float64)


def local_hour_of_day(timestamps: npt.ArrayLike, time_zone: str) -> FloatArray:
    """Local hour of day in [0, 24) (fractional)."""
    times = np.asarray(timestamps, dtype=np.float64)
    local = times + utc_offsets(times, time_zone)
    return np.asarray(np.mod(local, DAY) / HOUR, dtype=np.float64)


def local_hours(times: FloatArray, time_zone: str) -> npt.NDArray[np.int64]:
    """Local hour of day of each time, as a whole hour 0 … 23."""
    if not times.size:
        return np.empty(0, dtype=np.int64)
    local = np.mod(times + utc_offsets(times, time_zone), DAY)
    return np.clip(np.floor(local / HOUR).astype(np.int64), 0, 23)


def local_weekday(timestamps: npt.ArrayLike, time_zone: str) -> npt.NDArray[np.int64]:
    """Local day of week, Monday = 0."""
    times = np.asarray(timestamps, dtype=np.float64)
    days = np.floor((times + utc_offsets(times, time_zone)) / DAY).astype(np.int64)
    return np.asarray(np.mod(days + 3, 7), dtype=np.int64)  # 1970-01-01 was a Thursday


def weekday_name(day_start: float, time_zone: str) -> str:
    """The local weekday of a moment, in words."""
    return WEEKDAYS[int(local_weekday(np.array([day_start]), time_zone)[0])]


def local_midnights(start: float, end: float, time_zone: str) -> FloatArray:
    """POSIX times of the local midnights from the first one at or after ``start`` to ``end``.

    Candidates are on a quarter-hour grid, so zones offset by half or quarter hours work too.
    """
    candidates = np.arange(math.floor(start / DAY) * DAY - DAY, end + DAY, HOUR / 4)
    local = candidates + utc_offsets(candidates, time_zone)
    midnights = candidates[np.mod(local, DAY) == 0]
    return np.asarray(midnights[(midnights >= start) & (midnights < end)], dtype=np.float64)


def local_day_end(day_start: float, time_zone: str) -> float:
    """The local midnight after ``day_start`` (23 or 25 hours later on a DST change)."""
    following = local_midnights(day_start + 1.0, day_start + DAY + 3 * HOUR, time_zone)
    return float(following[0]) if following.size else day_start + DAY


def whole_days(start: float, end: float, time_zone: str) -> list[tuple[float, float]]:
    """(start, end) of every whole local day inside [start, end)."""
    midnights = local_midnights(start, end + 1.0, time_zone).tolist()
    return [(a, b) for a, b in itertools.pairwise(midnights) if b <= end]
