"""Tests for run results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.homeiq.core.run import RunOutcome, RunResult, StepOutcome, StepResult

T0 = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)


def _step(name: str, outcome: StepOutcome) -> StepResult:
    return StepResult(name, outcome, T0, 1.5, {"rows": 3}, None)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([], RunOutcome.SUCCESS),
        ([StepOutcome.OK, StepOutcome.OK], RunOutcome.SUCCESS),
        ([StepOutcome.OK, StepOutcome.SKIPPED], RunOutcome.SUCCESS),
        ([StepOutcome.SKIPPED], RunOutcome.SUCCESS),
        ([StepOutcome.OK, StepOutcome.FAILED], RunOutcome.PARTIAL),
        ([StepOutcome.FAILED, StepOutcome.SKIPPED], RunOutcome.FAILED),
        ([StepOutcome.FAILED], RunOutcome.FAILED),
        ([StepOutcome.OK, StepOutcome.CANCELLED], RunOutcome.CANCELLED),
    ],
)
def test_run_outcome(outcomes: list[StepOutcome], expected: RunOutcome) -> None:
    """The run outcome follows from its steps; skipped steps never fail a run."""
    run = RunResult("action", T0, T0, [_step(str(i), o) for i, o in enumerate(outcomes)])
    assert run.outcome is expected


def test_round_trip() -> None:
    """A run survives as_dict / from_dict unchanged."""
    run = RunResult(
        "schedule",
        T0,
        T0 + timedelta(seconds=42.25),
        [_step("read_home", StepOutcome.OK), _step("x", StepOutcome.SKIPPED)],
    )
    data = run.as_dict()
    assert data["duration_s"] == 42.25
    assert data["outcome"] == "success"
    assert RunResult.from_dict(data).as_dict() == data
