"""Tests for the evidence miner on small hand-made homes: counts, lift, pruning and levels."""

from __future__ import annotations

from dataclasses import replace
import math

import numpy as np
import pytest

from custom_components.homeiq.core.home import Entity
from custom_components.homeiq.core.synergy.miner import (
    DEFAULT_LEVELS,
    Candidate,
    MinerSettings,
    MiningContext,
    Trigger,
    cause_triggers,
    count_pair,
    find_candidates,
    mining_window,
)
from custom_components.homeiq.core.synergy.taxonomy import (
    CROSS_AREA_FACTOR,
    RULES_BY_KIND,
    UNKNOWN_AREA_FACTOR,
)
from custom_components.homeiq.core.time import DAY, HOUR

from .synergy_home import AUTO, DEVICE, T0, USER, HomeBuilder, Row, daily, numeric, pulses

COUNT_ONLY = MinerSettings(conditions=False, revert=False)
MOTION, LIGHT = "binary_sensor.hall_motion", "light.hall"
DELAYS = [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0]


def hall_light(days: int = 12) -> list[Row]:
    """The hall light: on by hand 2 … 20 s after the first ten 19:00 motions (off 10 min
    later), and twice at other times (08:00 on day 3 by hand, 03:00 on day 5 by the device)."""
    motion = daily(days, 19)
    rows: list[Row] = [(T0, "off", DEVICE)]
    for at, delay in zip(motion, DELAYS, strict=False):
        rows += [(at + delay, "on", USER), (at + delay + 600, "off", USER)]
    rows += pulses([T0 + 3 * DAY + 8 * HOUR], 60, USER)
    rows += pulses([T0 + 5 * DAY + 3 * HOUR], 60, DEVICE)
    return rows


def hall_home(days: int = 12) -> HomeBuilder:
    """Hall motion at 19:00 every day for two minutes, and the hall light that follows it by
    hand 10 of 12 times."""
    return (
        HomeBuilder(days)
        .entity(MOTION, pulses(daily(days, 19), 120, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, hall_light(days), area="hall", name="Hall light")
    )


def only(candidates: list[Candidate], kind: str, cause: str, effect: str | None) -> Candidate:
    """The one candidate of ``kind`` for the pair."""
    found = [c for c in candidates if c.rule.kind == kind and c.pair == (cause, effect or "notify")]
    assert len(found) == 1, [(c.rule.kind, c.pair) for c in candidates]
    return found[0]


def _expected_hall_followers() -> float:
    """Followers expected from the light's own rate at 19:00 (smoothed toward the hour's rate
    over all days with two days' weight), by hand: 12 days from Thursday 1 January 2026 hold
    8 weekdays and 4 weekend days; the light came on at 19:00 on 7 weekdays and 3 weekend days
    (10 of its 12 onsets at 19:00 over 12 days pool to 10 / 12 h)."""
    pooled = 10 / (12 * HOUR)
    weekday = (7 + pooled * 2 * HOUR) / (8 * HOUR + 2 * HOUR)
    weekend = (3 + pooled * 2 * HOUR) / (4 * HOUR + 2 * HOUR)
    window = RULES_BY_KIND["motion_light"].window_s
    # Motion on 8 weekdays and 4 weekend days.
    return 8 * (1 - math.exp(-weekday * window)) + 4 * (1 - math.exp(-weekend * window))


def test_a_light_turned_on_by_hand_after_motion_is_counted_exactly() -> None:
    """10 of 12 motions followed within 20 s (all by hand), 10 of the light's 12 onsets
    preceded by motion, median delay 11 s; the expected followers come from the light's own
    rate at that hour and kind of day."""
    candidate = only(
        find_candidates(hall_home().home, settings=COUNT_ONLY), "motion_light", MOTION, LIGHT
    )
    assert candidate.trigger == Trigger(MOTION, "on")
    evidence = candidate.evidence
    assert evidence is not None
    assert (evidence.cause_events, evidence.effect_events, evidence.followed) == (12, 12, 10)
    assert evidence.precision == pytest.approx(10 / 12)
    assert evidence.preceded == 10
    assert evidence.coverage == pytest.approx(10 / 12)
    assert evidence.followed_by_hand == 10
    assert (evidence.followed_by_automation, evidence.followed_by_device) == (0, 0)
    assert evidence.by_hand_share == 1.0
    assert evidence.effect_events_by_hand == 11
    assert evidence.delay_median_s == pytest.approx(11.0)
    assert (evidence.delay_p25_s, evidence.delay_p75_s) == pytest.approx((6.5, 15.5))
    assert evidence.days == 12.0
    assert evidence.expected == pytest.approx(_expected_hall_followers())
    assert evidence.lift == pytest.approx(10.5 / (_expected_hall_followers() + 0.5))
    assert evidence.lift > 10
    assert candidate.prior == RULES_BY_KIND["motion_light"].prior
    assert candidate.same_area == 1.0
    assert (candidate.cause_events, candidate.effect_events, candidate.days) == (12, 12, 12.0)
    figures = evidence.as_dict()
    assert figures["precision"] == 0.8333
    assert figures["delay_median_s"] == 11.0
    assert figures["revert"] is None


def test_who_made_the_followers_is_counted() -> None:
    """Followers made by an automation and by the device are counted apart from those by hand."""
    days = 6
    motion = daily(days, 19)
    origins = [USER, USER, AUTO, AUTO, DEVICE, USER]
    rows: list[Row] = [(T0, "off", DEVICE)]
    for at, origin in zip(motion, origins, strict=True):
        rows += [(at + 5, "on", origin), (at + 300, "off", origin)]
    home = (
        HomeBuilder(days)
        .entity(MOTION, pulses(motion, 60, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, rows, area="hall")
        .home
    )
    evidence = only(find_candidates(home, settings=COUNT_ONLY), "motion_light", MOTION, LIGHT)
    assert evidence.evidence is not None
    counts = evidence.evidence
    assert (counts.followed, counts.followed_by_hand) == (6, 3)
    assert (counts.followed_by_automation, counts.followed_by_device) == (2, 1)
    assert counts.by_hand_share == 0.5


def test_a_light_that_changes_at_random_times_has_a_lift_near_one() -> None:
    """Motion and a light, each about 100 times a day at independent random times: the light
    follows motion within two minutes about as often as its own rate says (lift ≈ 1), and the
    pair meets no more often than chance — co-activity pruning leaves it uncounted."""
    days = 30
    rng = np.random.default_rng(3)

    def random_times() -> np.ndarray:
        times = np.sort(rng.uniform(T0 + 60, T0 + days * DAY - 600, 100 * days))
        return times[np.concatenate([[True], np.diff(times) > 20])]

    home = (
        HomeBuilder(days)
        .entity(MOTION, pulses(random_times(), 10, first=T0), device_class="motion", area="hall")
        .entity(LIGHT, pulses(random_times(), 10, USER, first=T0), area="hall")
        .home
    )
    context = MiningContext(home, *mining_window(home))
    evidence = count_pair(context, RULES_BY_KIND["motion_light"], Trigger(MOTION, "on"), LIGHT)
    assert evidence.cause_events > 2500
    assert evidence.expected > 250
    assert 0.9 < evidence.lift < 1.1
    pair = only(find_candidates(home, settings=COUNT_ONLY), "motion_light", MOTION, LIGHT)
    assert pair.evidence is None
    # The planted pair beside it: counted, lift far above 1.
    planted = only(
        find_candidates(hall_home().home, settings=COUNT_ONLY), "motion_light", MOTION, LIGHT
    )
    assert planted.evidence is not None
    assert planted.evidence.lift > 10


def test_one_room_rules_are_not_tried_across_two_known_rooms() -> None:
    """Motion in the hall and a light in the kitchen: no motion → light pair. A light with no
    known area stays, with a lower prior; a rule not about one room (the door → lock) is tried
    across rooms at its full prior."""
    days = 12
    builder = (
        HomeBuilder(days)
        .entity(MOTION, pulses(daily(days, 19), 60, first=T0), device_class="motion", area="hall")
        .entity("light.kitchen", hall_light(days), area="kitchen")
        .entity("light.somewhere", hall_light(days))
        .entity("binary_sensor.front_door", pulses(daily(days, 8), 30, first=T0),
                device_class="door", area="hall")
        .entity("lock.back_door", [(T0, "unlocked", DEVICE)], area="garden")
    )  # fmt: skip
    found = find_candidates(builder.home, settings=COUNT_ONLY)
    pairs = {(c.rule.kind, *c.pair) for c in found}
    assert ("motion_light", MOTION, "light.kitchen") not in pairs
    unknown = only(found, "motion_light", MOTION, "light.somewhere")
    assert unknown.prior == pytest.approx(RULES_BY_KIND["motion_light"].prior * UNKNOWN_AREA_FACTOR)
    assert unknown.same_area == 0.5
    lock = only(found, "door_lock", "binary_sensor.front_door", "lock.back_door")
    assert lock.prior == RULES_BY_KIND["door_lock"].prior
    assert lock.same_area == 0.0
    # A door → light pair across rooms is pruned too (door_light is about one room).
    assert ("door_light", "binary_sensor.front_door", "light.kitchen") not in pairs
    assert CROSS_AREA_FACTOR < 1


def test_a_pair_that_never_meets_is_left_uncounted() -> None:
    """A second hall light that only ever comes on at 03:00 never meets the 19:00 motion: the
    pair is listed with the onset counts of both sides but no evidence (co-activity pruning);
    one that meets it once only is not counted either."""
    days = 12
    night = pulses(daily(days, 3), 600, USER, first=T0)
    once = [(T0, "off", DEVICE), *pulses([T0 + 2 * DAY + 19 * HOUR + 30], 600, USER)]
    once += pulses(daily(days, 3)[5:], 600, USER)
    home = (
        hall_home(days)
        .entity("light.hall_night", night, area="hall")
        .entity("light.hall_once", once, area="hall")
        .home
    )
    found = find_candidates(home, settings=COUNT_ONLY)
    never = only(found, "motion_light", MOTION, "light.hall_night")
    assert never.evidence is None
    assert (never.cause_events, never.effect_events, never.days) == (12, 12, 12.0)
    assert never.trigger == Trigger(MOTION, "on")
    assert only(found, "motion_light", MOTION, "light.hall_once").evidence is None
    assert only(found, "motion_light", MOTION, LIGHT).evidence is not None


def test_the_level_of_a_numeric_cause_is_chosen_where_the_effect_follows() -> None:
    """Bathroom humidity: a 40 … 50 % saw-tooth, an afternoon bump to 58 % and a morning shower
    to 90 %; the fan comes on by hand 21 min after the shower starts. Above 50 % the bump
    crosses too (half the crossings followed); above 70 % only the shower does: 70 % is chosen,
    every crossing followed. The saw-tooth crosses 44 … 48 % every hour: judged together with
    those levels, the fan's meetings with the humidity would look like chance."""
    days = 14
    shower = [70, 85, 90, 90, 90, 88, 86, 84, 82, 80, 78, 76, 74, 72, 70, 65, 60, 55, 50]
    bump = [54, 58, 54]
    times: list[float] = []
    values: list[float] = []
    fan: list[Row] = [(T0, "off", DEVICE)]
    for day in range(days):
        base = T0 + day * DAY
        readings = [40.0 + 2 * (k % 6) for k in range(144)]  # every 10 min
        readings[42 : 42 + len(shower)] = shower  # from 07:00
        readings[84 : 84 + len(bump)] = bump  # from 14:00
        times += [base + k * 600.0 for k in range(144)]
        values += readings
        fan += pulses([base + 7 * HOUR + 1260], 2400, USER)
    humidity = "sensor.bath_humidity"
    home = (
        HomeBuilder(days)
        .entity(humidity, numeric(times, values), device_class="humidity", unit="%", area="bath")
        .entity("fan.bath", fan, area="bath")
        .home
    )
    candidate = only(
        find_candidates(home, settings=COUNT_ONLY), "humidity_fan", humidity, "fan.bath"
    )
    assert candidate.trigger.above is True
    assert candidate.trigger.level == 70.0
    assert candidate.trigger.hysteresis == pytest.approx(2.1)
    assert candidate.evidence is not None
    assert (candidate.evidence.cause_events, candidate.evidence.followed) == (14, 14)
    assert candidate.evidence.precision == 1.0
    assert candidate.evidence.coverage == 1.0
    assert candidate.evidence.delay_median_s == pytest.approx(660.0)
    # The levels it was chosen from, and what the bump's level says.
    context = MiningContext(home, *mining_window(home))
    rule = RULES_BY_KIND["humidity_fan"]
    levels = [t.level for t in cause_triggers(context, rule, home.entities[humidity])]
    assert levels == [40.0, 42.0, 44.0, 46.0, 48.0, 50.0, 70.0]
    at_50 = count_pair(
        context, rule, Trigger(humidity, above=True, level=50.0, hysteresis=2.1), "fan.bath"
    )
    assert (at_50.cause_events, at_50.followed, at_50.precision) == (28, 14, 0.5)


def test_a_numeric_cause_without_meetings_keeps_the_rule_s_default_level() -> None:
    """A humidity sensor whose fan never runs: the pair is listed at the rule's default level
    (what the automation would use), uncounted."""
    days = 3
    times = [T0 + k * 600.0 for k in range(days * 144)]
    values = [45.0 + (k % 7) for k in range(days * 144)]
    home = (
        HomeBuilder(days)
        .entity("sensor.bath_humidity", numeric(times, values), device_class="humidity",
                unit="%", area="bath")
        .entity("fan.bath", [(T0, "off", DEVICE)], area="bath")
        .home
    )  # fmt: skip
    candidate = only(find_candidates(home), "humidity_fan", "sensor.bath_humidity", "fan.bath")
    assert candidate.evidence is None
    assert candidate.trigger == Trigger(
        "sensor.bath_humidity", above=True, level=DEFAULT_LEVELS["humidity_fan"]
    )


def test_notification_rules_list_the_cause_alone() -> None:
    """A door and a leak sensor get notification candidates (no effect entity, uncounted);
    they carry their onset counts."""
    days = 5
    home = (
        HomeBuilder(days)
        .entity("binary_sensor.front_door", pulses(daily(days, 8), 30, first=T0),
                device_class="door", area="hall")
        .entity("binary_sensor.sink_leak", [(T0, "off", DEVICE)], device_class="moisture",
                area="kitchen")
        .home
    )  # fmt: skip
    found = find_candidates(home)
    door = only(found, "door_notify", "binary_sensor.front_door", None)
    assert door.effect_id is None
    assert door.evidence is None
    assert door.cause_events == 5
    assert door.trigger == Trigger("binary_sensor.front_door", "on")
    leak = only(found, "leak_notify", "binary_sensor.sink_leak", None)
    assert leak.cause_events == 0
    assert {c.rule.kind for c in found} == {"door_notify", "leak_notify"}


def test_entities_outside_the_modelled_kinds_are_never_paired() -> None:
    """A light without a device (not of a kind the models know), a disabled one and
    ``automation.*`` entities are left out."""
    builder = hall_home().entity("light.disabled", hall_light(), area="hall")
    home = builder.home
    home.entities["light.no_device"] = Entity("light.no_device", area_id="hall")
    home.histories["light.no_device"] = home.histories[LIGHT]
    disabled = home.entities["light.disabled"]
    home.entities["light.disabled"] = replace(disabled, enabled=False)
    home.entities["automation.hall"] = Entity("automation.hall", area_id="hall")
    effects = {c.effect_id for c in find_candidates(home, settings=COUNT_ONLY)}
    assert effects == {LIGHT}


def test_a_presence_cause_without_meetings_triggers_on_a_state_it_takes() -> None:
    """A person whose leaving no light follows is listed triggering on ``not_home`` (the
    automation would otherwise wait for ``0``, a state only a zone takes, and never run);
    ``zone.home`` keeps ``0``: nobody is home."""
    days = 3
    home = (
        HomeBuilder(days)
        .entity("person.anna", [(T0, "home", DEVICE)])
        .entity("light.living", [(T0, "off", DEVICE)], area="living")
        .home
    )
    candidate = only(find_candidates(home), "away_lights_off", "person.anna", "light.living")
    assert candidate.evidence is None
    assert candidate.trigger == Trigger("person.anna", "not_home")
    context = MiningContext(home, *mining_window(home))
    away = RULES_BY_KIND["away_lights_off"]
    assert cause_triggers(context, away, Entity("zone.home")) == [Trigger("zone.home", "0")]
    assert cause_triggers(context, away, home.entities["person.anna"]) == [
        Trigger("person.anna", "not_home")
    ]
