"""Markdown export and atomic writes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from reader.article import load_article, sample_article_path
from reader.export import (ExportError, ExportExists, arabic_sentences_from_markdown, summary_document,
                           summary_markdown, translation_document, write_text_atomic)
from reader.model import looks_like_byline


def _markdown(translations: dict | None = None) -> tuple[str, list]:
    article = load_article(sample_article_path())
    chosen = [article.sentences[2], article.sentences[3], article.sentences[10]]
    translations = translations if translations is not None else {s.id: f"english {s.number}" for s in chosen}
    md = summary_document(article, chosen, translations, algorithm="news", model="translate-ar_en 1.0",
                          date=dt.date(2026, 11, 23))
    return md, chosen


def test_summary_markdown_holds_metadata_and_logical_text() -> None:
    md, chosen = _markdown()
    assert md.startswith('<div dir="rtl" lang="ar">\n\n# واجهت مقابلة الملياردير')
    for line in ("- Date: 2026-11-23 (summarized)", "- Algorithm: news", "- Length: 3 of 32 sentences",
                 "- Model: translate-ar_en 1.0"):  # a model code is written as it is spelled
        assert line in md.splitlines()
    assert arabic_sentences_from_markdown(md) == [s.text for s in chosen]
    for sentence in chosen:  # each Arabic sentence is a plain Markdown line, not only inside HTML
        assert sentence.text in md.splitlines()
    assert "> english 2" in md
    assert "###" not in md and "Sentence 3" not in md  # one paragraph per sentence, no heading each
    # logical order only: no presentation forms (shaped glyphs) in the file
    assert not any("\ufb50" <= c <= "\ufeff" for c in md)


def test_summary_names_the_bundled_sample_not_its_install_path() -> None:
    md, _ = _markdown()
    (source,) = [line for line in md.splitlines() if line.startswith("- Source: ")]
    assert source == "- Source: zad-jordan-musk-trump-interview.ar.txt (the sample article bundled with qari)"
    assert "site-packages" not in md and str(sample_article_path().parent) not in md


def test_summary_of_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "خبر.txt"
    path.write_text("قال الوزير إن الخطة جاهزة. وأضاف أن التنفيذ يبدأ غدا.", encoding="utf-8")
    article = load_article(path)
    md = summary_document(article, article.sentences[:1], {}, algorithm="lsa", model=None)
    assert f"- Source: {path}" in md.splitlines()
    assert "- Length: 1 of 2 sentences" in md.splitlines()  # what the reader and the CLI both write


def test_summary_markdown_is_the_same_document() -> None:
    """The old name still works, and the length it was given cannot make the two differ."""
    article = load_article(sample_article_path())
    chosen = article.sentences[2:5]
    args = (article, chosen, {})
    assert summary_markdown(*args, algorithm="news", length="3 sentences", model=None) == summary_document(
        *args, algorithm="news", model=None)


def test_missing_translation_is_marked() -> None:
    md, chosen = _markdown(translations={})
    assert md.count("*(no translation)*") == 3
    assert "Model: translate-ar" in md
    assert arabic_sentences_from_markdown(md) == [s.text for s in chosen]  # the Arabic is still there


def test_markup_and_html_in_text_round_trip() -> None:
    from reader.article import parse_text

    article = parse_text('قال <b>"المتحدث"</b> & [bold]أضاف[/bold] *هذا* &amp; \\_x_ a_b `c`.\n'
                         '1. البند الأول.\n- البند الثاني\n# ليس عنوانا\n> ليس اقتباسا')
    md = summary_document(article, article.sentences, {}, algorithm="news", model=None)
    assert arabic_sentences_from_markdown(md) == [s.text for s in article.sentences]
    assert "<b>" not in md


# --- what a terminal shows: the saved file rendered by Rich and by Textual ---------------------

def _squash(text: str) -> str:
    """Rendered text with line wrapping undone (wrapping may break a sentence at any space)."""
    return " ".join(text.split())


def _rich_screen(markdown: str) -> str:
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(record=True, width=100, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(Markdown(markdown))
    console.file.close()
    return _squash(console.export_text())


def _textual_screen(markdown: str) -> str:
    import asyncio

    from textual.app import App, ComposeResult
    from textual.geometry import Region
    from textual.widgets import Markdown

    class Viewer(App[None]):
        def compose(self) -> ComposeResult:
            yield Markdown(markdown)

    async def render() -> str:
        app = Viewer()
        async with app.run_test(size=(100, 50)) as pilot:
            await pilot.pause()
            widget = app.query_one(Markdown)
            lines = []
            for block in widget.query("*"):
                if block.children:  # containers draw nothing but their children
                    continue
                width, height = block.size
                lines += [strip.text for strip in block.render_lines(Region(0, 0, width, height))]
            return _squash("\n".join(lines))

    return asyncio.run(render())


@pytest.mark.parametrize("screen", [_rich_screen, _textual_screen], ids=["rich", "textual"])
def test_saved_summary_shows_every_arabic_sentence_in_terminal_renderers(screen) -> None:
    article = load_article(sample_article_path())
    from reader.summary.summarize import summarize_article

    chosen = summarize_article(article, algorithm="news", count=6)
    for translations in ({s.id: f"english of sentence {s.number}" for s in chosen}, {}):
        shown = screen(summary_document(article, chosen, translations, algorithm="news", model=None))
        assert _squash(article.title) in shown
        for sentence in chosen:
            assert _squash(sentence.text) in shown, sentence.text
            english = translations.get(sentence.id)
            assert (english or "(no translation)") in shown
        assert "<div" not in shown and "<p" not in shown  # the hints are not drawn as text


@pytest.mark.parametrize("screen", [_rich_screen, _textual_screen], ids=["rich", "textual"])
def test_markup_in_a_sentence_renders_as_itself(screen) -> None:
    from reader.article import parse_text

    article = parse_text("قال *المتحدث* إن [الخبر] <b>مهم</b> و_هذا_ &amp; ذاك.\n1. أول بند في القائمة.")
    shown = screen(summary_document(article, article.sentences, {}, algorithm="news", model="translate-ar_en 1.0"))
    for sentence in article.sentences:
        assert _squash(sentence.text) in shown, sentence.text
    assert "translate-ar_en 1.0" in shown


# --- the translation -----------------------------------------------------------------------------

def test_translation_markdown_has_each_heading_once_and_every_paragraph() -> None:
    article = load_article(sample_article_path())
    english = [f"english {s.number}" for s in article.sentences]
    md = translation_document(article, english, format="markdown", model="translate-ar_en 1.0")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    # The site byline above the headline ("زاد الاردن الاخباري -") is a plain line (issue 22).
    byline = [p for p in article.paragraphs if p.section == 0 and looks_like_byline(p.text)]
    assert [p.text for p in byline] == ["زاد الاردن الاخباري -"]
    subheadings = [p for p in article.paragraphs if p.is_heading and p not in byline]
    assert headings == [f"# {article.title}"] + [f"## {p.text}" for p in subheadings if p.text != article.title]
    assert len(headings) == len(set(headings))
    assert arabic_sentences_from_markdown(md) == [p.text for p in article.paragraphs if p not in subheadings]
    for paragraph in article.paragraphs:
        en = " ".join(english[s.number] for s in paragraph.sentences)
        assert (f"**{en}**" if paragraph in subheadings else en) in md.splitlines()
    assert "- Model: translate-ar_en 1.0" in md.splitlines()
    shown = _rich_screen(md)
    assert all(_squash(p.text) in shown for p in article.paragraphs)


def test_translation_text_without_a_model_is_the_arabic() -> None:
    article = load_article(sample_article_path())
    text = translation_document(article, [None] * len(article.sentences), format="text")
    assert text.split("\n\n") == [" ".join(s.text for s in p.sentences) for p in article.paragraphs]
    english = [f"en{s.number}" for s in article.sentences]
    assert translation_document(article, english, format="text").split("\n\n") == [
        " ".join(english[s.number] for s in p.sentences) for p in article.paragraphs]


def test_translation_jsonl_is_one_row_per_sentence() -> None:
    import json

    article = load_article(sample_article_path())
    rows = [json.loads(line) for line in translation_document(
        article, [None] * len(article.sentences), format="jsonl").splitlines()]
    assert [(r["number"], r["ar"], r["en"]) for r in rows] == [(s.number, s.text, None) for s in article.sentences]
    with pytest.raises(ValueError, match="unknown format"):
        translation_document(article, [], format="xml")


def test_atomic_write_refuses_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    write_text_atomic(target, "first")
    with pytest.raises(ExportExists, match="already exists"):
        write_text_atomic(target, "second")
    assert target.read_text() == "first"
    write_text_atomic(target, "second", force=True)
    assert target.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]  # no temp files left


def test_write_to_missing_folder_or_directory(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist") as missing:
        write_text_atomic(tmp_path / "nope" / "out.md", "x")
    assert str(missing.value).count(str(tmp_path)) == 1  # the path once, and which folder is missing
    assert str(missing.value) == f"{tmp_path / 'nope' / 'out.md'}: cannot write, its folder does not exist"
    with pytest.raises(ExportError, match="is a directory"):
        write_text_atomic(tmp_path, "x")


def test_read_only_folder_keeps_old_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    target = tmp_path / "out.md"
    target.write_text("old")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="cannot write"):
            write_text_atomic(target, "new", force=True)
    finally:
        tmp_path.chmod(0o700)
    assert target.read_text() == "old"


def test_full_disk_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails part-way (ENOSPC at flush) leaves the old file and no temp file."""
    target = tmp_path / "out.md"
    target.write_text("old")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("reader.export.os.fsync", failing_fsync)
    with pytest.raises(ExportError, match="No space left"):
        write_text_atomic(target, "new", force=True)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_forced_save_replaces_the_file_rather_than_rewriting_it(tmp_path: Path) -> None:
    """A reader that opened the old file keeps reading the old text to its end: the new text
    goes to a new file that is renamed over the old one, never written into it."""
    target = tmp_path / "summary.md"
    old = "القديم\n" * 5000
    target.write_text(old, encoding="utf-8")
    old_inode = target.stat().st_ino
    with target.open(encoding="utf-8") as reader:
        first = reader.read(10)
        write_text_atomic(target, "الجديد\n", force=True)
        assert first + reader.read() == old
    assert target.read_text(encoding="utf-8") == "الجديد\n"
    assert target.stat().st_ino != old_inode
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]


def test_failure_after_the_new_text_is_written_keeps_the_old_file(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The last step (the rename) fails: the old file is untouched and no temp file is left."""
    target = tmp_path / "summary.md"
    target.write_text("old", encoding="utf-8")
    written: list[str] = []
    real_replace = os.replace

    def failing_replace(src, dst):
        written.append(Path(src).read_text(encoding="utf-8"))  # the new text was complete
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("reader.export.os.replace", failing_replace)
    with pytest.raises(ExportError, match="Input/output error"):
        write_text_atomic(target, "new", force=True)
    assert written == ["new"]
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]
    monkeypatch.setattr("reader.export.os.replace", real_replace)
    write_text_atomic(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"


def test_library_api_renders_with_the_same_functions() -> None:
    import reader
    from reader import export

    assert reader.summary_document is export.summary_document
    assert reader.translation_document is export.translation_document
    article = reader.parse_text("قال الوزير إن الخطة جاهزة. ثم غادر.")
    assert reader.translation_document(article, [None, None], format="text") == article.text


@pytest.mark.parametrize("source, name", [
    ("news/بيان الوزارة.txt", "بيان-الوزارة.summary.md"),
    ("https://news.example/2026/story-17.html?ref=rss", "story-17.summary.md"),
    ("https://news.example/section/", "section.summary.md"),
    ("<stdin>", "article.summary.md"),
    ("-", "article.summary.md"),
    ("../.hidden", "hidden.summary.md"),
])
def test_default_save_path_names_the_summary_after_the_source(source, name, tmp_path) -> None:
    from reader.article import parse_text
    from reader.export import default_save_path

    article = parse_text("قال المتحدث إن الاجتماع انتهى.", source)
    assert default_save_path(article, tmp_path) == tmp_path / name
