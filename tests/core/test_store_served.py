"""What the history store serves over a month: the same kind of history the models learn from.

Rows go in read by read (a day at a time, trimmed, saved and loaded again, as the reader
does), and the served month is compared with the rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
import json
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.anomaly import StuckValueDetector
from custom_components.homeiq.core.failure import device_failure_features, risk_reasons
from custom_components.homeiq.core.home import Device, Entity, Home, Origin, StateHistory
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.home.store import DerivedStore, aggregate_hourly
from custom_components.homeiq.core.time import DAY, HOUR

T0 = 1_795_000_000.0 - (1_795_000_000.0 % DAY)  # a UTC midnight
NOW = T0 + 30 * DAY
DEV = int(Origin.DEVICE)
LIGHT, BATTERY, GONE, POWER = (
    "sensor.hall_light_level",
    "sensor.hall_battery",
    "sensor.door_battery",
    "sensor.plug_power",
)

type Rows = list[tuple[float, str]]


def light_rows(rng: np.random.Generator) -> Rows:
    """A light-level sensor: a new value every 5-40 min by day, silent from 23 h to 5 h,
    then stuck at 67 for the last 33 hours. Like the recorder, only changes are rows."""
    rows: Rows = []
    t = T0 + 7 * HOUR
    stuck_from = NOW - 33 * HOUR
    while t < stuck_from:
        hour = (t - T0) % DAY / HOUR
        if 5 <= hour < 23:
            value = str(int(rng.integers(5, 900)))
            if not rows or rows[-1][1] != value:
                rows.append((t, value))
            t += float(rng.integers(300, 2400))
        else:
            t = t - (t - T0) % DAY + (DAY + 5 * HOUR if hour >= 23 else 5 * HOUR)
    rows.append((stuck_from, "67"))
    return rows


def battery_rows(rng: np.random.Generator, outage: tuple[float, float | None]) -> Rows:
    """A battery falling a step every few hours, unavailable (then unknown) in ``outage``."""
    rows: Rows = []
    level = 100
    t = T0 + 600
    begin, end = outage
    while t < NOW - HOUR:
        if begin <= t and (end is None or t < end):
            rows.append((begin, "unavailable"))
            rows.append((begin + 2 * HOUR, "unknown"))
            if end is None:
                break
            t = end
        level -= int(rng.integers(0, 2))
        if not rows or rows[-1][1] != str(level):
            rows.append((t, str(level)))
        t += float(rng.integers(2, 6)) * HOUR
    return rows


def power_rows(rng: np.random.Generator, step: tuple[int, int] = (10, 120)) -> Rows:
    """A plug's power: a change every ``step`` seconds while on, one 0 W row when off, and two
    short outages (one 20 days ago, one 2 days ago)."""
    rows: Rows = []
    t = T0 + 30
    outages = [(NOW - 20 * DAY, NOW - 20 * DAY + 3 * HOUR), (NOW - 2 * DAY, NOW - 2 * DAY + 600)]
    while t < NOW - 60:
        if any(a <= t < b for a, b in outages):
            a, b = next(o for o in outages if o[0] <= t < o[1])
            rows.append((a, "unavailable"))
            t = b
        hour = (t - T0) % DAY / HOUR
        if 1 <= hour < 6:  # off at night: one row, then silence
            if rows[-1][1] != "0":
                rows.append((t, "0"))
            t += 5 * HOUR
            continue
        value = f"{rng.integers(400, 2400) / 10:.1f}"
        if rows[-1:] == [] or rows[-1][1] != value:
            rows.append((t, value))
        t += float(rng.integers(*step))
    return rows


def replay(
    rows: dict[str, Rows], kept_raw: set[str], path: Path, reads: Sequence[float]
) -> DerivedStore:
    """Ingest the rows read by read (numeric entities), as the reader does, saving and loading
    the store between reads; return the store after the last read."""
    store = DerivedStore()
    previous = -np.inf
    for at in reads:
        store.set_kept_raw(kept_raw)
        for entity_id, entity_rows in rows.items():
            new = [(t, s) for t, s in entity_rows if previous < t <= at]
            store.ingest(
                entity_id,
                [t for t, _ in new],
                [s for _, s in new],
                [DEV] * len(new),
                numeric=True,
            )
        store.trim(at)
        store.save(path)
        store = DerivedStore.load(path)
        previous = at
    return store


def as_history(rows: Rows) -> StateHistory:
    """The rows themselves, as the models read them."""
    return pack_rows([t for t, _ in rows], [s for _, s in rows], [DEV] * len(rows))


def assert_equal(served: StateHistory, raw: StateHistory) -> None:
    assert served.timestamps.tolist() == raw.timestamps.tolist()
    assert served.states() == raw.states()
    assert served.origins.tolist() == raw.origins.tolist()
    np.testing.assert_array_equal(served.values, raw.values)


READS = [T0 + d * DAY + 3 * HOUR for d in range(1, 30, 3)] + [NOW]


@pytest.fixture(name="month")
def month_fixture(tmp_path: Path) -> tuple[dict[str, Rows], DerivedStore]:
    """Four sensors over 30 days, read in 11 reads; the light and the batteries kept raw."""
    rng = np.random.default_rng(7)
    rows = {
        LIGHT: light_rows(rng),
        BATTERY: battery_rows(rng, (NOW - 20 * DAY, NOW - 20 * DAY + 30 * HOUR)),
        GONE: battery_rows(rng, (NOW - 16 * DAY, None)),
        POWER: power_rows(rng),
    }
    store = replay(rows, {LIGHT, BATTERY, GONE}, tmp_path / "history", READS)
    return rows, store


def test_kept_raw_entities_are_served_exactly(
    month: tuple[dict[str, Rows], DerivedStore],
) -> None:
    """Steady sensors and batteries come back row for row over the whole month."""
    rows, store = month
    served = store.histories(T0, NOW)
    for entity_id in (LIGHT, BATTERY, GONE):
        assert_equal(served[entity_id], as_history(rows[entity_id]))
        assert entity_id not in store.hourly  # no summaries kept for them
    # A shorter window is a cut of the same rows.
    recent = store.histories(NOW - 10 * DAY, NOW)[LIGHT]
    raw = [(t, s) for t, s in rows[LIGHT] if t >= NOW - 10 * DAY]
    assert_equal(recent, as_history(raw))


def test_stuck_verdict_is_the_raw_one(month: tuple[dict[str, Rows], DerivedStore]) -> None:
    """The stuck light sensor is flagged with the raw rows' normal longest silence."""
    rows, store = month
    normal_end = NOW - 3 * DAY
    raw, served = as_history(rows[LIGHT]), store.histories(T0, NOW)[LIGHT]
    on_raw = StuckValueDetector().fit(raw, T0, normal_end)
    on_served = StuckValueDetector().fit(served, T0, normal_end)
    assert on_served.limit == on_raw.limit
    verdict_raw = on_raw.judge(raw, NOW - DAY)
    verdict = on_served.judge(served, NOW - DAY)
    assert verdict == verdict_raw
    assert verdict.anomalous
    assert verdict.reason is not None
    assert verdict.reason.startswith("value 67 unchanged for 33 h; normally at most")


def _battery_home(histories: dict[str, StateHistory]) -> Home:
    devices = {d: Device(d, d, battery_powered=True) for d in ("hall", "door")}
    entities = {
        BATTERY: Entity(BATTERY, "battery", "%", device_id="hall"),
        GONE: Entity(GONE, "battery", "%", device_id="door"),
    }
    return Home(
        devices=devices,
        entities=entities,
        histories={e: histories[e] for e in entities},
        window_start=T0,
        window_end=NOW,
    )


def test_battery_outages_are_the_raw_ones(month: tuple[dict[str, Rows], DerivedStore]) -> None:
    """Failure features and reasons of both batteries equal those of the raw rows, at the
    end of the month and on days long past the raw window."""
    rows, store = month
    served = _battery_home(store.histories(T0, NOW))
    raw = _battery_home({e: as_history(r) for e, r in rows.items()})
    for cut in (NOW, NOW - 19 * DAY, NOW - 15 * DAY, NOW - 5 * DAY):
        for device in ("hall", "door"):
            on_raw = device_failure_features(raw, device, cut)
            np.testing.assert_array_equal(device_failure_features(served, device, cut), on_raw)
            assert risk_reasons(device_failure_features(served, device, cut)) == risk_reasons(
                on_raw
            )
    # The battery that went unavailable 16 days ago is said to be unavailable since then.
    reasons = risk_reasons(device_failure_features(served, "door", NOW))
    assert reasons[0] == "unavailable for the last 384 h"
    # ... and the one whose outage began 20 days ago was unavailable for 19 h a day later.
    past = risk_reasons(device_failure_features(served, "hall", NOW - 19 * DAY))
    assert past[0] == "unavailable for the last 24 h"


def test_summarised_power_invents_no_change(month: tuple[dict[str, Rows], DerivedStore]) -> None:
    """A power sensor's old hours are served as real (time, value) rows, each a change, with
    every unavailable row in place; its last 14 days are its raw rows."""
    rows, store = month
    served = store.histories(T0, NOW)[POWER]
    raw = as_history(rows[POWER])
    raw_from = NOW - store.raw_days * DAY
    recent = served.timestamps >= raw_from
    assert_equal(
        StateHistory(
            served.timestamps[recent],
            served.values[recent],
            served.codes[recent],
            served.vocabulary,
            served.origins[recent],
        ),
        as_history([(t, s) for t, s in rows[POWER] if t >= raw_from]),
    )
    old = np.flatnonzero(~recent)
    assert 0 < old.size < 0.2 * (raw.timestamps < raw_from).sum()  # summarised: far fewer
    raw_value = dict(zip(raw.timestamps.tolist(), raw.values.tolist(), strict=True))
    raw_state = dict(zip(raw.timestamps.tolist(), raw.states(), strict=True))
    values, states = served.values[old], [served.states()[i] for i in old.tolist()]
    for t, value, state in zip(served.timestamps[old].tolist(), values, states, strict=True):
        # A time the sensor reported, with the value it reported then.
        assert t in raw_value
        if np.isfinite(value):
            assert value == raw_value[t]
        else:
            assert state == raw_state[t]
    # Every served value differs from the one before it (no change is invented) ...
    assert (values[1:] != values[:-1]).all()
    # ... and every unavailable row of the month is served where it was.
    unavailable = [t for t, s in rows[POWER] if s == "unavailable"]
    assert len(unavailable) == 2
    served_unavailable = [
        t
        for t, s in zip(served.timestamps.tolist(), served.states(), strict=True)
        if s == "unavailable"
    ]
    assert served_unavailable == unavailable
    # Each summarised hour is its last raw value, at its time.
    hours = aggregate_hourly(raw.timestamps, raw.values)
    by_time = dict(zip(hours.last_ts.tolist(), hours.last.tolist(), strict=True))
    finite = np.isfinite(values)
    for t, value in zip(served.timestamps[old][finite].tolist(), values[finite], strict=True):
        assert by_time[t] == value


def test_a_store_without_kept_raw_entities_loads_and_keeps_its_summaries(
    tmp_path: Path,
) -> None:
    """A store saved before entities were kept raw loads; its summarised hours stay
    summaries (last values, no invented changes) and new rows are kept raw from then on."""
    rng = np.random.default_rng(3)
    rows = light_rows(rng)
    path = tmp_path / "history"
    first, later = READS[:6], READS[6:]
    replay({LIGHT: rows}, set(), path, first)  # summarised, as every numeric entity was
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["kept_raw"]  # as format 2 wrote it before
    (path / "manifest.json").write_text(json.dumps(manifest))
    store = DerivedStore.load(path)
    assert store.kept_raw == set()
    summarised = store.hourly[LIGHT]
    store.set_kept_raw({LIGHT})
    previous = first[-1]
    for at in later:
        new = [(t, s) for t, s in rows if previous < t <= at]
        store.ingest(
            LIGHT, [t for t, _ in new], [s for _, s in new], [DEV] * len(new), numeric=True
        )
        store.trim(at)
        store.save(path)
        store = DerivedStore.load(path)
        store.set_kept_raw({LIGHT})
        previous = at
    served = store.histories(T0, NOW)[LIGHT]
    # Kept raw since the first read after the upgrade, and raw_days before it.
    raw_since = first[-1] - store.raw_days * DAY
    kept = [(t, s) for t, s in rows if t >= raw_since]
    tail = served.timestamps >= raw_since
    assert served.timestamps[tail].tolist() == [t for t, _ in kept]
    assert [served.states()[i] for i in np.flatnonzero(tail)] == [s for _, s in kept]
    # Before: one row per hour whose last value changed, at that value's time.
    head = np.flatnonzero(~tail)
    older = summarised.last_ts < raw_since
    older[1:] &= summarised.last[1:] != summarised.last[:-1]
    assert served.timestamps[head].tolist() == summarised.last_ts[older].tolist()
    assert served.values[head].tolist() == summarised.last[older].tolist()
    raw_value = dict(rows)
    assert all(
        float(raw_value[t]) == v
        for t, v in zip(served.timestamps[head].tolist(), served.values[head], strict=True)
    )


def test_kept_raw_entity_becoming_summarised_keeps_every_hour(tmp_path: Path) -> None:
    """An entity no longer kept raw gets the hourly aggregates of all its rows, and its
    rows older than raw_days go only then."""
    rng = np.random.default_rng(5)
    rows = light_rows(rng)
    store = replay({LIGHT: rows}, {LIGHT}, tmp_path / "history", READS)
    assert LIGHT not in store.hourly
    store.set_kept_raw(set())
    ts = np.array([t for t, _ in rows])
    whole = aggregate_hourly(ts, np.array([float(s) for _, s in rows]))
    got = store.hourly[LIGHT]
    assert got.hours.tolist() == whole.hours.tolist()
    assert got.count.tolist() == whole.count.tolist()
    assert got.last_ts.tolist() == whole.last_ts.tolist()
    store.trim(NOW)
    store.save(tmp_path / "history")
    loaded = DerivedStore.load(tmp_path / "history")
    assert loaded.events[LIGHT].timestamps[0] >= NOW - loaded.raw_days * DAY
    assert loaded.hourly[LIGHT].hours.tolist() == whole.hours.tolist()
    served = loaded.histories(T0, NOW)[LIGHT]
    assert (served.values[1:] != served.values[:-1]).all()
