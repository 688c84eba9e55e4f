"""Results of a training run: one record per pipeline step, plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class StepOutcome(StrEnum):
    """How one pipeline step ended."""

    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RunOutcome(StrEnum):
    """How a whole training run ended."""

    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class StepResult:
    """What one step of a run did: its outcome, timing, and the figures it produced."""

    name: str
    outcome: StepOutcome
    started: datetime
    duration_s: float
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dictionary."""
        return {
            "name": self.name,
            "outcome": self.outcome.value,
            "started": self.started.isoformat(),
            "duration_s": round(self.duration_s, 3),
            "details": self.details,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepResult:
        """Rebuild a step result stored with :meth:`as_dict`."""
        return cls(
            name=str(data["name"]),
            outcome=StepOutcome(data["outcome"]),
            started=datetime.fromisoformat(data["started"]),
            duration_s=float(data["duration_s"]),
            details=dict(data.get("details") or {}),
            reason=data.get("reason"),
        )


@dataclass(slots=True)
class RunResult:
    """One training run: why it started, when, how long, how it ended, and its steps."""

    trigger: str
    started: datetime
    finished: datetime
    steps: list[StepResult]

    @property
    def duration_s(self) -> float:
        """Wall-clock duration of the run in seconds."""
        return (self.finished - self.started).total_seconds()

    @property
    def outcome(self) -> RunOutcome:
        """Overall outcome derived from the steps.

        Cancelled wins; a run whose every attempted step failed has failed; a run with
        some failed steps is partial; skipped steps (not enough data, library missing) do
        not make a run fail.
        """
        outcomes = [step.outcome for step in self.steps]
        if StepOutcome.CANCELLED in outcomes:
            return RunOutcome.CANCELLED
        attempted = [o for o in outcomes if o is not StepOutcome.SKIPPED]
        failed = [o for o in attempted if o is StepOutcome.FAILED]
        if attempted and len(failed) == len(attempted):
            return RunOutcome.FAILED
        if failed:
            return RunOutcome.PARTIAL
        return RunOutcome.SUCCESS

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dictionary."""
        return {
            "trigger": self.trigger,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "duration_s": round(self.duration_s, 3),
            "outcome": self.outcome.value,
            "steps": [step.as_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """Rebuild a run stored with :meth:`as_dict`."""
        return cls(
            trigger=str(data["trigger"]),
            started=datetime.fromisoformat(data["started"]),
            finished=datetime.fromisoformat(data["finished"]),
            steps=[StepResult.from_dict(step) for step in data["steps"]],
        )
