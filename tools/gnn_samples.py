"""Who automated what: the graph model's training and evaluation pairs.

A positive is a (trigger entity, action entity) pair that someone decided to automate:

* **real configurations** (``../shared/realconfigs``, :mod:`tools.realconfigs`): the pairs of
  the owners' own automations. The homes are split once, by a hash of the repository name,
  into a training part and a validation part (:data:`VALIDATION_PERCENT`) that no training
  run and no design decision reads; every figure on real homes is computed on the
  validation part;
* **synthetic homes** (:mod:`tools.synthetic`): the planted synergies, automated or not —
  the generator's ground truth of what its people do by hand or had automated.

The taxonomy's and the miner's output are never a label. Negatives are the other pairs of
the home's pair space (:func:`pair_space`): every trigger-capable entity with every
action-capable one.

Each example is a :class:`LinkHome`: the home holding only the *known* automations (their
pairs are input, as the home's own automations are in a live home) and the *target* pairs
to find. On a real home half of the automations are known (drawn by a seed) or none (a new
user on day one); on a synthetic home the known pairs are its automations and the targets
the planted synergies nobody automated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal
import zlib

from custom_components.homeiq.core.graph.build import (
    ACTION_DOMAINS,
    TRIGGER_DOMAINS,
    can_act,
    can_trigger,
)
from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.synergy.ranking import automated_pairs
from tools.realconfigs import NOTIFY, RealHome, hidden_split
from tools.synergy_samples import first_days, relevant_pairs
from tools.synthetic import SyntheticHome

type Pair = tuple[str, str]
type Part = Literal["train", "validation"]

VALIDATION_PERCENT: Final = 30
SPLIT_SALT: Final = "homeiq-realconfigs-split-v1"


@dataclass(frozen=True, slots=True)
class LinkHome:
    """One example: the home with only its known automations, the pairs they make, and the
    pairs to find."""

    name: str
    source: Literal["real", "synthetic"]
    home: Home
    known: frozenset[Pair]
    targets: frozenset[Pair]


def real_part(repo: str) -> Part:
    """The part a real configuration belongs to, fixed by its repository name."""
    bucket = zlib.crc32(f"{SPLIT_SALT}|{repo}".encode()) % 100
    return "validation" if bucket < VALIDATION_PERCENT else "train"


def split_real_homes(homes: Iterable[RealHome]) -> tuple[list[RealHome], list[RealHome]]:
    """The training and the validation homes."""
    homes = list(homes)
    return (
        [h for h in homes if real_part(h.repo) == "train"],
        [h for h in homes if real_part(h.repo) == "validation"],
    )


def entity_pairs(home: Home, pairs: Iterable[Pair]) -> set[Pair]:
    """The pairs whose two ends are distinct entities of the home (no notification, no
    device without an entity)."""
    return {
        (t, a)
        for t, a in pairs
        if a not in (t, NOTIFY) and t in home.entities and a in home.entities
    }


def pair_space(home: Home) -> list[Pair]:
    """Every (trigger-capable, action-capable) pair of distinct enabled entities, sorted."""
    ids = sorted(e for e, entity in home.entities.items() if entity.enabled)
    triggers = [e for e in ids if can_trigger(e)]
    actions = [e for e in ids if can_act(e)]
    return [(t, a) for t in triggers for a in actions if t != a]


def real_link_home(real: RealHome, seed: int, *, known: bool = True) -> LinkHome:
    """A real home with half of its automations known (drawn from ``seed``) or, without
    ``known``, none; the targets are the other automations' pairs that no known automation
    also has."""
    if not known:
        kept: list[int] = []
        hidden = list(range(len(real.automations)))
    else:
        kept, hidden = hidden_split(real, seed)
    kept_automations = [real.automations[i] for i in kept]
    home = real.with_automations(kept_automations)
    pairs = entity_pairs(home, (p for a in kept_automations for p in a.pairs))
    targets = entity_pairs(home, (p for i in hidden for p in real.automations[i].pairs)) - pairs
    return LinkHome(real.repo, "real", home, frozenset(pairs), frozenset(targets))


def synthetic_link_home(synthetic: SyntheticHome, name: str, days: float) -> LinkHome:
    """A synthetic home after its first ``days`` days: its automations known, the planted
    synergies nobody automated to find."""
    home = first_days(synthetic.home, days)
    known = entity_pairs(home, automated_pairs(home))
    targets = entity_pairs(home, relevant_pairs(synthetic)) - known
    return LinkHome(name, "synthetic", home, frozenset(known), frozenset(targets))


def real_training_homes(
    homes: Sequence[RealHome], seeds: Sequence[int], *, cold: bool = True
) -> list[LinkHome]:
    """Training examples of the training homes: one per seed (half known) and, with
    ``cold``, one with nothing known; homes with fewer than two automations are skipped."""
    out: list[LinkHome] = []
    for real in homes:
        if real_part(real.repo) != "train" or len(real.automations) < 2:
            continue
        out.extend(real_link_home(real, seed) for seed in seeds)
        if cold:
            out.append(real_link_home(real, 0, known=False))
    return [example for example in out if example.targets]


__all__ = [
    "ACTION_DOMAINS",
    "TRIGGER_DOMAINS",
    "VALIDATION_PERCENT",
    "LinkHome",
    "can_act",
    "can_trigger",
    "entity_pairs",
    "pair_space",
    "real_link_home",
    "real_part",
    "real_training_homes",
    "split_real_homes",
    "synthetic_link_home",
]
