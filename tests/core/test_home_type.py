"""Tests for the home-type feature builder."""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.home import Area, Device, Entity, Home
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.home_type import (
    FEATURE_NAMES,
    LANGUAGES,
    VOCABULARY,
    drop_entities,
    home_type_features,
    name_groups,
)
from tools.synthetic import generate_home

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _feature(row: np.ndarray, name: str) -> float:
    return float(row[FEATURE_NAMES.index(name)])


def test_features_of_a_small_cottage() -> None:
    """Named columns carry what the home has; night activity is measured in local time."""
    home = Home(
        areas={
            "a": Area("a", "Living Room", "f0", 0),
            "b": Area("b", "Garden"),
            "c": Area("c", "Bedroom", "f1", 1),
        },
        devices={"d": Device("d", "Stove", battery_powered=True), "e": Device("e", "Pump")},
        entities={
            "switch.wood_stove_fan": Entity("switch.wood_stove_fan", device_id="d"),
            "switch.well_pump": Entity("switch.well_pump", device_id="e"),
            "binary_sensor.hall_motion": Entity(
                "binary_sensor.hall_motion", "motion", device_id="e"
            ),
            "person.ann": Entity("person.ann"),
        },
        window_start=T0,
        window_end=T0 + 2 * 86_400,
        time_zone="Etc/GMT-2",  # UTC+2
    )
    # Motion at 23:00 and 01:00 UTC = 01:00 and 03:00 local: both at night.
    home.histories["binary_sensor.hall_motion"] = pack_rows(
        [T0 + 23 * 3600, T0 + 23 * 3600 + 60, T0 + 25 * 3600], ["on", "off", "on"], [1, 1, 2]
    )
    row = home_type_features(home)
    assert row.shape == (len(FEATURE_NAMES),)
    assert _feature(row, "areas") == 3
    assert _feature(row, "outdoor_areas") == 1
    assert _feature(row, "areas_garden") == 1
    assert _feature(row, "floors") == 2
    assert _feature(row, "floor_span") == 1
    assert _feature(row, "has_wood_stove") == 1
    assert _feature(row, "has_well") == 1
    assert _feature(row, "has_building") == 0
    assert _feature(row, "people") == 1
    assert _feature(row, "battery_share") == 0.5
    assert _feature(row, "motion_share_00_06") == 1.0
    assert _feature(row, "motion_events_per_day") == 1.0  # 2 'on' events over 2 days, 1 sensor
    assert _feature(row, "user_change_share") == 1 / 3


def test_empty_home_has_finite_features() -> None:
    """A home with nothing in it still gives a finite row."""
    row = home_type_features(Home())
    assert np.isfinite(row).all()


@settings(max_examples=15)
@given(st.integers(0, 10_000), st.floats(0.0, 0.9))
def test_dropping_entities(seed: int, fraction: float) -> None:
    """Dropping entities keeps areas, removes histories with them, and features stay finite."""
    home = generate_home(seed % 50, days=1).home
    dropped = drop_entities(home, fraction, np.random.default_rng(seed))
    assert set(dropped.entities) <= set(home.entities)
    assert set(dropped.histories) <= set(dropped.entities)
    assert dropped.areas == home.areas
    assert np.isfinite(home_type_features(dropped)).all()
    if fraction == 0.0:
        assert dropped.entities == home.entities


def test_floors_stacked_over_a_garage() -> None:
    """Rooms per floor, the living space above a garage, stairs taken between floors."""
    home = Home(
        areas={
            "g": Area("g", "Garage", "f0", 0),
            "h": Area("h", "Hall", "f0", 0),
            "l": Area("l", "Living Room", "f1", 1),
            "k": Area("k", "Kitchen", "f1", 1),
            "b": Area("b", "Master Bedroom", "f2", 2),
            "w": Area("w", "Bathroom", "f2", 2),
            "c": Area("c", "Cellar", "fb", -1),
            "y": Area("y", "Back Yard"),
        },
        devices={"m1": Device("m1", "Hall motion"), "m2": Device("m2", "Bedroom motion")},
        entities={
            "binary_sensor.hall_motion": Entity(
                "binary_sensor.hall_motion", "motion", area_id="h", device_id="m1"
            ),
            "binary_sensor.bed_motion": Entity(
                "binary_sensor.bed_motion", "motion", area_id="b", device_id="m2"
            ),
        },
        window_start=T0,
        window_end=T0 + 86_400,
    )
    home.histories["binary_sensor.hall_motion"] = pack_rows(
        [T0 + 100, T0 + 130], ["on", "off"], [1, 1]
    )
    # Upstairs a minute after the hall (a floor change), then again an hour later (none).
    home.histories["binary_sensor.bed_motion"] = pack_rows(
        [T0 + 160, T0 + 200, T0 + 3700, T0 + 3760], ["on", "off", "on", "off"], [1, 1, 1, 1]
    )
    row = home_type_features(home)
    assert _feature(row, "garage_on_a_floor") == 1
    assert _feature(row, "living_level") == 1
    assert _feature(row, "rooms_per_floor") == 5 / 3  # hall | living, kitchen | bed, bath
    assert _feature(row, "max_rooms_on_a_floor") == 2
    assert _feature(row, "areas_garden") == 1
    assert _feature(row, "floors") == 4
    assert _feature(row, "floor_changes_per_day") == 1
    assert _feature(row, "floor_change_share") == 1  # one close pair, on two floors


def test_installed_and_portable_devices() -> None:
    """Owner-fitted devices count apart from the building's and from plugs and lamps."""
    entities = [
        Entity("climate.living_room", device_id="d1", area_id="l"),
        Entity("lock.front_door", device_id="d2", area_id="l"),
        Entity("lock.building_entrance", device_id="d3"),
        Entity("switch.tv_plug", "outlet", device_id="d4", area_id="l"),
        Entity("light.living_room_lamp", device_id="d5", area_id="l"),
        Entity("light.living_room_ceiling", device_id="d6", area_id="l"),
        Entity("camera.porch_camera", device_id="d7"),
        # A device with only Home Assistant's bookkeeping (no synthetic home has one): the
        # features neither count it nor its entity.
        Entity("update.d8_firmware", device_id="d8"),
    ]
    home = Home(
        areas={"l": Area("l", "Lounge"), "p": Area("p", "Front Porch")},
        devices={
            f"d{i}": Device(f"d{i}", "x", area_id="p" if i == 7 else None) for i in range(1, 9)
        },
        entities={e.entity_id: e for e in entities},
    )
    row = home_type_features(home)
    assert _feature(row, "installed_devices") == 2
    assert _feature(row, "installed_share") == 2 / 7
    assert _feature(row, "plug_share") == 1 / 7
    assert _feature(row, "log_devices") == math.log1p(7)
    assert _feature(row, "log_entities") == math.log1p(7)
    assert _feature(row, "lamp_share") == 1 / 2
    assert _feature(row, "exterior_devices") == 1  # the camera's device is on the porch
    assert _feature(row, "has_building") == 1


def test_user_names_are_matched_loosely() -> None:
    """Area names in any style land in their group; a hall called Entrance is no building."""
    home = Home(
        areas={
            "a": Area("a", "Den"),
            "b": Area("b", "back_yard"),
            "c": Area("c", "Garden"),
            "d": Area("d", "Parking Space"),
            "e": Area("e", "Staircase"),
            "f": Area("f", "Storage Unit"),
            "g": Area("g", "Balcony"),
            "h": Area("h", "Entrance"),
        },
        entities={"binary_sensor.entrance_motion": Entity("binary_sensor.entrance_motion")},
    )
    row = home_type_features(home)
    assert _feature(row, "areas_family") == 1  # "Den", not the "den" in "Garden"
    assert _feature(row, "areas_garden") == 2
    assert _feature(row, "areas_parking") == 1
    assert _feature(row, "areas_driveway") == 0
    assert _feature(row, "areas_stairs") == 1
    assert _feature(row, "areas_storage") == 1
    assert _feature(row, "outdoor_areas") == 4  # two gardens, parking, balcony
    assert _feature(row, "has_building") == 0
    assert _feature(row, "rooms_per_floor") == 0  # no floors set up


def _named_home(areas: list[str], ids: list[str]) -> Home:
    """One small house; only the area names and the entity ids are given (in any language).

    Areas: living room, kitchen (ground floor), bedroom, bathroom (first floor), garden,
    garage, stairs. Entities: a lamp, a ceiling light, a garden light, a garage door, an
    irrigation switch, a well pump, a wood stove's temperature, a bedroom motion sensor and
    a thermostat, each on its own device, in that order.
    """
    living, kitchen, bedroom, bathroom, garden, garage, stairs = areas
    home = Home(
        areas={
            "a1": Area("a1", living, "f0", 0),
            "a2": Area("a2", kitchen, "f0", 0),
            "a3": Area("a3", bedroom, "f1", 1),
            "a4": Area("a4", bathroom, "f1", 1),
            "a5": Area("a5", garden),
            "a6": Area("a6", garage, "f0", 0),
            "a7": Area("a7", stairs, "f0", 0),
        },
        window_start=T0,
        window_end=T0 + 86_400,
    )
    where = ["a1", "a2", "a5", "a6", "a5", None, "a1", "a3", "a1"]
    classes = [None, None, None, "garage", None, None, "temperature", "motion", None]
    for index, (entity_id, area_id, device_class) in enumerate(
        zip(ids, where, classes, strict=True)
    ):
        home.devices[f"d{index}"] = Device(f"d{index}", "x", area_id=area_id)
        home.entities[entity_id] = Entity(entity_id, device_class, device_id=f"d{index}")
    home.entities["person.ann"] = Entity("person.ann")
    motion = ids[7]
    home.histories[motion] = pack_rows([T0 + 3600, T0 + 3660], ["on", "off"], [1, 1])
    return home


ENGLISH_HOME = (
    ["Living Room", "Kitchen", "Bedroom", "Bathroom", "Garden", "Garage", "Stairs"],
    [
        "light.living_room_lamp",
        "light.kitchen_ceiling",
        "light.garden_light",
        "cover.garage_door",
        "switch.garden_irrigation",
        "switch.well_pump",
        "sensor.wood_stove_temperature",
        "binary_sensor.bedroom_motion",
        "climate.living_room",
    ],
)
GERMAN_HOME = (
    ["Wohnzimmer", "Küche", "Schlafzimmer", "Bad", "Garten", "Garage", "Treppenhaus"],
    [
        "light.wohnzimmer_stehlampe",
        "light.kuche_deckenleuchte",
        "light.garten_licht",
        "cover.garagentor",
        "switch.garten_bewasserung",
        "switch.brunnenpumpe",
        "sensor.kaminofen_temperatur",
        "binary_sensor.schlafzimmer_bewegung",
        "climate.wohnzimmer",
    ],
)


def test_a_home_named_in_german_has_the_features_of_the_same_home_in_english() -> None:
    """Every column is equal: the language-independent ones, and the groups its names match."""
    english = home_type_features(_named_home(*ENGLISH_HOME))
    german = home_type_features(_named_home(*GERMAN_HOME))
    expected = {
        "areas": 7,
        "indoor_areas": 5,
        "floors": 2,
        "outdoor_areas": 2,  # the garden and the garage
        "outdoor_share": 2 / 7,
        "areas_garden": 1,
        "areas_garage": 1,
        "areas_stairs": 1,
        "areas_bedroom": 1,
        "areas_bathroom": 1,
        "areas_basement": 0,
        "living_level": 0,  # living room and kitchen on the ground floor
        "garage_on_a_floor": 1,
        "rooms_per_floor": 2.5,  # living, kitchen, stairs | bedroom, bathroom
        "has_garage_door": 1,
        "has_irrigation": 1,
        "has_well": 1,
        "has_wood_stove": 1,
        "has_outdoor_light": 1,
        "has_building": 0,
        "has_pool_pump": 0,
        "lamp_share": 1 / 3,  # the lamp; not the ceiling light, not the garden light
        "installed_devices": 1,  # the thermostat (a garage door is not counted)
        "exterior_devices": 1,  # the garden light
        "motion_per_area": 1 / 5,
        "people": 1,
    }
    for name, value in expected.items():
        assert _feature(english, name) == pytest.approx(value), name
    np.testing.assert_array_equal(german, english)


def test_without_known_words_only_the_language_independent_columns_remain() -> None:
    """Names the vocabulary does not know leave the name columns at their neutral value,
    while what does not depend on language (floors, classes, domains) stays.
    """
    areas = ["Qa", "Qb", "Qc", "Qd", "Qe", "Qf", "Qg"]
    ids = [f"{e.partition('.')[0]}.q{i}" for i, e in enumerate(ENGLISH_HOME[1])]
    unknown = home_type_features(_named_home(areas, ids))
    english = home_type_features(_named_home(*ENGLISH_HOME))
    named = [n for n in FEATURE_NAMES if n.startswith(("areas_", "has_", "outdoor"))]
    for name in named:
        if name != "has_garage_door":
            assert _feature(unknown, name) == 0, name
    assert _feature(unknown, "has_garage_door") == 1  # its cover's device class says so
    for name in ("areas", "floors", "floor_span", "log_entities", "log_devices", "people"):
        assert _feature(unknown, name) == _feature(english, name), name


@pytest.mark.parametrize(
    ("name", "groups"),
    [
        ("Soggiorno", {"living"}),
        ("Kuchyně", {"living"}),
        ("Kueche", {"living"}),  # umlaut written out
        ("Waschküche", {"laundry"}),  # the longer word wins: no kitchen
        ("Gartenhaus", {"shed"}),
        ("Achtertuin", {"garden"}),  # the end of a compound
        ("Tiefgarage", {"parking"}),
        ("Łazienka", {"bathroom"}),
        ("Salle de bain", {"bathroom"}),  # a phrase
        ("Salle", set()),
        ("Tvättstuga", {"laundry"}),
        ("Sovrum 2", {"bedroom"}),
        ("Camera Ospiti", {"bedroom"}),
        ("Vano Scale", {"stairs"}),
        ("Upstairs", set()),  # a floor, not the stairs
        ("Den", {"family"}),
        ("Garden", {"garden"}),  # no den in it
        ("Deckenleuchte", {"ceiling", "lamp"}),  # both parts of a compound
        ("sensor.pozo_bomba", {"well"}),
        ("power_input", set()),  # no Dutch well (put) in it
    ],
)
def test_names_match_their_groups_in_any_language(name: str, groups: set[str]) -> None:
    """Names as users write them in many languages land in their group (and only there)."""
    assert name_groups(name) == groups


def test_vocabulary_covers_every_language() -> None:
    """Each group has words in every language the table promises (one small table)."""
    for group, languages in VOCABULARY.items():
        assert set(languages) == set(LANGUAGES), group
        for language, words in languages.items():
            assert words.strip(), (group, language)
