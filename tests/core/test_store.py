"""Tests for the derived history store."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.home import Origin
from custom_components.homeiq.core.store import (
    DAY,
    HOUR,
    DerivedStore,
    StoreCorruptError,
    aggregate_hourly,
    merge_hourly,
)

T0 = 1_795_000_000.0 - (1_795_000_000.0 % HOUR)  # an hour boundary
DEV, USER, AUTO = int(Origin.DEVICE), int(Origin.USER), int(Origin.AUTOMATION)


def test_ingest_appends_and_skips_duplicates() -> None:
    """A second ingest of overlapping rows keeps only the newer ones."""
    store = DerivedStore()
    assert store.ingest("light.a", [T0, T0 + 10], ["off", "on"], [DEV, USER], numeric=False) == 2
    kept = store.ingest(
        "light.a",
        [T0 + 10, T0 + 20, T0 + 30],
        ["on", "off", "on"],
        [USER, AUTO, AUTO],
        numeric=False,
    )
    assert kept == 2
    history = store.events["light.a"]
    assert history.timestamps.tolist() == [T0, T0 + 10, T0 + 20, T0 + 30]
    assert history.states() == ["off", "on", "off", "on"]
    assert history.origins.tolist() == [DEV, USER, AUTO, AUTO]
    assert store.counters == {"duplicate_rows": 1}


def test_ingest_bad_states_are_counted() -> None:
    """Empty states are skipped; text in a numeric sensor is kept but not aggregated."""
    store = DerivedStore()
    kept = store.ingest(
        "sensor.t",
        [T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5],
        ["20.5", "", None, "unavailable", "warm", "21.5"],
        [DEV] * 6,
        numeric=True,
    )
    assert kept == 4
    assert store.counters == {"empty_states": 2, "non_numeric_in_numeric": 1}
    assert store.events["sensor.t"].states() == ["20.5", "unavailable", "warm", "21.5"]
    hourly = store.hourly["sensor.t"]
    assert hourly.count.tolist() == [2]
    assert hourly.mean.tolist() == [21.0]
    assert hourly.last.tolist() == [21.5]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 5 * HOUR), st.floats(-50, 50)), min_size=1, max_size=60),
    st.integers(0, 60),
)
def test_hourly_merge_equals_one_pass(rows: list[tuple[float, float]], split: int) -> None:
    """Aggregating in two reads and merging equals aggregating all rows at once."""
    rows = sorted(rows)
    ts = np.array([T0 + r[0] for r in rows])
    vals = np.array([r[1] for r in rows])
    split = min(split, len(rows))
    merged = merge_hourly(
        aggregate_hourly(ts[:split], vals[:split]), aggregate_hourly(ts[split:], vals[split:])
    )
    whole = aggregate_hourly(ts, vals)
    assert merged.hours.tolist() == whole.hours.tolist()
    assert merged.count.tolist() == whole.count.tolist()
    np.testing.assert_allclose(merged.total, whole.total)
    assert merged.minimum.tolist() == whole.minimum.tolist()
    assert merged.maximum.tolist() == whole.maximum.tolist()
    assert merged.last.tolist() == whole.last.tolist()
    # Naive reference for the hour of the first row.
    first_hour = np.floor(ts[0] / HOUR) * HOUR
    in_hour = vals[np.floor(ts / HOUR) * HOUR == first_hour]
    assert whole.count[0] == in_hour.size
    assert whole.maximum[0] == in_hour.max()


def test_trim_keeps_hourly_beyond_raw_window() -> None:
    """Old raw numeric rows go; their hourly means remain and stand in for them."""
    store = DerivedStore(keep_days=30, raw_days=2)
    ts = [T0 + h * HOUR + 60 for h in range(24 * 5)]
    store.ingest(
        "sensor.p", ts, [str(float(h)) for h in range(len(ts))], [DEV] * len(ts), numeric=True
    )
    store.ingest("light.a", [T0], ["on"], [USER], numeric=False)
    now = T0 + 5 * DAY
    store.trim(now)
    assert store.events["sensor.p"].timestamps.min() >= now - 2 * DAY
    assert store.hourly["sensor.p"].hours.size == 24 * 5
    assert len(store.events["light.a"]) == 1

    histories = store.histories(T0, now)
    p = histories["sensor.p"]
    assert len(p) == 24 * 5
    assert p.timestamps[0] == T0 + HOUR / 2  # hourly stand-in at the middle of the hour
    assert p.values[0] == 0.0
    assert p.values[-1] == float(24 * 5 - 1)  # a raw row
    assert (np.diff(p.timestamps) > 0).all()

    store.trim(T0 + 40 * DAY)
    assert "light.a" not in store.histories(T0, T0 + 40 * DAY)
    assert store.hourly["sensor.p"].hours.size == 0


def test_rename_and_remove() -> None:
    """A renamed entity keeps its history under the new id; a removed one is forgotten."""
    store = DerivedStore()
    store.ingest("light.old", [T0, T0 + 5], ["off", "on"], [DEV, USER], numeric=False)
    store.ingest("light.new", [T0 + 10], ["off"], [AUTO], numeric=False)
    store.rename("light.old", "light.new")
    assert "light.old" not in store.events
    merged = store.events["light.new"]
    assert merged.timestamps.tolist() == [T0, T0 + 5, T0 + 10]
    assert merged.states() == ["off", "on", "off"]
    assert merged.origins.tolist() == [DEV, USER, AUTO]
    store.remove("light.new")
    assert store.events == {}
    assert store.counters == {"renamed_entities": 1, "deleted_entities": 1}


def test_save_load_round_trip(tmp_path: Path) -> None:
    """What is saved loads back identically."""
    store = DerivedStore(keep_days=90, raw_days=7)
    store.watermark = T0 + 99
    store.ingest("sensor.t", [T0, T0 + 7200], ["1.5", "unavailable"], [DEV, DEV], numeric=True)
    store.ingest("light.a", [T0 + 1], ["on"], [USER], numeric=False)
    store.ingest("light.a", [T0 + 1], ["on"], [USER], numeric=False)
    store.save(tmp_path / "history")
    loaded = DerivedStore.load(tmp_path / "history")
    assert loaded.summary() == store.summary()
    assert loaded.numeric == {"sensor.t"}
    assert (loaded.keep_days, loaded.raw_days) == (90, 7)
    for entity_id, history in store.events.items():
        other = loaded.events[entity_id]
        assert other.timestamps.tolist() == history.timestamps.tolist()
        assert other.states() == history.states()
        assert other.origins.tolist() == history.origins.tolist()
        np.testing.assert_array_equal(other.values, history.values)
    assert loaded.hourly["sensor.t"].total.tolist() == [1.5]
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.json", "history.npz"]


@pytest.mark.parametrize("damage", ["truncate_npz", "garbage_json", "wrong_version", "codes"])
def test_corrupt_store_raises(tmp_path: Path, damage: str) -> None:
    """A damaged store raises StoreCorruptError (the caller starts over), never anything else."""
    store = DerivedStore()
    store.ingest("light.a", [T0, T0 + 1], ["off", "on"], [DEV, USER], numeric=False)
    path = tmp_path / "history"
    store.save(path)
    npz, meta = path.with_suffix(".npz"), path.with_suffix(".json")
    if damage == "truncate_npz":
        npz.write_bytes(npz.read_bytes()[:40])
    elif damage == "garbage_json":
        meta.write_text("{not json")
    elif damage == "wrong_version":
        meta.write_text(meta.read_text().replace('"format_version": 1', '"format_version": 99'))
    else:
        meta.write_text(meta.read_text().replace('[["off", "on"]]', '[["off"]]'))
    with pytest.raises(StoreCorruptError):
        DerivedStore.load(path)


def test_ingest_chunks_groups_entities_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows of one entity spread over chunks (and flushes) end up as one ordered history."""
    monkeypatch.setattr("custom_components.homeiq.core.store.FLUSH_ROWS", 3)
    store = DerivedStore()
    chunks = [
        (
            ["light.a", "light.a", "switch.b"],
            [T0, T0 + 1, T0 + 2],
            ["off", "on", "on"],
            [DEV, USER, DEV],
        ),
        (
            ["light.a", "switch.b", "switch.b"],
            [T0 + 5, T0 + 6, T0 + 7],
            ["off", "off", ""],
            [AUTO, USER, DEV],
        ),
        (["sensor.t"], [T0 + 8], ["21.25"], [DEV]),
    ]
    assert store.ingest_chunks(chunks, numeric={"sensor.t"}) == 6
    assert store.events["light.a"].states() == ["off", "on", "off"]
    assert store.events["light.a"].origins.tolist() == [DEV, USER, AUTO]
    assert store.events["switch.b"].timestamps.tolist() == [T0 + 2, T0 + 6]
    assert store.hourly["sensor.t"].total.tolist() == [21.25]
    assert store.numeric == {"sensor.t"}
    assert store.counters == {"empty_states": 1}


def test_hourly_merge_of_interleaved_hours() -> None:
    """Hours from two sources that interleave (a rename onto a recorded id) combine exactly."""
    a = aggregate_hourly(np.array([T0, T0 + 2 * HOUR]), np.array([1.0, 3.0]))
    b = aggregate_hourly(np.array([T0 + 10, T0 + HOUR]), np.array([5.0, 7.0]))
    merged = merge_hourly(a, b)
    assert merged.hours.tolist() == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert merged.count.tolist() == [2, 1, 1]
    assert merged.total.tolist() == [6.0, 7.0, 3.0]
    assert merged.minimum.tolist() == [1.0, 7.0, 3.0]
    assert merged.maximum.tolist() == [5.0, 7.0, 3.0]
    assert merged.last.tolist() == [5.0, 7.0, 3.0]
