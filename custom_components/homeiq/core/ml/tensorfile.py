"""The safetensors file format, written and read with numpy alone.

GNN weights and LoRA adapters are trained where torch runs and used on Home Assistant OS,
where neither torch nor the ``safetensors`` package is a requirement. The format is simple
enough to read safely without them (https://huggingface.co/docs/safetensors):

* 8 bytes: ``N``, the length of the header, an unsigned little-endian 64-bit integer;
* ``N`` bytes: a UTF-8 JSON object ``{name: {"dtype", "shape", "data_offsets": [begin, end]}}``,
  optionally with ``"__metadata__"`` (a str → str map), padded with spaces;
* the byte buffer: every tensor's raw little-endian, row-major bytes at its offsets, which
  cover the buffer exactly (no holes, no overlaps).

Reading parses JSON and copies bytes into arrays; nothing in a file can run code. Dtypes
numpy has no type for (BF16, the 8-bit floats, …) are refused. Files are written the way
the reference implementation writes them (tensors by dtype, then name; header padded to a
multiple of 8 bytes), so its readers load them unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .trees import ModelFileError

METADATA_KEY: Final = "__metadata__"
MAX_HEADER_BYTES: Final = 100_000_000  # the format's own limit
_LENGTH_BYTES: Final = 8
_ALIGNMENT: Final = 8

# safetensors dtype name → numpy dtype, in the reference implementation's order (its
# ``Dtype`` enum): a file lists tensors by this order, largest first, then by name.
DTYPES: Final[Mapping[str, np.dtype[Any]]] = {
    "BOOL": np.dtype("|b1"),
    "U8": np.dtype("|u1"),
    "I8": np.dtype("|i1"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "F32": np.dtype("<f4"),
    "C64": np.dtype("<c8"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
}
_RANK: Final = {name: rank for rank, name in enumerate(DTYPES)}
_NAME_OF: Final = {dtype: name for name, dtype in DTYPES.items()}
_ENTRY_KEYS: Final = frozenset({"dtype", "shape", "data_offsets"})


def little_endian(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``array`` as the safetensors format stores it: little-endian and row-major.

    Raises ``ValueError`` for a dtype the format has no name for (complex128, strings,
    objects, datetimes …).
    """
    dtype = np.dtype(array.dtype.newbyteorder("<").str)  # one spelling: "<f8", not "=f8"
    if dtype not in _NAME_OF:
        raise ValueError(f"safetensors cannot store dtype {array.dtype}")
    return np.asarray(array, dtype=dtype, order="C")  # keeps 0-d arrays 0-d


def encode(tensors: Mapping[str, npt.NDArray[Any]]) -> bytes:
    """The safetensors bytes of ``tensors`` (no ``__metadata__``).

    Raises ``ValueError`` for an empty or reserved tensor name or an unsupported dtype.
    """
    prepared = {}
    for name, array in tensors.items():
        if not isinstance(name, str) or not name or name == METADATA_KEY:
            raise ValueError(f"tensor name {name!r} must be a non-empty string, not {METADATA_KEY}")
        prepared[name] = little_endian(np.asarray(array))
    order = sorted(prepared, key=lambda n: (-_RANK[_NAME_OF[prepared[n].dtype]], n))
    header: dict[str, Any] = {}
    offset = 0
    for name in order:
        array = prepared[name]
        header[name] = {
            "dtype": _NAME_OF[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % _ALIGNMENT)
    return b"".join(
        [len(text).to_bytes(_LENGTH_BYTES, "little"), text]
        + [prepared[name].tobytes() for name in order]
    )


def decode(data: bytes, file_name: str = "safetensors") -> dict[str, npt.NDArray[Any]]:
    """The tensors of safetensors bytes, in the file's order; :class:`ModelFileError` if invalid.

    Checks the header length, that the header is a JSON object without duplicate names,
    every dtype, shape and offset, and that the tensors cover the byte buffer exactly.
    Each array is a copy, independent of ``data``.
    """
    if len(data) < _LENGTH_BYTES:
        raise ModelFileError(f"{file_name} is too short for a safetensors header")
    length = int.from_bytes(data[:_LENGTH_BYTES], "little")
    if length > min(MAX_HEADER_BYTES, len(data) - _LENGTH_BYTES):
        raise ModelFileError(f"{file_name} declares a {length}-byte header it does not hold")
    header_bytes = data[_LENGTH_BYTES : _LENGTH_BYTES + length]
    if not header_bytes.startswith(b"{"):
        raise ModelFileError(f"{file_name} has no JSON object as its header")
    try:
        header = json.loads(header_bytes, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as err:  # JSON, UTF-8 and duplicate-key errors
        raise ModelFileError(f"{file_name} has an unreadable header: {err}") from err
    if not isinstance(header, dict):
        raise ModelFileError(f"{file_name} has no JSON object as its header")
    metadata = header.pop(METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(
        isinstance(value, str) for value in metadata.values()
    ):
        raise ModelFileError(f"{file_name} has {METADATA_KEY} that is not a str → str map")
    buffer = memoryview(data)[_LENGTH_BYTES + length :]
    spans = {name: _span(name, entry, file_name) for name, entry in header.items()}
    _check_coverage(spans, len(buffer), file_name)
    tensors = {}
    for name, (dtype, shape, begin, end) in spans.items():
        array = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(shape).copy()
        if dtype.kind == "b" and (array.view(np.uint8) > 1).any():
            raise ModelFileError(f"{file_name} tensor {name!r} holds bytes that are not booleans")
        tensors[name] = array
    return tensors


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a name given twice (the format forbids it)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate name {key!r}")
        result[key] = value
    return result


def _span(
    name: str, entry: object, file_name: str
) -> tuple[np.dtype[Any], tuple[int, ...], int, int]:
    """The dtype, shape and byte range of one header entry."""
    where = f"{file_name} tensor {name!r}"
    if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
        raise ModelFileError(f"{where} needs exactly dtype, shape and data_offsets")
    dtype = DTYPES.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None
    if dtype is None:
        raise ModelFileError(f"{where} has dtype {entry['dtype']!r}, which numpy cannot read")
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
        raise ModelFileError(f"{where} has an invalid shape {shape!r}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise ModelFileError(f"{where} has invalid data_offsets {offsets!r}")
    begin, end = offsets
    if end - begin != math.prod(shape) * dtype.itemsize:
        raise ModelFileError(
            f"{where} spans {end - begin} bytes; {entry['dtype']}{shape} needs "
            f"{math.prod(shape) * dtype.itemsize}"
        )
    return dtype, tuple(shape), begin, end


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_coverage(
    spans: Mapping[str, tuple[np.dtype[Any], tuple[int, ...], int, int]],
    size: int,
    file_name: str,
) -> None:
    """The tensors' byte ranges must tile the buffer: no holes, no overlaps, nothing after."""
    position = 0
    for _, _, begin, end in sorted(spans.values(), key=lambda span: (span[2], span[3])):
        if begin != position:
            problem = "overlap" if begin < position else "leave a hole"
            raise ModelFileError(f"{file_name}: tensors {problem} at byte {position}")
        position = end
    if position != size:
        raise ModelFileError(
            f"{file_name}: tensors cover {position} of the {size} bytes after the header"
        )
