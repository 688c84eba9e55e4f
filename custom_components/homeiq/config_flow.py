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
    CONF_HISTORY_DAYS,
    CONF_HOME_TYPE,
    CONF_MIN_DAYS_DEVICE,
    CONF_TRAIN_TIME,
    DEFAULT_OPTIONS,
    DOMAIN,
    HOME_TYPE_AUTO,
    MAX_HISTORY_DAYS,
    MIN_HISTORY_DAYS,
    UNSHIPPED_OPTION_DEFAULTS,
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
        probatio.Required(CONF_HOME_TYPE): SelectSelector(
            SelectSelectorConfig(
                options=[HOME_TYPE_AUTO, *HOME_TYPES],
                mode=SelectSelectorMode.DROPDOWN,
                translation_key=CONF_HOME_TYPE,
            )
        ),
    }
)


def _days(value: float) -> str:
    """Days as a person writes them: ``14``, never ``14.0``."""
    return f"{float(value):g}"


def validate_options(options: dict[str, Any]) -> dict[str, str]:
    """Check the options together; return form errors keyed by field."""
    errors: dict[str, str] = {}
    if options[CONF_MIN_DAYS_DEVICE] > options[CONF_HISTORY_DAYS]:
        errors[CONF_MIN_DAYS_DEVICE] = "exceeds_history_window"
    return errors


def error_placeholders(options: dict[str, Any]) -> dict[str, str]:
    """The values the form's error texts name, as whole numbers."""
    return {
        "min_days_device": _days(options[CONF_MIN_DAYS_DEVICE]),
        "history_days": _days(options[CONF_HISTORY_DAYS]),
    }


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
    """Change the schedule, history window, device-model threshold and home type."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and validate the options form; stored options the form does not show (of
        features not shipped yet) are kept."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = validate_options(user_input)
            if not errors:
                kept = {
                    key: value
                    for key, value in self.config_entry.options.items()
                    if key in UNSHIPPED_OPTION_DEFAULTS
                }
                return self.async_create_entry(data={**kept, **user_input})
        current = {**DEFAULT_OPTIONS, **self.config_entry.options, **(user_input or {})}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
            errors=errors,
            description_placeholders=error_placeholders(current),
        )
