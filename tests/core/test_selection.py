"""Tests for the one definition of which entities each capability reads."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from custom_components.homeiq.core.anomaly import HomeAnomalyModel
from custom_components.homeiq.core.devices import battery_report
from custom_components.homeiq.core.failure import device_failure_features
from custom_components.homeiq.core.home import Device, Entity, Home, Origin, StateHistory
from custom_components.homeiq.core.home.history import pack_rows
from custom_components.homeiq.core.home.selection import (
    DEVICE_DOMAINS,
    anomaly_entities,
    battery_entities,
    entities_read,
    failure_entities,
    home_type_devices,
    home_type_entities,
    is_modelled,
)
from custom_components.homeiq.core.home_type import home_type_features
from tools.synthetic import HOME_TYPES, generate_home
from tools.synthetic.catalog import KINDS

T0 = 1_795_000_000.0
DAY = 86_400.0

# What a real Home Assistant adds that no synthetic home has.
BOOKKEEPING = (
    Entity("automation.motion_light", name="Motion light"),
    Entity("update.home_assistant_core_update"),
    Entity("conversation.home_assistant"),
    Entity("tts.google_translate_en_com"),
    Entity("todo.shopping_list"),
    Entity("zone.work"),
    Entity("device_tracker.phone"),
    Entity("sensor.sun_next_dawn", "timestamp"),  # the sun's: a service, not a device
    Entity("binary_sensor.sun_solar_rising"),
    Entity("button.router_restart", device_id="router"),
    Entity("update.router_firmware", device_id="router"),
    Entity("event.doorbell", device_id="router"),
    # A thermostat's setpoint offset: a number with a temperature class, no sensor.
    Entity("number.offset", "temperature", "°C", device_id="router"),
)


def test_generator_catalog_uses_only_device_domains() -> None:
    """The generator's device kinds use only the domains the capabilities read (the domains
    are a constant of the integration, so the integration never imports the generator)."""
    used = {spec.domain for kind in KINDS.values() for spec in kind.entities}
    assert used <= DEVICE_DOMAINS
    assert "automation" not in DEVICE_DOMAINS


@pytest.mark.parametrize("home_type", HOME_TYPES)
def test_every_generated_entity_is_read(home_type: str) -> None:
    """Nothing the generator makes is left out: it is the definition of what is modelled."""
    home = generate_home(7, home_type=home_type, days=2, start_ts=T0).home
    assert all(is_modelled(home, entity) for entity in home.entities.values())
    assert home_type_entities(home) == [e for e, x in home.entities.items() if x.enabled]
    assert home_type_devices(home) == list(home.devices)
    assert set(home.histories) <= entities_read(home)
    assert set(failure_entities(home)) == {
        e for e, x in home.entities.items() if x.device_id is not None
    }


def _with_bookkeeping(home: Home) -> Home:
    """``home`` as a real Home Assistant serves it: HA's own entities with busy histories,
    and a router device with nothing but bookkeeping entities."""
    assert home.window_start is not None
    times = home.window_start + np.arange(0.0, 2 * DAY, 600.0)
    busy = pack_rows(
        times, [str(k % 7) for k in range(times.size)], np.full(times.size, Origin.USER)
    )
    entities = dict(home.entities) | {e.entity_id: e for e in BOOKKEEPING}
    histories: dict[str, StateHistory] = dict(home.histories) | {
        e.entity_id: busy for e in BOOKKEEPING
    }
    devices = dict(home.devices) | {"router": Device("router", "Router", battery_powered=True)}
    return replace(home, entities=entities, histories=histories, devices=devices)


@pytest.mark.parametrize("seed", [0, 3])
def test_bookkeeping_entities_change_no_feature(seed: int) -> None:
    """Home Assistant's own entities (and a device holding only those) change no home type
    row, no anomaly model, no failure row and no battery forecast."""
    home = generate_home(seed, days=8, start_ts=T0).home
    served = _with_bookkeeping(home)
    assert not {e.entity_id for e in BOOKKEEPING} & entities_read(served)
    np.testing.assert_array_equal(home_type_features(served), home_type_features(home))

    assert home.window_start is not None
    assert home.window_end is not None
    normal = (home.window_start, home.window_start + 6 * DAY)
    assert set(anomaly_entities(served)) == set(anomaly_entities(home))
    assert set(HomeAnomalyModel.fit(served, *normal).entities) == set(
        HomeAnomalyModel.fit(home, *normal).entities
    )
    for device_id in home.devices:
        np.testing.assert_array_equal(
            device_failure_features(served, device_id, home.window_end),
            device_failure_features(home, device_id, home.window_end),
        )
        assert battery_report(served, device_id, home.window_end) == battery_report(
            home, device_id, home.window_end
        )
    assert battery_entities(served) == battery_entities(home)


def test_what_each_capability_reads() -> None:
    """Anomaly: activity binary sensors and steady numeric sensors; battery: battery level
    sensors of devices; external series are read too."""
    home = Home(
        devices={"d": Device("d", "Multi")},
        entities={
            e.entity_id: e
            for e in (
                Entity("binary_sensor.hall", "motion", device_id="d"),
                Entity("binary_sensor.smoke", "smoke", device_id="d"),
                Entity("sensor.hall_temperature", "temperature", "°C", device_id="d"),
                Entity("sensor.hall_power", "power", "W", device_id="d"),
                Entity("sensor.hall_battery", "battery", "%", device_id="d"),
                Entity("sensor.spare_battery", "battery", "%"),  # no device
                Entity("binary_sensor.hall_battery_low", "battery", device_id="d"),
                Entity("sensor.outdoor_temperature", "temperature", "°C"),
                Entity("sensor.grid_price", unit="EUR/kWh"),
                Entity("input_number.target", "temperature", "°C"),
            )
        },
    )
    assert anomaly_entities(home) == {
        "binary_sensor.hall": "activity",
        "sensor.hall_temperature": "numeric",
        "sensor.outdoor_temperature": "numeric",
    }
    assert battery_entities(home) == ["sensor.hall_battery"]
    # Not read: an input helper, and a sensor of no device that no capability needs.
    assert entities_read(home) == set(home.entities) - {
        "input_number.target",
        "sensor.spare_battery",
    }
