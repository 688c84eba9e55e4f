"""Synergy suggestions in Home Assistant: the last result, the user's answers, the events.

:class:`SuggestionBook` keeps, per config entry and across restarts (one
``homeassistant.helpers.storage.Store``): the last night's ranked suggestions, every answer
(explicit from the actions and the options flow, implicit from what happened to the
automations created from suggestions), the suggestion ids already announced with
``homeiq_new_suggestion`` and the automations created from suggestions. The ranking itself
is the core's (:func:`..core.synergy.open_suggestions`): answers re-rank at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.components.automation.const import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, EVENT_NEW_SUGGESTION, LOGGER
from .core.home import Home
from .core.synergy import (
    Answer,
    Edits,
    Suggestion,
    SynergyResult,
    Verdict,
    build_automation,
    latest,
    open_suggestions,
)
from .core.synergy.feedback import undone_count
from .core.synergy.stored import result_as_dict, result_from_dict
from .core.synergy.suggestion import describe_short
from .home.automation_writer import async_automation_ids, async_create_automation

SYNERGY_VERSION: Final = 1
TOP_ATTRIBUTE: Final = 5  # suggestions the sensor shows as attributes
MAX_DELAY_S: Final = 86400.0


def synergy_store_key(entry_id: str) -> str:
    """The storage key of an entry's suggestions and answers."""
    return f"{DOMAIN}.synergy.{entry_id}"


@dataclass(frozen=True, slots=True)
class OpenSuggestion:
    """A suggestion still open, with its one-line title (the options flow's label)."""

    suggestion: Suggestion
    title: str

    def short(self) -> dict[str, Any]:
        """The few fields the sensor shows."""
        s = self.suggestion
        return {
            "id": s.suggestion_id,
            "title": self.title,
            "kind": s.kind,
            "cause": s.cause_id,
            "effect": s.effect_id,
            "area": s.area_id,
            "score": round(s.score, 3),
            "likely": s.likely,
        }


@dataclass(slots=True)
class CreatedAutomation:
    """An automation created from a suggestion, and the implicit answers recorded for it."""

    suggestion_id: str
    automation_id: str  # the id in automations.yaml
    entity_id: str | None
    kind: str
    cause_id: str
    effect_id: str | None
    effect_state: str
    created_at: float
    recorded: list[str] = field(default_factory=list)  # implicit verdicts recorded

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "suggestion_id": self.suggestion_id,
            "automation_id": self.automation_id,
            "entity_id": self.entity_id,
            "kind": self.kind,
            "cause_id": self.cause_id,
            "effect_id": self.effect_id,
            "effect_state": self.effect_state,
            "created_at": self.created_at,
            "recorded": list(self.recorded),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CreatedAutomation:
        """Read a stored record (``KeyError`` / ``TypeError`` / ``ValueError`` if malformed)."""
        return cls(
            suggestion_id=str(data["suggestion_id"]),
            automation_id=str(data["automation_id"]),
            entity_id=None if data.get("entity_id") is None else str(data["entity_id"]),
            kind=str(data["kind"]),
            cause_id=str(data["cause_id"]),
            effect_id=None if data.get("effect_id") is None else str(data["effect_id"]),
            effect_state=str(data["effect_state"]),
            created_at=float(data["created_at"]),
            recorded=[str(v) for v in data.get("recorded") or []],
        )


def _answer(
    suggestion: Suggestion,
    verdict: Verdict,
    at: float,
    *,
    reason: str | None = None,
    automation_id: str | None = None,
) -> Answer:
    """The user's answer about ``suggestion``."""
    return Answer(
        suggestion_id=suggestion.suggestion_id,
        kind=suggestion.kind,
        cause_id=suggestion.cause_id,
        effect_id=suggestion.effect_id,
        verdict=verdict,
        at=at,
        reason=reason,
        automation_id=automation_id,
    )


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class SuggestionBook:
    """An entry's suggestions, answers, announced ids and created automations."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create an empty book; :meth:`async_load` reads the stored one."""
        self.hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, SYNERGY_VERSION, synergy_store_key(entry_id)
        )
        self.result: SynergyResult | None = None
        self.home: Home | None = None  # what the result's suggestions were made from
        self.answers: list[Answer] = []
        self.announced: set[str] = set()
        self.created: dict[str, CreatedAutomation] = {}
        self._titles: dict[str, str] = {}
        self._accepting = asyncio.Lock()

    async def async_load(self) -> None:
        """Read the stored book; unreadable parts are left out (and logged)."""
        stored = await self._store.async_load() or {}
        for data in stored.get("answers") or []:
            try:
                self.answers.append(Answer.from_dict(data))
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Ignoring an unreadable stored answer: %s", data)
        self.announced = {str(s) for s in stored.get("announced") or []}
        for data in stored.get("created") or []:
            try:
                created = CreatedAutomation.from_dict(data)
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Ignoring an unreadable stored created automation: %s", data)
                continue
            self.created[created.suggestion_id] = created
        if (result := stored.get("result")) is not None:
            try:
                restored = await self.hass.async_add_executor_job(result_from_dict, result)
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Ignoring the unreadable stored suggestions")
            else:
                self._set_result(*restored)

    def _data(self) -> dict[str, Any]:
        return {
            "answers": [a.as_dict() for a in self.answers],
            "announced": sorted(self.announced),
            "created": [c.as_dict() for c in self.created.values()],
            "result": None
            if self.result is None or self.home is None
            else result_as_dict(self.result, self.home),
        }

    async def async_save(self) -> None:
        """Write the book."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the stored book (the entry is removed)."""
        await self._store.async_remove()

    def _set_result(self, result: SynergyResult, home: Home) -> None:
        self.result = result
        self.home = home
        self._titles = {
            sid: describe_short(home, candidate)
            for sid, candidate in result.candidates_by_id.items()
        }

    def open(self) -> tuple[OpenSuggestion, ...] | None:
        """Every open suggestion, best first after the answers (``None``: no result yet)."""
        if self.result is None:
            return None
        found = open_suggestions(self.result, self.answers, limit=len(self.result.suggestions))
        return tuple(OpenSuggestion(s, self._titles.get(s.suggestion_id, s.kind)) for s in found)

    def _require_result(self) -> SynergyResult:
        if self.result is None:
            raise _error("no_suggestions")
        return self.result

    def _known(self, suggestion_id: str) -> Suggestion:
        result = self._require_result()
        for suggestion in result.suggestions:
            if suggestion.suggestion_id == suggestion_id:
                return suggestion
        raise _error("unknown_suggestion", id=suggestion_id)

    def _not_accepted(self, suggestion_id: str) -> None:
        if (created := self.created.get(suggestion_id)) is not None:
            raise _error("suggestion_accepted", id=suggestion_id, automation=created.automation_id)

    def _record(self, answer: Answer) -> None:
        self.answers.append(answer)

    def can_delay(self, suggestion_id: str) -> bool:
        """Whether the suggestion's automation has a revert half whose delay can be set."""
        candidate = self.result.candidates_by_id.get(suggestion_id) if self.result else None
        return (
            candidate is not None
            and candidate.rule.revert_service is not None
            and candidate.effect_id is not None
        )

    def mined_delay(self, suggestion_id: str) -> float | None:
        """The revert delay the history showed (s), if any."""
        candidate = self.result.candidates_by_id.get(suggestion_id) if self.result else None
        evidence = candidate.evidence if candidate is not None else None
        return None if evidence is None or evidence.revert is None else evidence.revert.delay_s

    def _edits(self, suggestion: Suggestion, delay_s: float | None, level: float | None) -> Edits:
        """Check the user's edits against the suggestion (translated errors)."""
        assert self.result is not None
        candidate = self.result.candidates_by_id[suggestion.suggestion_id]
        if delay_s is not None:
            if not 0 <= delay_s <= MAX_DELAY_S:
                raise _error("bad_delay", delay=f"{delay_s:g}")
            if not self.can_delay(suggestion.suggestion_id):
                raise _error("no_revert", id=suggestion.suggestion_id)
        if level is not None and candidate.trigger.above is None:
            raise _error("level_not_numeric", id=suggestion.suggestion_id)
        return Edits(revert_delay_s=delay_s, level=level)

    async def async_accept(
        self, suggestion_id: str, *, delay_s: float | None = None, level: float | None = None
    ) -> dict[str, Any]:
        """Create the suggestion's automation (with the edits) and record the acceptance.

        Raises a translated ``ServiceValidationError`` for an unknown or already accepted
        suggestion and for edits that do not fit it; the writer's ``HomeAssistantError``
        when the automation cannot be written (nothing is recorded then).
        """
        async with self._accepting:  # two accepts of one suggestion create it once
            suggestion = self._known(suggestion_id)
            self._not_accepted(suggestion_id)
            edits = self._edits(suggestion, delay_s, level)
            assert self.result is not None
            assert self.home is not None
            candidate = self.result.candidates_by_id[suggestion_id]
            config = build_automation(self.home, candidate, suggestion_id, suggestion.text, edits)
            entity_id = await async_create_automation(self.hass, config)
            now = dt_util.utcnow().timestamp()
            automation_id = str(config["id"])
            self._record(_answer(suggestion, Verdict.ACCEPTED, now, automation_id=automation_id))
            self.created[suggestion_id] = CreatedAutomation(
                suggestion_id=suggestion_id,
                automation_id=automation_id,
                entity_id=entity_id if entity_id.startswith(f"{AUTOMATION_DOMAIN}.") else None,
                kind=suggestion.kind,
                cause_id=suggestion.cause_id,
                effect_id=suggestion.effect_id,
                effect_state=candidate.rule.effect_state,
                created_at=now,
            )
            await self.async_save()
        return {
            "id": suggestion_id,
            "automation_id": automation_id,
            "entity_id": self.created[suggestion_id].entity_id,
            "automation": config,
        }

    async def async_reject(self, suggestion_id: str, reason: str | None = None) -> None:
        """Record a rejection (a suggestion already made an automation cannot be rejected:
        disabling or deleting that automation is the answer)."""
        suggestion = self._known(suggestion_id)
        self._not_accepted(suggestion_id)
        now = dt_util.utcnow().timestamp()
        self._record(_answer(suggestion, Verdict.REJECTED, now, reason=reason or None))
        await self.async_save()

    async def async_assessed(self, result: SynergyResult, home: Home) -> dict[str, Any]:
        """Take a night's result: record the implicit answers (``home`` has the history),
        announce new suggestions, save; the step's figures."""
        implicit = await self._async_implicit_answers(home)
        self._set_result(result, home)
        new = self._announce()
        await self.async_save()
        opened = self.open() or ()
        return {
            **result.as_dict(),
            "open": len(opened),
            "likely": sum(item.suggestion.likely for item in opened),
            "new": new,
            "answers": len(latest(self.answers)),
            "implicit": implicit,
        }

    def _announce(self) -> int:
        """Fire ``homeiq_new_suggestion`` once per open suggestion likely worth automating
        (scoring at the operating point or above) that was never announced: the first run
        does not announce every cold-start idea."""
        fired = 0
        for item in self.open() or ():
            s = item.suggestion
            if s.suggestion_id in self.announced or not s.likely:
                continue
            self.announced.add(s.suggestion_id)
            fired += 1
            self.hass.bus.async_fire(
                EVENT_NEW_SUGGESTION,
                {
                    "id": s.suggestion_id,
                    "kind": s.kind,
                    "cause": s.cause_id,
                    "effect": s.effect_id,
                    "text": s.text,
                },
            )
        return fired

    async def _async_implicit_answers(self, home: Home) -> dict[str, int]:
        """Answers from what happened to the created automations: deleted from
        automations.yaml, disabled (its entity is off), or undone by people soon after it
        ran (:func:`..core.synergy.feedback.undone_count`); each recorded once."""
        counts = {str(v): 0 for v in (Verdict.DELETED, Verdict.DISABLED, Verdict.UNDONE)}
        if not self.created:
            return counts
        try:
            in_file: set[str] | None = await async_automation_ids(self.hass)
        except HomeAssistantError as err:
            LOGGER.warning("Cannot read automations.yaml to check HomeIQ's automations: %s", err)
            in_file = None
        registry = er.async_get(self.hass)
        now = dt_util.utcnow().timestamp()
        for created in self.created.values():
            verdicts: list[Verdict] = []
            if in_file is not None and created.automation_id not in in_file:
                verdicts.append(Verdict.DELETED)
            else:
                entity_id = created.entity_id or registry.async_get_entity_id(
                    AUTOMATION_DOMAIN, AUTOMATION_DOMAIN, created.automation_id
                )
                state = self.hass.states.get(entity_id) if entity_id else None
                if state is not None and state.state == STATE_OFF:
                    verdicts.append(Verdict.DISABLED)
            if created.effect_id is not None:
                undone = await self.hass.async_add_executor_job(
                    undone_count, home, created.effect_id, created.effect_state, created.created_at
                )
                if undone.against:
                    verdicts.append(Verdict.UNDONE)
            for verdict in verdicts:
                if str(verdict) in created.recorded:
                    continue
                created.recorded.append(str(verdict))
                counts[str(verdict)] += 1
                self._record(
                    Answer(
                        suggestion_id=created.suggestion_id,
                        kind=created.kind,
                        cause_id=created.cause_id,
                        effect_id=created.effect_id,
                        verdict=verdict,
                        at=now,
                        automation_id=created.automation_id,
                    )
                )
        return counts

    def diagnostics(self) -> dict[str, Any]:
        """What the book holds, for diagnostics (the caller redacts)."""
        opened = self.open()
        return {
            "result": None if self.result is None else self.result.as_dict(),
            "open": None if opened is None else len(opened),
            "answers": [a.as_dict() for a in self.answers],
            "announced": len(self.announced),
            "created": [c.as_dict() for c in self.created.values()],
        }
