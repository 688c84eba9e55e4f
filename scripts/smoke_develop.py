"""End-to-end check of scripts/develop: start Home Assistant, onboard, add HomeIQ, train.

Usage: .venv/bin/python scripts/smoke_develop.py [--config DIR] [--generated]

Starts ``scripts/develop`` on a new configuration folder (``--config``, which should be
missing or empty, or a temporary one) on a free port, logging to ``smoke.log`` in a new
temporary folder, and stops it at the end; exits non-zero when a step fails.

- Without ``--generated``: ``scripts/develop --empty``; the check creates the owner through
  the onboarding API, adds HomeIQ through the config-flow API (what the UI calls), calls
  ``homeiq.train_now`` with a response and prints it.
- With ``--generated``: ``scripts/develop`` as a new user starts it, on the demo home. The
  check logs in as the demo user and requires what the demo promises: every onboarding step
  done, HomeIQ added and its first run finished successfully after reading the home's
  devices and history, the home type and every HomeIQ entity showing a value, and no repair
  issue but HomeIQ's own (no deprecated configuration). It then calls ``homeiq.train_now``
  with a response and prints it.

The Home Assistant client is the one ``scripts/develop`` onboards the demo with
(``tools/demo.py``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tools.demo import (  # noqa: E402
    DEMO_USER,
    HOMEIQ,
    ONBOARDING_STEPS,
    TRAINING_STATUS,
    DemoUser,
    HomeAssistantClient,
)

SMOKE_USER = DemoUser(name="Developer", username="dev", password="dev-password")
FINISHED = ("success", "partial", "failed", "cancelled")


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _login_when_onboarded(
    client: HomeAssistantClient, alive: Callable[[], bool], within_s: float = 300.0
) -> None:
    """Log in as the demo user once scripts/develop's helper has created it."""
    await client.wait_until_serving(alive)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if "user" in await client.onboarding_done():
            await client.login(DEMO_USER)
            return
        await asyncio.sleep(1)
    raise TimeoutError("the demo owner was not created")


async def _check_demo(client: HomeAssistantClient, alive: Callable[[], bool]) -> list[str]:
    """What the demo promises, as a list of failures (empty: all kept)."""
    await _login_when_onboarded(client, alive)
    problems: list[str] = []
    status = await client.wait_for_state(TRAINING_STATUS, lambda s: s in FINISHED, 300)
    done = await client.onboarding_done()
    if missing := set(ONBOARDING_STEPS) - done:
        problems.append(f"onboarding steps not done: {sorted(missing)}")
    entries = await client.entries(HOMEIQ)
    if [entry["state"] for entry in entries] != ["loaded"]:
        problems.append(f"HomeIQ entries: {entries}")
    if status["state"] != "success":
        problems.append(f"first run: {status['state']} {status['attributes'].get('steps')}")
    steps = {step["name"]: step for step in status["attributes"].get("steps") or []}
    read = (steps.get("read_home") or {}).get("details") or {}
    if not all(read.get(key, 0) > 0 for key in ("devices", "entities", "history_rows")):
        problems.append(f"the first run read too little: {read}")
    registry, issues = await client.websocket(
        {"type": "config/entity_registry/list"}, {"type": "repairs/list_issues"}
    )
    # Entities disabled by default (each device's Failure risk band) have no state.
    homeiq_entities = sorted(
        e["entity_id"] for e in registry if e["platform"] == HOMEIQ and e.get("disabled_by") is None
    )
    if len(homeiq_entities) < 3:
        problems.append(f"HomeIQ has only the entities {homeiq_entities}")
    for entity_id in homeiq_entities:
        state = await client.state(entity_id)
        if state is None or state["state"] == "unavailable":
            problems.append(f"{entity_id} shows no value: {state and state['state']}")
        elif state["state"] == "unknown" and state["attributes"].get("draining") is not False:
            # Only a battery that is not draining has no days left to show.
            problems.append(f"{entity_id} shows no value: unknown")
    foreign = [(i["domain"], i["issue_id"]) for i in issues["issues"] if i["domain"] != HOMEIQ]
    if foreign:
        problems.append(f"repair issues other than HomeIQ's: {foreign}")
    print(
        f"demo: {len(homeiq_entities)} HomeIQ entities, first run {status['state']}, "
        f"{len(issues['issues']) - len(foreign)} HomeIQ repair issues, "
        f"{len(foreign)} others",
        file=sys.stderr,
    )
    return problems


async def _run(base: str, proc: subprocess.Popen[bytes], demo: bool) -> dict[str, Any]:
    def alive() -> bool:
        return proc.poll() is None

    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, base)
        if demo:
            if problems := await _check_demo(client, alive):
                raise RuntimeError("; ".join(problems))
        else:
            await client.wait_until_serving(alive)
            await client.create_owner(SMOKE_USER)
            await client.add_homeiq()
        return await client.call(HOMEIQ, "train_now", return_response=True)


def main() -> int:
    """Run the check; print train_now's response."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--config", type=Path, help="configuration folder (default: a new temp folder)"
    )
    parser.add_argument("--generated", action="store_true", help="the demo home of scripts/develop")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="homeiq-develop-"))
    config = args.config or work / "config"
    log_path = work / "smoke.log"  # outside the folder: develop sees a new folder
    port = free_port()
    env = {**os.environ, "HOMEIQ_CONFIG": str(config), "HOMEIQ_PORT": str(port)}
    command = [str(REPO / "scripts" / "develop")]
    if not args.generated:
        command.append("--empty")
    log = log_path.open("wb")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        response = asyncio.run(_run(f"http://127.0.0.1:{port}", proc, args.generated))
    except (aiohttp.ClientError, OSError, RuntimeError, TimeoutError) as err:
        print(f"smoke check failed: {err} (log: {log_path})", file=sys.stderr)
        return 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(json.dumps(response, indent=2))
    ok = response.get("outcome") == "success"
    if args.generated:
        details = response["steps"][0]["details"]
        ok = ok and all(details[key] > 0 for key in ("devices", "entities", "history_rows"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
