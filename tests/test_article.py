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


def bad_bytes(data: bytes, encoding: str) -> int:
    """How many bytes `encoding` cannot decode (surrogateescape keeps one code point per byte)."""
    return sum(1 for ch in data.decode(encoding, "surrogateescape") if 0xDC80 <= ord(ch) <= 0xDCFF)


def test_encoding_flag_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(ARABIC.encode("cp1256"))
    article = load_article(path, encoding="cp1256")
    assert (article.encoding, article.text, article.warnings) == ("cp1256", ARABIC, [])
    with pytest.raises(ArticleError, match="unknown encoding"):
        load_article(path, encoding="klingon")


def test_encoding_flag_replaces_what_it_cannot_decode_and_warns(tmp_path: Path) -> None:
    # Issue 10: `--encoding utf-8` on a Windows-1256 file used to refuse it; it now takes the
    # same replacement path as detection, and says how much was replaced and where.
    data = ARABIC.encode("cp1256")
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    article = load_article(path, encoding="utf-8")
    assert article.encoding == "utf-8"
    assert article.text == data.decode("utf-8", "replace")
    first = data.index(next(b for b in data if b >= 0x80))
    assert article.warnings[0] == (f"{path}: {bad_bytes(data, 'utf-8')} bytes that are not valid utf-8 shown as "
                                   f"\ufffd (the first at byte {first}, line 1)")


def test_one_bad_byte_in_utf8_keeps_utf8_and_warns(tmp_path: Path) -> None:
    # Issue 10: one \xff in the middle of the UTF-8 sample decoded the whole article as
    # Windows-1256 (mojibake everywhere, no warning).
    data = sample_article_path().read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 7
    while data[cut] & 0xC0 == 0x80:  # not inside a character
        cut += 1
    damaged = data[:cut] + b"\xff" + data[cut:]
    path = tmp_path / "damaged.txt"
    path.write_bytes(damaged)
    article = load_article(path)
    assert article.encoding == "utf-8"
    assert article.text == parse_text(damaged.decode("utf-8", "replace")).text
    assert article.text.count("\ufffd") == 1
    line = data[:cut].count(b"\n") + 1
    assert article.warnings == [f"{path}: 1 byte that is not valid utf-8 shown as \ufffd (the first at byte {cut}, line {line})"]
    # everything else is the sample, word for word
    assert article.text.replace("\ufffd", "") == load_article(sample_article_path()).text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_damaged_utf16_stays_utf16(tmp_path: Path, encoding: str) -> None:
    data = bytearray(ARABIC.encode(encoding))
    data[len(data) // 2 | 1 if encoding.endswith("le") else len(data) // 2 & ~1] = 0xD8  # a lone surrogate
    data += b"\x41"  # and half a code unit at the end
    path = tmp_path / "a.txt"
    path.write_bytes(bytes(data))
    article = load_article(path)
    assert article.encoding.startswith("utf-16")
    assert article.text == normalise(bytes(data).decode(encoding, "replace"))
    assert len(article.warnings) == 1 and f"not valid {article.encoding} shown as" in article.warnings[0]


def test_a_clean_file_has_no_decoding_warning(tmp_path: Path) -> None:
    for encoding in ("utf-8", "cp1256", "iso-8859-6", "utf-16"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(ARABIC.encode(encoding))
        assert load_article(path).warnings == []


def test_stray_bytes_in_ascii_text_are_utf8_replacements(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"The minister spoke today.\xff He said more.")
    article = load_article(path)
    assert article.encoding == "utf-8" and "today.\ufffd He" in article.text
    assert any("1 byte that is not valid utf-8" in w for w in article.warnings)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_mark_is_trusted_for_text_in_any_script(tmp_path: Path, encoding: str) -> None:
    text = "中文新闻 😀 Ελληνικά 한국어"
    path = tmp_path / "a.txt"
    path.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be") if encoding.endswith("be") else text.encode(encoding))
    article = load_article(path)
    assert article.text == text and article.encoding == "utf-16"


def test_a_stray_utf16_mark_does_not_make_a_file_utf16(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xff\xfe" + ARABIC.encode("utf-8"))
    article = load_article(path)
    assert article.encoding == "utf-8" and article.text == "\ufffd\ufffd" + ARABIC


def test_arabic_code_pages_are_told_apart_by_the_arabic_they_give(tmp_path: Path) -> None:
    # Words whose bytes are valid in both tables: only well-formed Arabic tells them apart.
    text = "وقالت الحكومة إن المحطة الجديدة ستعمل في الصيف."
    for encoding in ("cp1256", "iso-8859-6"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        article = load_article(path)
        assert article.text == text, encoding


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


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_bad_bytes_line_is_counted_with_every_kind_of_line_break(newline):
    """Old Mac files end lines with CR alone: the bad byte on the third line is on line 3."""
    from reader.textio import decode_text

    lines = ["السطر الأول", "السطر الثاني", "السطر الثالث"]
    data = newline.join(lines).encode("utf-8")
    cut = data.rindex("الثالث".encode("utf-8"))
    data = data[:cut] + b"\xff" + data[cut:]
    decoded = decode_text(data, "old-mac.txt", encoding="utf-8")
    assert decoded.first_bad_line == 3 and decoded.first_bad == cut
    assert decoded.warnings[0].endswith(f"(the first at byte {cut}, line 3)")
