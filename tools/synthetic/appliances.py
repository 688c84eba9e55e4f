"""Appliances and utilities: plugs, metered appliances, pumps, stove, intercom, energy meter."""

from __future__ import annotations

from typing import Final

import numpy as np

from .context import AUTOMATION, DEVICE, USER, Context, DeviceView, pairs
from .environment import DAY, HOUR
from .routine import MINUTE
from .signals import (
    APPLIANCE_PHASES,
    appliance_power,
    appliance_times,
    cumulative_energy,
    home_power,
    report_times,
    soil_moisture,
    stove_temperature,
    water_temperature,
    well_pressure,
)
from .spans import Spans, sample_within
from .track import Track

PLUG_LOADS: Final[dict[str, tuple[float, float]]] = {
    "office": (80.0, 160.0),
    "living_room": (40.0, 120.0),
    "bedroom": (5.0, 15.0),
}


def plug(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """A smart plug powering a computer, a TV box, a charger or a heater."""
    schedule = ctx.schedule
    if view.role == "office":
        spans = schedule.desk_time.merged(5 * MINUTE)
    elif view.role == "living_room":
        spans = schedule.evenings
    elif view.role == "bedroom":
        spans = Spans.empty()
        for occ in schedule.occupants:
            if occ.bedroom == view.area_id:
                spans = spans | occ.asleep
        spans = spans.merged(5 * MINUTE)
    else:
        spans = schedule.room_presence(view.area_id, 10 * MINUTE)
    on = spans.starts + ctx.seconds(0, 60, len(spans))
    off = spans.ends + ctx.seconds(0, 120, len(spans))
    out: dict[str, Track] = {}
    if entity := view.main:
        out[entity] = pairs(Track("off"), on, off, ("on", "off"), (USER, USER))
    if entity := view.parts.get("power"):
        low, high = PLUG_LOADS.get(view.role, (20.0, 900.0))
        runs = Spans.of(on, off)
        times = appliance_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, runs)
        phases = ((1.0, low, high),)
        track = Track(decimals=1)
        track.set_numeric(times, appliance_power(ctx.rng, times, runs, phases))
        out[entity] = track
    return out


def appliance(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """A metered appliance: plug switched on by hand, power following its program."""
    runs = ctx.schedule.chores.get(view.kind, Spans.empty())
    out: dict[str, Track] = {}
    if entity := view.main:
        on = runs.starts - ctx.seconds(5, 60, len(runs))
        off = runs.ends + ctx.seconds(5 * MINUTE, 120 * MINUTE, len(runs))
        switch_off = ctx.rng.random(len(runs)) < 0.5
        track = Track("off")
        track.add(on, "on", USER)
        track.add(off[switch_off], "off", USER)
        out[entity] = track
    if entity := view.parts.get("power"):
        times = appliance_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, runs)
        track = Track(decimals=1)
        track.set_numeric(times, appliance_power(ctx.rng, times, runs, APPLIANCE_PHASES[view.kind]))
        out[entity] = track
    return out


def scheduled_switch(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Irrigation and pool pump on time automations; pool power and water temperature."""
    runs = ctx.schedule.chores["irrigation" if view.kind == "irrigation" else "pool"]
    out: dict[str, Track] = {}
    if entity := view.main:
        name = "Garden irrigation schedule" if view.kind == "irrigation" else "Pool pump schedule"
        ctx.add_automation(name, (), (entity,), ("switch.turn_on", "switch.turn_off"))
        out[entity] = pairs(
            Track("off"), runs.starts, runs.ends, ("on", "off"), (AUTOMATION, AUTOMATION)
        )
    if entity := view.parts.get("power"):
        times = appliance_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, runs)
        track = Track(decimals=1)
        track.set_numeric(
            times, appliance_power(ctx.rng, times, runs, APPLIANCE_PHASES["pool_pump"])
        )
        out[entity] = track
    if entity := view.parts.get("water_temperature"):
        times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, 900.0)
        track = Track(decimals=1)
        track.set_numeric(times, water_temperature(ctx.rng, ctx.env, times))
        out[entity] = track
    return out


def soil_sensor(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Soil moisture rising with each watering."""
    out: dict[str, Track] = {}
    if entity := view.parts.get("moisture"):
        times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, 1800.0)
        track = Track(decimals=1)
        track.set_numeric(times, soil_moisture(ctx.rng, times, ctx.schedule.chores["irrigation"]))
        out[entity] = track
    return out


def wood_stove(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Stove temperature with evening fires; its fan switched on by hand once it is hot."""
    fires = ctx.schedule.chores["fire"]
    out: dict[str, Track] = {}
    if entity := view.parts.get("stove_temperature"):
        times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, 300.0)
        track = Track(decimals=0)
        track.set_numeric(times, stove_temperature(ctx.rng, ctx.env, times, fires))
        out[entity] = track
    if entity := view.main:
        n = len(fires)
        on = fires.starts + ctx.seconds(15 * MINUTE, 60 * MINUTE, n)
        off = fires.ends + ctx.seconds(30 * MINUTE, 90 * MINUTE, n)
        out[entity] = pairs(Track("off"), on, off, ("on", "off"), (USER, USER))
    return out


def well_pump(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """A well pump: powered except on vacation, running and dropping pressure with water use."""
    schedule = ctx.schedule
    use = schedule.cooking | schedule.chores["dishwasher"] | schedule.chores["washing_machine"]
    for showers in schedule.showers.values():
        for spans in showers:
            use = use | spans
    use = (use | schedule.chores["irrigation"]).merged()
    runs = Spans.of(
        use.starts + 20.0, np.minimum(use.ends, use.starts + ctx.seconds(60, 240, len(use)))
    )
    out: dict[str, Track] = {}
    if entity := view.main:
        vac = schedule.vacations
        out[entity] = pairs(Track("on"), vac.starts, vac.ends, ("off", "on"), (USER, USER))
    if entity := view.parts.get("power"):
        times = appliance_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, runs)
        track = Track(decimals=0)
        track.set_numeric(
            times, appliance_power(ctx.rng, times, runs, APPLIANCE_PHASES["well_pump"])
        )
        out[entity] = track
    if entity := view.parts.get("pressure"):
        times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, 300.0)
        track = Track(decimals=2)
        track.set_numeric(times, well_pressure(ctx.rng, times, use))
        out[entity] = track
    return out


def intercom(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Visitors ring the building intercom; residents open the shared entrance with a fob."""
    schedule = ctx.schedule
    days = (ctx.end - ctx.begin) / DAY
    rings = sample_within(ctx.rng, schedule.anyone_awake_home, int(ctx.rng.poisson(0.5 * days)))
    out: dict[str, Track] = {}
    if entity := view.main:
        out[entity] = pairs(
            Track("off"),
            rings,
            rings + ctx.seconds(10, 30, rings.size),
            ("on", "off"),
            (DEVICE, DEVICE),
        )
    if entity := view.parts.get("entrance"):
        opens = schedule.returns - ctx.seconds(30, 120, schedule.returns.size)
        out[entity] = pairs(
            Track("locked"),
            opens,
            opens + ctx.seconds(5, 10, opens.size),
            ("unlocked", "locked"),
            (USER, DEVICE),
        )
    return out


def energy_meter(ctx: Context, view: DeviceView) -> dict[str, Track]:
    """Whole-home power every five minutes and the energy it adds up to."""
    schedule = ctx.schedule
    times = report_times(ctx.rng, ctx.start - 6 * HOUR, ctx.end, 300.0, 0.05)
    loads = [
        (schedule.chores["dinner"].intersect(schedule.anyone_home), ctx.rng.uniform(1500, 2500)),
        (schedule.evenings, 150.0),
        (schedule.chores["dishwasher"], 1200.0),
        (schedule.chores["washing_machine"], 700.0),
        (schedule.chores["dryer"], 2200.0),
        (schedule.chores["pool"], 800.0 if ctx.layout.rooms_of("pool") else 0.0),
    ]
    power = home_power(ctx.rng, ctx.env, times, loads)
    out: dict[str, Track] = {}
    if entity := view.parts.get("power"):
        track = Track(decimals=0)
        track.set_numeric(times, power)
        out[entity] = track
    if entity := view.parts.get("energy"):
        track = Track(decimals=2)
        track.set_numeric(times, cumulative_energy(ctx.rng, times, power))
        out[entity] = track
    return out
