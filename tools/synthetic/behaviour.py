"""What each device does day to day, driven by the household's schedule.

One function per device kind turns the schedule into tracks for the device's entities.
Devices that effect a planted synergy are left out here (the synergy drives them); devices
that could but do not take part in a synergy act on their own ("independent"), so that a
candidate pair without a planted relation shows no relation in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np

from .appliances import (
    appliance,
    energy_meter,
    intercom,
    plug,
    scheduled_switch,
    soil_sensor,
    well_pump,
    wood_stove,
)
from .context import AUTOMATION, DEVICE, USER, Context, DeviceView, independent_track, pairs
from .environment import DAY, HOUR
from .routine import MINUTE
from .signals import (
    battery_level,
    humidity,
    illuminance,
    indoor_temperature,
    report_times,
    times_within,
)
from .spans import Spans, sample_within
from .track import Track

WINDOWLESS: Final = frozenset(
    {"bathroom", "hallway", "laundry", "basement", "attic", "garage", "shed", "stairs", "storage"}
)
# Battery drain in % per day by device kind.
BATTERY_DRAIN: Final[dict[str, tuple[float, float]]] = {
    "motion": (0.08, 0.2),
    "door_contact": (0.03, 0.1),
    "window_contact": (0.03, 0.1),
    "multisensor": (0.05, 0.15),
    "leak": (0.01, 0.05),
    "smoke": (0.02, 0.06),
    "lock": (0.15, 0.4),
    "soil_sensor": (0.1, 0.2),
}


def presence_light(ctx: Context, presence: Spans, always_dark: bool) -> Track:
    """A light switched by hand when someone is in the room and it is dark."""
    track = Track("off")
    if not len(presence):
        return track
    starts, ends = presence.starts, presence.ends
    dark = always_dark | (ctx.env.sun_elevation(starts) < 8.0)
    on = starts + ctx.seconds(1, 5, starts.size)
    off = ends + ctx.seconds(5, 60, starts.size)
    forgot = ctx.rng.random(starts.size) < 0.08
    late = off + ctx.seconds(10 * MINUTE, 90 * MINUTE, starts.size)
    next_start = np.append(starts[1:], np.inf)
    off = np.where(forgot, np.minimum(late, next_start - 1.0), off)
    return pairs(track, on[dark], off[dark], ("on", "off"), (USER, USER))


def motion_presence(ctx: Context, view: DeviceView) -> Spans:
    """When the motion sensor of a room sees someone (visits joined within 10 minutes)."""
    presence = ctx.schedule.room_presence(view.area_id, 0.0)
    extra = ctx.extra_motion.get(view.parts.get("main", ""), Spans.empty())
    if view.role in ("garden", "porch", "driveway", "patio"):
        nights = (ctx.end - ctx.begin) / DAY
        times = ctx.rng.uniform(ctx.begin, ctx.end, int(ctx.rng.poisson(0.4 * nights)))
        extra = extra | Spans.of(times, times + 20.0)
    elif view.role == "parking":  # the neighbours' cars in a shared garage
        days = (ctx.end - ctx.begin) / DAY
        times = ctx.rng.uniform(ctx.begin, ctx.end, int(ctx.rng.poisson(4.0 * days)))
        extra = extra | Spans.of(times, times + 30.0)
    return (presence | extra).merged(10 * MINUTE)


# --- device kinds -----------------------------------------------------------------------


def motion(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Motion on while someone is in the room (plus cooldown), illuminance from the sun."""
    out: dict[str, Track] = {}
    if entity := view.main:
        presence = motion_presence(ctx, view)
        cooldown = ctx.seconds(60, 120, len(presence))
        out[entity] = pairs(
            Track("off"), presence.starts, presence.ends + cooldown, ("on", "off"), (DEVICE, DEVICE)
        )
    if entity := view.parts.get("illuminance"):
        out[entity] = _illuminance(ctx, view)
    return out


def _illuminance(ctx: Context, view: DeviceView) -> Track:
    times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, 300.0, 0.3)
    track = Track(decimals=0)
    track.set_numeric(times, illuminance(ctx.rng, ctx.env, times, view.role))
    return track


def camera(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """A camera recording while it sees motion, idle otherwise."""
    entity = view.main
    if entity is None:
        return {}
    seen = motion_presence(ctx, view)
    stop = seen.ends + ctx.seconds(10, 30, len(seen))
    return {
        entity: pairs(Track("idle"), seen.starts, stop, ("recording", "idle"), (DEVICE, DEVICE))
    }


def light(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Ceiling lights and lamps used by hand; outdoor lights on their own."""
    entity = view.main
    if entity is None:
        return {}
    if view.kind == "outdoor_light":
        return {entity: independent_track(ctx, entity)}
    if view.kind == "lamp" and view.role == "bedroom":
        return {entity: reading_lamp(ctx, view.area_id)}
    presence = ctx.schedule.room_presence(view.area_id, 5 * MINUTE)
    if view.kind == "lamp":
        keep = ctx.rng.random(len(presence)) < (0.9 if view.role == "living_room" else 0.4)
        starts = presence.starts + ctx.rng.random(len(presence)) * 0.7 * (
            presence.ends - presence.starts
        )
        presence = Spans.of(starts[keep], presence.ends[keep])
    return {entity: presence_light(ctx, presence, view.role in WINDOWLESS)}


def reading_lamp(ctx: Context, area_id: str) -> Track:
    """A bedside lamp: on a little before each sleeper's bedtime, off at bedtime."""
    spans = Spans.empty()
    for occ in ctx.schedule.occupants:
        if occ.bedroom == area_id:
            bed = occ.bed[~occ.away.contains(occ.bed)]
            on = bed - ctx.seconds(10 * MINUTE, 25 * MINUTE, bed.size)
            spans = spans | Spans.of(on, bed - ctx.seconds(0, 120, bed.size))
    merged = spans.merged(5 * MINUTE)
    return pairs(Track("off"), merged.starts, merged.ends, ("on", "off"), (USER, USER))


def door_contact(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Front door opens as people leave and return; other doors during the day."""
    entity = view.main
    if entity is None:
        return {}
    if view.base == "front":
        leaves = ctx.schedule.leaves - ctx.seconds(20, 60, ctx.schedule.leaves.size)
        returns = ctx.schedule.returns + ctx.seconds(5, 60, ctx.schedule.returns.size)
        opens = np.concatenate([leaves, returns])
    else:
        days = (ctx.end - ctx.begin) / DAY
        opens = sample_within(
            ctx.rng, ctx.schedule.anyone_awake_home, int(ctx.rng.poisson(1.5 * days))
        )
        opens = opens[ctx.env.sun_elevation(opens) > 0]
    spans = Spans.of(opens, opens + ctx.seconds(4, 25, opens.size)).merged(60.0)
    return {entity: pairs(Track("off"), spans.starts, spans.ends, ("on", "off"), (DEVICE, DEVICE))}


def window_contact(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Windows opened to air the room in the morning, longer on warm afternoons."""
    entity = view.main
    if entity is None:
        return {}
    first = ctx.schedule.occupants[0]
    wake = first.wake[~first.away.contains(first.wake)]
    airing = wake + ctx.seconds(10 * MINUTE, 40 * MINUTE, wake.size)
    airing = airing[ctx.rng.random(wake.size) < 0.35]
    spans = Spans.of(airing, airing + ctx.seconds(5 * MINUTE, 40 * MINUTE, airing.size))
    afternoons = ctx.env.midnight(np.arange(ctx.env.n_days, dtype=np.int64)) + 14 * HOUR
    warm = afternoons[
        (ctx.env.outdoor_temperature(afternoons) > 20.0)
        & (ctx.rng.random(afternoons.size) < 0.3)
        & ctx.schedule.anyone_home.contains(afternoons)
    ]
    spans = (spans | Spans.of(warm, warm + ctx.seconds(HOUR, 4 * HOUR, warm.size))).merged()
    return {entity: pairs(Track("off"), spans.starts, spans.ends, ("on", "off"), (DEVICE, DEVICE))}


def multisensor(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Temperature and humidity of a room, warmed and moistened by what happens in it."""
    schedule = ctx.schedule
    showers = Spans.empty()
    for spans in schedule.showers.get(view.area_id, []):
        showers = showers | spans
    cooking = schedule.cooking if view.role == "kitchen" else Spans.empty()
    interval = 300.0 * ctx.rng.uniform(1.0, 2.0)
    out: dict[str, Track] = {}
    if entity := view.parts.get("temperature"):
        times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, interval)
        track = Track(decimals=1)
        warmers = showers | cooking
        track.set_numeric(times, indoor_temperature(ctx.rng, ctx.env, times, view.role, warmers))
        out[entity] = track
    if entity := view.parts.get("humidity"):
        busy = Spans(showers.starts, showers.ends + 40 * MINUTE).merged()
        times = np.sort(
            np.concatenate(
                [
                    report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, interval),
                    times_within(ctx.rng, busy, 60.0),
                ]
            )
        )
        track = Track(decimals=1)
        track.set_numeric(times, humidity(ctx.rng, ctx.env, times, showers.merged(), cooking))
        out[entity] = track
    return out


def thermostat(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """The season's mode; off while the household is on vacation."""
    entity = view.main
    if entity is None:
        return {}
    mode = ctx.season_mode()
    vac = ctx.schedule.vacations
    track = Track(mode)
    off = vac.starts - ctx.seconds(5 * MINUTE, 30 * MINUTE, len(vac))
    return {
        entity: pairs(
            track, off, vac.ends + ctx.seconds(60, 600, len(vac)), ("off", mode), (USER, USER)
        )
    }


def exhaust_fan(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """A bathroom fan on a timer automation, twice a day."""
    entity = view.main
    if entity is None:
        return {}
    days = np.arange(ctx.env.n_days, dtype=np.int64) - 1
    midnight = ctx.env.midnight(days)
    on = np.concatenate([midnight + 7.5 * HOUR, midnight + 19.5 * HOUR])
    ctx.add_automation(
        f"{ctx.entity_name(entity)} timer", (), (entity,), ("fan.turn_on", "fan.turn_off")
    )
    return {
        entity: pairs(Track("off"), on, on + 30 * MINUTE, ("on", "off"), (AUTOMATION, AUTOMATION))
    }


def blinds(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Blinds opened in the morning (by hand or a time automation) and closed after sunset."""
    entity = view.main
    if entity is None:
        return {}
    days = np.arange(ctx.env.n_days, dtype=np.int64) - 1
    midnight = ctx.env.midnight(days)
    if ctx.rng.random() < 0.4:
        weekend = ctx.env.weekday(days) >= 5
        opening = midnight + np.where(weekend, 8.5, 7.5) * HOUR
        origin = AUTOMATION
        ctx.add_automation(
            f"{ctx.entity_name(entity)} in the morning", (), (entity,), ("cover.open_cover",)
        )
    else:
        first = ctx.schedule.occupants[0]
        opening = first.wake + ctx.seconds(5 * MINUTE, 30 * MINUTE, first.wake.size)
        origin = USER
    _, sunsets = ctx.env.sunrise_sunset()
    closing = sunsets + ctx.seconds(0, 45 * MINUTE, sunsets.size)
    closing = closing[ctx.schedule.anyone_home.contains(closing)]
    track = Track("closed")
    track.add(opening, "open", origin)
    track.add(closing, "closed", USER)
    return {entity: track}


def tv(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """TV evenings: on, playing, sometimes paused, off."""
    entity = view.main
    if entity is None:
        return {}
    sessions = ctx.schedule.evenings
    if view.role != "living_room":
        sessions = ctx.schedule.room_presence(view.area_id, 5 * MINUTE)
        sessions = Spans.of(sessions.starts, sessions.ends)
    keep = (ctx.rng.random(len(sessions)) < 0.75) & (sessions.ends - sessions.starts > 20 * MINUTE)
    start, end = sessions.starts[keep], sessions.ends[keep]
    on = start + ctx.seconds(MINUTE, 5 * MINUTE, start.size)
    playing = on + ctx.seconds(10, 60, start.size)
    off = end - ctx.seconds(0, 2 * MINUTE, start.size)
    paused = playing + ctx.rng.random(start.size) * (off - playing) * 0.8
    resumed = paused + ctx.seconds(MINUTE, 8 * MINUTE, start.size)
    has_pause = (ctx.rng.random(start.size) < 0.4) & (resumed < off - 30.0)
    track = Track("off")
    track.add(on, "on", USER)
    track.add(playing, "playing", DEVICE)
    track.add(paused[has_pause], "paused", USER)
    track.add(resumed[has_pause], "playing", USER)
    track.add(off, "off", USER)
    return {entity: track}


def speaker(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Music while cooking (kitchen) or during visits (elsewhere)."""
    entity = view.main
    if entity is None:
        return {}
    spans = (
        ctx.schedule.cooking
        if view.role == "kitchen"
        else ctx.schedule.room_presence(view.area_id, 0.0)
    )
    keep = ctx.rng.random(len(spans)) < 0.35
    start, end = spans.starts[keep], spans.ends[keep]
    on = start + ctx.seconds(0, 3 * MINUTE, start.size)
    return {
        entity: pairs(
            Track("idle"),
            on,
            end + ctx.seconds(0, 5 * MINUTE, start.size),
            ("playing", "idle"),
            (USER, USER),
        )
    }


def rare_alert(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Leak sensors splashed now and then; smoke detectors during the odd burnt dinner."""
    entity = view.main
    if entity is None:
        return {}
    if view.kind == "smoke":
        pool = ctx.schedule.cooking if view.role == "kitchen" else ctx.schedule.anyone_awake_home
        rate = 0.03
    else:
        pool = ctx.schedule.anyone_awake_home
        rate = 0.2 if view.role in ("kitchen", "laundry", "bathroom", "basement") else 0.05
    days = (ctx.end - ctx.begin) / DAY
    times = sample_within(ctx.rng, pool, int(ctx.rng.poisson(rate * days)))
    spans = Spans.of(times, times + ctx.seconds(MINUTE, 20 * MINUTE, times.size)).merged(HOUR)
    return {entity: pairs(Track("off"), spans.starts, spans.ends, ("on", "off"), (DEVICE, DEVICE))}


def lock(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """The front door lock: unlocked coming home, locked going out and at bedtime."""
    entity = view.main
    if entity is None:
        return {}
    schedule = ctx.schedule
    track = Track("locked")
    track.add(schedule.returns - ctx.seconds(5, 30, schedule.returns.size), "unlocked", USER)
    track.add(schedule.leaves + ctx.seconds(20, 90, schedule.leaves.size), "locked", USER)
    track.add(
        schedule.bedtimes + ctx.seconds(0, 15 * MINUTE, schedule.bedtimes.size), "locked", USER
    )
    first = schedule.occupants[0]
    wake = first.wake[~first.away.contains(first.wake)]
    track.add(wake + ctx.seconds(10 * MINUTE, 40 * MINUTE, wake.size), "unlocked", USER)
    return {entity: track}


def alarm(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Armed away when everyone is out, armed at night, disarmed otherwise."""
    entity = view.main
    if entity is None:
        return {}
    home = ctx.schedule.anyone_home
    track = Track("disarmed")
    track.add(home.ends + ctx.seconds(30, 180, len(home)), "armed_away", USER)
    track.add(home.starts + ctx.seconds(5, 40, len(home)), "disarmed", USER)
    beds = ctx.schedule.bedtimes
    track.add(beds + ctx.seconds(60, 600, beds.size), "armed_night", USER)
    first = ctx.schedule.occupants[0]
    wake = first.wake[~first.away.contains(first.wake)]
    track.add(wake + ctx.seconds(30, 300, wake.size), "disarmed", USER)
    return {entity: track}


def garage_door(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Opened and closed for each trip by car."""
    entity = view.main
    if entity is None:
        return {}
    car = ctx.schedule.chores.get("car", Spans.empty())
    n = len(car)
    opens = np.concatenate(
        [car.starts - ctx.seconds(60, 180, n), car.ends - ctx.seconds(10, 40, n)]
    )
    spans = Spans.of(opens, opens + ctx.seconds(40, 150, opens.size)).merged()
    return {
        entity: pairs(Track("closed"), spans.starts, spans.ends, ("open", "closed"), (USER, USER))
    }


def chime(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """A door chime that only rings for the doorbell."""
    entity = view.main
    return {entity: independent_track(ctx, entity)} if entity else {}


def water_valve(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """The main water valve stays open."""
    entity = view.main
    return {entity: Track("open")} if entity else {}


DEVICE_BEHAVIOURS: Final[dict[str, Callable[[Context, DeviceView], dict[str, Track]]]] = {
    "motion": motion,
    "ceiling_light": light,
    "lamp": light,
    "outdoor_light": light,
    "door_contact": door_contact,
    "window_contact": window_contact,
    "multisensor": multisensor,
    "thermostat": thermostat,
    "exhaust_fan": exhaust_fan,
    "blinds": blinds,
    "tv": tv,
    "speaker": speaker,
    "plug": plug,
    "dishwasher": appliance,
    "washing_machine": appliance,
    "dryer": appliance,
    "leak": rare_alert,
    "smoke": rare_alert,
    "water_valve": water_valve,
    "lock": lock,
    "alarm": alarm,
    "chime": chime,
    "camera": camera,
    "garage_door": garage_door,
    "irrigation": scheduled_switch,
    "pool_pump": scheduled_switch,
    "soil_sensor": soil_sensor,
    "wood_stove": wood_stove,
    "well_pump": well_pump,
    "intercom": intercom,
    "energy_meter": energy_meter,
}


def battery(ctx: Context, view: DeviceView) -> Track:
    """A healthy battery, reported every one to four hours."""
    low, high = BATTERY_DRAIN.get(view.kind, (0.05, 0.15))
    times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, ctx.rng.uniform(HOUR, 4 * HOUR))
    track = Track(decimals=0)
    track.set_numeric(times, battery_level(ctx.rng, times, ctx.start, ctx.rng.uniform(low, high)))
    return track


def household_tracks(ctx: Context) -> dict[str, Track]:
    """sun.sun, zone.home (people at home) and one person entity per occupant."""
    env, schedule = ctx.env, ctx.schedule
    sunrise, sunset = env.sunrise_sunset()
    out = {
        "sun.sun": pairs(
            Track("below_horizon"),
            sunrise,
            sunset,
            ("above_horizon", "below_horizon"),
            (DEVICE, DEVICE),
        )
    }
    count = len(schedule.occupants)
    changes = np.concatenate(
        [o.away.starts for o in schedule.occupants] + [o.away.ends for o in schedule.occupants]
    )
    steps = np.concatenate(
        [-np.ones(len(o.away)) for o in schedule.occupants]
        + [np.ones(len(o.away)) for o in schedule.occupants]
    )
    order = np.argsort(changes, kind="stable")
    home = count + np.cumsum(steps[order])
    zone = Track(str(count))
    for value in np.unique(home).tolist():
        zone.add(changes[order][home == value], str(int(value)), DEVICE)
    out["zone.home"] = zone
    for occ in schedule.occupants:
        out[occ.person] = pairs(
            Track("home"), occ.away.starts, occ.away.ends, ("not_home", "home"), (DEVICE, DEVICE)
        )
    return out
