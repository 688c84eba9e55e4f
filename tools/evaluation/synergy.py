"""Synergy section: ranked pairs against planted synergies and against owners' automations.

**Synthetic homes.** Each held-out home of the section's seed is ranked at 0, 3, 7 and 30
days of history: the first *d* days of the same 30-day home (0: no history at all, a cold
start; :func:`tools.synergy_samples.first_days`, as the ranker is trained). The relevant
pairs of a home are its planted synergies that are *not* automated (cause entity, effect
entity): what a person does by hand, and so what is worth suggesting. Rankings are built
as :func:`~.core.synergy.suggest` builds its list: every candidate the miner finds, pairs
the home already automates left out, the best candidate of each (cause, effect) pair kept
— each scorer keeping its own best — ordered by score (ties in the ranking's stable
arbitrary order). Notification candidates (no effect entity) are left out of the synthetic
rankings for every scorer: the generator never plants one, so they could only push
relevant pairs down. Scorers (:mod:`~.core.synergy.ranking`): ``rules`` (taxonomy prior,
same-area factor), ``miner`` (evidence only) and ``combined`` — the bundled ranker
(``custom_components/homeiq/models/synergy``, loaded from the model registry as the
integration loads it) when there is one, else the fixed blend the core falls back to;
``combined_ranker`` says which.

Metrics, per home, then averaged over the homes with at least one relevant pair (the others
are skipped and counted in ``homes_without_relevant_pair``):

* ``precision_at_5`` — relevant pairs among the first 5 of the ranking, divided by 5;
* ``recall_at_10`` — relevant pairs among the first 10, divided by the home's relevant pairs;
* ``mrr`` — the mean over homes of the reciprocal rank 1 / r of the home's *first* relevant
  pair, r counted from 1 (0 when no relevant pair is ranked at all).

``combined_likely`` is the operating point: the pairs whose combined score reaches
:data:`~.core.synergy.ranking.LIKELY_SCORE` (what the suggestions sensor counts), their
precision and the recall of the relevant pairs, over all homes' pairs together.

**Real configurations** (``../shared/realconfigs``, :mod:`tools.realconfigs`; no history).
For each home half of the owner's automations (those with a direct pair), drawn by the
section's seed, are hidden; the hidden owner-written pairs are the distinct direct
(trigger, action) pairs of the hidden automations that no kept automation also has. The
home with only the kept automations is ranked cold (no history: ``rules`` and ``combined``;
the miner has nothing to count); notifications are ranked here (owners write them, as the
pseudo action ``notify``). Reported: hidden pairs in the top 10 and top 50, over all hidden
pairs and over those the taxonomy can express (a candidate of the home: a rule fits both
sides, the entities are of kinds HomeIQ models, and a one-room rule does not span two known
rooms), micro (hits over all homes' pairs) and per home (mean of each home's share, over
homes with such a pair); once with the device classes as the configurations write them and
once with the missing ones guessed from the entity ids (:func:`tools.realconfigs.guessed_class`:
in a live home the integrations set them; the YAML often does not). Nothing was tuned on
these homes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import tempfile
import time
from typing import Any, Final

import numpy as np

from custom_components.homeiq.core.home import Home
from custom_components.homeiq.core.ml.models import SYNERGY_MODEL, DeployedModel, load_deployed
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.synergy import (
    FEATURE_NAMES,
    LIKELY_SCORE,
    SCORERS,
    Candidate,
    find_candidates,
    score_candidates,
)
from custom_components.homeiq.core.synergy.ranking import automated_pairs, best_per_pair, ranked
from custom_components.homeiq.core.synergy.taxonomy import RULES, fits_cause, fits_effect
from tools.realconfigs import NOTIFY, RealHome, corpus_path, hidden_split, load_real_homes
from tools.synergy_samples import first_days, relevant_pairs
from tools.synthetic import Stress, SyntheticHome, generate_corpus

BUNDLED_ROOT: Final = Path(__file__).resolve().parents[2] / "custom_components/homeiq/models"
HISTORY_DAYS: Final = (0, 3, 7, 30)
PRECISION_K: Final = 5
RECALL_K: Final = 10
REAL_TOPS: Final = (10, 50)
REAL_SCORERS: Final = ("rules", "combined")
TARGETS: Final = {"combined_mrr": 0.75, "combined_over_rules": 1.5, "combined_over_miner": 1.1}

type Pair = tuple[str, str]


# --- metrics ---------------------------------------------------------------------------


def precision_at_k(ranking: Sequence[Pair], relevant: set[Pair], k: int) -> float:
    """Relevant pairs among the first ``k`` of ``ranking``, over ``k``."""
    return sum(pair in relevant for pair in ranking[:k]) / k


def recall_at_k(ranking: Sequence[Pair], relevant: set[Pair], k: int) -> float:
    """Relevant pairs among the first ``k`` of ``ranking``, over all relevant pairs."""
    if not relevant:
        raise ValueError("recall needs at least one relevant pair")
    return sum(pair in relevant for pair in ranking[:k]) / len(relevant)


def reciprocal_rank(ranking: Sequence[Pair], relevant: set[Pair]) -> float:
    """1 / the rank (from 1) of the first relevant pair of ``ranking``; 0 if none is ranked."""
    for index, pair in enumerate(ranking):
        if pair in relevant:
            return 1.0 / (index + 1)
    return 0.0


def ranking_figures(
    rankings: Sequence[Sequence[Pair]], relevant: Sequence[set[Pair]]
) -> dict[str, Any]:
    """``precision_at_5``, ``recall_at_10`` and ``mrr`` over the homes with a relevant pair
    (one ranking and one relevant set per home), with how many homes were scored."""
    scored = [(r, rel) for r, rel in zip(rankings, relevant, strict=True) if rel]

    def mean(values: list[float]) -> float | None:
        return round(float(np.mean(values)), 4) if values else None

    return {
        "precision_at_5": mean([precision_at_k(r, rel, PRECISION_K) for r, rel in scored]),
        "recall_at_10": mean([recall_at_k(r, rel, RECALL_K) for r, rel in scored]),
        "mrr": mean([reciprocal_rank(r, rel) for r, rel in scored]),
    }


# --- rankings --------------------------------------------------------------------------


def bundled_synergy_ranker(bundled_root: Path = BUNDLED_ROOT) -> DeployedModel | None:
    """The ranker the integration ships (None while there is none: the fixed blend ranks)."""
    with tempfile.TemporaryDirectory() as root:
        registry = ModelRegistry(Path(root), bundled_root=bundled_root)
        try:
            return load_deployed(registry, SYNERGY_MODEL, FEATURE_NAMES)
        finally:
            registry.close()


def ranker_name(ranker: DeployedModel | None) -> str:
    """What ``combined`` is."""
    if ranker is None:
        return "fixed blend 0.3 x rules + 0.7 x miner (no bundled synergy model)"
    return f"bundled synergy model v{ranker.info.version} ({ranker.info.trained_on})"


def scored_rankings(
    home: Home,
    ranker: DeployedModel | None,
    *,
    notifications: bool,
    candidates: Sequence[Candidate] | None = None,
) -> dict[str, list[tuple[Pair, float]]]:
    """Each scorer's ranking of the home's pairs with their scores, as :func:`suggest` ranks:
    already automated pairs left out, each pair's best candidate (by that scorer), best
    first; notification candidates only with ``notifications``."""
    found = find_candidates(home) if candidates is None else candidates
    automated = automated_pairs(home)
    fresh = [
        c for c in found if c.pair not in automated and (notifications or c.effect_id is not None)
    ]
    scores = score_candidates(fresh, None if ranker is None else ranker.ensemble)
    out: dict[str, list[tuple[Pair, float]]] = {}
    for name in SCORERS:
        values = scores[name]
        best = best_per_pair(fresh, values.tolist())
        out[name] = [(c.pair, score) for c, score in ranked([fresh[i] for i in best], values[best])]
    return out


def rank_pairs(
    home: Home,
    ranker: DeployedModel | None,
    *,
    notifications: bool,
    candidates: Sequence[Candidate] | None = None,
) -> dict[str, list[Pair]]:
    """Each scorer's ranking of the home's pairs (:func:`scored_rankings` without scores)."""
    scored = scored_rankings(home, ranker, notifications=notifications, candidates=candidates)
    return {name: [pair for pair, _ in ranking] for name, ranking in scored.items()}


# --- synthetic homes -------------------------------------------------------------------


def likely_figures(
    rankings: Sequence[Sequence[tuple[Pair, float]]], relevant: Sequence[set[Pair]]
) -> dict[str, Any]:
    """The operating point: pairs scoring at least :data:`LIKELY_SCORE` (what the suggestions
    sensor counts as likely worth automating), judged over every home's pairs together."""
    likely = [{pair for pair, score in r if score >= LIKELY_SCORE} for r in rankings]
    hits = sum(len(found & rel) for found, rel in zip(likely, relevant, strict=True))
    suggested = sum(len(found) for found in likely)
    total = sum(len(rel) for rel in relevant)
    return {
        "threshold": LIKELY_SCORE,
        "suggested": suggested,
        "precision": round(hits / suggested, 4) if suggested else None,
        "recall": round(hits / total, 4) if total else None,
    }


def _synthetic_figures(
    corpus: Sequence[SyntheticHome], days: Sequence[int], ranker: DeployedModel | None
) -> dict[str, Any]:
    relevant = [relevant_pairs(s) for s in corpus]
    by_days: dict[str, Any] = {}
    for d in days:
        rankings: dict[str, list[list[Pair]]] = {name: [] for name in SCORERS}
        combined: list[list[tuple[Pair, float]]] = []
        ranked_at_all = 0
        for synthetic, rel in zip(corpus, relevant, strict=True):
            scored = scored_rankings(first_days(synthetic.home, d), ranker, notifications=False)
            for name in SCORERS:
                rankings[name].append([pair for pair, _ in scored[name]])
            combined.append(scored["combined"])
            ranked_at_all += len(rel & set(rankings["combined"][-1]))
        by_days[str(d)] = {
            **{name: ranking_figures(rankings[name], relevant) for name in SCORERS},
            "combined_likely": likely_figures(combined, relevant),
            "relevant_pairs_among_candidates": ranked_at_all,
        }
    with_relevant = [len(rel) for rel in relevant if rel]
    return {
        "homes": len(corpus),
        "homes_scored": len(with_relevant),
        "homes_without_relevant_pair": len(corpus) - len(with_relevant),
        "relevant_pairs": sum(with_relevant),
        "best_possible_precision_at_5": round(
            float(np.mean([min(n, PRECISION_K) / PRECISION_K for n in with_relevant])), 4
        )
        if with_relevant
        else None,
        "by_days": by_days,
    }


def targets_met(figures: dict[str, Any]) -> dict[str, bool]:
    """The issue's targets on the 30-day rankings, as booleans."""
    mrr = {name: figures[name]["mrr"] or 0.0 for name in SCORERS}
    return {
        "combined_mrr": mrr["combined"] >= TARGETS["combined_mrr"],
        "combined_over_rules": mrr["combined"] >= TARGETS["combined_over_rules"] * mrr["rules"],
        "combined_over_miner": mrr["combined"] >= TARGETS["combined_over_miner"] * mrr["miner"],
    }


def evaluate_synergy_synthetic(
    *,
    n_homes: int = 200,
    seed: int = 3011,
    days: Sequence[int] = HISTORY_DAYS,
    stress: Stress | None = None,
    ranker: DeployedModel | None = None,
) -> dict[str, Any]:
    """The three scorers on ``n_homes`` held-out synthetic homes of ``seed`` (30 days each,
    ranked on their first ``days`` days), against the planted synergies nobody automated."""
    longest = max(days)
    corpus = generate_corpus(n_homes, seed, days=max(longest, 1), stress=stress)
    figures = _synthetic_figures(corpus, days, ranker)
    return {
        "data": "synthetic" if stress is None else "synthetic (stress)",
        "split": f"{n_homes} held-out homes (seed {seed}), {max(longest, 1)} days each, ranked "
        f"on their first {list(days)} days",
        "combined_ranker": ranker_name(ranker),
        **figures,
    }


# --- real configurations ---------------------------------------------------------------


def rule_fits(home: Home, pair: Pair) -> bool:
    """Whether some taxonomy rule fits the pair's two sides (areas and kinds aside)."""
    cause = home.entities.get(pair[0])
    if cause is None:
        return False
    if pair[1] == NOTIFY:
        return any(r.notifies and fits_cause(r, cause) for r in RULES)
    effect = home.entities.get(pair[1])
    return effect is not None and any(
        not r.notifies and fits_cause(r, cause) and fits_effect(r, effect) for r in RULES
    )


class _Hits:
    """Hidden pairs found in the tops, micro and per home."""

    def __init__(self) -> None:
        self.pairs = 0
        self.hits = dict.fromkeys(REAL_TOPS, 0)
        self.shares: dict[int, list[float]] = {k: [] for k in REAL_TOPS}

    def add(self, ranking: Sequence[Pair], hidden: set[Pair]) -> None:
        if not hidden:
            return
        self.pairs += len(hidden)
        for k in REAL_TOPS:
            hits = sum(pair in hidden for pair in ranking[:k])
            self.hits[k] += hits
            self.shares[k].append(hits / len(hidden))

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pairs": self.pairs, "homes": len(self.shares[REAL_TOPS[0]])}
        for k in REAL_TOPS:
            out[f"top_{k}"] = self.hits[k]
            out[f"top_{k}_micro"] = round(self.hits[k] / self.pairs, 4) if self.pairs else None
            shares = self.shares[k]
            out[f"top_{k}_per_home"] = round(float(np.mean(shares)), 4) if shares else None
        return out


def evaluate_synergy_real(
    real_homes: Sequence[RealHome], *, seed: int, ranker: DeployedModel | None = None
) -> dict[str, Any]:
    """Hidden owner-written pairs the cold-start rankings put in their top 10 and top 50."""
    began = time.perf_counter()
    hits = {(name, part): _Hits() for name in REAL_SCORERS for part in ("all", "expressible")}
    hidden_total = expressible_total = fitting_total = 0
    lengths: list[int] = []
    by_chance = dict.fromkeys(REAL_TOPS, 0.0)
    for real in real_homes:
        if len(real.automations) < 2:
            continue
        kept_index, hidden_index = hidden_split(real, seed)
        kept = [real.automations[i] for i in kept_index]
        kept_pairs = {pair for a in kept for pair in a.pairs}
        hidden = {pair for i in hidden_index for pair in real.automations[i].pairs} - kept_pairs
        home = real.with_automations(kept)
        found = find_candidates(home)
        expressible = hidden & {c.pair for c in found}
        rankings = rank_pairs(home, ranker, notifications=True, candidates=found)
        length = len(rankings["rules"])
        lengths.append(length)
        for k in REAL_TOPS:  # hits expected if the ranked pairs were shuffled
            by_chance[k] += min(k, length) / length * len(expressible) if length else 0.0
        hidden_total += len(hidden)
        expressible_total += len(expressible)
        fitting_total += sum(rule_fits(home, pair) for pair in hidden)
        for name in REAL_SCORERS:
            hits[(name, "all")].add(rankings[name], hidden)
            hits[(name, "expressible")].add(rankings[name], expressible)
    return {
        "data": "real configurations (no history)",
        "split": f"{len(lengths)} homes; half of each home's automations hidden (seed {seed}), "
        "the rest kept; ranked cold (no history)",
        "combined_ranker": ranker_name(ranker),
        "hidden_pairs": hidden_total,
        "expressible_pairs": expressible_total,
        "expressible_share": round(expressible_total / hidden_total, 4) if hidden_total else None,
        "rule_fits_share": round(fitting_total / hidden_total, 4) if hidden_total else None,
        "ranked_pairs_per_home_median": float(np.median(lengths)) if lengths else None,
        **{
            name: {part: hits[(name, part)].figures() for part in ("all", "expressible")}
            for name in REAL_SCORERS
        },
        "random_order_expected": {f"top_{k}": round(v, 1) for k, v in by_chance.items()},
        "tuned_on_these_homes": False,
        "seconds": round(time.perf_counter() - began, 1),
    }


# --- the section -----------------------------------------------------------------------


def evaluate_synergy(
    *,
    n_homes: int = 200,
    seed: int = 3011,
    stress_homes: int = 100,
    names_seed: int = 4001,
    night_bursts_seed: int = 4047,
    realconfigs_seed: int = 5011,
    realconfigs: Path | None = None,
    ranker: DeployedModel | None = None,
) -> dict[str, Any]:
    """Section ``synergy`` of ``scripts/evaluate``: the synthetic rankings at 0, 3, 7 and 30
    days with the targets, the stress corpora (30 days) and the real configurations."""
    began = time.perf_counter()
    if ranker is None:
        ranker = bundled_synergy_ranker()
    synthetic = evaluate_synergy_synthetic(n_homes=n_homes, seed=seed, ranker=ranker)
    thirty = synthetic["by_days"][str(max(HISTORY_DAYS))]
    mrr = {name: thirty[name]["mrr"] or 0.0 for name in SCORERS}
    stress = {
        "non_english_names": evaluate_synergy_synthetic(
            n_homes=stress_homes,
            seed=names_seed,
            days=(max(HISTORY_DAYS),),
            stress=Stress(language="mixed"),
            ranker=ranker,
        ),
        "night_bursts_mixed": evaluate_synergy_synthetic(
            n_homes=stress_homes,
            seed=night_bursts_seed,
            days=(max(HISTORY_DAYS),),
            stress=Stress(night_bursts="mixed"),
            ranker=ranker,
        ),
    }
    path = realconfigs or corpus_path()
    real: dict[str, Any]
    if path is None or not path.is_file():
        real = {"skipped": "realconfigs/homes.jsonl not found (set HOMEIQ_REALCONFIGS)"}
    else:
        real = {
            "device_classes_as_written": evaluate_synergy_real(
                load_real_homes(path), seed=realconfigs_seed, ranker=ranker
            ),
            "device_classes_guessed_from_ids": evaluate_synergy_real(
                load_real_homes(path, guess_classes=True), seed=realconfigs_seed, ranker=ranker
            ),
        }
    return {
        **synthetic,
        "metrics": "per home, averaged over homes with a relevant pair: precision_at_5 = "
        "relevant in the first 5 / 5; recall_at_10 = relevant in the first 10 / relevant; "
        "mrr = 1 / rank of the first relevant pair (0 if none is ranked)",
        "ratios_30_days": {
            "combined_over_rules": round(mrr["combined"] / mrr["rules"], 3)
            if mrr["rules"]
            else None,
            "combined_over_miner": round(mrr["combined"] / mrr["miner"], 3)
            if mrr["miner"]
            else None,
        },
        "targets": dict(TARGETS),
        "targets_met": targets_met(thirty),
        "stress": stress,
        "real_configurations": real,
        "seconds": round(time.perf_counter() - began, 1),
    }
