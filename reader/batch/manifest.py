"""The run manifest: per-article status, job key, output hashes and timings in OUTDIR.

Separate because it is the batch's only database (sqlite, ``OUTDIR/qari-batch.sqlite3``), what
resume reads: every row is committed after its article's files are written.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path

from reader.batch.work import BatchError, BatchSettings, Result

MANIFEST = "qari-batch.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    input_hash TEXT,
    job_key TEXT,
    outputs TEXT NOT NULL DEFAULT '{}',
    sentences INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    warnings TEXT,
    run INTEGER,
    finished REAL,
    seconds REAL,
    prepare_s REAL,
    translate_s REAL,
    write_s REAL,
    worker TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    status TEXT,
    mode TEXT,
    settings TEXT,
    articles INTEGER,
    done INTEGER,
    unchanged INTEGER,
    failed INTEGER,
    sentences INTEGER
);
"""


class Manifest:
    """Per-article status, one-line error and timings in ``OUTDIR/qari-batch.sqlite3``; every
    row is committed when its article's files are written."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / MANIFEST
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise BatchError(f"{self.path}: cannot write the run manifest ({_sqlite_reason(exc, outdir)})") from None

    def done_rows(self) -> dict[str, tuple[str, dict[str, str]]]:
        rows = self.conn.execute("SELECT id, job_key, outputs FROM articles WHERE status = 'done'").fetchall()
        return {r[0]: (r[1], json.loads(r[2] or "{}")) for r in rows}

    def start_run(self, mode: str, settings: BatchSettings, articles: int) -> int:
        cur = self._write("INSERT INTO runs (started, status, mode, settings, articles) VALUES (?, 'running', ?, ?, ?)",
                          (time.time(), mode, settings.output_key(), articles))
        run = cur.lastrowid
        assert run is not None  # set by every INSERT
        return run

    def finish_run(self, run: int, status: str, counts: dict[str, int]) -> None:
        self._write("UPDATE runs SET finished = ?, status = ?, done = ?, unchanged = ?, failed = ?, sentences = ? "
                    "WHERE run = ?", (time.time(), status, counts["done"], counts["unchanged"], counts["failed"],
                                      counts["sentences"], run))

    def record(self, run: int, result: Result, key: str | None, outputs: dict[str, str], write_s: float) -> None:
        t = result.timings
        self._write(
            "INSERT OR REPLACE INTO articles (id, source, status, input_hash, job_key, outputs, sentences, error, "
            "warnings, run, finished, seconds, prepare_s, translate_s, write_s, worker) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result.id, result.source, result.status, result.input_hash, key, json.dumps(outputs, sort_keys=True),
             result.sentences, result.error, json.dumps(result.warnings, ensure_ascii=False) if result.warnings else None,
             run, time.time(), t.get("total"), t.get("prepare"), t.get("translate"), write_s, result.worker or None))

    def _write(self, sql: str, params: tuple) -> sqlite3.Cursor:
        params = tuple(storable(p) if isinstance(p, str) else p for p in params)
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise BatchError(f"{self.path}: cannot write the run manifest ({_sqlite_reason(exc, self.path.parent)})") from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


def storable(text: str) -> str:
    """``text`` as sqlite can store it: a file name's bytes that are not UTF-8 (surrogate-escaped
    by Python) as ``\\xff``, the same way each time so a rerun finds its row."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _sqlite_reason(exc: Exception, folder: Path) -> str:
    """sqlite's message, made concrete with the folder's own errno when it has one."""
    message = str(exc)
    if not os.access(folder, os.W_OK) or _read_only(folder):
        return "Read-only file system" if _read_only(folder) else "Permission denied"
    if "full" in message:
        return "No space left on device"
    return message


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
