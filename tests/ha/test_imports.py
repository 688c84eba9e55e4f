"""What Home Assistant loads with HomeIQ: never the synthetic generator or other tools, and
no training library (torch, scikit-learn …) until a training function runs."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

REPO = Path(__file__).resolve().parents[2]

# Imports the integration and every module in it (each HA platform, core, home), as Home
# Assistant would, and prints the modules that came with them.
PROBE = """
import importlib, pkgutil, sys
import custom_components.homeiq as integration
names = [m.name for m in pkgutil.walk_packages(integration.__path__, integration.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(len(names))
for name in sorted(sys.modules):
    print(name)
"""


def test_integration_imports_no_tools() -> None:
    """Importing HomeIQ's modules loads no ``tools`` module and nothing ``synthetic``."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    count, *loaded = result.stdout.split()
    assert int(count) >= 20
    assert "custom_components.homeiq.sensor" in loaded
    assert "custom_components.homeiq.binary_sensor" in loaded
    assert "custom_components.homeiq.core.home_type" in loaded
    offending = [
        name
        for name in loaded
        if name == "tools" or name.startswith("tools.") or "synthetic" in name
    ]
    assert offending == []
    # Inference is numpy only: the training libraries are imported inside training functions.
    heavy = {"torch", "torch_geometric", "sklearn", "transformers", "peft"}
    assert [name for name in loaded if name.partition(".")[0] in heavy] == []
