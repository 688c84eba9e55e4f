"""The kinds of device a synthetic home can hold and the entities each one brings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One entity of a device kind.

    ``object_id`` is a pattern over ``{base}`` (the area slug or a name such as ``front``)
    and ``{device}`` (the device's slug); ``name`` is appended to the base's display name.
    """

    part: str
    domain: str
    object_id: str
    name: str
    device_class: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """A kind of device: its slug pattern, its entities and where it comes from."""

    key: str
    label: str
    slug: str
    entities: tuple[EntitySpec, ...]
    battery: bool = False
    wireless: bool = True
    models: tuple[tuple[str, str], ...] = ()


BATTERY = EntitySpec("battery", "sensor", "{device}_battery", "Battery", "battery", "%")
SIGNAL = EntitySpec(
    "signal", "sensor", "{device}_signal_strength", "Signal strength", "signal_strength", "dBm"
)


def _kind(
    key: str,
    label: str,
    slug: str,
    *entities: EntitySpec,
    battery: bool = False,
    wireless: bool = True,
    models: tuple[tuple[str, str], ...] = (("Generic", "Device"),),
) -> DeviceKind:
    parts = (*entities, BATTERY) if battery else entities
    return DeviceKind(key, label, slug, parts, battery, wireless, models)


def _main(domain: str, object_id: str, name: str, device_class: str | None = None) -> EntitySpec:
    return EntitySpec("main", domain, object_id, name, device_class)


KINDS: Final[dict[str, DeviceKind]] = {
    kind.key: kind
    for kind in (
        _kind(
            "motion",
            "Motion Sensor",
            "{base}_motion",
            _main("binary_sensor", "{device}", "Motion", "motion"),
            EntitySpec(
                "illuminance", "sensor", "{device}_illuminance", "Illuminance", "illuminance", "lx"
            ),
            battery=True,
            models=(("Aqara", "RTCGQ11LM"), ("Philips", "SML001"), ("IKEA", "E1525")),
        ),
        _kind(
            "ceiling_light",
            "Ceiling Light",
            "{base}_ceiling",
            _main("light", "{device}", "Ceiling"),
            models=(("Philips", "LCA001"), ("IKEA", "LED1836G9"), ("Shelly", "Dimmer 2")),
        ),
        _kind(
            "lamp",
            "Lamp",
            "{base}_lamp",
            _main("light", "{device}", "Lamp"),
            models=(("Philips", "LWA017"), ("IKEA", "LED1949C5")),
        ),
        _kind(
            "outdoor_light",
            "Outdoor Light",
            "{base}_light",
            _main("light", "{device}", "Light"),
            models=(("Philips", "1743230P7"), ("Shelly", "Plus 1")),
        ),
        _kind(
            "door_contact",
            "Door Sensor",
            "{base}_door",
            _main("binary_sensor", "{device}", "Door", "door"),
            battery=True,
            models=(("Aqara", "MCCGQ11LM"), ("SONOFF", "SNZB-04")),
        ),
        _kind(
            "window_contact",
            "Window Sensor",
            "{base}_window",
            _main("binary_sensor", "{device}", "Window", "window"),
            battery=True,
            models=(("Aqara", "MCCGQ11LM"), ("IKEA", "E2013")),
        ),
        _kind(
            "multisensor",
            "Climate Sensor",
            "{base}_multisensor",
            EntitySpec(
                "temperature", "sensor", "{base}_temperature", "Temperature", "temperature", "°C"
            ),
            EntitySpec("humidity", "sensor", "{base}_humidity", "Humidity", "humidity", "%"),
            battery=True,
            models=(("Aqara", "WSDCGQ11LM"), ("SONOFF", "SNZB-02D")),
        ),
        _kind(
            "thermostat",
            "Thermostat",
            "{base}_thermostat",
            _main("climate", "{base}", ""),
            models=(("ecobee", "SmartThermostat"), ("tado", "Smart Thermostat"), ("Nest", "T3")),
        ),
        _kind(
            "exhaust_fan",
            "Exhaust Fan",
            "{base}_fan",
            _main("fan", "{device}", "Fan"),
            models=(("Shelly", "Plus 1"), ("Sonoff", "MINIR4")),
        ),
        _kind(
            "blinds",
            "Blinds",
            "{base}_blinds",
            _main("cover", "{device}", "Blinds", "blind"),
            models=(("IKEA", "E1757"), ("Somfy", "RTS")),
        ),
        _kind(
            "tv",
            "TV",
            "{base}_tv",
            _main("media_player", "{device}", "TV", "tv"),
            wireless=False,
            models=(("LG", "OLED55C3"), ("Samsung", "QE55Q80"), ("Sony", "KD-55X85")),
        ),
        _kind(
            "speaker",
            "Speaker",
            "{base}_speaker",
            _main("media_player", "{device}", "Speaker", "speaker"),
            models=(("Sonos", "One"), ("Google", "Nest Audio")),
        ),
        _kind(
            "plug",
            "Smart Plug",
            "{base}_plug",
            _main("switch", "{device}", "Plug", "outlet"),
            EntitySpec("power", "sensor", "{device}_power", "Plug power", "power", "W"),
            models=(("Shelly", "Plug S"), ("TP-Link", "KP115"), ("IKEA", "E1603")),
        ),
        _kind(
            "dishwasher",
            "Dishwasher Plug",
            "dishwasher_plug",
            _main("switch", "dishwasher", "Dishwasher", "outlet"),
            EntitySpec("power", "sensor", "dishwasher_power", "Dishwasher power", "power", "W"),
            models=(("Shelly", "Plus Plug S"), ("TP-Link", "KP115")),
        ),
        _kind(
            "washing_machine",
            "Washing Machine Plug",
            "washing_machine_plug",
            _main("switch", "washing_machine", "Washing machine", "outlet"),
            EntitySpec(
                "power", "sensor", "washing_machine_power", "Washing machine power", "power", "W"
            ),
            models=(("Shelly", "Plus Plug S"), ("TP-Link", "KP115")),
        ),
        _kind(
            "dryer",
            "Dryer Plug",
            "dryer_plug",
            _main("switch", "dryer", "Dryer", "outlet"),
            EntitySpec("power", "sensor", "dryer_power", "Dryer power", "power", "W"),
            models=(("Shelly", "Plus Plug S"),),
        ),
        _kind(
            "leak",
            "Leak Sensor",
            "{base}_leak",
            _main("binary_sensor", "{device}", "Leak", "moisture"),
            battery=True,
            models=(("Aqara", "SJCGQ11LM"), ("SONOFF", "SNZB-05")),
        ),
        _kind(
            "smoke",
            "Smoke Detector",
            "{base}_smoke",
            _main("binary_sensor", "{device}", "Smoke", "smoke"),
            battery=True,
            models=(("Heiman", "HS1SA"), ("Nest", "Protect")),
        ),
        _kind(
            "water_valve",
            "Water Valve",
            "main_water_valve",
            _main("valve", "main_water", "Main water", "water"),
            models=(("Moes", "ZWV-YC"), ("Flo", "by Moen")),
        ),
        _kind(
            "lock",
            "Door Lock",
            "{base}_door_lock",
            _main("lock", "{base}_door", "Door lock"),
            battery=True,
            models=(("Nuki", "Smart Lock 4"), ("Yale", "Assure 2"), ("Danalock", "V3")),
        ),
        _kind(
            "alarm",
            "Alarm Panel",
            "home_alarm_panel",
            _main("alarm_control_panel", "home_alarm", "Home alarm"),
            wireless=False,
            models=(("Ajax", "Hub 2"), ("Ring", "Alarm Pro")),
        ),
        _kind(
            "camera",
            "Camera",
            "{base}_camera",
            _main("camera", "{device}", "Camera"),
            models=(("Reolink", "RLC-510A"), ("Ubiquiti", "G4 Bullet"), ("Eufy", "S330")),
        ),
        _kind(
            "chime",
            "Door Chime",
            "{base}_chime",
            _main("siren", "{device}", "Chime"),
            models=(("Aqara", "Hub M2"), ("Heiman", "HS2WD")),
        ),
        _kind(
            "garage_door",
            "Garage Door",
            "garage_door_opener",
            _main("cover", "garage_door", "Garage door", "garage"),
            models=(("Meross", "MSG100"), ("Chamberlain", "myQ")),
        ),
        _kind(
            "irrigation",
            "Irrigation Controller",
            "garden_irrigation_controller",
            _main("switch", "garden_irrigation", "Garden irrigation"),
            models=(("Rachio", "3"), ("Gardena", "Smart Water Control")),
        ),
        _kind(
            "soil_sensor",
            "Soil Sensor",
            "{base}_soil_sensor",
            EntitySpec(
                "moisture", "sensor", "{base}_soil_moisture", "Soil moisture", "moisture", "%"
            ),
            battery=True,
            models=(("Xiaomi", "HHCCJCY01"),),
        ),
        _kind(
            "pool_pump",
            "Pool Pump",
            "pool_pump_controller",
            _main("switch", "pool_pump", "Pool pump"),
            EntitySpec("power", "sensor", "pool_pump_power", "Pool pump power", "power", "W"),
            EntitySpec(
                "water_temperature",
                "sensor",
                "pool_temperature",
                "Pool temperature",
                "temperature",
                "°C",
            ),
            models=(("Shelly", "Pro 1PM"), ("Pentair", "IntelliFlo")),
        ),
        _kind(
            "wood_stove",
            "Wood Stove Monitor",
            "wood_stove_monitor",
            EntitySpec(
                "stove_temperature",
                "sensor",
                "wood_stove_temperature",
                "Wood stove temperature",
                "temperature",
                "°C",
            ),
            _main("switch", "wood_stove_fan", "Wood stove fan"),
            models=(("Shelly", "Plus 1 + Add-on"), ("Fireplace", "Monitor")),
        ),
        _kind(
            "well_pump",
            "Well Pump",
            "well_pump_controller",
            _main("switch", "well_pump", "Well pump"),
            EntitySpec("power", "sensor", "well_pump_power", "Well pump power", "power", "W"),
            EntitySpec("pressure", "sensor", "well_pressure", "Well pressure", "pressure", "bar"),
            models=(("Shelly", "Pro 1PM"), ("Grundfos", "SCALA2")),
        ),
        _kind(
            "intercom",
            "Building Intercom",
            "building_intercom",
            _main("binary_sensor", "building_intercom", "Building intercom", "sound"),
            EntitySpec("entrance", "lock", "building_entrance", "Building entrance"),
            wireless=False,
            models=(("Ring", "Intercom"), ("Nello", "One"), ("Siedle", "SmartGateway")),
        ),
        _kind(
            "energy_meter",
            "Energy Meter",
            "home_energy_meter",
            EntitySpec("power", "sensor", "home_power", "Home power", "power", "W"),
            EntitySpec("energy", "sensor", "home_energy", "Home energy", "energy", "kWh"),
            wireless=False,
            models=(("Shelly", "Pro 3EM"), ("HomeWizard", "P1 Meter")),
        ),
    )
}

# Entities of the user's notify script and of Home Assistant itself (no device).
FIRST_NAMES: Final = (
    "alice",
    "ben",
    "chloe",
    "david",
    "emma",
    "felix",
    "grace",
    "hugo",
    "ida",
    "jonas",
    "kim",
    "leo",
    "mia",
    "noah",
    "olga",
    "paul",
)
