"""What the shipped failure model can tell apart: ``python -m tools.risk_bands [--json]``.

HomeIQ shows a device's failure risk as a band (low / elevated / high, see
``core/devices.py``) instead of a percentage, because the model gives nearly every device
the same tiny probability. This command measures that with the bundled model:

* on the development home (``scripts/generate ha-config``'s default: seed 0, 21 days), the
  probability of every device at the end of its history;
* on held-out synthetic homes, every device every 2 days from day 14 (as the evaluation
  does), the share of device-days at the model's floor probability, how many distinct
  probabilities there are, and how often a device in each band really fails within the
  next 7 days (by its own history, as the evaluation labels it).

The figures in the README's Entities section come from ``python -m tools.risk_bands``.
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
from pathlib import Path
import sys
import tempfile
from typing import Any

import numpy as np

from custom_components.homeiq.core import pipeline
from custom_components.homeiq.core.devices import (
    ELEVATED_SHARE,
    RISK_BANDS,
    risk_band,
)
from custom_components.homeiq.core.failure import (
    FailureSamples,
    device_risks,
    failure_cuts,
    failure_risk,
    failure_samples,
    risk_threshold,
)
from custom_components.homeiq.core.ml.registry import ModelRegistry
from tools.synthetic import generate_corpus, generate_home

BUNDLED = Path(__file__).resolve().parent.parent / "custom_components/homeiq/models"


def measure_risk_bands(
    *, homes: int = 150, seed: int = 1029, days: int = 45, dev_seed: int = 0, dev_days: int = 21
) -> dict[str, Any]:
    """The bundled failure model's output on the development home and on ``homes`` synthetic
    homes of ``seed`` (the evaluation's held-out seed), grouped into HomeIQ's bands."""
    with tempfile.TemporaryDirectory() as tmp:
        model = pipeline.load_model(ModelRegistry(Path(tmp), bundled_root=BUNDLED), "failure")
    if model is None:
        raise RuntimeError("the bundled failure model could not be loaded")
    threshold = risk_threshold(model)

    dev = generate_home(dev_seed, days=dev_days).home
    assert dev.window_end is not None
    dev_risks = device_risks(dev, dev.window_end, model)
    dev_p = np.array([r.probability for r in dev_risks.values()])

    corpus = generate_corpus(homes, seed, days=days)
    samples = FailureSamples.concatenate(
        [
            failure_samples(s.home, failure_cuts(s.home, first_days=14.0, step_days=2.0))
            for s in corpus
        ]
    )
    p = failure_risk(model.ensemble, samples.X)
    floor = float(p.min())
    bands = [risk_band(float(v), threshold) for v in p.tolist()]
    by_band: dict[str, dict[str, Any]] = {}
    for band in RISK_BANDS:
        mask = np.array([b == band for b in bands])
        n = int(mask.sum())
        failed = int(samples.y[mask].sum())
        by_band[band] = {
            "device_days": n,
            "failed_within_7_days": failed,
            "failure_rate": round(failed / n, 4) if n else None,
        }
    dev_bands = Counter(risk_band(float(v), threshold) for v in dev_p.tolist())
    return {
        "data": "synthetic",
        "model": f"failure v{model.info.version} ({model.source})",
        "threshold": threshold,
        "elevated_from": round(ELEVATED_SHARE * threshold, 4),
        "development_home": {
            "split": f"seed {dev_seed}, {dev_days} days, every device at the end",
            "devices": int(dev_p.size),
            "at_floor": int(np.sum(np.isclose(dev_p, floor, rtol=0, atol=5e-5))),
            "distinct_probabilities_3dp": len(set(np.round(dev_p, 3).tolist())),
            "bands": {band: dev_bands.get(band, 0) for band in RISK_BANDS},
        },
        "held_out_homes": {
            "split": f"{homes} homes (seed {seed}), {days} days, every device every 2 days "
            "from day 14",
            "device_days": int(p.size),
            "failures_within_7_days": int(samples.y.sum()),
            "base_rate": round(float(samples.y.mean()), 4),
            "floor_probability": round(floor, 5),
            "share_at_floor": round(float(np.mean(np.isclose(p, floor, rtol=0, atol=5e-5))), 4),
            "distinct_probabilities_4dp": len(set(np.round(p, 4).tolist())),
            "bands": by_band,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures (``--json``: one JSON object)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--homes", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1029)
    parser.add_argument("--days", type=int, default=45)
    args = parser.parse_args(argv)
    result = measure_risk_bands(homes=args.homes, seed=args.seed, days=args.days)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
