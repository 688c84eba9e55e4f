"""Tests for the conditions kept on held-out days and for the revert (how the effect goes back)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.synergy import suggest
from custom_components.homeiq.core.synergy.conditions import Condition, Revert
from custom_components.homeiq.core.synergy.miner import FULL_SETTINGS, Candidate, find_candidates
from custom_components.homeiq.core.time import DAY, HOUR

from .synergy_home import DEVICE, T0, USER, HomeBuilder, Row, daily, numeric, pulses

MOTION, LIGHT = "binary_sensor.hall_motion", "light.hall"
DAYS = 14


def _day(at: float) -> int:
    return int((at - T0) // DAY)


def _hour(at: float) -> float:
    return ((at - T0) % DAY) / HOUR


def motion_light(home: Home) -> Candidate:
    """The hall motion → hall light candidate, with its conditions and revert (the miner adds
    them to the suggestions kept; here to every counted pair)."""
    (found,) = [
        c for c in find_candidates(home, settings=FULL_SETTINGS) if c.pair == (MOTION, LIGHT)
    ]
    assert found.evidence is not None
    return found


def hall(hours: tuple[float, ...], follows: Callable[[float], bool]) -> HomeBuilder:
    """Motion at ``hours`` every day for a minute; the light on by hand 10 s after those
    motions ``follows`` picks (off 10 min later); the sun below the horizon 18:00 – 06:00."""
    motion = np.sort(np.concatenate([daily(DAYS, h) for h in hours]))
    light: list[Row] = [(T0, "off", DEVICE)]
    for at in motion:
        if follows(at):
            light += pulses([at + 10], 600, USER)
    return (
        HomeBuilder(DAYS)
        .sun(DAYS)
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, light, area="hall")
    )


def test_a_pair_that_holds_only_after_dark_gets_the_dark_condition() -> None:
    """Motion at noon and at 21:00, the light follows only at 21:00: after dark the held-out
    (odd) days' precision is 1 instead of 0.5."""
    candidate = motion_light(hall((12, 21), lambda at: _hour(at) > 18).home)
    assert candidate.evidence is not None
    assert candidate.evidence.conditions == (
        Condition("dark", "sun.sun", held_out_precision=1.0, held_out_precision_without=0.5),
    )
    assert candidate.evidence.precision == 0.5


def test_a_pair_that_holds_regardless_gets_no_condition() -> None:
    """The light follows every motion: no condition raises precision."""
    candidate = motion_light(hall((12, 21), lambda at: True).home)
    assert candidate.evidence is not None
    assert candidate.evidence.conditions == ()
    assert candidate.evidence.precision == 1.0


def test_a_condition_must_hold_up_on_the_held_out_days() -> None:
    """After dark only on the even days the condition would be chosen on, regardless on the
    odd days it is checked on: not kept. The other way round it is (the odd days decide)."""
    even_only = hall((12, 21), lambda at: _hour(at) > 18 or _day(at) % 2 == 1)
    evidence = motion_light(even_only.home).evidence
    assert evidence is not None
    assert evidence.conditions == ()
    odd_only = hall((12, 21), lambda at: _hour(at) > 18 or _day(at) % 2 == 0)
    evidence = motion_light(odd_only.home).evidence
    assert evidence is not None
    assert [c.kind for c in evidence.conditions] == ["dark"]


def test_a_time_window_is_fitted_on_the_training_days() -> None:
    """Motion at 07:00, noon and 21:00; the light follows only at 07:00 (not dark then): the
    window 07:00 – 08:00 holds on the held-out days (precision 1 instead of 1/3)."""
    candidate = motion_light(hall((7, 12, 21), lambda at: 6 <= _hour(at) < 8).home)
    assert candidate.evidence is not None
    assert candidate.evidence.conditions == (
        Condition(
            "time_window",
            start_hour=7,
            end_hour=8,
            held_out_precision=1.0,
            held_out_precision_without=pytest.approx(1 / 3),  # type: ignore[arg-type]
        ),
    )


def test_a_low_illuminance_in_the_cause_s_room_is_a_condition() -> None:
    """Noon motion is followed only on cloudy days (5 – 15 lx; 300 – 600 lx otherwise), 21:00
    motion always (0 – 2 lx): the sun alone does not explain it, the room's illuminance does."""
    rng = np.random.default_rng(1)
    motion = np.sort(np.concatenate([daily(DAYS, 12), daily(DAYS, 21)]))
    lux_times, lux_values = [], []
    light: list[Row] = [(T0, "off", DEVICE)]
    for at in motion:
        if _hour(at) > 18:
            lux = rng.uniform(0, 2)
        else:
            lux = rng.uniform(5, 15) if _day(at) % 3 == 0 else rng.uniform(300, 600)
        lux_times.append(at - 300)
        lux_values.append(round(lux, 1))
        if lux < 20:
            light += pulses([at + 10], 600, USER)
    home = (
        HomeBuilder(DAYS)
        .sun(DAYS)
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, light, area="hall")
        .entity("sensor.hall_lux", numeric(lux_times, lux_values), device_class="illuminance",
                unit="lx", area="hall")
        .home
    )  # fmt: skip
    evidence = motion_light(home).evidence
    assert evidence is not None
    (condition,) = evidence.conditions
    assert (condition.kind, condition.entity_id) == ("illuminance_below", "sensor.hall_lux")
    assert condition.level is not None
    assert 5 < condition.level < 15
    # Held-out days 1, 3 … 13: 14 motions, 7 at night and the noons of days 3 and 9 followed.
    assert condition.held_out_precision == 1.0
    assert condition.held_out_precision_without == pytest.approx(9 / 14)


def test_too_few_followers_on_held_out_days_keep_no_condition() -> None:
    """Four days of history: too few followers to judge a condition."""
    motion = np.sort(np.concatenate([daily(4, 12), daily(4, 21)]))
    light: list[Row] = [(T0, "off", DEVICE)]
    for at in motion[1::2]:
        light += pulses([at + 10], 600, USER)
    home = (
        HomeBuilder(4)
        .sun(4)
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, light, area="hall")
        .home
    )
    evidence = motion_light(home).evidence
    assert evidence is not None
    assert evidence.followed == 4
    assert evidence.conditions == ()


MOTION_LENGTHS = [60.0 + 37.0 * (i % 9) for i in range(20)]  # 1 … 6 min


def _revert_home(off_at: Callable[[float, float], float]) -> Home:
    """Motion at 19:00 for 1 … 6 minutes; the light on 5 s after it, off at ``off_at(motion
    start, motion length)``."""
    motion = daily(20, 19)
    light: list[Row] = [(T0, "off", DEVICE)]
    for at, length in zip(motion, MOTION_LENGTHS, strict=True):
        light += [(at + 5, "on", USER), (off_at(at, length), "off", USER)]
    return (
        HomeBuilder(20)
        .entity(
            MOTION, pulses(motion, MOTION_LENGTHS, first=T0), device_class="motion", area="hall"
        )
        .entity(LIGHT, light, area="hall")
        .home
    )


def test_a_light_off_five_minutes_after_the_motion_stopped_reverts_from_the_cause_end() -> None:
    """Off 300 s (give or take 4 s) after the motion ended, however long it lasted: anchored
    at the cause's end, about 300 s."""
    jitter = [(-4.0, 0.0, 4.0)[i % 3] for i in range(20)]
    offsets = iter(jitter)
    home = _revert_home(lambda at, length: at + length + 300 + next(offsets))
    revert = motion_light(home).evidence.revert  # type: ignore[union-attr]
    assert revert == Revert("cause_end", pytest.approx(300.0, abs=4.0), 20)  # type: ignore[arg-type]


def test_a_light_off_a_fixed_time_after_it_came_on_reverts_from_the_effect() -> None:
    """Off 15 min after it came on, whatever the motion did: anchored at the effect."""
    home = _revert_home(lambda at, length: at + 5 + 900)
    revert = motion_light(home).evidence.revert  # type: ignore[union-attr]
    assert revert == Revert("effect", 900.0, 20)


def test_a_revert_longer_than_three_hours_is_left_out() -> None:
    """Off four hours later: not a revert an automation should wait for."""
    home = _revert_home(lambda at, length: at + 4 * HOUR)
    assert motion_light(home).evidence.revert is None  # type: ignore[union-attr]


def test_a_rule_without_a_revert_finds_none() -> None:
    """The door → lock rule has no revert: the lock's unlocking is not looked for."""
    days = 10
    door = daily(days, 8)
    lock: list[Row] = [(T0, "unlocked", DEVICE)]
    for at in door:
        lock += [(at + 120, "locked", USER), (at + 3600, "unlocked", USER)]
    home = (
        HomeBuilder(days)
        .entity("binary_sensor.front_door", pulses(door, 30, first=T0), device_class="door",
                area="hall")
        .entity("lock.front_door", lock, area="hall")
        .home
    )  # fmt: skip
    (candidate,) = [
        c for c in find_candidates(home, settings=FULL_SETTINGS) if c.rule.kind == "door_lock"
    ]
    assert candidate.evidence is not None
    assert candidate.evidence.followed == days
    assert candidate.evidence.delay_median_s == pytest.approx(90.0)
    assert candidate.evidence.revert is None


def test_an_illuminance_of_zero_lux_is_below_the_level() -> None:
    """A bathroom whose sensor reads 0 lx when the blind is down (250 lx otherwise), the light
    following only then: every follower reads 0 lx, so the level must lie above 0 (``below``
    is strict) — half way to the next reading, 125 lx."""
    days = 28
    motion = np.sort(np.concatenate([daily(days, 10), daily(days, 15)]))
    lux_times, lux_values = [], []
    light: list[Row] = [(T0, "off", DEVICE)]
    for at in motion:
        dark = (_day(at) + int(_hour(at))) % 3 == 0
        lux_times.append(at - 300)
        lux_values.append(0.0 if dark else 250.0)
        if dark:
            light += pulses([at + 10], 600, USER)
    home = (
        HomeBuilder(days)
        .sun(days)
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="bath")
        .entity(LIGHT, light, area="bath")
        .entity("sensor.bath_lux", numeric(lux_times, lux_values), device_class="illuminance",
                unit="lx", area="bath")
        .home
    )  # fmt: skip
    evidence = motion_light(home).evidence
    assert evidence is not None
    assert evidence.conditions == (
        Condition(
            "illuminance_below",
            "sensor.bath_lux",
            level=125.0,
            held_out_precision=1.0,
            held_out_precision_without=pytest.approx(9 / 28),  # type: ignore[arg-type]
        ),
    )


def test_a_fan_off_after_the_humidity_fell_reverts_below_the_re_arm_level() -> None:
    """Showers of different lengths that end with the humidity dropping back to 44 %; the fan
    on 21 min after one starts and off 10 min after the drop: a revert from the cause's end,
    and an automation that turns the fan off once the humidity has stayed below the re-arm
    level (the chosen level less the hysteresis) for 10 min."""
    days = 14
    times: list[float] = []
    values: list[float] = []
    fan: list[Row] = [(T0, "off", DEVICE)]
    for day in range(days):
        base = T0 + day * DAY
        shower = [70, 85, *([90] * (1 + 3 * (day % 4))), 88, 86, 84, 82, 80, 78, 76, 74, 72, 44]
        readings = [40.0 + 2 * (k % 6) for k in range(144)]  # every 10 min
        readings[42 : 42 + len(shower)] = shower  # from 07:00
        readings[84:87] = [54, 58, 54]  # an afternoon bump to 58 %
        times += [base + k * 600.0 for k in range(144)]
        values += readings
        fallen = base + (42 + shower.index(44)) * 600.0
        fan += [(base + 7 * HOUR + 1260, "on", USER), (fallen + 600, "off", USER)]
    humidity = "sensor.bath_humidity"
    home = (
        HomeBuilder(days)
        .entity(humidity, numeric(times, values), device_class="humidity", unit="%", area="bath")
        .entity("fan.bath", fan, area="bath")
        .home
    )
    (candidate,) = [
        c for c in find_candidates(home, settings=FULL_SETTINGS) if c.rule.kind == "humidity_fan"
    ]
    level = candidate.trigger.level
    assert level is not None
    assert 58.0 <= level < 85.0  # above the bump's peak, below the shower's peak before 07:21
    hysteresis = candidate.trigger.hysteresis
    assert 0 < hysteresis < 5
    assert candidate.evidence is not None
    assert candidate.evidence.precision == 1.0
    assert candidate.evidence.revert == Revert("cause_end", 600.0, 14)
    (suggestion,) = suggest(home).suggestions
    assert suggestion.automation["triggers"][1] == {
        "trigger": "numeric_state",
        "entity_id": humidity,
        "below": round(level - hysteresis, 3),
        "for": {"hours": 0, "minutes": 10, "seconds": 0},
        "id": "end",
    }


def test_a_time_window_is_in_the_home_s_local_hours() -> None:
    """Berlin in January (UTC+1): motion at 06:00, 11:00 and 20:00 UTC, the light follows the
    first only — the window is 07:00 – 08:00 local time, as Home Assistant's time condition
    reads it."""
    motion = np.sort(np.concatenate([daily(DAYS, h) for h in (6, 11, 20)]))
    light: list[Row] = [(T0, "off", DEVICE)]
    for at in motion[_hours_of(motion) < 7]:
        light += pulses([at + 10], 600, USER)
    home = (
        HomeBuilder(DAYS, time_zone="Europe/Berlin")
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, light, area="hall")
        .home
    )
    evidence = motion_light(home).evidence
    assert evidence is not None
    ((condition),) = evidence.conditions
    assert (condition.kind, condition.start_hour, condition.end_hour) == ("time_window", 7, 8)


def _hours_of(times: np.ndarray) -> np.ndarray:
    return ((times - T0) % DAY) / HOUR
