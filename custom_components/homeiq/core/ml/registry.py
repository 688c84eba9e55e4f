"""The model registry: versioned, checksummed models on disk, promoted only when not worse.

A model is a set of named blobs — numeric arrays (npz or safetensors) or JSON, see
:mod:`.blobs` — plus JSON metadata, never a pickle: loading a model runs no code. On disk,
per model name::

    <root>/<name>/v<version>/model.json   format, ModelInfo, and per blob: kind, file,
                                          sha256, size and the dtype and shape of its arrays
    <root>/<name>/v<version>/<blob>.npz   one file per blob (``.safetensors``, ``.json``)
    <root>/<name>/active.json             active version + formerly active ones, newest first

A tree ensemble is one npz blob, :data:`MAIN_BLOB` (``model.npz``), with its own metadata in
``ModelInfo.extra``. A bundled model (shipped with the integration, trained on the synthetic
corpus) has the same files in ``<bundled_root>/<name>/`` and version 0.

Format version 1 (HomeIQ before blobs: ``model.npz`` + a ``model.json`` holding its sha256
and array list) is still read, as a model whose only blob is :data:`MAIN_BLOB`: versions on
users' disks and bundled models keep loading as they are. Every model written now is
version 2; :func:`upgrade_model` rewrites a version 1 ``model.json`` in place (the npz is
untouched).

Every write goes to a hidden temporary file or directory beside its target and is moved
into place with ``os.replace``, so a crash leaves the old state or the new one, never half
a model; leftovers of a crash are hidden (``.*.tmp``) and swept by the next save.

Several registry objects may share a root within one process (a reloaded config entry
starts a run while the old entry's executor thread still trains): every operation holds a
process-wide lock of its root, so versions are never reused or overwritten and a sweep
never removes another writer's half-written files. :meth:`ModelRegistry.close` ends a
registry's writes (the old entry's, on unload): a late save or promotion of that run
raises :class:`RegistryClosedError` and changes nothing.

Lifecycle: :meth:`ModelRegistry.save_candidate` writes the next version without
activating it; :meth:`ModelRegistry.promote_if_better` activates it only if its held-out
primary metric is at least as good as the active version's (strictly better when the
caller says ties keep the active one), then prunes to ``keep`` versions;
:meth:`ModelRegistry.active` loads the active version and falls back to the formerly
active versions, then to the bundled model, when a file is broken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import math
import numbers
import os
from pathlib import Path
import re
import shutil
import tempfile
import threading
from typing import Any, Final, Literal

import numpy as np

from ..atomic import fsync_directory, hidden_sibling, replace_directory, write_file_atomic
from .blobs import (
    MODEL_JSON,
    ArrayBlob,
    Arrays,
    Blob,
    BlobEntry,
    JsonBlob,
    decode_blob,
    encode_blob,
    entry_from_json,
    entry_to_json,
    json_text,
    listed_arrays,
)
from .trees import ModelFileError

FORMAT: Final = "homeiq-model"
POINTER_FORMAT: Final = "homeiq-model-pointer"
FORMAT_VERSION: Final = 2  # what is written
READABLE_FORMAT_VERSIONS: Final = (1, 2)
POINTER_FORMAT_VERSION: Final = 1
MAIN_BLOB: Final = "model"  # a tree ensemble's arrays; the only blob of format version 1
ACTIVE_JSON: Final = "active.json"
TRAINED_ON: Final = frozenset({"synthetic", "this_home"})

_MODEL_NAME = re.compile(r"[a-z][a-z0-9_]*")
_VERSION_DIR = re.compile(r"v([1-9][0-9]*)")

type Blobs = dict[str, Blob]
type ModelSource = Literal["active", "previous", "bundled"]

_ROOT_LOCKS: dict[str, threading.RLock] = {}
_ROOT_LOCKS_GUARD = threading.Lock()


def _root_lock(root: Path) -> threading.RLock:
    """The one lock of ``root`` in this process, whichever path spelling reaches it."""
    key = os.path.realpath(root)
    with _ROOT_LOCKS_GUARD:
        return _ROOT_LOCKS.setdefault(key, threading.RLock())


class RegistryClosedError(RuntimeError):
    """A write through a registry that was closed (its run was cancelled)."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a model is, what it was trained on and how well it did on held-out data."""

    name: str
    version: int  # 1, 2, … per name; a bundled model is version 0
    trained_on: str  # "synthetic" or "this_home"
    trained_at: str  # ISO 8601, UTC
    n_samples: int
    metrics: dict[str, float]  # held-out metrics, baselines included
    primary_metric: str  # the key of ``metrics`` that decides promotion
    higher_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # JSON-able: feature names, classes…

    @property
    def score(self) -> float:
        """The held-out value of the primary metric."""
        return self.metrics[self.primary_metric]


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A loaded model, its blobs by name, and where it came from."""

    info: ModelInfo
    blobs: Mapping[str, Blob]
    source: ModelSource

    def arrays(self, blob: str = MAIN_BLOB) -> Arrays:
        """The arrays of blob ``blob``; :class:`ModelFileError` if it has no such array blob."""
        found = self.blobs.get(blob)
        if not isinstance(found, ArrayBlob):
            raise ModelFileError(f"the model has no blob of arrays named {blob!r}")
        return {key: np.asarray(value) for key, value in found.arrays.items()}

    def json_data(self, blob: str) -> Any:
        """The data of JSON blob ``blob``; :class:`ModelFileError` if it has no such blob."""
        found = self.blobs.get(blob)
        if not isinstance(found, JsonBlob):
            raise ModelFileError(f"the model has no JSON blob named {blob!r}")
        return found.data


@dataclass(frozen=True, slots=True)
class _Pointer:
    """The contents of ``active.json``."""

    active: int | None = None
    previous: tuple[int, ...] = ()  # formerly active versions, most recently active first


# --- one model directory ---------------------------------------------------------------


def write_model(directory: Path, info: ModelInfo, blobs: Mapping[str, Blob]) -> None:
    """Write ``model.json`` and one file per blob into ``directory`` atomically.

    Used by the registry for each version and by ``scripts/train`` for bundled models
    (version 0). An existing ``directory`` is replaced as a whole. Raises ``ValueError``
    for a blob that cannot be stored as it is (non-numeric arrays, bad names, data that
    is not JSON) or metadata that is not JSON-able — before anything is written.
    """
    _check_info(info)
    if not blobs:
        raise ValueError("a model needs at least one blob")
    encoded = {name: encode_blob(name, blob) for name, blob in blobs.items()}
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "info": _info_to_json(info),
        "blobs": {name: entry_to_json(entry) for name, (entry, _) in encoded.items()},
    }
    text = json_text(document)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent)
    )
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a model is an ordinary directory
        for entry, data in encoded.values():
            _write_file(staging / entry.file, data)
        _write_file(staging / MODEL_JSON, text.encode())
        replace_directory(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_directory(directory.parent)


def read_model(directory: Path) -> tuple[ModelInfo, Blobs]:
    """Read a directory written by :func:`write_model`; raise :class:`ModelFileError` if broken.

    Reads format versions 1 and 2. Checks the format and its version, then for each blob
    its sha256 and size before parsing it, and that it holds exactly the listed arrays
    with their dtypes and shapes; never unpickles.
    """
    info, entries = _read_manifest(directory)
    blobs: Blobs = {
        name: decode_blob(entry, _read_bytes(directory / entry.file))
        for name, entry in entries.items()
    }
    return info, blobs


def upgrade_model(directory: Path) -> bool:
    """Rewrite a format version 1 ``model.json`` in ``directory`` as version 2.

    The model is read and checked in full first; its ``model.npz`` is left byte for byte
    as it is, so the arrays cannot change. Returns ``False`` (and writes nothing) if the
    directory is already version 2; raises :class:`ModelFileError` if it is broken.
    """
    document = _read_json(directory / MODEL_JSON)
    _check_format(document, FORMAT, MODEL_JSON, READABLE_FORMAT_VERSIONS)
    if document["format_version"] == FORMAT_VERSION:
        return False
    info, _ = read_model(directory)
    entry = _v1_entry(document)
    size = (directory / entry.file).stat().st_size
    upgraded = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "info": _info_to_json(info),
        "blobs": {
            MAIN_BLOB: entry_to_json(
                BlobEntry(entry.kind, entry.file, entry.sha256, size, entry.arrays)
            )
        },
    }
    _write_bytes_atomic(directory / MODEL_JSON, json_text(upgraded).encode())
    read_model(directory)  # the rewritten file describes the same, intact model
    return True


def _read_manifest(directory: Path) -> tuple[ModelInfo, dict[str, BlobEntry]]:
    """The info and blob entries of ``model.json`` (format version 1 or 2), nothing else."""
    document = _read_json(directory / MODEL_JSON)
    _check_format(document, FORMAT, MODEL_JSON, READABLE_FORMAT_VERSIONS)
    info = _info_from_json(document.get("info"))
    if document["format_version"] == 1:
        return info, {MAIN_BLOB: _v1_entry(document)}
    listed = document.get("blobs")
    if not isinstance(listed, dict) or not listed:
        raise ModelFileError(f"{MODEL_JSON} lists no blobs")
    return info, {name: entry_from_json(name, entry) for name, entry in listed.items()}


def _v1_entry(document: dict[str, Any]) -> BlobEntry:
    """Format version 1: one ``model.npz`` whose sha256 and arrays ``model.json`` gives."""
    sha256 = document.get("sha256")
    return BlobEntry(
        "npz",
        f"{MAIN_BLOB}.npz",
        sha256 if isinstance(sha256, str) else "",
        None,
        listed_arrays(document.get("arrays")),
    )


def _check_info(info: ModelInfo) -> None:
    """Raise ``ValueError`` if ``info`` could not be stored and read back as it is."""
    if not _MODEL_NAME.fullmatch(info.name):
        raise ValueError(f"model name {info.name!r} must match {_MODEL_NAME.pattern}")
    if _is_bool_or_not_int(info.version) or info.version < 0:
        raise ValueError(f"version {info.version!r} must be an integer ≥ 0")
    if info.trained_on not in TRAINED_ON:
        raise ValueError(f"trained_on {info.trained_on!r} must be one of {sorted(TRAINED_ON)}")
    _check_utc(info.trained_at)
    if _is_bool_or_not_int(info.n_samples) or info.n_samples < 0:
        raise ValueError(f"n_samples {info.n_samples!r} must be an integer ≥ 0")
    for key, value in info.metrics.items():
        if not isinstance(key, str) or not math.isfinite(_as_float(value)):
            raise ValueError(f"metric {key!r} = {value!r} must be a finite number")
    if info.primary_metric not in info.metrics:
        raise ValueError(f"primary metric {info.primary_metric!r} is not among the metrics")
    if not isinstance(info.higher_is_better, bool):
        raise ValueError("higher_is_better must be a bool")
    if not isinstance(info.extra, dict) or json.loads(json_text(info.extra)) != info.extra:
        raise ValueError("extra must be JSON data: dicts with str keys, lists, str, numbers")


def _is_bool_or_not_int(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, int)


def _check_utc(timestamp: object) -> None:
    if not isinstance(timestamp, str):
        raise ValueError(f"trained_at {timestamp!r} must be an ISO 8601 string")
    offset = datetime.fromisoformat(timestamp).utcoffset()
    if offset is None or offset:
        raise ValueError(f"trained_at {timestamp!r} must be in UTC")


def _info_to_json(info: ModelInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "version": info.version,
        "trained_on": info.trained_on,
        "trained_at": info.trained_at,
        "n_samples": info.n_samples,
        "metrics": {key: _as_float(value) for key, value in info.metrics.items()},
        "primary_metric": info.primary_metric,
        "higher_is_better": info.higher_is_better,
        "extra": info.extra,
    }


def _info_from_json(data: object) -> ModelInfo:
    if not isinstance(data, dict):
        raise ModelFileError(f"{MODEL_JSON} has no info object")
    try:
        metrics = data["metrics"]
        if not isinstance(metrics, dict):
            raise TypeError("metrics must be an object")
        info = ModelInfo(
            name=data["name"],
            version=data["version"],
            trained_on=data["trained_on"],
            trained_at=data["trained_at"],
            n_samples=data["n_samples"],
            metrics={k: _as_float(v) for k, v in metrics.items()},
            primary_metric=data["primary_metric"],
            higher_is_better=data["higher_is_better"],
            extra=data["extra"],
        )
        _check_info(info)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{MODEL_JSON} has invalid info: {err}") from err
    return info


def _as_float(value: object) -> float:
    """A metric as a plain float (numpy scalars and ints included, bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"metric {value!r} is not a number")
    return float(value)


# --- small file helpers ----------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as err:  # JSON and UTF-8 errors are ValueErrors
        raise ModelFileError(f"{path.name} cannot be read: {err}") from err
    if not isinstance(document, dict):
        raise ModelFileError(f"{path.name} is not a JSON object")
    return document


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise ModelFileError(f"{path.name} cannot be read: {err}") from err


def _check_format(
    document: dict[str, Any], expected: str, file_name: str, versions: tuple[int, ...]
) -> None:
    if document.get("format") != expected:
        raise ModelFileError(f"{file_name} is not a {expected} file")
    version = document.get("format_version")
    if type(version) is not int or version not in versions:
        readable = " and ".join(str(v) for v in versions)
        raise ModelFileError(
            f"{file_name} has format version {version!r}, this HomeIQ reads {readable}"
        )


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    write_file_atomic(path, lambda handle: handle.write(data))


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


# --- the registry ----------------------------------------------------------------------


class ModelRegistry:
    """Versions of each named model under ``root``, with promotion, pruning and fallback."""

    def __init__(self, root: Path, *, bundled_root: Path | None = None, keep: int = 3) -> None:
        """Keep at most ``keep`` (≥ 2: the active version and one more) versions per name."""
        if keep < 2:
            raise ValueError("keep must be at least 2")
        self.root = root
        self.bundled_root = bundled_root
        self.keep = keep
        # Why the last active() call of each name did not use its active version.
        self.fallbacks: dict[str, list[str]] = {}
        self._lock = _root_lock(root)
        self._closed = False

    def close(self) -> None:
        """Refuse every later write through this object; reads keep working.

        Waits for a write in progress (in another thread) to finish, so once this returns
        nothing written through this object can appear. Other registry objects on the same
        root are not affected.
        """
        with self._lock:
            self._closed = True

    def _check_open(self) -> None:
        """Raise :class:`RegistryClosedError` if :meth:`close` was called (lock held)."""
        if self._closed:
            raise RegistryClosedError(f"the model registry at {self.root} was closed")

    # --- public API ---------------------------------------------------------------------

    def save_candidate(
        self,
        name: str,
        blobs: Mapping[str, Blob],
        *,
        trained_on: str,
        n_samples: int,
        metrics: Mapping[str, float | np.floating[Any] | np.integer[Any]],
        primary_metric: str,
        higher_is_better: bool = True,
        extra: Mapping[str, Any] | None = None,
        trained_at: str | None = None,
    ) -> ModelInfo:
        """Write the next version of ``name`` (not active yet) and return its info.

        ``blobs`` are the model's parts by name (a tree ensemble: one npz blob named
        :data:`MAIN_BLOB`); ``metrics`` are held-out figures; ``trained_at`` defaults to
        now (UTC). Raises ``ValueError`` for invalid blobs or metadata, ``OSError`` if the
        disk fails, :class:`RegistryClosedError` after :meth:`close` — in each case nothing
        becomes visible.
        """
        if trained_at is None:
            trained_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:  # "highest version + 1" and its write are one step
            self._check_open()
            info = ModelInfo(
                name=name,
                version=max(self._version_numbers(name), default=0) + 1,
                trained_on=trained_on,
                trained_at=trained_at,
                n_samples=n_samples,
                metrics={key: _as_float(value) for key, value in metrics.items()},
                primary_metric=primary_metric,
                higher_is_better=higher_is_better,
                extra=dict(extra or {}),
            )
            write_model(self._version_dir(name, info.version), info, blobs)
            self._prune(name)
        return info

    def promote_if_better(
        self,
        name: str,
        candidate_version: int,
        *,
        active_score: float | None = None,
        ties_promote: bool = True,
    ) -> tuple[bool, str]:
        """Make ``candidate_version`` active if it is at least as good; say why or why not.

        The candidate's primary metric is compared with the active version's stored one,
        or with ``active_score`` — the active model's primary metric on the candidate's own
        held-out data — when the caller measured it (the fairer comparison). A tie
        promotes unless ``ties_promote`` is false (then only a better candidate does). An
        unreadable candidate is never promoted; an unreadable active version never blocks
        a readable candidate. Prunes to ``keep`` versions either way. Raises
        :class:`RegistryClosedError` (and changes nothing) after :meth:`close`.
        """
        with self._lock:
            self._check_open()
            return self._promote_if_better(
                name, candidate_version, active_score, ties_promote=ties_promote
            )

    def _promote_if_better(
        self,
        name: str,
        candidate_version: int,
        active_score: float | None,
        *,
        ties_promote: bool,
    ) -> tuple[bool, str]:
        label = f"v{candidate_version}"
        try:
            candidate, _ = self._read_version(name, candidate_version)
        except ModelFileError as err:
            self._prune(name)
            return False, f"{label} not promoted: it cannot be read ({err})"
        pointer, pointer_problem = self._pointer_or_problem(name)
        if pointer.active == candidate_version:
            return False, f"{label} is already active"
        promote, why = self._judge(
            name, candidate, pointer, pointer_problem, active_score, ties_promote=ties_promote
        )
        if promote:
            previous = (pointer.active,) if pointer.active is not None else ()
            self._write_pointer(name, _Pointer(candidate_version, previous + pointer.previous))
        self._prune(name)
        return promote, f"{label} {'promoted' if promote else 'not promoted'}: {why}"

    def active(self, name: str) -> StoredModel | None:
        """Load the model to use for ``name``; ``None`` only if no model is readable at all.

        Tries the active version, then the formerly active versions (most recent first),
        then the bundled model. Never raises for a broken file: each skipped model's reason
        is in ``self.fallbacks[name]`` (empty when the first choice loaded).
        """
        reasons: list[str] = []
        self.fallbacks[name] = reasons
        with self._lock:  # never between a promotion and its pruning
            pointer, problem = self._pointer_or_problem(name)
            if problem:
                reasons.append(problem)
            for version in _candidates(pointer):
                try:
                    info, blobs = self._read_version(name, version)
                except ModelFileError as err:
                    role = "active" if version == pointer.active else "previous"
                    reasons.append(f"v{version} ({role}): {err}")
                    continue
                return StoredModel(
                    info, blobs, "active" if version == pointer.active else "previous"
                )
            return self._bundled(name, reasons)

    def bundled(self, name: str) -> StoredModel | None:
        """The bundled model of ``name`` alone (``None`` if missing or broken; reasons kept)."""
        reasons: list[str] = []
        self.fallbacks[name] = reasons
        return self._bundled(name, reasons)

    def versions(self, name: str) -> list[ModelInfo]:
        """Info of every stored version of ``name``, oldest first (metadata only).

        A version whose ``model.json`` cannot be read is left out; use :meth:`active`
        to find out whether a version's blobs load.
        """
        infos = []
        with self._lock:
            for version in sorted(self._version_numbers(name)):
                with suppress(ModelFileError):
                    infos.append(_read_manifest(self._version_dir(name, version))[0])
        return infos

    def rollback(self, name: str) -> ModelInfo | None:
        """Make the most recently active readable earlier version active; return its info.

        With no such version, the bundled model takes over (its info, version 0, is
        returned). Returns ``None`` and changes nothing if neither is readable or if
        nothing is active. Raises :class:`RegistryClosedError` after :meth:`close`.
        """
        with self._lock:
            self._check_open()
            return self._rollback(name)

    def _rollback(self, name: str) -> ModelInfo | None:
        pointer, _ = self._pointer_or_problem(name)
        if pointer.active is None:
            return None
        for index, version in enumerate(pointer.previous):
            with suppress(ModelFileError):
                info, _ = self._read_version(name, version)
                self._write_pointer(name, _Pointer(version, pointer.previous[index + 1 :]))
                return info
        bundled = self._bundled(name, [])
        if bundled is None:
            return None
        self._write_pointer(name, _Pointer())
        return bundled.info

    # --- comparison ---------------------------------------------------------------------

    def _judge(
        self,
        name: str,
        candidate: ModelInfo,
        pointer: _Pointer,
        pointer_problem: str | None,
        active_score: float | None,
        *,
        ties_promote: bool,
    ) -> tuple[bool, str]:
        if pointer_problem:
            why = f"no active version can be identified ({pointer_problem})"
        elif pointer.active is None:
            why = "no version was active"
        else:
            try:
                current, _ = self._read_version(name, pointer.active)
            except ModelFileError as err:
                why = f"the active v{pointer.active} cannot be read ({err})"
            else:
                return _compare(candidate, current, active_score, ties_promote)
        if active_score is None:
            return True, why
        # The caller measured the model in use (e.g. the bundled one) on the same data.
        return _against(candidate, float(active_score), f"the model in use ({why})", ties_promote)

    # --- disk layout --------------------------------------------------------------------

    def _model_dir(self, name: str) -> Path:
        if not _MODEL_NAME.fullmatch(name):
            raise ValueError(f"model name {name!r} must match {_MODEL_NAME.pattern}")
        return self.root / name

    def _version_dir(self, name: str, version: int) -> Path:
        return self._model_dir(name) / f"v{version}"

    def _version_numbers(self, name: str) -> list[int]:
        directory = self._model_dir(name)
        if not directory.is_dir():
            return []
        return [
            int(match[1])
            for entry in directory.iterdir()
            if (match := _VERSION_DIR.fullmatch(entry.name)) and entry.is_dir()
        ]

    def _read_version(self, name: str, version: int) -> tuple[ModelInfo, Blobs]:
        info, blobs = read_model(self._version_dir(name, version))
        if (info.name, info.version) != (name, version):
            raise ModelFileError(f"{MODEL_JSON} describes {info.name} v{info.version}")
        return info, blobs

    def _bundled(self, name: str, reasons: list[str]) -> StoredModel | None:
        if self.bundled_root is None:
            reasons.append("no bundled model is installed")
            return None
        try:
            info, blobs = read_model(self.bundled_root / name)
        except ModelFileError as err:
            reasons.append(f"bundled: {err}")
            return None
        if (info.name, info.version) != (name, 0):
            reasons.append(f"bundled: {MODEL_JSON} describes {info.name} v{info.version}")
            return None
        return StoredModel(info, blobs, "bundled")

    # --- active.json --------------------------------------------------------------------

    def _pointer_or_problem(self, name: str) -> tuple[_Pointer, str | None]:
        """The pointer (empty if there is none) and why it was unreadable, if it was.

        Formerly active versions that were pruned since are left out.
        """
        path = self._model_dir(name) / ACTIVE_JSON
        if not path.exists():
            return _Pointer(), None
        try:
            pointer = _parse_pointer(_read_json(path))
        except ModelFileError as err:
            return _Pointer(), str(err)
        existing = set(self._version_numbers(name))
        return _Pointer(pointer.active, tuple(v for v in pointer.previous if v in existing)), None

    def _write_pointer(self, name: str, pointer: _Pointer) -> None:
        document = {
            "format": POINTER_FORMAT,
            "format_version": POINTER_FORMAT_VERSION,
            "active": pointer.active,
            "previous": [v for v in _unique(pointer.previous) if v != pointer.active],
        }
        _write_bytes_atomic(self._model_dir(name) / ACTIVE_JSON, json_text(document).encode())

    # --- pruning ------------------------------------------------------------------------

    def _prune(self, name: str) -> None:
        """Delete all but ``keep`` versions and sweep leftovers of interrupted writes.

        Kept first: the active version, the newest one (so a version number is never
        reused), the formerly active ones (most recent first), then the newest others.
        Nothing is deleted while ``active.json`` is unreadable.
        """
        pointer, problem = self._pointer_or_problem(name)
        if problem:
            return
        directory = self._model_dir(name)
        numbers = sorted(self._version_numbers(name), reverse=True)
        ranked = _unique([pointer.active, *numbers[:1], *pointer.previous, *numbers])
        kept = [v for v in ranked if v in numbers][: self.keep]
        for version in set(numbers) - set(kept):
            doomed = hidden_sibling(self._version_dir(name, version))
            with suppress(OSError):  # pruning is housekeeping; the next run tries again
                os.replace(self._version_dir(name, version), doomed)  # atomic: gone or intact
        for leftover in directory.glob(".*.tmp"):
            with suppress(OSError):
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()


def _parse_pointer(document: dict[str, Any]) -> _Pointer:
    _check_format(document, POINTER_FORMAT, ACTIVE_JSON, (POINTER_FORMAT_VERSION,))
    active = document.get("active")
    previous = document.get("previous")
    if not (active is None or _is_version(active)) or not isinstance(previous, list):
        raise ModelFileError(f"{ACTIVE_JSON} has an invalid active version or history")
    if not all(_is_version(v) for v in previous):
        raise ModelFileError(f"{ACTIVE_JSON} has an invalid history")
    return _Pointer(active, tuple(previous))


def _is_version(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _candidates(pointer: _Pointer) -> list[int]:
    """Versions to try, in order: the active one, then the formerly active ones."""
    return [v for v in _unique([pointer.active, *pointer.previous]) if v is not None]


def _unique[T](items: Iterable[T | None]) -> list[T]:
    """``items`` without ``None`` and repeats, in order."""
    seen: list[T] = []
    for item in items:
        if item is not None and item not in seen:
            seen.append(item)
    return seen


def _compare(
    candidate: ModelInfo, current: ModelInfo, active_score: float | None, ties_promote: bool
) -> tuple[bool, str]:
    """Whether ``candidate`` should replace ``current``, and the figures that say so."""
    metric = candidate.primary_metric
    direction = "higher" if candidate.higher_is_better else "lower"
    if active_score is not None:
        theirs, where = float(active_score), "on the same held-out data"
    elif metric in current.metrics and current.higher_is_better == candidate.higher_is_better:
        theirs, where = current.metrics[metric], "as recorded"
    else:
        return True, (
            f"its {metric} ({direction} is better) cannot be compared with "
            f"v{current.version}'s {current.primary_metric}"
        )
    return _against(candidate, theirs, f"active v{current.version} {where}", ties_promote)


def _against(
    candidate: ModelInfo, theirs: float, whose: str, ties_promote: bool
) -> tuple[bool, str]:
    """Whether the candidate's primary metric beats ``theirs`` (or ties, if ties promote)."""
    direction = "higher" if candidate.higher_is_better else "lower"
    ours = candidate.score
    if ours == theirs and not ties_promote:
        mine, yours = _figures(ours, theirs)
        return False, (
            f"{candidate.primary_metric} {mine} only ties with {yours} of {whose}; "
            "a tie keeps the model in use"
        )
    better = ours >= theirs if candidate.higher_is_better else ours <= theirs
    verdict = "is at least as good as" if better else "is worse than"
    mine, yours = _figures(ours, theirs)
    return better, (
        f"{candidate.primary_metric} {mine} {verdict} {yours} of {whose} ({direction} is better)"
    )


def _figures(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` formatted briefly, with enough digits to tell them apart."""
    for digits in (4, 6):
        if a == b or f"{a:.{digits}g}" != f"{b:.{digits}g}":
            return f"{a:.{digits}g}", f"{b:.{digits}g}"
    return repr(a), repr(b)
