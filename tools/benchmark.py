"""Benchmarks that print figures (not timed tests): ``scripts/benchmark [--json]``.

History read: a 150-entity synthetic home with 30 days of history is written into a real
recorder database (SQLite, Home Assistant's schema); then, in the same run, it is read
through HomeIQ's adapter code path (the recorder query per day chunk + the derived store)
and by a plain SQLite scan of the same rows. ``history_read_ratio`` is adapter rows/s over
raw rows/s; the target is >= 0.5.

Generator: events per second of the synthetic home generator; the target is >= 100000.

History store: the store HomeIQ keeps in ``.storage/homeiq/`` for a generated home (150
and 1000 entities), built night by night (one day of rows ingested, trimmed, saved) for 30
nights, then 7 more nights measured: the bytes one nightly save writes (``typical``: the
median night; ``compaction``: the night a new week starts; ``mean`` over the 7 nights) and
the store's size on disk and its arrays in memory, in format 2 (what changed) and, on the
same store in the same run, in format 1 (the whole store rewritten each night). The store
keeps the steady sensors and batteries raw for its whole window (``kept_raw``, as the
reader does); ``all_summarised`` is the same home with every numeric entity summarised
after 14 days (what the store did before), built in the same run, for the cost of that.

Model steps: seconds the nightly run's model steps take in the executor for the same home
(training the failure model and the anomaly forest on it with their held-out checks, the
home type, and assessing every device), best of the repeats; no target, for comparison
between runs on one machine.

Synergies: ``synergy_rank_s`` is one ``suggest()`` (mine, rank with the bundled ranker when
there is one, describe) on a 150-entity home with 30 days of history, the median of the
repeats; the target is <= 10 s. ``synergy_mining`` times the miner (``find_candidates`` as
``suggest`` runs it) and the whole ``suggest()`` on homes of 150, 500, 1000 and 2000
entities with 30 days each (best of the repeats, as the model steps), with the number of
candidate pairs and of pairs counted; ``growth`` sets time(2000) / time(150)
next to (2000 / 150)^2, what counting every pair would cost.

Graph model: ``gnn_pretrain_s`` trains the link model from scratch (torch-geometric, one
thread, :data:`~tools.gnn_train.EPOCHS` epochs) on a 150-entity generated home with 30 days
of history — its automations' and planted synergies' pairs as positives —, ``gnn_finetune_s``
fine-tunes those weights (``init=``) on the home's automated pairs with a small budget, as
the nightly run would (targets: <= 60 s each); ``gnn_infer_ms`` times the numpy encode +
score of a 1000-entity home's candidate pairs (no target). ``gnn_bundled_pretrain_s`` is
what the bundled model's pretraining took (``scripts/train --only gnn``, from its metadata).
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
import sqlite3
import sys
import tempfile
import time
from typing import Any

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from custom_components.homeiq.core import pipeline
from custom_components.homeiq.core.anomaly import train_anomaly_on_home
from custom_components.homeiq.core.capability import NotEnoughData
from custom_components.homeiq.core.failure import train_failure_on_home
from custom_components.homeiq.core.graph import (
    GraphModel,
    build_graph,
    coactive_pairs,
    initial_weights,
    pair_nodes,
)
from custom_components.homeiq.core.graph.pairs import (
    candidate_probabilities,
    load_pair_model,
    pair_probabilities,
)
from custom_components.homeiq.core.graph.propose import (
    PROPOSALS,
    best_proposals,
    proposal_pool,
    score_pool,
)
from custom_components.homeiq.core.home.history import is_numeric
from custom_components.homeiq.core.home.store import DerivedStore
from custom_components.homeiq.core.home_type import classify_home
from custom_components.homeiq.core.ml.models import HOME_TYPE_MODEL
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.names.embedder import bundled_embedder
from custom_components.homeiq.core.synergy import find_candidates, suggest
from custom_components.homeiq.core.synergy.ranking import automated_pairs
from custom_components.homeiq.core.time import DAY
from custom_components.homeiq.home.reader import kept_raw_entities
from custom_components.homeiq.home.recorder import (
    chunk_conditions,
    plan_read,
    select_metadata_ids,
    select_state_changes,
)
from tools.evaluation.synergy import bundled_synergy_ranker
from tools.gnn_samples import entity_pairs, pair_space
from tools.gnn_train import EPOCHS, name_embedder
from tools.legacy_store import save_format_1
from tools.recorder_db import write_recorder_db
from tools.synergy_samples import relevant_pairs
from tools.synthetic import generate_home, measure_generator_rate

TARGETS = {"history_read_ratio": 0.5, "generator_events_per_s": 100_000}
MAX_TARGETS = {  # lower is better
    "synergy_rank_s": 10.0,
    "gnn_pretrain_s": 60.0,
    "gnn_finetune_s": 60.0,
}
FINETUNE_EPOCHS = 20
FINETUNE_BUDGET_S = 15.0
MINING_SIZES = (150, 500, 1000, 2000)


def _adapter_read(path: Path, numeric: set[str], start: float, end: float) -> tuple[int, float]:
    """Read (start, end] the way HomeReader does; return (rows kept, seconds)."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    store = DerivedStore()
    t0 = time.perf_counter()
    with Session(engine) as session:
        id_map = select_metadata_ids(session)
        plan = plan_read(session, None, start, end)
        chunks = []
        for conditions in chunk_conditions(session, plan):
            rows = select_state_changes(session, id_map, *conditions)
            if rows is not None:
                chunks.append((rows.entity_ids, rows.timestamps, rows.states, rows.origins))
        kept = store.ingest_chunks(chunks, numeric)
    seconds = time.perf_counter() - t0
    engine.dispose()
    return kept, seconds


def _raw_read(path: Path, start: float, end: float) -> tuple[int, float]:
    """A plain SQLite scan of the same rows and columns; return (rows, seconds)."""
    t0 = time.perf_counter()
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT metadata_id, state, last_updated_ts, context_user_id_bin,"
            " context_parent_id_bin FROM states"
            " WHERE last_updated_ts > ? AND last_updated_ts <= ?"
            " ORDER BY metadata_id, last_updated_ts",
            (start, end),
        ).fetchall()
    return len(rows), time.perf_counter() - t0


def bench_history_read(entities: int = 150, days: int = 30, repeat: int = 3) -> dict[str, Any]:
    """Figures of reading a generated home's recorder database."""
    synthetic = generate_home(7, target_entities=entities, days=days)
    home = synthetic.home
    assert home.window_start is not None
    assert home.window_end is not None
    start, end = home.window_start - 1, home.window_end + DAY
    numeric = {eid for eid, entity in home.entities.items() if is_numeric(entity)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "home-assistant_v2.db"
        written = write_recorder_db(path, home)
        adapter = min(
            (_adapter_read(path, numeric, start, end) for _ in range(repeat)), key=lambda r: r[1]
        )
        raw = min((_raw_read(path, start, end) for _ in range(repeat)), key=lambda r: r[1])
    adapter_rate = adapter[0] / adapter[1]
    raw_rate = raw[0] / raw[1]
    return {
        "history_entities": len(home.entities),
        "history_days": days,
        "history_rows": written,
        "history_rows_read": adapter[0],
        "history_read_rows_per_s": round(adapter_rate),
        "raw_sqlite_rows_per_s": round(raw_rate),
        "history_read_ratio": round(adapter_rate / raw_rate, 3),
    }


def _directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _memory_bytes(store: DerivedStore) -> int:
    """Bytes of the store's arrays in memory (rows and hourly aggregates)."""
    rows = sum(
        h.timestamps.nbytes + h.values.nbytes + h.codes.nbytes + h.origins.nbytes
        for h in store.events.values()
    )
    hours = sum(
        sum(column.nbytes for column in (a.hours, a.count, a.total, a.minimum, a.maximum))
        + a.last.nbytes
        + a.last_ts.nbytes
        for a in store.hourly.values()
    )
    return rows + hours


def bench_store(
    entities: int,
    built_nights: int = 30,
    measured_nights: int = 7,
    *,
    keep_raw: bool = True,
    format_1: bool = True,
) -> dict[str, Any]:
    """Bytes a nightly save writes and the store's size, format 2 against format 1."""
    home = generate_home(11, target_entities=entities, days=built_nights + measured_nights).home
    assert home.window_start is not None
    numeric = {eid for eid, entity in home.entities.items() if is_numeric(entity)}
    kept_raw = numeric & kept_raw_entities(home) if keep_raw else set()
    store = DerivedStore()
    store.set_kept_raw(kept_raw)
    written: list[int] = []
    written_format_1: list[int] = []
    compacted: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp:
        new_path, old_path = Path(tmp) / "new" / "history", Path(tmp) / "old" / "history"
        for night in range(built_nights + measured_nights):
            start = home.window_start + night * DAY
            for entity_id, history in home.histories.items():
                lo, hi = np.searchsorted(history.timestamps, [start, start + DAY]).tolist()
                if hi > lo:
                    store.ingest(
                        entity_id,
                        history.timestamps[lo:hi].tolist(),
                        history.states()[lo:hi],
                        history.origins[lo:hi].tolist(),
                        numeric=entity_id in numeric,
                    )
            store.trim(start + DAY)
            stats = store.save(new_path)
            if night >= built_nights:
                written.append(stats.bytes_written)
                compacted.append(stats.compacted)
                if format_1:
                    written_format_1.append(save_format_1(store, old_path))
        size = _directory_bytes(new_path)
        size_format_1 = _directory_bytes(old_path.parent) if format_1 else 0
        files = sum(1 for _ in new_path.iterdir())
    typical = sorted(written)[len(written) // 2]
    figures: dict[str, Any] = {
        "entities": len(home.entities),
        "kept_raw_entities": len(kept_raw),
        "summarised_entities": len(numeric - kept_raw),
        "event_rows": sum(len(h) for h in store.events.values()),
        "hourly_rows": sum(h.hours.size for h in store.hourly.values()),
        "memory_bytes": _memory_bytes(store),
        "format_2": {
            "size_bytes": size,
            "files": files,
            "nightly_bytes_typical": typical,
            "nightly_bytes_compaction": max(
                (w for w, c in zip(written, compacted, strict=True) if c), default=0
            ),
            "nightly_bytes_mean": round(sum(written) / len(written)),
        },
        "nights": f"built {built_nights}, measured {measured_nights}",
    }
    if format_1:
        figures["format_1"] = {
            "size_bytes": size_format_1,
            "files": 2,
            "nightly_bytes_mean": round(sum(written_format_1) / len(written_format_1)),
        }
    return figures


def bench_stores() -> dict[str, Any]:
    """The store section: 150 and 1000 entities, as kept and with everything summarised."""
    return {
        str(n): bench_store(n) | {"all_summarised": bench_store(n, keep_raw=False, format_1=False)}
        for n in (150, 1000)
    }


BUNDLED = Path(__file__).resolve().parent.parent / "custom_components/homeiq/models"


def _timed(step: Any, *args: Any, **kwargs: Any) -> float:
    """Seconds ``step(*args, **kwargs)`` takes (skipping for too little data included)."""
    t0 = time.perf_counter()
    with contextlib.suppress(NotEnoughData):
        step(*args, **kwargs)
    return time.perf_counter() - t0


def bench_model_steps(entities: int = 150, days: int = 30, repeat: int = 3) -> dict[str, Any]:
    """Seconds of each model step of a nightly run on a generated home (best of ``repeat``)."""
    home = generate_home(7, target_entities=entities, days=days).home
    assert home.window_end is not None
    now = home.window_end
    best: dict[str, float] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            registry = ModelRegistry(Path(tmp), bundled_root=BUNDLED)
            models = pipeline.load_models(registry)
            home_type = models[HOME_TYPE_MODEL]
            assert home_type is not None
            seconds = {
                "train_failure_s": _timed(train_failure_on_home, home, registry, now, min_days=14),
                "train_anomaly_s": _timed(train_anomaly_on_home, home, registry, now, min_days=14),
                "home_type_s": _timed(classify_home, home_type, home),
                "devices_s": _timed(pipeline.assess_home, home, now, models),
            }
        for key, value in seconds.items():
            best[key] = min(best.get(key, value), value)
    return {key: round(value, 2) for key, value in best.items()}


def bench_synergy_rank(entities: int = 150, days: int = 30, repeat: int = 3) -> float:
    """Seconds of one ``suggest()`` on a generated home, the median of ``repeat`` runs."""
    home = generate_home(7, target_entities=entities, days=days).home
    ranker = bundled_synergy_ranker()
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        suggest(home, home.window_end, ranker)
        seconds.append(time.perf_counter() - t0)
    return round(float(np.median(seconds)), 3)


def _best_seconds(step: Any, repeat: int) -> tuple[float, Any]:
    """Fewest seconds of ``repeat`` calls of ``step()`` (other work on the machine only
    slows a run down) and the last call's result."""
    seconds, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - t0)
    return min(seconds), result


def bench_synergy_mining(
    sizes: tuple[int, ...] = MINING_SIZES, days: int = 30, repeat: int = 3
) -> dict[str, Any]:
    """Miner seconds and pair counts by home size, and how the cost grows."""
    ranker = bundled_synergy_ranker()
    by_size: dict[str, Any] = {}
    for size in sizes:
        home = generate_home(7, target_entities=size, days=days).home
        mining, found = _best_seconds(lambda home=home: find_candidates(home), repeat)
        whole, _ = _best_seconds(lambda home=home: suggest(home, home.window_end, ranker), repeat)
        by_size[str(size)] = {
            "entities": len(home.entities),
            "mining_s": round(mining, 3),
            "suggest_s": round(whole, 3),
            "candidates": len(found),
            "counted": sum(c.evidence is not None for c in found),
        }
    low, high = str(min(sizes)), str(max(sizes))
    return {
        "days": days,
        "by_entities": by_size,
        "growth": {
            "time_ratio": round(by_size[high]["mining_s"] / by_size[low]["mining_s"], 1),
            "quadratic_ratio": round((max(sizes) / min(sizes)) ** 2, 1),
            "candidates_ratio": round(
                by_size[high]["candidates"] / max(by_size[low]["candidates"], 1), 1
            ),
            "counted_ratio": round(by_size[high]["counted"] / max(by_size[low]["counted"], 1), 1),
        },
    }


def bench_gnn_infer(
    entities: int = 1000, days: int = 7, repeat: int = 3, name_dim: int = 256
) -> dict[str, Any]:
    """Milliseconds of the numpy graph model's encode + score of every candidate pair the
    miner finds, on a synthetic home of ``entities`` entities (median of the repeats). The
    weights are untrained and the name columns zero (``name_dim`` wide, as an embedder's
    would be): the cost does not depend on their values. Graph building is timed apart, and
    so is proposing (``gnn_propose_ms``: scoring the proposal pool with the same encoding
    and choosing the best, as a regime that proposes does)."""
    home = generate_home(0, days=days, target_entities=entities).home
    candidates = find_candidates(home)
    pairs = [(c.cause_id, c.effect_id) for c in candidates if c.effect_id is not None]
    started = time.perf_counter()
    graph = build_graph(home, co_activity=coactive_pairs(candidates), name_dim=name_dim)
    build_s = time.perf_counter() - started
    model = GraphModel(initial_weights(graph.feature_names))
    seconds, proposing = [], []
    pool = proposal_pool(graph.node_ids, set(pairs) | automated_pairs(home))
    for _ in range(repeat):
        started = time.perf_counter()
        embeddings = model.encode(graph)
        model.score(graph, pairs, embeddings)
        seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        best_proposals(pool, score_pool(model, graph, pool, embeddings), PROPOSALS)
        proposing.append(time.perf_counter() - started)
    return {
        "gnn_infer_ms": round(1000 * float(np.median(seconds)), 1),
        "gnn_propose_ms": round(1000 * float(np.median(proposing)), 1),
        "proposal_pool": len(pool),
        "graph_build_s": round(build_s, 3),
        "nodes": graph.n_nodes,
        "edges": {t: int(e.shape[1]) for t, e in graph.edges.items()},
        "pairs": len(pairs),
    }


def bench_gnn_train(entities: int = 150, days: int = 30) -> dict[str, Any]:
    """Seconds of pretraining the link model from scratch on a generated home and of
    fine-tuning the result on the home's automated pairs (imports torch)."""
    from custom_components.homeiq.core.graph.training import train_link_model

    synthetic = generate_home(7, target_entities=entities, days=days)
    home = synthetic.home
    candidates = find_candidates(home)
    space = pair_space(home)
    known = sorted(entity_pairs(home, automated_pairs(home)) & set(space))
    graph = build_graph(
        home,
        embedder=name_embedder(),
        co_activity=coactive_pairs(candidates),
        entity_ids=pair_nodes(home),
    )
    positives = sorted(set(known) | (relevant_pairs(synthetic) & set(space)))
    started = time.perf_counter()
    weights = train_link_model([(graph, positives, None)], epochs=EPOCHS, budget_s=120.0)
    pretrain_s = time.perf_counter() - started
    started = time.perf_counter()
    tuned = train_link_model(
        [(graph, known or positives, None)],
        init=weights,
        epochs=FINETUNE_EPOCHS,
        budget_s=FINETUNE_BUDGET_S,
    )
    finetune_s = time.perf_counter() - started
    return {
        "gnn_pretrain_s": round(pretrain_s, 2),
        "gnn_finetune_s": round(finetune_s, 2),
        "gnn_train": {
            "entities": len(home.entities),
            "nodes": graph.n_nodes,
            "positives": len(positives),
            "known_pairs": len(known),
            "pretrain_epochs": int(weights.training["epochs"]),
            "finetune_epochs": int(tuned.training["epochs"]),
            "threads": 1,
        },
    }


def bundled_pretrain_seconds() -> float | None:
    """What the bundled graph model's pretraining took, from its metadata (None: none)."""
    path = BUNDLED / "gnn" / "model.json"
    if not path.is_file():
        return None
    training = json.loads(path.read_text())["info"]["extra"].get("training", {})
    seconds = training.get("pretrain_s")
    return float(seconds) if isinstance(seconds, (int, float)) else None


def bench_pairs_propose(
    entities: int = 1000, days: int = 7, repeat: int = 3
) -> dict[str, Any] | None:
    """Milliseconds of the bundled pair model (numpy trees) scoring the proposal pool of a
    synthetic home of ``entities`` entities and choosing the best, and scoring its candidates
    (``pairs_blend_ms``, as a regime blending with it does every night), as a regime proposing
    with it does (median of the repeats; the graph built apart); None without a bundled
    pair model."""
    embedder = bundled_embedder()
    home = generate_home(0, days=days, target_entities=entities).home
    candidates = find_candidates(home)
    graph = build_graph(
        home,
        embedder=embedder,
        co_activity=coactive_pairs(candidates),
        name_dim=None if embedder else 0,
    )
    with tempfile.TemporaryDirectory() as tmp:
        registry = ModelRegistry(Path(tmp), bundled_root=BUNDLED)
        try:
            deployed = load_pair_model(registry, graph.feature_names)
        finally:
            registry.close()
    if deployed is None:
        return None
    pairs = {(c.cause_id, c.effect_id) for c in candidates if c.effect_id is not None}
    pool = proposal_pool(graph.node_ids, pairs | automated_pairs(home))
    seconds, blend_seconds = [], []
    scored = [(c.cause_id, c.effect_id or "notify") for c in candidates]
    for _ in range(repeat):
        started = time.perf_counter()
        best_proposals(pool, pair_probabilities(deployed, graph, pool), PROPOSALS)
        seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        candidate_probabilities(deployed, graph, scored)
        blend_seconds.append(time.perf_counter() - started)
    return {
        "pairs_propose_ms": round(1000 * float(np.median(seconds)), 1),
        # Scoring every candidate as a regime blending with the pair model does each night.
        "pairs_blend_ms": round(1000 * float(np.median(blend_seconds)), 1),
        "candidates": len(scored),
        "proposal_pool": len(pool),
        "trees": deployed.ensemble.n_trees,
        "nodes": deployed.ensemble.n_nodes,
    }


def gnn_figures(repeat: int = 3) -> dict[str, Any]:
    """The graph model's benchmark figures (and the pair model's proposing)."""
    infer = bench_gnn_infer(repeat=repeat)
    return {
        **bench_gnn_train(),
        "gnn_infer_ms": infer.pop("gnn_infer_ms"),
        "gnn_infer": infer,
        "pairs_propose": bench_pairs_propose(repeat=repeat),
        "gnn_bundled_pretrain_s": bundled_pretrain_seconds(),
    }


def run(repeat: int = 3) -> dict[str, Any]:
    """All benchmark figures as one flat JSON-able object."""
    figures = bench_history_read(repeat=repeat)
    generator = max(
        (measure_generator_rate(seed=0, days=30, target_entities=150) for _ in range(repeat)),
        key=lambda r: r["events_per_s"],
    )
    figures["generator_events"] = generator["events"]
    figures["generator_events_per_s"] = round(generator["events_per_s"])
    figures["model_steps"] = bench_model_steps(repeat=repeat)
    figures["store"] = bench_stores()
    figures["synergy_rank_s"] = bench_synergy_rank(repeat=repeat)
    figures["synergy_mining"] = bench_synergy_mining(repeat=repeat)
    figures.update(gnn_figures(repeat=repeat))
    figures["targets_met"] = targets_met(figures)
    return figures


def targets_met(figures: dict[str, Any]) -> dict[str, bool]:
    """Each target present in ``figures``: met or not."""
    met = {key: figures[key] >= target for key, target in TARGETS.items() if key in figures}
    met.update({key: figures[key] <= cap for key, cap in MAX_TARGETS.items() if key in figures})
    return met


def main() -> int:
    """Print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--store-only", action="store_true", help="only the history store figures")
    parser.add_argument("--synergy-only", action="store_true", help="only the synergy figures")
    parser.add_argument("--gnn-only", action="store_true", help="only the graph model figures")
    args = parser.parse_args()
    if args.gnn_only:
        gnn = gnn_figures(repeat=args.repeat)
        gnn["targets_met"] = targets_met(gnn)
        print(json.dumps(gnn) if args.json else gnn)
        return 0 if all(gnn["targets_met"].values()) else 1
    if args.store_only:
        figures = {"store": bench_stores()}
        print(json.dumps(figures) if args.json else figures["store"])
        return 0
    if args.synergy_only:
        synergy: dict[str, Any] = {
            "synergy_rank_s": bench_synergy_rank(repeat=args.repeat),
            "synergy_mining": bench_synergy_mining(repeat=args.repeat),
        }
        synergy["targets_met"] = targets_met(synergy)
        print(json.dumps(synergy) if args.json else synergy)
        return 0 if all(synergy["targets_met"].values()) else 1
    figures = run(repeat=args.repeat)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:28} {value}")
    return 0 if all(figures["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
