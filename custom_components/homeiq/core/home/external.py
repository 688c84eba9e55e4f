"""Find a real home's external series among its entities.

Synthetic homes carry ``outdoor_temperature``, ``carbon_intensity`` and
``electricity_price`` in :attr:`Home.external`; in a real home they are ordinary sensors,
recognised here by unit, device class and name, and exposed under the same names.
"""

from __future__ import annotations

import re

from .model import Entity, Home

OUTDOOR_WORDS = re.compile(r"outdoor|outside|exterior|garden|balcony|porch|yard|weather")
CARBON_UNITS = frozenset({"gco2eq/kwh", "gco2/kwh", "g/kwh"})
PRICE_UNIT = re.compile(r"^(€|\$|£|eur|usd|gbp|ct|c|cent|cents|sek|nok|dkk|chf|pln)/kwh$")


def _text(entity: Entity, area_names: dict[str, str]) -> str:
    area = area_names.get(entity.area_id or "", "")
    return f"{entity.entity_id} {entity.name or ''} {area}".lower()


def find_external_entities(home: Home) -> dict[str, str]:
    """Map each external series name to the entity that provides it (best match only)."""
    area_names = {area.area_id: area.name for area in home.areas.values()}
    found: dict[str, str] = {}
    for entity_id in sorted(home.entities):
        entity = home.entities[entity_id]
        if entity.domain != "sensor" or not entity.enabled:
            continue
        unit = (entity.unit or "").replace(" ", "").lower()
        if unit in CARBON_UNITS:
            found.setdefault("carbon_intensity", entity_id)
        elif PRICE_UNIT.match(unit) or (
            entity.device_class == "monetary" and unit.endswith("/kwh")
        ):
            found.setdefault("electricity_price", entity_id)
        elif entity.device_class == "temperature" and OUTDOOR_WORDS.search(
            _text(entity, area_names)
        ):
            found.setdefault("outdoor_temperature", entity_id)
    return found


def attach_external_series(home: Home) -> dict[str, str]:
    """Fill :attr:`Home.external` from the home's own sensors; return what was used."""
    found = {
        name: entity_id
        for name, entity_id in find_external_entities(home).items()
        if entity_id in home.histories
    }
    for name, entity_id in found.items():
        home.external[name] = home.histories[entity_id]
    return found
