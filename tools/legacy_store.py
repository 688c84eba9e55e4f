"""The derived store's format 1 writer (HomeIQ up to format 2), kept for tests and benchmarks.

Format 1 rewrote the whole store into ``<name>.npz`` + ``<name>.json`` at every save. Users
have such stores on disk; :meth:`DerivedStore.load` still reads them and the next save
migrates them. This module writes that layout exactly as the old ``DerivedStore.save`` did,
so tests can check the migration and ``scripts/benchmark`` can compare the bytes written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.atomic import write_file_atomic
from custom_components.homeiq.core.home.store import LEGACY_FORMAT_VERSION, DerivedStore


def save_format_1(store: DerivedStore, path: Path) -> int:
    """Write ``store`` as ``path``.npz and ``path``.json; return the bytes written."""
    ids = sorted(store.events)
    hourly_ids = sorted(store.hourly)

    def cat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    events = [store.events[i] for i in ids]
    hours = [store.hourly[i] for i in hourly_ids]
    arrays: dict[str, npt.NDArray[Any]] = {
        "event_offsets": np.cumsum([0] + [len(h) for h in events]).astype(np.int64),
        "timestamps": cat([h.timestamps for h in events], np.float64),
        "codes": cat([h.codes for h in events], np.int32),
        "origins": cat([h.origins for h in events], np.int8),
        "hour_offsets": np.cumsum([0] + [h.hours.size for h in hours]).astype(np.int64),
        "hours": cat([h.hours for h in hours], np.float64),
        "hour_count": cat([h.count for h in hours], np.int64),
        "hour_total": cat([h.total for h in hours], np.float64),
        "hour_min": cat([h.minimum for h in hours], np.float64),
        "hour_max": cat([h.maximum for h in hours], np.float64),
        "hour_last": cat([h.last for h in hours], np.float64),
    }
    watermark = store.watermark.time if store.watermark is not None else None
    meta = {
        "format_version": LEGACY_FORMAT_VERSION,
        "watermark": watermark,
        "keep_days": store.keep_days,
        "raw_days": store.raw_days,
        "entities": ids,
        "vocabularies": [h.vocabulary for h in events],
        "hourly_entities": hourly_ids,
        "numeric": sorted(store.numeric),
        "counters": dict(store.counters),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    npz, meta_path = path.with_suffix(".npz"), path.with_suffix(".json")
    write_file_atomic(npz, lambda f: np.savez(f, allow_pickle=False, **arrays))
    write_file_atomic(meta_path, lambda f: f.write(json.dumps(meta).encode()))
    return npz.stat().st_size + meta_path.stat().st_size
