"""The sqlite translation cache: persistence, separation by model, and never an exception
to the user (corrupt files set aside, unwritable or locked databases degrade to memory)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from reader.translation.cache import TranslationCache, default_cache_path

MODEL = "argos:translate-ar_en:1.0:ar-en:abc:beam4"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "translations.sqlite3"


def test_put_get_and_persistence(path: Path):
    with TranslationCache(path) as c:
        assert c.get_many(MODEL, ["جملة"]) == {}
        c.put_many(MODEL, [("جملة أولى.", "first"), ("جملة ثانية.", "second")])
        c.put_many(MODEL, {"جملة ثالثة.": "third"})
        assert c.get_many(MODEL, ["جملة أولى.", "غير موجودة", "جملة ثالثة."]) == {
            "جملة أولى.": "first",
            "جملة ثالثة.": "third",
        }
        assert not c.in_memory and c.warnings == []
    with TranslationCache(path) as again:
        assert again.get(MODEL, "جملة ثانية.") == "second"
        assert again.count(MODEL) == 3


def test_models_are_separate_and_replace_updates(path: Path):
    with TranslationCache(path) as c:
        c.put(MODEL, "نص", "one")
        c.put("other-model", "نص", "two")
        assert c.get(MODEL, "نص") == "one"
        assert c.get("other-model", "نص") == "two"
        c.put(MODEL, "نص", "one again")
        assert c.get(MODEL, "نص") == "one again"
        c.clear("other-model")
        assert c.get("other-model", "نص") is None and c.count() == 1


def test_many_keys_and_exact_text(path: Path):
    texts = [f"جملة رقم {i}" for i in range(1500)]
    with TranslationCache(path) as c:
        c.put_many(MODEL, [(t, f"t{i}") for i, t in enumerate(texts)])
        got = c.get_many(MODEL, texts + ["جملة رقم 1 "])
    assert len(got) == 1500 and got[texts[1234]] == "t1234"


def test_wal_mode(path: Path):
    TranslationCache(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        conn.close()


def test_default_path_honours_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "qari" / "translations.sqlite3"
    with TranslationCache() as c:
        c.put(MODEL, "نص", "text")
        assert c.path == default_cache_path() and c.path.exists()


def test_file_that_is_not_a_database_is_set_aside(path: Path):
    path.parent.mkdir(parents=True)
    garbage = b"this is not sqlite\n" * 500
    path.write_bytes(garbage)
    with TranslationCache(path) as c:
        assert not c.in_memory
        assert len(c.warnings) == 1 and "corrupt" in c.warnings[0]
        c.put(MODEL, "نص", "text")
        assert c.get(MODEL, "نص") == "text"
    aside = list(path.parent.glob("translations.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    with TranslationCache(path) as again:  # the fresh database persists
        assert again.get(MODEL, "نص") == "text" and again.warnings == []


def test_malformed_database_is_set_aside(path: Path):
    with TranslationCache(path) as c:
        c.put_many(MODEL, [(f"جملة {i} " * 20, "x" * 200) for i in range(2000)])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 40_000
    data[4096 * 2 : 4096 * 8] = b"\xa5" * (4096 * 6)  # scribble over b-tree pages
    path.write_bytes(bytes(data))
    with TranslationCache(path) as c:
        texts = [f"جملة {i} " * 20 for i in range(2000)]
        c.get_many(MODEL, texts)  # may find the damage only now
        c.put(MODEL, "نص", "text")
        assert c.get(MODEL, "نص") == "text"
        assert any("corrupt" in w for w in c.warnings)
        assert not c.in_memory
    assert list(path.parent.glob("translations.sqlite3.corrupt-*"))


def test_unwritable_location_degrades_to_memory(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with TranslationCache(blocker / "sub" / "translations.sqlite3") as c:
        assert c.in_memory and len(c.warnings) == 1
        c.put(MODEL, "نص", "text")
        assert c.get(MODEL, "نص") == "text"
    directory = tmp_path / "a-directory"
    directory.mkdir()
    with TranslationCache(directory) as c:  # the "file" is a directory
        assert c.in_memory and c.warnings
        c.put(MODEL, "نص", "text")
        assert c.get(MODEL, "نص") == "text"


def test_locked_database_degrades_to_memory(path: Path):
    TranslationCache(path).close()
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO translations VALUES ('m', 'h', 't', 0)")
    try:
        with TranslationCache(path, timeout=0.05) as c:
            c.put(MODEL, "نص", "text")  # cannot get the write lock
            assert c.in_memory
            assert any("locked" in w for w in c.warnings)
            assert c.get(MODEL, "نص") == "text"
    finally:
        other.rollback()
        other.close()


def test_thread_safety(path: Path):
    errors: list[BaseException] = []
    with TranslationCache(path) as c:

        def work(n: int) -> None:
            try:
                for i in range(50):
                    c.put_many(MODEL, [(f"{n}-{i}", f"v{n}-{i}")])
                    assert c.get(MODEL, f"{n}-{i}") == f"v{n}-{i}"
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert c.count(MODEL) == 200 and not c.warnings


def test_memory_cache(tmp_path: Path):
    with TranslationCache(":memory:") as c:
        assert c.in_memory and c.path is None and c.warnings == []
        c.put(MODEL, "نص", "text")
        assert c.get(MODEL, "نص") == "text"


@pytest.mark.parametrize("version", [0, 7])
def test_a_cache_of_another_layout_is_rebuilt_once_not_used_from_memory(path: Path, version: int):
    """A cache written by another qari (another schema version, another table layout): it is a
    cache, so it is rebuilt on disk; the next run uses the file, with no warning."""
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE translations (k TEXT, v TEXT)")
    conn.execute("INSERT INTO translations VALUES ('a', 'b')")
    conn.execute(f"PRAGMA user_version={version}")
    conn.commit()
    conn.close()
    with TranslationCache(path) as c:
        assert not c.in_memory and c.warnings == []
        c.put(MODEL, "جملة.", "a sentence")
    with TranslationCache(path) as c:
        assert not c.in_memory and c.warnings == []
        assert c.get(MODEL, "جملة.") == "a sentence"
