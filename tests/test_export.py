"""Markdown export and atomic writes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from reader.article import load_article, sample_article_path
from reader.export import (ExportError, ExportExists, arabic_sentences_from_markdown, summary_markdown,
                           write_text_atomic)


def _markdown(translations: dict | None = None) -> tuple[str, list]:
    article = load_article(sample_article_path())
    chosen = [article.sentences[2], article.sentences[3], article.sentences[10]]
    translations = translations if translations is not None else {s.id: f"english {s.number}" for s in chosen}
    md = summary_markdown(article, chosen, translations, algorithm="news", length="3 of 32 sentences",
                          model="translate-ar_en 1.0", date=dt.date(2026, 11, 23))
    return md, chosen


def test_summary_markdown_holds_metadata_and_logical_text() -> None:
    md, chosen = _markdown()
    assert md.startswith("# واجهت مقابلة الملياردير")
    for line in ("- Date: 2026-11-23", "- Algorithm: news", "- Length: 3 of 32 sentences",
                 "- Model: translate-ar\\_en 1.0"):
        assert line in md
    assert arabic_sentences_from_markdown(md) == [s.text for s in chosen]
    assert md.count('<p dir="rtl" lang="ar">') == 3
    assert "> english 2" in md
    # logical order only: no presentation forms (shaped glyphs) in the file
    assert not any("\ufb50" <= c <= "\ufeff" for c in md)


def test_missing_translation_is_marked() -> None:
    md, _ = _markdown(translations={})
    assert md.count("*(no translation)*") == 3
    assert "Model: translate-ar" in md


def test_markup_and_html_in_text_round_trip() -> None:
    from reader.article import parse_text

    article = parse_text('قال <b>"المتحدث"</b> & [bold]أضاف[/bold] *هذا*.')
    md = summary_markdown(article, article.sentences, {}, algorithm="news", length="1", model=None)
    assert arabic_sentences_from_markdown(md) == [article.sentences[0].text]
    assert "<b>" not in md


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
    with pytest.raises(ExportError, match="does not exist"):
        write_text_atomic(tmp_path / "nope" / "out.md", "x")
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
