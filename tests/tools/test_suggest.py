"""Tests for scripts/suggest (tools/suggest.py) and reading a configuration folder
(tools/config_folder.py).

One generated home (7 days, about 40 entities) is written twice: as a corpus home and as a
Home Assistant configuration folder (registries as Home Assistant writes them,
``automations.yaml``, the recorder database). Both read back as the same home and give the
same suggestions: the folder is read as the integration reads Home Assistant — recorder rows
after the window's start, so the initial states stamped exactly at the home's start are
left out — and ``--home --days`` cuts the corpus home the same way, while ``--home``
without ``--days`` keeps those rows; a first row of a history has no predecessor and is
never an onset, so the suggestions are the same either way (checked below).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
import hashlib
import io
import json
from pathlib import Path
import shutil
import sqlite3
import subprocess
from typing import Any

import numpy as np
import pytest

from custom_components.homeiq.core.home import Home
from tests.tools.ha_config_folder import write_config_folder
from tools import suggest
from tools.config_folder import read_config_folder
from tools.homefile import save_corpus, save_home
from tools.synthetic import SyntheticHome, generate_home

START = 1_795_000_000.0
DAYS = 7
DAY = 86_400.0
REPO = Path(__file__).resolve().parents[2]
# What a suggestion holds at least (Suggestion.as_dict may hold more).
SUGGESTION_KEYS = {"id", "cause", "effect", "service", "score", "evidence", "figures", "automation"}


@pytest.fixture(scope="module")
def synthetic() -> SyntheticHome:
    """A 7-day generated home of about 40 entities with a few automations."""
    return generate_home(11, days=DAYS, start_ts=START, target_entities=40)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory, synthetic: SyntheticHome) -> dict[str, Path]:
    """The home as a corpus home, a configuration folder and one without a recorder."""
    root = tmp_path_factory.mktemp("suggest")
    save_home(root / "home", synthetic)
    write_config_folder(root / "config", synthetic.home)
    write_config_folder(root / "cold", synthetic.home, history=False)
    save_corpus(root / "corpus", [synthetic])
    return {name: root / name for name in ("home", "config", "cold", "corpus")}


def run(*argv: str) -> tuple[int, str]:
    """Run scripts/suggest; (exit code, standard output)."""
    out = io.StringIO()
    code = suggest.main(list(argv), out=out)
    return code, out.getvalue()


def run_json(*argv: str) -> list[dict[str, Any]]:
    """Run scripts/suggest --json and parse what it printed."""
    code, text = run(*argv, "--json")
    assert code == 0
    parsed = json.loads(text)
    assert isinstance(parsed, list)
    return parsed


def rows_after_start(home: Home) -> dict[str, tuple[list[float], list[str], list[int]]]:
    """Each history's rows after the window's start."""
    assert home.window_start is not None
    found = {}
    for entity_id, history in home.histories.items():
        keep = history.timestamps > home.window_start
        if keep.any():
            part = history.rows(keep)
            found[entity_id] = (part.timestamps.tolist(), part.states(), part.origins.tolist())
    return found


def test_config_folder_reads_the_home(folders: dict[str, Path], synthetic: SyntheticHome) -> None:
    """Structure, automations and history read back from the folder as generated."""
    home = synthetic.home
    read = read_config_folder(folders["config"], days=DAYS, now=home.window_end)
    got = read.home
    assert read.notes == []
    assert read.recorder_schema is not None
    assert got.areas == home.areas
    assert got.entities == home.entities
    assert {d: replace(device, battery_powered=False) for d, device in got.devices.items()} == {
        d: replace(device, battery_powered=False) for d, device in home.devices.items()
    }
    assert got.automations == home.automations
    assert got.time_zone == home.time_zone
    assert (got.window_start, got.window_end) == (home.window_start, home.window_end)
    assert {
        e: (h.timestamps.tolist(), h.states(), h.origins.tolist()) for e, h in got.histories.items()
    } == rows_after_start(home)
    assert read.history_rows == sum(len(rows[0]) for rows in rows_after_start(home).values())


def test_config_now_defaults_to_the_newest_recorded_state(
    folders: dict[str, Path], synthetic: SyntheticHome
) -> None:
    """A copy of a configuration reads as of its newest recorded state."""
    newest = max(float(h.timestamps[-1]) for h in synthetic.home.histories.values() if len(h))
    read = read_config_folder(folders["config"], days=DAYS)
    assert read.now == newest
    assert read.home.window_end == newest


def test_config_and_home_give_the_same_suggestions(
    folders: dict[str, Path], synthetic: SyntheticHome
) -> None:
    """The same suggestions, in the same order, with the same scores and automations."""
    end = str(synthetic.home.window_end)
    from_config = run_json("--config", str(folders["config"]), "--days", str(DAYS), "--now", end)
    from_home = run_json("--home", str(folders["home"]), "--days", str(DAYS))
    assert len(from_config) == 10
    assert from_config == from_home
    whole_home = run_json("--home", str(folders["home"]), "--limit", "100")
    # The whole history: the folder's default window, ending at the same time (the learned
    # models' activity features are counted back from it).
    whole_config = run_json("--config", str(folders["config"]), "--limit", "100", "--now", end)
    assert [(s["cause"], s["effect"]) for s in whole_config] == [
        (s["cause"], s["effect"]) for s in whole_home
    ]
    assert any(s["figures"] is not None for s in from_config[:5])


def test_json_has_the_fields(folders: dict[str, Path]) -> None:
    """Each suggestion: pair, service, score, evidence and a complete automation."""
    parsed = run_json("--config", str(folders["config"]), "--limit", "5")
    assert len(parsed) == 5
    scores = [s["score"] for s in parsed]
    assert scores == sorted(scores, reverse=True)
    for item in parsed:
        assert set(item) >= SUGGESTION_KEYS
        assert isinstance(item["cause"], str)
        assert item["service"].count(".") == 1
        assert isinstance(item["evidence"], str)
        assert item["evidence"]
        automation = item["automation"]
        assert automation["id"] == f"homeiq_{item['id']}"
        assert automation["triggers"]
        assert automation["actions"]
        assert automation["mode"]


def test_text_lists_rank_score_service_and_evidence(
    folders: dict[str, Path], synthetic: SyntheticHome
) -> None:
    """The readable output: a header, then one numbered block per suggestion."""
    top = run_json("--home", str(folders["home"]), "--limit", "3")
    code, text = run("--home", str(folders["home"]), "--limit", "3")
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == f"HomeIQ suggestions for the home {folders['home']}"
    assert lines[1].startswith(f"{len(synthetic.home.entities)} entities in ")
    assert f"{DAYS:.1f} days of history" in lines[1]
    assert "ranker: v0 (bundled)" in lines[1]
    # The bundled learned models take part as in the integration (the pair model up to 7
    # days of history).
    assert lines[1].endswith("learned models: pairs blended in (up to 7 days of history)")
    assert lines[2].endswith(f"showing 3 of {lines[2].split(' of ')[-1]}")
    blocks = text.split("\n\n")[1:]
    assert len(blocks) == 3
    for rank, (block, item) in enumerate(zip(blocks, top, strict=True), start=1):
        head, evidence = block.strip("\n").split("\n")
        assert head.startswith(f"{rank}. {item['score']:.3f}  {item['service']}  ")
        assert head.endswith(f"({item['cause']} → {item['effect'] or 'notify'})")
        assert evidence.strip() == item["evidence"]


def test_cold_start_without_a_recorder(
    folders: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """No database: suggestions from the rules and the structure alone, and a note."""
    parsed = run_json("--config", str(folders["cold"]), "--limit", "200")
    assert "no history (cold start" in capsys.readouterr().err
    assert parsed
    assert all(item["figures"] is None for item in parsed)
    assert all(item["automation"]["triggers"] for item in parsed)
    code, text = run("--config", str(folders["cold"]), "--limit", "1")
    assert code == 0
    assert "no history (cold start: rules and structure only)" in text.splitlines()[1]


def test_the_database_is_only_read(folders: dict[str, Path], tmp_path: Path) -> None:
    """The recorder database is opened read-only: nothing in the folder changes."""
    config = tmp_path / "config"
    shutil.copytree(folders["config"], config)
    before = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in config.iterdir() if p.is_file()
    }
    (config / "home-assistant_v2.db").chmod(0o444)
    assert run("--config", str(config), "--json")[0] == 0
    after = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in config.iterdir() if p.is_file()
    }
    assert after == before


def test_unknown_recorder_schema_reads_no_history(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schema HomeIQ does not know: no history (as the integration), said so."""
    config = tmp_path / "config"
    shutil.copytree(folders["config"], config)
    with sqlite3.connect(config / "home-assistant_v2.db") as db:
        db.execute("INSERT INTO schema_changes (schema_version, changed) VALUES (99, '2030-01-01')")
    parsed = run_json("--config", str(config), "--limit", "200")
    assert "schema version 99, which HomeIQ does not know" in capsys.readouterr().err
    assert all(item["figures"] is None for item in parsed)


def test_yaml_tags_and_inline_automations(
    folders: dict[str, Path], synthetic: SyntheticHome, tmp_path: Path
) -> None:
    """``!secret``, ``!include``, ``!input`` … are placeholders; an automation of
    ``configuration.yaml`` counts too, and the pairs automated are not suggested."""
    config = tmp_path / "config"
    shutil.copytree(folders["cold"], config)
    top = run_json("--config", str(config), "--limit", "1")[0]
    cause, effect, service = top["cause"], top["effect"], top["service"]
    target = f"    target:\n      entity_id: {effect}\n" if effect else ""
    (config / "automations.yaml").write_text(
        "- id: '1'\n"
        "  alias: Tagged\n"
        "  triggers:\n"
        f"  - trigger: state\n    entity_id: {cause}\n"
        "  - trigger: state\n    entity_id: !input motion_sensor\n"
        "  actions:\n"
        f"  - action: {service}\n{target}"
        "  - action: notify.mobile_app\n    data:\n      message: !secret note\n"
        "      extra: !include extra.yaml\n      list: !include_dir_list parts\n"
        "      env: !env_var HOME\n",
        encoding="utf-8",
    )
    (config / "configuration.yaml").write_text(
        "homeassistant:\n  name: !secret home_name\n"
        "automation: !include automations.yaml\n"
        "automation manual:\n"
        "- alias: Inline\n  triggers:\n  - trigger: state\n    entity_id: sun.sun\n"
        "  actions:\n  - action: light.turn_on\n    target:\n      entity_id: light.nowhere\n",
        encoding="utf-8",
    )
    read = read_config_folder(config, days=DAYS)
    tagged, inline = read.home.automations[0], read.home.automations[-1]
    assert (tagged.name, tagged.trigger_entities) == ("Tagged", (cause,))
    assert "notify.mobile_app" in tagged.action_services
    assert (inline.name, inline.action_entities) == ("Inline", ("light.nowhere",))
    assert len(read.home.automations) == 2
    assert (cause, effect or "notify") not in {
        (s["cause"], s["effect"] or "notify") for s in run_json("--config", str(config))
    }


def test_missing_files_and_other_registry_versions(
    folders: dict[str, Path], synthetic: SyntheticHome, tmp_path: Path
) -> None:
    """Missing registries and automations read as empty; an old minor version with fewer
    fields and a newer major version read for the fields they have."""
    config = tmp_path / "config"
    shutil.copytree(folders["cold"], config)
    (config / ".storage" / "core.floor_registry").unlink()
    (config / "automations.yaml").unlink()
    path = config / ".storage" / "core.entity_registry"
    document = json.loads(path.read_text())
    document["minor_version"] = 1
    keep = ("entity_id", "platform", "device_id", "original_name", "unique_id", "disabled_by")
    document["data"] = {"entities": [{k: e[k] for k in keep} for e in document["data"]["entities"]]}
    path.write_text(json.dumps(document))
    devices = config / ".storage" / "core.device_registry"
    document = json.loads(devices.read_text())
    document["version"] = 4
    devices.write_text(json.dumps(document))
    read = read_config_folder(config, days=DAYS)
    assert any("core.floor_registry is missing" in note for note in read.notes)
    assert any("automations.yaml is missing" in note for note in read.notes)
    assert any("core.device_registry is version 4.4, newer" in note for note in read.notes)
    home = synthetic.home
    assert read.home.automations == []
    assert all(area.floor_level is None for area in read.home.areas.values())
    assert set(read.home.entities) == set(home.entities) - {"sun.sun", "zone.home"}
    for entity_id, entity in read.home.entities.items():
        expected = home.entities[entity_id]
        assert (entity.name, entity.device_id, entity.enabled) == (
            expected.name,
            expected.device_id,
            expected.enabled,
        )
        assert entity.device_class is None
    assert run("--config", str(config))[0] == 0


def _corrupt(config: Path, name: str, text: str) -> Path:
    """A folder with ``name`` holding ``text`` (and Home Assistant's version file)."""
    (config / ".HA_VERSION").write_text("2026.10.0", encoding="utf-8")
    target = config / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return config


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda f, t: ["--config", str(t / "nowhere")], "is not a folder"),
        (lambda f, t: ["--config", str(t)], "is not a Home Assistant configuration folder"),
        (lambda f, t: ["--config", str(f["home"])], "is not a Home Assistant configuration folder"),
        (lambda f, t: ["--home", str(f["config"])], "is not a HomeIQ home folder (no home.json)"),
        (lambda f, t: ["--home", str(f["corpus"])], "it is a corpus: pass one of its homes"),
        (lambda f, t: ["--home", str(t / "nowhere")], "is not a folder"),
        (
            lambda f, t: ["--config", str(_corrupt(t, ".storage/core.entity_registry", "{"))],
            "core.entity_registry: cannot read JSON",
        ),
        (
            lambda f, t: ["--config", str(_corrupt(t, ".storage/core.area_registry", "[]"))],
            "not a Home Assistant storage file",
        ),
        (
            lambda f, t: ["--config", str(_corrupt(t, "automations.yaml", "- a: [\n"))],
            "automations.yaml: cannot read YAML",
        ),
        (
            lambda f, t: ["--config", str(_corrupt(t, "automations.yaml", "just text\n"))],
            "automations.yaml: expected a list of automations",
        ),
        (
            lambda f, t: ["--config", str(_corrupt(t, "home-assistant_v2.db", "not sqlite"))],
            "cannot read the recorder database",
        ),
        (
            lambda f, t: ["--home", str(_corrupt(t, "home.json", "{}"))],
            "expected format 'homeiq-synthetic-home'",
        ),
    ],
)
def test_errors_exit_2_with_a_message(
    folders: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    build: Any,
    message: str,
) -> None:
    """A folder that is not what it is given as: exit code 2, one clear line, no output."""
    code, text = run(*build(folders, tmp_path))
    assert code == 2
    assert text == ""
    err = capsys.readouterr().err
    assert err.startswith("scripts/suggest: error: ")
    assert message in err


def test_home_window_options(folders: dict[str, Path], synthetic: SyntheticHome) -> None:
    """``--home --days N --now T``: the N days before T of the home."""
    end = synthetic.home.window_end
    assert end is not None
    home = suggest.read_home_folder(folders["home"], days=2, now=end - DAY)
    assert (home.window_start, home.window_end) == (end - 3 * DAY, end - DAY)
    for history in home.histories.values():
        assert np.all(history.timestamps > end - 3 * DAY)
        assert np.all(history.timestamps <= end - DAY)
    iso = datetime.fromtimestamp(end - DAY, UTC).isoformat()
    code, text = run("--home", str(folders["home"]), "--days", "2", "--now", iso)
    assert code == 0
    assert "2.0 days of history" in text


def test_the_script_takes_paths_from_where_it_runs(folders: dict[str, Path]) -> None:
    """``scripts/suggest`` runs from any directory, with paths relative to it."""
    result = subprocess.run(
        [str(REPO / "scripts" / "suggest"), "--home", "home", "--limit", "1", "--json"],
        cwd=folders["home"].parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 1
    missing = subprocess.run(
        [str(REPO / "scripts" / "suggest"), "--config", "nowhere"],
        cwd=folders["home"].parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stderr == "scripts/suggest: error: nowhere is not a folder\n"
