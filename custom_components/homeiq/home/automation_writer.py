"""Writes automations into ``automations.yaml`` (placeholder).

PLACEHOLDER: the safe writer (the automation editor's lock, malformed files, a failing
reload, configurations without ``automations.yaml``) is built on its own branch and
replaces this module at merge. This one validates with Home Assistant's automation config
validation, replaces or appends the automation by its id, writes the file atomically and
reloads that automation, so the suggestion actions can be tested end to end.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.components.automation.const import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.config import AUTOMATION_CONFIG_PATH
from homeassistant.const import CONF_ID, SERVICE_RELOAD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util.file import write_utf8_file_atomic
from homeassistant.util.yaml import dump, load_yaml

_LOCK = asyncio.Lock()


class AutomationWriteError(HomeAssistantError):
    """The automation could not be written."""


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    loaded = load_yaml(str(path))
    return list(loaded) if isinstance(loaded, list) else []


def _write(path: Path, config: dict[str, Any]) -> None:
    current = [a for a in _read(path) if a.get(CONF_ID) != config[CONF_ID]]
    write_utf8_file_atomic(str(path), dump([*current, config]))


async def async_create_automation(hass: HomeAssistant, config: dict[str, Any]) -> str:
    """Write ``config`` into ``automations.yaml`` and reload it; its entity id (or its config
    id when no entity can be found)."""
    automation_id = str(config[CONF_ID])
    try:
        await async_validate_config_item(hass, automation_id, config)
    except Exception as err:
        raise AutomationWriteError(f"invalid automation: {err}") from err
    path = Path(hass.config.path(AUTOMATION_CONFIG_PATH))
    async with _LOCK:
        await hass.async_add_executor_job(_write, path, config)
    await hass.services.async_call(
        AUTOMATION_DOMAIN, SERVICE_RELOAD, {CONF_ID: automation_id}, blocking=True
    )
    entity_id = er.async_get(hass).async_get_entity_id(
        AUTOMATION_DOMAIN, AUTOMATION_DOMAIN, automation_id
    )
    return entity_id or automation_id


async def async_automation_ids(hass: HomeAssistant) -> set[str]:
    """The ids of the automations in ``automations.yaml``."""
    path = Path(hass.config.path(AUTOMATION_CONFIG_PATH))
    automations = await hass.async_add_executor_job(_read, path)
    return {str(a[CONF_ID]) for a in automations if CONF_ID in a}
