"""Loading articles: encodings, normalisation, hard-wrap detection, structure, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from reader.article import ArticleError, load_article, normalise, parse_text, sample_article_path

ARABIC = "قال المتحدث إن الاجتماع انتهى. وأضاف أن الوفد سيعود غدا."


def test_sample_article_structure() -> None:
    article = load_article(sample_article_path())
    assert len(article.sentences) == 32
    assert len(article.sections) == 21
    assert article.title.startswith("واجهت مقابلة الملياردير")
    title_section = article.sections[0]
    assert [p.is_heading for p in title_section.paragraphs] == [True, True]
    assert all(len(s.paragraphs) == 1 for s in article.sections[1:])
    assert article.warnings == []


def test_spans_and_identities_are_consistent() -> None:
    article = load_article(sample_article_path())
    for number, sentence in enumerate(article.sentences):
        assert sentence.number == number
        assert article.text[sentence.start:sentence.end] == sentence.text
        paragraph = article.sections[sentence.id.section].paragraphs[sentence.id.paragraph]
        assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
        assert paragraph.sentences[sentence.id.index] is sentence
        assert article.sentence(sentence.id) is sentence
    for paragraph in article.paragraphs:
        assert article.text[paragraph.start:paragraph.end] == paragraph.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256", "iso-8859-6"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(ARABIC.encode(encoding))
    article = load_article(path)
    assert article.text == ARABIC
    assert len(article.sentences) == 2


def test_utf16_with_bom_both_orders(tmp_path: Path) -> None:
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        path = tmp_path / f"{enc}.txt"
        path.write_bytes(bom + ARABIC.encode(enc))
        assert load_article(path).text == ARABIC


def test_encoding_flag_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(ARABIC.encode("cp1256"))
    assert load_article(path, encoding="cp1256").encoding == "cp1256"
    with pytest.raises(ArticleError, match="cannot be decoded as utf-8"):
        load_article(path, encoding="utf-8")
    with pytest.raises(ArticleError, match="unknown encoding"):
        load_article(path, encoding="klingon")


def test_normalise_controls_spaces_and_bidi_marks() -> None:
    raw = "\ufeffقال\u00a0المتحدث\u200f \u202bإن\u202c الاجتماع\u200d انتهى.\r\n\r\n\r\nوأضاف\tذلك\x07."
    assert normalise(raw) == "قال المتحدث إن الاجتماع انتهى.\n\nوأضاف ذلك."


def test_tashkeel_is_kept() -> None:
    text = "ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ."
    assert parse_text(text).text == text


def test_hard_wrapped_text_is_rejoined() -> None:
    words = ("قال المتحدث باسم الحكومة إن الاجتماع الذي عقد أمس في العاصمة ناقش عددا من القضايا "
             "المهمة المتعلقة بالاقتصاد والتعليم والصحة وأكد أن الحكومة ماضية في تنفيذ خططها "
             "الإصلاحية رغم الصعوبات التي تواجهها في هذه المرحلة الدقيقة من تاريخ البلاد.").split()
    lines, line = [], ""
    for word in words * 2:
        if len(line) + len(word) + 1 > 60:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    article = parse_text("\n".join(lines))
    body = [p for p in article.paragraphs if not p.is_heading]
    assert len(body) == 1
    assert len(body[0].sentences) == 2
    assert body[0].text == " ".join(words * 2)


def test_one_paragraph_per_line_keeps_lines(sample_text: str) -> None:
    article = parse_text(sample_text)
    assert len(article.paragraphs) == len([line for line in sample_text.splitlines() if line.strip()])


def test_headings_open_sections() -> None:
    text = "عنوان المقال\nالفقرة الأولى هنا.\nعنوان فرعي\nالفقرة الثانية. جملة أخرى.\nالفقرة الثالثة."
    article = parse_text(text)
    assert [s.heading for s in article.sections] == ["عنوان المقال", None, "عنوان فرعي"]
    assert [len(s.paragraphs) for s in article.sections] == [1, 1, 3]
    assert article.title == "عنوان المقال"


def test_non_arabic_text_works_with_a_warning() -> None:
    article = parse_text("This is English. It has two sentences.")
    assert len(article.sentences) == 2
    assert article.warnings and "Arabic" in article.warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\t\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(0, 32)) * 20, "binary"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=message):
        load_article(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such file"):
        load_article(tmp_path / "missing.txt")
    with pytest.raises(ArticleError, match="is a directory"):
        load_article(tmp_path)


def test_unreadable_file(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = tmp_path / "secret.txt"
    path.write_text(ARABIC)
    path.chmod(0)
    with pytest.raises(ArticleError, match="permission denied"):
        load_article(path)


def test_markup_like_text_is_plain_text() -> None:
    text = "[bold red]تحذير[/] <script>alert(1)</script> [link=x]نص[/link]."
    assert parse_text(text).text == text


def test_only_tashkeel_and_emoji() -> None:
    article = parse_text("\u064e\u064f\u0650 😀 🇯🇴")
    assert article.sentences and article.sentences[0].text == "\u064e\u064f\u0650 😀 🇯🇴"
