"""Seeded synthetic homes with known ground truth.

``generate_home(seed)`` builds a :class:`~..home.Home` (areas, floors, devices, entities,
automations, state histories and external series) together with the truth a model has to
find: the home type, the planted cause → effect synergies and the planted device failures.
Everything is drawn from ``numpy.random.default_rng(seed)``; the same arguments give the
same home, array for array.
"""

from custom_components.homeiq.core.home_type import HOME_TYPES

from .failures import RECENT_FAILURE_KINDS
from .generator import (
    DEFAULT_START_TS,
    count_events,
    generate_corpus,
    generate_home,
    measure_generator_rate,
)
from .model import (
    FAILURE_KINDS,
    ROUTINES,
    SYNERGY_KINDS,
    GroundTruth,
    PlantedFailure,
    PlantedSynergy,
    SyntheticHome,
)
from .stress import Stress

__all__ = [
    "DEFAULT_START_TS",
    "FAILURE_KINDS",
    "HOME_TYPES",
    "RECENT_FAILURE_KINDS",
    "ROUTINES",
    "SYNERGY_KINDS",
    "GroundTruth",
    "PlantedFailure",
    "PlantedSynergy",
    "Stress",
    "SyntheticHome",
    "count_events",
    "generate_corpus",
    "generate_home",
    "measure_generator_rate",
]
