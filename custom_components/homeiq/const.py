"""Constants for HomeIQ."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "homeiq"
LOGGER = logging.getLogger(__package__)

# Options (set in the options flow).
CONF_TRAIN_TIME: Final = "train_time"
CONF_HISTORY_DAYS: Final = "history_days"
CONF_MIN_DAYS_DEVICE: Final = "min_days_device"
CONF_HOME_TYPE: Final = "home_type"
# Options of features that are not shipped yet (synergies, the answer ranker, deep
# learning): not in the form and not given to new entries; values an older entry stored
# are kept (also when the form is saved), for when their feature lands.
CONF_MIN_EVENTS_SYNERGY: Final = "min_events_synergy"
CONF_MIN_FEEDBACK_RANKER: Final = "min_feedback_ranker"
CONF_DEEP_LEARNING: Final = "deep_learning"

DEFAULT_TRAIN_TIME: Final = "03:30:00"
DEFAULT_HISTORY_DAYS: Final = 30
DEFAULT_MIN_DAYS_DEVICE: Final = 14
DEFAULT_MIN_EVENTS_SYNERGY: Final = 20
DEFAULT_MIN_FEEDBACK_RANKER: Final = 20
DEFAULT_DEEP_LEARNING: Final = True
HOME_TYPE_AUTO: Final = "auto"  # the model decides; anything else is the user's correction

MIN_HISTORY_DAYS: Final = 1
MAX_HISTORY_DAYS: Final = 180

DEFAULT_OPTIONS: Final = {
    CONF_TRAIN_TIME: DEFAULT_TRAIN_TIME,
    CONF_HISTORY_DAYS: DEFAULT_HISTORY_DAYS,
    CONF_MIN_DAYS_DEVICE: DEFAULT_MIN_DAYS_DEVICE,
    CONF_HOME_TYPE: HOME_TYPE_AUTO,
}
UNSHIPPED_OPTION_DEFAULTS: Final = {
    CONF_MIN_EVENTS_SYNERGY: DEFAULT_MIN_EVENTS_SYNERGY,
    CONF_MIN_FEEDBACK_RANKER: DEFAULT_MIN_FEEDBACK_RANKER,
    CONF_DEEP_LEARNING: DEFAULT_DEEP_LEARNING,
}

SERVICE_TRAIN_NOW: Final = "train_now"
SERVICE_GET_SUGGESTIONS: Final = "get_suggestions"
SERVICE_ACCEPT_SUGGESTION: Final = "accept_suggestion"
SERVICE_REJECT_SUGGESTION: Final = "reject_suggestion"

EVENT_DEVICE_ANOMALY: Final = "homeiq_device_anomaly"
EVENT_NEW_SUGGESTION: Final = "homeiq_new_suggestion"
ISSUE_TRAINING_UNAVAILABLE: Final = "training_unavailable"
ISSUE_DEVICE_AT_RISK_PREFIX: Final = "device_at_risk_"
# Translation keys of a device's repair issue: what to check depends on the device.
ISSUE_DEVICE_AT_RISK_BATTERY: Final = "device_at_risk_battery"  # a battery reason
ISSUE_DEVICE_AT_RISK_BATTERY_DEVICE: Final = "device_at_risk_battery_device"
ISSUE_DEVICE_AT_RISK_MAINS: Final = "device_at_risk_mains"
