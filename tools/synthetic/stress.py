"""Stress options: homes unlike the ones the models were designed and tuned on.

Every option is off by default, and a home generated without options is exactly the home
generated before they existed. With an option on, the generator draws what the option needs
from a stream of its own (:func:`stress_rng`), so the rest of the home stays as it was where
it can:

* ``night_bursts`` — planted abnormal activity at other hours (evening 21–23 h, early
  morning 4–6 h, or the usual 1–4 h) and of other sizes (2–3 events a night, or 20–30):
  one of :data:`BURST_VARIANTS`, or ``"mixed"`` (one drawn per episode); planted more often
  so that a small corpus holds enough episodes;
* ``battery_step`` — battery sensors that report in steps (10: 100, 90, 80 … %), as many
  Zigbee devices do;
* ``language`` — area, device and entity names in German, French, Spanish or Dutch, with
  entity and area ids slugified from them as Home Assistant does (``"mixed"``: one of the
  four per home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from .environment import DAY, HOUR

LANGUAGES: Final = ("de", "fr", "es", "nl")
STRESS_STREAM: Final = 0x5EED_57E5  # mixed into the seed for the stress options' own draws
# (first local hour, hours long) of a night burst, and (fewest, most) events a night.
BURST_HOURS: Final[dict[str, tuple[int, int]]] = {
    "usual_01_04": (1, 3),
    "evening_21_23": (21, 2),
    "early_04_06": (4, 2),
}
BURST_SIZES: Final[dict[str, tuple[int, int]]] = {"small_2_3": (2, 3), "large_20_30": (20, 30)}
# The usual hours with the usual size (about 7 a night) is what the detectors were tuned on.
BURST_VARIANTS: Final = tuple(f"{hours}_{size}" for hours in BURST_HOURS for size in BURST_SIZES)
BURST_ACTIVITY_WEIGHT: Final = 0.8  # weight of abnormal activity among the planted failures


@dataclass(frozen=True, slots=True)
class Stress:
    """Which stress options a generated home has (see the module docstring)."""

    night_bursts: str | None = None
    battery_step: int | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        """Check the options."""
        if self.battery_step is not None and not 1 <= self.battery_step <= 50:
            raise ValueError("battery_step must be between 1 and 50 percent")
        if self.night_bursts is not None and self.night_bursts not in (*BURST_VARIANTS, "mixed"):
            raise ValueError(f"night_bursts must be one of {(*BURST_VARIANTS, 'mixed')}")
        if self.language is not None and self.language not in (*LANGUAGES, "mixed"):
            raise ValueError(f"language must be one of {(*LANGUAGES, 'mixed')}")

    @property
    def active(self) -> bool:
        """Whether any option is on."""
        options = (self.night_bursts, self.battery_step, self.language)
        return any(option is not None for option in options)


def stress_rng(seed: int) -> np.random.Generator:
    """The stream the stress options draw from (the home's own streams stay untouched)."""
    return np.random.default_rng([seed, STRESS_STREAM])


def burst_params(rng: np.random.Generator, variant: str) -> dict[str, float]:
    """Hours and size of one night-burst episode of ``variant`` (``"mixed"``: drawn)."""
    if variant == "mixed":
        variant = BURST_VARIANTS[int(rng.integers(len(BURST_VARIANTS)))]
    hours_key = next(h for h in BURST_HOURS if variant.startswith(h))
    first, length = BURST_HOURS[hours_key]
    fewest, most = BURST_SIZES[variant.removeprefix(f"{hours_key}_")]
    return {
        "variant": float(BURST_VARIANTS.index(variant)),
        "first_hour": float(first),
        "hours": float(length),
        "fewest": float(fewest),
        "most": float(most),
    }


def burst_times(midnight: float, nights: int, params: dict[str, float]) -> tuple[float, float]:
    """(start, end) of an episode of ``nights`` bursts from the local ``midnight``."""
    start = midnight + params["first_hour"] * HOUR
    return start, start + (nights - 1) * DAY + params["hours"] * HOUR


def step_levels(values: np.ndarray, step: int) -> np.ndarray:
    """Battery levels as a device reporting in ``step`` % steps reads them."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) / step) * step, 0.0, 100.0)
