"""The reading library (reader/store/library.py), `qari library` / `qari --resume`, and the library
screen (widgets/library_screen.py): real sqlite files in temp dirs, real subprocesses for
concurrency and permissions."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from clirun import (
    REPO,
    SAMPLE,
    QariEnv,
    assert_no_traceback,
    assert_one_line_error,
    unprivileged_prefix,
)

from reader.article import load_article, parse_text
from reader.store.library import SCHEMA_VERSION, Library, article_id, resume_article

# A heading line, then sentences: the heading is the title (3 and 2 sentences).
TEXT_A = "وزير الخارجية يزور عمّان\nوبحث الجانبان العلاقات الثنائية في لقاء طويل. واتفقا على لقاء جديد."
TEXT_B = "الأمطار الغزيرة تغلق الطرق في إربد\nوقالت الأرصاد إن المنخفض يستمر يومين."
TEXT_C = "مؤتمر صحفي في القاهرة\nوأعلن الوزير خطة جديدة. وقال إنها تبدأ غدا."


def _library(tmp_path: Path, name: str = "library.sqlite3", **kw) -> Library:
    return Library.open(tmp_path / name, **kw)


# -- core -------------------------------------------------------------------------------------

def test_record_and_reopen_keeps_text_position_and_progress(tmp_path):
    article = load_article(SAMPLE)
    with _library(tmp_path) as lib:
        entry = lib.record(article, now=1000.0)
        assert entry.id == article_id(article.text)
        assert entry.sentences == len(article.sentences) and entry.position == 0
        lib.set_position(entry.id, 7)
        lib.set_progress(entry.id, 12)
        assert lib.warnings == []
    with _library(tmp_path) as lib:  # a new process-like open of the same file
        again = lib.get(entry.id)
        assert again.text == article.text and again.title == article.title
        assert (again.position, again.translated, again.opened_at) == (7, 12, 1000.0)
        # Opening again refreshes the time, keeps the position.
        reopened = lib.record(article, now=2000.0)
        assert (reopened.opened_at, reopened.first_opened, reopened.position) == (2000.0, 1000.0, 7)
        resumed, position = resume_article(lib)
        assert resumed.text == article.text and resumed.title == article.title
        assert [s.text for s in resumed.sentences] == [s.text for s in article.sentences]
        assert position == 7
        assert len(lib) == 1


def test_positions_are_clamped_to_the_article(tmp_path):
    with _library(tmp_path) as lib:
        entry = lib.record(parse_text(TEXT_A))
        lib.set_position(entry.id, 10_000)
        lib.set_progress(entry.id, 10_000)
        got = lib.get(entry.id)
        assert got.position == entry.sentences - 1 and got.translated == entry.sentences
        lib.set_position(entry.id, -4)
        assert lib.get(entry.id).position == 0


def test_recent_is_most_recent_first_and_filters_ignoring_tashkeel_and_alef(tmp_path):
    with _library(tmp_path) as lib:
        a = lib.record(parse_text(TEXT_A, source="https://example.org/amman"), now=1.0)
        b = lib.record(parse_text(TEXT_B, source="<stdin>"), now=2.0)
        assert [e.id for e in lib.recent()] == [b.id, a.id]
        assert [e.id for e in lib.recent(limit=1)] == [b.id]
        assert lib.recent()[0].text is None  # listing does not load texts
        assert a.title == "وزير الخارجية يزور عمّان"  # shadda on the mim
        assert [e.id for e in lib.recent(filter="عمان")] == [a.id]
        assert [e.id for e in lib.recent(filter="عَمّان")] == [a.id]
        # "الأمطار" stored with hamza-on-alef; typed with a bare alef, and with tashkeel.
        assert [e.id for e in lib.recent(filter="الامطار")] == [b.id]
        assert [e.id for e in lib.recent(filter="الأَمْطار")] == [b.id]
        assert [e.id for e in lib.recent(filter="EXAMPLE.org")] == [a.id]  # source, casefolded
        assert lib.recent(filter="برلين") == []
        assert len(lib.recent(filter="   ")) == 2


def test_remove_and_last(tmp_path):
    with _library(tmp_path) as lib:
        assert lib.last() is None and resume_article(lib) is None
        a = lib.record(parse_text(TEXT_A), now=1.0)
        b = lib.record(parse_text(TEXT_B), now=2.0)
        lib.add_mark(b.id, 1, "note")
        assert lib.last().id == b.id and lib.last().text is not None
        assert lib.find_id(b.id[:8]) == [b.id]
        assert lib.remove(b.id) is True
        assert lib.remove(b.id) is False
        assert lib.marks(b.id) == []
        assert lib.last().id == a.id


def test_marks(tmp_path):
    with _library(tmp_path) as lib:
        entry = lib.record(parse_text(TEXT_A))
        lib.add_mark(entry.id, 2, "  a   short\nnote ")
        lib.add_mark(entry.id, 0)
        lib.add_mark(entry.id, 2, "replaced")
        assert [(m.number, m.note) for m in lib.marks(entry.id)] == [(0, ""), (2, "replaced")]
        assert lib.add_mark(entry.id, 1, "x" * 1000).note == "x" * 200
        assert lib.remove_mark(entry.id, 0) is True and lib.remove_mark(entry.id, 0) is False
        assert [m.number for m in lib.marks(entry.id)] == [1, 2]
        lib.add_mark("0" * 64, 1)  # no such article: no orphan mark
        assert lib.marks("0" * 64) == []
        assert lib.warnings == []


def test_schema_is_versioned_and_a_newer_file_is_left_alone(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        lib.record(parse_text(TEXT_A))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with Library.open(path) as lib:
        assert lib.in_memory and len(lib.warnings) == 1 and "newer qari" in lib.warnings[0]
    conn = sqlite3.connect(path)  # the user's history is still there
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


# -- reliability ----------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import json, sys
    from reader.article import parse_text
    from reader.store.library import Library
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    base = ["وزير الخارجية يزور عمان.", "وبحث الجانبان العلاقات الثنائية.", "الأمطار تغلق الطرق."]
    lib = Library.open(path, timeout=30)
    for i in range(n):
        article = parse_text(f"{base[i % 3]} مقال {tag} رقم {i}. {base[(i + 1) % 3]}", source=f"{tag}-{i}")
        entry = lib.record(article)
        lib.set_position(entry.id, 1)
        lib.add_mark(entry.id, 0, tag)
    print(json.dumps({"warnings": lib.warnings, "memory": lib.in_memory}))
""")


def _python(*args: str, prefix: tuple[str, ...] = (), **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QARI_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([*prefix, sys.executable, "-c", *args], capture_output=True, text=True, env=env,
                          timeout=120, **kw)


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "library.sqlite3"
    Library.open(path).close()  # created (WAL) before both start, as after a first run
    env = {k: v for k, v in os.environ.items() if not k.startswith("QARI_")}
    env["PYTHONPATH"] = str(REPO)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, "60"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for tag in ("one", "two")]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err
        assert json.loads(out) == {"warnings": [], "memory": False}
    with Library.open(path) as lib:
        entries = lib.recent()
        assert len(entries) == 120
        assert all(e.position == 1 for e in entries)
        assert sorted({lib.marks(e.id)[0].note for e in entries}) == ["one", "two"]


def test_corrupt_file_is_set_aside_with_a_warning(tmp_path):
    path = tmp_path / "library.sqlite3"
    garbage = b"this is not sqlite at all " * 200
    path.write_bytes(garbage)
    with Library.open(path) as lib:
        assert not lib.in_memory
        assert len(lib.warnings) == 1 and "corrupt" in lib.warnings[0]
        entry = lib.record(parse_text(TEXT_A))
        assert lib.get(entry.id) is not None
    aside = list(tmp_path.glob("library.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage  # kept as it was, not deleted
    with Library.open(path) as lib:  # the new file is fine afterwards
        assert lib.warnings == [] and len(lib) == 1


def test_locked_database_degrades_to_memory_with_one_warning(tmp_path):
    path = tmp_path / "library.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE other (x)")
    holder.execute("BEGIN EXCLUSIVE")  # rollback-journal file: nobody else may even read
    holder.execute("INSERT INTO other VALUES (1)")
    try:
        with Library.open(path, timeout=0.2) as lib:
            assert lib.in_memory
            assert len(lib.warnings) == 1 and "locked" in lib.warnings[0]
            entry = lib.record(parse_text(TEXT_A))  # still works, for this run
            lib.set_position(entry.id, 1)
            assert lib.get(entry.id).position == 1
            assert len(lib.warnings) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_busy_writer_skips_the_write_and_keeps_the_file(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Library.open(path, timeout=0.2) as lib:
        entry = lib.record(parse_text(TEXT_A))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another window in the middle of a write
        try:
            lib.set_position(entry.id, 2)
            assert not lib.in_memory and len(lib.warnings) == 1 and "busy" in lib.warnings[0]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        lib.set_position(entry.id, 2)
        assert lib.get(entry.id).position == 2 and len(lib.warnings) == 1


READ_ONLY = textwrap.dedent("""
    import json, sys
    from reader.article import parse_text
    from reader.store.library import Library
    lib = Library.open(sys.argv[1])
    entry = lib.record(parse_text("وزير الخارجية يزور عمان. وبحث الجانبان العلاقات."))
    lib.set_position(entry.id, 1)
    lib.add_mark(entry.id, 1, "x")
    print(json.dumps({"warnings": lib.warnings, "memory": lib.in_memory, "count": len(lib),
                      "position": lib.get(entry.id).position, "marks": len(lib.marks(entry.id))}))
""")


def test_read_only_data_dir_works_in_memory_with_one_warning(tmp_path):
    """No library file yet and a folder that cannot hold one: memory for this run. (An existing
    file there is read: test_existing_library_in_a_read_only_dir_is_read_not_replaced.)"""
    prefix = unprivileged_prefix()
    data = tmp_path / "data"
    data.mkdir()
    path = data / "library.sqlite3"
    data.chmod(0o555)
    try:
        done = _python(READ_ONLY, str(path), prefix=prefix)
    finally:
        data.chmod(0o755)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["memory"] is True and len(report["warnings"]) == 1
    assert (report["count"], report["position"], report["marks"]) == (1, 1, 1)
    assert not path.exists()


READ_ONLY_EXISTING = textwrap.dedent("""
    import json, sys
    from reader.article import parse_text
    from reader.store.library import Library
    lib = Library.open(sys.argv[1])
    titles = [e.title for e in lib.recent()]
    entry = lib.record(parse_text("وزير الخارجية يزور عمان. وبحث الجانبان العلاقات."))
    print(json.dumps({"warnings": lib.warnings, "memory": lib.in_memory, "read_only": lib.read_only,
                      "titles": titles, "count": len(lib), "recorded": lib.get(entry.id) is not None}))
""")


def test_existing_library_in_a_read_only_dir_is_read_not_replaced(tmp_path):
    """Its entries are listed (not "the library is empty"); nothing is written, with a warning."""
    prefix = unprivileged_prefix()
    data = tmp_path / "data"
    data.mkdir()
    path = data / "library.sqlite3"
    with Library.open(path) as lib:
        lib.record(parse_text(TEXT_B))
    before = path.read_bytes()
    data.chmod(0o555)
    path.chmod(0o444)
    try:
        done = _python(READ_ONLY_EXISTING, str(path), prefix=prefix)
    finally:
        data.chmod(0o755)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["memory"] is False and report["read_only"] is True
    assert report["count"] == 1 and len(report["titles"]) == 1 and report["recorded"] is False
    assert len(report["warnings"]) == 2 and all("read-only" in w for w in report["warnings"])
    assert path.read_bytes() == before


# -- command line -----------------------------------------------------------------------------

@pytest.fixture
def qenv(tmp_path) -> QariEnv:
    return QariEnv.create(tmp_path / "env")


def _seed(qenv: QariEnv) -> tuple[str, str]:
    """Two entries in the env's library (XDG_DATA_HOME/qari/library.sqlite3)."""
    path = qenv.root / "data" / "qari" / "library.sqlite3"
    with Library.open(path) as lib:
        a = lib.record(parse_text(TEXT_A, source="https://example.org/a"), now=1_700_000_000.0)
        b = lib.record(parse_text(TEXT_B, source="<stdin>"), now=1_700_000_100.0)
        lib.set_position(b.id, 1)
    return a.id, b.id


def test_cli_library_lists_text_and_json(qenv):
    empty = qenv.run("library")
    assert empty.code == 0 and empty.out == "" and "empty" in empty.err
    a, b = _seed(qenv)
    listed = qenv.run("library")
    assert listed.code == 0, listed
    lines = listed.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(b[:12]) and "2/2" in lines[0] and "<stdin>" in lines[0]
    assert lines[1].startswith(a[:12]) and "1/3" in lines[1] and "https://example.org/a" in lines[1]
    as_json = qenv.run("library", "--json")
    data = json.loads(as_json.out)
    assert [e["id"] for e in data] == [b, a]
    # The same numbers as the listing ("2/2"): position from 1, index (the sentence number) from 0.
    assert data[0]["position"] == 2 and data[0]["index"] == 1 and data[0]["sentences"] == 2 and "text" not in data[0]
    filtered = json.loads(qenv.run("library", "--json", "--filter", "الامطار").out)
    assert [e["id"] for e in filtered] == [b]


def test_cli_library_help():
    done = subprocess.run([sys.executable, "-m", "reader", "library", "--help"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert done.returncode == 0 and "--json" in done.stdout and "remove" in done.stdout


def test_cli_library_remove(qenv):
    a, b = _seed(qenv)
    refused = qenv.run("library", "remove", b[:10], input="")
    assert_one_line_error(refused, 2, "--yes")
    assert len(json.loads(qenv.run("library", "--json").out)) == 2
    unknown = qenv.run("library", "remove", "abcdef0123", "--yes")
    assert_one_line_error(unknown, 1, "no entry")
    missing = qenv.run("library", "remove")
    assert_one_line_error(missing, 2, "ID")
    removed = qenv.run("library", "remove", b[:10], "--yes")
    assert removed.code == 0, removed
    assert_no_traceback(removed)
    assert [e["id"] for e in json.loads(qenv.run("library", "--json").out)] == [a]


def test_cli_resume_with_nothing_recorded(qenv):
    done = qenv.run("--resume")
    assert_one_line_error(done, 2, "nothing to resume")
    both = qenv.run("--resume", str(SAMPLE))
    assert_one_line_error(both, 2, "--resume")


def test_cli_resume_loads_the_stored_text_offline(qenv):
    """Without a terminal the reader refuses after loading: the resumed article came from the
    library (no file, no network), so the refusal is the terminal one, not "nothing to resume"."""
    _seed(qenv)
    done = qenv.run("--resume")
    assert_one_line_error(done, 2, "terminal")


def test_cli_library_corrupt_file_warns_and_lists_empty(qenv):
    path = qenv.root / "data" / "qari" / "library.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 100)
    done = qenv.run("library")
    assert done.code == 0
    assert_no_traceback(done)
    assert any("corrupt" in line for line in done.err_lines)
    assert list(path.parent.glob("library.sqlite3.corrupt-*"))


def test_qari_library_env_var_overrides_the_path(qenv, tmp_path):
    path = tmp_path / "elsewhere.sqlite3"
    with Library.open(path) as lib:
        lib.record(parse_text(TEXT_A))
    done = qenv.run("library", "--json", QARI_LIBRARY=str(path))
    assert len(json.loads(done.out)) == 1


# -- the library screen -------------------------------------------------------------------------

def _screen_app(library: Library):
    from textual.app import App

    from widgets.library_screen import LibraryScreen

    class Host(App):
        def __init__(self) -> None:
            super().__init__()
            self.result: list[object] = []

        def on_mount(self) -> None:
            self.push_screen(LibraryScreen(library), self.result.append)

    return Host()


@contextlib.asynccontextmanager
async def _shown(app):
    """Run the host app at 100x30 until the library screen has loaded its entries."""
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.pause()
        yield pilot


def _seed_many(lib: Library) -> list[str]:
    ids = []
    for i, text in enumerate([TEXT_A, TEXT_B, TEXT_C]):
        ids.append(lib.record(parse_text(text, source=f"s{i}"), now=float(i + 1)).id)
    return ids


async def test_screen_lists_filters_and_opens(tmp_path):
    from textual.widgets import OptionList

    lib = _library(tmp_path)
    a, b, c = _seed_many(lib)
    app = _screen_app(lib)
    async with _shown(app) as pilot:
        screen = app.screen
        assert [e.id for e in screen.entries] == [c, b, a]
        options = screen.query_one("#library-list", OptionList)
        assert options.option_count == 3
        await pilot.press(*"الامطار")  # typed with a bare alef: matches "الأمطار"
        await pilot.pause()
        assert [e.id for e in screen.entries] == [b]
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == [b]


async def test_screen_arrow_keys_choose_and_escape_closes(tmp_path):
    lib = _library(tmp_path)
    a, b, _c = _seed_many(lib)
    app = _screen_app(lib)
    async with _shown(app) as pilot:
        await pilot.press("down", "down")
        assert app.screen.highlighted_entry().id == a
        await pilot.press("up")
        assert app.screen.highlighted_entry().id == b
        await pilot.press("escape")
        await pilot.pause()
    assert app.result == [None]


async def test_screen_remove_asks_first(tmp_path):
    from widgets.library_screen import ConfirmRemove, LibraryScreen

    lib = _library(tmp_path)
    a, b, c = _seed_many(lib)
    app = _screen_app(lib)
    async with _shown(app) as pilot:
        await pilot.press("tab")  # to the list: there `d` removes (in the filter it is a letter)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRemove)
        await pilot.press("n")  # keep
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen) and len(lib) == 3
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert [e.id for e in app.screen.entries] == [b, a]
        assert lib.get(c) is None
        await pilot.press("ctrl+d")  # from anywhere
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert [e.id for e in app.screen.entries] == [a]


async def test_screen_shows_an_empty_library(tmp_path):
    from textual.widgets import Label

    lib = _library(tmp_path)
    app = _screen_app(lib)
    async with _shown(app) as pilot:
        assert "empty" in str(app.screen.query_one("#library-count", Label).render())
        await pilot.press("enter")  # nothing to open: stays
        await pilot.pause()
        assert app.result == []


def test_entry_label_fits_the_width(tmp_path):
    from rich.cells import cell_len

    from widgets.library_screen import entry_label

    with _library(tmp_path) as lib:
        entry = lib.record(parse_text(TEXT_A.replace("عمّان", "عمّان " * 20)))
    for width in (30, 60, 100):
        label = entry_label(entry, width, now=entry.opened_at)
        assert cell_len(label.plain) <= width


async def test_screen_lays_out_only_the_first_rows_and_says_how_many(tmp_path, monkeypatch):
    from textual.widgets import Label, OptionList

    import widgets.library_screen as screen_module

    monkeypatch.setattr(screen_module, "MAX_ROWS", 2)
    lib = _library(tmp_path)
    _a, b, c = _seed_many(lib)
    app = _screen_app(lib)
    async with _shown(app) as pilot:
        assert app.screen.query_one("#library-list", OptionList).option_count == 2
        assert [e.id for e in app.screen.entries] == [c, b]
        assert "3 entries, the 2 most recent" in str(app.screen.query_one("#library-count", Label).render())


def test_a_web_page_resumes_with_the_same_sentences(tmp_path):
    """The stored text is the normalised text: re-parsing it finds the same sentences (so the
    position, a sentence number, lands on the same sentence), and the HTML title is kept."""
    page = REPO / "tests" / "fixtures" / "pages" / "sawt_elections_br.html"
    article = load_article(page)
    with _library(tmp_path) as lib:
        entry = lib.record(article)
        lib.set_position(entry.id, len(article.sentences) - 1)
        resumed, position = resume_article(lib, entry.id)
    assert [s.text for s in resumed.sentences] == [s.text for s in article.sentences]
    assert resumed.title == article.title and resumed.source == article.source
    assert position == len(article.sentences) - 1


KILLED_WRITER = textwrap.dedent("""
    import sys
    from reader.article import parse_text
    from reader.store.library import Library
    lib = Library.open(sys.argv[1], timeout=30)
    i = 0
    while True:
        entry = lib.record(parse_text(f"عنوان {i}\\nجملة أولى في المقال رقم {i}. وجملة ثانية {'نص ' * 300}.", source=str(i)))
        lib.set_position(entry.id, 1)
        lib.add_mark(entry.id, 0, "x")
        i += 1
        if i == 20:
            print("ready", flush=True)
""")


def test_a_crash_mid_write_loses_nothing_committed(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        kept = lib.record(parse_text(TEXT_A))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QARI_")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        proc.kill()  # SIGKILL, somewhere in the middle of its writes
        proc.wait(timeout=30)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Library.open(path) as lib:
        assert lib.warnings == [] and not lib.in_memory
        assert lib.get(kept.id).text == parse_text(TEXT_A).text
        assert len(lib) >= 21
        # Every entry is whole: a record, its position and its mark come in separate
        # transactions, so at most the last entry lacks the later two.
        incomplete = [e for e in lib.recent() if e.id != kept.id and (e.position != 1 or not lib.marks(e.id))]
        assert len(incomplete) <= 1


FULL_DISK = textwrap.dedent("""
    import json, sys, resource, signal
    from reader.article import parse_text
    from reader.store.library import Library
    lib = Library.open(sys.argv[1])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal, like a full disk
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    entry = lib.record(parse_text("عنوان طويل جدا\\n" + "جملة طويلة في نص كبير جدا. " * 40000, source="big"))
    print(json.dumps({"warnings": lib.warnings, "memory": lib.in_memory}))
""")


def test_a_failed_write_never_truncates_the_database(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        ids = [lib.record(parse_text(t, source=str(i))).id for i, t in enumerate((TEXT_A, TEXT_B, TEXT_C))]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = path.read_bytes()
    done = _python(FULL_DISK, str(path), str(len(before) + 64 * 1024))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["memory"] is True  # the write failed: the rest of that run is kept in memory
    assert len(report["warnings"]) == 1 and "failed to record the article" in report["warnings"][0]
    assert path.stat().st_size >= len(before)
    with Library.open(path) as lib:
        assert lib.warnings == []
        assert sorted(e.id for e in lib.recent()) == sorted(ids)
        assert all(lib.get(i).text for i in ids)


# -- the reader records what it opens (a real terminal) ------------------------------------------

@pytest.mark.e2e
@pytest.mark.tmux
def test_the_reader_records_what_it_opens_and_resume_reopens_it(tmp_path):
    """Open a web page, then the sample (go to sentence 12, copy it with y), quit; `--resume`
    reopens the sample at sentence 12. The copy reaches the terminal's clipboard (OSC 52, read
    back from tmux's paste buffer)."""
    from screen import ARABIC, Terminal, require_tmux, terminal_env

    require_tmux()
    env = {**terminal_env(tmp_path), "PYTHONPATH": str(REPO)}
    db = Path(env["XDG_DATA_HOME"]) / "qari" / "library.sqlite3"
    page = REPO / "tests" / "fixtures" / "pages" / "sawt_elections_br.html"
    sample = load_article(SAMPLE)
    runs = [[sys.executable, "-m", "reader", str(page)], [sys.executable, "-m", "reader", str(SAMPLE)],
            [sys.executable, "-m", "reader", "--resume"]]
    copied = resumed = ""
    for n, command in enumerate(runs):
        term = Terminal(env, 100, 30, f"qari-library-{os.getpid()}-{tmp_path.name}-{n}")
        try:
            term.start(command)
            term.tmux("set-option", "-g", "set-clipboard", "on")
            screen = term.wait_for(lambda s: ARABIC.search(s.plain) and "· §" in s.plain)
            if n == 1:
                term.keys(":")
                term.wait_for(lambda s: "Go to sentence" in s.plain)
                term.keys("1", "2", "Enter")
                term.wait_for(lambda s: "Arabic · 12/32" in s.plain)
                term.keys("y")
                term.wait_for(lambda s: "Copied the sentence" in s.plain)
                copied = term.tmux("show-buffer", check=False).stdout
            if n == 2:
                resumed = screen.plain
            assert "QARI_EXIT=0" in term.quit().plain
        finally:
            term.close()
        if n == 1:
            first_open = {e.source: e.opened_at for e in Library.open(db).recent()}
    assert copied == sample.sentences[11].text  # the logical Arabic, through OSC 52
    assert "Arabic · 12/32" in resumed  # --resume: the last article, at its saved sentence
    with Library.open(db) as lib:
        entries = lib.recent()
        assert lib.warnings == []
    html = load_article(page)
    assert [e.id for e in entries] == [article_id(sample.text), article_id(html.text)]
    assert entries[1].title == html.title
    assert entries[0].position == 11
    # --resume reopened the sample, offline, and recorded the new opening.
    assert entries[0].opened_at > first_open[sample.source]


def test_reading_state_writes_only_on_flush_and_only_changes(tmp_path):
    from reader.store.library import ReadingState

    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        entry = lib.record(parse_text(TEXT_A))
        state = ReadingState(lib, entry.id, entry.position, entry.translated)
        assert state.flush() is False
        for n in (1, 2, 1, 2):
            state.note(position=n)
        state.note(translated=3)
        with Library.open(path) as other:  # nothing written before the flush
            assert (other.get(entry.id).position, other.get(entry.id).translated) == (0, 0)
        assert state.dirty and state.flush() is True and not state.dirty
        with Library.open(path) as other:
            assert (other.get(entry.id).position, other.get(entry.id).translated) == (2, 3)
            other.set_position(entry.id, 0)  # another window moved it
        state.note(translated=3)
        assert state.flush() is False  # unchanged here: the other window's position stands
        assert lib.get(entry.id).position == 0
        state.note(position=1)
        assert state.flush() is True
        assert (lib.get(entry.id).position, lib.get(entry.id).translated) == (1, 3)


# -- behaviour pinned against one-line bugs (issue 26) -------------------------------------------

def test_reopening_an_older_article_makes_it_the_last_one(tmp_path):
    """`--resume` / `last()` follow the time an article was last *opened*, not first recorded."""
    with _library(tmp_path) as lib:
        a = lib.record(parse_text(TEXT_A), now=1.0)
        b = lib.record(parse_text(TEXT_B), now=2.0)
        assert lib.last().id == b.id
        lib.record(parse_text(TEXT_A), now=3.0)  # the reader opens A again
        assert lib.last().id == a.id
        assert [e.id for e in lib.recent()] == [a.id, b.id]
        assert resume_article(lib)[0].text == parse_text(TEXT_A).text


def test_reopening_keeps_the_translated_count(tmp_path):
    with _library(tmp_path) as lib:
        entry = lib.record(parse_text(TEXT_A), now=1.0)
        lib.set_progress(entry.id, 2)
        lib.set_position(entry.id, 1)
        again = lib.record(parse_text(TEXT_A), now=2.0)
        assert (again.translated, again.position) == (2, 1)


def test_a_progress_only_flush_leaves_another_windows_position(tmp_path):
    """Two windows on one article: this one only translated more; the other moved the cursor.
    The progress flush must not write this window's stale position over the other's."""
    from reader.store.library import ReadingState

    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib, Library.open(path) as other_lib:
        entry = lib.record(parse_text(TEXT_A))
        here = ReadingState(lib, entry.id, position=1, translated=0)
        there = ReadingState(other_lib, entry.id, position=1, translated=0)
        there.note(position=2)
        assert there.flush() is True
        here.note(translated=3)
        assert here.flush() is True
        with Library.open(path) as third:
            got = third.get(entry.id)
        assert (got.position, got.translated) == (2, 3)


def test_corruption_found_after_opening_sets_the_file_aside(tmp_path):
    """The file opens fine, then a read meets damaged pages: the file is moved aside (kept for
    inspection) and a fresh one is used, exactly as when the damage is found at open."""
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        for i in range(12):
            lib.record(parse_text(f"عنوان {i}\n" + f"جملة طويلة عن الموضوع رقم {i}. " * 40))
    checkpoint = sqlite3.connect(path)
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = checkpoint.execute("PRAGMA page_size").fetchone()[0]
    checkpoint.close()
    lib = Library.open(path)
    assert lib.warnings == [] and len(lib) == 12
    data = bytearray(path.read_bytes())
    data[2 * page:] = b"\xff" * (len(data) - 2 * page)  # every page after the schema's
    path.write_bytes(bytes(data))
    assert lib.recent() == []
    assert len(lib.warnings) == 1 and "corrupt" in lib.warnings[0]
    aside = list(tmp_path.glob("library.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == bytes(data)
    assert not lib.in_memory
    entry = lib.record(parse_text(TEXT_A))
    lib.close()
    with Library.open(path) as fresh:
        assert fresh.warnings == [] and [e.id for e in fresh.recent()] == [entry.id]


def test_library_filter_folds_madda(tmp_path):
    with _library(tmp_path) as lib:
        entry = lib.record(parse_text("خبر آخر عن الطقس\nوقالت الأرصاد إن المنخفض يستمر يومين."))
        lib.record(parse_text(TEXT_A))
        assert [e.id for e in lib.recent(filter="اخر")] == [entry.id]
