"""Training the failure model on this home's own history."""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..capability import HELD_OUT_SHARE, NotEnoughData
from ..home import Home
from ..home.history import history_start
from ..ml.metrics import average_precision
from ..ml.models import FAILURE_MODEL, load_deployed, save_candidate
from ..ml.registry import ModelRegistry
from ..time import DAY
from .features import FAILURE_FEATURE_NAMES, HORIZON_DAYS, THRESHOLD_FOLDS
from .labels import FailureSamples, failure_samples
from .model import failure_risk, fit_failure_model

# A failure model of this home is checked on failures of its most recent days. With cuts
# every day one failure gives up to 7 failing device-days that rise and fall together, so
# a count of days alone could let one event decide; two failing devices and five failing
# days are the least on which PR-AUC can tell two models apart on more than one event.
MIN_HELD_OUT_FAILURES: Final = 2  # failing devices
MIN_HELD_OUT_POSITIVES: Final = 5  # failing device-days
MIN_TRAINING_FAILURES: Final = 2  # failing devices: one learns while the other sets the threshold


def _failing_devices(samples: FailureSamples, rows: npt.NDArray[np.bool_]) -> int:
    """Devices with a failure in ``rows`` (a device failing twice counts once)."""
    positive = rows & (samples.y == 1)
    return len({samples.device_ids[i] for i in np.flatnonzero(positive).tolist()})


def device_folds(samples: FailureSamples, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Fold of each of ``rows``: by device, devices with failures spread over the folds.

    Devices are ranked by their failing rows (most first, then by id) and dealt to
    :data:`THRESHOLD_FOLDS` folds in turn, so that each failing device is scored by a
    model fitted without it — and, up to that many, in a fold of its own.
    """
    devices = [samples.device_ids[i] for i in np.flatnonzero(rows).tolist()]
    labels = samples.y[rows].tolist()
    failing: dict[str, int] = {}
    for device, label in zip(devices, labels, strict=True):
        failing[device] = failing.get(device, 0) + label
    ranked = sorted(failing, key=lambda d: (-failing[d], d))
    fold = {device: rank % THRESHOLD_FOLDS for rank, device in enumerate(ranked)}
    return np.array([fold[d] for d in devices], dtype=np.int64)


def train_failure_on_home(
    home: Home, registry: ModelRegistry, now: float, *, min_days: float, seed: int = 0
) -> dict[str, Any]:
    """Train the failure model on this home's own history; promote it only if better.

    Cuts every day; the most recent :data:`HELD_OUT_SHARE` of them are held out, and the
    training cuts end a horizon before them so no training label sees held-out days. The
    candidate's threshold is chosen as the bundled model's is, on out-of-fold risks of the
    training cuts (folds by device, :func:`device_folds`), and stored with it. It replaces
    the model in use only with a higher PR-AUC on the held-out cuts: a tie keeps the model
    in use. Raises :class:`NotEnoughData` when the history is shorter than ``min_days``
    plus a horizon, when the training cuts hold failures of fewer than
    :data:`MIN_TRAINING_FAILURES` devices, or when the held-out cuts hold failures of fewer
    than :data:`MIN_HELD_OUT_FAILURES` devices or :data:`MIN_HELD_OUT_POSITIVES` failing
    device-days.
    """
    start = history_start(home)
    if start is None:
        raise NotEnoughData("no history has been read yet")
    days = (now - start) / DAY
    if days < min_days + HORIZON_DAYS:
        raise NotEnoughData(
            f"{days:.0f} days of history; training on this home needs "
            f"{min_days:g} days plus a {HORIZON_DAYS:g}-day horizon"
        )
    first = start + min(7.0, min_days) * DAY
    cuts = np.arange(first, now - HORIZON_DAYS * DAY + 1e-6, DAY)
    samples = failure_samples(home, cuts)
    if len(samples) == 0:
        raise NotEnoughData("no device has history to learn from")
    held_out_from = float(np.quantile(samples.cuts, 1.0 - HELD_OUT_SHARE))
    train = samples.cuts < held_out_from - HORIZON_DAYS * DAY
    test = samples.cuts >= held_out_from
    positives = int(samples.y[train].sum()), int(samples.y[test].sum())
    failures = _failing_devices(samples, train), _failing_devices(samples, test)
    if failures[0] < MIN_TRAINING_FAILURES:
        raise NotEnoughData(
            f"{failures[0]} failing devices in the older part of this home's history; "
            f"training needs {MIN_TRAINING_FAILURES} (one to learn from while another "
            "chooses the threshold); the current model stays"
        )
    if failures[1] < MIN_HELD_OUT_FAILURES or positives[1] < MIN_HELD_OUT_POSITIVES:
        raise NotEnoughData(
            f"{failures[1]} failing devices ({positives[1]} failing device-days) in the "
            f"most recent days of this home's history; checking a model needs "
            f"{MIN_HELD_OUT_FAILURES} failing devices and {MIN_HELD_OUT_POSITIVES} failing "
            "device-days; the current model stays"
        )
    X, y = samples.X[train], samples.y[train]
    fitted = fit_failure_model(X, y, device_folds(samples, train), seed=seed)
    held_out_y = samples.y[test]
    candidate_risk = failure_risk(fitted.ensemble, samples.X[test])
    candidate_ap = average_precision(held_out_y, candidate_risk)
    flagged = candidate_risk >= fitted.threshold
    caught = int((flagged & (held_out_y == 1)).sum())
    active = load_deployed(registry, FAILURE_MODEL, FAILURE_FEATURE_NAMES)
    active_ap = (
        None
        if active is None
        else average_precision(held_out_y, failure_risk(active.ensemble, samples.X[test]))
    )
    metrics = {
        "pr_auc": candidate_ap,
        "held_out_positives": positives[1],
        "held_out_failing_devices": failures[1],
        "precision_at_threshold": round(caught / max(int(flagged.sum()), 1), 4),
        "recall_at_threshold": round(caught / max(positives[1], 1), 4),
    }
    info = save_candidate(
        registry,
        FAILURE_MODEL,
        fitted.ensemble,
        FAILURE_FEATURE_NAMES,
        trained_on="this_home",
        n_samples=int(train.sum()),
        metrics=metrics,
        primary_metric="pr_auc",
        extra=fitted.threshold_metadata(),
    )
    promoted, why = registry.promote_if_better(
        FAILURE_MODEL, info.version, active_score=active_ap, ties_promote=False
    )
    return {
        "samples": len(samples),
        "training_samples": int(train.sum()),
        "held_out_samples": int(test.sum()),
        "positives": {"training": positives[0], "held_out": positives[1]},
        "failing_devices": {"training": failures[0], "held_out": failures[1]},
        "pr_auc": round(candidate_ap, 4),
        "active_pr_auc": None if active_ap is None else round(active_ap, 4),
        "threshold": fitted.threshold,
        "precision_at_threshold": metrics["precision_at_threshold"],
        "recall_at_threshold": metrics["recall_at_threshold"],
        "promoted": promoted,
        "why": why,
    }
