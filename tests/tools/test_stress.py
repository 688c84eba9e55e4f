"""Tests for the synthetic generator's stress options (off by default)."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.homeiq.core.time import local_hour_of_day
from tools.synthetic import Stress, generate_corpus, generate_home
from tools.synthetic.names import slugify, translate_words
from tools.synthetic.stress import BURST_HOURS


def _same_home(a: object, b: object) -> None:
    home_a, home_b = a.home, b.home  # type: ignore[attr-defined]
    assert home_a.entities == home_b.entities
    assert home_a.areas == home_b.areas
    assert list(home_a.histories) == list(home_b.histories)
    for entity_id, history in home_a.histories.items():
        other = home_b.histories[entity_id]
        assert np.array_equal(history.timestamps, other.timestamps)
        assert np.array_equal(history.codes, other.codes)
        assert history.vocabulary == other.vocabulary
    assert a.truth == b.truth  # type: ignore[attr-defined]


def test_no_stress_is_the_default_home() -> None:
    """An all-off Stress gives the home generated without one, row for row."""
    _same_home(generate_home(5, days=8), generate_home(5, days=8, stress=Stress()))


def test_battery_steps() -> None:
    """Batteries report in 10 % steps; every other entity is unchanged."""
    plain = generate_home(17, days=10)
    stepped = generate_home(17, days=10, stress=Stress(battery_step=10))
    batteries = [e for e, v in plain.home.entities.items() if v.device_class == "battery"]
    assert batteries
    for entity_id in batteries:
        values = stepped.home.histories[entity_id].values
        finite = values[np.isfinite(values)]
        assert finite.size
        assert set(np.mod(finite, 10.0).tolist()) == {0.0}
    for entity_id, history in plain.home.histories.items():
        if entity_id not in batteries:
            assert np.array_equal(history.codes, stepped.home.histories[entity_id].codes)


def test_slugify_as_home_assistant() -> None:
    """Ids are slugified from the names as Home Assistant's slugify does."""
    assert slugify("Küche 2") == "kuche_2"
    assert slugify("Salle à manger") == "salle_a_manger"
    assert slugify("Straße") == "strasse"
    assert slugify("!!") == "unknown"
    assert translate_words("living_room_motion", "de") == "Wohnzimmer Bewegung"
    assert translate_words("front door lock", "nl") == "Voordeur Slot"


@pytest.mark.parametrize("language", ["de", "fr", "es", "nl"])
def test_non_english_names(language: str) -> None:
    """Names and ids change language; histories, classes and the truth follow the ids."""
    plain = generate_home(23, days=6)
    renamed = generate_home(23, days=6, stress=Stress(language=language))
    home = renamed.home
    assert len(home.entities) == len(plain.home.entities)
    assert set(home.histories) <= set(home.entities)
    assert "sun.sun" in home.entities
    english = {"living_room", "kitchen", "bathroom", "bedroom", "hallway"}
    assert not english & set(home.areas)
    for entity_id, entity in home.entities.items():
        assert entity.entity_id == entity_id
        assert entity_id == entity_id.encode("ascii").decode().lower()
        assert entity.area_id is None or entity.area_id in home.areas
    classes = sorted(str(e.device_class) for e in plain.home.entities.values())
    assert sorted(str(e.device_class) for e in home.entities.values()) == classes
    for failure in renamed.truth.failures:
        assert set(failure.entity_ids) <= set(home.entities)
    for synergy in renamed.truth.synergies:
        assert synergy.cause_entity in home.entities
        assert synergy.effect_entity in home.entities
    rows = sorted(len(h) for h in plain.home.histories.values())
    assert sorted(len(h) for h in home.histories.values()) == rows


def test_evening_bursts_are_planted_in_the_evening() -> None:
    """Night-burst stress plants abnormal activity at the variant's local hours and size."""
    first, length = BURST_HOURS["evening_21_23"]
    corpus = generate_corpus(8, 3, days=20, stress=Stress(night_bursts="evening_21_23_large_20_30"))
    episodes = [(s, f) for s in corpus for f in s.truth.failures if f.kind == "abnormal_activity"]
    assert episodes
    for synthetic, failure in episodes:
        home = synthetic.home
        assert failure.end_ts is not None
        start_hour = float(local_hour_of_day(np.array([failure.start_ts]), home.time_zone)[0])
        assert round(start_hour) == first
        history = home.histories[failure.entity_ids[0]]
        # Every night of the episode the sensor sees motion in the window (20-30 visits in
        # two hours: the sensor joins visits within 10 minutes, and may already be on).
        on = history.vocabulary.index("on")
        nights = round((failure.end_ts - failure.start_ts - length * 3600) / 86400) + 1
        for night in range(nights):
            grid = failure.start_ts + night * 86400 + np.arange(0, length * 3600, 60.0)
            rows = np.searchsorted(history.timestamps, grid, side="right") - 1
            assert (history.codes[rows] == on).any()


def test_stress_options_are_checked() -> None:
    """Unknown options are refused."""
    with pytest.raises(ValueError, match="battery_step"):
        Stress(battery_step=0)
    with pytest.raises(ValueError, match="language"):
        Stress(language="xx")
    with pytest.raises(ValueError, match="night_bursts"):
        Stress(night_bursts="noon")
