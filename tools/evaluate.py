"""Held-out evaluation: ``scripts/evaluate [--json] [--dev | --quick]``.

Every figure is computed at run time on synthetic homes generated with a seed other than the
training homes' (split by home, before any augmentation), next to baselines. Results on
synthetic homes are labelled as such. Each section lives in ``tools/evaluation/``.

Seeds: ``scripts/evaluate`` runs the frozen reporting seeds
(:data:`~tools.evaluation.common.REPORTING_SEEDS`), which no design decision has looked at:
the figures in the README come from them. While developing use ``--dev`` (the development
seeds, full sizes) or ``--quick`` (development seeds, small corpora). The JSON says which
set it ran on (``seeds.set``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from tools.evaluation.anomaly import evaluate_anomaly, evaluate_anomaly_stress
from tools.evaluation.battery import evaluate_battery
from tools.evaluation.common import DEVELOPMENT_SEEDS, REPORTING_SEEDS, SeedSet
from tools.evaluation.failure import evaluate_failure
from tools.evaluation.gnn import evaluate_gnn
from tools.evaluation.home_type import evaluate_home_type, evaluate_home_type_names
from tools.evaluation.synergy import evaluate_synergy
from tools.gnn_train import REAL_SEEDS, SYNTHETIC_HOMES
from tools.synthetic import Stress

__all__ = [
    "evaluate_anomaly",
    "evaluate_anomaly_stress",
    "evaluate_battery",
    "evaluate_failure",
    "evaluate_gnn",
    "evaluate_home_type",
    "evaluate_home_type_names",
    "evaluate_synergy",
    "run",
    "seed_set",
]


def seed_set(*, dev: bool = False, quick: bool = False) -> SeedSet:
    """The seeds a run uses: the reporting seeds unless ``dev`` or ``quick``."""
    return DEVELOPMENT_SEEDS if dev or quick else REPORTING_SEEDS


def run(*, quick: bool = False, dev: bool = False) -> dict[str, Any]:
    """All evaluation sections, on the reporting seeds unless ``dev`` or ``quick``."""
    t0 = time.perf_counter()
    seeds = seed_set(dev=dev, quick=quick)
    home_type = (
        evaluate_home_type(n_train=60, n_test=30, days=3, seeds=seeds.home_type[:1])
        if quick
        else evaluate_home_type(seeds=seeds.home_type)
    )
    failure = (
        evaluate_failure(n_train=20, n_test=12, days=30, seed=seeds.failure)
        if quick
        else evaluate_failure(seed=seeds.failure)
    )
    battery = (
        evaluate_battery(n_homes=40, days=40, seed=seeds.battery)
        if quick
        else evaluate_battery(seed=seeds.battery)
    )
    anomaly = (
        evaluate_anomaly(n_homes=20, days=25, seed=seeds.anomaly, tune_seed=seeds.anomaly_tune)
        if quick
        else evaluate_anomaly(seed=seeds.anomaly, tune_seed=seeds.anomaly_tune)
    )
    synergy = evaluate_synergy(
        n_homes=30 if quick else 200,
        seed=seeds.synergy,
        stress_homes=15 if quick else 100,
        names_seed=seeds.stress_names,
        night_bursts_seed=seeds.stress_night_bursts,
        realconfigs_seed=seeds.realconfigs,
    )
    gnn = evaluate_gnn(
        realconfigs_seed=seeds.realconfigs,
        synergy_seed=seeds.synergy,
        n_homes=30 if quick else 200,
        synthetic_training_homes=20 if quick else SYNTHETIC_HOMES,
        real_seeds=REAL_SEEDS[:1] if quick else REAL_SEEDS,
    )
    steps = Stress(battery_step=10)
    anomaly_stress = evaluate_anomaly_stress(
        n_homes=8 if quick else 40,
        days=20 if quick else 30,
        night_bursts_seed=seeds.stress_night_bursts,
        names_seed=seeds.stress_names,
    )
    stress = {
        "night_bursts_other_hours": anomaly_stress["night_bursts_other_hours"],
        "battery_10pct_steps": evaluate_battery(
            n_homes=40 if quick else 300,
            days=40 if quick else 60,
            seed=seeds.stress_battery,
            stress=steps,
        ),
        "non_english_names": {
            "home_type": evaluate_home_type_names(
                n_train=60 if quick else 600,
                n_test=30 if quick else 400,
                days=3 if quick else 7,
                seed=seeds.home_type[0],
                test_seed=seeds.stress_names,
            ),
            "anomaly": anomaly_stress["non_english_names"],
        },
    }
    result: dict[str, Any] = {
        "seeds": seeds.as_dict(),
        "home_type": home_type,
        "failure": failure,
        "battery": battery,
        "anomaly": anomaly,
        "synergy": synergy,
        "gnn": gnn,
        "stress": stress,
    }
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    """Print the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--dev", action="store_true", help="development seeds (use these while developing)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small corpora on the development seeds"
    )
    args = parser.parse_args()
    result = run(quick=args.quick, dev=args.dev)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
