"""Config flow for HomeIQ."""

from __future__ import annotations

from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TimeSelector,
)
import probatio

from .const import (
    CONF_DEEP_LEARNING,
    CONF_HISTORY_DAYS,
    CONF_HOME_TYPE,
    CONF_MIN_DAYS_DEVICE,
    CONF_MIN_EVENTS_SYNERGY,
    CONF_MIN_FEEDBACK_RANKER,
    CONF_TRAIN_TIME,
    DEFAULT_OPTIONS,
    DOMAIN,
    HOME_TYPE_AUTO,
    MAX_HISTORY_DAYS,
    MIN_HISTORY_DAYS,
)
from .core.home_type import HOME_TYPES


def _int_box(minimum: int, maximum: int, unit: str | None = None) -> probatio.All[Any]:
    config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return probatio.All(NumberSelector(config), probatio.Coerce(int))


OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_TRAIN_TIME): TimeSelector(),
        probatio.Required(CONF_HISTORY_DAYS): _int_box(MIN_HISTORY_DAYS, MAX_HISTORY_DAYS, "days"),
        probatio.Required(CONF_MIN_DAYS_DEVICE): _int_box(1, MAX_HISTORY_DAYS, "days"),
        probatio.Required(CONF_MIN_EVENTS_SYNERGY): _int_box(1, 100_000),
        probatio.Required(CONF_MIN_FEEDBACK_RANKER): _int_box(1, 100_000),
        probatio.Required(CONF_DEEP_LEARNING): BooleanSelector(),
        probatio.Required(CONF_HOME_TYPE): SelectSelector(
            SelectSelectorConfig(
                options=[HOME_TYPE_AUTO, *HOME_TYPES],
                mode=SelectSelectorMode.DROPDOWN,
                translation_key=CONF_HOME_TYPE,
            )
        ),
    }
)


def validate_options(options: dict[str, Any]) -> dict[str, str]:
    """Check the options together; return form errors keyed by field."""
    errors: dict[str, str] = {}
    if options[CONF_MIN_DAYS_DEVICE] > options[CONF_HISTORY_DAYS]:
        errors[CONF_MIN_DAYS_DEVICE] = "exceeds_history_window"
    return errors


class HomeIQConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up HomeIQ: one confirmation step, everything else is an option."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm adding HomeIQ."""
        if user_input is not None:
            return self.async_create_entry(title="HomeIQ", data={}, options=dict(DEFAULT_OPTIONS))
        return self.async_show_form(step_id="user")

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> HomeIQOptionsFlow:
        return HomeIQOptionsFlow()


class HomeIQOptionsFlow(OptionsFlowWithReload):
    """Change the schedule, history window, data thresholds, deep learning and home type."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and validate the options form."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = validate_options(user_input)
            if not errors:
                return self.async_create_entry(data=user_input)
        current = {**DEFAULT_OPTIONS, **self.config_entry.options, **(user_input or {})}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
            errors=errors,
        )
