"""A night's synergy result survives a restart: stored as JSON, made again the same."""

from __future__ import annotations

import json

import pytest

from custom_components.homeiq.core.synergy import suggest
from custom_components.homeiq.core.synergy.stored import (
    candidate_as_dict,
    candidate_from_dict,
    result_as_dict,
    result_from_dict,
)
from tools.synthetic import generate_home


@pytest.fixture(scope="module")
def stored() -> tuple[object, dict[str, object]]:
    """A 13-day generated home's result and its JSON form (through a JSON round trip)."""
    home = generate_home(4, target_entities=30, days=13, start_ts=1_795_000_000.0).home
    result = suggest(home, home.window_end)
    return result, json.loads(json.dumps(result_as_dict(result, home)))


def test_the_restored_result_is_the_same(stored: tuple[object, dict[str, object]]) -> None:
    """Every suggestion (id, text, automation, evidence, scores) and figure comes back."""
    result, data = stored
    restored, home = result_from_dict(data)
    assert restored == result
    assert len(restored.suggestions) > 10
    assert any(s.evidence is not None and s.evidence.revert for s in restored.suggestions)
    # Only the entities the suggestions name are kept, with their names, units and areas.
    named = {s.cause_id for s in restored.suggestions} | {
        s.effect_id for s in restored.suggestions if s.effect_id
    }
    assert named <= set(home.entities)
    assert not home.histories


def test_a_candidate_of_a_rule_that_is_gone_is_left_out(
    stored: tuple[object, dict[str, object]],
) -> None:
    """A stored suggestion whose rule an update removed is dropped; the others stay."""
    result, data = stored
    items = data["suggestions"]
    assert isinstance(items, list)
    gone = {**items[0], "candidate": {**items[0]["candidate"], "kind": "gone"}}
    restored, _ = result_from_dict({**data, "suggestions": [gone, *items[1:]]})
    assert [s.suggestion_id for s in restored.suggestions] == [
        s.suggestion_id for s in result.suggestions[1:]
    ]


def test_another_version_is_refused(stored: tuple[object, dict[str, object]]) -> None:
    """A result stored in another format is not read (the next run makes a new one)."""
    _, data = stored
    with pytest.raises(ValueError, match="version"):
        result_from_dict({**data, "version": 99})


def test_a_candidate_round_trips(stored: tuple[object, dict[str, object]]) -> None:
    """Rule (by kind), trigger, evidence with conditions and revert."""
    result, _ = stored
    for candidate in result.candidates_by_id.values():
        assert (
            candidate_from_dict(json.loads(json.dumps(candidate_as_dict(candidate)))) == candidate
        )
