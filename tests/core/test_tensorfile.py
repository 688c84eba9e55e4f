"""Tests for the numpy-only safetensors reader and writer."""

from __future__ import annotations

import contextlib
from importlib.util import find_spec
import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.ml.tensorfile import DTYPES, decode, encode
from custom_components.homeiq.core.ml.trees import ModelFileError

HAS_SAFETENSORS = find_spec("safetensors") is not None
needs_safetensors = pytest.mark.skipif(
    not HAS_SAFETENSORS, reason="the safetensors package is not installed"
)
REPO_ROOT = Path(__file__).resolve().parents[2]


def _tensors() -> dict[str, np.ndarray]:
    """One tensor of every dtype numpy and safetensors share, with awkward shapes."""
    rng = np.random.default_rng(3)
    tensors: dict[str, np.ndarray] = {
        f"t.{dtype.name}": (rng.normal(size=(2, 3)) * 50).astype(dtype)
        for dtype in DTYPES.values()
        if dtype.kind != "b"
    }
    tensors["mask"] = np.array([[True, False, True]])
    tensors["scalar"] = np.array(2.5)
    tensors["empty"] = np.zeros((0, 4), dtype=np.float32)
    tensors["base_model.model.layers.0.lora_A.weight"] = rng.normal(size=(4, 8)).astype(np.float32)
    tensors["specials"] = np.array([np.nan, np.inf, -np.inf, -0.0])
    tensors["big_endian"] = np.arange(4, dtype=">i4")
    return tensors


def _header(data: bytes) -> dict[str, Any]:
    length = int.from_bytes(data[:8], "little")
    header: dict[str, Any] = json.loads(data[8 : 8 + length])
    return header


def _with_header(header: dict[str, Any] | bytes, buffer: bytes) -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + buffer


def test_round_trip_keeps_values_dtypes_and_shapes() -> None:
    """Every dtype comes back equal, little-endian; NaN, ±inf, -0.0, 0-d and empty included."""
    tensors = _tensors()
    loaded = decode(encode(tensors))
    assert loaded.keys() == tensors.keys()
    for name, array in tensors.items():
        assert loaded[name].dtype == array.dtype.newbyteorder("<"), name
        assert loaded[name].dtype.byteorder in "<|=", name
        assert loaded[name].shape == array.shape, name
        assert np.array_equal(loaded[name], array, equal_nan=True), name
    assert np.signbit(loaded["specials"][3])
    loaded["scalar"][...] = 7  # a copy, not a view of the file's bytes
    transposed = np.arange(6.0).reshape(2, 3).T  # not row-major in memory
    assert np.array_equal(decode(encode({"t": transposed}))["t"], transposed)


def test_layout_follows_the_format() -> None:
    """Header length, a space-padded JSON header, offsets that tile the buffer in order."""
    data = encode({"b": np.arange(3, dtype=np.int8), "a": np.ones((2, 2), dtype=np.float32)})
    length = int.from_bytes(data[:8], "little")
    assert length % 8 == 0
    text = data[8 : 8 + length]
    assert text.startswith(b"{")
    assert text.rstrip(b" ").endswith(b"}")
    assert _header(data) == {
        "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
        "b": {"dtype": "I8", "shape": [3], "data_offsets": [16, 19]},
    }
    assert data[8 + length :] == np.ones(4, dtype="<f4").tobytes() + bytes([0, 1, 2])


@needs_safetensors
def test_writes_the_same_bytes_as_the_reference_implementation() -> None:
    """Byte for byte what ``safetensors.numpy.save`` writes, so every reader accepts it."""
    from safetensors.numpy import save

    tensors = _tensors()
    assert encode(tensors) == save(tensors)


@needs_safetensors
def test_reads_what_the_reference_implementation_writes() -> None:
    """Files written by ``safetensors`` (with ``__metadata__``) load with numpy alone."""
    from safetensors.numpy import load, save

    tensors = _tensors()
    data = save(tensors, metadata={"format": "pt", "peft_version": "0.15"})
    ours, theirs = decode(data), load(data)
    assert ours.keys() == theirs.keys()
    for name, array in theirs.items():
        assert ours[name].dtype == array.dtype, name
        assert np.array_equal(ours[name], array, equal_nan=True), name


def test_dtypes_without_a_safetensors_name_are_refused() -> None:
    """complex128, strings and objects cannot be written."""
    for array in (np.zeros(2, np.complex128), np.array(["a"]), np.array([None], dtype=object)):
        with pytest.raises(ValueError, match="cannot store dtype"):
            encode({"x": array})
    with pytest.raises(ValueError, match="non-empty"):
        encode({"__metadata__": np.zeros(1)})


VALID = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
BUFFER = np.ones(2, dtype="<f4").tobytes()
MALFORMED: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "too short"),
    "header longer than the file": (b"\xff" * 8 + b"{}", "does not hold"),
    "header not an object": (_with_header(b"[1, 2]", b""), "no JSON object"),
    "header not JSON": (_with_header(b"{oops", b""), "unreadable header"),
    "header not UTF-8": (_with_header(b'{"\xff": 1}', b""), "unreadable header"),
    "duplicate names": (
        _with_header(
            b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},'
            b' "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
            BUFFER,
        ),
        "duplicate name",
    ),
    "bfloat16": (
        _with_header({"a": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}, BUFFER),
        "numpy cannot read",
    ),
    "missing field": (_with_header({"a": {"dtype": "F32", "shape": [2]}}, BUFFER), "exactly"),
    "negative dimension": (
        _with_header({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, BUFFER),
        "invalid shape",
    ),
    "size disagrees with shape": (
        _with_header({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, BUFFER),
        "needs 12",
    ),
    "hole": (
        _with_header({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, BUFFER),
        "leave a hole",
    ),
    "overlap": (
        _with_header(
            {
                "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
            },
            BUFFER,
        ),
        "overlap",
    ),
    "trailing bytes": (_with_header(VALID, BUFFER + b"\x00"), "cover 8 of the 9"),
    "offsets past the end": (
        _with_header({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, BUFFER),
        "cover 16 of the 8",
    ),
    "metadata not str → str": (
        _with_header({"__metadata__": {"n": 1}, **VALID}, BUFFER),
        "__metadata__",
    ),
    "boolean bytes other than 0 and 1": (
        _with_header({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07"),
        "not booleans",
    ),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_files_are_refused(case: tuple[bytes, str]) -> None:
    """Each way a file can be wrong gives a ModelFileError that says what is wrong."""
    data, message = case
    with pytest.raises(ModelFileError, match=message):
        decode(data, "weights.safetensors")


def test_the_valid_file_of_the_malformed_cases_loads() -> None:
    """The cases above differ from a loadable file only in what they break."""
    assert np.array_equal(decode(_with_header(VALID, BUFFER))["a"], np.ones(2, np.float32))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), flips=st.lists(st.integers(0, 10_000), max_size=4))
def test_any_bytes_load_or_raise_a_model_file_error(data: bytes, flips: list[int]) -> None:
    """Random bytes and damaged valid files never raise anything but ModelFileError."""
    valid = bytearray(encode({"w": np.arange(6, dtype=np.float32).reshape(2, 3)}))
    for position in flips:
        valid[position % len(valid)] ^= 0x5A
    for candidate in (data, bytes(valid)):
        with contextlib.suppress(ModelFileError):
            decode(candidate)


def test_reading_needs_neither_torch_nor_safetensors() -> None:
    """Home Assistant OS has neither: the module imports and works without them."""
    code = (
        "import sys; sys.modules['safetensors'] = None; sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from custom_components.homeiq.core.ml.tensorfile import decode, encode\n"
        "assert decode(encode({'w': np.ones(3)}))['w'].sum() == 3\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
