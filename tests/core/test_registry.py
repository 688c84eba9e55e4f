"""Tests for the model registry: storage, promotion, pruning, atomic writes and fallback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import hashlib
import json
import os
from pathlib import Path
import shutil
import tempfile
from typing import Any

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.registry import (
    ModelInfo,
    ModelRegistry,
    StoredModel,
    read_model,
    write_model,
)

NAME = "failure"
TRAINED_AT = "2026-03-01T02:00:00+00:00"


def _arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "weights": rng.normal(size=(4, 3)),
        "feature": rng.integers(0, 10, size=7).astype(np.int32),
    }


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
        _arrays(seed),
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
    write_model(root / NAME, info, _arrays(seed=99))
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
        arrays,
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
    assert stored.arrays.keys() == arrays.keys()
    for key, array in arrays.items():
        assert stored.arrays[key].dtype == np.asarray(array).dtype, key
        assert stored.arrays[key].shape == np.shape(array), key
        assert np.array_equal(stored.arrays[key], array, equal_nan=True), key
    assert registry.versions("home_type") == [info]
    assert registry.fallbacks["home_type"] == []


def test_layout_on_disk(registry: ModelRegistry) -> None:
    """``v<n>/model.npz`` + ``model.json`` with format version and sha256; ``active.json``."""
    info = _save_and_promote(registry, 0.8)
    model_dir = registry.root / NAME / f"v{info.version}"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.json", "model.npz"]
    document = json.loads((model_dir / "model.json").read_text())
    assert document["format_version"] == 1
    assert document["sha256"] == hashlib.sha256((model_dir / "model.npz").read_bytes()).hexdigest()
    assert sorted(document["arrays"]) == ["feature", "weights"]
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
        NAME, _arrays(), trained_on="this_home", n_samples=1, metrics={"m": 1.0}, primary_metric="m"
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
    with pytest.raises(ValueError, match=message):
        registry.save_candidate(name, arrays, **arguments)
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
    write_model(bundled_root / NAME, info, {"only": np.ones(2)})
    assert list(read_model(bundled_root / NAME)[1]) == ["only"]
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


def _rehash(model_dir: Path) -> None:
    """Update the sha256 in model.json, as a careless or malicious writer would."""
    path = model_dir / "model.json"
    document = json.loads(path.read_text())
    document["sha256"] = hashlib.sha256((model_dir / "model.npz").read_bytes()).hexdigest()
    path.write_text(json.dumps(document))


def _truncate(model_dir: Path) -> None:
    npz = model_dir / "model.npz"
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])


def _truncate_rehashed(model_dir: Path) -> None:
    _truncate(model_dir)
    _rehash(model_dir)


def _flip_byte(model_dir: Path) -> None:
    npz = model_dir / "model.npz"
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))


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


@pytest.mark.parametrize("corruption", CORRUPTIONS.values(), ids=list(CORRUPTIONS))
def test_corrupt_files_fall_back_to_previous_then_bundled(
    registry: ModelRegistry, corruption: tuple[Callable[[Path], None], str]
) -> None:
    """Each kind of damage is detected; ``active()`` falls back and records why, never raises."""
    corrupt, expected = corruption
    first = _save_and_promote(registry, 0.8)
    _save_and_promote(registry, 0.9)

    corrupt(registry.root / NAME / "v2")
    stored = _active(registry)
    assert (stored.source, stored.info) == ("previous", first)
    assert np.array_equal(stored.arrays["weights"], _arrays()["weights"])
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
    assert np.array_equal(stored.arrays["weights"], _arrays(seed=99)["weights"])
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
    write_model(bundled / NAME, info, _arrays())
    registry = ModelRegistry(tmp_path / "models", bundled_root=bundled)
    assert registry.active(NAME) is None
    assert "describes failure v3" in registry.fallbacks[NAME][0]


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
