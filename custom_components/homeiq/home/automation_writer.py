"""Write an automation where Home Assistant's automation editor keeps its own.

An accepted suggestion becomes an entry of ``automations.yaml`` (the editor's file, with the
suggestion's unique ``id``), so it shows up in the automation editor and edits there like one
made by hand. The order of a create:

1. the configuration is validated by Home Assistant's own automation validation (the
   function the editor's save calls) — an invalid automation is refused, nothing is written;
2. ``configuration.yaml`` must load ``automations.yaml`` for the ``automation`` integration
   (``automation: !include automations.yaml``, as a new Home Assistant configuration has it);
   otherwise the automation would be written and never loaded — refused, nothing written;
3. under the editor's own lock (the ``mutation_lock`` of its view, found on the HTTP router;
   a lock of HomeIQ's own when the editor is not loaded) ``automations.yaml`` is read the way
   the editor reads it — a file that does not parse into a list of automations is refused and
   left byte for byte as it was —, the entry is added (or replaced: one id, one automation),
   dumped with the editor's key order and YAML dumper and written atomically
   (``write_utf8_file_atomic``);
4. ``automation.reload`` for that id, still under the lock; if it fails, the file gets its
   previous bytes back (see :func:`async_create_automation` for why) and the failure is
   reported.

Holding the editor's lock means an editor save and a HomeIQ create never read the same old
file and overwrite each other's entry. Writers that do not take it (a text editor, another
integration) are outside what any of this can order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import inspect
import json
import os
from typing import Any, Final

from homeassistant.config import (
    AUTOMATION_CONFIG_PATH,
    YAML_CONFIG_FILE,
    extract_domain_configs,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util.file import write_utf8_file_atomic
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.yaml import dump, load_yaml
import probatio
from probatio.humanize import humanize_error
import yaml

from ..const import DOMAIN, LOGGER

AUTOMATION_DOMAIN: Final = "automation"
# The automation editor's save endpoint (homeassistant/components/config/automation.py).
EDITOR_URL: Final = "/api/config/automation/config/{config_key}"
# The editor writes these keys first, in this order, then the rest as given.
EDITOR_KEY_ORDER: Final = (
    "alias",
    "description",
    "triggers",
    "trigger",
    "conditions",
    "condition",
    "actions",
    "action",
)
_OWN_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_automations_yaml_lock")


class AutomationWriteError(HomeAssistantError):
    """An automation could not be created; the message says why and what was left as it was."""


def _error(key: str, **placeholders: str) -> AutomationWriteError:
    return AutomationWriteError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


async def async_create_automation(hass: HomeAssistant, config: dict[str, Any]) -> str:
    """Write ``config`` (with a unique ``id``) into ``automations.yaml`` where the automation
    editor keeps its own, validated by Home Assistant first, atomically, then reload it.

    Returns the automation's entity id once it exists (the config id when no entity is
    registered for it). Creating the same id again replaces that entry: one id, one
    automation.

    A failed reload restores the file's previous bytes rather than keeping the new entry:
    the failure is reported, so the accept must not have happened. A kept entry would be an
    automation that is in the file but does not run, that the user was told was not created,
    and that starts unasked at the next restart or reload. Restored, the file matches what
    Home Assistant runs, and accepting again once the cause is fixed (most often a
    ``configuration.yaml`` that no longer loads) does what the first accept would have. The
    lock is held from the read to the restore, so no editor save falls in between.

    Raises :class:`AutomationWriteError`.
    """
    config_id = config.get("id") if isinstance(config, Mapping) else None
    if not isinstance(config_id, str) or not config_id:
        raise _error("automation_without_id")
    try:
        # What the editor receives is JSON; written as such it edits the same way.
        raw: dict[str, Any] = json.loads(json.dumps(config))
    except (TypeError, ValueError) as err:
        raise _error("automation_invalid", error=str(err)) from err
    await _async_validate(hass, config_id, raw)

    path = hass.config.path(AUTOMATION_CONFIG_PATH)
    await _async_check_automations_file_loaded(hass, path)
    async with _lock(hass):
        before, current = await hass.async_add_executor_job(_read_automations, path)
        _put(current, config_id, raw)
        text = await hass.async_add_executor_job(dump, current)
        if text != before:
            await _async_write(hass, path, text)
        try:
            await hass.services.async_call(
                AUTOMATION_DOMAIN, "reload", {"id": config_id}, blocking=True
            )
        except HomeAssistantError as err:
            if text != before:
                await _async_restore(hass, path, before)
            raise _error("automations_reload_failed", path=path, error=str(err)) from err
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(AUTOMATION_DOMAIN, AUTOMATION_DOMAIN, config_id)
    return entity_id or config_id


async def async_automation_ids(hass: HomeAssistant) -> set[str]:
    """The ids of the automations in ``automations.yaml`` (an absent file has none).

    A file that cannot be read raises :class:`AutomationWriteError` rather than answering
    an empty set: to implicit feedback an empty set would mean every HomeIQ automation was
    deleted.
    """
    path = hass.config.path(AUTOMATION_CONFIG_PATH)
    _, automations = await hass.async_add_executor_job(_read_automations, path)
    return {str(item["id"]) for item in automations if item.get("id") is not None}


async def _async_validate(hass: HomeAssistant, config_id: str, raw: dict[str, Any]) -> None:
    """Home Assistant's validation of one automation (what the editor's save calls)."""
    # Imported here: the automation integration is only needed once something is created.
    from homeassistant.components.automation.config import (
        async_validate_config_item,
    )

    try:
        await async_validate_config_item(hass, config_id, raw)
    except probatio.Invalid as err:
        raise _error("automation_invalid", error=humanize_error(raw, err)) from err
    except HomeAssistantError as err:
        raise _error("automation_invalid", error=str(err)) from err


async def _async_check_automations_file_loaded(hass: HomeAssistant, path: str) -> None:
    """Refuse unless the automation integration runs and loads ``automations.yaml``."""
    config_file = hass.config.path(YAML_CONFIG_FILE)
    try:
        included = await hass.async_add_executor_job(_includes_automations_file, config_file, path)
    except (OSError, yaml.YAMLError) as err:
        raise _error("configuration_unreadable", path=config_file, error=str(err)) from err
    if not included or AUTOMATION_DOMAIN not in hass.config.components:
        raise _error("automations_not_in_file", path=path, config=config_file)


class _Tagged:
    """A YAML value with a tag (``!include automations.yaml``), kept instead of resolved."""

    def __init__(self, tag: str, value: object) -> None:
        self.tag = tag
        self.value = value


class _TagKeepingLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """Loads ``configuration.yaml`` without following ``!include`` or ``!secret``."""


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    value: object
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node)
    else:
        value = None
    return _Tagged(suffix, value)


_TagKeepingLoader.add_multi_constructor("!", _construct_tagged)


def _includes_automations_file(config_file: str, automations_file: str) -> bool:
    """Whether a top-level ``automation`` key (``automation``, ``automation ui`` …) of
    ``config_file`` is ``!include`` of ``automations_file`` (runs in the executor)."""
    with open(config_file, encoding="utf-8") as stream:
        config = yaml.load(stream, Loader=_TagKeepingLoader)
    if not isinstance(config, dict):
        return False
    base = os.path.dirname(config_file)
    target = os.path.realpath(automations_file)
    for key in extract_domain_configs(config, AUTOMATION_DOMAIN):
        value = config[key]
        if (
            isinstance(value, _Tagged)
            and value.tag == "include"
            and isinstance(value.value, str)
            and os.path.realpath(os.path.join(base, value.value)) == target
        ):
            return True
    return False


def _read_automations(path: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The file's text (None when absent) and its automations, read as the editor reads it
    (runs in the executor). Anything but a list of mappings is refused."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as err:
        raise _error("automations_file_malformed", path=path, error=str(err)) from err
    try:
        data = load_yaml(path)
    except HomeAssistantError as err:
        raise _error("automations_file_malformed", path=path, error=str(err)) from err
    if not data:  # an empty file: the editor starts a new list
        return text, []
    if not isinstance(data, list):
        raise _error("automations_file_malformed", path=path, error="it is not a list")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise _error(
                "automations_file_malformed",
                path=path,
                error=f"entry {index + 1} is not an automation",
            )
    return text, data


def _put(automations: list[dict[str, Any]], config_id: str, config: dict[str, Any]) -> None:
    """Replace the entry with ``config_id`` in place, or append it, in the editor's key order
    (``EditAutomationConfigView._write_value``)."""
    entry: dict[str, Any] = {"id": config_id}
    entry.update((key, config[key]) for key in EDITOR_KEY_ORDER if key in config)
    entry.update(config)
    for index, current in enumerate(automations):
        if current.get("id") == config_id:
            automations[index] = entry
            return
    automations.append(entry)


async def _async_write(hass: HomeAssistant, path: str, text: str) -> None:
    try:
        await hass.async_add_executor_job(write_utf8_file_atomic, path, text)
    except HomeAssistantError as err:  # WriteError: the old file is still in place
        raise _error("automations_write_failed", path=path, error=str(err)) from err


async def _async_restore(hass: HomeAssistant, path: str, before: str | None) -> None:
    """Put the previous bytes back (or remove a file that did not exist)."""
    try:
        if before is None:
            await hass.async_add_executor_job(os.remove, path)
        else:
            await hass.async_add_executor_job(write_utf8_file_atomic, path, before)
    except OSError, HomeAssistantError:
        LOGGER.exception("Could not restore %s after a failed automation reload", path)


def _lock(hass: HomeAssistant) -> asyncio.Lock:
    """The automation editor's lock on ``automations.yaml``, else one of HomeIQ's own."""
    return _editor_lock(hass) or hass.data.setdefault(_OWN_LOCK, asyncio.Lock())


def _editor_lock(hass: HomeAssistant) -> asyncio.Lock | None:
    """The ``mutation_lock`` of the editor's view (``BaseEditConfigView``), which its
    reads, saves and deletes hold; None when the ``config`` integration is not loaded.

    Home Assistant gives no handle on the view, so it is found as its POST route's handler
    (``request_handler_factory`` closes over the view).
    """
    app = getattr(hass.http, "app", None)
    if app is None:
        return None
    for route in app.router.routes():
        resource = route.resource
        if route.method != "POST" or resource is None or resource.canonical != EDITOR_URL:
            continue
        handler = route.handler
        if not inspect.isfunction(handler):
            continue
        view = inspect.getclosurevars(handler).nonlocals.get("view")
        lock = getattr(view, "mutation_lock", None)
        if isinstance(lock, asyncio.Lock) and getattr(view, "path", None) == (
            AUTOMATION_CONFIG_PATH
        ):
            return lock
    return None
