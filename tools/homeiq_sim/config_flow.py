"""Config flow of the synthetic home: YAML import only."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from . import CONF_HOME, DOMAIN


class SimConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the entry from ``homeiq_sim:`` in configuration.yaml."""

    VERSION = 1

    async def async_step_import(self, import_data: dict[str, Any]) -> ConfigFlowResult:
        """Import the YAML configuration (once)."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured(updates=import_data)
        return self.async_create_entry(
            title="Synthetic home", data={CONF_HOME: import_data[CONF_HOME]}
        )
