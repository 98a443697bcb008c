"""What qari's sqlite files (the translation cache, the library) share: telling a corrupt file
from a busy or unwritable one, moving a corrupt file aside with its journal files (the user's
data is kept for inspection and a fresh file is started), and falling back to memory, with one
warning, when the file cannot be used (`SqliteFile`)."""

from __future__ import annotations

import os
import sqlite3
import threading
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


class SqliteFile:
    """A sqlite file that never stops the reader: opened in WAL mode, a corrupt file moved aside
    and started afresh, a locked, read-only or unopenable one replaced by memory for the run,
    each with one warning in `warnings`. Subclasses give `_connect` (the schema), `NOUN` and
    `MEMORY_NOTE` (for the messages), and their own reads and writes; `_lock` guards `_conn`."""

    NOUN = "database"
    DIRECTORY = "data"
    MEMORY_NOTE = "using memory"
    REFUSED: tuple[type[Exception], ...] = ()
    """Errors of `_connect` that mean "a file this qari must not touch" (kept, memory used)."""

    def __init__(self, path, *, timeout: float, default_path) -> None:
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._timeout = timeout
        self._conn: sqlite3.Connection | None = None
        self.in_memory = False
        self.read_only = False
        if path is None:
            try:
                path = default_path()
            except Exception as exc:  # platformdirs failure: unusual, but never fatal
                self._warn(f"{self.NOUN}: no {self.DIRECTORY} directory ({exc}); {self.MEMORY_NOTE}")
                path = ":memory:"
        self.path: Path | None = None if str(path) == ":memory:" else Path(path)
        with self._lock:
            self._open()

    def _connect(self, target: str) -> sqlite3.Connection:
        raise NotImplementedError

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'memory' if self.in_memory else self.path})"

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _connection(self) -> sqlite3.Connection:
        """The open connection; a memory one first when there is none (a corrupt file that could
        not be set aside and recreated leaves none). Call with `_lock` held."""
        if self._conn is None:
            self._use_memory(None)
        conn = self._conn
        assert conn is not None  # _use_memory always connects (or raises)
        return conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _open(self) -> None:
        if self.path is None:
            self._use_memory(None)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect(str(self.path))
        except self.REFUSED as exc:
            self._use_memory(f"{self.NOUN} {self.path} was written by a newer qari ({exc}); left it as it is,"
                             f" {self.MEMORY_NOTE}")
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                self._set_aside(exc)
            elif not self._open_read_only(exc):  # locked, read-only, cannot open
                self._use_memory(f"{self.NOUN} {self.path} is not usable ({exc}); {self.MEMORY_NOTE}")
        except OSError as exc:
            self._use_memory(f"{self.NOUN} {self.path} is not usable ({exc.strerror or exc}); {self.MEMORY_NOTE}")

    def _open_read_only(self, exc: Exception) -> bool:
        """After ``exc`` opening the file for writing: open it read-only instead, if this kind of
        file is worth reading without writing (a subclass says how); True when it did."""
        return False

    def _set_aside(self, exc: Exception) -> None:
        assert self.path is not None
        self._drop_connection()
        try:
            aside = move_aside(self.path)
        except OSError as err:
            self._use_memory(f"{self.NOUN} {self.path} is corrupt ({exc}) and could not be moved ({err});"
                             f" {self.MEMORY_NOTE}")
            return
        self._warn(f"{self.NOUN} {self.path} was corrupt ({exc}); moved it to {aside.name} and started a new one")
        try:
            self._conn = self._connect(str(self.path))
        except (sqlite3.Error, OSError) + self.REFUSED as err:
            self._use_memory(f"{self.NOUN} {self.path} could not be recreated ({err}); {self.MEMORY_NOTE}")

    def _use_memory(self, message: str | None) -> None:
        if message:
            self._warn(message)
        self._drop_connection()
        self._conn = self._connect(":memory:")
        self.in_memory = True
