"""Generate synthetic homes: ``scripts/generate corpus`` and ``scripts/generate ha-config``.

``corpus`` writes N homes in HomeIQ's corpus format (see ``tools/homefile.py``).
``ha-config`` writes one home into a Home Assistant configuration directory: a recorder
database with its history (ending now) and the home itself (``homeiq_sim_home/``), from
which ``scripts/develop``'s development integration ``homeiq_sim`` creates the areas,
floors, devices and entities at start, so that Home Assistant looks lived-in.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
import time
from typing import Any

import yaml

from custom_components.homeiq.core.home import Home
from tools.homefile import save_corpus, save_home
from tools.recorder_db import write_recorder_db
from tools.synthetic import (
    HOME_TYPES,
    RECENT_FAILURE_KINDS,
    generate_corpus,
    generate_home,
)

REPO = Path(__file__).resolve().parent.parent
# scripts/develop loads tools/homeiq_sim when a configuration folder holds this home.
SIM_HOME = "homeiq_sim_home"


def cmd_corpus(args: argparse.Namespace) -> int:
    """Write a corpus of synthetic homes."""
    homes = generate_corpus(args.homes, args.seed, days=args.days)
    save_corpus(args.out, homes)
    rows = sum(len(h) for s in homes for h in s.home.histories.values())
    print(f"wrote {len(homes)} homes ({rows} state changes) to {args.out}")
    return 0


def automation_configs(home: Home) -> list[dict[str, Any]]:
    """The home's automations as Home Assistant automation configurations.

    An automation without trigger entities (a time or sun rule in the generator) gets an
    event trigger nothing fires, so it never acts in a development instance.
    """
    return [
        {
            "id": automation.automation_id,
            "alias": automation.name,
            "initial_state": automation.enabled,
            "triggers": [{"trigger": "state", "entity_id": list(automation.trigger_entities)}]
            if automation.trigger_entities
            else [{"trigger": "event", "event_type": "homeiq_sim_never"}],
            "actions": [
                {"action": service, "target": {"entity_id": list(automation.action_entities)}}
                for service in automation.action_services
            ],
        }
        for automation in home.automations
    ]


def write_ha_config(
    config: Path,
    *,
    seed: int,
    days: int,
    entities: int | None,
    home_type: str | None,
    recent_failures: tuple[str, ...] = (),
) -> int:
    """Write one synthetic home, ending now, into a Home Assistant configuration folder.

    ``recent_failures`` plants failures under way now (see ``generate_home``).
    """
    start = time.time() - days * 86_400
    synthetic = generate_home(
        seed,
        home_type=home_type,
        days=days,
        start_ts=start,
        target_entities=entities,
        recent_failures=recent_failures,
    )
    config.mkdir(parents=True, exist_ok=True)
    rows = write_recorder_db(config / "home-assistant_v2.db", synthetic.home, seed=seed)
    save_home(config / SIM_HOME, synthetic)
    automations = config / "automations.yaml"
    if not automations.exists() or automations.read_text().strip() in {"", "[]"}:
        automations.write_text(yaml.safe_dump(automation_configs(synthetic.home), sort_keys=False))
    return rows


def cmd_ha_config(args: argparse.Namespace) -> int:
    """Write one home into a Home Assistant configuration folder."""
    rows = write_ha_config(
        args.config,
        seed=args.seed,
        days=args.days,
        entities=args.entities,
        home_type=args.type,
        recent_failures=RECENT_FAILURE_KINDS if args.recent_failures else (),
    )
    print(f"wrote a home with {rows} state changes to {args.config}; now run scripts/develop")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run a sub-command."""
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    corpus = sub.add_parser("corpus", help="write N homes in the corpus format")
    corpus.add_argument("--homes", type=int, default=50)
    corpus.add_argument("--seed", type=int, default=0)
    corpus.add_argument("--days", type=int, default=30)
    corpus.add_argument("--out", type=Path, default=REPO / "corpus")
    corpus.set_defaults(run=cmd_corpus)
    ha = sub.add_parser("ha-config", help="write one home into a Home Assistant config folder")
    ha.add_argument("--config", type=Path, default=REPO / "config")
    ha.add_argument("--seed", type=int, default=0)
    ha.add_argument("--days", type=int, default=21)
    ha.add_argument("--entities", type=int, default=None)
    ha.add_argument("--type", choices=HOME_TYPES, default=None)
    ha.add_argument(
        "--recent-failures",
        action="store_true",
        help="also plant failures under way now: "
        "a battery running down, a device dropping out, a stuck sensor, night motion",
    )
    ha.set_defaults(run=cmd_ha_config)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
