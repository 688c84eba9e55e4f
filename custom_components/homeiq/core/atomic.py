"""Crash-safe writes: a file or a directory is either the old one or the new one, never half.

Everything HomeIQ persists (the history store, models, the corpus) goes through here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
import os
from pathlib import Path
import shutil
import tempfile
from typing import IO
import uuid


def write_file_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` through a temporary sibling that replaces it once complete and synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def hidden_sibling(path: Path) -> Path:
    """A fresh hidden ``.tmp`` sibling name of ``path``."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")


def replace_directory(staging: Path, target: Path) -> None:
    """Move the complete directory ``staging`` to ``target``, replacing what is there.

    An existing ``target`` is moved aside first and restored if the move fails.
    """
    if not target.exists():
        os.replace(staging, target)
        fsync_directory(target.parent)
        return
    old = hidden_sibling(target)
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
    fsync_directory(target.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename durable; not every platform can open a directory, hence best effort."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
