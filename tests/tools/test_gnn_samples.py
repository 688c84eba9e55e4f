"""Tests for the graph model's pairs: the fixed split of the real homes, known and target
pairs without overlap, the pair space, synthetic targets from the ground truth."""

from __future__ import annotations

from collections import Counter

from tests.tools.real_records import real_record
from tools.gnn_samples import (
    VALIDATION_PERCENT,
    entity_pairs,
    pair_space,
    real_link_home,
    real_part,
    real_training_homes,
    split_real_homes,
    synthetic_link_home,
)
from tools.realconfigs import NOTIFY, corpus_path, load_real_homes, real_home
from tools.synergy_samples import relevant_pairs
from tools.synthetic import generate_home


def test_split_is_fixed_by_the_repository_name() -> None:
    """The same name is always in the same part; about the validation share is held out."""
    names = [f"owner{i}/config" for i in range(2000)]
    parts = Counter(real_part(name) for name in names)
    assert abs(parts["validation"] / len(names) - VALIDATION_PERCENT / 100) < 0.03
    assert [real_part(n) for n in names[:50]] == [real_part(n) for n in names[:50]]
    path = corpus_path()
    if path is not None:  # the real corpus: 59 homes, the split the README reports
        train, validation = split_real_homes(load_real_homes(path))
        assert (len(train), len(validation)) == (41, 18)
        assert not {h.repo for h in train} & {h.repo for h in validation}


def test_real_link_home_knows_half_and_targets_the_rest() -> None:
    """Known pairs come from the kept automations only, targets from the hidden ones less
    what a kept one also has; no notification, no entity-less device, no self-pair."""
    real = real_home(real_record("a/one"))
    example = real_link_home(real, 5)
    assert len(example.home.automations) == 3  # 5 automations, 2 hidden
    assert not example.known & example.targets
    owner = {p for a in real.automations for p in a.pairs}
    assert example.known | example.targets <= owner
    assert all(NOTIFY not in p and not p[0].startswith("device:") for p in example.targets)
    cold = real_link_home(real, 5, known=False)
    assert cold.home.automations == []
    assert cold.known == frozenset()
    assert cold.targets == {
        ("binary_sensor.hall_motion", "light.hall"),
        ("binary_sensor.kitchen_pir", "light.kitchen"),
        ("sensor.bath_humidity", "fan.bath"),
        ("binary_sensor.front_door", "light.hall"),
    }


def test_pair_space_is_every_trigger_with_every_action() -> None:
    """Sorted; disabled entities, self-pairs and domains that neither trigger nor act are out."""
    home = real_home(real_record("a/one")).home
    space = pair_space(home)
    assert space == sorted(space)
    triggers = {t for t, _ in space}
    actions = {a for _, a in space}
    assert "light.old" not in triggers | actions  # disabled
    assert actions == {"light.hall", "light.kitchen", "fan.bath", "input_boolean.guest_mode"}
    assert ("light.hall", "light.hall") not in space
    assert len(space) == len(triggers) * len(actions) - len(triggers & actions)
    assert entity_pairs(home, [("light.hall", "light.hall"), ("x.y", "light.hall")]) == set()


def test_training_homes_skip_validation_homes() -> None:
    """No validation home ever becomes a training example."""
    names = [f"owner{i}/config" for i in range(40)]
    reals = [real_home(real_record(n)) for n in names]
    examples = real_training_homes(reals, seeds=(1, 2))
    trained = {e.name for e in examples}
    assert trained == {n for n in names if real_part(n) == "train"}
    assert len(examples) == 3 * len(trained)  # two draws and a cold one each


def test_synthetic_targets_are_the_planted_pairs_nobody_automated() -> None:
    """Known: the home's automations; targets: its unautomated planted synergies."""
    synthetic = generate_home(11, target_entities=40, days=3, start_ts=1_795_000_000.0)
    example = synthetic_link_home(synthetic, "s11", 3)
    assert example.targets == relevant_pairs(synthetic) - example.known
    assert example.targets
    automated = {
        (s.cause_entity, s.effect_entity) for s in synthetic.truth.synergies if s.automated
    }
    assert automated <= example.known
