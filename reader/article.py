"""Load an article: read bytes, decode, normalise, find paragraphs, sections and sentences.

The normalised logical text is the single source of truth: every paragraph and sentence is a
span of it. Errors are `ArticleError` with a one-line message fit for the terminal.
"""

from __future__ import annotations

import importlib.resources
import re
import sys
from pathlib import Path

from reader import textio
from reader.text.arabic import arabic_ratio
from reader.model import Article, Paragraph, Section, Sentence, SentenceId, looks_like_byline
from reader.text.segment import split_sentences
from reader.untrusted import quote_name, quote_source

MAX_BYTES = 50 * 1024 * 1024
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

# Zero-width characters and bidi controls never belong in the display text (a ZWJ inside an
# emoji sequence such as 👨‍👩‍👧 is part of the emoji and stays). A ZWNJ (U+200C) between two
# letters stays: it is part of the spelling in Persian, Urdu and Kurdish (اصلاح‌طلبان).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u2060\ufeff\u00ad\u200e\u200f\u061c"
             "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)
_ZWJ = re.compile("\u200d")
_ZWNJ = re.compile("\u200c")
_EMOJI = re.compile("[\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")
# Whitespace control characters separate words: line separators (as str.splitlines) become
# line breaks, the unit separator a space; every other control character is dropped.
_LINE_CONTROLS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85]")
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_ODD_SPACES = re.compile("[\t\x1f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACE = re.compile(" {2,}")
_URL_LIKE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# `javascript:…`, `data:…`, `mailto:…`: a URL, not a file name (one letter is a Windows drive).
_SCHEME_LIKE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")
_END_PUNCT = tuple(".!?؟…:\"'”’»)]}")


class ArticleError(Exception):
    """A problem with the input, phrased as one line for the user."""


def sample_article_path() -> Path:
    """The bundled sample article (shipped as package data)."""
    folder = importlib.resources.files("reader.assets").joinpath("articles")
    return Path(str(folder.joinpath("zad-jordan-musk-trump-interview.ar.txt")))


def load_article(source: str | Path, encoding: str | None = None) -> Article:
    """Load an article from a path, `-` (stdin), an http(s) URL, or an .html file."""
    name = str(source)
    if name == "-":
        data = _read_stdin()
        return article_from_bytes(data, "<stdin>", encoding=encoding)
    if _URL_LIKE.match(name):
        from reader.web import fetch  # only URL and HTML sources pay for this import

        try:
            data = fetch.fetch_url(name)
        except fetch.FetchError as exc:
            raise ArticleError(str(exc)) from None
        from reader.web.extract import kind_of_page

        return article_from_bytes(data, name, kind=kind_of_page(data), url=getattr(data, "url", name),
                                  encoding=encoding)
    scheme = _SCHEME_LIKE.match(name)
    if scheme and not _URL_LIKE.match(name) and not Path(name).exists():
        raise ArticleError(f"{quote_name(name[:80])}: unsupported URL scheme {scheme.group(1).lower()!r}"
                           " (qari opens http(s) URLs, files and - for stdin)")
    path = Path(name).expanduser()
    data = _read_file(path)
    return article_from_bytes(data, name, kind="html" if path.suffix.lower() in HTML_SUFFIXES else "text",
                              encoding=encoding)


def article_from_bytes(data: bytes, source: str, *, kind: str = "text", url: str | None = None,
                       encoding: str | None = None) -> Article:
    """An article from bytes read by the caller: ``kind`` ``"text"`` (decoded, re-joined,
    headings guessed) or ``"html"`` (a page: extracted, headings from its tags; ``url`` is the
    page's address for link resolution). The reader and ``qari batch`` both load through here,
    so the same input gives the same sentences everywhere."""
    if kind == "html":
        return _article_from_html(data, source, encoding, url=url)
    return _article_from_bytes(data, source, encoding)


def parse_text(text: str, source: str = "<text>", *, encoding: str = "utf-8") -> Article:
    """Build an Article from already-decoded text."""
    text = normalise(text)
    if not text.strip():
        raise ArticleError(f"{quote_source(source)}: the article is empty (no text to read)")
    blocks = [("paragraph", p) for p in _paragraphs(text)]
    return _build(blocks, source=source, title=None, encoding=encoding, detect_headings=True)


def article_from_blocks(
    blocks: list[tuple[str, str]], source: str, title: str | None = None, *, encoding: str = "utf-8"
) -> Article:
    """Build an Article from extracted blocks ("heading" | "paragraph", text), e.g. from HTML."""
    clean = []
    for kind, text in blocks:
        for line in normalise(text).split("\n"):
            if line.strip():
                clean.append((kind, line.strip()))
    if not clean:
        raise ArticleError(f"{quote_source(source)}: no article text found")
    return _build(clean, source=source, title=title, encoding=encoding, detect_headings=False)


def structure_of(article: Article) -> str:
    """The article's structure as one letter per paragraph ("h" heading, "p" paragraph), in
    the order of ``article.text``'s lines: what :func:`article_from_structure` needs to rebuild
    the same article from its text."""
    return "".join("h" if p.is_heading else "p" for p in article.paragraphs)


def article_from_structure(text: str, structure: str, source: str, title: str | None = None) -> Article:
    """Rebuild an article from its normalised text and :func:`structure_of` (the library's
    resume): the same paragraphs, headings, sections and sentences as when it was read. A
    structure that does not fit the text (hand-edited file, other qari) is not trusted: the
    text is parsed again instead."""
    lines = text.split("\n")
    if len(lines) != len(structure) or set(structure) - {"h", "p"} or not all(line.strip() for line in lines):
        article = parse_text(text, source)
        if title:
            article.title = title
        return article
    blocks = [("heading" if kind == "h" else "paragraph", line) for kind, line in zip(structure, lines, strict=True)]
    return _build(blocks, source=source, title=title or None, encoding="utf-8", detect_headings=False)


# --- reading and decoding -------------------------------------------------------------------

def _read_stdin() -> bytes:
    if sys.stdin is None or sys.stdin.closed:
        raise ArticleError("stdin: nothing to read")
    if sys.stdin.isatty():
        raise ArticleError("stdin: expected an article piped in (for example: cat article.txt | qari -)")
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ArticleError(f"stdin: the input is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def _read_file(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise ArticleError(f"{quote_name(path)}: is a directory, not an article file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ArticleError(f"{quote_name(path)}: the file is {size / 1e6:.0f} MB; qari reads articles up to {MAX_BYTES // (1024 * 1024)} MB")
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ArticleError(f"{quote_name(path)}: no such file") from None
    except PermissionError:
        raise ArticleError(f"{quote_name(path)}: permission denied (cannot read the file)") from None
    except IsADirectoryError:
        raise ArticleError(f"{quote_name(path)}: is a directory, not an article file") from None
    except OSError as exc:
        raise ArticleError(f"{quote_name(path)}: cannot read the file ({exc.strerror or exc})") from None


def _article_from_bytes(data: bytes, source: str, encoding: str | None) -> Article:
    if not data.strip():
        raise ArticleError("no input on stdin" if source == "<stdin>" else f"{quote_source(source)}: the file is empty")
    if data.startswith(b"%PDF-"):
        raise ArticleError(f"{quote_source(source)}: is a PDF; qari reads text and HTML (convert it: pdftotext FILE.pdf FILE.txt)")
    try:
        decoded = textio.decode_text(data, source, encoding)
    except textio.DecodeError as exc:
        raise ArticleError(str(exc)) from None
    if textio.control_ratio(decoded.text) > 0.1:
        raise ArticleError(_not_text(data, source, encoding))
    article = parse_text(decoded.text, source, encoding=decoded.encoding)
    article.warnings[:0] = decoded.warnings
    return article


def _article_from_html(data: bytes, source: str, encoding: str | None, url: str | None = None) -> Article:
    from reader.web.extract import extract_html

    if not data.strip():
        raise ArticleError(f"{quote_source(source)}: the page is empty")
    try:
        decoded = textio.decode_page(data, getattr(data, "charset", None), encoding, source)
    except textio.DecodeError as exc:  # only an unknown --encoding
        raise ArticleError(str(exc)) from None
    extracted = extract_html(decoded.text, url=url)
    title, blocks = extracted
    article = article_from_blocks(blocks, source, title or None, encoding=decoded.encoding)
    article.date = getattr(extracted, "date", None)
    article.warnings[:0] = decoded.warnings
    return article


def _not_text(data: bytes, source: str, encoding: str | None) -> str:
    """The error for text full of control characters: with `--encoding`, when another reading
    of the bytes is text, it is the encoding that does not fit (not a binary file)."""
    if encoding:
        try:
            other = textio.decode_text(data, source, None)
        except textio.DecodeError:
            other = None
        if other is not None and textio.control_ratio(other.text) <= 0.1:
            return (f"{quote_source(source)}: the text does not fit --encoding {encoding} (it reads as control characters); "
                    f"it looks like {other.encoding}: try --encoding {other.encoding}, or leave --encoding out")
    return f"{quote_source(source)}: looks like a binary file, not text"


# --- normalising ----------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Unify line endings and spaces, drop zero-width and bidi control characters (not the
    ZWJ inside an emoji sequence, nor ZWNJ) and other control characters; keep tashkeel. Whitespace
    controls (form feed, vertical tab, NEL, separators) become line breaks or spaces, so no
    two words are glued together. Lines are stripped; blank-line runs become one."""
    if "\u200c" in text:
        text = _ZWNJ.sub(_keep_word_zwnj, text)
    if "\u200d" in text:
        text = _ZWJ.sub(_keep_emoji_zwj, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _LINE_CONTROLS.sub("\n", text)
    text = text.translate(_INVISIBLE)
    text = _ODD_SPACES.sub(" ", text)
    text = _CONTROLS.sub("", text)
    lines = [_MULTI_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _keep_word_zwnj(match: re.Match) -> str:
    """A ZWNJ inside a word (a letter or mark on each side) is spelling; any other is dropped."""
    import unicodedata  # C module, already loaded by the time text is read

    text, i = match.string, match.start()
    if 0 < i < len(text) - 1 and unicodedata.category(text[i - 1])[0] in "LM" \
            and unicodedata.category(text[i + 1])[0] in "LM":
        return "\u200c"
    return ""


def _keep_emoji_zwj(match: re.Match) -> str:
    """A ZWJ between two emoji (the first may carry VS16) joins them; any other is dropped."""
    text, i = match.string, match.start()
    before = text[i - 1] if i else ""
    if before == "\ufe0f" and i >= 2:
        before = text[i - 2]
    after = text[i + 1 : i + 2]
    return "\u200d" if _EMOJI.match(before) and _EMOJI.match(after) else ""


def _paragraphs(text: str) -> list[str]:
    """Split normalised text into paragraphs, re-joining hard-wrapped lines.

    The decision is made for the whole text when it is uniformly hard-wrapped, else per run of
    lines between blank lines: a long file may mix paragraphs broken at a column with
    paragraphs on one line each, and the long lines must not hide the wrapped ones (nor a
    wrapped run's lines be read as headings and its sentences cut at line breaks)."""
    lines = text.split("\n")
    if _is_hard_wrapped(lines):
        return _rejoin(lines, _wrap_width(lines))
    runs: list[list[str]] = [[]]
    for line in lines:
        if line:
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    multi = [line for run in runs if len(run) >= 2 for line in run]
    if not multi or not _is_hard_wrapped(multi):
        return [line for line in lines if line]
    width = _wrap_width(multi)
    paragraphs: list[str] = []
    for run in runs:
        paragraphs += _rejoin(run, width) if _run_is_wrapped(run, width) else run
    return paragraphs


def _run_is_wrapped(run: list[str], width: int) -> bool:
    """A run of lines broken at about `width` columns, mid-sentence (its last line may be short)."""
    body = run[:-1]
    if not body:
        return False
    near = [line for line in body if 0.75 * width <= len(line) <= 1.15 * width]
    # A closing quote or bracket may end a quotation inside a sentence: look before it.
    mid_sentence = [line for line in near if not line.rstrip("\"'”’»)]}").endswith(_END_PUNCT)]
    return len(near) >= 0.6 * len(body) and len(mid_sentence) >= 0.6 * len(near)


def _rejoin(lines: list[str], width: int) -> list[str]:
    """Join hard-wrapped lines into paragraphs: a blank line, or a line well short of the wrap
    width that ends a sentence, closes a paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if len(line) < 0.6 * width and line.endswith(_END_PUNCT):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _wrap_width(lines: list[str]) -> int:
    lengths = sorted(len(line) for line in lines if line)
    return lengths[int(0.9 * (len(lengths) - 1))]


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Most lines end near one width and mid-sentence: text broken at a fixed column."""
    body = [line for line in lines if line]
    if len(body) < 4:
        return False
    width = _wrap_width(lines)
    if width < 20 or width > 200:
        return False
    near = [line for line in body if len(line) >= 0.75 * width]
    if len(near) < 0.6 * len(body):
        return False
    mid_sentence = [line for line in near if not line.endswith(_END_PUNCT)]
    import statistics  # here: only hard-wrapped text gets this far (start-up time)

    spread = statistics.pstdev([len(line) for line in near]) if len(near) > 1 else 0
    return len(mid_sentence) >= 0.6 * len(near) and spread <= 0.12 * width


# --- structure ------------------------------------------------------------------------------

def _looks_like_heading(line: str, max_words: int) -> bool:
    words = line.split()
    return 0 < len(words) <= max_words and len(line) <= 160 and not line.endswith(_END_PUNCT)


def _build(blocks: list[tuple[str, str]], *, source: str, title: str | None, encoding: str,
           detect_headings: bool) -> Article:
    """Lay blocks out as one text and group them into sections.

    Leading heading lines form the title section; after that a heading opens a section that
    runs to the next heading, and a paragraph with no heading above it is its own section.
    """
    text = "\n".join(t for _, t in blocks)
    kinds: list[bool] = []
    in_title = True
    for kind, para in blocks:
        if detect_headings:
            heading = _looks_like_heading(para, 20 if in_title else 12)
        else:
            heading = kind == "heading"
        in_title = in_title and heading
        kinds.append(heading)

    sections: list[Section] = []
    offset = 0
    number = 0
    leading = True
    open_heading_section = False
    for (_, para), is_heading in zip(blocks, kinds, strict=True):
        start, end = offset, offset + len(para)
        offset = end + 1
        if is_heading:
            if not (leading and sections):
                sections.append(Section(index=len(sections)))
            open_heading_section = not leading
        else:
            if leading:
                leading = False
                open_heading_section = False
            if not open_heading_section:
                sections.append(Section(index=len(sections)))
        section = sections[-1]
        p = Paragraph(section=section.index, index=len(section.paragraphs), text=para, start=start, end=end,
                      is_heading=is_heading)
        spans = [(0, len(para))] if is_heading else split_sentences(para)
        for i, (a, b) in enumerate(spans):
            p.sentences.append(Sentence(SentenceId(section.index, p.index, i), para[a:b], start + a, start + b, number))
            number += 1
        section.paragraphs.append(p)

    warnings = []
    ratio = arabic_ratio(text[:20_000])  # a sample is enough for a warning, and cheap on huge files
    if ratio < 0.5:
        if any(c.isalpha() for c in text):
            warnings.append(f"{quote_source(source)}: only {ratio:.0%} of the letters are Arabic script; qari is made for Arabic text")
        else:
            warnings.append(f"{quote_source(source)}: the text has no letters (only marks, digits or symbols)")
    if title is None:
        title = _title(sections) or _stem(source)
    return Article(text=text, sections=sections, source=source, title=title, encoding=encoding, warnings=warnings)


def _title(sections: list[Section]) -> str | None:
    """The first title-section heading, skipping a site byline such as "Agency -"."""
    headings = [p.text for p in sections[0].paragraphs if p.is_heading] if sections else []
    for heading in headings:
        if not looks_like_byline(heading):
            return heading
    return headings[0] if headings else None


def _stem(source: str) -> str:
    if source.startswith("<"):
        return source.strip("<>")
    name = Path(source).name
    for suffix in (".txt", ".html", ".htm", ".md", ".ar"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name or source
