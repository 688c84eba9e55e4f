"""Tests for the derived history store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.home import Origin
from custom_components.homeiq.core.home.store import (
    DAY,
    HOUR,
    DerivedStore,
    StoreCorruptError,
    Watermark,
    aggregate_hourly,
    merge_hourly,
)
from tools.legacy_store import save_format_1

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
    """Old raw numeric rows go; their hours' last values remain and stand in for them."""
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
    # One change an hour: the summarised hours (each at its last value's time, with that
    # value) give back exactly the rows they summarise.
    assert p.timestamps.tolist() == ts
    assert p.values.tolist() == [float(h) for h in range(len(ts))]
    assert p.states()[:2] == ["0", "1"]  # summaries
    assert p.states()[-1] == str(float(24 * 5 - 1))  # a raw row

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


def _assert_same(loaded: DerivedStore, store: DerivedStore) -> None:
    """Two stores hold exactly the same rows, hours and metadata."""
    assert loaded.summary() | {"segment_files": 0} == store.summary() | {"segment_files": 0}
    assert loaded.numeric == store.numeric
    assert loaded.watermark == store.watermark
    assert set(loaded.events) == set(store.events)
    for entity_id, history in store.events.items():
        other = loaded.events[entity_id]
        assert other.timestamps.tolist() == history.timestamps.tolist()
        assert other.states() == history.states()
        assert other.origins.tolist() == history.origins.tolist()
        np.testing.assert_array_equal(other.values, history.values)
    assert set(loaded.hourly) == set(store.hourly)
    for entity_id, hourly in store.hourly.items():
        other_h = loaded.hourly[entity_id]
        assert other_h.hours.tolist() == hourly.hours.tolist()
        assert other_h.count.tolist() == hourly.count.tolist()
        np.testing.assert_allclose(other_h.total, hourly.total)
        assert other_h.minimum.tolist() == hourly.minimum.tolist()
        assert other_h.maximum.tolist() == hourly.maximum.tolist()
        assert other_h.last.tolist() == hourly.last.tolist()


def test_save_load_round_trip(tmp_path: Path) -> None:
    """What is saved loads back identically, states of any text included."""
    store = DerivedStore(keep_days=90, raw_days=7)
    store.watermark = Watermark(state_id=41, time=T0 + 99)
    store.ingest("sensor.t", [T0, T0 + 7200], ["1.5", "unavailable"], [DEV, DEV], numeric=True)
    store.ingest("light.a", [T0 + 1], ["on"], [USER], numeric=False)
    store.ingest("light.a", [T0 + 1], ["on"], [USER], numeric=False)
    store.ingest("input_text.n", [T0 + 2], ["ünïcode\x00 with NUL"], [USER], numeric=False)
    stats = store.save(tmp_path / "history")
    loaded = DerivedStore.load(tmp_path / "history")
    _assert_same(loaded, store)
    assert (loaded.keep_days, loaded.raw_days) == (90, 7)
    assert loaded.events["input_text.n"].states() == ["ünïcode\x00 with NUL"]
    assert loaded.hourly["sensor.t"].total.tolist() == [1.5]
    # One delta segment and the manifest; atomic writes leave no temporary files behind.
    files = sorted(p.name for p in (tmp_path / "history").iterdir())
    assert files == ["d-000000.npz", "manifest.json"]
    assert stats.bytes_written == sum(p.stat().st_size for p in (tmp_path / "history").iterdir())
    assert stats.files_written == 1


def _night(store: DerivedStore, day: int, entities: int = 6) -> None:
    """One day of rows: a numeric sensor every 10 minutes, switches a few times a day."""
    start = T0 + day * DAY
    ts = [start + m * 600.0 + 1 for m in range(144)]
    for n in range(entities // 2):
        store.ingest(
            f"sensor.p{n}",
            ts,
            [f"{(m * 7 + n) % 50}.5" for m in range(144)],
            [DEV] * 144,
            numeric=True,
        )
        store.ingest(
            f"switch.s{n}",
            [start + 3600.0 * h + n for h in (7, 12, 22)],
            ["on", "off", "on"],
            [USER, AUTO, DEV],
            numeric=False,
        )


def test_nightly_saves_write_only_what_changed(tmp_path: Path) -> None:
    """Nights append a delta; a new week compacts; trims delete whole files; loads agree."""
    path = tmp_path / "history"
    store = DerivedStore(keep_days=28, raw_days=7)
    written: list[int] = []
    compacted: list[bool] = []
    for day in range(70):
        _night(store, day)
        store.trim(T0 + (day + 1) * DAY)
        stats = store.save(path)
        written.append(stats.bytes_written)
        compacted.append(stats.compacted)
        _assert_same(DerivedStore.load(path), store)
        size = sum(p.stat().st_size for p in path.iterdir())
        if day >= 35 and not stats.compacted:
            # A plain night writes one day of rows: a small part of the store.
            assert stats.files_written == 1
            assert stats.bytes_written < size / 3
    # Compaction happens once a week, every week, and never on other nights.
    assert sum(compacted[7:]) == len(range(7, 70)) // 7
    weeks = {int((T0 + (d + 1) * DAY) // (7 * DAY)) for d in range(70)}
    assert sum(compacted) in (len(weeks) - 1, len(weeks))
    # Old raw rows and old events went by deleting files: what is left is bounded.
    names = sorted(p.name for p in path.iterdir())
    assert sum(n.endswith("-raw-" + n[-10:]) for n in names) <= 2
    assert len(names) <= 1 + 3 * (28 // 7 + 1) + 7
    loaded = DerivedStore.load(path)
    first_switch = loaded.events["switch.s0"].timestamps[0]
    assert first_switch >= T0 + 70 * DAY - 28 * DAY
    assert loaded.events["sensor.p0"].timestamps[0] >= T0 + 70 * DAY - 7 * DAY
    assert loaded.hourly["sensor.p0"].hours[0] >= T0 + 70 * DAY - 28 * DAY - HOUR


def test_late_rows_are_merged_in_place(tmp_path: Path) -> None:
    """A row older than the entity's newest one (committed late) is kept, in time order."""
    store = DerivedStore()
    store.ingest(
        "sensor.t", [T0 + 60, T0 + 1800, T0 + 5400], ["1", "2", "4"], [DEV] * 3, numeric=True
    )
    store.save(tmp_path / "h")
    kept = store.ingest(
        "sensor.t",
        [T0 + 1800, T0 + 3000, T0 + 100],
        ["2", "3", "9"],
        [DEV, USER, DEV],
        numeric=True,
    )
    assert kept == 2
    assert store.counters == {"duplicate_rows": 1, "late_rows": 2}
    history = store.events["sensor.t"]
    assert history.timestamps.tolist() == [T0 + 60, T0 + 100, T0 + 1800, T0 + 3000, T0 + 5400]
    assert history.states() == ["1", "9", "2", "3", "4"]
    assert history.origins.tolist() == [DEV, DEV, DEV, USER, DEV]
    # The hourly aggregate equals one pass over all rows: the late 9 is not the hour's last.
    whole = aggregate_hourly(history.timestamps, history.values)
    hourly = store.hourly["sensor.t"]
    assert hourly.count.tolist() == whole.count.tolist() == [4, 1]
    assert hourly.last.tolist() == whole.last.tolist() == [3.0, 4.0]
    assert hourly.maximum.tolist() == [9.0, 4.0]
    store.save(tmp_path / "h")
    _assert_same(DerivedStore.load(tmp_path / "h"), store)


def test_rename_and_remove_persist(tmp_path: Path) -> None:
    """Renames and removals of saved rows survive a reload without rewriting the files."""
    path = tmp_path / "history"
    store = DerivedStore()
    store.ingest("light.old", [T0, T0 + 5], ["off", "on"], [DEV, USER], numeric=False)
    store.ingest("sensor.gone", [T0], ["3"], [DEV], numeric=True)
    store.ingest("switch.x", [T0], ["on"], [DEV], numeric=False)
    store.save(path)
    store.rename("light.old", "light.new")
    store.remove("sensor.gone")
    # A new entity takes the old id: its rows are not renamed.
    store.ingest("light.old", [T0 + 50], ["on"], [AUTO], numeric=False)
    store.ingest("light.new", [T0 + 60], ["off"], [USER], numeric=False)
    stats = store.save(path)
    assert stats.files_written == 1  # the new rows only; the rename is in the manifest
    loaded = DerivedStore.load(path)
    _assert_same(loaded, store)
    assert loaded.events["light.new"].states() == ["off", "on", "off"]
    assert loaded.events["light.old"].timestamps.tolist() == [T0 + 50]
    assert "sensor.gone" not in loaded.events
    assert "sensor.gone" not in loaded.hourly
    assert loaded.numeric == set()
    # Chained: new -> newer, reloaded again.
    loaded.rename("light.new", "light.newer")
    loaded.save(path)
    again = DerivedStore.load(path)
    assert again.events["light.newer"].states() == ["off", "on", "off"]
    assert "light.new" not in again.events


def test_format_1_store_is_migrated(tmp_path: Path) -> None:
    """A store on disk in the old one-file layout is read, then saved once as segments."""
    store = DerivedStore(keep_days=60, raw_days=3)
    store.watermark = Watermark(time=T0 + 2 * DAY - 300)
    _night(store, 0)
    _night(store, 1)
    store.ingest("sensor.p0", [T0 + 2 * DAY], ["warm"], [DEV], numeric=True)
    path = tmp_path / "history"
    save_format_1(store, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.json", "history.npz"]

    migrated = DerivedStore.load(path)
    _assert_same(migrated, store)
    migrated.ingest("switch.s0", [T0 + 3 * DAY + 10], ["off"], [USER], numeric=False)
    migrated.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history"]  # old files removed
    reloaded = DerivedStore.load(path)
    _assert_same(reloaded, migrated)
    assert reloaded.watermark == Watermark(state_id=None, time=T0 + 2 * DAY - 300)
    assert reloaded.events["switch.s0"].states()[-1] == "off"
    # A row after the old watermark in the last migrated hour becomes that hour's last value.
    assert reloaded.hourly["sensor.p0"].hours[-1] == T0 + 2 * DAY - HOUR
    reloaded.ingest("sensor.p0", [T0 + 2 * DAY - 100], ["44"], [DEV], numeric=True)
    assert reloaded.hourly["sensor.p0"].last[-1] == 44.0
    assert reloaded.hourly["sensor.p0"].count[-1] == 7


@pytest.mark.parametrize(
    "damage", ["truncate_npz", "garbage_manifest", "wrong_version", "codes", "missing_file"]
)
def test_damaged_store(tmp_path: Path, damage: str) -> None:
    """A damaged manifest raises StoreCorruptError; a damaged segment is dropped alone."""
    path = tmp_path / "history"
    store = DerivedStore()
    store.ingest("light.a", [T0, T0 + 1], ["off", "on"], [DEV, USER], numeric=False)
    store.save(path)
    store.ingest("light.a", [T0 + 2], ["off"], [DEV], numeric=False)
    store.save(path)
    first, manifest = path / "d-000000.npz", path / "manifest.json"
    if damage == "garbage_manifest":
        manifest.write_text("{not json")
    elif damage == "wrong_version":
        manifest.write_text(
            manifest.read_text().replace('"format_version": 2', '"format_version": 9')
        )
    else:
        if damage == "truncate_npz":
            first.write_bytes(first.read_bytes()[:40])
        elif damage == "missing_file":
            first.unlink()
        else:
            arrays = dict(np.load(first, allow_pickle=False))
            arrays["events_codes"] = arrays["events_codes"] + 5
            np.savez(first, allow_pickle=False, **arrays)
        loaded = DerivedStore.load(path)
        assert list(loaded.damaged) == ["d-000000.npz"]
        assert loaded.events["light.a"].states() == ["off"]  # the other segment
        loaded.save(path)
        assert sorted(p.name for p in path.iterdir()) == ["d-000001.npz", "manifest.json"]
        assert DerivedStore.load(path).damaged == {}
        return
    with pytest.raises(StoreCorruptError):
        DerivedStore.load(path)


def test_ingest_chunks_groups_entities_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows of one entity spread over chunks (and flushes) end up as one ordered history."""
    monkeypatch.setattr("custom_components.homeiq.core.home.store.FLUSH_ROWS", 3)
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


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 3 * HOUR), st.floats(-50, 50)), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
)
def test_late_rows_in_any_order_give_the_one_pass_aggregate(
    rows: list[tuple[float, float]], rng: Any
) -> None:
    """Rows ingested in any order (in batches, late ones included) aggregate like one pass."""
    # One value per time (equal times are duplicates of one row).
    unique = sorted({T0 + t: v for t, v in rows}.items())
    shuffled = list(unique)
    rng.shuffle(shuffled)
    store = DerivedStore()
    cut = rng.randint(0, len(shuffled))
    for batch in (shuffled[:cut], shuffled[cut:]):
        store.ingest(
            "sensor.x",
            [t for t, _ in batch],
            [repr(v) for _, v in batch],
            [DEV] * len(batch),
            numeric=True,
        )
    ts = np.array([t for t, _ in unique])
    whole = aggregate_hourly(ts, np.array([v for _, v in unique]))
    got = store.hourly["sensor.x"]
    assert store.events["sensor.x"].timestamps.tolist() == ts.tolist()
    assert got.hours.tolist() == whole.hours.tolist()
    assert got.count.tolist() == whole.count.tolist()
    assert got.minimum.tolist() == whole.minimum.tolist()
    assert got.maximum.tolist() == whole.maximum.tolist()
    assert got.last.tolist() == whole.last.tolist()
    np.testing.assert_allclose(got.total, whole.total)
