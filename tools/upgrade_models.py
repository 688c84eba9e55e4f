"""Rewrite bundled models of format version 1 as version 2: ``python -m tools.upgrade_models``.

Only each ``model.json`` changes: its sha256 and array list become the entry of the one npz
blob, ``model``. ``model.npz`` is left byte for byte, so the arrays, the metadata and every
prediction stay exactly what they were; nothing is retrained. Each model is read and
checked in full before and after. Prints one line per model.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

from custom_components.homeiq.core.ml.blobs import MODEL_JSON
from custom_components.homeiq.core.ml.registry import upgrade_model

BUNDLED_ROOT = Path(__file__).resolve().parent.parent / "custom_components/homeiq/models"


def upgrade_all(root: Path) -> dict[str, bool]:
    """Upgrade every model directory under ``root``; which ones were rewritten."""
    return {
        directory.name: upgrade_model(directory)
        for directory in sorted(root.iterdir())
        if (directory / MODEL_JSON).is_file()
    }


def main() -> int:
    """Upgrade the bundled models (or those under ``--root``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=BUNDLED_ROOT, help="model directories")
    args = parser.parse_args()
    for name, upgraded in upgrade_all(args.root).items():
        print(f"{name}: {'upgraded to format version 2' if upgraded else 'already version 2'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
