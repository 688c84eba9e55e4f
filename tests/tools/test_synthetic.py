"""Tests for the seeded synthetic home generator.

The planted ground truth is checked against the generated histories with measurements
written here, independently of the generator's own code.
"""

from __future__ import annotations

from collections import Counter
import math
import re

from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import numpy.typing as npt
import pytest

from custom_components.homeiq.core.home import Home, Origin, StateHistory
from custom_components.homeiq.core.home.history import parse_numeric
from tools.synthetic import (
    FAILURE_KINDS,
    HOME_TYPES,
    RECENT_FAILURE_KINDS,
    SYNERGY_KINDS,
    PlantedFailure,
    PlantedSynergy,
    SyntheticHome,
    count_events,
    generate_corpus,
    generate_home,
    measure_generator_rate,
)
from tools.synthetic.layout import Layout, draw_layout

DAY = 86_400.0
INVALID = ("unavailable", "unknown")
OUTDOOR = (
    "garden",
    "back_yard",
    "yard",
    "garage",
    "porch",
    "pool",
    "driveway",
    "patio",
    "shed",
    "balcony",
    "terrace",
    "parking",
    "parking_space",
    "car_park",
    "storage",
    "storage_unit",
    "locker",
)
ENTITY_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")

type Floats = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def month_homes() -> list[SyntheticHome]:
    """Homes with a month of history (synergy and failure checks)."""
    return [generate_home(seed) for seed in range(40)]


@pytest.fixture(scope="module")
def corpus() -> list[SyntheticHome]:
    """Fifty homes, ten of each type, with two days of history (structure checks)."""
    return generate_corpus(50, seed=2024, days=2)


# --- helpers ------------------------------------------------------------------------------


def history_differences(a: StateHistory, b: StateHistory) -> list[str]:
    """Which parts of two histories differ (arrays compared bit for bit)."""
    out = [
        name
        for name in ("timestamps", "values", "codes", "origins")
        if getattr(a, name).dtype != getattr(b, name).dtype
        or getattr(a, name).tobytes() != getattr(b, name).tobytes()
    ]
    return out + (["vocabulary"] if a.vocabulary != b.vocabulary else [])


def home_differences(a: SyntheticHome, b: SyntheticHome) -> list[str]:
    """Everything that differs between two synthetic homes."""
    out = [
        name
        for name in ("areas", "devices", "entities", "automations", "window_start", "window_end")
        if getattr(a.home, name) != getattr(b.home, name)
    ]
    if a.truth != b.truth:
        out.append("truth")
    for name in ("histories", "external"):
        left, right = getattr(a.home, name), getattr(b.home, name)
        if list(left) != list(right):
            out.append(f"{name} keys")
            continue
        out += [f"{key}: {d}" for key in left for d in history_differences(left[key], right[key])]
    return out


def onsets(history: StateHistory, cause_state: str) -> Floats:
    """Times the history enters ``cause_state`` from another valid state."""
    side, _, number = cause_state.partition(":")
    if side in ("above", "below") and number:
        values = history.values
        active = values > float(number) if side == "above" else values < float(number)
        valid_before = np.isfinite(values[:-1])
    else:
        states = np.array(history.states())
        active = states == cause_state
        valid_before = ~np.isin(states[:-1], INVALID)
    entering = np.zeros(active.shape[0], dtype=bool)
    entering[1:] = active[1:] & ~active[:-1] & valid_before
    return np.asarray(history.timestamps[entering], dtype=np.float64)


def follow_stats(home: Home, synergy: PlantedSynergy) -> tuple[int, int, Floats]:
    """Cause occurrences, how many were followed by the effect, and the delays."""
    assert home.window_end is not None
    causes = onsets(home.histories[synergy.cause_entity], synergy.cause_state)
    horizon = synergy.delay_mean_s + 6 * synergy.delay_std_s
    causes = causes[causes < home.window_end - horizon]
    effect = home.histories[synergy.effect_entity]
    origin = Origin.AUTOMATION if synergy.automated else Origin.USER
    states = np.array(effect.states())
    times = effect.timestamps[(states == synergy.effect_state) & (effect.origins == origin)]
    following = np.append(causes[1:], np.inf)
    index = np.searchsorted(times, causes, side="right")
    found = index < times.shape[0]
    delays = np.full(causes.shape[0], np.inf)
    delays[found] = times[index[found]] - causes[found]
    followed = causes + delays < following
    return int(causes.shape[0]), int(followed.sum()), delays[followed]


def state_at(history: StateHistory, times: Floats) -> list[str]:
    """The state the history is in at each time."""
    index = np.searchsorted(history.timestamps, times, side="right") - 1
    states = history.states()
    return [states[i] if i >= 0 else "" for i in index.tolist()]


def value_at(history: StateHistory, times: Floats) -> Floats:
    """The numeric value the history reads at each time (NaN before its first row)."""
    index = np.searchsorted(history.timestamps, times, side="right") - 1
    return np.asarray(np.where(index >= 0, history.values[np.maximum(index, 0)], np.nan))


def failures_of(homes: list[SyntheticHome], kind: str) -> list[tuple[Home, PlantedFailure]]:
    """Every planted failure of one kind, with its home."""
    return [(s.home, f) for s in homes for f in s.truth.failures if f.kind == kind]


def hourly(home: Home) -> Floats:
    """An hourly grid over the window."""
    assert home.window_start is not None
    assert home.window_end is not None
    return np.arange(home.window_start, home.window_end, 3600.0, dtype=np.float64)


def role(area_id: str | None) -> str:
    """The room role of an area id (``bedroom_2`` -> ``bedroom``)."""
    return re.sub(r"_\d+$", "", area_id or "")


# --- determinism and size -----------------------------------------------------------------


def test_same_seed_gives_identical_home() -> None:
    """Everything, arrays included, is a function of the arguments."""
    first = generate_home(11, days=5, target_entities=60)
    second = generate_home(11, days=5, target_entities=60)
    assert home_differences(first, second) == []


def test_different_seeds_give_different_homes() -> None:
    """Two seeds do not produce the same home."""
    first, second = generate_home(1, days=3), generate_home(2, days=3)
    assert home_differences(first, second)
    same_type = generate_home(3, home_type="condo", days=3)
    other = generate_home(4, home_type="condo", days=3)
    assert home_differences(same_type, other)


def test_arguments_are_checked() -> None:
    """Unknown types, impossible windows and sizes are refused."""
    with pytest.raises(ValueError, match="home type"):
        generate_home(0, home_type="castle")
    with pytest.raises(ValueError, match="days"):
        generate_home(0, days=0)
    with pytest.raises(ValueError, match="target_entities"):
        generate_home(0, target_entities=4)


@pytest.mark.parametrize("home_type", HOME_TYPES)
@pytest.mark.parametrize("target", [10, 17, 40, 90, 150, 260])
def test_target_entities_is_honoured(home_type: str, target: int) -> None:
    """A requested size is met within 10 %, for every type."""
    for seed in range(3):
        synthetic = generate_home(seed, home_type=home_type, days=1, target_entities=target)
        assert synthetic.truth.home_type == home_type
        assert abs(len(synthetic.home.entities) - target) <= 0.1 * target


@pytest.mark.parametrize("days", [1, 7, 45])
def test_window_follows_days(days: int) -> None:
    """The window spans ``days`` days from ``start_ts`` and holds every row."""
    start = 1_700_000_000.0
    home = generate_home(5, days=days, start_ts=start).home
    assert home.window_start == start
    assert home.window_end == start + days * DAY
    for history in [*home.histories.values(), *home.external.values()]:
        assert history.timestamps.min() >= start
        assert history.timestamps.max() < start + days * DAY
    assert all(len(series) == days * 24 for series in home.external.values())


def test_corpus_is_balanced_and_reproducible() -> None:
    """Types are balanced and each home can be regenerated from its own seed."""
    homes = generate_corpus(10, seed=5, days=2)
    assert Counter(s.truth.home_type for s in homes) == dict.fromkeys(HOME_TYPES, 2)
    assert len({s.truth.seed for s in homes}) == 10
    again = generate_corpus(10, seed=5, days=2)
    for synthetic, repeat in zip(homes, again, strict=True):
        assert home_differences(synthetic, repeat) == []
    first = homes[0].truth
    alone = generate_home(first.seed, home_type=first.home_type, days=2)
    assert home_differences(homes[0], alone) == []
    assert home_differences(homes[0], generate_corpus(10, seed=6, days=2)[0])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**63 - 1),
    days=st.integers(1, 3),
    target=st.one_of(st.none(), st.integers(10, 80)),
)
def test_any_seed_gives_well_formed_histories(seed: int, days: int, target: int | None) -> None:
    """Sorted rows inside the window, valid codes and origins, values that match states."""
    home = generate_home(seed, days=days, target_entities=target).home
    assert home.window_start is not None
    assert home.window_end is not None
    origins = {int(origin) for origin in Origin}
    for key, history in [*home.histories.items(), *home.external.items()]:
        n = len(history)
        assert history.timestamps.dtype == np.float64
        assert history.values.dtype == np.float64
        assert history.codes.dtype == np.int32
        assert history.origins.dtype == np.int8
        assert history.values.shape == history.codes.shape == history.origins.shape == (n,)
        assert np.all(np.diff(history.timestamps) >= 0), key
        assert n == 0 or home.window_start <= history.timestamps[0], key
        assert n == 0 or history.timestamps[-1] < home.window_end, key
        assert n == 0 or 0 <= history.codes.min() <= history.codes.max() < len(history.vocabulary)
        assert set(history.origins.tolist()) <= origins
        parsed = np.array([parse_numeric(state) for state in history.vocabulary])
        assert np.array_equal(parsed[history.codes], history.values, equal_nan=True), key
    for entity_id, entity in home.entities.items():
        assert (entity_id in home.histories) == entity.enabled
        if entity.enabled:
            codes = home.histories[entity_id].codes
            assert np.all(codes[1:] != codes[:-1]), entity_id


# --- planted synergies --------------------------------------------------------------------


def test_planted_synergies_show_up_in_the_events(month_homes: list[SyntheticHome]) -> None:
    """Measured follow rates and delays match each plan within sampling error."""
    checked: Counter[str] = Counter()
    z_scores: list[float] = []
    for synthetic in month_homes:
        for synergy in synthetic.truth.synergies:
            n, followed, delays = follow_stats(synthetic.home, synergy)
            if n < 15:
                continue
            p = synergy.reliability
            sigma = math.sqrt(p * (1 - p) / n)
            assert abs(followed / n - p) <= 4.5 * sigma + 1.5 / n, (synergy, n, followed)
            z_scores.append((followed / n - p) / sigma)
            if followed >= 10:
                standard_error = synergy.delay_std_s / math.sqrt(followed)
                assert abs(delays.mean() - synergy.delay_mean_s) <= 4.5 * standard_error, synergy
            if followed >= 20:  # the spread of fewer delays is too loose to test (gamma delays)
                assert 0.45 <= delays.std(ddof=1) / synergy.delay_std_s <= 2.2, synergy
            checked[synergy.kind] += 1
    assert sum(checked.values()) >= 40
    assert len(checked) >= 8
    assert abs(float(np.mean(z_scores))) < 0.5


def test_synergy_effects_have_the_planted_origin(month_homes: list[SyntheticHome]) -> None:
    """Effect rows come from the automation when automated, from a person otherwise."""
    kinds: Counter[str] = Counter()
    for synthetic in month_homes:
        for synergy in synthetic.truth.synergies:
            assert synergy.kind in SYNERGY_KINDS
            effect = synthetic.home.histories[synergy.effect_entity]
            states = np.array(effect.states())
            rows = (states == synergy.effect_state) & (effect.origins != Origin.UNKNOWN)
            expected = Origin.AUTOMATION if synergy.automated else Origin.USER
            assert set(effect.origins[rows].tolist()) <= {int(expected)}, synergy
            kinds[f"{synergy.kind}:{synergy.automated}"] += 1
    assert any(key.endswith("True") for key in kinds)
    assert any(key.endswith("False") for key in kinds)


def test_automated_synergies_have_their_automation(month_homes: list[SyntheticHome]) -> None:
    """An enabled automation exists exactly for the automated synergies."""
    for synthetic in month_homes:
        automations = {
            (a.trigger_entities, a.action_entities): a for a in synthetic.home.automations
        }
        for synergy in synthetic.truth.synergies:
            key = ((synergy.cause_entity,), (synergy.effect_entity,))
            if synergy.automated:
                automation = automations[key]
                assert automation.enabled
                domain = synergy.effect_entity.partition(".")[0]
                assert automation.action_services[0].startswith(f"{domain}.")
            else:
                assert key not in automations


def test_sensor_changes_come_from_devices(month_homes: list[SyntheticHome]) -> None:
    """Sensors report by themselves: every change after the first row is DEVICE."""
    for synthetic in month_homes[:10]:
        for entity_id, history in synthetic.home.histories.items():
            if entity_id.partition(".")[0] in ("sensor", "binary_sensor"):
                assert set(history.origins[1:].tolist()) <= {int(Origin.DEVICE)}, entity_id


# --- planted failures ---------------------------------------------------------------------


def test_failures_are_planted_with_known_outcomes(month_homes: list[SyntheticHome]) -> None:
    """Zero to three failures per home on distinct devices; some outcomes lie in the future."""
    counts = Counter(len(s.truth.failures) for s in month_homes)
    assert set(counts) <= {0, 1, 2, 3}
    assert counts[0]
    assert counts[3]
    kinds = {f.kind for s in month_homes for f in s.truth.failures}
    assert kinds == set(FAILURE_KINDS)
    future = 0
    for synthetic in month_homes:
        home = synthetic.home
        assert home.window_end is not None
        devices = [f.device_id for f in synthetic.truth.failures]
        assert len(devices) == len(set(devices))
        for failure in synthetic.truth.failures:
            assert failure.device_id in home.devices
            assert all(home.entities[e].device_id == failure.device_id for e in failure.entity_ids)
            assert failure.start_ts < home.window_end
            if failure.failure_ts is not None and failure.failure_ts > home.window_end:
                future += 1
    assert future >= 2


def test_battery_declines_then_device_goes_unavailable(month_homes: list[SyntheticHome]) -> None:
    """The battery level falls from the start of depletion; at failure the device is gone."""
    cases = failures_of(month_homes, "battery_depletion")
    assert len(cases) >= 5
    for home, failure in cases:
        assert failure.failure_ts is not None
        assert home.window_end is not None
        battery = next(e for e in failure.entity_ids if home.entities[e].device_class == "battery")
        history = home.histories[battery]
        ok = np.isfinite(history.values)
        times, values = history.timestamps[ok], history.values[ok]
        declining = (times >= failure.start_ts) & (times < failure.failure_ts)
        assert declining.sum() >= 3
        assert values[declining].max() <= 36  # the steep decline starts from a low level
        seen = (min(failure.failure_ts, home.window_end) - failure.start_ts) / (
            failure.failure_ts - failure.start_ts
        )
        if seen >= 0.5:
            assert np.corrcoef(times[declining], values[declining])[0, 1] < -0.8
        if failure.failure_ts >= home.window_end:
            assert history.states()[-1] != "unavailable"
            continue
        assert values[declining][-1] <= 5
        for entity_id in failure.entity_ids:
            entity = home.histories[entity_id]
            after = entity.timestamps >= failure.failure_ts
            assert entity.timestamps[after][0] == failure.failure_ts
            assert set(np.array(entity.states())[after]) == {"unavailable"}
            assert entity.states()[int(np.argmax(after)) - 1] != "unavailable"


def test_sudden_death_has_no_warning(month_homes: list[SyntheticHome]) -> None:
    """A device that dies suddenly works normally until failure_ts, then never again."""
    cases = failures_of(month_homes, "sudden_death")
    assert cases
    for home, failure in cases:
        assert failure.failure_ts == failure.start_ts
        for entity_id in failure.entity_ids:
            history = home.histories[entity_id]
            states = np.array(history.states())
            after = history.timestamps >= failure.failure_ts
            assert set(states[after]) == {"unavailable"}
            assert history.timestamps[after][0] == failure.failure_ts
            if home.entities[entity_id].device_class == "battery":
                assert history.values[~after][-1] > 5


def test_dropouts_grow_into_unavailability(month_homes: list[SyntheticHome]) -> None:
    """Intermittent unavailability after the start, more often than before, then for good."""
    cases = failures_of(month_homes, "dropout")
    assert cases
    for home, failure in cases:
        assert failure.failure_ts is not None
        assert home.window_start is not None
        assert home.window_end is not None
        history = home.histories[failure.entity_ids[0]]
        states = np.array(history.states())
        times = history.timestamps
        end = min(failure.failure_ts, home.window_end)
        outages = times[states == "unavailable"]
        during = ((outages >= failure.start_ts) & (outages < end)).sum()
        before = (outages < failure.start_ts).sum()
        rate_during = during / ((end - failure.start_ts) / DAY)
        rate_before = before / ((failure.start_ts - home.window_start) / DAY)
        assert during >= 2
        assert rate_during > 2 * rate_before
        came_back = (states[1:] != "unavailable") & (states[:-1] == "unavailable")
        assert came_back[(times[1:] >= failure.start_ts) & (times[1:] < end)].any()
        if failure.failure_ts < home.window_end:
            assert set(states[times >= failure.failure_ts]) == {"unavailable"}


def test_stuck_sensor_keeps_its_value(month_homes: list[SyntheticHome]) -> None:
    """After start_ts a stuck sensor never reads anything but its last value."""
    cases = failures_of(month_homes, "stuck")
    assert cases
    for home, failure in cases:
        history = home.histories[failure.entity_ids[0]]
        finite = np.isfinite(history.values)
        before = finite & (history.timestamps < failure.start_ts)
        after = finite & (history.timestamps >= failure.start_ts)
        assert np.unique(history.values[before]).size >= 10
        assert np.all(history.values[after] == history.values[before][-1])


def test_drifting_sensor_trends_away(month_homes: list[SyntheticHome]) -> None:
    """A drifting sensor gains a steady trend after start_ts that it did not have before."""
    thresholds = {"temperature": 0.15, "humidity": 0.5, "moisture": 0.3, "pressure": 0.015}
    checked = 0
    for home, failure in failures_of(month_homes, "drift"):
        assert home.window_start is not None
        assert home.window_end is not None
        if home.window_end - failure.start_ts < 6 * DAY:
            continue
        entity = home.entities[failure.entity_ids[0]]
        history = home.histories[entity.entity_id]
        grid = hourly(home)
        values = value_at(history, grid)
        after = (grid >= failure.start_ts) & np.isfinite(values)
        before = (grid < failure.start_ts) & np.isfinite(values)
        slope_after = np.polyfit(grid[after] / DAY, values[after], 1)[0]
        slope_before = np.polyfit(grid[before] / DAY, values[before], 1)[0]
        assert abs(slope_after) >= thresholds[entity.device_class or ""], failure
        assert abs(slope_after) > 2 * abs(slope_before), failure
        checked += 1
    assert checked


def test_abnormal_activity_fires_at_night(month_homes: list[SyntheticHome]) -> None:
    """A motion sensor fires between 1 and 4 am every night of the abnormal period only."""
    cases = [
        (s.home, f, s.truth.utc_offset_h)
        for s in month_homes
        for f in s.truth.failures
        if f.kind == "abnormal_activity"
    ]
    assert cases
    for home, failure, offset in cases:
        assert failure.end_ts is not None
        assert failure.failure_ts is None
        assert home.window_start is not None
        assert home.window_end is not None
        times = onsets(home.histories[failure.entity_ids[0]], "on")
        local = times + offset * 3600.0
        night = (local % DAY >= 3600.0) & (local % DAY < 4 * 3600.0)
        end = min(failure.end_ts, home.window_end)
        during = night & (times >= failure.start_ts) & (times < end)
        nights = math.ceil((end - failure.start_ts) / DAY)
        assert len(np.unique(np.floor(local[during] / DAY))) >= 0.8 * nights
        quiet_days = (failure.start_ts - home.window_start) / DAY
        assert (night & (times < failure.start_ts)).sum() <= 0.3 * quiet_days + 1


def test_recent_failures_are_under_way_at_the_end() -> None:
    """Each requested kind is planted once, on a device of its own, failing at the end."""
    checked = 0
    for seed in range(12):
        plain = generate_home(seed, days=30)
        synthetic = generate_home(seed, days=30, recent_failures=RECENT_FAILURE_KINDS)
        home, truth = synthetic.home, synthetic.truth
        assert home.window_start is not None
        assert home.window_end is not None
        end, offset = home.window_end, truth.utc_offset_h * 3600.0
        own = len(plain.truth.failures)
        assert truth.failures[:own] == plain.truth.failures
        recent = truth.failures[own:]
        kinds = [f.kind for f in recent]
        assert len(kinds) == len(set(kinds))
        assert set(kinds) <= set(RECENT_FAILURE_KINDS)
        devices = [f.device_id for f in truth.failures]
        assert len(devices) == len(set(devices))
        for failure in recent:
            history = home.histories[failure.entity_ids[0]]
            states = np.array(history.states())
            if failure.kind == "battery_depletion":
                battery = next(
                    e for e in failure.entity_ids if home.entities[e].device_class == "battery"
                )
                levels = home.histories[battery]
                last_week = np.isfinite(levels.values) & (levels.timestamps >= end - 7 * DAY)
                values = levels.values[last_week]
                assert failure.failure_ts is not None
                assert 3 * DAY <= failure.failure_ts - end <= 5 * DAY
                assert values[-1] < values[0] - 3
                assert levels.states()[-1] != "unavailable"
            elif failure.kind == "dropout":
                outages = history.timestamps[states == "unavailable"]
                assert (outages >= end - 7 * DAY).sum() >= 3
                assert failure.failure_ts is not None
                assert failure.failure_ts > end
            elif failure.kind == "stuck":
                after = np.isfinite(history.values) & (history.timestamps >= failure.start_ts)
                assert end - failure.start_ts >= 1.6 * DAY
                assert np.unique(history.values[after]).size <= 1
            else:
                times = onsets(history, "on")
                local = times + offset
                night = (local % DAY >= 3600.0) & (local % DAY < 4 * 3600.0)
                last_midnight = math.floor((end + offset) / DAY) * DAY - offset
                nights = np.unique(np.floor(local[night & (times >= end - 4 * DAY)] / DAY))
                assert nights.size == 3
                assert np.floor((last_midnight + offset) / DAY) - 1 in nights
            checked += 1
    assert checked >= 40  # of 48: a home without a battery device gets no depletion


def test_recent_failures_refuse_unknown_kinds() -> None:
    """Only the kinds that can be put under way at the end are accepted."""
    with pytest.raises(ValueError, match="sudden_death"):
        generate_home(0, days=10, recent_failures=("sudden_death",))


# --- home types ---------------------------------------------------------------------------


def test_shared_buildings_have_no_private_outdoor_areas(corpus: list[SyntheticHome]) -> None:
    """Apartments and condos never have a garage, garden or pool; houses usually do."""
    for synthetic in corpus:
        roles = {role(area_id) for area_id in synthetic.home.areas}
        if synthetic.truth.home_type in ("apartment", "condo"):
            assert not roles & {"garage", "garden", "pool"}
            assert "sensor.wood_stove_temperature" not in synthetic.home.entities
    houses = [s for s in corpus if s.truth.home_type == "single_family_house"]
    assert sum("garden" in {role(a) for a in s.home.areas} for s in houses) >= len(houses) / 2


def test_types_differ_in_floors_and_devices(corpus: list[SyntheticHome]) -> None:
    """Houses have more floors; cottages wood stoves and wells; flats an intercom."""

    def by_type(home_type: str) -> list[Home]:
        return [s.home for s in corpus if s.truth.home_type == home_type]

    def floors(homes: list[Home]) -> float:
        return float(np.mean([h.summary()["floors"] for h in homes]))

    assert floors(by_type("single_family_house")) > floors(by_type("apartment")) + 0.5
    assert floors(by_type("townhouse")) > floors(by_type("condo")) + 0.5

    def share(homes: list[Home], *entity_ids: str) -> float:
        return float(np.mean([any(e in h.entities for e in entity_ids) for h in homes]))

    stove_or_well = ("sensor.wood_stove_temperature", "switch.well_pump")
    assert share(by_type("cottage"), *stove_or_well) >= 0.7
    for home_type in ("apartment", "condo", "townhouse"):
        assert share(by_type(home_type), *stove_or_well) == 0.0
    flats = by_type("apartment") + by_type("condo")
    assert share(flats, "binary_sensor.building_intercom") >= 0.5
    for home_type in ("single_family_house", "townhouse", "cottage"):
        assert share(by_type(home_type), "binary_sensor.building_intercom") == 0.0


def test_types_overlap(corpus: list[SyntheticHome]) -> None:
    """No single count separates neighbouring types."""

    def span(home_type: str, measure: str) -> tuple[int, int]:
        values = [s.home.summary()[measure] for s in corpus if s.truth.home_type == home_type]
        return min(values), max(values)

    for left, right in (("single_family_house", "townhouse"), ("apartment", "condo")):
        for measure in ("areas", "entities"):
            (low_a, high_a), (low_b, high_b) = span(left, measure), span(right, measure)
            assert low_a <= high_b, (left, right, measure)
            assert low_b <= high_a, (left, right, measure)


@pytest.fixture(scope="module")
def layouts() -> dict[str, list[Layout]]:
    """Two hundred layouts (rooms, floors and devices, no history) of each type."""
    rng = np.random.default_rng(7)
    return {t: [draw_layout(rng, t, 2, None) for _ in range(200)] for t in HOME_TYPES}


def share_with(layouts: list[Layout], kind: str) -> float:
    """Share of layouts holding a device of ``kind``."""
    return float(np.mean([kind in layout.device_kinds.values() for layout in layouts]))


def test_owners_fit_devices_and_tenants_plug_them_in(layouts: dict[str, list[Layout]]) -> None:
    """Condo owners fit thermostats, locks, alarms and valves far more often than tenants.

    A tendency, not a rule: some apartments have each of them and some condos lack each.
    """
    condos, flats = layouts["condo"], layouts["apartment"]
    for kind in ("thermostat", "lock", "alarm", "water_valve"):
        assert share_with(condos, kind) >= share_with(flats, kind) + 0.2, kind
        assert share_with(flats, kind) > 0.0, kind
        assert share_with(condos, kind) < 0.9, kind

    def portable(layout: Layout) -> float:
        kinds = list(layout.device_kinds.values())
        return sum(k in ("plug", "lamp", "speaker") for k in kinds) / len(kinds)

    assert np.mean([portable(x) for x in flats]) > np.mean([portable(x) for x in condos])
    for home_type in ("apartment", "condo"):
        roles = [{room.role for room in x.rooms} for x in layouts[home_type]]
        assert not any(r & {"garage", "garden", "pool", "driveway"} for r in roles)
    parking = {t: np.mean([bool(x.rooms_of("parking")) for x in layouts[t]]) for t in layouts}
    assert parking["condo"] > parking["apartment"] + 0.2
    assert parking["apartment"] > 0.0


def test_townhouses_stack_up_and_houses_spread_out(layouts: dict[str, list[Layout]]) -> None:
    """Townhouses: more floors of fewer rooms, garages under the house, little outside.

    Houses: more rooms on a floor, driveways, sheds and pools, more lights and cameras
    outside. Each with exceptions.
    """
    houses, towns = layouts["single_family_house"], layouts["townhouse"]

    def levels(layout: Layout) -> list[int]:
        return [
            area.floor_level
            for area in layout.areas.values()
            if area.floor_level is not None and area.floor_level >= 0
        ]

    def rooms_per_floor(layout: Layout) -> float:
        found = levels(layout)
        return len(found) / max(len(set(found)), 1)

    def floors(layout: Layout) -> int:
        return len(set(levels(layout)))

    assert np.mean([floors(x) for x in towns]) > np.mean([floors(x) for x in houses]) + 0.3
    multi = [x for x in houses if len(set(levels(x))) > 1]
    assert np.mean([rooms_per_floor(x) for x in multi]) > np.mean(
        [rooms_per_floor(x) for x in towns if len(set(levels(x))) > 1]
    )

    def raised(layout: Layout) -> bool:  # garage on the ground floor, living room above it
        garage = [layout.areas[r.area_id].floor_level for r in layout.rooms_of("garage")]
        living = [layout.areas[r.area_id].floor_level for r in layout.rooms_of("living_room")]
        return garage == [0] and living == [1]

    assert np.mean([raised(x) for x in towns]) > 0.1
    assert np.mean([raised(x) for x in towns]) > 3 * np.mean([raised(x) for x in houses])

    def has(layout: Layout, *roles: str) -> bool:
        return any(layout.rooms_of(role) for role in roles)

    for roles in (("driveway",), ("shed", "pool")):
        house_share = np.mean([has(x, *roles) for x in houses])
        town_share = np.mean([has(x, *roles) for x in towns])
        assert house_share > town_share + 0.2, roles
        assert town_share > 0.0, roles
    assert 0.2 < np.mean([has(x, "garden") for x in towns]) < 0.8

    def outside(layout: Layout) -> int:
        return sum(k in ("outdoor_light", "camera") for k in layout.device_kinds.values())

    assert np.mean([outside(x) for x in houses]) > 2 * np.mean([outside(x) for x in towns])
    assert share_with(houses, "window_contact") > share_with(towns, "window_contact")


def test_stairs_are_taken_at_bedtime_and_in_the_morning() -> None:
    """A stairs motion sensor sees people going up to bed and coming down."""
    for seed in range(60):
        synthetic = generate_home(seed, home_type="townhouse", days=4)
        if "binary_sensor.stairs_motion" in synthetic.home.histories:
            break
    else:
        pytest.fail("no townhouse with a stairs motion sensor")
    sensor = "binary_sensor.stairs_motion"
    failing = {e for f in synthetic.truth.failures for e in f.entity_ids}
    if sensor not in failing:
        assert onsets(synthetic.home.histories[sensor], "on").size >= 4  # at least daily


def test_people_and_routines(corpus: list[SyntheticHome]) -> None:
    """One to five occupants, one person entity each, a known routine."""
    for synthetic in corpus:
        truth = synthetic.truth
        persons = [e for e in synthetic.home.entities if e.startswith("person.")]
        assert 1 <= truth.occupants <= 5
        assert len(persons) == truth.occupants
        assert truth.routine in ("office", "remote", "shift", "retired", "student")
        if truth.home_type == "apartment":
            assert truth.occupants <= 3
    assert len({s.truth.routine for s in corpus}) >= 3
    assert len({s.truth.occupants for s in corpus}) >= 4


def test_entities_look_like_home_assistant(corpus: list[SyntheticHome]) -> None:
    """Entity ids, names, areas, devices, batteries and disabled entities are consistent."""
    disabled = 0
    sizes = []
    for synthetic in corpus:
        home = synthetic.home
        sizes.append(len(home.entities))
        assert {"sun.sun", "zone.home"} <= set(home.entities)
        for entity_id, entity in home.entities.items():
            assert ENTITY_ID.match(entity_id), entity_id
            assert entity.name
            if entity.device_id is not None:
                device = home.devices[entity.device_id]
                assert entity.area_id == device.area_id
            if entity.area_id is not None:
                assert entity.area_id in home.areas
            disabled += not entity.enabled
        for device_id, device in home.devices.items():
            batteries = [
                e
                for e in home.entities.values()
                if e.device_id == device_id and e.device_class == "battery"
            ]
            assert (len(batteries) == 1) == device.battery_powered, device
            assert all(b.unit == "%" for b in batteries)
    assert disabled > 0
    assert min(sizes) >= 10
    assert max(sizes) >= 100


# --- what the histories show ----------------------------------------------------------------


def test_numeric_sensors_follow_the_home(month_homes: list[SyntheticHome]) -> None:
    """Showers raise bathroom humidity, the sun drives illuminance, appliances draw power."""
    humid, lit, powered = 0, 0, 0
    for synthetic in month_homes[:20]:
        home = synthetic.home
        failing = {e for f in synthetic.truth.failures for e in f.entity_ids}
        grid = hourly(home)
        daylight = np.array(state_at(home.histories["sun.sun"], grid)) == "above_horizon"
        for entity_id, entity in home.entities.items():
            if entity_id in failing or not entity.enabled:
                continue
            history = home.histories[entity_id]
            values = history.values[np.isfinite(history.values)]
            if entity_id == "sensor.bathroom_humidity":
                assert values.max() >= 80
                assert np.median(values) <= 65
                humid += 1
            elif entity.device_class == "illuminance":
                readings = value_at(history, grid)
                assert np.nanmean(readings[~daylight]) <= 0.05 * np.nanmean(readings[daylight])
                lit += 1
            elif entity_id in ("sensor.dishwasher_power", "sensor.washing_machine_power"):
                readings = value_at(history, grid)
                assert values.max() >= 1500
                assert np.nanmean(readings > 100) < 0.3
                powered += 1
            elif entity.device_class == "temperature" and entity.area_id:
                assert "stove" in entity_id or (values.min() >= -10 and values.max() <= 45)
    assert humid
    assert lit
    assert powered


def test_nobody_is_home_on_vacation(month_homes: list[SyntheticHome]) -> None:
    """During a vacation every person is away and indoor motion sensors stay quiet."""
    checked = 0
    for synthetic in month_homes:
        home = synthetic.home
        abnormal = {e for f in synthetic.truth.failures for e in f.entity_ids}
        for leave, back in synthetic.truth.vacations:
            inside = np.linspace(leave + 3600, back - 3600, 50)
            for person in (e for e in home.entities if e.startswith("person.")):
                assert set(state_at(home.histories[person], inside)) == {"not_home"}
            for entity_id, entity in home.entities.items():
                if entity.device_class != "motion" or entity_id in abnormal:
                    continue
                if role(entity.area_id) in OUTDOOR:
                    continue
                times = onsets(home.histories[entity_id], "on")
                assert not ((times > leave + 600) & (times < back - 600)).any(), entity_id
            checked += 1
    assert checked


def test_external_series(month_homes: list[SyntheticHome]) -> None:
    """Hourly outdoor temperature, carbon intensity and electricity price."""
    for synthetic in month_homes[:5]:
        home = synthetic.home
        assert set(home.external) == {
            "outdoor_temperature",
            "carbon_intensity",
            "electricity_price",
        }
        for series in home.external.values():
            assert np.all(np.diff(series.timestamps) == 3600.0)
            assert np.isfinite(series.values).all()
        assert (home.external["carbon_intensity"].values > 0).all()
        temperature = home.external["outdoor_temperature"].values
        assert temperature.min() > -45
        assert temperature.max() < 50
        assert temperature.std() > 1.0


def test_generator_rate_is_measured() -> None:
    """The benchmark figure counts history rows and is at least 100 000 events/s."""
    figures = measure_generator_rate(seed=1, days=30, target_entities=150)
    assert set(figures) == {"events", "seconds", "events_per_s"}
    expected = count_events(generate_home(1, days=30, target_entities=150).home)
    assert figures["events"] == expected
    assert figures["events_per_s"] == pytest.approx(figures["events"] / figures["seconds"])
    assert figures["events_per_s"] >= 100_000
