"""Tests for ranking and feedback: automated pairs left out, answers re-rank at once."""

from __future__ import annotations

from dataclasses import replace
import json
from pathlib import Path

import numpy as np
import pytest

from custom_components.homeiq.core.home import Automation, Home
from custom_components.homeiq.core.ml.models import SYNERGY_MODEL, load_deployed
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.synergy import (
    Answer,
    SynergyResult,
    Verdict,
    find_candidates,
    latest,
    open_suggestions,
    suggest,
    suggestion_id,
    with_offsets,
)
from custom_components.homeiq.core.synergy.feedback import (
    KIND_LIMIT,
    KIND_STEP,
    answered_ids,
    kind_offsets,
)
from custom_components.homeiq.core.synergy.ranking import (
    FEATURE_NAMES,
    automated_pairs,
    best_per_pair,
    candidate_features,
    combined_scores,
    miner_score,
    ranked,
    rules_score,
)
from custom_components.homeiq.core.synergy.taxonomy import RULES_BY_KIND

from .synergy_home import DEVICE, T0, USER, HomeBuilder, daily, pulses

BUNDLED = Path(__file__).parents[2] / "custom_components/homeiq/models"

HALL = ("binary_sensor.hall_motion", "light.hall")
KITCHEN = ("binary_sensor.kitchen_motion", "light.kitchen")
BATH = ("sensor.bath_humidity", "fan.bath")
GUEST_BATH = ("sensor.guest_bath_humidity", "fan.guest_bath")
DOOR = ("binary_sensor.front_door", "lock.front_door")


def rooms() -> Home:
    """No history: motion and a light in the hall and the kitchen, humidity and a fan in two
    bathrooms, the front door and its lock in the hall."""
    builder = HomeBuilder(0)
    for motion, light in (HALL, KITCHEN):
        area = light.partition(".")[2]
        builder.entity(motion, device_class="motion", area=area).entity(light, area=area)
    for humidity, fan in (BATH, GUEST_BATH):
        area = fan.partition(".")[2]
        builder.entity(humidity, device_class="humidity", unit="%", area=area)
        builder.entity(fan, area=area)
    builder.entity(DOOR[0], device_class="door", area="hall").entity(DOOR[1], area="hall")
    return builder.home


def answer(kind: str, pair: tuple[str, str | None], verdict: Verdict, at: float) -> Answer:
    """An answer about the suggestion of ``kind`` for ``pair``."""
    cause, effect = pair
    return Answer(suggestion_id(kind, cause, effect), kind, cause, effect, verdict, at)


def order(suggestions: list) -> list[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    """(kind, cause, effect) best first."""
    return [(s.kind, s.cause_id, s.effect_id) for s in suggestions]


def test_without_a_ranker_the_order_follows_the_rule_prior() -> None:
    """Cold start: no ranker, no evidence — combined = 0.3 × prior; the best rule per pair
    only (the door → light pair is not offered twice), ties in a stable order."""
    result = suggest(rooms(), T0)
    scores = {(s.kind, s.cause_id, s.effect_id): s.score for s in result.suggestions}
    assert scores[("motion_light", *HALL)] == pytest.approx(0.3 * 0.9)
    assert scores[("humidity_fan", *BATH)] == pytest.approx(0.3 * 0.85)
    assert scores[("door_lock", *DOOR)] == pytest.approx(0.3 * 0.55)
    assert scores[("door_notify", DOOR[0], None)] == pytest.approx(0.3 * 0.3)
    assert [s.score for s in result.suggestions] == sorted(
        (s.score for s in result.suggestions), reverse=True
    )
    assert len({(s.cause_id, s.effect_id) for s in result.suggestions}) == len(result.suggestions)
    assert result.suggestions[0].scores == {
        "rules": pytest.approx(0.9),
        "miner": 0.0,
        "combined": pytest.approx(0.27),
    }
    assert result.ranker is None
    assert result.as_dict()["already_automated"] == 0
    assert set(result.candidates_by_id) == {s.suggestion_id for s in result.suggestions}
    again = suggest(rooms(), T0)
    assert order(list(again.suggestions)) == order(list(result.suggestions))


def test_pairs_the_home_already_automates_are_left_out() -> None:
    """An automation from hall motion to the hall light, and one notifying on the front door:
    neither pair is suggested; the lookalikes are."""
    home = rooms()
    home.automations = [
        Automation("a1", "Hall light", True, (HALL[0],), (HALL[1],), ("light.turn_on",)),
        Automation("a2", "Door", True, (DOOR[0],), (), ("notify.mobile_app_phone",)),
    ]
    assert automated_pairs(home) == {HALL, (DOOR[0], "notify")}
    result = suggest(home, T0)
    pairs = {(s.cause_id, s.effect_id or "notify") for s in result.suggestions}
    assert HALL not in pairs
    assert (DOOR[0], "notify") not in pairs
    assert KITCHEN in pairs
    assert DOOR in pairs
    assert result.automated == 2
    assert result.as_dict()["already_automated"] == 2


def test_answered_suggestions_leave_the_open_list() -> None:
    """An accepted and a rejected suggestion are no longer open; the rest stay."""
    result = suggest(rooms(), T0)
    answers = [
        answer("motion_light", HALL, Verdict.REJECTED, 1.0),
        answer("door_lock", DOOR, Verdict.ACCEPTED, 2.0),
    ]
    still = open_suggestions(result, answers)
    ids = {s.suggestion_id for s in still}
    assert answers[0].suggestion_id not in ids
    assert answers[1].suggestion_id not in ids
    assert len(still) == len(result.suggestions) - 2
    assert len(open_suggestions(result, [], limit=3)) == 3


def test_a_rejected_kind_s_lookalikes_fall_and_an_accepted_kind_s_rise() -> None:
    """Rejecting the hall motion light drops the kitchen's below both humidity fans; accepting
    a bathroom fan lifts the guest bathroom's to the top."""
    result = suggest(rooms(), T0)
    before = order(open_suggestions(result, []))
    kitchen, guest = ("motion_light", *KITCHEN), ("humidity_fan", *GUEST_BATH)
    assert before.index(kitchen) < before.index(guest)
    rejected = open_suggestions(result, [answer("motion_light", HALL, Verdict.REJECTED, 1.0)])
    after = order(rejected)
    assert after.index(kitchen) > after.index(guest)
    assert after.index(kitchen) > after.index(("humidity_fan", *BATH))
    score = {(s.kind, s.cause_id, s.effect_id): s.score for s in rejected}
    logit = np.log(0.27 / 0.73) - KIND_STEP
    assert score[kitchen] == pytest.approx(1 / (1 + np.exp(-logit)))
    assert score[("door_lock", *DOOR)] == pytest.approx(0.3 * 0.55)  # other kinds unchanged
    accepted = open_suggestions(result, [answer("humidity_fan", BATH, Verdict.ACCEPTED, 1.0)])
    assert order(accepted)[0] == guest
    assert accepted[0].score > 0.3 * 0.85


@pytest.mark.parametrize("verdict", [Verdict.DISABLED, Verdict.DELETED, Verdict.UNDONE])
def test_implicit_answers_count_against(verdict: Verdict) -> None:
    """A disabled or deleted automation, or its action undone, lowers the kind like a reject."""
    assert kind_offsets([answer("motion_light", HALL, verdict, 1.0)]) == {
        "motion_light": -KIND_STEP
    }


def test_the_latest_answer_wins() -> None:
    """Rejected, then accepted later (listed first): counts as accepted, once; offsets add up
    over suggestions of one kind and stop at the limit."""
    rejected = answer("motion_light", HALL, Verdict.REJECTED, 1.0)
    accepted = answer("motion_light", HALL, Verdict.ACCEPTED, 5.0)
    assert latest([accepted, rejected]) == {accepted.suggestion_id: accepted}
    assert kind_offsets([accepted, rejected]) == {"motion_light": KIND_STEP}
    assert answered_ids([accepted, rejected]) == {accepted.suggestion_id}
    result = suggest(rooms(), T0)
    kitchen = ("motion_light", *KITCHEN)
    assert order(open_suggestions(result, [accepted, rejected]))[0] == kitchen
    many = [
        answer("motion_light", (f"binary_sensor.m{i}", f"light.l{i}"), Verdict.REJECTED, float(i))
        for i in range(6)
    ]
    assert kind_offsets(many) == {"motion_light": -KIND_LIMIT}
    assert kind_offsets(many[:2]) == {"motion_light": pytest.approx(-2 * KIND_STEP)}


def test_an_answer_round_trips_through_its_dict() -> None:
    """as_dict is JSON-able and from_dict reads it back; malformed ones raise."""
    full = Answer(
        "abc123", "door_lock", DOOR[0], DOOR[1], Verdict.UNDONE, 12.5, "too early", "homeiq_abc"
    )
    bare = Answer("def456", "leak_notify", "binary_sensor.leak", None, Verdict.ACCEPTED, 3.0)
    for item in (full, bare):
        data = json.loads(json.dumps(item.as_dict()))
        assert Answer.from_dict(data) == item
    assert full.as_dict()["verdict"] == "undone"
    assert bare.as_dict()["effect_id"] is None
    with pytest.raises(ValueError, match="maybe"):
        Answer.from_dict({**bare.as_dict(), "verdict": "maybe"})
    broken = bare.as_dict()
    del broken["at"]
    with pytest.raises(KeyError):
        Answer.from_dict(broken)


def test_open_suggestions_and_with_offsets_shift_alike() -> None:
    """The ranking's logit shift and the open list's agree."""
    home = rooms()
    found = [c for c in find_candidates(home) if c.rule.kind in {"motion_light", "door_lock"}]
    base = combined_scores(found, None)
    shifted = with_offsets(base, found, {"motion_light": -KIND_STEP})
    for candidate, before, after in zip(found, base, shifted, strict=True):
        if candidate.rule.kind == "door_lock":
            assert after == pytest.approx(before)
        else:
            assert after < before
    assert with_offsets(base, found, {}) is base


def test_scores_features_and_order_of_counted_candidates() -> None:
    """Rules score = prior; miner score = F1 of the by-hand precision and the coverage,
    discounted by 1 − 1 / lift; the best rule per pair; equal scores in a stable order; one
    feature row per candidate."""
    from .test_synergy_miner import COUNT_ONLY, hall_home  # the counted hall light

    home = hall_home().home
    found = find_candidates(home, settings=COUNT_ONLY)
    (candidate,) = found
    evidence = candidate.evidence
    assert evidence is not None
    assert rules_score(candidate) == RULES_BY_KIND["motion_light"].prior
    p = c = 10 / 12  # all ten followers by hand
    assert miner_score(candidate) == pytest.approx(2 * p * c / (p + c) * (1 - 1 / evidence.lift))
    by_automation = replace(
        candidate, evidence=replace(evidence, followed_by_hand=0, followed_by_automation=10)
    )
    assert miner_score(by_automation) == 0.0
    features = candidate_features(found)
    assert features.shape == (1, len(FEATURE_NAMES))
    row = dict(zip(FEATURE_NAMES, features[0].tolist(), strict=True))
    assert row["counted"] == 1.0
    assert row["precision"] == pytest.approx(10 / 12)
    assert row["by_hand_share"] == 1.0
    assert row["delay_ratio"] == pytest.approx(11.0 / 120.0)
    assert row["log_lift"] == pytest.approx(np.log(evidence.lift))
    assert best_per_pair([candidate, candidate], [0.1, 0.4]) == [1]
    tied = ranked([candidate, candidate], [0.5, 0.5])
    assert [score for _, score in tied] == [0.5, 0.5]
    assert isinstance(suggest(home), SynergyResult)


def test_the_bundled_ranker_puts_the_counted_pair_above_the_silent_one(tmp_path: Path) -> None:
    """The shipped ranker (numpy trees) loads for the synergy features and scores the hall
    light that follows motion above a hall light that never meets it."""
    from .test_synergy_miner import hall_home  # the counted hall light

    registry = ModelRegistry(tmp_path / "models", bundled_root=BUNDLED)
    ranker = load_deployed(registry, SYNERGY_MODEL, FEATURE_NAMES)
    assert ranker is not None
    night = [(T0, "off", DEVICE), *pulses(daily(12, 3), 600, USER)]
    home = hall_home().entity("light.hall_night", night, area="hall").home
    result = suggest(home, ranker=ranker)
    assert result.ranker == "v0 (bundled)"
    scores = {s.effect_id: s.score for s in result.suggestions}
    assert set(scores) == {"light.hall", "light.hall_night"}
    assert all(0.0 <= score <= 1.0 for score in scores.values())
    assert scores["light.hall"] > scores["light.hall_night"]
    assert result.suggestions[0].scores["combined"] == result.suggestions[0].score
