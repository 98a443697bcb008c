"""Persistent sentence-level translation cache (sqlite).

One row per (model key, source sentence): the model key names the model and the decoding
settings (see ``ArgosTranslator.model_key``), the sentence is stored as its SHA-256. Writes are
committed per batch, so an interrupted run keeps everything that finished.

The cache never raises to its user. A corrupt file is renamed aside
(``<name>.corrupt-<timestamp>``) and a fresh database is used; an unwritable location, a locked
database or a full disk switch the cache to memory for the rest of the run. Each of these adds
a line to ``warnings``.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from reader.store.sqlite_files import SqliteFile, is_corruption

SCHEMA_VERSION = 1
FILENAME = "translations.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    translation TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (model, source_hash)
) WITHOUT ROWID
"""

# sqlite limits the number of host parameters per statement (999 in old builds).
_CHUNK = 500


def default_cache_path() -> Path:
    """``translations.sqlite3`` in the user cache dir (honours ``XDG_CACHE_HOME``)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("qari", appauthor=False)) / FILENAME


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()




class TranslationCache(SqliteFile):
    """Thread-safe sqlite cache of translations: ``get_many`` / ``put_many`` by model key.

    ``path=None`` uses :func:`default_cache_path`; ``path=":memory:"`` keeps everything in memory.
    """

    NOUN = "translation cache"
    DIRECTORY = "cache"
    MEMORY_NOTE = "using memory"

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 2.0) -> None:
        super().__init__(path, timeout=timeout, default_path=default_cache_path)

    # -- public API -------------------------------------------------------------------------

    def get_many(self, model: str, texts: Iterable[str]) -> dict[str, str]:
        """Cached translations for ``texts`` under ``model``: {text: translation} for the hits."""
        by_hash: dict[str, list[str]] = {}
        for text in texts:
            by_hash.setdefault(source_hash(text), []).append(text)
        if not by_hash:
            return {}
        hashes = list(by_hash)
        found: dict[str, str] = {}

        def run(conn: sqlite3.Connection) -> None:
            for i in range(0, len(hashes), _CHUNK):
                chunk = hashes[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT source_hash, translation FROM translations WHERE model = ? AND source_hash IN ({marks})",
                    [model, *chunk],
                ).fetchall()
                for h, translation in rows:
                    for text in by_hash.get(h, ()):
                        found[text] = translation

        self._run(run, "read")
        return found

    def get(self, model: str, text: str) -> str | None:
        return self.get_many(model, [text]).get(text)

    def put_many(self, model: str, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Store translations (one transaction: all of ``items`` or, on failure, none)."""
        pairs = items.items() if isinstance(items, Mapping) else items
        now = time.time()
        rows = [(model, source_hash(text), translation, now) for text, translation in pairs]
        if not rows:
            return

        def run(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO translations (model, source_hash, translation, created) VALUES (?, ?, ?, ?)",
                    rows,
                )

        self._run(run, "write")

    def put(self, model: str, text: str, translation: str) -> None:
        self.put_many(model, [(text, translation)])

    def count(self, model: str | None = None) -> int:
        result = [0]

        def run(conn: sqlite3.Connection) -> None:
            if model is None:
                result[0] = conn.execute("SELECT count(*) FROM translations").fetchone()[0]
            else:
                result[0] = conn.execute("SELECT count(*) FROM translations WHERE model = ?", (model,)).fetchone()[0]

        self._run(run, "read")
        return result[0]

    def clear(self, model: str | None = None) -> None:
        def run(conn: sqlite3.Connection) -> None:
            with conn:
                if model is None:
                    conn.execute("DELETE FROM translations")
                else:
                    conn.execute("DELETE FROM translations WHERE model = ?", (model,))

        self._run(run, "write")

    # -- internals --------------------------------------------------------------------------

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=self._timeout, check_same_thread=False, isolation_level="DEFERRED")
        try:
            if target != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:  # new file, or another layout (any version, 0 too): (re)create
                with conn:
                    conn.execute("DROP TABLE IF EXISTS translations")
                    conn.execute(_SCHEMA)
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("SELECT count(*) FROM translations WHERE model = ''").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _run(self, fn, what: str) -> None:
        """Run ``fn(conn)`` under the lock; on failure recover as documented, then retry once."""
        with self._lock:
            for attempt in range(2):
                if self._conn is None:
                    self._use_memory(None)
                try:
                    fn(self._conn)
                    return
                except sqlite3.DatabaseError as exc:
                    if self.in_memory or attempt:
                        self._warn(f"translation cache {what} failed ({exc})")
                        return
                    if is_corruption(exc):
                        self._set_aside(exc)
                    else:  # locked, read-only, disk full, I/O error
                        self._use_memory(f"translation cache {self.path} failed to {what} ({exc}); using memory")
