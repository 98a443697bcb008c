"""What qari's sqlite files (the translation cache, the library) share: telling a corrupt file
from a busy or unwritable one, and moving a corrupt file aside with its journal files, so the
user's data is kept for inspection and a fresh file can be started."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """True when the file is damaged (not when it is locked, read-only or cannot be opened)."""
    if isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return any(s in message for s in ("not a database", "malformed", "corrupt", "file is encrypted"))


def move_aside(path: Path) -> Path:
    """Rename `path` (and its -wal/-shm/-journal files) to `<name>.corrupt-<time>[-n]`; returns
    the new name. Raises OSError when it cannot be moved."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    return aside
