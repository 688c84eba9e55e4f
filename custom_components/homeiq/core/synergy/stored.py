"""A night's synergy result as JSON, so that it survives a restart of Home Assistant.

Only the ranked candidates, their scores and the few entities they name (names, units and
areas: what the sentences and automations read) are kept; the suggestions are made again
from them with :func:`.suggestion.make_suggestion`, so a restored suggestion is the one the
night made: the same id, text and automation, and accepting it with edits builds the same
configuration as before the restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Final

from ..home import Entity, Home
from .conditions import Condition, Revert
from .miner import Candidate, Evidence, Trigger
from .suggestion import make_suggestion
from .taxonomy import rule_of_kind

if TYPE_CHECKING:
    from . import SynergyResult

STORED_VERSION: Final = 1


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers (JSON-able)."""
    return value.item() if hasattr(value, "item") else value


def _fields(obj: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj) if f.name not in skip}


def candidate_as_dict(candidate: Candidate) -> dict[str, Any]:
    """A candidate as JSON (its rule by kind)."""
    data = _fields(candidate, skip=("rule", "trigger", "evidence"))
    data["kind"] = candidate.rule.kind
    data["trigger"] = _fields(candidate.trigger)
    evidence = candidate.evidence
    if evidence is None:
        data["evidence"] = None
    else:
        data["evidence"] = {
            **_fields(evidence, skip=("conditions", "revert")),
            "conditions": [_fields(c) for c in evidence.conditions],
            "revert": None if evidence.revert is None else _fields(evidence.revert),
        }
    return data


def candidate_from_dict(data: Mapping[str, Any]) -> Candidate:
    """Read a stored candidate (``KeyError`` / ``TypeError`` / ``ValueError`` when it is
    malformed or its rule no longer exists)."""
    rest = {k: v for k, v in data.items() if k not in ("kind", "trigger", "evidence")}
    stored = data["evidence"]
    evidence = None
    if stored is not None:
        evidence = Evidence(
            **{k: v for k, v in stored.items() if k not in ("conditions", "revert")},
            conditions=tuple(Condition(**c) for c in stored["conditions"]),
            revert=None if stored["revert"] is None else Revert(**stored["revert"]),
        )
    return Candidate(
        rule=rule_of_kind(str(data["kind"])),
        trigger=Trigger(**data["trigger"]),
        evidence=evidence,
        **rest,
    )


def _named_entities(candidate: Candidate) -> set[str]:
    named = {candidate.cause_id}
    if candidate.effect_id is not None:
        named.add(candidate.effect_id)
    if candidate.evidence is not None:
        named.update(c.entity_id for c in candidate.evidence.conditions if c.entity_id)
    return named


def result_as_dict(result: SynergyResult, home: Home) -> dict[str, Any]:
    """The result as JSON, with the entities its suggestions name as ``home`` has them."""
    suggestions = []
    named: set[str] = set()
    for suggestion in result.suggestions:
        candidate = result.candidates_by_id[suggestion.suggestion_id]
        named |= _named_entities(candidate)
        suggestions.append(
            {
                "candidate": candidate_as_dict(candidate),
                "score": float(suggestion.score),
                "scores": {k: float(v) for k, v in suggestion.scores.items()},
            }
        )
    return {
        "version": STORED_VERSION,
        "figures": {
            "candidates": result.candidates,
            "counted": result.counted,
            "automated": result.automated,
            "days": float(result.days),
            "ranker": result.ranker,
            "graph": dict(result.graph),
        },
        "entities": {e: _fields(home.entities[e]) for e in sorted(named) if e in home.entities},
        "suggestions": suggestions,
    }


def result_from_dict(data: Mapping[str, Any]) -> tuple[SynergyResult, Home]:
    """The stored result and a home of the entities it names (enough to describe and build
    its suggestions). Raises ``KeyError`` / ``TypeError`` / ``ValueError`` when the result
    is malformed or of another version; a suggestion whose rule is gone is left out."""
    from . import SynergyResult

    if data["version"] != STORED_VERSION:
        raise ValueError(f"stored synergy result version {data['version']!r}")
    home = Home(entities={e: Entity(**fields) for e, fields in data["entities"].items()})
    suggestions = []
    by_id: dict[str, Candidate] = {}
    for item in data["suggestions"]:
        try:
            candidate = candidate_from_dict(item["candidate"])
        except KeyError, TypeError, ValueError:
            continue
        suggestion = make_suggestion(home, candidate, float(item["score"]), item["scores"])
        suggestions.append(suggestion)
        by_id[suggestion.suggestion_id] = candidate
    figures = data["figures"]
    result = SynergyResult(
        suggestions=tuple(suggestions),
        candidates=int(figures["candidates"]),
        counted=int(figures["counted"]),
        automated=int(figures["automated"]),
        days=float(figures["days"]),
        ranker=figures["ranker"],
        candidates_by_id=by_id,
        graph=dict(figures.get("graph") or {}),
    )
    return result, home
