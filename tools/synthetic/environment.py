"""Where a synthetic home is: climate, sun, weather, grid carbon intensity and tariff."""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Final

import numpy as np

from custom_components.homeiq.core.home import StateHistory

from .spans import FloatArray
from .track import IntArray, Track

DAY: Final = 86_400.0
HOUR: Final = 3_600.0
J2000: Final = 946_728_000.0  # 2000-01-01 12:00 UTC


@dataclass(frozen=True, slots=True)
class ClimateZone:
    """Latitude band and temperature climate of a zone (northern hemisphere)."""

    latitude: tuple[float, float]
    annual_mean_c: float
    annual_amplitude_c: float
    diurnal_amplitude_c: float


CLIMATE_ZONES: Final[dict[str, ClimateZone]] = {
    "cold": ClimateZone((55.0, 64.0), 4.0, 12.0, 4.0),
    "temperate": ClimateZone((45.0, 55.0), 10.0, 9.0, 5.0),
    "warm": ClimateZone((35.0, 45.0), 16.0, 8.0, 6.0),
    "hot": ClimateZone((22.0, 34.0), 24.0, 6.0, 7.0),
}

# gCO2/kWh baseline and the share of solar in the mix (deepens the midday dip).
GRID_REGIONS: Final[dict[str, tuple[float, float]]] = {
    "hydro_north": (35.0, 0.05),
    "nuclear_west": (70.0, 0.10),
    "wind_coast": (180.0, 0.15),
    "solar_south": (300.0, 0.45),
    "gas_central": (380.0, 0.15),
    "coal_east": (650.0, 0.05),
}

UTC_OFFSETS: Final = (-8.0, -6.0, -5.0, 0.0, 1.0, 2.0, 9.0, 10.0)


@dataclass(frozen=True, slots=True)
class Location:
    """The home's place on the map, as far as the generator needs it."""

    climate_zone: str
    grid_region: str
    latitude_deg: float
    utc_offset_h: float
    solar_noon_h: float  # local clock time of solar noon
    dynamic_tariff: bool


def draw_location(rng: np.random.Generator, zone_weights: dict[str, float]) -> Location:
    """A random location; ``zone_weights`` skews the climate zone."""
    zones = list(zone_weights)
    weights = np.array([zone_weights[z] for z in zones])
    zone = zones[int(rng.choice(len(zones), p=weights / weights.sum()))]
    low, high = CLIMATE_ZONES[zone].latitude
    regions = list(GRID_REGIONS)
    return Location(
        climate_zone=zone,
        grid_region=regions[int(rng.integers(len(regions)))],
        latitude_deg=float(rng.uniform(low, high)),
        utc_offset_h=float(UTC_OFFSETS[int(rng.integers(len(UTC_OFFSETS)))]),
        solar_noon_h=float(rng.uniform(11.6, 13.4)),
        dynamic_tariff=bool(rng.random() < 0.3),
    )


class Environment:
    """Sun, outdoor temperature and cloudiness over the generated span, hourly underneath."""

    def __init__(
        self, rng: np.random.Generator, location: Location, start: float, end: float
    ) -> None:
        """Draw the weather of ``[start, end)`` (plus margins) for ``location``."""
        self.location = location
        self.offset_s = location.utc_offset_h * HOUR
        self.first_midnight = math.floor((start + self.offset_s) / DAY) * DAY - self.offset_s
        self.n_days = math.ceil((end - self.first_midnight) / DAY) + 1
        self.hours = self.first_midnight + HOUR * np.arange(self.n_days * 24 + 1, dtype=float)
        self.clouds = rng.beta(1.6, 1.6, self.n_days + 1)
        self.outdoor_c = self._outdoor_temperature(rng)

    def local_hour(self, times: FloatArray) -> FloatArray:
        """Local clock hour (0–24) of each time."""
        return np.asarray(((times + self.offset_s) % DAY) / HOUR, dtype=np.float64)

    def day_index(self, times: FloatArray) -> IntArray:
        """Index of the local day of each time (0 is the day containing the start)."""
        return np.floor((times - self.first_midnight) / DAY).astype(np.int64)

    def weekday(self, day: IntArray) -> IntArray:
        """Weekday (Monday 0) of local day indices."""
        epoch_day = np.floor((self.first_midnight + self.offset_s) / DAY + 0.5).astype(np.int64)
        return np.asarray((epoch_day + day + 3) % 7, dtype=np.int64)

    def midnight(self, day: IntArray) -> FloatArray:
        """UTC time of the local midnight starting each day."""
        return self.first_midnight + DAY * day.astype(np.float64)

    def sun_elevation(self, times: FloatArray) -> FloatArray:
        """Sun elevation above the horizon in degrees."""
        declination = _declination(times)
        hour_angle = np.radians(15.0 * (self.local_hour(times) - self.location.solar_noon_h))
        lat = math.radians(self.location.latitude_deg)
        sin_el = math.sin(lat) * np.sin(declination) + math.cos(lat) * np.cos(declination) * np.cos(
            hour_angle
        )
        return np.asarray(np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0))), dtype=np.float64)

    def sunrise_sunset(self) -> tuple[FloatArray, FloatArray]:
        """UTC sunrise and sunset of every local day (no polar days at our latitudes)."""
        days = np.arange(self.n_days, dtype=np.int64)
        noon = self.midnight(days) + self.location.solar_noon_h * HOUR
        declination = _declination(noon)
        lat = math.radians(self.location.latitude_deg)
        cos_h0 = (math.sin(math.radians(-0.833)) - math.sin(lat) * np.sin(declination)) / (
            math.cos(lat) * np.cos(declination)
        )
        half_day = np.degrees(np.arccos(np.clip(cos_h0, -0.99, 0.99))) / 15.0 * HOUR
        return noon - half_day, noon + half_day

    def outdoor_temperature(self, times: FloatArray) -> FloatArray:
        """Outdoor temperature (°C) at each time."""
        return np.interp(times, self.hours, self.outdoor_c)

    def daylight(self, times: FloatArray) -> FloatArray:
        """Relative daylight (0 at night, about 1 under a clear noon sky)."""
        elevation = np.maximum(np.sin(np.radians(self.sun_elevation(times))), 0.0)
        day = np.clip(self.day_index(times), 0, self.n_days)
        return np.asarray(elevation**1.2 * (1.0 - 0.8 * self.clouds[day]), dtype=np.float64)

    def _outdoor_temperature(self, rng: np.random.Generator) -> FloatArray:
        zone = CLIMATE_ZONES[self.location.climate_zone]
        day_of_year = ((self.hours - J2000) / DAY) % 365.2422
        seasonal = zone.annual_mean_c - zone.annual_amplitude_c * np.cos(
            2 * np.pi * (day_of_year - 18.0) / 365.2422
        )
        diurnal = zone.diurnal_amplitude_c * np.cos(
            2 * np.pi * (self.local_hour(self.hours) - 15.0) / 24.0
        )
        weather = _smooth_noise(rng, self.hours.shape[0], tau=36.0, std=3.0)
        return np.asarray(seasonal + diurnal + weather, dtype=np.float64)


def _declination(times: FloatArray) -> FloatArray:
    day_of_year = ((times - J2000) / DAY) % 365.2422
    angle = np.radians(-23.44) * np.cos(2 * np.pi * (day_of_year + 10.0) / 365.2422)
    return np.asarray(angle, dtype=np.float64)


def _smooth_noise(rng: np.random.Generator, n: int, tau: float, std: float) -> FloatArray:
    """Exponentially smoothed white noise with roughly the given standard deviation."""
    kernel = np.exp(-np.arange(int(4 * tau)) / tau)
    white = rng.normal(0.0, 1.0, n + kernel.shape[0])
    smooth = np.convolve(white, kernel, mode="valid")[:n]
    return np.asarray(smooth * std / math.sqrt(float(np.sum(kernel**2))), dtype=np.float64)


def external_series(
    rng: np.random.Generator, env: Environment, start: float, end: float
) -> dict[str, StateHistory]:
    """Hourly outdoor temperature, grid carbon intensity and electricity price."""
    hours = start + HOUR * np.arange(math.ceil((end - start) / HOUR), dtype=float)
    base, solar_share = GRID_REGIONS[env.location.grid_region]
    local = env.local_hour(hours)
    evening_peak = 0.12 * np.exp(-(((local - 19.0) / 2.5) ** 2))
    carbon = base * (
        1.0
        + evening_peak
        - solar_share * env.daylight(hours)
        + _smooth_noise(rng, hours.shape[0], tau=24.0, std=0.12)
    )
    carbon = np.maximum(carbon + rng.normal(0.0, 0.02 * base, hours.shape[0]), 5.0)
    price = _price(rng, env, hours, carbon / base)
    series = {
        "outdoor_temperature": (env.outdoor_temperature(hours), 1),
        "carbon_intensity": (carbon, 0),
        "electricity_price": (price, 3),
    }
    out: dict[str, StateHistory] = {}
    for name, (values, decimals) in series.items():
        track = Track(decimals=decimals)
        track.set_numeric(hours, values)
        out[name] = track.pack(start, end, dedupe=False)
    return out


def _price(
    rng: np.random.Generator, env: Environment, hours: FloatArray, carbon_ratio: FloatArray
) -> FloatArray:
    off_peak, mid, peak = np.sort(rng.uniform(0.08, 0.45, 3))
    if env.location.dynamic_tariff:
        noise = rng.normal(0.0, 0.02, hours.shape[0])
        return np.asarray(mid * carbon_ratio + noise, dtype=np.float64)
    local = env.local_hour(hours)
    weekday = env.weekday(env.day_index(hours))
    price = np.where((local >= 7.0) & (local < 22.0), mid, off_peak)
    is_peak = (local >= 17.0) & (local < 21.0) & (weekday < 5)
    return np.asarray(np.where(is_peak, peak, price), dtype=np.float64)
