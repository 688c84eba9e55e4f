"""End-to-end check of scripts/develop: start Home Assistant, onboard, add HomeIQ, train.

Usage: .venv/bin/python scripts/smoke_develop.py [--config DIR] [--generated]

Starts ``scripts/develop`` on a fresh configuration folder, creates the owner account
through the onboarding API, adds HomeIQ through the config-flow API (what the UI calls),
calls ``homeiq.train_now`` with a response, prints that response as JSON and stops Home
Assistant. With ``--generated`` the folder first gets a synthetic home
(``scripts/generate ha-config``) and the check also requires that HomeIQ read its devices
and history. Exits non-zero when any step fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import tempfile

import aiohttp

REPO = Path(__file__).resolve().parent.parent


async def _wait_for_http(
    session: aiohttp.ClientSession, base: str, proc: subprocess.Popen[bytes]
) -> None:
    for _ in range(240):
        if proc.poll() is not None:
            raise RuntimeError(f"Home Assistant exited with {proc.returncode}")
        try:
            async with session.get(f"{base}/api/onboarding") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1)
    raise TimeoutError("Home Assistant did not serve its API within 240 s")


async def _run(base: str, proc: subprocess.Popen[bytes]) -> dict[str, object]:
    async with aiohttp.ClientSession() as session:
        await _wait_for_http(session, base, proc)
        client_id = f"{base}/"
        async with session.post(
            f"{base}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Developer",
                "username": "dev",
                "password": "dev-password",
                "language": "en",
            },
        ) as resp:
            resp.raise_for_status()
            auth_code = (await resp.json())["auth_code"]
        async with session.post(
            f"{base}/auth/token",
            data={"grant_type": "authorization_code", "code": auth_code, "client_id": client_id},
        ) as resp:
            resp.raise_for_status()
            token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async with session.post(
            f"{base}/api/config/config_entries/flow", json={"handler": "homeiq"}, headers=headers
        ) as resp:
            resp.raise_for_status()
            flow = await resp.json()
        async with session.post(
            f"{base}/api/config/config_entries/flow/{flow['flow_id']}", json={}, headers=headers
        ) as resp:
            resp.raise_for_status()
            created = await resp.json()
        if created.get("type") != "create_entry":
            raise RuntimeError(f"config flow did not create an entry: {created}")

        async with session.post(
            f"{base}/api/services/homeiq/train_now?return_response", json={}, headers=headers
        ) as resp:
            resp.raise_for_status()
            return (await resp.json())["service_response"]


def main() -> int:
    """Run the check; print train_now's response."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--config", type=Path, help="configuration folder (default: a new temp folder)"
    )
    parser.add_argument(
        "--generated", action="store_true", help="write a synthetic home into the folder first"
    )
    args = parser.parse_args()
    config = args.config or Path(tempfile.mkdtemp(prefix="homeiq-develop-"))
    config.mkdir(parents=True, exist_ok=True)
    if args.generated:
        subprocess.run(
            [
                str(REPO / "scripts" / "generate"),
                "ha-config",
                "--config",
                str(config),
                "--days",
                "7",
            ],
            check=True,
        )
    env = {**os.environ, "HOMEIQ_CONFIG": str(config)}
    log = (config / "smoke.log").open("wb")
    proc = subprocess.Popen(
        [str(REPO / "scripts" / "develop")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        response = asyncio.run(_run("http://127.0.0.1:8123", proc))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(json.dumps(response, indent=2))
    ok = response.get("outcome") == "success"
    if args.generated:
        details = response["steps"][0]["details"]  # type: ignore[index]
        ok = ok and all(details[key] > 0 for key in ("devices", "entities", "history_rows"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
