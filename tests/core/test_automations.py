"""Tests for reducing automation configurations."""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies as st

from custom_components.homeiq.core.home.automations import reduce_automation

MOTION_LIGHT = {
    "id": "1700000000001",
    "alias": "Hall light on motion",
    "triggers": [
        {"trigger": "state", "entity_id": ["binary_sensor.hall_motion"], "to": "on"},
        {"trigger": "device", "device_id": "abc", "entity_id": "0123456789abcdef", "type": "x"},
    ],
    "conditions": [{"condition": "state", "entity_id": "sun.sun", "state": "below_horizon"}],
    "actions": [
        {"action": "light.turn_on", "target": {"entity_id": "light.hall, light.stairs"}},
        {
            "choose": [
                {
                    "conditions": [{"condition": "state", "entity_id": "input_boolean.guest"}],
                    "sequence": [{"action": "notify.mobile_app_phone", "data": {"message": "x"}}],
                }
            ],
            "default": [{"service": "switch.turn_off", "entity_id": "switch.fan"}],
        },
        {"wait_for_trigger": [{"trigger": "state", "entity_id": "binary_sensor.door"}]},
        {"action": "light.turn_off", "target": {"entity_id": "{{ lights }}"}},
    ],
}


def test_reduce_full_config() -> None:
    """Triggers, nested actions, legacy keys and registry ids are all read; conditions are not."""
    automation = reduce_automation(
        MOTION_LIGHT,
        fallback_id="automation.hall",
        enabled=True,
        resolve=lambda rid: "binary_sensor.hall_presence" if rid == "0123456789abcdef" else None,
    )
    assert automation.automation_id == "1700000000001"
    assert automation.name == "Hall light on motion"
    assert automation.enabled is True
    assert automation.trigger_entities == (
        "binary_sensor.hall_motion",
        "binary_sensor.hall_presence",
    )
    assert automation.action_entities == ("light.hall", "light.stairs", "switch.fan")
    assert automation.action_services == (
        "light.turn_on",
        "notify.mobile_app_phone",
        "switch.turn_off",
        "light.turn_off",
    )


def test_reduce_legacy_singular_keys() -> None:
    """Old configurations use trigger / action / service."""
    automation = reduce_automation(
        {
            "trigger": {"platform": "state", "entity_id": "binary_sensor.door"},
            "action": {"service": "lock.lock", "entity_id": "lock.front"},
        },
        fallback_id="automation.x",
        enabled=False,
    )
    assert automation.automation_id == "automation.x"
    assert automation.name == "automation.x"
    assert automation.enabled is False
    assert automation.trigger_entities == ("binary_sensor.door",)
    assert automation.action_entities == ("lock.front",)
    assert automation.action_services == ("lock.lock",)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "entity_id",
                    "action",
                    "service",
                    "target",
                    "triggers",
                    "actions",
                    "sequence",
                    "condition",
                    "data",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(
    st.dictionaries(
        st.sampled_from(["id", "alias", "triggers", "trigger", "actions", "action"]), json_values
    )
)
def test_reduce_never_raises(config: dict[str, Any]) -> None:
    """Any JSON-like configuration reduces without raising, to well-formed ids."""
    automation = reduce_automation(config, fallback_id="automation.f", enabled=True)
    for entity_id in automation.trigger_entities + automation.action_entities:
        assert entity_id.count(".") == 1
        assert entity_id == entity_id.lower()
    assert len(set(automation.action_entities)) == len(automation.action_entities)
