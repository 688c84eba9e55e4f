"""Tests for tools/upgrade_models: format version 1 bundled models rewritten as version 2."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from custom_components.homeiq.core.ml.registry import ModelRegistry
from tools.upgrade_models import upgrade_all

INFO = {
    "name": "failure",
    "version": 0,
    "trained_on": "synthetic",
    "trained_at": "2026-01-01T00:00:00+00:00",
    "n_samples": 10,
    "metrics": {"pr_auc": 0.5},
    "primary_metric": "pr_auc",
    "higher_is_better": True,
    "extra": {"feature_names": ["a"]},
}


def _write_format_1(directory: Path, arrays: dict[str, np.ndarray]) -> bytes:
    """A model as HomeIQ wrote it before blobs; returns the npz bytes."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    npz = buffer.getvalue()
    directory.mkdir(parents=True)
    (directory / "model.npz").write_bytes(npz)
    document = {
        "format": "homeiq-model",
        "format_version": 1,
        "sha256": hashlib.sha256(npz).hexdigest(),
        "arrays": {k: {"dtype": a.dtype.str, "shape": list(a.shape)} for k, a in arrays.items()},
        "info": INFO,
    }
    (directory / "model.json").write_text(json.dumps(document, indent=1, sort_keys=True))
    return npz


def test_upgrades_format_1_models_and_leaves_their_arrays(tmp_path: Path) -> None:
    """Each version 1 model is rewritten once; its npz stays byte for byte and loads."""
    weights = {"w": np.arange(6.0).reshape(2, 3), "n": np.array([1, 2], dtype=np.int32)}
    npz = _write_format_1(tmp_path / "failure", weights)
    (tmp_path / "not_a_model").mkdir()

    assert upgrade_all(tmp_path) == {"failure": True}
    assert (tmp_path / "failure" / "model.npz").read_bytes() == npz
    document = json.loads((tmp_path / "failure" / "model.json").read_text())
    assert document["format_version"] == 2
    assert document["blobs"]["model"]["sha256"] == hashlib.sha256(npz).hexdigest()
    stored = ModelRegistry(tmp_path / "registry", bundled_root=tmp_path).bundled("failure")
    assert stored is not None
    for key, array in weights.items():
        assert stored.arrays()[key].dtype == array.dtype
        assert np.array_equal(stored.arrays()[key], array)

    assert upgrade_all(tmp_path) == {"failure": False}
