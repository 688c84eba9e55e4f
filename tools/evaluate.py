"""Held-out evaluation: ``scripts/evaluate [--json]``.

Every figure is computed at run time on synthetic homes generated with a seed other than the
training homes' (split by home, before any augmentation), next to baselines. Results on
synthetic homes are labelled as such. Each section lives in ``tools/evaluation/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from tools.evaluation.anomaly import evaluate_anomaly
from tools.evaluation.battery import evaluate_battery
from tools.evaluation.failure import evaluate_failure
from tools.evaluation.home_type import evaluate_home_type

__all__ = ["evaluate_anomaly", "evaluate_battery", "evaluate_failure", "evaluate_home_type", "run"]


def run(*, quick: bool = False) -> dict[str, Any]:
    """All evaluation sections."""
    t0 = time.perf_counter()
    home_type = (
        evaluate_home_type(n_train=60, n_test=30, days=3, seeds=(1,))
        if quick
        else evaluate_home_type()
    )
    failure = evaluate_failure(n_train=20, n_test=12, days=30) if quick else evaluate_failure()
    battery = evaluate_battery(n_homes=40, days=40) if quick else evaluate_battery()
    anomaly = evaluate_anomaly(n_homes=20, days=25) if quick else evaluate_anomaly()
    result: dict[str, Any] = {
        "home_type": home_type,
        "failure": failure,
        "battery": battery,
        "anomaly": anomaly,
    }
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    """Print the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="small corpora (a smoke run)")
    args = parser.parse_args()
    result = run(quick=args.quick)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
