"""Tests for scripts/generate and scripts/benchmark's code."""

from __future__ import annotations

from pathlib import Path
import sqlite3

import yaml

from tools.benchmark import bench_history_read, bench_model_steps
from tools.generate import SIM_HOME, automation_configs, main
from tools.homefile import load_corpus, load_home
from tools.synthetic import generate_corpus


def test_corpus_command(tmp_path: Path) -> None:
    """The corpus command writes the homes generate_corpus makes, loadable again."""
    out = tmp_path / "corpus"
    assert main(["corpus", "--homes", "3", "--seed", "5", "--days", "2", "--out", str(out)]) == 0
    loaded = load_corpus(out)
    expected = generate_corpus(3, 5, days=2)
    assert [s.truth.home_type for s in loaded] == [s.truth.home_type for s in expected]
    for got, want in zip(loaded, expected, strict=True):
        assert sorted(got.home.entities) == sorted(want.home.entities)
        assert {e: len(h) for e, h in got.home.histories.items()} == {
            e: len(h) for e, h in want.home.histories.items()
        }


def test_ha_config_command(tmp_path: Path) -> None:
    """ha-config writes the recorder database, the home and its automations."""
    config = tmp_path / "config"
    assert main(["ha-config", "--config", str(config), "--seed", "2", "--days", "3"]) == 0
    synthetic = load_home(config / SIM_HOME)
    rows = sum(len(h) for h in synthetic.home.histories.values())
    with sqlite3.connect(config / "home-assistant_v2.db") as db:
        assert db.execute("SELECT COUNT(*) FROM states").fetchone()[0] == rows
        assert db.execute("SELECT COUNT(*) FROM states_meta").fetchone()[0] == len(
            synthetic.home.histories
        )
    written = yaml.safe_load((config / "automations.yaml").read_text())
    assert written == automation_configs(synthetic.home)
    assert len(written) == len(synthetic.home.automations) > 0


def test_ha_config_keeps_existing_automations(tmp_path: Path) -> None:
    """Automations the developer already has are never overwritten."""
    config = tmp_path / "config"
    config.mkdir()
    mine = "- id: mine\n  alias: Mine\n  triggers: []\n  actions: []\n"
    (config / "automations.yaml").write_text(mine)
    assert main(["ha-config", "--config", str(config), "--days", "1"]) == 0
    assert (config / "automations.yaml").read_text() == mine


def test_benchmark_reads_every_row() -> None:
    """The benchmark's adapter path reads back every written row (figures are not asserted)."""
    figures = bench_history_read(entities=20, days=2, repeat=1)
    assert figures["history_rows"] > 0
    assert figures["history_rows_read"] == figures["history_rows"]
    assert figures["history_read_rows_per_s"] > 0
    assert figures["raw_sqlite_rows_per_s"] > 0


def test_benchmark_times_every_model_step() -> None:
    """Each nightly model step is timed, also when it skips for too little data."""
    figures = bench_model_steps(entities=20, days=10, repeat=1)
    assert set(figures) == {"train_failure_s", "train_anomaly_s", "home_type_s", "devices_s"}
    assert all(seconds >= 0.0 for seconds in figures.values())
