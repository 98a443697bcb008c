"""The library holds text from outside (titles and sources of pages and files), possibly stored
dirty by an older qari: `qari library` and `library remove` must show it without a control
character. And the library file itself may be hostile or out of reach: corruption that only
shows when the entries are read must still be reported, and a library in a read-only folder is
opened read-only (its entries listed), not taken for empty."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from clirun import QariEnv
from hostile import ESCAPES, OSC_CLIPBOARD, OSC_TITLE, assert_no_controls, run_clean

from reader.article import parse_text
from reader.store.library import Library

TEXT = "قال الرئيس إن الحكومة ستعمل على تحسين الاقتصاد. وأضاف أن الوضع جيد.\n"


def library_path(env: QariEnv) -> Path:
    return env.root / "data" / "qari" / "library.sqlite3"


def store_dirty(path: Path, count: int = 1) -> list[str]:
    """Entries whose stored title and source hold escapes (as an older qari stored them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = []
    with Library.open(path) as lib:
        for n in range(count):
            ids.append(lib.record(parse_text(TEXT.replace("جيد", f"جيد {n}"))).id)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE articles SET title = ?, source = ?",
                     (f"عنوان {OSC_TITLE}{OSC_CLIPBOARD}\n[bold]x[/] {ESCAPES}", f"/tmp/a{OSC_TITLE}.txt"))
    conn.close()
    return ids


@pytest.fixture
def env(tmp_path: Path) -> QariEnv:
    return QariEnv.create(tmp_path / "env")


def test_dirty_titles_are_listed_clean(env: QariEnv) -> None:
    store_dirty(library_path(env), 2)
    result = run_clean(env, "library")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert len(lines) == 2 and all("عنوان" in line and "^[" in line for line in lines), result.out


def test_library_remove_names_a_dirty_title_cleanly(env: QariEnv) -> None:
    (ident,) = store_dirty(library_path(env))
    result = run_clean(env, "library", "remove", ident[:8], "--yes")
    assert result.code == 0 and result.err.startswith("removed "), result


def test_resumed_article_gets_a_clean_title(env: QariEnv) -> None:
    from reader.store.library import resume_article

    path = library_path(env)
    store_dirty(path)
    with Library.open(path) as lib:
        article, _ = resume_article(lib)
    assert "\x1b" not in article.title and "\n" not in article.title and "عنوان" in article.title


def corrupt_after_the_header(path: Path) -> None:
    """A library whose schema and indexes are fine (it opens) but whose table of entries is
    garbage: the damage shows only when the entries are read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with Library.open(path) as lib:
        for n in range(60):
            lib.record(parse_text(TEXT * 40 + f"نص {n}.\n"))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    # The table's root page: the checks made at open look entries up by id, through the
    # primary key's own index, and never read it.
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'articles'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page
    data[start:start + page] = bytes([0x5A]) * page
    path.write_bytes(bytes(data))


def test_corruption_found_while_listing_is_reported(env: QariEnv) -> None:
    path = library_path(env)
    corrupt_after_the_header(path)
    result = run_clean(env, "library")
    assert result.code == 0, result
    assert any(line.startswith("qari: warning: ") and "corrupt" in line for line in result.err_lines), result
    assert list(path.parent.glob("library.sqlite3.corrupt-*"))  # moved aside, kept


def test_read_only_library_dir_is_read(env: QariEnv) -> None:
    path = library_path(env)
    store_dirty(path, 3)
    folder = path.parent
    os.chmod(folder, 0o555)
    try:
        result = run_clean(env, "library", unprivileged=True)
        assert result.code == 0, result
        assert len(result.out.splitlines()) == 3, result
        assert "read-only" in result.err, result
        removed = run_clean(env, "library", "remove", result.out.split()[0], "--yes", unprivileged=True)
        assert removed.code == 1 and "could not remove" in removed.err, removed
    finally:
        os.chmod(folder, 0o755)
    with Library.open(path) as lib:
        assert len(lib) == 3  # nothing lost


def test_library_remove_prompt_on_a_terminal_is_clean(env: QariEnv) -> None:
    """`library remove` asks on the terminal (input() writes the prompt itself, past any
    wrapped sys.stdout): the dirty title in the question must be made safe first."""
    import pty
    import select
    import subprocess
    import sys
    import time

    (ident,) = store_dirty(library_path(env))
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reader", "library", "remove", ident[:8]],
                            stdin=slave, stdout=slave, stderr=slave, env=env.env(), cwd=env.root)
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                if not answered and b"[y/N]" in seen:
                    os.write(master, b"n\n")
                    answered = True
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = seen.decode("utf-8", "replace").replace("\r\n", "\n")
    assert answered and code == 0 and "kept" in text, text
    assert_no_controls(text)
    with Library.open(library_path(env)) as lib:
        assert lib.get(ident) is not None
