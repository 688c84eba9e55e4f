"""A small real-configuration record (the ``homes.jsonl`` format of ``../shared/realconfigs``)
for the tests of the tools that read it."""

from __future__ import annotations

from typing import Any


def real_record(repo: str) -> dict[str, Any]:
    """Nine entities (one disabled) and five automations from the direct rows: motion →
    light twice, humidity → fan, a door → notification and light, a device with no entity
    → light; a helper acting through a script is a ``via`` row only."""

    def entity(entity_id: str, **more: Any) -> dict[str, Any]:
        return {
            "entity_id": entity_id,
            "domain": entity_id.partition(".")[0],
            "name": None,
            "area": None,
            "area_guess_from_name": None,
            "device_class": None,
            **more,
        }

    def pair(trigger: str, action: str, automation: str, **more: Any) -> dict[str, Any]:
        return {
            "trigger": trigger,
            "action": action,
            "service": f"{action.partition('.')[0]}.turn_on",
            "automation_alias": automation,
            "automation_id": None,
            "trigger_platform": "state",
            "source_file": "automations.yaml",
            **more,
        }

    return {
        "repo": repo,
        "entities": [
            entity("binary_sensor.hall_motion", device_class="motion", area="Hall"),
            entity("light.hall", area_guess_from_name="Hall", name="Hall light"),
            entity("binary_sensor.kitchen_pir", area_guess_from_name="Kitchen"),
            entity("light.kitchen", area="Kitchen"),
            entity("sensor.bath_humidity", device_class="humidity", area="Bath"),
            entity("fan.bath", area="Bath"),
            entity("binary_sensor.front_door", device_class="door"),
            entity("input_boolean.guest_mode"),
            entity("light.old", disabled=True),
        ],
        "pairs": [
            pair("binary_sensor.hall_motion", "light.hall", "Hall light"),
            pair("binary_sensor.kitchen_pir", "light.kitchen", "Kitchen light"),
            pair("sensor.bath_humidity", "fan.bath", "Bath fan"),
            pair("binary_sensor.front_door", "notify", "Door", service="notify.phone"),
            pair("binary_sensor.front_door", "light.hall", "Door"),
            pair("input_boolean.guest_mode", "light.hall", "Guest", via="script.guest"),
            pair("device:remote_1", "light.kitchen", "Remote"),
        ],
    }
