"""The tree models HomeIQ deploys, kept in the model registry as arrays + JSON.

Each tree model is a :class:`~.trees.TreeEnsemble` stored under a fixed name as one npz blob
(:data:`~.registry.MAIN_BLOB`); its registry metadata (``ModelInfo.extra``) carries the
ensemble's own metadata and the names of the features it was trained on. A stored model
whose features no longer match the code's (an update changed them) is not used: the
bundled model, trained by ``scripts/train`` with the same code, takes its place.
:func:`load_usable` is that fallback for any model; the graph model (:data:`GNN_MODEL`,
``core.graph.model``) loads through it too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from .blobs import ArrayBlob, Blob
from .registry import (
    MAIN_BLOB,
    ModelInfo,
    ModelRegistry,
    ModelSource,
    StoredModel,
    write_model,
)
from .trees import (
    ModelFileError,
    TreeEnsemble,
    ensemble_arrays,
    ensemble_from_arrays,
    ensemble_metadata as _ensemble_metadata,
)

HOME_TYPE_MODEL: Final = "home_type"
FAILURE_MODEL: Final = "failure"
ANOMALY_MODEL: Final = "anomaly"
SYNERGY_MODEL: Final = "synergy"
GNN_MODEL: Final = "gnn"  # the link model of the home graph (core.graph)


# The deployed models by name: tree models (:class:`DeployedModel`) and the graph ranking
# (:class:`~..graph.scoring.GraphRanking`), which this layer does not know.
type Models = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DeployedModel:
    """A model ready for inference, with where it came from and why others were skipped."""

    ensemble: TreeEnsemble
    info: ModelInfo
    source: ModelSource
    fallbacks: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """What the user sees in diagnostics and status attributes."""
        return {
            "version": self.info.version,
            "source": self.source,
            "trained_on": self.info.trained_on,
            "trained_at": self.info.trained_at,
            "n_samples": self.info.n_samples,
            "primary_metric": self.info.primary_metric,
            "metrics": dict(self.info.metrics),
            "fallbacks": list(self.fallbacks),
        }


def tree_model(models: Models, name: str) -> DeployedModel | None:
    """The deployed tree model of ``name`` in ``models``, if there is one."""
    model = models.get(name)
    return model if isinstance(model, DeployedModel) else None


def model_extra(
    ensemble: TreeEnsemble, feature_names: Sequence[str], **more: Any
) -> dict[str, Any]:
    """The registry ``extra`` of an ensemble: its metadata and feature names."""
    return {"ensemble": _ensemble_metadata(ensemble), "feature_names": list(feature_names), **more}


def ensemble_blobs(ensemble: TreeEnsemble) -> dict[str, Blob]:
    """The registry blobs of an ensemble: its arrays, as one npz blob."""
    return {MAIN_BLOB: ArrayBlob(ensemble_arrays(ensemble))}


def save_candidate(
    registry: ModelRegistry,
    name: str,
    ensemble: TreeEnsemble,
    feature_names: Sequence[str],
    *,
    trained_on: str,
    n_samples: int,
    metrics: Mapping[str, float],
    primary_metric: str,
    higher_is_better: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Store ``ensemble`` as the next (not yet active) version of ``name``."""
    return registry.save_candidate(
        name,
        ensemble_blobs(ensemble),
        trained_on=trained_on,
        n_samples=n_samples,
        metrics=metrics,
        primary_metric=primary_metric,
        higher_is_better=higher_is_better,
        extra=model_extra(ensemble, feature_names, **dict(extra or {})),
    )


def bundled_info(
    name: str,
    *,
    n_samples: int,
    metrics: Mapping[str, float],
    primary_metric: str,
    higher_is_better: bool,
    extra: Mapping[str, Any],
) -> ModelInfo:
    """The registry information of a bundled model: version 0, trained on synthetic homes
    by ``scripts/train`` now."""
    return ModelInfo(
        name=name,
        version=0,
        trained_on="synthetic",
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        n_samples=n_samples,
        metrics={key: float(value) for key, value in metrics.items()},
        primary_metric=primary_metric,
        higher_is_better=higher_is_better,
        extra=dict(extra),
    )


def write_bundled(
    bundled_root: Path,
    name: str,
    ensemble: TreeEnsemble,
    feature_names: Sequence[str],
    *,
    n_samples: int,
    metrics: Mapping[str, float],
    primary_metric: str,
    higher_is_better: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Write the bundled (version 0, synthetic) model of ``name`` — ``scripts/train`` does."""
    info = bundled_info(
        name,
        n_samples=n_samples,
        metrics=metrics,
        primary_metric=primary_metric,
        higher_is_better=higher_is_better,
        extra=model_extra(ensemble, feature_names, **dict(extra or {})),
    )
    write_model(bundled_root / name, info, ensemble_blobs(ensemble))
    return info


def ensemble_of(stored: StoredModel, feature_names: Sequence[str]) -> TreeEnsemble:
    """The ensemble in a stored model; :class:`ModelFileError` if unusable with these features."""
    extra = stored.info.extra
    if list(extra.get("feature_names", [])) != list(feature_names):
        raise ModelFileError("trained on other features than this version of HomeIQ computes")
    metadata = extra.get("ensemble")
    if not isinstance(metadata, dict):
        raise ModelFileError("the model's metadata does not describe a tree ensemble")
    ensemble = ensemble_from_arrays(metadata, stored.arrays(MAIN_BLOB))
    if ensemble.n_features != len(feature_names):
        raise ModelFileError("the trees use another number of features")
    return ensemble


def load_usable[T](
    registry: ModelRegistry, name: str, parse: Callable[[StoredModel], T]
) -> tuple[T, StoredModel, tuple[str, ...]] | None:
    """The first stored model of ``name`` that ``parse`` accepts (the active one, else a
    previous one, else the bundled one), with it and the reasons the others were skipped.

    ``parse`` raises :class:`ModelFileError` for a model it cannot use. ``None`` when none
    is usable; the reasons are in the registry's ``fallbacks[name]`` either way.
    """
    stored = registry.active(name)
    reasons = list(registry.fallbacks.get(name, []))
    while stored is not None:
        try:
            parsed = parse(stored)
        except ModelFileError as err:
            reasons.append(f"v{stored.info.version} ({stored.source}): {err}")
            if stored.source == "bundled":
                break
            stored = registry.bundled(name)
            reasons.extend(registry.fallbacks.get(name, []))
            continue
        registry.fallbacks[name] = reasons
        return parsed, stored, tuple(reasons)
    registry.fallbacks[name] = reasons
    return None


def load_deployed(
    registry: ModelRegistry, name: str, feature_names: Sequence[str]
) -> DeployedModel | None:
    """The model of ``name`` to use: the active one, else a previous one, else the bundled one.

    ``None`` when none is usable; the reasons are in the registry's ``fallbacks[name]``.
    """
    found = load_usable(registry, name, lambda stored: ensemble_of(stored, feature_names))
    if found is None:
        return None
    ensemble, stored, reasons = found
    return DeployedModel(ensemble, stored.info, stored.source, reasons)


__all__ = [
    "ANOMALY_MODEL",
    "FAILURE_MODEL",
    "GNN_MODEL",
    "HOME_TYPE_MODEL",
    "DeployedModel",
    "Models",
    "bundled_info",
    "ensemble_blobs",
    "ensemble_of",
    "load_deployed",
    "load_usable",
    "model_extra",
    "save_candidate",
    "tree_model",
    "write_bundled",
]
