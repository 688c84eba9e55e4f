"""The user's answers to suggestions: accept / reject, and what they did afterwards.

Explicit answers come from the actions and the UI; implicit ones from what happened to an
automation created from a suggestion (disabled or deleted: a rejection) and from people
undoing its action soon after it ran (against it). The latest answer about a suggestion
wins. Answers change the ranking at once (:func:`kind_offsets`: a rejected pair leaves the
list and its lookalikes — the same kind of pair elsewhere — fall, an accepted pair's rise)
and are kept for the next training run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Final

import numpy as np

from ..home import Home, Origin


class Verdict(StrEnum):
    """What the user's answer was."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISABLED = "disabled"  # the created automation was disabled
    DELETED = "deleted"  # the created automation was deleted
    UNDONE = "undone"  # people undid its action soon after it ran


AGAINST: Final = frozenset({Verdict.REJECTED, Verdict.DISABLED, Verdict.DELETED, Verdict.UNDONE})
UNDO_WINDOW_S: Final = 120.0  # a person changing the effect back this soon undid the action
MIN_UNDONE: Final = 3  # undone runs (and share of runs) that count as an answer against
MIN_UNDONE_SHARE: Final = 0.3
KIND_STEP: Final = 0.7  # logit change of a pair's lookalikes per answer about its kind
KIND_LIMIT: Final = 2.5


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer about one suggestion."""

    suggestion_id: str
    kind: str
    cause_id: str
    effect_id: str | None
    verdict: Verdict
    at: float
    reason: str | None = None
    automation_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (storage, diagnostics)."""
        return {**asdict(self), "verdict": str(self.verdict)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        """Read a stored answer (``ValueError`` / ``KeyError`` when malformed)."""
        return cls(
            suggestion_id=str(data["suggestion_id"]),
            kind=str(data["kind"]),
            cause_id=str(data["cause_id"]),
            effect_id=None if data.get("effect_id") is None else str(data["effect_id"]),
            verdict=Verdict(data["verdict"]),
            at=float(data["at"]),
            reason=None if data.get("reason") is None else str(data["reason"]),
            automation_id=None if data.get("automation_id") is None else str(data["automation_id"]),
        )


def latest(answers: Iterable[Answer]) -> dict[str, Answer]:
    """The latest answer about each suggestion."""
    found: dict[str, Answer] = {}
    for answer in sorted(answers, key=lambda a: a.at):
        found[answer.suggestion_id] = answer
    return found


def kind_offsets(answers: Iterable[Answer]) -> dict[str, float]:
    """How much each kind of pair rises (accepted) or falls (against) in logit terms."""
    offsets: dict[str, float] = {}
    for answer in latest(answers).values():
        step = KIND_STEP if answer.verdict is Verdict.ACCEPTED else -KIND_STEP
        offsets[answer.kind] = max(
            -KIND_LIMIT, min(KIND_LIMIT, offsets.get(answer.kind, 0.0) + step)
        )
    return offsets


def answered_ids(answers: Iterable[Answer]) -> set[str]:
    """Suggestions that are no longer open: accepted (now an automation) or answered against."""
    return set(latest(answers))


@dataclass(frozen=True, slots=True)
class Undone:
    """How often an automation's action was undone by a person soon after it ran."""

    runs: int  # the effect brought to its state by an automation
    undone: int  # of those, changed back by a person within :data:`UNDO_WINDOW_S`

    @property
    def against(self) -> bool:
        """Whether it was undone often enough to count as an answer against it."""
        return self.undone >= MIN_UNDONE and self.undone >= MIN_UNDONE_SHARE * self.runs


def undone_count(
    home: Home, effect_id: str, effect_state: str, since: float, window_s: float = UNDO_WINDOW_S
) -> Undone:
    """Changes of ``effect_id`` to ``effect_state`` made by an automation after ``since``, and
    how many of them a person changed back (the next row: by hand, another state) within
    ``window_s``."""
    history = home.histories.get(effect_id)
    if history is None or len(history) == 0 or effect_state not in history.vocabulary:
        return Undone(0, 0)
    code = history.vocabulary.index(effect_state)
    ran = np.flatnonzero(
        (history.codes == code)
        & (history.origins == Origin.AUTOMATION)
        & (history.timestamps >= since)
    )
    nxt = ran + 1
    has_next = nxt < len(history)
    ran_next, nxt = ran[has_next], nxt[has_next]
    back = (
        (history.codes[nxt] != code)
        & (history.origins[nxt] == Origin.USER)
        & (history.timestamps[nxt] - history.timestamps[ran_next] <= window_s)
    )
    return Undone(int(ran.size), int(back.sum()))
