"""Tests for finding external series among a real home's sensors."""

from __future__ import annotations

from custom_components.homeiq.core.home import Area, Entity, Home
from custom_components.homeiq.core.home.external import (
    attach_external_series,
    find_external_entities,
)
from custom_components.homeiq.core.home.history import pack_rows


def _home() -> Home:
    return Home(
        areas={"garden": Area("garden", "Garden"), "kitchen": Area("kitchen", "Kitchen")},
        entities={
            e.entity_id: e
            for e in [
                Entity("sensor.kitchen_temperature", "temperature", "°C", area_id="kitchen"),
                Entity("sensor.garden_sensor_temperature", "temperature", "°C", area_id="garden"),
                Entity("sensor.balcony_temperature", "temperature", "°C"),
                Entity("sensor.co2_signal_intensity", None, "gCO2eq/kWh"),
                Entity("sensor.nordpool_kwh", "monetary", "EUR/kWh"),
                Entity("sensor.tibber_price", None, "ct/kWh", enabled=False),
                Entity("sensor.energy_total", "energy", "kWh"),
                Entity("weather.home"),
            ]
        },
    )


def test_find_by_unit_class_and_name() -> None:
    """Units find carbon and price; temperature needs an outdoor name or area; disabled skipped."""
    assert find_external_entities(_home()) == {
        "outdoor_temperature": "sensor.balcony_temperature",
        "carbon_intensity": "sensor.co2_signal_intensity",
        "electricity_price": "sensor.nordpool_kwh",
    }


def test_attach_uses_histories_only_when_present() -> None:
    """Only series with a history are attached, as the very same history object."""
    home = _home()
    history = pack_rows([1.0, 2.0], ["120", "135"], [1, 1])
    home.histories["sensor.co2_signal_intensity"] = history
    assert attach_external_series(home) == {"carbon_intensity": "sensor.co2_signal_intensity"}
    assert home.external == {"carbon_intensity": history}
