"""Config flow for HomeIQ."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    DurationSelector,
    DurationSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
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
from .core.synergy import SHOWN_SUGGESTIONS
from .core.synergy.suggestion import duration

if TYPE_CHECKING:
    from .coordinator import HomeIQCoordinator
    from .suggestions import OpenSuggestion

CONF_SUGGESTION: Final = "suggestion"
CONF_ANSWER: Final = "answer"
CONF_DELAY: Final = "delay"
CONF_REASON: Final = "reason"
ANSWER_ACCEPT: Final = "accept"
ANSWER_REJECT: Final = "reject"


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
    """A menu: the options (schedule, history window, device-model threshold, home type),
    or reviewing the open synergy suggestions one by one (accept or reject)."""

    _chosen: OpenSuggestion

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the options and the suggestions."""
        return self.async_show_menu(step_id="init", menu_options=["settings", "review"])

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
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
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
            errors=errors,
            description_placeholders=error_placeholders(current),
        )

    def _coordinator(self) -> HomeIQCoordinator | None:
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return None
        coordinator: HomeIQCoordinator = self.config_entry.runtime_data.coordinator
        return coordinator

    async def async_step_review(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose one of the open suggestions (by its one-line title)."""
        if (coordinator := self._coordinator()) is None:
            return self.async_abort(reason="not_loaded")
        opened = coordinator.suggestions.open()
        if opened is None:
            return self.async_abort(reason="no_suggestions")
        if not opened:
            return self.async_abort(reason="no_open_suggestions")
        shown = {item.suggestion.suggestion_id: item for item in opened[:SHOWN_SUGGESTIONS]}
        if user_input is not None and user_input[CONF_SUGGESTION] in shown:
            self._chosen = shown[user_input[CONF_SUGGESTION]]
            return await self.async_step_answer()
        titles = Counter(item.title for item in shown.values())
        options = [
            SelectOptionDict(value=sid, label=_label(item, titles[item.title] > 1))
            for sid, item in shown.items()
        ]
        schema = probatio.Schema(
            {
                probatio.Required(CONF_SUGGESTION): SelectSelector(
                    SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                )
            }
        )
        return self.async_show_form(
            step_id="review",
            data_schema=schema,
            description_placeholders={
                "open": str(len(opened)),
                "shown": str(len(shown)),
                "likely": str(sum(item.suggestion.likely for item in opened)),
            },
        )

    async def async_step_answer(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the chosen suggestion's evidence; accept it (the revert delay may be changed)
        or reject it (a reason may be given)."""
        if (coordinator := self._coordinator()) is None:
            return self.async_abort(reason="not_loaded")
        book = coordinator.suggestions
        suggestion = self._chosen.suggestion
        sid = suggestion.suggestion_id
        placeholders = {
            "title": self._chosen.title,
            "evidence": suggestion.text,
            "service": suggestion.service,
            "error": "",
        }
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                if user_input[CONF_ANSWER] == ANSWER_REJECT:
                    await book.async_reject(sid, user_input.get(CONF_REASON))
                    coordinator.async_suggestions_changed()
                    return self.async_abort(
                        reason="suggestion_rejected", description_placeholders=placeholders
                    )
                delay = user_input.get(CONF_DELAY)
                created = await book.async_accept(
                    sid,
                    delay_s=None if delay is None else cv.time_period(delay).total_seconds(),
                )
            except HomeAssistantError as err:
                errors["base"] = "answer_failed"
                placeholders["error"] = str(err)
            else:
                coordinator.async_suggestions_changed()
                return self.async_abort(
                    reason="suggestion_accepted",
                    description_placeholders={
                        **placeholders,
                        "automation": str(created["entity_id"] or created["automation_id"]),
                    },
                )
        fields: dict[Any, Any] = {
            probatio.Required(CONF_ANSWER, default=ANSWER_ACCEPT): SelectSelector(
                SelectSelectorConfig(
                    options=[ANSWER_ACCEPT, ANSWER_REJECT],
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_ANSWER,
                )
            )
        }
        suggested: dict[str, Any] = {}
        if book.can_delay(sid):
            fields[probatio.Optional(CONF_DELAY)] = DurationSelector(
                DurationSelectorConfig(enable_second=True)
            )
            if (delay_s := book.mined_delay(sid)) is not None:
                suggested[CONF_DELAY] = duration(delay_s)
        fields[probatio.Optional(CONF_REASON)] = TextSelector()
        return self.async_show_form(
            step_id="answer",
            data_schema=self.add_suggested_values_to_schema(probatio.Schema(fields), suggested),
            errors=errors,
            description_placeholders=placeholders,
        )


def _label(item: OpenSuggestion, ambiguous: bool) -> str:
    """A suggestion's line in the list: its title, starred when it is likely worth
    automating, with its cause's entity id when another shown suggestion reads the same."""
    label = f"★ {item.title}" if item.suggestion.likely else item.title
    return f"{label} ({item.suggestion.cause_id})" if ambiguous else label
