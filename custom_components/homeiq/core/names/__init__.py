"""Names as vectors, with numpy alone: what an entity's and its area's names mean.

The home graph gives every entity a text embedding of its names, and it must run on Home
Assistant OS, where torch does not install. :mod:`.tokenizer` cuts text into MiniLM's
WordPiece tokens in plain Python; :mod:`.embedder` averages the tokens' vectors from a
static table distilled from MiniLM by ``tools/distill_names.py`` and bundled in
``models/names/`` (:func:`bundled_embedder`).
"""

from __future__ import annotations

from .embedder import (
    BUNDLED_DIRECTORY,
    EMBEDDINGS_BLOB,
    NAMES_MODEL,
    VOCABULARY_BLOB,
    NameEmbedder,
    bundled_embedder,
    embedder_from_blobs,
    load_embedder,
    write_embedder,
)
from .tokenizer import UNKNOWN, WordPiece, basic_tokenize

__all__ = [
    "BUNDLED_DIRECTORY",
    "EMBEDDINGS_BLOB",
    "NAMES_MODEL",
    "UNKNOWN",
    "VOCABULARY_BLOB",
    "NameEmbedder",
    "WordPiece",
    "basic_tokenize",
    "bundled_embedder",
    "embedder_from_blobs",
    "load_embedder",
    "write_embedder",
]
