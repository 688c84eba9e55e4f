"""Name embeddings from a static token table: MiniLM's sense of names, with numpy alone.

``tools/distill_names.py`` runs every token of MiniLM's vocabulary through the model once,
where torch runs, and keeps one small vector and one weight per token (the model2vec
recipe). Here a name is embedded without the model: its WordPiece tokens' vectors are
averaged, weighted, and L2-normalised, so "hallway motion" and "hallway ceiling light" land
near each other on Home Assistant OS too.

The table is a model of the registry format (:mod:`..ml.registry`), bundled in
``models/names/``: blob :data:`EMBEDDINGS_BLOB` (safetensors, read with numpy alone) holds
``vectors`` (tokens × dim) and ``weights`` (tokens), float16; blob
:data:`VOCABULARY_BLOB` (JSON) lists the tokens, in the order of the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
import threading
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..ml.blobs import ArrayBlob, Blob, JsonBlob
from ..ml.registry import ModelInfo, read_model, write_model
from ..ml.trees import ModelFileError
from .tokenizer import WordPiece

type FloatArray = npt.NDArray[np.float32]

NAMES_MODEL: Final = "names"
EMBEDDINGS_BLOB: Final = "embeddings"
VOCABULARY_BLOB: Final = "vocabulary"
BUNDLED_DIRECTORY: Final = Path(__file__).resolve().parents[2] / "models" / NAMES_MODEL
CACHE_SIZE: Final = 4096  # names remembered per embedder; a home has a few hundred


class NameEmbedder:
    """Embeds names (friendly names, entity ids, areas) as unit vectors of ``dim`` floats.

    ``tokens[i]`` has the vector ``vectors[i]`` and the weight ``weights[i]``. A text's
    embedding is the weighted mean of its known tokens' vectors, L2-normalised; a text
    with no known token (empty, or in a script the table leaves out) embeds as zeros.
    Embeddings are remembered per text (areas and domains repeat).
    """

    def __init__(
        self,
        tokens: Sequence[str],
        vectors: npt.ArrayLike,
        weights: npt.ArrayLike,
        *,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        table = np.asarray(vectors)
        token_weights = np.asarray(weights)
        if table.ndim != 2 or table.shape[0] != len(tokens) or table.shape[1] == 0:
            raise ValueError(f"vectors of shape {table.shape} for {len(tokens)} tokens")
        if token_weights.shape != (len(tokens),):
            raise ValueError(f"weights of shape {token_weights.shape} for {len(tokens)} tokens")
        if table.dtype.kind != "f" or token_weights.dtype.kind != "f":
            raise ValueError("vectors and weights must be floating point")
        if not (np.isfinite(table).all() and np.isfinite(token_weights).all()):
            raise ValueError("vectors and weights must be finite")
        if (token_weights < 0).any():
            raise ValueError("weights must not be negative")
        if not all(isinstance(token, str) and token for token in tokens):
            raise ValueError("every token must be a non-empty string")
        self._rows = {token: row for row, token in enumerate(tokens)}
        if len(self._rows) != len(tokens):
            raise ValueError("a token is listed twice")
        self.dim: int = int(table.shape[1])
        self._vectors = table.astype(np.float32)
        self._weights = token_weights.astype(np.float32)
        self._wordpiece = WordPiece(self._rows)
        self._cache: dict[str, FloatArray] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def vocabulary_size(self) -> int:
        """The number of tokens with a vector."""
        return len(self._rows)

    def tokenize(self, text: str) -> list[str]:
        """The WordPiece tokens of ``text`` over this table's vocabulary (``[UNK]`` if none)."""
        return self._wordpiece.tokenize(text)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """One float32 row of ``dim`` per text: unit length, or zeros if no token is known."""
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts, not one string")
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for position, text in enumerate(texts):
            cached = self._cache.get(text)
            if cached is None:
                missing.setdefault(text, []).append(position)
            else:
                result[position] = cached
        if missing:
            computed = self._embed_uncached(list(missing))
            for (text, positions), row in zip(missing.items(), computed, strict=True):
                result[positions] = row
                self._remember(text, row)
        return result

    def _embed_uncached(self, texts: Sequence[str]) -> FloatArray:
        """The embeddings of ``texts``, all tokens of all texts gathered at once."""
        rows_of = [
            [row for token in self.tokenize(text) if (row := self._rows.get(token)) is not None]
            for text in texts
        ]
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        counts = np.fromiter((len(rows) for rows in rows_of), dtype=np.int64, count=len(texts))
        known = counts > 0
        if not known.any():
            return result
        rows = np.fromiter((row for rows in rows_of for row in rows), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts[known])[:-1]])
        weights = self._weights[rows]
        sums = np.add.reduceat(self._vectors[rows] * weights[:, None], starts, axis=0)
        total_weights = np.add.reduceat(weights, starts)
        means = sums / np.maximum(total_weights, np.finfo(np.float32).tiny)[:, None]
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        # A zero norm (all weights 0, or vectors that cancel) has no direction: leave zeros.
        result[known] = np.divide(means, norms, out=np.zeros_like(means), where=norms > 0)
        return result

    def clear_cache(self) -> None:
        """Forget the remembered embeddings (to time the first embedding of names)."""
        with self._lock:
            self._cache.clear()

    def _remember(self, text: str, row: FloatArray) -> None:
        if self._cache_size <= 0:
            return
        frozen = row.copy()
        frozen.flags.writeable = False
        with self._lock:
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))  # the oldest
            self._cache[text] = frozen


def load_embedder(directory: Path) -> NameEmbedder:
    """The embedder stored in ``directory``; :class:`ModelFileError` if it is missing or broken."""
    info, blobs = read_model(directory)
    return embedder_from_blobs(info, blobs)


def embedder_from_blobs(info: ModelInfo, blobs: Mapping[str, Blob]) -> NameEmbedder:
    """The embedder of a stored names model; :class:`ModelFileError` if it is not one."""
    if info.name != NAMES_MODEL:
        raise ModelFileError(f"model {info.name!r} is not a name embedding table")
    arrays, vocabulary = blobs.get(EMBEDDINGS_BLOB), blobs.get(VOCABULARY_BLOB)
    if not isinstance(arrays, ArrayBlob) or set(arrays.arrays) != {"vectors", "weights"}:
        raise ModelFileError(f"blob {EMBEDDINGS_BLOB!r} must hold vectors and weights")
    if not isinstance(vocabulary, JsonBlob) or not isinstance(vocabulary.data, list):
        raise ModelFileError(f"blob {VOCABULARY_BLOB!r} must be a JSON list of tokens")
    try:
        embedder = NameEmbedder(vocabulary.data, arrays.arrays["vectors"], arrays.arrays["weights"])
    except ValueError as err:
        raise ModelFileError(f"the name embedding table is inconsistent: {err}") from err
    if info.extra.get("dim") != embedder.dim:
        raise ModelFileError(f"the metadata says dim {info.extra.get('dim')}, not {embedder.dim}")
    return embedder


def write_embedder(
    directory: Path,
    tokens: Sequence[str],
    vectors: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    metrics: Mapping[str, float],
    primary_metric: str,
    extra: Mapping[str, Any] | None = None,
) -> ModelInfo:
    """Write a name embedding table (version 0, as bundled) into ``directory``, replacing it.

    ``vectors`` and ``weights`` are stored as float16. The table is checked as
    :func:`load_embedder` checks it before anything is written (``ValueError``).
    """
    table = np.asarray(vectors, dtype=np.float16)
    token_weights = np.asarray(weights, dtype=np.float16)
    dim = NameEmbedder(tokens, table, token_weights).dim
    info = ModelInfo(
        name=NAMES_MODEL,
        version=0,
        trained_on="synthetic",  # not this home: shipped with the integration
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        n_samples=len(tokens),
        metrics={key: float(value) for key, value in metrics.items()},
        primary_metric=primary_metric,
        extra={**dict(extra or {}), "dim": dim, "vocabulary_size": len(tokens)},
    )
    blobs: dict[str, Blob] = {
        EMBEDDINGS_BLOB: ArrayBlob({"vectors": table, "weights": token_weights}, "safetensors"),
        VOCABULARY_BLOB: JsonBlob(list(tokens)),
    }
    write_model(directory, info, blobs)
    return info


@lru_cache(maxsize=1)
def bundled_embedder() -> NameEmbedder | None:
    """The embedder shipped in ``models/names/``, loaded once; ``None`` if absent or broken."""
    try:
        return load_embedder(BUNDLED_DIRECTORY)
    except ModelFileError:
        return None
