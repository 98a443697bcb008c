"""The reading library (sqlite): every article opened, where the reader stopped, and marks.

Why a database and what it keeps: the reader reopens an article later (``qari --resume``, the
library screen) without the network or the pipe it came from, so the *normalised text* itself
is stored, keyed by its SHA-256 (the same text opened twice is one entry, whatever its source).
Beside it: title, source, when it was first and last opened, the reading position (a
``Sentence.number``), the sentence count, how many sentences are translated, and marks
(sentence number + optional note).

Two qari windows may write at once: the file is in WAL mode with a busy timeout, and every
write is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken up front, so two writers
queue instead of failing mid-transaction on a lock upgrade). sqlite's journal makes a crash
mid-write roll back on the next open; nothing here rewrites or truncates the file.

Like the translation cache (``reader/translation/cache.py``) the library never raises to its user and
never stops the reader: a corrupt file is renamed aside (``<name>.corrupt-<timestamp>``) and a
fresh one is started; a locked database, an unwritable data dir, or a file from a newer qari
(never dropped: it is the user's history) switch to an in-memory library for this run. Each
of these adds one line to ``warnings``.

Filtering compares ``reader.text.arabic.search_key`` folds (no tashkeel, alef/ya/ta-marbuta
variants unified, casefolded) stored beside title and source when an entry is written, so a
filter over 10,000 entries is one indexed-free SQL scan with ``instr`` and no Python per row.

No Textual here: the CLI uses it headless and ``widgets/library_screen.py`` draws it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from reader.text.arabic import search_key
from reader.store.sqlite_files import SqliteFile, is_corruption

if TYPE_CHECKING:
    from reader.model import Article

FILENAME = "library.sqlite3"
ENV_PATH = "QARI_LIBRARY"
NOTE_MAX = 200
"""Marks carry a *short* note; a longer one is cut here rather than refused."""

_SCHEMA_V1 = (
    """
    CREATE TABLE IF NOT EXISTS articles (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        title_key TEXT NOT NULL,
        source_key TEXT NOT NULL,
        first_opened REAL NOT NULL,
        opened_at REAL NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        sentences INTEGER NOT NULL DEFAULT 0,
        translated INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL  -- last: a scan of the short columns never walks a text's overflow pages
    )
    """,
    "CREATE INDEX IF NOT EXISTS articles_opened ON articles (opened_at DESC)",
    """
    CREATE TABLE IF NOT EXISTS marks (
        article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        PRIMARY KEY (article_id, number)
    ) WITHOUT ROWID
    """,
)

_SCHEMA_V2_STRUCTURE = (
    # One letter per paragraph of the stored text ("h" heading, "p" paragraph), so a resumed
    # article is rebuilt with the structure it was read with (a web page's headings come from
    # its tags and cannot be guessed back from the text). NULL for entries recorded before.
    "ALTER TABLE articles ADD COLUMN structure TEXT",
)

_SCHEMA_VOCABULARY = (
    # Saved words (reader/store/vocabulary.py): the form as it appeared, the reading chosen, the
    # sentence and where it came from. Title and source are copied: a word outlives its
    # article's entry. One row per (form without tashkeel, lemma).
    """
    CREATE TABLE IF NOT EXISTS words (
        id INTEGER PRIMARY KEY,
        form TEXT NOT NULL,
        form_key TEXT NOT NULL,
        lemma_id TEXT NOT NULL,
        lemma TEXT NOT NULL,
        vocalised TEXT NOT NULL,
        pos TEXT NOT NULL,
        gloss TEXT NOT NULL,
        context TEXT NOT NULL DEFAULT '',
        context_en TEXT,
        article_id TEXT,
        title TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        sentence INTEGER,
        added REAL NOT NULL,
        lookups INTEGER NOT NULL DEFAULT 1,
        UNIQUE (form_key, lemma_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS words_article ON words (article_id)",
    # Known words, by lemma: every form of a known lemma is known.
    """
    CREATE TABLE IF NOT EXISTS known_lemmas (
        lemma_id TEXT PRIMARY KEY,
        lemma TEXT NOT NULL DEFAULT '',
        added REAL NOT NULL
    ) WITHOUT ROWID
    """,
    # What an article's difficulty needs from its text (JSON), so listing needs no lexicon.
    """
    CREATE TABLE IF NOT EXISTS article_profiles (
        article_id TEXT PRIMARY KEY,
        profile TEXT NOT NULL
    ) WITHOUT ROWID
    """,
)

_SCHEMA_FEEDS = (
    # Feed subscriptions and their items (reader/store/feeds.py). `etag`/`modified` are the
    # validators of the last 200 answer, sent back on the next update (conditional GET).
    """
    CREATE TABLE IF NOT EXISTS feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        site TEXT NOT NULL DEFAULT '',
        etag TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL DEFAULT '',
        added_at REAL NOT NULL,
        checked_at REAL,
        error TEXT NOT NULL DEFAULT ''
    )
    """,
    # One row per item, deduplicated on `key` (the guid, else the link) within its feed.
    # `article_id` is the library entry holding the item's article once it was fetched.
    """
    CREATE TABLE IF NOT EXISTS feed_items (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        link TEXT NOT NULL,
        title TEXT NOT NULL,
        title_key TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        published REAL NOT NULL,
        fetched_at REAL NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        article_id TEXT,
        UNIQUE (feed_id, key)
    )
    """,
    "CREATE INDEX IF NOT EXISTS feed_items_published ON feed_items (published DESC, id DESC)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_SCHEMA_V1, _SCHEMA_V2_STRUCTURE, _SCHEMA_VOCABULARY, _SCHEMA_FEEDS)
"""The schema, one step per version: ``MIGRATIONS[i]`` takes a file from version ``i`` to
``i + 1``. A new feature appends a step (never edits an old one), so a library written by any
earlier qari is brought up to date in order, in one transaction."""

SCHEMA_VERSION = len(MIGRATIONS)

_ENTRY_COLUMNS = "id, title, source, first_opened, opened_at, position, sentences, translated"

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """One article in the library. ``text`` is filled by :meth:`Library.get` only (listing
    10,000 entries must not load 10,000 article texts)."""

    id: str
    title: str
    source: str
    first_opened: float
    opened_at: float
    position: int
    sentences: int
    translated: int
    text: str | None = None
    structure: str | None = None
    """One letter per paragraph of ``text`` ("h" heading, "p" paragraph); filled with ``text``."""

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def to_json(self) -> dict:
        """`position` counts from 1, as the reader and `qari library` show it (`31/32`);
        `index` is the same sentence counted from 0 (the API's `position`)."""
        return {
            "id": self.id, "title": self.title, "source": self.source,
            "first_opened": self.first_opened, "opened_at": self.opened_at,
            "position": min(self.position + 1, self.sentences), "index": self.position,
            "sentences": self.sentences, "translated": self.translated,
        }


@dataclass(frozen=True)
class Mark:
    article_id: str
    number: int
    note: str
    created_at: float


def default_library_path() -> Path:
    """``$QARI_LIBRARY`` if set, else ``library.sqlite3`` in the user data dir (honours
    ``XDG_DATA_HOME``)."""
    env = os.environ.get(ENV_PATH)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("qari", appauthor=False)) / FILENAME


def article_id(text: str) -> str:
    """The id of an article: SHA-256 of its normalised text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()




class _NewerSchema(Exception):
    pass


class Library(SqliteFile):
    """Thread-safe library of read articles. Build with :meth:`open`."""

    NOUN = "library"
    DIRECTORY = "data"
    MEMORY_NOTE = "history is kept in memory for this run"
    REFUSED = (_NewerSchema,)

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 2.0) -> None:
        super().__init__(path, timeout=timeout, default_path=default_library_path)

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, timeout: float = 2.0) -> Library:
        """The library at ``path`` (default :func:`default_library_path`; ``":memory:"`` for none)."""
        return cls(path, timeout=timeout)

    # -- articles ---------------------------------------------------------------------------

    def record(self, article: Article, *, now: float | None = None) -> Entry:
        """Record that ``article`` was opened (now): a new entry, or the existing one with its
        opened time, title, source and sentence count refreshed (position and progress kept)."""
        from reader.article import structure_of

        text = article.text
        structure = structure_of(article)
        ident = article_id(text)
        title = article.title or ""
        source = str(article.source)
        stamp = time.time() if now is None else now
        count = len(article.sentences)

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO articles (id, text, structure, title, source, title_key, source_key, first_opened,"
                " opened_at, position, sentences, translated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0)"
                " ON CONFLICT (id) DO UPDATE SET title = excluded.title, source = excluded.source,"
                " structure = excluded.structure,"
                " title_key = excluded.title_key, source_key = excluded.source_key,"
                " opened_at = excluded.opened_at, sentences = excluded.sentences,"
                " position = min(position, max(excluded.sentences - 1, 0)),"
                " translated = min(translated, excluded.sentences)",
                (ident, text, structure, title, source, search_key(title), search_key(source), stamp, stamp,
                 count),
            )

        self._write(run, "record the article")
        entry = self.get(ident, with_text=False)
        if entry is None:  # the write failed and was reported: still hand back a usable entry
            entry = Entry(ident, title, source, stamp, stamp, 0, count, 0)
        return entry

    def set_position(self, article_id: str, number: int) -> None:
        """Remember the reading position (a sentence number, clamped to the article)."""
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE articles SET position = max(0, min(?, sentences - 1)) WHERE id = ?",
                (int(number), article_id),
            )

        self._write(run, "save the reading position")

    def set_progress(self, article_id: str, translated: int) -> None:
        """Remember how many sentences are translated (clamped to the sentence count)."""
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE articles SET translated = max(0, min(?, sentences)) WHERE id = ?",
                (int(translated), article_id),
            )

        self._write(run, "save the translation progress")

    @staticmethod
    def _where(filter: str | None) -> tuple[str, list[object]]:
        key = search_key(filter).strip() if filter else ""
        if not key:
            return "", []
        return " WHERE instr(title_key, ?) > 0 OR instr(source_key, ?) > 0", [key, key]

    def save_state(self, article_id: str, position: int | None = None, translated: int | None = None) -> None:
        """Position and/or progress in one transaction (what :class:`ReadingState` flushes)."""
        def run(conn: sqlite3.Connection) -> None:
            if position is not None:
                conn.execute("UPDATE articles SET position = max(0, min(?, sentences - 1)) WHERE id = ?",
                             (int(position), article_id))
            if translated is not None:
                conn.execute("UPDATE articles SET translated = max(0, min(?, sentences)) WHERE id = ?",
                             (int(translated), article_id))

        if position is not None or translated is not None:
            self._write(run, "save the reading position")

    def recent(self, limit: int | None = None, filter: str | None = None) -> list[Entry]:
        """Entries, most recently opened first; ``filter`` keeps those whose title or source
        contains it, ignoring tashkeel, alef variants and case."""
        where, params = self._where(filter)
        sql = f"SELECT {_ENTRY_COLUMNS} FROM articles" + where
        sql += " ORDER BY opened_at DESC, rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        rows: list[tuple] = self._read(lambda conn: conn.execute(sql, params).fetchall(), [])
        return [Entry(*row) for row in rows]

    def count(self, filter: str | None = None) -> int:
        """How many entries ``recent(filter=filter)`` would list (without building them)."""
        where, params = self._where(filter)
        return self._read(lambda conn: conn.execute("SELECT count(*) FROM articles" + where, params).fetchone()[0], 0)

    def get(self, article_id: str, *, with_text: bool = True) -> Entry | None:
        """The entry with this id (with its text unless ``with_text=False``), or None."""
        columns = _ENTRY_COLUMNS + (", text, structure" if with_text else "")
        row = self._read(
            lambda conn: conn.execute(f"SELECT {columns} FROM articles WHERE id = ?", (article_id,)).fetchone(),
            None,
        )
        return Entry(*row) if row else None

    def find_id(self, prefix: str) -> list[str]:
        """Ids starting with ``prefix`` (the CLI shows 12-character ids)."""
        prefix = prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            return []
        rows: list[tuple] = self._read(
            lambda conn: conn.execute(
                "SELECT id FROM articles WHERE substr(id, 1, ?) = ? LIMIT 2", (len(prefix), prefix)
            ).fetchall(),
            [],
        )
        return [r[0] for r in rows]

    def remove(self, article_id: str) -> bool:
        """Remove an entry and its marks; True if it was there."""
        removed = [False]

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM marks WHERE article_id = ?", (article_id,))
            conn.execute("DELETE FROM article_profiles WHERE article_id = ?", (article_id,))
            removed[0] = conn.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount > 0

        self._write(run, "remove the article")
        return removed[0]

    def last(self) -> Entry | None:
        """The most recently opened entry, with its text."""
        recent = self.recent(limit=1)
        return self.get(recent[0].id) if recent else None

    def __len__(self) -> int:
        return self._read(lambda conn: conn.execute("SELECT count(*) FROM articles").fetchone()[0], 0)

    # -- marks ------------------------------------------------------------------------------

    def add_mark(self, article_id: str, number: int, note: str = "", *, now: float | None = None) -> Mark:
        """Mark sentence ``number`` (one mark per sentence: marking again replaces the note)."""
        note = " ".join((note or "").split())[:NOTE_MAX]
        stamp = time.time() if now is None else now

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO marks (article_id, number, note, created_at) SELECT ?, ?, ?, ?"
                " WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)"
                " ON CONFLICT (article_id, number) DO UPDATE SET note = excluded.note",
                (article_id, int(number), note, stamp, article_id),
            )

        self._write(run, "save the mark")
        return Mark(article_id, int(number), note, stamp)

    def marks(self, article_id: str) -> list[Mark]:
        """The marks of an article, in reading order."""
        rows: list[tuple] = self._read(
            lambda conn: conn.execute(
                "SELECT article_id, number, note, created_at FROM marks WHERE article_id = ? ORDER BY number",
                (article_id,),
            ).fetchall(),
            [],
        )
        return [Mark(*row) for row in rows]

    def remove_mark(self, article_id: str, number: int) -> bool:
        removed = [False]

        def run(conn: sqlite3.Connection) -> None:
            removed[0] = conn.execute(
                "DELETE FROM marks WHERE article_id = ? AND number = ?", (article_id, int(number))
            ).rowcount > 0

        self._write(run, "remove the mark")
        return removed[0]

    # -- lifetime ---------------------------------------------------------------------------

    # -- internals --------------------------------------------------------------------------

    def _open_read_only(self, exc: Exception) -> bool:
        """A library the user may read but not write (a read-only folder or file): its entries
        are listed and reopened, nothing is saved, and one warning says so. WAL needs its
        ``-shm`` file, which a read-only folder cannot hold: then the file is opened immutable
        (no one can be writing it there either)."""
        if self.path is None or not self.path.is_file() or not os.access(self.path, os.R_OK):
            return False
        from urllib.parse import quote

        base = "file:" + quote(str(self.path.resolve()))
        for flags in ("mode=ro", "mode=ro&immutable=1"):
            conn = None
            try:
                conn = sqlite3.connect(f"{base}?{flags}", uri=True, timeout=self._timeout,
                                       check_same_thread=False, isolation_level=None)
                if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    conn.close()
                    return False  # an older or newer schema cannot be read as it is
                conn.execute("SELECT count(*) FROM articles").fetchone()
                conn.execute("SELECT count(*) FROM marks WHERE article_id = ''").fetchone()
            except sqlite3.DatabaseError:
                if conn is not None:
                    conn.close()
                continue
            self._conn = conn
            self.read_only = True
            self._warn(f"library {self.path} is read-only ({exc}); showing it, but nothing new is saved")
            return True
        return False

    def _connect(self, target: str) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; writes say BEGIN IMMEDIATE themselves.
        conn = sqlite3.connect(target, timeout=self._timeout, check_same_thread=False, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
            if target != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise _NewerSchema(f"schema {version}, this qari knows {SCHEMA_VERSION}")
            if version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for step in MIGRATIONS[version:]:
                        for statement in step:
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            conn.execute("SELECT count(*) FROM articles WHERE id = ''").fetchone()
            conn.execute("SELECT count(*) FROM marks WHERE article_id = ''").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _read(self, fn: Callable[[sqlite3.Connection], T], default: T) -> T:
        with self._lock:
            conn = self._connection()
            try:
                return fn(conn)
            except sqlite3.DatabaseError as exc:
                if not self.in_memory and is_corruption(exc):
                    self._set_aside(exc)
                else:
                    self._warn(f"library read failed ({exc})")
                return default

    def _write(self, fn: Callable[[sqlite3.Connection], None], what: str) -> bool:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction: all of it or, on failure, none.

        A busy database (another window holding the write lock past the timeout) skips this
        write with a warning and keeps the file; a read-only file or a corrupt one is handled
        as at open, and the write is retried once on the replacement."""
        with self._lock:
            if self.read_only:
                self._warn(f"library {self.path} is read-only: could not {what}")
                return False
            for attempt in range(2):
                conn = self._connection()
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        fn(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    return True
                except sqlite3.DatabaseError as exc:
                    if self.in_memory or attempt:
                        self._warn(f"library: could not {what} ({exc})")
                        return False
                    if is_corruption(exc):
                        self._set_aside(exc)
                        continue
                    message = str(exc).lower()
                    if "locked" in message or "busy" in message:
                        self._warn(f"library {self.path} is busy; could not {what} ({exc})")
                        return False
                    self._use_memory(f"library {self.path} failed to {what} ({exc});"
                                     " history is kept in memory for this run")
            return False


class ReadingState:
    """The open article's position and progress, for the App: ``note`` on every cursor move or
    translation update is a couple of assignments (no I/O on a key press); ``flush`` writes what
    changed in one transaction, from a timer every few seconds and once on quit. Thread-safe:
    translation workers may ``note`` progress while the UI thread flushes."""

    def __init__(self, library: Library, article_id: str, position: int = 0, translated: int = 0) -> None:
        self.library = library
        self.article_id = article_id
        self._lock = threading.Lock()
        self._saved = (position, translated)
        self._now = (position, translated)

    def note(self, *, position: int | None = None, translated: int | None = None) -> None:
        with self._lock:
            old_position, old_translated = self._now
            self._now = (old_position if position is None else int(position),
                         old_translated if translated is None else int(translated))

    @property
    def dirty(self) -> bool:
        return self._now != self._saved

    def flush(self) -> bool:
        """Write the position/progress if they changed since the last flush; True if written."""
        with self._lock:
            now, saved = self._now, self._saved
        if now == saved:
            return False
        self.library.save_state(self.article_id,
                                position=now[0] if now[0] != saved[0] else None,
                                translated=now[1] if now[1] != saved[1] else None)
        with self._lock:
            self._saved = now
        return True


def resume_article(library: Library, article_id: str | None = None) -> tuple[Article, int] | None:
    """The last article read (or the one with ``article_id``) rebuilt from its stored text,
    with the sentence number to resume at; None when the library has nothing to resume.

    The article is rebuilt from the stored text and the stored structure (which paragraphs are
    headings) through the same builder as the first read, so it has the same sentences and every
    saved position and mark still points at its sentence. An entry recorded before the structure
    was stored is re-parsed from its text (headings guessed, as that qari did). The stored title
    is put back (a web page's title came from its HTML, not from the text)."""
    from reader.article import ArticleError, article_from_structure, parse_text

    entry = library.get(article_id) if article_id else library.last()
    if entry is None or not entry.text:
        return None
    try:
        if entry.structure:
            article = article_from_structure(entry.text, entry.structure, source=entry.source, title=entry.title)
        else:
            article = parse_text(entry.text, source=entry.source)
    except ArticleError:
        return None
    if entry.title:
        from reader.untrusted import clean_title

        article.title = clean_title(entry.title)  # an older qari may have stored it dirty
    count = len(article.sentences)
    position = max(0, min(entry.position, count - 1)) if count else 0
    return article, position
