"""The parts of a stored model: named blobs of numeric arrays or of JSON data.

A model version is one directory holding ``model.json`` and one file per blob, named after
the blob and its kind: ``<name>.npz``, ``<name>.safetensors`` or ``<name>.json``.
``model.json`` records each blob's kind, file, sha256, size and — for arrays — every
array's dtype and shape. Reading a blob checks its sha256 (and size) before parsing it, then
checks that it holds exactly the listed arrays. No kind can run code when it is read:

* ``npz``: numpy arrays, compressed, loaded with ``allow_pickle=False`` (tree ensembles);
* ``safetensors``: numpy arrays in the safetensors format, read and written by
  :mod:`.tensorfile` with numpy alone, so GNN weights and LoRA adapters load where neither
  torch nor the ``safetensors`` package is installed;
* ``json``: any JSON data (no NaN or infinity, no name given twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import hashlib
import io
import json
import re
from typing import Any, ClassVar, Final, Literal, get_args

import numpy as np
import numpy.typing as npt

from . import tensorfile
from .trees import ModelFileError

type BlobKind = Literal["npz", "safetensors", "json"]
type ArrayKind = Literal["npz", "safetensors"]
type Arrays = dict[str, npt.NDArray[Any]]
type ArrayListing = dict[str, tuple[str, tuple[int, ...]]]  # name → (dtype.str, shape)

MODEL_JSON: Final = "model.json"
BLOB_KINDS: Final[tuple[BlobKind, ...]] = get_args(BlobKind.__value__)
ARRAY_KINDS: Final[tuple[ArrayKind, ...]] = get_args(ArrayKind.__value__)
NUMERIC_KINDS: Final = frozenset("biufc")  # bool, signed, unsigned, float, complex

# Lower case: blob files must not collide on case-insensitive file systems.
_BLOB_NAME = re.compile(r"[a-z][a-z0-9_]*")
_NPZ_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED_NPZ_NAMES = frozenset({"file", "allow_pickle"})  # keyword names of np.savez
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ArrayBlob:
    """Named numeric arrays, stored as one npz archive or one safetensors file.

    A loaded blob's arrays are ``numpy.ndarray``. Safetensors stores little-endian data:
    a big-endian array comes back with the same values in little-endian order.
    """

    arrays: Mapping[str, npt.ArrayLike]
    kind: ArrayKind = "npz"


@dataclass(frozen=True, slots=True)
class JsonBlob:
    """JSON data: dicts with string keys, lists, strings, finite numbers, bools, None."""

    data: Any
    kind: ClassVar[Literal["json"]] = "json"


type Blob = ArrayBlob | JsonBlob


@dataclass(frozen=True, slots=True)
class BlobEntry:
    """What ``model.json`` records about one blob."""

    kind: BlobKind
    file: str
    sha256: str
    size: int | None  # None only in format version 1, which did not record it
    arrays: ArrayListing  # empty for a json blob


def blob_file(name: str, kind: BlobKind) -> str:
    """The file name of blob ``name``; ``ValueError`` if the name or kind is not allowed."""
    if not isinstance(name, str) or not _BLOB_NAME.fullmatch(name):
        raise ValueError(f"blob name {name!r} must match {_BLOB_NAME.pattern}")
    if kind not in BLOB_KINDS:
        raise ValueError(f"blob kind {kind!r} must be one of {list(BLOB_KINDS)}")
    file = f"{name}.{kind}"
    if file == MODEL_JSON:
        raise ValueError(f"a json blob named {name!r} would overwrite {MODEL_JSON}")
    return file


# --- writing ---------------------------------------------------------------------------


def encode_blob(name: str, blob: Blob) -> tuple[BlobEntry, bytes]:
    """The entry and file contents of ``blob``; ``ValueError`` if it cannot be stored as is."""
    if isinstance(blob, JsonBlob):
        text = json_text(blob.data)
        if json.loads(text) != blob.data:
            raise ValueError(
                f"json blob {name!r} must be JSON data: dicts with str keys, lists, str, numbers"
            )
        data = text.encode()
        return _entry(name, "json", data, {}), data
    if not isinstance(blob, ArrayBlob):
        raise ValueError(f"blob {name!r} is a {type(blob).__name__}, not an ArrayBlob or JsonBlob")
    arrays = _checked_arrays(name, blob)
    if blob.kind == "npz":
        buffer = io.BytesIO()
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        data = buffer.getvalue()
    else:
        arrays = {key: tensorfile.little_endian(array) for key, array in arrays.items()}
        data = tensorfile.encode(arrays)
    listing = {key: (array.dtype.str, array.shape) for key, array in arrays.items()}
    return _entry(name, blob.kind, data, listing), data


def _entry(name: str, kind: BlobKind, data: bytes, listing: ArrayListing) -> BlobEntry:
    return BlobEntry(
        kind, blob_file(name, kind), hashlib.sha256(data).hexdigest(), len(data), listing
    )


def _checked_arrays(name: str, blob: ArrayBlob) -> Arrays:
    if blob.kind not in ARRAY_KINDS:
        raise ValueError(f"blob {name!r}: arrays are stored as {list(ARRAY_KINDS)}")
    if not blob.arrays:
        raise ValueError(f"blob {name!r} needs at least one array")
    checked: Arrays = {}
    for key, value in blob.arrays.items():
        if blob.kind == "npz" and (
            not isinstance(key, str)
            or not _NPZ_ARRAY_NAME.fullmatch(key)
            or key in _RESERVED_NPZ_NAMES
        ):
            raise ValueError(
                f"array name {key!r} must be an identifier other than file/allow_pickle"
            )
        if not isinstance(key, str) or not key or key == tensorfile.METADATA_KEY:
            raise ValueError(f"array name {key!r} must be a non-empty string")
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise ValueError(
                f"array {key!r} has dtype {array.dtype}; only numeric arrays are stored"
            )
        checked[key] = array
    return checked


def entry_to_json(entry: BlobEntry) -> dict[str, Any]:
    """The ``model.json`` form of ``entry``."""
    document: dict[str, Any] = {
        "kind": entry.kind,
        "file": entry.file,
        "sha256": entry.sha256,
        "size": entry.size,
    }
    if entry.kind in ARRAY_KINDS:
        document["arrays"] = {
            key: {"dtype": dtype, "shape": list(shape)}
            for key, (dtype, shape) in entry.arrays.items()
        }
    return document


# --- reading ---------------------------------------------------------------------------


def entry_from_json(name: object, data: object) -> BlobEntry:
    """Parse one entry of ``model.json``'s ``blobs``; :class:`ModelFileError` if invalid."""
    where = f"{MODEL_JSON} blob {name!r}"
    if not isinstance(data, dict) or not isinstance(name, str):
        raise ModelFileError(f"{where} is not an object")
    kind, size, sha256 = data.get("kind"), data.get("size"), data.get("sha256")
    if kind not in BLOB_KINDS:
        raise ModelFileError(f"{where} has kind {kind!r}; this HomeIQ reads {list(BLOB_KINDS)}")
    try:
        file = blob_file(name, kind)
    except ValueError as err:
        raise ModelFileError(f"{where}: {err}") from err
    if data.get("file") != file:
        raise ModelFileError(f"{where} must be stored in {file}, not {data.get('file')!r}")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ModelFileError(f"{where} has no valid sha256")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ModelFileError(f"{where} has no valid size")
    listing = listed_arrays(data.get("arrays")) if kind in ARRAY_KINDS else {}
    return BlobEntry(kind, file, sha256, size, listing)


def listed_arrays(data: object) -> ArrayListing:
    """The dtypes and shapes a blob's listing gives; :class:`ModelFileError` if invalid."""
    if not isinstance(data, dict) or not data:
        raise ModelFileError(f"{MODEL_JSON} lists no arrays")
    try:
        listed = {
            str(key): (str(spec["dtype"]), tuple(int(n) for n in spec["shape"]))
            for key, spec in data.items()
        }
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{MODEL_JSON} has an invalid array list: {err}") from err
    return listed


def decode_blob(entry: BlobEntry, data: bytes) -> Blob:
    """The blob in ``data``, checked against ``entry``; :class:`ModelFileError` if it is not it.

    The sha256 is checked first: nothing is parsed that is not the recorded file.
    """
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise ModelFileError(
            f"{entry.file} does not match the sha256 in {MODEL_JSON} ({len(data)} bytes"
            + ("" if entry.size is None else f", {MODEL_JSON} says {entry.size}")
            + ")"
        )
    if entry.size is not None and len(data) != entry.size:
        raise ModelFileError(f"{MODEL_JSON} gives {entry.file} another size than its sha256")
    if entry.kind == "json":
        return JsonBlob(_load_json(data, entry.file))
    if entry.kind == "npz":
        arrays = _load_npz(data, entry.file)
    else:
        arrays = tensorfile.decode(data, entry.file)
    _check_listed(arrays, entry)
    return ArrayBlob(arrays, entry.kind)


def _load_npz(data: bytes, file: str) -> Arrays:
    """Load every array of an npz archive without ever unpickling."""
    arrays: Arrays = {}
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{file} is not an npz archive")
        with archive:
            for key in archive.files:
                value = archive[key]
                if not isinstance(value, np.ndarray):
                    raise ModelFileError(f"{file} member {key!r} is not an array")
                arrays[key] = value
    except ModelFileError:
        raise
    except Exception as err:  # numpy, zipfile and zlib raise many kinds on malformed input
        raise ModelFileError(f"{file} cannot be read without pickle: {err}") from err
    return arrays


def _load_json(data: bytes, file: str) -> Any:
    try:
        return json.loads(
            data.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant
        )
    except (ValueError, RecursionError) as err:  # JSON and UTF-8 errors are ValueErrors
        raise ModelFileError(f"{file} cannot be read: {err}") from err


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON data")


def _check_listed(arrays: Arrays, entry: BlobEntry) -> None:
    listed, file = entry.arrays, entry.file
    if missing := sorted(listed.keys() - arrays.keys()):
        raise ModelFileError(f"{file} lacks the arrays {missing} listed in {MODEL_JSON}")
    if unlisted := sorted(arrays.keys() - listed.keys()):
        raise ModelFileError(f"{file} holds arrays {unlisted} not listed in {MODEL_JSON}")
    for key, array in arrays.items():
        dtype, shape = listed[key]
        if (
            array.dtype.kind not in NUMERIC_KINDS
            or array.dtype.str != dtype
            or array.shape != shape
        ):
            raise ModelFileError(
                f"array {key!r} is {array.dtype.str}{list(array.shape)}, "
                f"{MODEL_JSON} says {dtype}{list(shape)}"
            )


def json_text(data: object) -> str:
    """``data`` as stable, strict JSON text; ``ValueError`` if it is not JSON-able."""
    try:
        return json.dumps(data, allow_nan=False, ensure_ascii=False, indent=1, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"not JSON-able: {err}") from err
