"""Synthetic alarm panels."""

from __future__ import annotations

from homeassistant.components.alarm_control_panel import AlarmControlPanelEntity
from homeassistant.components.alarm_control_panel.const import AlarmControlPanelState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from custom_components.homeiq.core.home import Entity as HomeEntity

from . import SimConfigEntry
from .entity import SimEntity, async_add_domain


class SimAlarmPanel(SimEntity, AlarmControlPanelEntity):
    """An alarm panel showing its last state."""

    _attr_code_arm_required = False

    def __init__(self, entity: HomeEntity, last_state: str | None) -> None:
        """Set the alarm state."""
        super().__init__(entity, last_state)
        self._attr_alarm_state = (
            None if self.last_state is None else AlarmControlPanelState(self.last_state)
        )


async def async_setup_entry(
    hass: HomeAssistant, entry: SimConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the home's alarm panels."""
    async_add_domain(hass, entry, async_add_entities, "alarm_control_panel", SimAlarmPanel)
