"""The people of a synthetic home: daily routines, vacations and where they are when.

Routines are drawn per person and day (weekday / weekend, office / remote / shift / retired /
school days), then turned into spans: away from home, asleep, awake at home, and visits to
each room. Household chores (dinner, dishwasher, laundry) follow from who is home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from .environment import DAY, HOUR, Environment
from .layout import Layout, Room
from .profiles import PROFILES
from .spans import FloatArray, Spans, sample_within
from .track import IntArray

MINUTE: Final = 60.0


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Mean and spread (hours after local midnight) of one kind of day."""

    wake: tuple[float, float]
    bed: tuple[float, float]
    leave: tuple[float, float] = (np.nan, 0.0)
    back: tuple[float, float] = (np.nan, 0.0)
    errand: float = 0.0
    desk: bool = False  # works from the home office


DAY_PLANS: Final[dict[str, DayPlan]] = {
    "work": DayPlan((6.6, 0.4), (23.0, 0.6), (7.9, 0.35), (17.8, 0.7)),
    "home_office": DayPlan((7.4, 0.5), (23.0, 0.6), errand=0.4, desk=True),
    "weekend": DayPlan((8.6, 1.0), (23.7, 0.8), errand=0.65),
    "remote_work": DayPlan((7.3, 0.4), (23.2, 0.5), errand=0.5, desk=True),
    "retired": DayPlan((7.0, 0.6), (22.3, 0.6), errand=0.7),
    "school": DayPlan((7.0, 0.3), (21.6, 0.7), (7.8, 0.2), (15.6, 0.8)),
    "weekend_late": DayPlan((9.3, 1.0), (22.6, 0.8), errand=0.6),
    "early": DayPlan((4.8, 0.2), (21.5, 0.4), (5.4, 0.1), (14.4, 0.3)),
    "late": DayPlan((8.8, 0.7), (24.2, 0.4), (13.3, 0.1), (22.5, 0.3)),
    "night": DayPlan((14.0, 0.5), (31.0, 0.2), (21.2, 0.1), (30.4, 0.2)),
    "off": DayPlan((9.0, 1.0), (23.3, 0.8), errand=0.5),
    "off_after_night": DayPlan((13.5, 0.8), (23.8, 0.8), errand=0.3),
}
PLAN_NAMES: Final = tuple(DAY_PLANS)
SHIFT_ROTATION: Final = ("early", "early", "late", "late", "night", "night", "off", "off", "off")

# Visits per awake hour at home, and median visit length in minutes.
VISIT_RATES: Final[dict[str, tuple[float, float]]] = {
    "kitchen": (0.5, 4.0),
    "bathroom": (0.3, 4.0),
    "hallway": (0.6, 0.7),
    "stairs": (0.3, 0.4),
    "family_room": (0.1, 20.0),
    "living_room": (0.3, 15.0),
    "dining_room": (0.1, 5.0),
    "bedroom": (0.12, 5.0),
    "office": (0.08, 10.0),
    "laundry": (0.05, 4.0),
    "basement": (0.05, 6.0),
    "attic": (0.03, 8.0),
    "garage": (0.05, 6.0),
    "garden": (0.1, 30.0),
    "patio": (0.08, 25.0),
    "balcony": (0.08, 15.0),
    "terrace": (0.08, 20.0),
    "porch": (0.04, 5.0),
    "driveway": (0.03, 3.0),
    "shed": (0.03, 10.0),
    "pool": (0.05, 40.0),
    "storage": (0.02, 4.0),
}
OUTDOOR_DAYLIGHT: Final = frozenset(
    {"garden", "patio", "balcony", "terrace", "porch", "driveway", "shed", "pool"}
)


@dataclass(slots=True)
class Occupant:
    """One person's month."""

    person: str
    routine: str
    bedroom: str
    bathroom: str | None
    wake: FloatArray
    bed: FloatArray
    away: Spans
    asleep: Spans
    home_awake: Spans
    desk: Spans


@dataclass(slots=True)
class Schedule:
    """Who is where and what the household does, as spans and times."""

    occupants: list[Occupant]
    vacations: Spans
    anyone_home: Spans
    anyone_awake_home: Spans
    visits: dict[str, list[Spans]] = field(default_factory=dict)
    showers: dict[str, list[Spans]] = field(default_factory=dict)
    cooking: Spans = field(default_factory=Spans.empty)
    evenings: Spans = field(default_factory=Spans.empty)
    bedtimes: FloatArray = field(default_factory=lambda: np.empty(0))
    leaves: FloatArray = field(default_factory=lambda: np.empty(0))
    returns: FloatArray = field(default_factory=lambda: np.empty(0))
    desk_time: Spans = field(default_factory=Spans.empty)
    chores: dict[str, Spans] = field(default_factory=dict)

    def visit(self, area_id: str, spans: Spans) -> None:
        """Record visits to a room."""
        self.visits.setdefault(area_id, []).append(spans)

    def room_presence(self, area_id: str, gap: float) -> Spans:
        """Merged visits to one room (visits closer than ``gap`` joined)."""
        parts = self.visits.get(area_id, [])
        if not parts:
            return Spans.empty()
        spans = parts[0]
        for more in parts[1:]:
            spans = spans | more
        return spans.merged(gap)


def build_schedule(
    rng: np.random.Generator, env: Environment, layout: Layout, primary_routine: str
) -> Schedule:
    """Draw every occupant's days and the household's visits and chores."""
    days = np.arange(-1, env.n_days, dtype=np.int64)
    vacations = _vacations(rng, env)
    routines = _routines(rng, primary_routine, len(layout.persons))
    occupants = [
        _occupant(
            rng,
            env,
            layout,
            index=index,
            person=person,
            routine=routine,
            days=days,
            vacations=vacations,
        )
        for index, (person, routine) in enumerate(zip(layout.persons, routines, strict=True))
    ]
    home = Spans.empty()
    awake_home = Spans.empty()
    for occupant in occupants:
        home = home | Spans.of([env.hours[0] - DAY], [env.hours[-1] + DAY]).minus(occupant.away)
        awake_home = awake_home | occupant.home_awake
    schedule = Schedule(occupants, vacations, home.merged(), awake_home.merged())
    _daily_visits(rng, env, layout, schedule, days)
    _random_visits(rng, env, layout, schedule)
    _chores(rng, env, layout, schedule, days)
    return schedule


def draw_primary_routine(rng: np.random.Generator, home_type: str) -> str:
    """The main occupant's routine for a home type."""
    weights = PROFILES[home_type].routines
    names = list(weights)
    p = np.array([weights[n] for n in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _routines(rng: np.random.Generator, primary: str, occupants: int) -> list[str]:
    routines = [primary]
    if occupants > 1:
        pool = ("office", "remote", "shift", "retired")
        routines.append(primary if rng.random() < 0.5 else pool[int(rng.integers(len(pool)))])
    routines += ["student"] * max(0, occupants - 2)
    return routines[:occupants]


def _day_kinds(rng: np.random.Generator, routine: str, weekday: IntArray) -> IntArray:
    weekend = weekday >= 5
    index = {name: i for i, name in enumerate(PLAN_NAMES)}
    if routine == "shift":
        phase = int(rng.integers(len(SHIFT_ROTATION)))
        names = [SHIFT_ROTATION[(phase + d) % len(SHIFT_ROTATION)] for d in range(weekday.size)]
        for d in range(1, len(names)):
            if names[d] == "off" and names[d - 1] == "night":
                names[d] = "off_after_night"
        return np.array([index[n] for n in names], dtype=np.int64)
    workday, restday = {
        "office": ("work", "weekend"),
        "remote": ("remote_work", "weekend"),
        "retired": ("retired", "retired"),
        "student": ("school", "weekend_late"),
    }[routine]
    kinds = np.where(weekend, index[restday], index[workday])
    if routine == "office":
        kinds = np.where(~weekend & (rng.random(weekday.size) < 0.15), index["home_office"], kinds)
    return kinds.astype(np.int64)


def _table(kinds: IntArray, attribute: str) -> tuple[FloatArray, FloatArray]:
    pairs = np.array([getattr(DAY_PLANS[name], attribute) for name in PLAN_NAMES], dtype=float)
    return pairs[kinds, 0], pairs[kinds, 1]


def _occupant(
    rng: np.random.Generator,
    env: Environment,
    layout: Layout,
    *,
    index: int,
    person: str,
    routine: str,
    days: IntArray,
    vacations: Spans,
) -> Occupant:
    kinds = _day_kinds(rng, routine, env.weekday(days))
    midnight = env.midnight(days)

    def clock(attribute: str) -> FloatArray:
        mean, spread = _table(kinds, attribute)
        return np.asarray(midnight + HOUR * rng.normal(mean, spread), dtype=np.float64)

    wake, bed, leave, back = clock("wake"), clock("bed"), clock("leave"), clock("back")
    for _ in range(2):
        wake[1:] = np.maximum(wake[1:], bed[:-1] + 4 * HOUR)
        leave = np.maximum(leave, wake + 0.4 * HOUR)
        back = np.maximum(back, leave + HOUR)
        bed = np.maximum(bed, np.fmax(wake, back) + HOUR)
    errand_p = np.array([DAY_PLANS[n].errand for n in PLAN_NAMES])[kinds]
    errands = _errands(rng, midnight, wake, bed, errand_p)
    away = (Spans.of(leave, back) | errands | vacations).merged()
    desk_days = np.array([DAY_PLANS[n].desk for n in PLAN_NAMES])[kinds]
    desk_start = np.where(desk_days, midnight + HOUR * rng.normal(9.0, 0.3, days.size), np.nan)
    lunch = midnight + HOUR * rng.normal(12.3, 0.3, days.size)
    desk = Spans.of(
        np.concatenate([desk_start, lunch + 0.75 * HOUR]),
        np.concatenate([lunch, midnight + HOUR * rng.normal(17.3, 0.5, days.size)]),
    )
    return Occupant(
        person=person,
        routine=routine,
        bedroom=bedroom_of(layout, index),
        bathroom=_bathroom_of(layout, index),
        wake=wake,
        bed=bed,
        away=away,
        asleep=Spans.of(bed[:-1], wake[1:]).minus(away),
        home_awake=Spans.of(wake, bed).minus(away),
        desk=desk.minus(away) if desk_days.any() else Spans.empty(),
    )


def bedroom_of(layout: Layout, index: int) -> str:
    """The room occupant ``index`` sleeps in (the first two share the first bedroom)."""
    bedrooms = [room.area_id for room in layout.rooms_of("bedroom")]
    if not bedrooms:
        return "living_room"
    if index < 2 or len(bedrooms) == 1:
        return bedrooms[0]
    return bedrooms[1 + (index - 2) % (len(bedrooms) - 1)]


def _bathroom_of(layout: Layout, index: int) -> str | None:
    bathrooms = [room.area_id for room in layout.rooms_of("bathroom")]
    return bathrooms[min(index // 2, len(bathrooms) - 1)] if bathrooms else None


def _errands(
    rng: np.random.Generator,
    midnight: FloatArray,
    wake: FloatArray,
    bed: FloatArray,
    chance: FloatArray,
) -> Spans:
    earliest = np.maximum(wake + HOUR, midnight + 9 * HOUR)
    latest = midnight + 17 * HOUR
    start = earliest + rng.random(midnight.size) * np.maximum(latest - earliest, 0.0)
    length = HOUR * np.clip(rng.lognormal(np.log(1.3), 0.5, midnight.size), 0.4, 4.0)
    ok = (rng.random(midnight.size) < chance) & (start + length < bed - HOUR)
    return Spans.of(start[ok], start[ok] + length[ok])


def _vacations(rng: np.random.Generator, env: Environment) -> Spans:
    days = env.n_days - 1
    if days < 10 or rng.random() >= 0.35:
        return Spans.empty()
    first = int(rng.integers(1, days - 4))
    length = int(rng.integers(3, min(10, days - first) + 1))
    leave = env.first_midnight + first * DAY + HOUR * rng.uniform(8.0, 13.0)
    back = env.first_midnight + (first + length) * DAY + HOUR * rng.uniform(14.0, 20.0)
    return Spans.of([leave], [back])


def _minutes(rng: np.random.Generator, low: float, high: float, n: int) -> FloatArray:
    return np.asarray(MINUTE * rng.uniform(low, high, n), dtype=np.float64)


def _daily_visits(
    rng: np.random.Generator, env: Environment, layout: Layout, schedule: Schedule, days: IntArray
) -> None:
    n = days.size
    midnight = env.midnight(days)
    dinner = midnight + HOUR * rng.normal(18.6, 0.4, n)
    kitchen = _area(layout, "kitchen") or "kitchen"
    dining = _area(layout, "dining_room") or kitchen
    living = _area(layout, "living_room") or "living_room"
    office = _area(layout, "office") or living
    hallway = _area(layout, "hallway")
    stairs = _area(layout, "stairs")
    garage = _area(layout, "garage") or _area(layout, "parking")
    cooking = Spans.empty()
    evenings = Spans.empty()
    car = Spans.empty()
    for occ in schedule.occupants:
        wake, bed, away = occ.wake, occ.bed, occ.away
        bedtime = Spans.of(bed - _minutes(rng, 10, 25, n), bed + _minutes(rng, 1, 4, n))
        rising = Spans.of(wake - MINUTE, wake + _minutes(rng, 5, 15, n))
        schedule.visit(occ.bedroom, (bedtime | rising).minus(away))
        if stairs:  # up to bed, down in the morning
            up = bedtime.starts - _minutes(rng, 0.3, 1.0, n)
            down = rising.ends + _minutes(rng, 0.0, 1.0, n)
            steps = Spans.of(np.concatenate([up, down]), np.concatenate([up, down]) + 20.0)
            schedule.visit(stairs, steps.minus(away))
        breakfast = wake + _minutes(rng, 20, 35, n)
        lunch = midnight + HOUR * 12 + _minutes(rng, 0, 60, n)
        cook_end = dinner + _minutes(rng, 30, 60, n)
        meals = Spans.of(
            np.concatenate([breakfast, lunch, dinner]),
            np.concatenate(
                [breakfast + _minutes(rng, 10, 25, n), lunch + _minutes(rng, 15, 40, n), cook_end]
            ),
        ).minus(away)
        cooking = cooking | meals
        schedule.visit(kitchen, meals)
        eat_end = cook_end + _minutes(rng, 20, 40, n)
        schedule.visit(dining, Spans.of(cook_end, eat_end).minus(away))
        evening = Spans.of(eat_end + _minutes(rng, 5, 20, n), bed - _minutes(rng, 15, 30, n))
        evenings = evenings | evening.minus(away)
        schedule.visit(living, evening.minus(away))
        schedule.visit(office, occ.desk)
        schedule.desk_time = schedule.desk_time | occ.desk
        if occ.bathroom:
            _showers(rng, schedule, occ, n)
            _night_visits(rng, schedule, occ, hallway)
        trips = away.minus(schedule.vacations)
        if hallway:
            schedule.visit(
                hallway,
                Spans.of(trips.starts - _minutes(rng, 1, 3, len(trips)), trips.starts + 20.0),
            )
            schedule.visit(
                hallway, Spans.of(trips.ends, trips.ends + _minutes(rng, 1, 2, len(trips)))
            )
        if garage:
            by_car = rng.random(len(trips)) < 0.6
            car = car | Spans(trips.starts[by_car], trips.ends[by_car])
            schedule.visit(
                garage, Spans.of(trips.starts[by_car] - 4 * MINUTE, trips.starts[by_car] + 30.0)
            )
            schedule.visit(
                garage, Spans.of(trips.ends[by_car] - 30.0, trips.ends[by_car] + 2 * MINUTE)
            )
        schedule.leaves = np.concatenate([schedule.leaves, away.starts])
        schedule.returns = np.concatenate([schedule.returns, away.ends])
    schedule.cooking = cooking.merged()
    schedule.evenings = evenings.merged(10 * MINUTE)
    schedule.chores["car"] = car
    schedule.chores["dinner"] = Spans.of(dinner, dinner + HOUR)
    schedule.leaves.sort()
    schedule.returns.sort()
    beds = np.vstack([np.where(o.away.contains(o.bed), np.nan, o.bed) for o in schedule.occupants])
    valid = ~np.all(np.isnan(beds), axis=0)
    schedule.bedtimes = np.nanmax(beds[:, valid], axis=0)


def _showers(rng: np.random.Generator, schedule: Schedule, occ: Occupant, n: int) -> None:
    assert occ.bathroom is not None
    morning = (occ.wake + _minutes(rng, 3, 12, n))[rng.random(n) < 0.75]
    evening = (occ.bed - _minutes(rng, 50, 70, n))[rng.random(n) < 0.2]
    starts = np.concatenate([morning, evening])
    showers = Spans.of(starts, starts + _minutes(rng, 7, 18, starts.size)).minus(occ.away)
    schedule.showers.setdefault(occ.bathroom, []).append(showers)
    schedule.visit(occ.bathroom, showers)


def _night_visits(
    rng: np.random.Generator, schedule: Schedule, occ: Occupant, hallway: str | None
) -> None:
    assert occ.bathroom is not None
    nights = occ.asleep.total() / DAY
    times = sample_within(rng, occ.asleep, int(rng.poisson(0.3 * nights)))
    schedule.visit(occ.bathroom, Spans.of(times, times + _minutes(rng, 2, 6, times.size)))
    if hallway:
        schedule.visit(hallway, Spans.of(times - 30.0, times))


def _area(layout: Layout, role: str) -> str | None:
    rooms: list[Room] = layout.rooms_of(role)
    return rooms[0].area_id if rooms else None


def _random_visits(
    rng: np.random.Generator, env: Environment, layout: Layout, schedule: Schedule
) -> None:
    for occ in schedule.occupants:
        hours = occ.home_awake.total() / HOUR
        for room in layout.rooms:
            rate, median = VISIT_RATES.get(room.role, (0.0, 1.0))
            if room.role == "bedroom" and room.area_id != occ.bedroom:
                rate /= 4
            times = sample_within(rng, occ.home_awake, int(rng.poisson(rate * hours)))
            if room.role in OUTDOOR_DAYLIGHT:
                times = times[env.sun_elevation(times) > 3.0]
            length = MINUTE * rng.lognormal(np.log(median), 0.6, times.size)
            schedule.visit(room.area_id, Spans.of(times, times + length))


def _chores(
    rng: np.random.Generator, env: Environment, layout: Layout, schedule: Schedule, days: IntArray
) -> None:
    n = days.size
    midnight = env.midnight(days)
    dinner = schedule.chores["dinner"].starts
    home = schedule.anyone_home
    awake = schedule.anyone_awake_home
    dishes = dinner + _minutes(rng, 60, 150, n)
    keep = (rng.random(n) < 0.6) & home.contains(dishes)
    schedule.chores["dishwasher"] = Spans.of(
        dishes[keep], dishes[keep] + _minutes(rng, 100, 150, int(keep.sum()))
    )
    weekend = env.weekday(days) >= 5
    wash = midnight + HOUR * np.where(weekend, rng.uniform(9, 12, n), rng.uniform(18.5, 20.5, n))
    chance = min(0.8, 0.15 + 0.12 * len(schedule.occupants))
    keep = (rng.random(n) < chance) & awake.contains(wash)
    washes = Spans.of(wash[keep], wash[keep] + _minutes(rng, 60, 120, int(keep.sum())))
    schedule.chores["washing_machine"] = washes
    dry = washes.ends + _minutes(rng, 5, 40, len(washes))
    keep = rng.random(len(washes)) < 0.7
    schedule.chores["dryer"] = Spans.of(
        dry[keep], dry[keep] + _minutes(rng, 50, 100, int(keep.sum()))
    )
    laundry = _area(layout, "laundry") or _area(layout, "basement")
    if laundry:
        schedule.visit(laundry, Spans.of(washes.starts - 3 * MINUTE, washes.starts + MINUTE))
        schedule.visit(laundry, Spans.of(washes.ends + 5 * MINUTE, washes.ends + 8 * MINUTE))
    evening = midnight + HOUR * rng.uniform(16.5, 19.0, n)
    cold = env.outdoor_temperature(evening) < 10.0
    keep = cold & (rng.random(n) < 0.85) & home.contains(evening)
    fire_end = np.minimum(evening + HOUR * rng.uniform(3, 6, n), midnight + 23 * HOUR)
    schedule.chores["fire"] = Spans.of(evening[keep], fire_end[keep])
    morning = midnight + HOUR * rng.uniform(5.5, 6.5, n)
    warm = env.outdoor_temperature(midnight + 14 * HOUR) > 15.0
    keep = rng.random(n) < np.where(warm, 0.7, 0.1)
    schedule.chores["irrigation"] = Spans.of(
        morning[keep], morning[keep] + _minutes(rng, 15, 40, int(keep.sum()))
    )
    pool = midnight + HOUR * 10 + _minutes(rng, -10, 10, n)
    schedule.chores["pool"] = Spans.of(pool, pool + 6 * HOUR)
