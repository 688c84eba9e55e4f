"""``scripts/suggest``: what HomeIQ would suggest automating in a home, without Home Assistant.

``--config DIR`` reads a Home Assistant configuration folder (a copy of your own will do:
see ``tools/config_folder.py`` for what is read, all of it read-only); ``--home DIR`` reads a
synthetic home in HomeIQ's corpus format (``tools/homefile.py``). Either way the home goes
through the integration's own ``suggest`` with the ranker and the learned models (graph and
pair model, with their blend) the integration would use (the folder's stored HomeIQ models,
else the bundled ones, else none: the rules and evidence scores alone), and the ranked
suggestions are printed: rank, score, service, pair and the evidence in words (``--json``: a
JSON list of the suggestions as the integration's actions return them, with their
automation configuration). Notes on what could not be read go to stderr. Exit code 2: the
folder is not a configuration folder / not a home, or cannot be read.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import sys
import tempfile
from typing import Any, Final, TextIO

import numpy as np

from custom_components.homeiq.core.graph.scoring import GraphRanking
from custom_components.homeiq.core.home import Home, StateHistory
from custom_components.homeiq.core.ml.models import SYNERGY_MODEL, DeployedModel, load_deployed
from custom_components.homeiq.core.ml.registry import ModelRegistry
from custom_components.homeiq.core.pipeline import load_graph
from custom_components.homeiq.core.synergy import (
    FEATURE_NAMES,
    LIKELY_SCORE,
    Suggestion,
    SynergyResult,
    suggest,
)
from custom_components.homeiq.core.time import DAY
from custom_components.homeiq.home.reader import STORE_DIR
from tools.config_folder import STORAGE, ConfigFolderError, read_config_folder
from tools.homefile import HOME_JSON, INDEX_JSON, load_home

REPO: Final = Path(__file__).resolve().parent.parent
BUNDLED_MODELS: Final = REPO / "custom_components" / "homeiq" / "models"
DEFAULT_CONFIG_DAYS: Final = 30.0  # the integration's default history window
EXIT_BAD_INPUT: Final = 2


class InputError(ValueError):
    """The folder given cannot be read as what it was given as."""


def parse_time(text: str) -> float:
    """POSIX seconds, or an ISO 8601 time (with an offset; without one, UTC)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        msg = f"not a time: {text!r} (POSIX seconds or ISO 8601)"
        raise argparse.ArgumentTypeError(msg) from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def load_ranker(
    models_root: Path | None,
) -> tuple[DeployedModel | None, GraphRanking | None, list[str]]:
    """The synergy ranker and the learned ranking (graph and pair model, with their blend)
    as the integration loads them, and why another ranker was not used."""
    with tempfile.TemporaryDirectory() as empty:
        root = models_root if models_root is not None else Path(empty) / "models"
        registry = ModelRegistry(root, bundled_root=BUNDLED_MODELS)
        model = load_deployed(registry, SYNERGY_MODEL, FEATURE_NAMES)
        graph = load_graph(registry)
        return model, graph, list(registry.fallbacks.get(SYNERGY_MODEL, []))


def learned_words(figures: dict[str, Any]) -> str:
    """How the learned models took part, from the result's ``graph`` figures."""
    if not figures.get("used") and not figures.get("proposed"):
        return f"none ({figures.get('why', 'not used')})"
    parts = []
    if figures.get("used"):
        parts.append(f"{figures.get('blended_by')} blended in")
    if figures.get("proposed"):
        parts.append(f"{figures['proposed']} proposed by {figures.get('proposed_by')}")
    return ", ".join(parts) + f" ({figures.get('regime')})"


def _cut(history: StateHistory, start: float, end: float) -> StateHistory:
    """The rows in (start, end], the window the integration reads from the recorder."""
    lo = int(np.searchsorted(history.timestamps, start, side="right"))
    hi = int(np.searchsorted(history.timestamps, end, side="right"))
    return history.rows(slice(lo, hi))


def read_home_folder(path: Path, *, days: float | None, now: float | None) -> Home:
    """A corpus home; with ``days`` / ``now``, only the ``days`` before ``now`` of it."""
    if not path.is_dir():
        msg = f"{path} is not a folder"
        raise InputError(msg)
    if not (path / HOME_JSON).is_file():
        hint = (
            f"; it is a corpus: pass one of its homes, e.g. {path / 'home_0000'}"
            if (path / INDEX_JSON).is_file()
            else ""
        )
        msg = f"{path} is not a HomeIQ home folder (no {HOME_JSON}){hint}"
        raise InputError(msg)
    try:
        home = load_home(path).home
    except ValueError as err:
        raise InputError(str(err)) from err
    if days is None and now is None:
        return home
    end = now if now is not None else home.window_end
    if end is None:
        msg = f"{path}: the home has no window end; give --now"
        raise InputError(msg)
    # Not clamped to the home's own start: a window longer than the history, as in Home
    # Assistant (and --config) when the recorder holds fewer days than asked for.
    start = end - days * DAY if days is not None else home.window_start
    low = -np.inf if start is None else start
    cut = ((key, _cut(history, low, end)) for key, history in home.histories.items())
    home.histories = {key: history for key, history in cut if len(history)}
    home.external = {key: _cut(history, low, end) for key, history in home.external.items()}
    home.window_start, home.window_end = start, end
    return home


def _pair_names(home: Home, suggestion: Suggestion) -> str:
    def name(entity_id: str | None) -> str:
        if entity_id is None:
            return "a notification"
        entity = home.entities.get(entity_id)
        return entity.name if entity is not None and entity.name else entity_id

    effect = suggestion.effect_id or "notify"
    return (
        f"{name(suggestion.cause_id)} → {name(suggestion.effect_id)} "
        f"({suggestion.cause_id} → {effect})"
    )


def write_text(
    out: TextIO, home: Home, result: SynergyResult, *, limit: int, ranker: str, source: str
) -> None:
    """The ranked suggestions as readable text."""
    summary = home.summary()
    history = (
        f"{result.days:.1f} days of history ({summary['history_rows']} state changes)"
        if summary["history_rows"]
        else "no history (cold start: rules and structure only)"
    )
    out.write(
        f"HomeIQ suggestions for {source}\n"
        f"{summary['entities']} entities in {summary['areas']} areas, "
        f"{summary['automations']} automations, {history}; ranker: {ranker}; "
        f"learned models: {learned_words(dict(result.graph))}\n"
        f"{result.candidates} candidate pairs, {result.counted} with evidence counted, "
        f"{result.automated} already automated; "
        f"{sum(s.likely for s in result.suggestions)} likely worth automating "
        f"(score ≥ {LIKELY_SCORE:g}); "
        f"showing {min(limit, len(result.suggestions))} of {len(result.suggestions)}\n"
    )
    if not result.suggestions:
        out.write("\nno suggestions\n")
    width = len(str(min(limit, len(result.suggestions))))
    for rank, suggestion in enumerate(result.suggestions[:limit], start=1):
        indent = " " * (width + 2)
        out.write(
            f"\n{rank:>{width}}. {suggestion.score:.3f}  {suggestion.service}  "
            f"{_pair_names(home, suggestion)}\n"
            f"{indent}{suggestion.text}\n"
        )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Parse the command line, read the home, print its suggestions."""
    out = out if out is not None else sys.stdout
    parser = argparse.ArgumentParser(
        prog="scripts/suggest", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", type=Path, help="a Home Assistant configuration folder")
    source.add_argument("--home", type=Path, help="a HomeIQ corpus home folder")
    parser.add_argument(
        "--days",
        type=float,
        default=None,
        help=f"days of history before --now (default: {DEFAULT_CONFIG_DAYS:g} for --config, "
        "the whole home for --home)",
    )
    parser.add_argument(
        "--now",
        type=parse_time,
        default=None,
        help="the end of the history window, POSIX seconds or ISO 8601 (default: the newest "
        "recorded state for --config, the home's window end for --home)",
    )
    parser.add_argument("--limit", type=int, default=10, help="suggestions shown (default 10)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of suggestions")
    args = parser.parse_args(argv)
    if args.limit < 0:
        parser.error("--limit must be at least 0")
    if args.days is not None and args.days <= 0:
        parser.error("--days must be positive")
    try:
        if args.config is not None:
            folder = read_config_folder(
                args.config, days=args.days or DEFAULT_CONFIG_DAYS, now=args.now
            )
            home, notes = folder.home, folder.notes
            now: float | None = folder.now
            models_root: Path | None = args.config / STORAGE / STORE_DIR / "models"
            described = f"the configuration folder {args.config}"
        else:
            home = read_home_folder(args.home, days=args.days, now=args.now)
            now, notes, models_root = home.window_end, [], None
            described = f"the home {args.home}"
    except (ConfigFolderError, InputError) as err:
        print(f"scripts/suggest: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in notes:
        print(f"scripts/suggest: note: {note}", file=sys.stderr)
    ranker, graph, reasons = load_ranker(models_root)
    result = suggest(home, now, ranker, graph=graph)
    if args.json:
        json.dump(
            [s.as_dict() for s in result.suggestions[: args.limit]],
            out,
            ensure_ascii=False,
            indent=1,
        )
        out.write("\n")
        return 0
    shown = result.ranker or ("none (" + "; ".join(reasons or ["no model"]) + ")")
    write_text(out, home, result, limit=args.limit, ranker=shown, source=described)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
