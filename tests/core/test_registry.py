"""Tests for the model registry: storage, promotion, pruning, atomic writes and fallback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import hashlib
import json
import os
from pathlib import Path
import shutil
import subprocess
import tempfile
import threading
from typing import Any

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.ml import registry as registry_module
from custom_components.homeiq.core.ml.blobs import ArrayBlob, Blob, JsonBlob
from custom_components.homeiq.core.ml.models import DeployedModel, load_deployed
from custom_components.homeiq.core.ml.registry import (
    MAIN_BLOB,
    ModelInfo,
    ModelRegistry,
    RegistryClosedError,
    StoredModel,
    read_model,
    upgrade_model,
    write_model,
)
from custom_components.homeiq.core.ml.tensorfile import encode as encode_tensors
from custom_components.homeiq.core.ml.trees import ARRAY_NAMES, ModelFileError, ensemble_metadata
from custom_components.homeiq.core.pipeline import MODEL_FEATURES

NAME = "failure"
TRAINED_AT = "2026-03-01T02:00:00+00:00"


def _arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "weights": rng.normal(size=(4, 3)),
        "feature": rng.integers(0, 10, size=7).astype(np.int32),
    }


def _blobs(seed: int = 0) -> dict[str, Blob]:
    return {MAIN_BLOB: ArrayBlob(_arrays(seed))}


def _save(
    registry: ModelRegistry,
    score: float,
    *,
    name: str = NAME,
    metric: str = "macro_f1",
    higher_is_better: bool = True,
    seed: int = 0,
) -> ModelInfo:
    return registry.save_candidate(
        name,
        _blobs(seed),
        trained_on="this_home",
        n_samples=120,
        metrics={metric: score, f"baseline_{metric}": 0.4},
        primary_metric=metric,
        higher_is_better=higher_is_better,
        trained_at=TRAINED_AT,
    )


def _save_and_promote(registry: ModelRegistry, score: float, **kwargs: Any) -> ModelInfo:
    info = _save(registry, score, **kwargs)
    promoted, reason = registry.promote_if_better(info.name, info.version)
    assert promoted, reason
    return info


def _active(registry: ModelRegistry, name: str = NAME) -> StoredModel:
    stored = registry.active(name)
    assert stored is not None, registry.fallbacks[name]
    return stored


def _on_disk(root: Path, name: str = NAME) -> list[int]:
    return sorted(
        int(p.name[1:]) for p in (root / name).iterdir() if p.is_dir() and p.name[0] == "v"
    )


@pytest.fixture
def bundled_root(tmp_path: Path) -> Path:
    """A bundled ``failure`` model, version 0, trained on the synthetic corpus."""
    root = tmp_path / "bundled"
    info = ModelInfo(
        name=NAME,
        version=0,
        trained_on="synthetic",
        trained_at="2026-01-01T00:00:00+00:00",
        n_samples=5000,
        metrics={"macro_f1": 0.7},
        primary_metric="macro_f1",
    )
    write_model(root / NAME, info, _blobs(seed=99))
    return root


@pytest.fixture
def registry(tmp_path: Path, bundled_root: Path) -> ModelRegistry:
    """A registry with a bundled model and the default ``keep``."""
    return ModelRegistry(tmp_path / "models", bundled_root=bundled_root)


# --- storage -----------------------------------------------------------------------------


def test_round_trip_is_exact(tmp_path: Path) -> None:
    """Arrays come back with the same dtype, shape and values; the info comes back equal."""
    registry = ModelRegistry(tmp_path)
    arrays: dict[str, Any] = {
        "weights": np.array([[0.1, -2.5e-300], [np.inf, np.nan]]),
        "half": np.arange(5, dtype=np.float32) / 3,
        "big_endian": np.arange(3, dtype=">f8"),
        "counts": np.array([0, 2**40], dtype=np.int64),
        "codes": np.array([255, 0], dtype=np.uint8),
        "mask": np.array([True, False]),
        "phase": np.array([1 + 2j]),
        "scalar": np.float64(3.5),
        "empty": np.empty((0, 3), dtype=np.int16),
    }
    info = registry.save_candidate(
        "home_type",
        {MAIN_BLOB: ArrayBlob(arrays)},
        trained_on="synthetic",
        n_samples=800,
        metrics={"macro_f1": 0.91, "baseline_macro_f1": np.float32(0.5), "n_classes": 5},
        primary_metric="macro_f1",
        extra={"classes": ["apartment", "condo"], "threshold": 0.25, "nested": {"k": [1, None]}},
        trained_at=TRAINED_AT,
    )
    assert registry.promote_if_better("home_type", info.version)[0]

    stored = _active(registry, "home_type")
    assert stored.source == "active"
    assert stored.info == info
    assert stored.info.metrics == {"macro_f1": 0.91, "baseline_macro_f1": 0.5, "n_classes": 5.0}
    loaded = stored.arrays()
    assert loaded.keys() == arrays.keys()
    for key, array in arrays.items():
        assert loaded[key].dtype == np.asarray(array).dtype, key
        assert loaded[key].shape == np.shape(array), key
        assert np.array_equal(loaded[key], array, equal_nan=True), key
    assert registry.versions("home_type") == [info]
    assert registry.fallbacks["home_type"] == []


def test_layout_on_disk(registry: ModelRegistry) -> None:
    """``v<n>/model.npz`` + ``model.json`` with format version 2 and, per blob, its kind,
    file, sha256, size and arrays; ``active.json``."""
    info = _save_and_promote(registry, 0.8)
    model_dir = registry.root / NAME / f"v{info.version}"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.json", "model.npz"]
    document = json.loads((model_dir / "model.json").read_text())
    assert document["format_version"] == 2
    npz = (model_dir / "model.npz").read_bytes()
    assert document["blobs"] == {
        "model": {
            "kind": "npz",
            "file": "model.npz",
            "sha256": hashlib.sha256(npz).hexdigest(),
            "size": len(npz),
            "arrays": {
                "feature": {"dtype": "<i4", "shape": [7]},
                "weights": {"dtype": "<f8", "shape": [4, 3]},
            },
        }
    }
    assert json.loads((registry.root / NAME / "active.json").read_text())["active"] == 1


def test_saved_candidate_is_not_active(registry: ModelRegistry) -> None:
    """Saving writes a version but keeps serving what was served before (here: bundled)."""
    info = _save(registry, 0.99)
    assert info.version == 1
    assert [v.version for v in registry.versions(NAME)] == [1]
    assert _active(registry).source == "bundled"
    assert _active(registry).info.version == 0


def test_trained_at_defaults_to_now_in_utc(tmp_path: Path) -> None:
    """Without ``trained_at`` the registry stamps the save time in UTC."""
    registry = ModelRegistry(tmp_path)
    info = registry.save_candidate(
        NAME, _blobs(), trained_on="this_home", n_samples=1, metrics={"m": 1.0}, primary_metric="m"
    )
    assert info.trained_at.endswith("+00:00")
    assert registry.versions(NAME)[0].trained_at == info.trained_at


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arrays": {"w": np.array([object()], dtype=object)}}, "only numeric"),
        ({"arrays": {"w": np.array(["a", "b"])}}, "only numeric"),
        ({"arrays": {}}, "at least one array"),
        ({"arrays": {"allow_pickle": np.zeros(1)}}, "identifier"),
        ({"arrays": {"../w": np.zeros(1)}}, "identifier"),
        ({"blobs": {}}, "at least one blob"),
        ({"blobs": {"../model": ArrayBlob({"w": np.zeros(1)})}}, "blob name"),
        ({"blobs": {"Model": ArrayBlob({"w": np.zeros(1)})}}, "blob name"),
        ({"blobs": {"model": JsonBlob({"a": 1})}}, "overwrite model.json"),
        ({"blobs": {"config": JsonBlob({"a": (1, 2)})}}, "JSON data"),
        ({"blobs": {"config": JsonBlob({"a": float("inf")})}}, "JSON-able"),
        ({"blobs": {"w": ArrayBlob({"w": np.zeros(1, np.complex128)}, "safetensors")}}, "dtype"),
        ({"blobs": {"w": ArrayBlob({"__metadata__": np.zeros(1)}, "safetensors")}}, "name"),
        ({"blobs": {"w": ArrayBlob({"w": np.zeros(1)}, "pickle")}}, "stored as"),
        ({"blobs": {"w": np.zeros(1)}}, "not an ArrayBlob"),
        ({"name": "../escape"}, "model name"),
        ({"primary_metric": "auc"}, "primary metric"),
        ({"metrics": {"macro_f1": float("nan")}}, "finite"),
        ({"metrics": {"macro_f1": True}}, "not a number"),
        ({"extra": {"classes": ("a", "b")}}, "JSON"),
        ({"extra": {1: "a"}}, "JSON"),
        ({"trained_on": "the_internet"}, "trained_on"),
        ({"trained_at": "2026-03-01T02:00:00+01:00"}, "UTC"),
        ({"trained_at": "2026-03-01T02:00:00"}, "UTC"),
        ({"n_samples": -1}, "n_samples"),
    ],
)
def test_invalid_candidates_are_refused_and_leave_nothing(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    """A bad array or bad metadata raises ``ValueError`` before anything is written."""
    registry = ModelRegistry(tmp_path / "models")
    arguments: dict[str, Any] = {
        "name": NAME,
        "arrays": _arrays(),
        "trained_on": "this_home",
        "n_samples": 10,
        "metrics": {"macro_f1": 0.5},
        "primary_metric": "macro_f1",
        "trained_at": TRAINED_AT,
    } | change
    name, arrays = arguments.pop("name"), arguments.pop("arrays")
    blobs = arguments.pop("blobs", {MAIN_BLOB: ArrayBlob(arrays)})
    with pytest.raises(ValueError, match=message):
        registry.save_candidate(name, blobs, **arguments)
    leftovers = list(registry.root.rglob("*")) if registry.root.exists() else []
    assert [p for p in leftovers if p.is_file()] == []


def test_keep_below_two_is_refused(tmp_path: Path) -> None:
    """``keep`` must leave room for the active version and one more."""
    with pytest.raises(ValueError, match="keep"):
        ModelRegistry(tmp_path, keep=1)


# --- promotion -----------------------------------------------------------------------------


def test_first_candidate_promotes_when_nothing_is_active(registry: ModelRegistry) -> None:
    """With nothing active (only the bundled model), any readable candidate is promoted."""
    info = _save(registry, 0.1)
    promoted, reason = registry.promote_if_better(NAME, info.version)
    assert promoted
    assert "no version was active" in reason
    assert _active(registry).info == info


@pytest.mark.parametrize(("in_use", "expected"), [(0.05, True), (0.1, True), (0.3, False)])
def test_the_bundled_model_in_use_is_the_bar_when_nothing_is_active(
    registry: ModelRegistry, in_use: float, expected: bool
) -> None:
    """The first trained version must be at least as good as the bundled model it replaces,
    when the caller measured that model on the same held-out data."""
    info = _save(registry, 0.1)
    promoted, reason = registry.promote_if_better(NAME, info.version, active_score=in_use)
    assert promoted is expected, reason
    assert "the model in use (no version was active)" in reason
    pointer = registry.root / NAME / "active.json"
    if expected:
        assert json.loads(pointer.read_text())["active"] == info.version
    else:
        assert not pointer.exists()


def test_better_candidate_is_promoted(registry: ModelRegistry) -> None:
    """A higher macro F1 replaces the active version."""
    _save_and_promote(registry, 0.80)
    candidate = _save(registry, 0.85)
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert promoted
    assert "0.85" in reason
    assert "0.8 " in reason
    assert _active(registry).info.version == candidate.version


def test_equal_candidate_is_promoted(registry: ModelRegistry) -> None:
    """A tie promotes: the newer model is at least as good."""
    _save_and_promote(registry, 0.80)
    candidate = _save(registry, 0.80)
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert promoted, reason
    assert "at least as good" in reason
    assert _active(registry).info.version == candidate.version


@pytest.mark.parametrize(("score", "expected"), [(0.79, False), (0.80, False), (0.81, True)])
def test_when_ties_keep_the_active_only_a_better_candidate_is_promoted(
    registry: ModelRegistry, score: float, expected: bool
) -> None:
    """With ``ties_promote=False`` a tie keeps the active version, as a worse one does."""
    active = _save_and_promote(registry, 0.80)
    candidate = _save(registry, score)
    promoted, reason = registry.promote_if_better(NAME, candidate.version, ties_promote=False)
    assert promoted is expected, reason
    assert _active(registry).info.version == (candidate.version if expected else active.version)
    if score == 0.80:
        assert reason == (
            "v2 not promoted: macro_f1 0.8 only ties with 0.8 of active v1 as recorded; "
            "a tie keeps the model in use"
        )
    elif expected:
        assert "is at least as good as" in reason
    else:
        assert "is worse than" in reason


@pytest.mark.parametrize(("in_use", "expected"), [(0.1, False), (0.09, True), (0.11, False)])
def test_a_tie_with_the_bundled_model_in_use_keeps_it(
    registry: ModelRegistry, in_use: float, expected: bool
) -> None:
    """Measured on the same held-out data, a candidate must beat the bundled model in use."""
    candidate = _save(registry, 0.1)
    promoted, reason = registry.promote_if_better(
        NAME, candidate.version, active_score=in_use, ties_promote=False
    )
    assert promoted is expected, reason
    assert (registry.root / NAME / "active.json").exists() is expected
    assert _active(registry).source == ("active" if expected else "bundled")
    if in_use == 0.1:
        assert "a tie keeps the model in use" in reason


def test_worse_candidate_is_refused_with_both_figures(registry: ModelRegistry) -> None:
    """A lower macro F1 leaves the active version in place; the reason gives both figures."""
    active = _save_and_promote(registry, 0.91)
    candidate = _save(registry, 0.88)
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert not promoted
    assert "0.88" in reason
    assert "0.91" in reason
    assert "worse" in reason
    assert "higher is better" in reason
    assert _active(registry).info == active
    assert json.loads((registry.root / NAME / "active.json").read_text())["active"] == 1


def test_figures_have_enough_digits_to_differ(registry: ModelRegistry) -> None:
    """Figures that agree to four digits are shown with more."""
    _save_and_promote(registry, 0.912345)
    candidate = _save(registry, 0.912344)
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert not promoted
    assert "0.912344" in reason
    assert "0.912345" in reason


@pytest.mark.parametrize(("score", "expected"), [(1.9, True), (2.0, True), (2.1, False)])
def test_lower_is_better_metric(registry: ModelRegistry, score: float, expected: bool) -> None:
    """For a mean absolute error, a smaller or equal figure promotes and a larger one does not."""
    _save_and_promote(registry, 2.0, name="battery", metric="mae", higher_is_better=False)
    candidate = _save(registry, score, name="battery", metric="mae", higher_is_better=False)
    promoted, reason = registry.promote_if_better("battery", candidate.version)
    assert promoted is expected, reason
    assert "lower is better" in reason
    assert _active(registry, "battery").info.version == (2 if expected else 1)


def test_active_score_measured_on_the_same_data_decides(registry: ModelRegistry) -> None:
    """When the caller re-scored the active model on the candidate's held-out data, that counts."""
    _save_and_promote(registry, 0.95)
    candidate = _save(registry, 0.90)
    promoted, reason = registry.promote_if_better(NAME, candidate.version, active_score=0.85)
    assert promoted
    assert "0.85" in reason
    assert "same held-out data" in reason


def test_different_primary_metric_cannot_block_promotion(registry: ModelRegistry) -> None:
    """A candidate judged by a metric the active version lacks is promoted, and says so."""
    _save_and_promote(registry, 0.95, metric="macro_f1")
    candidate = _save(registry, 0.10, metric="balanced_accuracy")
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert promoted
    assert "cannot be compared" in reason


def test_promoting_the_active_version_again_changes_nothing(registry: ModelRegistry) -> None:
    """Asking to promote the active version is a no-op that says so."""
    info = _save_and_promote(registry, 0.8)
    assert registry.promote_if_better(NAME, info.version) == (False, "v1 is already active")


def test_unreadable_candidate_is_not_promoted(registry: ModelRegistry) -> None:
    """A candidate with a broken file, or no files at all, is refused with the reason."""
    _save_and_promote(registry, 0.5)
    candidate = _save(registry, 0.9)
    _flip_byte(registry.root / NAME / f"v{candidate.version}")
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert not promoted
    assert "sha256" in reason
    promoted, reason = registry.promote_if_better(NAME, 42)
    assert not promoted
    assert "cannot be read" in reason
    assert _active(registry).info.version == 1


def test_unreadable_active_version_does_not_block_a_candidate(registry: ModelRegistry) -> None:
    """If the active version is broken, a readable candidate replaces it whatever its score."""
    _save_and_promote(registry, 0.9)
    _flip_byte(registry.root / NAME / "v1")
    candidate = _save(registry, 0.5)
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert promoted
    assert "v1 cannot be read" in reason
    assert _active(registry).info.version == candidate.version


# --- pruning -------------------------------------------------------------------------------


def test_pruning_keeps_keep_versions_and_never_the_active(registry: ModelRegistry) -> None:
    """Refused candidates pile up only to ``keep``; the old active version survives them all."""
    _save_and_promote(registry, 0.9)
    for _ in range(5):
        candidate = _save(registry, 0.1)
        assert not registry.promote_if_better(NAME, candidate.version)[0]
        assert len(_on_disk(registry.root)) <= registry.keep
    assert _on_disk(registry.root) == [1, 5, 6]
    assert _active(registry).info.version == 1
    assert _save(registry, 0.1).version == 7  # the newest is kept, so numbers are never reused


def test_pruning_prefers_formerly_active_versions(registry: ModelRegistry) -> None:
    """A refused candidate goes before a formerly active version, which stays for rollback."""
    _save_and_promote(registry, 0.5)  # v1
    _save_and_promote(registry, 0.6)  # v2
    refused = _save(registry, 0.1)  # v3
    assert not registry.promote_if_better(NAME, refused.version)[0]
    _save(registry, 0.7)  # v4, not yet decided
    assert _on_disk(registry.root) == [1, 2, 4]


def test_pruned_formerly_active_versions_are_not_tried(tmp_path: Path) -> None:
    """Fallback skips versions that pruning removed, without noise in the reasons."""
    registry = ModelRegistry(tmp_path, keep=2)
    for score in (0.5, 0.6, 0.7):
        _save_and_promote(registry, score)
    assert _on_disk(tmp_path) == [2, 3]
    _flip_byte(tmp_path / NAME / "v3")
    assert _active(registry).info.version == 2
    assert len(registry.fallbacks[NAME]) == 1


# --- atomic writes ---------------------------------------------------------------------------


def _fail_replace(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Make ``os.replace`` raise, as if the process died at the last step; record the calls."""
    calls: list[tuple[str, str]] = []

    def broken(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append((str(src), str(dst)))
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", broken)
    return calls


def test_crash_while_saving_leaves_the_previous_state(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If moving the new version into place fails, no version appears and nothing is left."""
    active = _save_and_promote(registry, 0.8)
    before = sorted(p.name for p in (registry.root / NAME).iterdir())
    calls = _fail_replace(monkeypatch)
    with pytest.raises(OSError, match="power cut"):
        _save(registry, 0.9)
    monkeypatch.undo()
    assert calls
    assert calls[-1][1].endswith("v2")
    assert sorted(p.name for p in (registry.root / NAME).iterdir()) == before
    assert registry.versions(NAME) == [active]
    assert _active(registry).info == active
    assert _save(registry, 0.9).version == 2


def test_crash_while_promoting_leaves_the_previous_active(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If replacing ``active.json`` fails, the old version stays active and no temp file stays."""
    active = _save_and_promote(registry, 0.8)
    candidate = _save(registry, 0.9)
    before = sorted(p.name for p in (registry.root / NAME).iterdir())
    calls = _fail_replace(monkeypatch)
    with pytest.raises(OSError, match="power cut"):
        registry.promote_if_better(NAME, candidate.version)
    monkeypatch.undo()
    assert calls[-1][1].endswith("active.json")
    assert sorted(p.name for p in (registry.root / NAME).iterdir()) == before
    assert _active(registry).info == active
    assert registry.promote_if_better(NAME, candidate.version)[0]


def test_leftovers_of_a_hard_crash_are_invisible_and_swept(registry: ModelRegistry) -> None:
    """A crash mid-write leaves hidden ``.tmp`` entries: never listed, removed by the next save."""
    active = _save_and_promote(registry, 0.8)
    model_dir = registry.root / NAME
    shutil.copytree(model_dir / "v1", model_dir / ".v2.a1b2c3.tmp")
    (model_dir / ".active.json.x9.tmp").write_text('{"active": 2')
    assert registry.versions(NAME) == [active]
    assert _active(registry).info == active
    assert _save(registry, 0.9).version == 2
    assert sorted(p.name for p in model_dir.iterdir()) == ["active.json", "v1", "v2"]


def test_write_model_replaces_an_existing_bundled_model(bundled_root: Path) -> None:
    """Rewriting a bundled model replaces the directory as a whole."""
    info, _ = read_model(bundled_root / NAME)
    write_model(bundled_root / NAME, info, {"only": ArrayBlob({"one": np.ones(2)})})
    assert list(read_model(bundled_root / NAME)[1]) == ["only"]
    assert sorted(p.name for p in (bundled_root / NAME).iterdir()) == ["model.json", "only.npz"]
    assert [p.name for p in bundled_root.iterdir()] == [NAME]


# --- corrupt files and fallback ------------------------------------------------------------------

TRAP_CALLS: list[str] = []


def _trap(tag: str) -> float:
    """Called only if someone unpickles a :class:`_Trap`."""
    TRAP_CALLS.append(tag)
    return 0.0


class _Trap:
    """An object whose unpickling runs code."""

    def __reduce__(self) -> tuple[Callable[[str], float], tuple[str]]:
        return _trap, ("unpickled",)


def _rehash(model_dir: Path, blob: str = "model") -> None:
    """Update a blob's sha256 and size in model.json (format version 2, or the sha256 of
    version 1), as a careless or malicious writer would."""
    path = model_dir / "model.json"
    document = json.loads(path.read_text())
    if document["format_version"] == 1:
        document["sha256"] = hashlib.sha256((model_dir / "model.npz").read_bytes()).hexdigest()
    else:
        entry = document["blobs"][blob]
        data = (model_dir / entry["file"]).read_bytes()
        entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    path.write_text(json.dumps(document))


def _truncate(model_dir: Path) -> None:
    npz = model_dir / "model.npz"
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])


def _truncate_rehashed(model_dir: Path) -> None:
    _truncate(model_dir)
    _rehash(model_dir)


def _flip_byte_of(file: str) -> Callable[[Path], None]:
    def flip(model_dir: Path) -> None:
        path = model_dir / file
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))

    return flip


_flip_byte = _flip_byte_of("model.npz")


def _garbage_json(model_dir: Path) -> None:
    (model_dir / "model.json").write_bytes(b'{"format": "homeiq-model", \xff')


def _missing_array(model_dir: Path) -> None:
    np.savez(model_dir / "model.npz", weights=np.zeros((4, 3)))  # "feature" left out
    _rehash(model_dir)


def _object_array(model_dir: Path) -> None:
    trap = np.array([_Trap()], dtype=object)
    np.savez(model_dir / "model.npz", allow_pickle=True, weights=trap, feature=trap)
    _rehash(model_dir)


def _future_format(model_dir: Path) -> None:
    path = model_dir / "model.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"format_version": 99}))


def _deleted_npz(model_dir: Path) -> None:
    (model_dir / "model.npz").unlink()


CORRUPTIONS = {
    "truncated npz": (_truncate, "sha256"),
    "truncated npz, checksum updated": (_truncate_rehashed, "cannot be read without pickle"),
    "flipped byte": (_flip_byte, "sha256"),
    "garbage json": (_garbage_json, "model.json cannot be read"),
    "missing array": (_missing_array, "lacks the arrays ['feature']"),
    "object array": (_object_array, "allow_pickle=False"),
    "future format version": (_future_format, "format version 99"),
    "deleted npz": (_deleted_npz, "model.npz cannot be read"),
}


@pytest.fixture(autouse=True)
def _clear_trap() -> Iterator[None]:
    TRAP_CALLS.clear()
    yield
    assert TRAP_CALLS == [], "a model file was unpickled"


@pytest.mark.parametrize("format_version", [1, 2])
@pytest.mark.parametrize("corruption", CORRUPTIONS.values(), ids=list(CORRUPTIONS))
def test_corrupt_files_fall_back_to_previous_then_bundled(
    registry: ModelRegistry, corruption: tuple[Callable[[Path], None], str], format_version: int
) -> None:
    """Each kind of damage is detected, in versions of either format; ``active()`` falls
    back and records why, never raises."""
    corrupt, expected = corruption
    first = _save_and_promote(registry, 0.8)
    _save_and_promote(registry, 0.9)
    if format_version == 1:  # as HomeIQ wrote them before blobs
        _downgrade(registry.root / NAME / "v1")
        _downgrade(registry.root / NAME / "v2")
        assert _active(registry).info.version == 2

    corrupt(registry.root / NAME / "v2")
    stored = _active(registry)
    assert (stored.source, stored.info) == ("previous", first)
    assert np.array_equal(stored.arrays()["weights"], _arrays()["weights"])
    (reason,) = registry.fallbacks[NAME]
    assert reason.startswith("v2 (active): ")
    assert expected in reason

    corrupt(registry.root / NAME / "v1")
    stored = _active(registry)
    assert (stored.source, stored.info.version, stored.info.trained_on) == (
        "bundled",
        0,
        "synthetic",
    )
    assert np.array_equal(stored.arrays()["weights"], _arrays(seed=99)["weights"])
    assert [r.split(":")[0] for r in registry.fallbacks[NAME]] == ["v2 (active)", "v1 (previous)"]
    assert all(expected in r for r in registry.fallbacks[NAME])


def test_nothing_readable_returns_none_with_reasons(tmp_path: Path) -> None:
    """Without a readable version or bundled model, ``active()`` returns None and says why."""
    registry = ModelRegistry(tmp_path / "models", bundled_root=tmp_path / "missing")
    assert registry.active(NAME) is None
    assert len(registry.fallbacks[NAME]) == 1
    assert "bundled: model.json cannot be read" in registry.fallbacks[NAME][0]
    _save_and_promote(registry, 0.8)
    _flip_byte(registry.root / NAME / "v1")
    assert registry.active(NAME) is None
    assert len(registry.fallbacks[NAME]) == 2


def test_refused_candidates_are_not_fallbacks(registry: ModelRegistry) -> None:
    """Falling back skips a candidate that was refused as worse: it was never trusted."""
    _save_and_promote(registry, 0.8)  # v1
    refused = _save(registry, 0.7)  # v2
    assert not registry.promote_if_better(NAME, refused.version)[0]
    _save_and_promote(registry, 0.9)  # v3
    _flip_byte(registry.root / NAME / "v3")
    assert _active(registry).info.version == 1


def test_corrupt_active_json_falls_back_to_bundled_and_is_repaired(
    registry: ModelRegistry,
) -> None:
    """A garbled pointer means bundled until the next promotion rewrites it; nothing is pruned."""
    _save_and_promote(registry, 0.8)
    (registry.root / NAME / "active.json").write_text("[1, 2")
    stored = _active(registry)
    assert stored.source == "bundled"
    assert "active.json" in registry.fallbacks[NAME][0]
    for score in (0.5, 0.6, 0.7):
        _save(registry, score)
    assert _on_disk(registry.root) == [1, 2, 3, 4]
    promoted, reason = registry.promote_if_better(NAME, 4)
    assert promoted
    assert "active.json" in reason
    assert _active(registry).info.version == 4


def test_bundled_model_must_be_version_zero_of_its_name(tmp_path: Path) -> None:
    """A bundled directory holding another model is not used."""
    bundled = tmp_path / "bundled"
    info = ModelInfo(NAME, 3, "synthetic", TRAINED_AT, 1, {"m": 1.0}, "m")
    write_model(bundled / NAME, info, _blobs())
    registry = ModelRegistry(tmp_path / "models", bundled_root=bundled)
    assert registry.active(NAME) is None
    assert "describes failure v3" in registry.fallbacks[NAME][0]


# --- blobs ---------------------------------------------------------------------------------


def _weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {
        "conv1.lin.weight": rng.normal(size=(8, 4)).astype(np.float32),
        "conv1.bias": np.zeros(8, dtype=np.float32),
        "steps": np.array(120, dtype=np.int64),
    }


CONFIG = {"hidden": 8, "layers": ["sage", "sage"], "dropout": 0.1, "note": "über", "none": None}


def _save_parts(registry: ModelRegistry, name: str = "synergy") -> ModelInfo:
    """A model of three kinds of blob, as a GNN with its configuration would be stored."""
    return registry.save_candidate(
        name,
        {
            "model": ArrayBlob(_arrays()),
            "weights": ArrayBlob(_weights(), "safetensors"),
            "config": JsonBlob(CONFIG),
        },
        trained_on="this_home",
        n_samples=50,
        metrics={"pr_auc": 0.6},
        primary_metric="pr_auc",
        trained_at=TRAINED_AT,
    )


def test_blobs_of_every_kind_round_trip(registry: ModelRegistry) -> None:
    """npz, safetensors and json blobs come back by name, exactly; each in its own file."""
    info = _save_parts(registry)
    assert registry.promote_if_better("synergy", info.version)[0]
    stored = _active(registry, "synergy")
    assert stored.info == info
    assert sorted(stored.blobs) == ["config", "model", "weights"]
    for name, array in _weights().items():
        loaded = stored.arrays("weights")[name]
        assert (loaded.dtype, loaded.shape) == (array.dtype, array.shape), name
        assert np.array_equal(loaded, array), name
    assert stored.arrays().keys() == _arrays().keys()
    assert stored.json_data("config") == CONFIG
    model_dir = registry.root / "synergy" / "v1"
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "config.json",
        "model.json",
        "model.npz",
        "weights.safetensors",
    ]
    document = json.loads((model_dir / "model.json").read_text())
    assert {name: entry["kind"] for name, entry in document["blobs"].items()} == {
        "config": "json",
        "model": "npz",
        "weights": "safetensors",
    }
    assert "arrays" not in document["blobs"]["config"]
    assert document["blobs"]["weights"]["arrays"]["conv1.lin.weight"] == {
        "dtype": "<f4",
        "shape": [8, 4],
    }


@pytest.mark.parametrize(
    ("access", "message"),
    [
        (lambda stored: stored.arrays("config"), "no blob of arrays named 'config'"),
        (lambda stored: stored.arrays("missing"), "no blob of arrays named 'missing'"),
        (lambda stored: stored.json_data("weights"), "no JSON blob named 'weights'"),
    ],
)
def test_asking_for_a_blob_it_does_not_have_is_a_model_file_error(
    registry: ModelRegistry, access: Callable[[StoredModel], Any], message: str
) -> None:
    """Code expecting another model layout gets a ModelFileError (and so falls back)."""
    assert registry.promote_if_better("synergy", _save_parts(registry).version)[0]
    with pytest.raises(ModelFileError, match=message):
        access(_active(registry, "synergy"))


def _set_entry(model_dir: Path, blob: str, **changes: Any) -> None:
    path = model_dir / "model.json"
    document = json.loads(path.read_text())
    document["blobs"][blob] |= changes
    path.write_text(json.dumps(document))


def _replace_blob(model_dir: Path, file: str, data: bytes) -> None:
    (model_dir / file).write_bytes(data)
    _rehash(model_dir, file.split(".", maxsplit=1)[0])


BLOB_DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "safetensors byte flipped": (_flip_byte_of("weights.safetensors"), "weights.safetensors"),
    "safetensors trailing bytes, checksum updated": (
        lambda d: _replace_blob(
            d, "weights.safetensors", (d / "weights.safetensors").read_bytes() + b"\0"
        ),
        "tensors cover",
    ),
    "safetensors dtype differs from the list": (
        lambda d: _replace_blob(
            d,
            "weights.safetensors",
            encode_tensors(_weights() | {"conv1.bias": np.zeros(8, dtype=np.float64)}),
        ),
        "array 'conv1.bias' is <f8[8], model.json says <f4[8]",
    ),
    "json blob garbage, checksum updated": (
        lambda d: _replace_blob(d, "config.json", b'{"hidden": 8,'),
        "config.json cannot be read",
    ),
    "json blob with NaN, checksum updated": (
        lambda d: _replace_blob(d, "config.json", b'{"dropout": NaN}'),
        "NaN is not JSON data",
    ),
    "json blob deleted": (lambda d: (d / "config.json").unlink(), "config.json cannot be read"),
    "blob outside its directory": (
        lambda d: _set_entry(d, "config", file="../config.json"),
        "must be stored in config.json",
    ),
    "unknown blob kind": (lambda d: _set_entry(d, "config", kind="pickle"), "kind 'pickle'"),
    "size missing": (lambda d: _set_entry(d, "config", size=None), "no valid size"),
    "size wrong": (lambda d: _set_entry(d, "config", size=1), "another size"),
    "sha256 not hex": (lambda d: _set_entry(d, "config", sha256="x" * 64), "no valid sha256"),
    "npz array list wrong": (
        lambda d: _set_entry(d, "model", arrays={"weights": {"dtype": "<f8", "shape": [3, 4]}}),
        "holds arrays ['feature'] not listed",
    ),
}


@pytest.mark.parametrize("damage", BLOB_DAMAGE.values(), ids=list(BLOB_DAMAGE))
def test_a_damaged_blob_of_any_kind_makes_the_version_fall_back(
    registry: ModelRegistry, damage: tuple[Callable[[Path], None], str]
) -> None:
    """Every blob is checked before the model is used: damage to one falls back, says which."""
    first = _save_parts(registry)
    assert registry.promote_if_better("synergy", first.version)[0]
    second = _save_parts(registry)
    assert registry.promote_if_better("synergy", second.version)[0]
    corrupt, expected = damage
    corrupt(registry.root / "synergy" / "v2")
    stored = _active(registry, "synergy")
    assert (stored.source, stored.info.version) == ("previous", 1)
    (reason,) = registry.fallbacks["synergy"]
    assert reason.startswith("v2 (active): ")
    assert expected in reason


# --- format version 1 (HomeIQ before blobs) -------------------------------------------------


def _downgrade(model_dir: Path) -> None:
    """Rewrite a one-npz-blob model's model.json as format version 1 wrote it."""
    path = model_dir / "model.json"
    document = json.loads(path.read_text())
    (entry,) = document["blobs"].values()
    assert entry["file"] == "model.npz"
    old = {
        "format": "homeiq-model",
        "format_version": 1,
        "sha256": entry["sha256"],
        "arrays": entry["arrays"],
        "info": document["info"],
    }
    path.write_text(json.dumps(old, allow_nan=False, ensure_ascii=False, indent=1, sort_keys=True))


def test_format_version_1_directories_keep_working(registry: ModelRegistry) -> None:
    """Versions written before blobs load, count for promotion and rollback; new versions
    are written in format version 2 next to them."""
    old = _save_and_promote(registry, 0.8)
    _downgrade(registry.root / NAME / "v1")
    document = json.loads((registry.root / NAME / "v1" / "model.json").read_text())
    assert (document["format_version"], "blobs" in document) == (1, False)

    stored = _active(registry)
    assert (stored.source, stored.info) == ("active", old)
    assert sorted(stored.blobs) == [MAIN_BLOB]
    assert np.array_equal(stored.arrays()["weights"], _arrays()["weights"])
    assert registry.versions(NAME) == [old]

    worse = _save(registry, 0.7)
    promoted, why = registry.promote_if_better(NAME, worse.version)
    assert not promoted
    assert "0.8" in why
    better = _save_and_promote(registry, 0.9)
    assert (
        json.loads((registry.root / NAME / "v3" / "model.json").read_text())["format_version"] == 2
    )
    assert registry.rollback(NAME) == old
    assert _active(registry).info == old
    assert [info.version for info in registry.versions(NAME)] == [1, 2, better.version]


def test_upgrade_model_rewrites_only_model_json(bundled_root: Path) -> None:
    """A version 1 directory becomes version 2 with the npz untouched; a second call is a
    no-op; a broken directory is refused and left as it was."""
    directory = bundled_root / NAME
    before = read_model(directory)
    npz = (directory / "model.npz").read_bytes()
    _downgrade(directory)
    assert _same_model(read_model(directory), before)  # version 1 reads as the same model

    assert upgrade_model(directory) is True
    document = json.loads((directory / "model.json").read_text())
    assert document["format_version"] == 2
    assert document["blobs"]["model"]["size"] == len(npz)
    assert (directory / "model.npz").read_bytes() == npz
    assert _same_model(read_model(directory), before)
    assert sorted(p.name for p in directory.iterdir()) == ["model.json", "model.npz"]
    assert upgrade_model(directory) is False

    _downgrade(directory)
    _flip_byte(directory)
    text = (directory / "model.json").read_text()
    with pytest.raises(ModelFileError, match="sha256"):
        upgrade_model(directory)
    assert (directory / "model.json").read_text() == text


def _same_model(a: tuple[ModelInfo, dict[str, Blob]], b: tuple[ModelInfo, dict[str, Blob]]) -> bool:
    """Same info and the same blobs, array by array (dtype, shape and every value)."""
    if a[0] != b[0] or a[1].keys() != b[1].keys():
        return False
    for name, blob in a[1].items():
        other = b[1][name]
        assert isinstance(blob, ArrayBlob)
        assert isinstance(other, ArrayBlob)
        if blob.arrays.keys() != other.arrays.keys():
            return False
        for key, value in blob.arrays.items():
            x, y = np.asarray(value), np.asarray(other.arrays[key])
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                return False
    return True


# --- the bundled models --------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_DIR = "custom_components/homeiq/models"
BUNDLED_NAMES = sorted(
    p.name for p in (REPO_ROOT / BUNDLED_DIR).iterdir() if (p / "model.json").is_file()
)


def _git(*args: str) -> bytes | None:
    try:
        result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, check=False)
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None


def _conversion(name: str) -> tuple[str, str] | None:
    """The commit that rewrote bundled model ``name`` as format version 2, and the commit of
    the format version 1 files it replaced; None without that git history."""
    path = f"{BUNDLED_DIR}/{name}/model.json"
    log = _git("log", "--format=%H", "--", path)
    commits = log.decode().split() if log else []
    versions = []
    for commit in commits:
        shown = _git("show", f"{commit}:{path}")
        versions.append(json.loads(shown)["format_version"] if shown else None)
    for i in range(len(commits) - 1):
        if (versions[i], versions[i + 1]) == (2, 1):
            return commits[i], commits[i + 1]
    return None


def _deploy(bundled: Path, name: str, registry_root: Path) -> DeployedModel:
    """The bundled model ``name`` under ``bundled`` as the integration deploys it."""
    registry = ModelRegistry(registry_root, bundled_root=bundled)
    deployed = load_deployed(registry, name, MODEL_FEATURES[name])
    assert deployed is not None
    assert deployed.fallbacks == ()
    return deployed


def _assert_same_ensemble(a: DeployedModel, b: DeployedModel) -> None:
    assert a.info == b.info
    assert ensemble_metadata(a.ensemble) == ensemble_metadata(b.ensemble)
    for array in ARRAY_NAMES:
        x, y = getattr(a.ensemble, array), getattr(b.ensemble, array)
        assert (x.dtype, x.shape, x.tobytes()) == (y.dtype, y.shape, y.tobytes()), array
    rows = np.random.default_rng(11).normal(size=(200, a.ensemble.n_features)) * 10
    assert np.array_equal(a.ensemble.apply(rows), b.ensemble.apply(rows))
    assert np.array_equal(a.ensemble.predict(rows), b.ensemble.predict(rows))


@pytest.mark.parametrize("name", BUNDLED_NAMES)
def test_bundled_models_are_exactly_their_format_1_files(name: str, tmp_path: Path) -> None:
    """The bundled models were converted, not retrained: loaded through this code, the
    format 2 files give the same info, arrays, metadata and predictions as the format 1
    files they replaced (taken from git history), and so does what ships now."""
    found = _conversion(name)
    if found is None:
        pytest.skip("no git history holding this model's format version 1 files")
    for label, commit in zip(("v2", "v1"), found, strict=True):
        directory = tmp_path / label / name
        directory.mkdir(parents=True)
        for file in ("model.json", "model.npz"):
            content = _git("show", f"{commit}:{BUNDLED_DIR}/{name}/{file}")
            assert content is not None
            (directory / file).write_bytes(content)
    assert json.loads((tmp_path / "v1" / name / "model.json").read_text())["format_version"] == 1
    converted = _deploy(tmp_path / "v2", name, tmp_path / "registry")
    original = _deploy(tmp_path / "v1", name, tmp_path / "registry")
    _assert_same_ensemble(converted, original)
    shipped = _deploy(REPO_ROOT / BUNDLED_DIR, name, tmp_path / "registry")
    if shipped.info.trained_at == converted.info.trained_at:  # not retrained since
        _assert_same_ensemble(shipped, converted)


# --- rollback ------------------------------------------------------------------------------


def test_rollback_walks_back_through_formerly_active_versions(registry: ModelRegistry) -> None:
    """Each rollback activates the version that was active before, down to the bundled one."""
    for score in (0.7, 0.8, 0.9):
        _save_and_promote(registry, score)
    rolled = registry.rollback(NAME)
    assert rolled is not None
    assert rolled.version == 2
    assert (_active(registry).source, _active(registry).info.version) == ("active", 2)
    assert registry.rollback(NAME) == _active(registry).info
    assert _active(registry).info.version == 1
    bundled = registry.rollback(NAME)
    assert bundled is not None
    assert bundled.version == 0
    assert _active(registry).source == "bundled"
    assert registry.rollback(NAME) is None
    assert _on_disk(registry.root) == [1, 2, 3]


def test_rollback_skips_unreadable_versions(registry: ModelRegistry) -> None:
    """A broken formerly active version is passed over."""
    for score in (0.7, 0.8, 0.9):
        _save_and_promote(registry, score)
    _truncate(registry.root / NAME / "v2")
    rolled = registry.rollback(NAME)
    assert rolled is not None
    assert rolled.version == 1
    assert _active(registry).info.version == 1


def test_rollback_without_anything_to_roll_back_to(tmp_path: Path) -> None:
    """With no earlier version and no bundled model, rollback changes nothing."""
    registry = ModelRegistry(tmp_path)
    assert registry.rollback(NAME) is None
    _save_and_promote(registry, 0.8)
    assert registry.rollback(NAME) is None
    assert _active(registry).info.version == 1


def test_rolled_back_version_is_the_bar_for_the_next_candidate(registry: ModelRegistry) -> None:
    """After a rollback, candidates are compared with the version now active."""
    _save_and_promote(registry, 0.6)
    _save_and_promote(registry, 0.9)
    registry.rollback(NAME)
    candidate = _save(registry, 0.7)
    promoted, reason = registry.promote_if_better(NAME, candidate.version)
    assert promoted
    assert "of active v1" in reason


# --- property ------------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.sampled_from([0.1, 0.5, 0.5, 0.9])),
        st.tuples(st.just("promote"), st.integers(0, 8)),
        st.tuples(st.just("rollback"), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(operations=OPERATIONS, keep=st.integers(2, 4), higher_is_better=st.booleans())
def test_any_sequence_keeps_the_invariants(
    operations: list[tuple[str, float]], keep: int, higher_is_better: bool
) -> None:
    """Saves, promotions and rollbacks in any order.

    Invariants: at most ``keep`` versions on disk; once something was promoted, the active
    version exists and loads without fallback; promotion happens exactly when the candidate
    is at least as good as the active version; version numbers only grow.
    """
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        registry = ModelRegistry(root, keep=keep)
        scores: dict[int, float] = {}
        active: int | None = None
        for operation, argument in operations:
            if operation == "save":
                info = _save(registry, argument, higher_is_better=higher_is_better)
                assert info.version > max(scores, default=0)
                scores[info.version] = argument
            elif operation == "promote" and scores:
                version = sorted(scores)[int(argument) % len(scores)]
                on_disk = version in _on_disk(root)
                promoted, reason = registry.promote_if_better(NAME, version)
                expected = on_disk and (
                    active is None
                    or (
                        version != active
                        and _at_least(scores[version], scores[active], higher_is_better)
                    )
                )
                assert promoted is expected, reason
                active = version if promoted else active
            elif operation == "rollback":
                rolled = registry.rollback(NAME)
                active = rolled.version if rolled is not None else active

            assert len(_on_disk(root)) <= keep if (root / NAME).exists() else True
            if active is not None:
                assert active in _on_disk(root)
                stored = _active(registry)
                assert (stored.source, stored.info.version) == ("active", active)
                assert registry.fallbacks[NAME] == []


def _at_least(ours: float, theirs: float, higher_is_better: bool) -> bool:
    return ours >= theirs if higher_is_better else ours <= theirs


# --- two writers on one root ---------------------------------------------------------------

WRITERS = 4
SAVES_EACH = 6


def test_concurrent_writers_on_one_root_get_distinct_loadable_versions(tmp_path: Path) -> None:
    """Registry objects on the same root in several threads (an entry reloaded while the old
    run's thread still trains) never reuse a version, overwrite one or break a write."""
    root = tmp_path / "models"
    registries = [ModelRegistry(root, keep=WRITERS * SAVES_EACH) for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    saved: list[tuple[int, int]] = []  # (version, seed of the arrays written)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            barrier.wait()
            for k in range(SAVES_EACH):
                seed = 100 * index + k
                info = _save(registries[index], 0.5, seed=seed)
                saved.append((info.version, seed))
        except BaseException as err:  # reported below, with the thread's traceback lost
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    versions = sorted(version for version, _ in saved)
    assert versions == list(range(1, WRITERS * SAVES_EACH + 1))
    assert _on_disk(root) == versions
    for version, seed in saved:  # each version holds what its writer wrote
        info, blobs = read_model(root / NAME / f"v{version}")
        assert info.version == version
        blob = blobs[MAIN_BLOB]
        assert isinstance(blob, ArrayBlob)
        np.testing.assert_array_equal(blob.arrays["weights"], _arrays(seed)["weights"])
    assert not list((root / NAME).glob(".*.tmp"))


def test_concurrent_saves_and_promotions_keep_the_registry_consistent(tmp_path: Path) -> None:
    """Threads saving and promoting with pruning (keep 3): every promotion that was reported
    stays loadable or was replaced by a later one, and the active version loads."""
    root = tmp_path / "models"
    registries = [ModelRegistry(root) for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    outcomes: list[tuple[int, bool, str]] = []
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            barrier.wait()
            for k in range(SAVES_EACH):
                info = _save(registries[index], 0.1 * k + 0.01 * index, seed=10 * index + k)
                promoted, why = registries[index].promote_if_better(NAME, info.version)
                outcomes.append((info.version, promoted, why))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({version for version, _, _ in outcomes}) == WRITERS * SAVES_EACH
    assert len(_on_disk(root)) <= 3
    stored = _active(ModelRegistry(root))
    assert stored.source == "active"
    promoted = [version for version, ok, _ in outcomes if ok]
    assert stored.info.version == promoted[-1]  # the last promotion is the one in use
    assert not list((root / NAME).glob(".*.tmp"))


def test_closed_registry_refuses_writes_and_another_on_the_root_goes_on(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    """After close() (the old entry unloaded) its saves, promotions and rollbacks raise and
    change nothing; a registry of the reloaded entry on the same root keeps working."""
    first = _save_and_promote(registry, 0.6)
    second = _save_and_promote(registry, 0.7)
    candidate = _save(registry, 0.9)
    registry.close()

    with pytest.raises(RegistryClosedError):
        _save(registry, 0.95)
    with pytest.raises(RegistryClosedError):
        registry.promote_if_better(NAME, candidate.version)
    with pytest.raises(RegistryClosedError):
        registry.rollback(NAME)
    assert _on_disk(registry.root) == [first.version, second.version, candidate.version]
    assert _active(registry).info.version == second.version  # reads keep working

    reloaded = ModelRegistry(tmp_path / "models", bundled_root=registry.bundled_root)
    promoted, why = reloaded.promote_if_better(NAME, candidate.version)
    assert promoted, why
    assert _save(reloaded, 0.5).version == candidate.version + 1


def test_close_waits_for_a_write_in_progress(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """close() returns only once a save running in another thread is complete, so nothing
    can appear after it."""
    writing, release = threading.Event(), threading.Event()
    real_write = registry_module.write_model

    def slow_write(*args: Any, **kwargs: Any) -> None:
        writing.set()
        assert release.wait(10)
        real_write(*args, **kwargs)

    monkeypatch.setattr(registry_module, "write_model", slow_write)
    saver = threading.Thread(target=_save, args=(registry, 0.5))
    saver.start()
    assert writing.wait(10)
    closer = threading.Thread(target=registry.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # blocked behind the save
    release.set()
    saver.join(10)
    closer.join(10)
    assert not closer.is_alive()
    assert _on_disk(registry.root) == [1]  # the save that had started is complete
    with pytest.raises(RegistryClosedError):
        _save(registry, 0.5)
