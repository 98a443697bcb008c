"""Resuming from the library rebuilds the article that was read: same paragraphs, headings and
sentences, so saved positions and marks point at the same sentence (reader/store/library.py's
structure column, reader/article.py's ``article_from_structure``)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from paths import PAGES as PAGE_DIR

from reader.article import article_from_blocks, article_from_structure, load_article, parse_text, structure_of
from reader.store.library import MIGRATIONS, Library, resume_article

PAGES = sorted(PAGE_DIR.glob("*.html"))

# A page's blocks whose headings cannot be guessed back from the text: the 13-word heading
# ends in a full stop, so re-parsing the text takes it for a paragraph of two sentences, and
# every sentence after it moves by one.
TRICKY_BLOCKS = [
    ("heading", "اجتماع وزراء الخارجية العرب في القاهرة"),
    ("paragraph", "بحث الوزراء الأزمة في المنطقة. واتفقوا على خطة عمل مشتركة."),
    ("heading", "الوزراء يتفقون على خطة عمل مشتركة. والتنفيذ يبدأ خلال الأشهر الثلاثة المقبلة."),
    ("paragraph", "وقال الأمين العام إن الخطة تبدأ الشهر المقبل. وأضاف أن التمويل متوفر."),
]


# A page whose third paragraph is short and ends without a full stop: read from its tags it is a
# paragraph of two sentences; re-parsed from the text, it looks like a heading (one sentence).
SHORT_PARAGRAPH_PAGE = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>اجتماع وزراء الخارجية العرب في القاهرة</title></head>
<body><nav><a href="/">الرئيسية</a> <a href="/news">أخبار</a></nav><article>
<h1>اجتماع وزراء الخارجية العرب في القاهرة</h1>
<p>بحث الوزراء الأزمة في المنطقة خلال اجتماعهم الطارئ في مقر الجامعة العربية. واتفقوا على خطة
عمل مشتركة تشمل المساعدات والتنسيق السياسي.</p>
<p>قال الوزير إن الخطة جاهزة. والتنفيذ يبدأ غدا</p>
<p>وقال الأمين العام إن الخطة تبدأ الشهر المقبل بعد موافقة القادة عليها. وأضاف أن التمويل متوفر
من عدة دول أعضاء في الجامعة.</p>
</article><footer>جميع الحقوق محفوظة</footer></body></html>
"""


def _sentences(article) -> list[str]:
    return [s.text for s in article.sentences]


def _shape(article) -> list[tuple[int, int, bool, int]]:
    return [(p.section, p.index, p.is_heading, len(p.sentences)) for p in article.paragraphs]


def test_the_round_trip_keeps_a_page_heading_that_parse_text_would_not_find() -> None:
    read = article_from_blocks(TRICKY_BLOCKS, "https://example.test/a", title="عنوان الصفحة")
    guessed = parse_text(read.text, read.source)
    assert len(guessed.sentences) == len(read.sentences) + 1  # what the library did before: off by one
    rebuilt = article_from_structure(read.text, structure_of(read), read.source, read.title)
    assert _sentences(rebuilt) == _sentences(read)
    assert _shape(rebuilt) == _shape(read)
    assert rebuilt.title == read.title


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_fixture_page_resumes_as_it_was_read(page: Path, tmp_path: Path) -> None:
    """Read a real page's structure, record it, set a position and marks near the end, close
    the library (quit), open it again and resume: same sentences, position and marks."""
    read = load_article(page)
    last = len(read.sentences) - 1
    with Library.open(tmp_path / "library.sqlite3") as lib:
        entry = lib.record(read)
        lib.set_position(entry.id, last)
        lib.add_mark(entry.id, last, "آخر جملة")
        lib.add_mark(entry.id, last // 2)
    with Library.open(tmp_path / "library.sqlite3") as lib:
        article, position = resume_article(lib)
        marks = [(m.number, m.note) for m in lib.marks(entry.id)]
    assert _sentences(article) == _sentences(read)
    assert _shape(article) == _shape(read)
    assert article.title == read.title and str(article.source) == str(read.source)
    assert position == last and article.sentences[position].text == read.sentences[last].text
    assert sorted(marks) == sorted([(last, "آخر جملة"), (last // 2, "")])


def test_a_structure_that_does_not_fit_the_text_is_not_trusted() -> None:
    read = article_from_blocks(TRICKY_BLOCKS, "page")
    for bad in ("hp", structure_of(read) + "p", "x" * len(read.paragraphs)):
        rebuilt = article_from_structure(read.text, bad, "page", "t")
        assert _sentences(rebuilt) == _sentences(parse_text(read.text, "page"))
        assert rebuilt.title == "t"


def test_a_version_1_library_migrates_and_its_entries_still_resume(tmp_path: Path) -> None:
    """A library written before the structure was stored: migrated in place (rows kept), its
    entries re-parsed from their text as before; recording the article again stores the
    structure, and from then on it resumes exactly."""
    path = tmp_path / "library.sqlite3"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    read = article_from_blocks(TRICKY_BLOCKS, "https://example.test/a", title="عنوان")
    from reader.store.library import article_id

    conn.execute(
        "INSERT INTO articles (id, title, source, title_key, source_key, first_opened, opened_at, position,"
        " sentences, translated, text) VALUES (?, ?, ?, '', '', 1, 1, 2, ?, 0, ?)",
        (article_id(read.text), read.title, read.source, len(read.sentences), read.text),
    )
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with Library.open(path) as lib:
        assert not lib.in_memory and len(lib) == 1
        article, position = resume_article(lib)
        assert _sentences(article) == _sentences(parse_text(read.text))  # the old behaviour
        assert position == 2
        lib.record(read)
        article, position = resume_article(lib)
        assert _sentences(article) == _sentences(read) and position == 2
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


@pytest.mark.e2e
@pytest.mark.tmux
def test_a_page_read_to_its_end_resumes_there_in_a_real_terminal(tmp_path: Path) -> None:
    """In tmux: open a saved web page, `G` to its last sentence, quit; `qari --resume` shows the
    same position and total in the Arabic pane's title."""
    import re
    import shutil

    from screen import Terminal, qari_command, terminal_env

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    page = tmp_path / "page.html"
    page.write_text(SHORT_PARAGRAPH_PAGE, encoding="utf-8")
    total = len(load_article(page).sentences)
    assert len(parse_text(load_article(page).text).sentences) == total - 1  # the guess that went wrong
    env = terminal_env(tmp_path)
    position = re.compile(r"Arabic · (\d+)/(\d+) ·")
    for args, keys in (([str(page)], ("G",)), (["--resume"], ())):
        terminal = Terminal(env, 120, 30, f"qari-resume-{os.getpid()}-{tmp_path.name}-{len(args)}")
        try:
            terminal.start(qari_command(*args))
            terminal.wait_for(lambda s: position.search(s.plain))
            terminal.keys(*keys)
            screen = terminal.wait_for(lambda s: (m := position.search(s.plain)) and m.group(1) == m.group(2))
            found = position.search(screen.plain)
            assert (int(found.group(1)), int(found.group(2))) == (total, total)
            terminal.keys("q")
            terminal.wait_for(lambda s: "QARI_EXIT=0" in s.plain)
        finally:
            terminal.close()
