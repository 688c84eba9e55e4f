"""Whether training can run here (each capability imports scikit-learn lazily, inside its fit).

Home Assistant OS cannot install scikit-learn; :func:`training_unavailable` tells the
integration whether training can run here, and why not.
"""

from __future__ import annotations

import importlib


def training_unavailable() -> str | None:
    """``None`` when scikit-learn imports here, else the reason it does not (blocking import)."""
    try:
        importlib.import_module("sklearn.ensemble")
    except ImportError as err:
        return f"scikit-learn cannot be imported on this system ({err})"
    return None
