"""Numeric sensor readings: temperature, humidity, light, power, energy, pressure, battery.

Each function returns report times and values; the values follow the home's weather and what
its people do (showers raise humidity, cooking warms the kitchen, appliances draw power,
illuminance follows the sun) with sensor noise on top.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .environment import DAY, Environment
from .routine import MINUTE
from .spans import FloatArray, Spans

# Indoor temperature: base (°C), coupling to the outdoor temperature.
ROOM_TEMPERATURE: Final[dict[str, tuple[float, float]]] = {
    "living_room": (21.0, 0.12),
    "kitchen": (21.0, 0.12),
    "dining_room": (20.5, 0.12),
    "bedroom": (19.5, 0.14),
    "bathroom": (22.0, 0.10),
    "hallway": (19.5, 0.18),
    "stairs": (19.5, 0.18),
    "family_room": (20.5, 0.12),
    "office": (21.0, 0.12),
    "laundry": (19.0, 0.2),
    "basement": (16.5, 0.06),
    "attic": (18.5, 0.3),
    "garage": (10.0, 0.55),
    "shed": (8.0, 0.8),
    "storage": (14.0, 0.35),
}
# Peak indoor illuminance (lx) under a clear noon sky, by room role.
ROOM_DAYLIGHT: Final[dict[str, tuple[float, float]]] = {
    "living_room": (600.0, 1500.0),
    "kitchen": (400.0, 900.0),
    "dining_room": (400.0, 1000.0),
    "bedroom": (300.0, 800.0),
    "bathroom": (50.0, 400.0),
    "hallway": (50.0, 200.0),
    "stairs": (50.0, 250.0),
    "family_room": (500.0, 1300.0),
    "office": (500.0, 1200.0),
    "laundry": (50.0, 300.0),
    "basement": (5.0, 60.0),
    "attic": (100.0, 500.0),
    "garage": (50.0, 400.0),
    "storage": (2.0, 40.0),
    "parking": (20.0, 300.0),
}
OUTDOOR_DAYLIGHT: Final = (20_000.0, 60_000.0)


def report_times(
    rng: np.random.Generator, start: float, end: float, interval: float, jitter: float = 0.25
) -> FloatArray:
    """Times a sensor reports at: every ``interval`` seconds, give or take ``jitter``."""
    count = int((end - start) / interval * (1 + jitter)) + 2
    steps = interval * rng.uniform(1 - jitter, 1 + jitter, count)
    times = start + rng.uniform(0, interval) + np.cumsum(steps)
    return np.asarray(times[times < end], dtype=np.float64)


def times_within(
    rng: np.random.Generator, spans: Spans, interval: float, jitter: float = 0.25
) -> FloatArray:
    """Report times inside merged ``spans`` only (every ``interval`` seconds)."""
    if not len(spans):
        return np.empty(0)
    times = report_times(rng, float(spans.starts[0]), float(spans.ends[-1]), interval, jitter)
    return times[spans.contains(times)]


def response(times: FloatArray, spans: Spans, rise_s: float, decay_s: float) -> FloatArray:
    """0..1 response to the most recent span: rises while it lasts, decays after it."""
    if not len(spans):
        return np.zeros(times.shape[0])
    merged = spans.merged()
    index = np.searchsorted(merged.starts, times, side="right") - 1
    valid = index >= 0
    index = np.maximum(index, 0)
    start, end = merged.starts[index], merged.ends[index]
    peak = 1.0 - np.exp(-(end - start) / rise_s)
    during = 1.0 - np.exp(-np.maximum(times - start, 0.0) / rise_s)
    after = peak * np.exp(-np.maximum(times - end, 0.0) / decay_s)
    return np.asarray(np.where(valid, np.where(times < end, during, after), 0.0), dtype=np.float64)


def day_anomaly(
    rng: np.random.Generator, env: Environment, times: FloatArray, std: float
) -> FloatArray:
    """A slowly varying offset, one value per local day, interpolated."""
    knots = env.first_midnight + DAY * np.arange(env.n_days + 2, dtype=float)
    return np.interp(times, knots, rng.normal(0.0, std, knots.shape[0]))


def indoor_temperature(
    rng: np.random.Generator,
    env: Environment,
    times: FloatArray,
    role: str,
    warmers: Spans,
) -> FloatArray:
    """Room temperature: heated base, outdoor coupling, daily swing, cooking/shower warmth."""
    base, coupling = ROOM_TEMPERATURE.get(role, (20.0, 0.15))
    base += rng.normal(0.0, 0.6)
    outdoor = env.outdoor_temperature(times)
    daily = rng.uniform(0.3, 0.9) * np.cos(2 * np.pi * (env.local_hour(times) - 17.0) / 24.0)
    warmth = rng.uniform(0.8, 1.8) * response(times, warmers, 20 * MINUTE, 45 * MINUTE)
    noise = rng.normal(0.0, 0.08, times.shape[0])
    value = base + coupling * (outdoor - 15.0) + daily + warmth + noise
    return np.asarray(value + day_anomaly(rng, env, times, 0.5), dtype=np.float64)


def humidity(
    rng: np.random.Generator,
    env: Environment,
    times: FloatArray,
    showers: Spans,
    cooking: Spans,
) -> FloatArray:
    """Relative humidity: a base level, shower peaks near saturation, cooking bumps."""
    base = rng.uniform(38.0, 52.0) + day_anomaly(rng, env, times, 1.5)
    peak = rng.uniform(88.0, 96.0)
    shower = (peak - base) * response(times, showers, 4 * MINUTE, rng.uniform(12, 25) * MINUTE)
    cook = rng.uniform(4.0, 8.0) * response(times, cooking, 10 * MINUTE, 20 * MINUTE)
    value = base + shower + cook + rng.normal(0.0, 0.4, times.shape[0])
    return np.asarray(np.clip(value, 15.0, 99.0), dtype=np.float64)


def illuminance(
    rng: np.random.Generator, env: Environment, times: FloatArray, role: str
) -> FloatArray:
    """Illuminance that follows the sun and the clouds, scaled by the room's windows.

    Roles without an indoor daylight range are outside (porch, garden …).
    """
    low, high = ROOM_DAYLIGHT.get(role, OUTDOOR_DAYLIGHT)
    peak = rng.uniform(low, high)
    noise = rng.normal(1.0, 0.03, times.shape[0])
    return np.asarray(np.maximum(peak * env.daylight(times) * noise, 0.0), dtype=np.float64)


def appliance_power(
    rng: np.random.Generator,
    times: FloatArray,
    runs: Spans,
    phases: tuple[tuple[float, float, float], ...],
) -> FloatArray:
    """Power of an appliance: phase levels while it runs, standby otherwise.

    ``phases`` holds ``(end fraction of the cycle, low W, high W)``.
    """
    power = rng.uniform(0.0, 1.5, times.shape[0])
    if not len(runs):
        return np.asarray(power, dtype=np.float64)
    index = np.maximum(np.searchsorted(runs.starts, times, side="right") - 1, 0)
    start, end = runs.starts[index], runs.ends[index]
    running = (times >= start) & (times < end)
    fraction = np.clip((times - start) / (end - start), 0.0, 1.0)
    bounds = np.array([phase[0] for phase in phases])
    phase = np.minimum(np.searchsorted(bounds, fraction, side="right"), len(phases) - 1)
    low = np.array([p[1] for p in phases])[phase]
    high = np.array([p[2] for p in phases])[phase]
    level = np.maximum(low + (high - low) * rng.random(times.shape[0]), 8.0)
    return np.asarray(np.where(running, level, power), dtype=np.float64)


APPLIANCE_PHASES: Final[dict[str, tuple[tuple[float, float, float], ...]]] = {
    "dishwasher": (
        (0.08, 40, 80),
        (0.3, 1900, 2100),
        (0.6, 60, 120),
        (0.75, 1900, 2100),
        (1.0, 10, 30),
    ),
    "washing_machine": (
        (0.1, 15, 30),
        (0.3, 1900, 2200),
        (0.8, 150, 400),
        (0.95, 350, 600),
        (1.0, 12, 25),
    ),
    "dryer": ((0.9, 2000, 2600), (1.0, 100, 300)),
    "pool_pump": ((1.0, 700, 900),),
    "well_pump": ((1.0, 900, 1200),),
}


def appliance_times(rng: np.random.Generator, start: float, end: float, runs: Spans) -> FloatArray:
    """Report times of a metered plug: every ~30 s while running, every ~15 min idle."""
    busy = times_within(rng, runs, 30.0)
    idle = report_times(rng, start, end, 15 * MINUTE)
    edges = np.concatenate([runs.starts, runs.ends])
    times = np.concatenate([busy, idle, edges[(edges >= start) & (edges < end)]])
    return np.sort(times)


def home_power(
    rng: np.random.Generator, env: Environment, times: FloatArray, loads: list[tuple[Spans, float]]
) -> FloatArray:
    """Whole-home power: base load, fridge cycling and the given ``(spans, watts)`` loads."""
    base = rng.uniform(120.0, 350.0) + day_anomaly(rng, env, times, 30.0)
    fridge = 60.0 * (np.sin(2 * np.pi * times / (rng.uniform(35, 50) * MINUTE)) > 0.3)
    value = base + fridge + rng.normal(0.0, 15.0, times.shape[0])
    for spans, watts in loads:
        value = value + watts * spans.merged().contains(times)
    return np.asarray(np.maximum(value, 40.0), dtype=np.float64)


def cumulative_energy(
    rng: np.random.Generator, times: FloatArray, power_w: FloatArray
) -> FloatArray:
    """A total-increasing energy meter (kWh) integrating ``power_w``."""
    steps = np.diff(times, prepend=times[0]) * power_w / 3_600_000.0
    return np.asarray(rng.uniform(1_000.0, 30_000.0) + np.cumsum(steps), dtype=np.float64)


def battery_level(
    rng: np.random.Generator, times: FloatArray, start: float, drain_per_day: float
) -> FloatArray:
    """A healthy battery slowly draining from a random level."""
    level0 = rng.uniform(35.0, 100.0)
    level = level0 - drain_per_day * (times - start) / DAY + rng.normal(0.0, 0.15, times.shape[0])
    return np.asarray(np.clip(level, 1.0, 100.0), dtype=np.float64)


def stove_temperature(
    rng: np.random.Generator, env: Environment, times: FloatArray, fires: Spans
) -> FloatArray:
    """Wood stove surface temperature: room temperature plus the fire's heat."""
    room = indoor_temperature(rng, env, times, "living_room", Spans.empty())
    heat = rng.uniform(160.0, 260.0) * response(times, fires, 30 * MINUTE, 90 * MINUTE)
    return np.asarray(room + heat + rng.normal(0.0, 1.5, times.shape[0]), dtype=np.float64)


def well_pressure(rng: np.random.Generator, times: FloatArray, water_use: Spans) -> FloatArray:
    """Well pressure (bar): drops while water is drawn, recovers after."""
    drop = rng.uniform(0.7, 1.1) * response(times, water_use, 3 * MINUTE, 4 * MINUTE)
    return np.asarray(
        rng.uniform(3.6, 4.0) - drop + rng.normal(0, 0.03, times.shape[0]), dtype=np.float64
    )


def soil_moisture(rng: np.random.Generator, times: FloatArray, watering: Spans) -> FloatArray:
    """Soil moisture (%): jumps when watered, dries out over days."""
    dry = rng.uniform(15.0, 25.0)
    wet = rng.uniform(12.0, 22.0) * response(times, watering, 10 * MINUTE, 2.5 * DAY)
    return np.asarray(dry + wet + rng.normal(0.0, 0.2, times.shape[0]), dtype=np.float64)


def water_temperature(rng: np.random.Generator, env: Environment, times: FloatArray) -> FloatArray:
    """Pool water temperature: the outdoor temperature smoothed over a day, plus sun gain."""
    day_mean = np.convolve(env.outdoor_c, np.ones(24) / 24.0, mode="same")
    value = (
        np.interp(times, env.hours, day_mean) + rng.uniform(1.0, 3.0) + 0.5 * env.daylight(times)
    )
    return np.asarray(value + rng.normal(0, 0.05, times.shape[0]), dtype=np.float64)
