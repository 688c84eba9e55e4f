"""Reduce an automation's configuration to what triggers it and what it acts on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import re
from typing import Any

from .model import Automation

_ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_SERVICE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
# Keys whose content is not an action target: conditions and nested triggers.
_SKIP_KEYS = frozenset({"condition", "conditions", "wait_for_trigger", "trigger", "triggers"})

type Resolver = Callable[[str], str | None]


def _entity_ids(value: Any, resolve: Resolver) -> list[str]:
    """Entity ids in an ``entity_id`` value: a string, comma list or list; templates skipped."""
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        return []
    found: list[str] = []
    for raw in items:
        if not isinstance(raw, str) or "{" in raw:
            continue
        item = raw.strip().lower()
        if _ENTITY_ID.match(item):
            found.append(item)
        # Device triggers and actions name an entity registry id instead.
        elif (resolved := resolve(raw.strip())) is not None:
            found.append(resolved)
    return found


def _walk_triggers(triggers: Any, resolve: Resolver, out: list[str]) -> None:
    for trigger in triggers if isinstance(triggers, list) else [triggers]:
        if isinstance(trigger, Mapping):
            out.extend(_entity_ids(trigger.get("entity_id"), resolve))


def _walk_actions(node: Any, resolve: Resolver, entities: list[str], services: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_actions(item, resolve, entities, services)
        return
    if not isinstance(node, Mapping):
        return
    if "condition" in node and not ("action" in node or "service" in node):
        return  # a condition step tests entities; it does not act on them
    for key in ("action", "service"):
        service = node.get(key)
        if isinstance(service, str) and _SERVICE.match(service):
            services.append(service)
    for key, value in node.items():
        if key == "entity_id":
            entities.extend(_entity_ids(value, resolve))
        elif key not in _SKIP_KEYS:
            _walk_actions(value, resolve, entities, services)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def reduce_automation(
    config: Mapping[str, Any],
    *,
    fallback_id: str,
    enabled: bool,
    resolve: Resolver = lambda _: None,
) -> Automation:
    """Reduce an automation configuration to trigger entities → action entities / services.

    ``resolve`` maps an entity registry id (used by device triggers and actions) to an
    entity id. Templates and anything unreadable are skipped, never raised.
    """
    triggers: list[str] = []
    _walk_triggers(config.get("triggers", config.get("trigger", [])), resolve, triggers)
    entities: list[str] = []
    services: list[str] = []
    _walk_actions(config.get("actions", config.get("action", [])), resolve, entities, services)
    automation_id = config.get("id")
    alias = config.get("alias")
    return Automation(
        automation_id=str(automation_id) if automation_id else fallback_id,
        name=str(alias) if alias else fallback_id,
        enabled=enabled,
        trigger_entities=_unique(triggers),
        action_entities=_unique(entities),
        action_services=_unique(services),
    )
