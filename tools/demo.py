"""The demo home behind ``scripts/develop``: generated once, onboarded, HomeIQ added.

``python -m tools.demo generate --config DIR`` writes the demo home into ``DIR`` unless it
already holds one (``--new`` replaces it). ``python -m tools.demo prepare --config DIR
--url URL`` runs next to a starting Home Assistant: it waits until the API serves, then
does through Home Assistant's own HTTP and websocket APIs what a person does in the
browser — creates the demo owner and completes every onboarding step (user, core config
with the home's time zone and country, analytics, integration), adds HomeIQ through its
config flow, and starts HomeIQ's first training run. Each of these steps is skipped when it
is already done, so starting ``scripts/develop`` again changes nothing.
``scripts/smoke_develop.py`` drives Home Assistant with the same client.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import importlib.util
import json
import os
from pathlib import Path
import shutil
import sys
import time
from typing import Any, Final

import aiohttp
import homeassistant.components

from tools.generate import SIM_HOME, write_ha_config
from tools.synthetic import RECENT_FAILURE_KINDS

DAY: Final = 86_400.0
DEMO_SEED: Final = 1  # a single-family house: 43 devices, 81 entities, 9 automations
DEMO_DAYS: Final = 30  # HomeIQ's default history window
STALE_AFTER_DAYS: Final = 2.0
HOMEIQ: Final = "homeiq"
TRAINING_STATUS: Final = "sensor.homeiq_training_status"
ONBOARDING_STEPS: Final = ("user", "core_config", "analytics", "integration")
# HomeIQ does not start a run by itself on a new entry (yet): the demo starts the first one.
START_FIRST_RUN: Final = True


@dataclass(frozen=True, slots=True)
class DemoUser:
    """The owner account the demo creates."""

    name: str
    username: str
    password: str


DEMO_USER: Final = DemoUser(name="Demo", username="demo", password="demo1234")


@dataclass(frozen=True, slots=True)
class Place:
    """Where Home Assistant is told the home is (its core configuration)."""

    country: str
    currency: str
    latitude: float
    longitude: float


# A plausible place for each UTC offset the generator draws (synthetic homes keep a fixed
# offset all year, so the time zone is the matching Etc/GMT zone, not the city's).
PLACES: Final[dict[float, Place]] = {
    -8.0: Place("US", "USD", 47.61, -122.33),
    -6.0: Place("US", "USD", 41.88, -87.63),
    -5.0: Place("US", "USD", 40.71, -74.01),
    0.0: Place("GB", "GBP", 51.51, -0.13),
    1.0: Place("DE", "EUR", 50.11, 8.68),
    2.0: Place("FI", "EUR", 60.17, 24.94),
    9.0: Place("JP", "JPY", 35.68, 139.69),
    10.0: Place("AU", "AUD", -33.87, 151.21),
}


# --- the demo home on disk ----------------------------------------------------------------


def demo_home_json(config: Path) -> Path:
    """Where the demo home's structure and window are kept."""
    return config / SIM_HOME / "home.json"


def has_demo_home(config: Path) -> bool:
    """Whether ``config`` holds a generated demo home."""
    return demo_home_json(config).is_file()


def is_fresh(config: Path) -> bool:
    """Whether ``config`` holds no Home Assistant configuration yet (missing or empty)."""
    return not config.exists() or not any(config.iterdir())


def read_demo_home(config: Path) -> dict[str, Any]:
    """The demo home's ``home.json`` (format in ``tools/homefile.py``)."""
    document: dict[str, Any] = json.loads(demo_home_json(config).read_text(encoding="utf-8"))
    return document


def history_age_days(config: Path, now: float | None = None) -> float:
    """Days since the demo home's generated history ended."""
    end = float(read_demo_home(config)["window"]["end"])
    return ((time.time() if now is None else now) - end) / DAY


def generate_demo(config: Path) -> int:
    """Write the demo home, its history ending now, into ``config``; return the rows."""
    return write_ha_config(
        config,
        seed=DEMO_SEED,
        days=DEMO_DAYS,
        entities=None,
        home_type=None,
        recent_failures=RECENT_FAILURE_KINDS,
    )


def clear_demo(config: Path) -> None:
    """Remove a demo configuration folder's contents (refused for any other folder)."""
    if not has_demo_home(config) and not is_fresh(config):
        msg = f"{config} holds a configuration that is not a demo home; not removing it"
        raise ValueError(msg)
    for child in config.iterdir() if config.exists() else ():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def served_port(config: Path, default: int) -> int:
    """The port Home Assistant will serve on: the one its HTTP store keeps, else ``default``.

    Home Assistant stores its HTTP settings in ``.storage/http`` at first start (taking the
    port from ``SETUP_PORT``) and uses the stored port from then on.
    """
    try:
        stored = json.loads((config / ".storage" / "http").read_text(encoding="utf-8"))
        data = stored["data"]
        pending = data.get("pending")
        slot = pending if pending and pending.get("error") is None else data["stable"]
        return int(slot["server_port"])
    except OSError, ValueError, KeyError, TypeError:
        return default


# Integrations Home Assistant sets up at every start (base platforms and what they need),
# by the module each one imports from its requirement. camera, tts and ffmpeg are also
# imported whenever the frontend lists the actions: without them the browser stays on
# "Loading..."; without the others the start raises an "Invalid config" notification.
# scripts/develop runs hass with --skip-pip, so hass does not install them into the venv.
START_MODULES: Final = {
    "turbojpeg": "camera",
    "mutagen": "tts",
    "haffmpeg": "ffmpeg",
    "infrared_protocols": "infrared",
    "rf_protocols": "radio_frequency",
}


def missing_start_packages() -> list[str]:
    """Requirements (from Home Assistant's manifests) of :data:`START_MODULES` not importable."""
    components = Path(homeassistant.components.__path__[0])
    missing: list[str] = []
    for module, domain in START_MODULES.items():
        if importlib.util.find_spec(module) is not None:
            continue
        manifest = json.loads((components / domain / "manifest.json").read_text("utf-8"))
        missing += manifest.get("requirements") or [module]
    return missing


# --- Home Assistant's APIs ------------------------------------------------------------------


class HomeAssistantClient:
    """Talks to a running Home Assistant the way its frontend does."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        """Use ``session`` for the instance served at ``base`` (``http://host:port``)."""
        self.session = session
        self.base = base.rstrip("/")
        self.client_id = f"{self.base}/"
        self.token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The authorization header of the logged-in user."""
        if self.token is None:
            raise RuntimeError("not logged in")
        return {"Authorization": f"Bearer {self.token}"}

    async def wait_until_serving(
        self, alive: Callable[[], bool] = lambda: True, within_s: float = 300.0
    ) -> None:
        """Wait until the API answers; raise if ``alive()`` turns false or time runs out."""
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if not alive():
                raise RuntimeError("Home Assistant stopped before it served its API")
            try:
                # Once onboarded, Home Assistant no longer serves the onboarding views (404).
                async with self.session.get(f"{self.base}/api/onboarding") as resp:
                    if resp.status in (200, 404):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1)
        raise TimeoutError(f"Home Assistant did not serve its API within {within_s:.0f} s")

    async def onboarding_done(self) -> set[str]:
        """The onboarding steps already done (all of them once onboarded)."""
        async with self.session.get(f"{self.base}/api/onboarding") as resp:
            if resp.status == 404:
                return set(ONBOARDING_STEPS)
            resp.raise_for_status()
            return {step["step"] for step in await resp.json() if step["done"]}

    async def _token_from_code(self, code: str) -> None:
        async with self.session.post(
            f"{self.base}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as resp:
            resp.raise_for_status()
            self.token = (await resp.json())["access_token"]

    async def create_owner(self, user: DemoUser, language: str = "en") -> None:
        """Onboarding's user step: create the owner account and log in as it."""
        async with self.session.post(
            f"{self.base}/api/onboarding/users",
            json={
                "client_id": self.client_id,
                "name": user.name,
                "username": user.username,
                "password": user.password,
                "language": language,
            },
        ) as resp:
            resp.raise_for_status()
            code = (await resp.json())["auth_code"]
        await self._token_from_code(code)

    async def login(self, user: DemoUser) -> None:
        """Log in with a username and password (Home Assistant's login flow)."""
        async with self.session.post(
            f"{self.base}/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        ) as resp:
            resp.raise_for_status()
            flow_id = (await resp.json())["flow_id"]
        async with self.session.post(
            f"{self.base}/auth/login_flow/{flow_id}",
            json={
                "client_id": self.client_id,
                "username": user.username,
                "password": user.password,
            },
        ) as resp:
            resp.raise_for_status()
            result = await resp.json()
        if result.get("type") != "create_entry":
            msg = f"could not log in as {user.username!r}: {result.get('errors') or result}"
            raise PermissionError(msg)
        await self._token_from_code(result["result"])

    async def websocket(self, *messages: dict[str, Any]) -> list[Any]:
        """Send websocket commands in turn; return their results (raise on an error)."""
        results: list[Any] = []
        async with self.session.ws_connect(f"{self.base}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise PermissionError("the websocket API refused the token")
            for number, message in enumerate(messages, start=1):
                await ws.send_json({"id": number, **message})
                while (reply := await ws.receive_json())["id"] != number:
                    pass
                if not reply["success"]:
                    msg = f"{message['type']} failed: {reply['error']}"
                    raise RuntimeError(msg)
                results.append(reply["result"])
        return results

    async def _post_step(self, step: str, payload: dict[str, Any] | None = None) -> Any:
        async with self.session.post(
            f"{self.base}/api/onboarding/{step}", json=payload or {}, headers=self.headers
        ) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def finish_onboarding(self, place: Place, time_zone: str, location_name: str) -> None:
        """Core config (place, time zone, units), analytics and integration steps, if not done.

        The core config is set as the frontend's onboarding sets it, before the step is
        marked done; a home without a country would raise a repair issue.
        """
        done = await self.onboarding_done()
        if "core_config" not in done:
            await self.websocket(
                {
                    "type": "config/core/update",
                    "location_name": location_name,
                    "country": place.country,
                    "currency": place.currency,
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                    "elevation": 0,
                    "time_zone": time_zone,
                    "unit_system": "metric",
                    "language": "en",
                }
            )
            await self._post_step("core_config")
        if "analytics" not in done:
            await self._post_step("analytics")
        if "integration" not in done:
            await self._post_step(
                "integration",
                {"client_id": self.client_id, "redirect_uri": f"{self.client_id}?auth_callback=1"},
            )

    async def wait_until_running(self, within_s: float = 300.0) -> None:
        """Wait until Home Assistant has started (every integration of the start is set up)."""
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            async with self.session.get(f"{self.base}/api/config", headers=self.headers) as resp:
                resp.raise_for_status()
                if (await resp.json()).get("state") == "RUNNING":
                    return
            await asyncio.sleep(1)
        raise TimeoutError(f"Home Assistant did not finish starting within {within_s:.0f} s")

    async def entries(self, domain: str | None = None) -> list[dict[str, Any]]:
        """The config entries of ``domain`` (of every domain when ``None``)."""
        async with self.session.get(
            f"{self.base}/api/config/config_entries/entry",
            params={"domain": domain} if domain else None,
            headers=self.headers,
        ) as resp:
            resp.raise_for_status()
            found: list[dict[str, Any]] = await resp.json()
            return found

    async def delete_entry(self, entry_id: str) -> None:
        """Delete a config entry (Settings → Devices & services → ⋮ → Delete)."""
        async with self.session.delete(
            f"{self.base}/api/config/config_entries/entry/{entry_id}", headers=self.headers
        ) as resp:
            resp.raise_for_status()

    async def add_homeiq(self) -> dict[str, Any]:
        """Add HomeIQ through its config flow, as Settings → Add integration does."""
        async with self.session.post(
            f"{self.base}/api/config/config_entries/flow",
            json={"handler": HOMEIQ},
            headers=self.headers,
        ) as resp:
            resp.raise_for_status()
            flow = await resp.json()
        async with self.session.post(
            f"{self.base}/api/config/config_entries/flow/{flow['flow_id']}",
            json={},
            headers=self.headers,
        ) as resp:
            resp.raise_for_status()
            created: dict[str, Any] = await resp.json()
        if created.get("type") != "create_entry":
            msg = f"HomeIQ's config flow did not create an entry: {created}"
            raise RuntimeError(msg)
        return created

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """An entity's state object (``None`` while it does not exist)."""
        async with self.session.get(
            f"{self.base}/api/states/{entity_id}", headers=self.headers
        ) as resp:
            if resp.status == 404:
                return None
            resp.raise_for_status()
            found: dict[str, Any] = await resp.json()
            return found

    async def wait_for_state(
        self, entity_id: str, accept: Callable[[str], bool], within_s: float
    ) -> dict[str, Any]:
        """Wait until the entity's state is accepted; return the state object."""
        deadline = time.monotonic() + within_s
        state = None
        while time.monotonic() < deadline:
            state = await self.state(entity_id)
            if state is not None and accept(state["state"]):
                return state
            await asyncio.sleep(1)
        last = None if state is None else state["state"]
        msg = f"{entity_id} did not reach the expected state within {within_s:.0f} s (last: {last})"
        raise TimeoutError(msg)

    async def call(
        self, domain: str, service: str, *, return_response: bool = False
    ) -> dict[str, Any]:
        """Call an action; with ``return_response`` return its response."""
        query = "?return_response" if return_response else ""
        async with self.session.post(
            f"{self.base}/api/services/{domain}/{service}{query}", json={}, headers=self.headers
        ) as resp:
            resp.raise_for_status()
            result = await resp.json()
        return result["service_response"] if return_response else {}


# --- the demo, step by step -------------------------------------------------------------------


def place_of(home: dict[str, Any]) -> Place:
    """The place matching the home's UTC offset (Frankfurt where there is none)."""
    return PLACES.get(float(home["truth"]["utc_offset_h"]), PLACES[1.0])


async def prepare_demo(
    client: HomeAssistantClient,
    config: Path,
    user: DemoUser = DEMO_USER,
    alive: Callable[[], bool] = lambda: True,
    say: Callable[[str], None] = print,
) -> None:
    """Onboard the demo owner, add HomeIQ and start its first run; skip what is done."""
    await client.wait_until_serving(alive)
    done = await client.onboarding_done()
    if "user" in done:
        await client.login(user)
    else:
        await client.create_owner(user)
        say(f"created the owner account {user.username!r}")
    home = read_demo_home(config)
    await client.finish_onboarding(place_of(home), home["time_zone"], "HomeIQ demo home")
    # The synthetic home's devices and entities exist once the start is over: HomeIQ's
    # first run then reads all of them.
    await client.wait_until_running()
    if "user" not in done:
        await tidy_default_areas(client, home)
        for title in await remove_failed_onboarding_entries(client):
            say(f"removed {title!r}, which onboarding added and cannot run here")
    if not await client.entries(HOMEIQ):
        await client.add_homeiq()
        say("added HomeIQ")
    status = await client.wait_for_state(TRAINING_STATUS, lambda s: s != "unavailable", 120)
    if START_FIRST_RUN and status["state"] == "never_run":
        await client.call(HOMEIQ, "train_now")
        say("started HomeIQ's first training run")


async def tidy_default_areas(client: HomeAssistantClient, home: dict[str, Any]) -> None:
    """Undo what onboarding's default areas did to the demo home.

    The user step creates Living Room, Kitchen and Bedroom when they do not exist yet; it
    can run before the synthetic home is set up, which then takes over a same-named area
    as it is (without its floor). Empty areas the home does not have are removed, and the
    home's areas get their floors.
    """
    areas, floors, devices, entities = await client.websocket(
        {"type": "config/area_registry/list"},
        {"type": "config/floor_registry/list"},
        {"type": "config/device_registry/list"},
        {"type": "config/entity_registry/list"},
    )
    level_of = {area["name"]: area["floor_level"] for area in home["areas"]}
    floor_at = {floor["level"]: floor["floor_id"] for floor in floors}
    used = {d["area_id"] for d in devices} | {e["area_id"] for e in entities}
    changes: list[dict[str, Any]] = []
    for area in areas:
        if area["name"] not in level_of:
            if area["area_id"] not in used:
                changes.append({"type": "config/area_registry/delete", "area_id": area["area_id"]})
        elif area["floor_id"] is None and (floor := floor_at.get(level_of[area["name"]])):
            changes.append(
                {
                    "type": "config/area_registry/update",
                    "area_id": area["area_id"],
                    "floor_id": floor,
                }
            )
    if changes:
        await client.websocket(*changes)


async def remove_failed_onboarding_entries(
    client: HomeAssistantClient, within_s: float = 30.0
) -> list[str]:
    """Delete what onboarding set up and failed (e.g. Google Translate without gTTS).

    Finishing the core config step adds a few integrations (Google Translate, Met, Radio
    Browser, Shopping list); those whose packages are not in the venv fail to set up and
    would show in red. Waits until each has finished setting up; returns the removed titles.
    """
    deadline = time.monotonic() + within_s
    while True:
        added = [e for e in await client.entries() if e["source"] == "onboarding"]
        settling = any(e["state"] in ("not_loaded", "setup_in_progress") for e in added)
        if not settling or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    failed = [e for e in added if e["state"] in ("setup_error", "setup_retry")]
    for entry in failed:
        await client.delete_entry(entry["entry_id"])
    return [entry["title"] for entry in failed]


def _pid_alive(pid: int | None) -> Callable[[], bool]:
    def alive() -> bool:
        if pid is None:
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    return alive


async def _prepare(config: Path, url: str, pid: int | None) -> None:
    def say(text: str) -> None:
        print(f"[demo] {text}", flush=True)

    async with aiohttp.ClientSession() as session:
        await prepare_demo(
            HomeAssistantClient(session, url), config, alive=_pid_alive(pid), say=say
        )
    shown = url.replace("127.0.0.1", "localhost")
    say(f"ready: open {shown} and log in as {DEMO_USER.username} / {DEMO_USER.password}")


# --- command line -------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the demo home unless the folder has one; say how old an existing one is."""
    config: Path = args.config
    if args.new:
        try:
            clear_demo(config)
        except ValueError as err:
            print(f"[demo] {err}", file=sys.stderr)
            return 2
    if has_demo_home(config):
        age = history_age_days(config)
        if age > STALE_AFTER_DAYS:
            print(
                f"[demo] the demo history ended {age:.0f} days ago: those days look like a quiet"
                " home with devices gone silent; scripts/develop --new-demo starts a new one",
                file=sys.stderr,
            )
        return 0
    if not is_fresh(config):
        print(
            f"[demo] {config} is an existing configuration without a demo home; using it as is"
            " (move it away, or set HOMEIQ_CONFIG to a new folder, for the demo home)"
        )
        return 0
    print(f"[demo] writing the demo home ({DEMO_DAYS} days of history) to {config} ...")
    rows = generate_demo(config)
    print(f"[demo] wrote {rows} state changes")
    return 0


def cmd_preflight(args: argparse.Namespace) -> int:
    """Print the port Home Assistant will serve the folder on; warn about what will not work."""
    port = served_port(args.config, args.port)
    if args.port_requested and port != args.port:
        print(
            f"[develop] {args.config} keeps port {port} from its first start; HOMEIQ_PORT="
            f"{args.port} applies to a new folder (or change it under Settings → System →"
            " Network)",
            file=sys.stderr,
        )
    if missing := missing_start_packages():
        print(
            f"[develop] the venv lacks {', '.join(missing)}, required by integrations Home"
            " Assistant always sets up: without PyTurboJPEG, mutagen and ha-ffmpeg the browser"
            " stays on 'Loading...' (the API, HomeIQ and the demo work)",
            file=sys.stderr,
        )
    print(port)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Onboard, add HomeIQ, first run (a background helper of scripts/develop)."""
    if not has_demo_home(args.config):
        return 0
    try:
        asyncio.run(_prepare(args.config, args.url, args.pid))
    except (aiohttp.ClientError, OSError, RuntimeError, TimeoutError) as err:
        print(f"[demo] the demo could not be prepared: {err}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:  # Ctrl+C stops hass and this helper together
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run a sub-command."""
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    generate = sub.add_parser("generate", help="write the demo home if the folder has none")
    generate.add_argument("--config", type=Path, required=True)
    generate.add_argument("--new", action="store_true", help="replace an existing demo home")
    generate.set_defaults(run=cmd_generate)
    preflight = sub.add_parser(
        "preflight", help="print the port Home Assistant serves the folder on, warn"
    )
    preflight.add_argument("--config", type=Path, required=True)
    preflight.add_argument("--port", type=int, default=8123, help="the port for a new folder")
    preflight.add_argument(
        "--port-requested", action="store_true", help="the port was asked for (HOMEIQ_PORT)"
    )
    preflight.set_defaults(run=cmd_preflight)
    prepare = sub.add_parser("prepare", help="onboard, add HomeIQ, start the first run")
    prepare.add_argument("--config", type=Path, required=True)
    prepare.add_argument("--url", required=True)
    prepare.add_argument("--pid", type=int, help="give up when this process ends")
    prepare.set_defaults(run=cmd_prepare)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
