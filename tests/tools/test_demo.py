"""Tests for the demo home behind scripts/develop (tools/demo.py).

The onboarding and config-flow calls run against a real Home Assistant in
``scripts/smoke_develop.py --generated`` (CI); these tests cover what happens on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import sqlite3
import time

import homeassistant.components
import pytest

from tools import demo
from tools.generate import SIM_HOME
from tools.homefile import load_home
from tools.synthetic import RECENT_FAILURE_KINDS, generate_home
from tools.synthetic.environment import UTC_OFFSETS

DAY = 86_400.0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the generate command wrote the demo home into (once for the module)."""
    config = tmp_path_factory.mktemp("demo") / "config"
    assert demo.main(["generate", "--config", str(config)]) == 0
    return config


def copy_of(config: Path, tmp_path: Path) -> Path:
    """A copy of a configuration folder a test may change."""
    target = tmp_path / "config"
    shutil.copytree(config, target)
    return target


def test_generate_writes_the_demo_home(generated: Path) -> None:
    """Seed, 30 days ending now, failures under way at the end, history in the recorder."""
    synthetic = load_home(generated / SIM_HOME)
    home, truth = synthetic.home, synthetic.truth
    assert home.window_start is not None
    assert home.window_end is not None
    assert truth.seed == demo.DEMO_SEED
    assert home.window_end - home.window_start == pytest.approx(demo.DEMO_DAYS * DAY, abs=1)
    assert abs(home.window_end - time.time()) < 600
    recent = {
        f.kind: f
        for f in truth.failures
        if f.start_ts > home.window_end - 13 * DAY or (f.failure_ts or 0) > home.window_end
    }
    assert set(recent) >= set(RECENT_FAILURE_KINDS)
    for kind in ("battery_depletion", "dropout"):
        failure_ts = recent[kind].failure_ts
        assert failure_ts is not None
        assert failure_ts > home.window_end
    rows = sum(len(h) for h in home.histories.values())
    with sqlite3.connect(generated / "home-assistant_v2.db") as db:
        assert db.execute("SELECT COUNT(*) FROM states").fetchone()[0] == rows
    assert len(home.automations) >= 5
    assert (generated / "automations.yaml").read_text().count("alias:") == len(home.automations)


def test_demo_fails_the_same_devices_all_year() -> None:
    """The README names the demo's failing devices: they do not depend on the date."""
    expected = [
        ("battery_depletion", "Front Door Sensor"),
        ("dropout", "Living Room Motion Sensor"),
        ("stuck", "Family Room Motion Sensor"),
        ("abnormal_activity", "Kitchen Motion Sensor"),
    ]
    for month in range(12):
        end = 1_767_225_600.0 + month * 30.4 * DAY  # from 2026-01-01
        start = end - demo.DEMO_DAYS * DAY
        own = len(generate_home(demo.DEMO_SEED, days=demo.DEMO_DAYS, start_ts=start).truth.failures)
        synthetic = generate_home(
            demo.DEMO_SEED,
            days=demo.DEMO_DAYS,
            start_ts=start,
            recent_failures=RECENT_FAILURE_KINDS,
        )
        names = {d.device_id: d.name for d in synthetic.home.devices.values()}
        planted = [(f.kind, names[f.device_id]) for f in synthetic.truth.failures[own:]]
        assert planted == expected, month


def test_generate_keeps_an_existing_demo(generated: Path, tmp_path: Path) -> None:
    """A second start writes nothing: the recorder database is the one already there."""
    config = copy_of(generated, tmp_path)
    database = config / "home-assistant_v2.db"
    database.write_bytes(database.read_bytes() + b"kept")
    assert demo.main(["generate", "--config", str(config)]) == 0
    assert database.read_bytes().endswith(b"kept")


def test_new_demo_replaces_a_demo(generated: Path, tmp_path: Path) -> None:
    """--new empties a demo folder (onboarding, HomeIQ's store) and writes a new home."""
    config = copy_of(generated, tmp_path)
    (config / ".storage").mkdir()
    (config / ".storage" / "onboarding").write_text("{}")
    before = demo.read_demo_home(config)["window"]["end"]
    assert demo.main(["generate", "--config", str(config), "--new"]) == 0
    assert not (config / ".storage").exists()
    assert demo.has_demo_home(config)
    assert demo.read_demo_home(config)["window"]["end"] > before


def test_other_configurations_are_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder with a configuration of its own gets no demo, and --new refuses to empty it."""
    config = tmp_path / "mine"
    config.mkdir()
    (config / "configuration.yaml").write_text("frontend:\n")
    assert demo.main(["generate", "--config", str(config)]) == 0
    assert not demo.has_demo_home(config)
    assert demo.main(["generate", "--config", str(config), "--new"]) == 2
    assert "not a demo home" in capsys.readouterr().err
    assert [p.name for p in config.iterdir()] == ["configuration.yaml"]


def test_stale_history_is_reported(
    generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo whose history ended days ago is kept, and develop says how to get a new one."""
    config = copy_of(generated, tmp_path)
    document = demo.read_demo_home(config)
    document["window"]["end"] = time.time() - 5 * DAY
    demo.demo_home_json(config).write_text(json.dumps(document))
    assert demo.history_age_days(config) == pytest.approx(5.0, abs=0.01)
    assert demo.main(["generate", "--config", str(config)]) == 0
    err = capsys.readouterr().err
    assert "ended 5 days ago" in err
    assert "--new-demo" in err
    assert demo.read_demo_home(config)["window"]["end"] == document["window"]["end"]


def write_http_store(config: Path, data: object) -> None:
    """Home Assistant's HTTP settings store as it writes it."""
    (config / ".storage").mkdir(parents=True, exist_ok=True)
    (config / ".storage" / "http").write_text(
        json.dumps({"version": 2, "minor_version": 2, "key": "http", "data": data})
    )


def test_served_port_follows_home_assistants_store(tmp_path: Path) -> None:
    """No store: the requested port; else the pending port on trial, else the stable one."""
    assert demo.served_port(tmp_path, 8200) == 8200
    stable = {"server_port": 8301, "error": None}
    write_http_store(tmp_path, {"stable": stable, "pending": None, "yaml_migration_done": True})
    assert demo.served_port(tmp_path, 8200) == 8301
    pending = {"server_port": 8302, "error": None}
    write_http_store(tmp_path, {"stable": stable, "pending": pending})
    assert demo.served_port(tmp_path, 8200) == 8302
    failed = {"server_port": 8302, "error": "apply_failed"}
    write_http_store(tmp_path, {"stable": stable, "pending": failed})
    assert demo.served_port(tmp_path, 8200) == 8301
    (tmp_path / ".storage" / "http").write_text("not json")
    assert demo.served_port(tmp_path, 8200) == 8200


def test_every_generated_offset_has_a_place() -> None:
    """Home Assistant gets a country for every home the generator can draw (no repair)."""
    assert set(UTC_OFFSETS) <= set(demo.PLACES)
    home = {"truth": {"utc_offset_h": -5.0}}
    assert demo.place_of(home).country == "US"


def test_missing_start_packages_come_from_the_manifests(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that cannot be imported is named by its integration's pinned requirement."""
    manifest = Path(homeassistant.components.__path__[0]) / "camera" / "manifest.json"
    requirements = json.loads(manifest.read_text())["requirements"]
    monkeypatch.setattr(demo, "START_MODULES", {"no_such_module_homeiq": "camera", "json": "tts"})
    assert demo.missing_start_packages() == requirements
