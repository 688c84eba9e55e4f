"""Tests for the on-disk format of synthetic homes and corpora."""

from __future__ import annotations

import json
from pathlib import Path
import zipfile

import numpy as np
import pytest

from custom_components.homeiq.core.home import StateHistory
from tools import homefile
from tools.homefile import load_corpus, load_home, save_corpus, save_home
from tools.synthetic import SyntheticHome, generate_corpus, generate_home


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    """A home with failures, automations and vacations (days kept short for speed)."""
    home = generate_home(16, days=12)
    assert home.truth.failures
    assert home.home.automations
    assert home.truth.synergies
    return home


def differences(a: SyntheticHome, b: SyntheticHome) -> list[str]:
    """What differs between two homes; arrays are compared bit for bit, dtypes included."""
    out = [
        name
        for name in ("areas", "devices", "entities", "automations", "window_start", "window_end")
        if getattr(a.home, name) != getattr(b.home, name)
    ]
    out += ["truth"] if a.truth != b.truth else []
    for name in ("histories", "external"):
        left: dict[str, StateHistory] = getattr(a.home, name)
        right: dict[str, StateHistory] = getattr(b.home, name)
        if list(left) != list(right):
            out.append(f"{name} keys")
            continue
        for key, history in left.items():
            other = right[key]
            out += [
                f"{key}.{field}"
                for field in ("timestamps", "values", "codes", "origins")
                if getattr(history, field).dtype != getattr(other, field).dtype
                or getattr(history, field).tobytes() != getattr(other, field).tobytes()
            ]
            out += [f"{key}.vocabulary"] if history.vocabulary != other.vocabulary else []
    return out


def rewrite_npz(path: Path, **changes: np.ndarray) -> None:
    """Rewrite histories.npz with some arrays replaced."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays.update(changes)
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def test_home_round_trip_is_exact(tmp_path: Path, synthetic: SyntheticHome) -> None:
    """Everything written comes back identical, in the same order."""
    save_home(tmp_path / "home", synthetic)
    loaded = load_home(tmp_path / "home")
    assert differences(synthetic, loaded) == []
    assert isinstance(loaded.truth.failures[0].entity_ids, tuple)
    assert all(isinstance(v, tuple) for v in loaded.truth.vacations)
    document = json.loads((tmp_path / "home" / "home.json").read_text())
    assert document["format"] == "homeiq-synthetic-home"
    assert document["version"] == 1


def test_differences_are_detected(synthetic: SyntheticHome) -> None:
    """The comparison used above notices a changed value."""
    other = generate_home(16, days=12)
    key = next(iter(other.home.histories))
    other.home.histories[key].timestamps[-1] += 1e-6
    assert differences(synthetic, other) == [f"{key}.timestamps"]


def test_saving_replaces_atomically(tmp_path: Path, synthetic: SyntheticHome) -> None:
    """Saving over a home replaces it and leaves no temporary directories behind."""
    target = tmp_path / "home"
    save_home(target, generate_home(1, days=2))
    save_home(target, synthetic)
    assert differences(load_home(target), synthetic) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_failed_save_keeps_the_old_home(
    tmp_path: Path, synthetic: SyntheticHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way leaves the previous home untouched."""
    target = tmp_path / "home"
    save_home(target, synthetic)

    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        save_home(target, generate_home(2, days=2))
    monkeypatch.undo()
    assert differences(load_home(target), synthetic) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_refuses_to_replace_foreign_directories(tmp_path: Path, synthetic: SyntheticHome) -> None:
    """A non-empty directory that is not a home or corpus is never deleted."""
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(ValueError, match="not a HomeIQ"):
        save_home(foreign, synthetic)
    with pytest.raises(ValueError, match="not a HomeIQ"):
        save_corpus(foreign, [synthetic])
    assert (foreign / "cat.jpg").exists()


def test_corpus_round_trip(tmp_path: Path) -> None:
    """A corpus loads back home for home, in index order."""
    homes = generate_corpus(5, seed=9, days=2)
    save_corpus(tmp_path / "corpus", homes)
    index = json.loads((tmp_path / "corpus" / "index.json").read_text())
    assert [entry["home_type"] for entry in index["homes"]] == [h.truth.home_type for h in homes]
    loaded = load_corpus(tmp_path / "corpus")
    assert len(loaded) == len(homes)
    for original, back in zip(homes, loaded, strict=True):
        assert differences(original, back) == []
    save_corpus(tmp_path / "corpus", homes[:2])
    assert len(load_corpus(tmp_path / "corpus")) == 2


def test_corrupted_archive_raises_value_error(tmp_path: Path, synthetic: SyntheticHome) -> None:
    """Truncated or garbage archives give a clear ValueError."""
    save_home(tmp_path / "home", synthetic)
    archive = tmp_path / "home" / "histories.npz"
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupted histories"):
        load_home(tmp_path / "home")
    archive.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="corrupted histories"):
        load_home(tmp_path / "home")
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    archive.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="histories"):
        load_home(tmp_path / "home")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"codes": "out_of_range"}, "vocabulary"),
        ({"offsets": "shifted"}, "offsets"),
        ({"origins": "invalid"}, "origin"),
        ({"timestamps": "unsorted"}, "sorted"),
        ({"table": "not_json"}, "series table"),
        ({"values": "wrong_dtype"}, "values"),
        ({"timestamps": "missing"}, "missing arrays"),
        ({"codes": "pickled"}, "corrupted"),
    ],
)
def test_invalid_arrays_raise_value_error(
    tmp_path: Path, synthetic: SyntheticHome, change: dict[str, str], message: str
) -> None:
    """Well-formed archives with inconsistent contents are refused, never unpickled."""
    save_home(tmp_path / "home", synthetic)
    path = tmp_path / "home" / "histories.npz"
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    (name, how) = next(iter(change.items()))
    array = arrays[name]
    if how == "out_of_range":
        array = array.copy()
        array[0] = 10_000
    elif how == "shifted":
        array = array.copy()
        array[-1] += 1
    elif how == "invalid":
        array = array.copy()
        array[0] = 9
    elif how == "unsorted":
        array = array.copy()
        array[:2] = array[1::-1] + np.array([0.0, 1.0])
    elif how == "not_json":
        array = np.frombuffer(b"{nope", dtype=np.uint8)
    elif how == "wrong_dtype":
        array = array.astype(np.float32)
    if how == "missing":
        del arrays[name]
        with path.open("wb") as handle:
            np.savez(handle, **arrays)
    elif how == "pickled":
        arrays[name] = np.array([{"evil": 1}], dtype=object)
        with path.open("wb") as handle:
            np.savez(handle, allow_pickle=True, **arrays)
    else:
        rewrite_npz(path, **{name: array})
    with pytest.raises(ValueError, match=message):
        load_home(tmp_path / "home")


def test_invalid_home_json_raises_value_error(tmp_path: Path, synthetic: SyntheticHome) -> None:
    """Broken JSON, another format version or unknown fields give a ValueError."""
    save_home(tmp_path / "home", synthetic)
    path = tmp_path / "home" / "home.json"
    document = json.loads(path.read_text())
    path.write_text("{")
    with pytest.raises(ValueError, match="JSON"):
        load_home(tmp_path / "home")
    path.write_text(json.dumps({**document, "version": 99}))
    with pytest.raises(ValueError, match="version"):
        load_home(tmp_path / "home")
    broken = {**document, "entities": [{**document["entities"][0], "colour": "red"}]}
    path.write_text(json.dumps(broken))
    with pytest.raises(ValueError, match="malformed"):
        load_home(tmp_path / "home")
    path.write_text(json.dumps({k: v for k, v in document.items() if k != "truth"}))
    with pytest.raises(ValueError, match="malformed"):
        load_home(tmp_path / "home")
    with pytest.raises(ValueError, match="JSON"):
        load_home(tmp_path / "nowhere")


def test_corpus_index_is_checked(tmp_path: Path) -> None:
    """Index entries cannot point outside the corpus directory."""
    save_corpus(tmp_path / "corpus", generate_corpus(2, seed=1, days=1))
    index_path = tmp_path / "corpus" / "index.json"
    index = json.loads(index_path.read_text())
    for bad in ("../corpus/home_0000", "/etc", "", ".."):
        index["homes"][0]["path"] = bad
        index_path.write_text(json.dumps(index))
        with pytest.raises(ValueError, match="invalid home path"):
            load_corpus(tmp_path / "corpus")
    index_path.write_text(json.dumps({"format": "homeiq-synthetic-home", "version": 1}))
    with pytest.raises(ValueError, match="format"):
        load_corpus(tmp_path / "corpus")


def test_archive_holds_no_objects(tmp_path: Path, synthetic: SyntheticHome) -> None:
    """Every array in the archive is a plain numeric array."""
    save_home(tmp_path / "home", synthetic)
    with zipfile.ZipFile(tmp_path / "home" / "histories.npz") as archive:
        names = sorted(archive.namelist())
    assert names == sorted(f"{n}.npy" for n in homefile.ARRAY_DTYPES)
    with np.load(tmp_path / "home" / "histories.npz", allow_pickle=False) as arrays:
        for name in arrays.files:
            assert arrays[name].dtype == homefile.ARRAY_DTYPES[name]
