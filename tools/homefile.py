"""The on-disk format of synthetic homes and corpora.

A home is a directory with two files::

    <home>/home.json       structure, automations, window and ground truth
    <home>/histories.npz   every state history, concatenated

``home.json`` is a UTF-8 JSON object::

    {
      "format": "homeiq-synthetic-home", "version": 1,
      "window": {"start": <float|null>, "end": <float|null>},
      "areas":       [{"area_id", "name", "floor_id", "floor_level"}, ...],
      "devices":     [{"device_id", "name", "manufacturer", "model", "area_id",
                       "battery_powered"}, ...],
      "entities":    [{"entity_id", "device_class", "unit", "area_id", "device_id", "name",
                       "enabled"}, ...],
      "automations": [{"automation_id", "name", "enabled", "trigger_entities",
                       "action_entities", "action_services"}, ...],
      "truth": {"home_type", "seed", "occupants", "routine", "synergies": [...],
                "failures": [...], "vacations": [[leave, return], ...], "climate_zone",
                "grid_region", "utc_offset_h"}
    }

(the field names are those of :mod:`.home` and :mod:`.synthetic.model`).

``histories.npz`` is a NumPy ``.npz`` archive without pickled objects, holding one row per
state change of every series (entity histories first, then external series):

    timestamps  float64[N]   POSIX seconds, sorted within each series
    values      float64[N]   numeric value or NaN
    codes       int32[N]     index into the series' vocabulary
    origins     int8[N]      :class:`~.home.Origin` values
    offsets     int64[S+1]   rows of series ``s`` are ``offsets[s]:offsets[s + 1]``
    table       uint8[...]   UTF-8 JSON ``{"series": [{"kind": "history" | "external",
                             "key": <entity id or series name>, "vocabulary": [...]}]}``

A corpus is a directory of homes plus ``index.json``::

    {"format": "homeiq-synthetic-corpus", "version": 1,
     "homes": [{"path": "home_0000", "home_type": ..., "seed": ...}, ...]}

Writes are atomic: everything is written to a temporary directory next to the target, which
then replaces the target with ``os.replace`` (an existing home or corpus is moved aside first
and deleted after). Reading never unpickles and raises ``ValueError`` on any malformed file.
"""

from __future__ import annotations

from dataclasses import asdict, fields
import json
import os
from pathlib import Path
import shutil
import tempfile
from typing import Any, Final
import zipfile
import zlib

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.atomic import replace_directory
from custom_components.homeiq.core.home import (
    Area,
    Automation,
    Device,
    Entity,
    Home,
    Origin,
    StateHistory,
)

from .synthetic.model import GroundTruth, PlantedFailure, PlantedSynergy, SyntheticHome

HOME_FORMAT: Final = "homeiq-synthetic-home"
CORPUS_FORMAT: Final = "homeiq-synthetic-corpus"
VERSION: Final = 1
HOME_JSON: Final = "home.json"
HISTORIES_NPZ: Final = "histories.npz"
INDEX_JSON: Final = "index.json"
ARRAY_DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "timestamps": np.dtype(np.float64),
    "values": np.dtype(np.float64),
    "codes": np.dtype(np.int32),
    "origins": np.dtype(np.int8),
    "offsets": np.dtype(np.int64),
    "table": np.dtype(np.uint8),
}


# --- writing ---------------------------------------------------------------------------


def save_home(path: Path, synthetic: SyntheticHome) -> None:
    """Write one home to the directory ``path``, atomically."""
    path = Path(path)
    _refuse_foreign(path, HOME_JSON)
    with _Staging(path) as staging:
        _write_home(staging, synthetic)


def save_corpus(directory: Path, homes: list[SyntheticHome]) -> None:
    """Write homes and ``index.json`` to ``directory``, atomically."""
    directory = Path(directory)
    _refuse_foreign(directory, INDEX_JSON)
    entries: list[dict[str, Any]] = []
    with _Staging(directory) as staging:
        for number, synthetic in enumerate(homes):
            name = f"home_{number:04d}"
            home_dir = staging / name
            home_dir.mkdir()
            _write_home(home_dir, synthetic)
            entries.append(
                {"path": name, "home_type": synthetic.truth.home_type, "seed": synthetic.truth.seed}
            )
        index = {"format": CORPUS_FORMAT, "version": VERSION, "homes": entries}
        _write_json(staging / INDEX_JSON, index)


class _Staging:
    """A temporary directory beside ``target`` that replaces it on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path = Path(".")

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", dir=self.target.parent))
        self.path.chmod(0o755)  # mkdtemp makes it private; a saved home is an ordinary directory
        return self.path

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        try:
            replace_directory(self.path, self.target)
        except OSError:
            shutil.rmtree(self.path, ignore_errors=True)
            raise


def _refuse_foreign(target: Path, marker: str) -> None:
    """Never replace a non-empty directory that is not one of ours."""
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / marker).is_file())
    ):
        msg = f"{target} exists and is not a HomeIQ {marker.partition('.')[0]} directory"
        raise ValueError(msg)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, allow_nan=False, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _write_home(directory: Path, synthetic: SyntheticHome) -> None:
    home = synthetic.home
    document = {
        "format": HOME_FORMAT,
        "version": VERSION,
        "window": {"start": home.window_start, "end": home.window_end},
        "time_zone": home.time_zone,
        "areas": [asdict(area) for area in home.areas.values()],
        "devices": [asdict(device) for device in home.devices.values()],
        "entities": [asdict(entity) for entity in home.entities.values()],
        "automations": [asdict(automation) for automation in home.automations],
        "truth": asdict(synthetic.truth),
    }
    _write_json(directory / HOME_JSON, document)
    series = [("history", key, h) for key, h in home.histories.items()]
    series += [("external", key, h) for key, h in home.external.items()]
    arrays = _pack_series(series)
    with (directory / HISTORIES_NPZ).open("wb") as handle:
        np.savez_compressed(handle, allow_pickle=False, **arrays)
        handle.flush()
        os.fsync(handle.fileno())


def _pack_series(series: list[tuple[str, str, StateHistory]]) -> dict[str, npt.NDArray[Any]]:
    lengths = [len(history) for _, _, history in series]
    table = {
        "series": [
            {"kind": kind, "key": key, "vocabulary": history.vocabulary}
            for kind, key, history in series
        ]
    }
    encoded = json.dumps(table, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def joined(name: str) -> npt.NDArray[Any]:
        parts = [getattr(history, name) for _, _, history in series]
        if not parts:
            return np.empty(0, dtype=ARRAY_DTYPES[name])
        return np.asarray(np.concatenate(parts), dtype=ARRAY_DTYPES[name])

    return {
        "timestamps": joined("timestamps"),
        "values": joined("values"),
        "codes": joined("codes"),
        "origins": joined("origins"),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "table": np.frombuffer(encoded, dtype=np.uint8),
    }


# --- reading ---------------------------------------------------------------------------


def load_home(path: Path) -> SyntheticHome:
    """Read a home written by :func:`save_home`; ``ValueError`` if it is malformed."""
    path = Path(path)
    document = _read_json(path / HOME_JSON)
    _check_format(document, HOME_FORMAT, path / HOME_JSON)
    try:
        window = document["window"]
        home = Home(
            areas={a.area_id: a for a in (_build(Area, d) for d in document["areas"])},
            devices={d.device_id: d for d in (_build(Device, x) for x in document["devices"])},
            entities={e.entity_id: e for e in (_build(Entity, x) for x in document["entities"])},
            automations=[_automation(d) for d in document["automations"]],
            window_start=_optional_float(window["start"]),
            window_end=_optional_float(window["end"]),
            time_zone=str(document.get("time_zone", "UTC")),
        )
        truth = _truth(document["truth"])
    except (KeyError, TypeError, AttributeError) as err:
        msg = f"{path / HOME_JSON}: malformed home description ({err!r})"
        raise ValueError(msg) from err
    histories, external = _read_histories(path / HISTORIES_NPZ)
    home.histories, home.external = histories, external
    return SyntheticHome(home, truth)


def load_corpus(directory: Path) -> list[SyntheticHome]:
    """Read every home of a corpus written by :func:`save_corpus`, in index order."""
    directory = Path(directory)
    index = _read_json(directory / INDEX_JSON)
    _check_format(index, CORPUS_FORMAT, directory / INDEX_JSON)
    homes = index.get("homes")
    if not isinstance(homes, list):
        msg = f"{directory / INDEX_JSON}: 'homes' must be a list"
        raise ValueError(msg)
    loaded: list[SyntheticHome] = []
    for entry in homes:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
            msg = f"{directory / INDEX_JSON}: invalid home path {name!r}"
            raise ValueError(msg)
        loaded.append(load_home(directory / name))
    return loaded


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"{path}: cannot read JSON ({err})"
        raise ValueError(msg) from err
    if not isinstance(data, dict):
        msg = f"{path}: expected a JSON object"
        raise ValueError(msg)
    return data


def _check_format(document: dict[str, Any], expected: str, path: Path) -> None:
    if document.get("format") != expected or document.get("version") != VERSION:
        msg = (
            f"{path}: expected format {expected!r} version {VERSION}, "
            f"found {document.get('format')!r} version {document.get('version')!r}"
        )
        raise ValueError(msg)


def _build[T](cls: type[T], data: Any, tuples: tuple[str, ...] = ()) -> T:
    if not isinstance(data, dict):
        msg = f"expected an object for {cls.__name__}, got {type(data).__name__}"
        raise TypeError(msg)
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names
    if unknown:
        msg = f"unknown {cls.__name__} fields {sorted(unknown)}"
        raise TypeError(msg)
    values = {key: tuple(value) if key in tuples else value for key, value in data.items()}
    return cls(**values)


def _automation(data: Any) -> Automation:
    return _build(Automation, data, ("trigger_entities", "action_entities", "action_services"))


def _optional_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"expected a number, got {value!r}"
        raise TypeError(msg)
    return float(value)


def _truth(data: Any) -> GroundTruth:
    if not isinstance(data, dict):
        msg = "ground truth must be an object"
        raise TypeError(msg)
    truth = _build(GroundTruth, data)
    truth.synergies = [_build(PlantedSynergy, s) for s in data["synergies"]]
    truth.failures = [_build(PlantedFailure, f, ("entity_ids",)) for f in data["failures"]]
    truth.vacations = [(float(a), float(b)) for a, b in data.get("vacations", [])]
    return truth


def _read_histories(path: Path) -> tuple[dict[str, StateHistory], dict[str, StateHistory]]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = set(ARRAY_DTYPES) - set(archive.files)
            if missing:
                msg = f"missing arrays {sorted(missing)}"
                raise ValueError(msg)
            arrays = {name: archive[name] for name in ARRAY_DTYPES}
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, zlib.error) as err:
        msg = f"{path}: corrupted histories file ({err})"
        raise ValueError(msg) from err
    try:
        return _unpack_series(arrays)
    except ValueError as err:
        msg = f"{path}: invalid histories ({err})"
        raise ValueError(msg) from err


def _unpack_series(
    arrays: dict[str, npt.NDArray[Any]],
) -> tuple[dict[str, StateHistory], dict[str, StateHistory]]:
    for name, dtype in ARRAY_DTYPES.items():
        if arrays[name].dtype != dtype or arrays[name].ndim != 1:
            msg = f"array {name!r} must be one-dimensional {dtype}"
            raise ValueError(msg)
    rows = arrays["timestamps"].shape[0]
    if any(arrays[name].shape[0] != rows for name in ("values", "codes", "origins")):
        msg = "row arrays differ in length"
        raise ValueError(msg)
    table = _series_table(arrays["table"])
    offsets = arrays["offsets"]
    if (
        offsets.shape[0] != len(table) + 1
        or offsets[0] != 0
        or offsets[-1] != rows
        or np.any(np.diff(offsets) < 0)
    ):
        msg = "offsets do not match the rows and the series table"
        raise ValueError(msg)
    if rows and (arrays["origins"].min() < min(Origin) or arrays["origins"].max() > max(Origin)):
        msg = "origin out of range"
        raise ValueError(msg)
    histories: dict[str, StateHistory] = {}
    external: dict[str, StateHistory] = {}
    for number, (kind, key, vocabulary) in enumerate(table):
        history = _slice(arrays, int(offsets[number]), int(offsets[number + 1]), vocabulary)
        target = histories if kind == "history" else external
        if key in target:
            msg = f"duplicate series {key!r}"
            raise ValueError(msg)
        target[key] = history
    return histories, external


def _series_table(raw: npt.NDArray[Any]) -> list[tuple[str, str, list[str]]]:
    try:
        table = json.loads(raw.tobytes().decode("utf-8"))
        entries = table["series"]
        parsed = [(e["kind"], e["key"], e["vocabulary"]) for e in entries]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        msg = f"unreadable series table ({err!r})"
        raise ValueError(msg) from err
    for kind, key, vocabulary in parsed:
        if (
            kind not in ("history", "external")
            or not isinstance(key, str)
            or not isinstance(vocabulary, list)
            or not all(isinstance(state, str) for state in vocabulary)
        ):
            msg = f"malformed series entry {key!r}"
            raise ValueError(msg)
    return parsed


def _slice(
    arrays: dict[str, npt.NDArray[Any]], first: int, last: int, vocabulary: list[str]
) -> StateHistory:
    codes = arrays["codes"][first:last].copy()
    timestamps = arrays["timestamps"][first:last].copy()
    if codes.shape[0] and (codes.min() < 0 or codes.max() >= len(vocabulary)):
        msg = "state code outside the vocabulary"
        raise ValueError(msg)
    if np.any(np.diff(timestamps) < 0):
        msg = "timestamps not sorted"
        raise ValueError(msg)
    return StateHistory(
        timestamps=timestamps,
        values=arrays["values"][first:last].copy(),
        codes=codes,
        vocabulary=list(vocabulary),
        origins=arrays["origins"][first:last].copy(),
    )


__all__ = ["load_corpus", "load_home", "save_corpus", "save_home"]
