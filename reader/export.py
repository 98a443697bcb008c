"""Every rendering of an article that leaves qari — the summary document (saved from the reader
or printed by `qari summarize`) and the translation in Markdown, plain text or JSONL (`qari
translate`) — and the atomic file write they go through. The App, the CLI and the library API
call these functions, so a file looks the same whichever way it was made.

Documents hold logical text only (never shaped or reordered glyphs). Arabic is written as plain
Markdown text, so terminal renderers (Rich, Textual's Markdown widget, glow), which drop raw
HTML, still show it; each Arabic block sits inside `<div dir="rtl" lang="ar">` … `</div>`
lines, which HTML renderers (GitHub, VS Code) use to set the direction and terminal renderers
ignore. The hint is never the only copy of the text.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from reader.model import Article, Sentence, SentenceId, looks_like_byline
from reader.untrusted import one_line, visible


class ExportError(Exception):
    """Writing failed; the message is one line for the user."""


class ExportExists(ExportError, FileExistsError):
    """The target exists and overwriting was not asked for."""


# --- Markdown text ----------------------------------------------------------------------------

RTL_OPEN = '<div dir="rtl" lang="ar">'
RTL_CLOSE = "</div>"
NO_MODEL = "none (no translation model installed)"
NOT_ASKED = "none (translation not asked for: --no-translate)"
NO_TRANSLATION = "*(no translation)*"

# Characters Markdown may read as markup anywhere in a line. Some only in context, and only
# there are they escaped, so the raw file stays readable: an underscore between two letters or
# digits (`translate-ar_en`, `كلمة_كلمة`) is never emphasis; brackets make a link or a link
# definition only with `](`, `][` or `]:` (and no definition can exist when every `]:` is
# escaped); `&` matters only where it would start an entity (`&amp;`, `&#1;`).
_MD_SPECIAL = re.compile(r"[\\`*<>#|~]|(?<![^\W_])_|_(?![^\W_])|\](?=[(\[:])|&(?=#?\w+;)")
# What would open a block at the start of a line: a list item (`- `, `+ `, `1. `, `1) `).
_BLOCK_START = re.compile(r"^([-+=]|\d{1,9}(?=[.)]))", re.MULTILINE)
_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would otherwise read as markup, so the text renders as
    itself; `unescape_markdown` is its exact inverse."""
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), text)


def unescape_markdown(text: str) -> str:
    """Undo `escape_markdown` (and any CommonMark backslash escape)."""
    return _MD_ESCAPED.sub(r"\1", text)


def _rtl(markdown: str) -> list[str]:
    """An Arabic block: plain Markdown, between direction hints that only HTML renderers use."""
    return [RTL_OPEN, "", markdown, "", RTL_CLOSE, ""]


def _one_line(text: str) -> str:
    """A title or metadata value (from a page, a file name) as one line with no control
    character: the document is read in a terminal later (`reader.untrusted`)."""
    return one_line(text)


def source_label(article: Article) -> str:
    """The article's source as a reader should see it: the URL or path as given, but the
    bundled sample by its name rather than a path inside the installed package."""
    from reader.article import sample_article_path

    try:
        sample = sample_article_path()
        if article.source and Path(article.source).resolve() == sample.resolve():
            return f"{sample.name} (the sample article bundled with qari)"
    except (OSError, ValueError):
        pass
    return article.source


def default_save_path(article: Article, cwd: Path | None = None) -> Path:
    """Where the reader offers to save an article's summary: ``./<article-stem>.summary.md`` in
    the current directory (``cwd``), the stem made from the file name or the URL's last part
    with anything but letters, digits, ``-``, ``_`` and ``.`` replaced (``article`` when none is
    left, as for stdin)."""
    cwd = Path.cwd() if cwd is None else cwd
    source = article.source or ""
    stem = ""
    if source and source not in ("-", "<stdin>", "<text>") and "://" not in source:
        stem = Path(source).stem
    elif "://" in source:
        stem = source.rstrip("/").rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[0]
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-.") or "article"
    return cwd / f"{stem}.summary.md"


def _metadata(items: Sequence[tuple[str, str]]) -> list[str]:
    return [f"- {key}: {escape_markdown(_one_line(value))}" for key, value in items] + [""]


def _title_block(title: str) -> list[str]:
    return _rtl(f"# {escape_markdown(_one_line(title))}")


# --- the summary ------------------------------------------------------------------------------

def summary_length(article: Article, sentences: Sequence[Sentence]) -> str:
    """The `Length:` line's value, the same from the reader and from `qari summarize`."""
    return f"{len(sentences)} of {len(article.sentences)} sentences"


def summary_document(
    article: Article,
    sentences: Sequence[Sentence],
    translations: Mapping[SentenceId, str | None],
    *,
    algorithm: str,
    model: str | None,
    date: _dt.date | None = None,
    no_model: str = NO_MODEL,
) -> str:
    """The summary as Markdown: the title, a metadata list, then each summary sentence as an
    Arabic paragraph followed by its English translation as a quote (or a note that there is
    none). `translations` maps a sentence's id to its English; a missing or empty entry means
    untranslated. `Date:` is the page's publication date ("(published)") when it gives one,
    else the day of the summary ("(summarized)"). `no_model` is the `Model:` line without a model: why there is none
    (`NO_MODEL`, or `NOT_ASKED` for `--no-translate`). The text ends with a newline."""
    date = date or _dt.date.today()
    # The article's own date when the page gives one; else the day of the summary. Say which.
    when = f"{article.date} (published)" if article.date else f"{date.isoformat()} (summarized)"
    lines = _title_block(article.title or "Summary")
    lines += _metadata([
        ("Source", source_label(article)),
        ("Date", when),
        ("Algorithm", algorithm),
        ("Length", summary_length(article, sentences)),
        ("Model", model or no_model),
    ])
    lines += ["## Summary", ""]
    for sentence in sentences:
        lines += _summary_entry(sentence, translations.get(sentence.id))
    return "\n".join(lines)


def _summary_entry(sentence: Sentence, english: str | None) -> list[str]:
    """A summary sentence as an Arabic block, then its English as a quote (or a note)."""
    return _rtl(escape_markdown(sentence.text)) + [
        f"> {escape_markdown(_one_line(english))}" if english else f"> {NO_TRANSLATION}", ""]


def summary_markdown(
    article: Article,
    sentences: Sequence[Sentence],
    translations: Mapping[SentenceId, str | None],
    *,
    algorithm: str,
    length: str | None = None,
    model: str | None,
    date: _dt.date | None = None,
) -> str:
    """Former name of `summary_document`, kept for callers; `length` is ignored (the document
    states the length itself, the same way for every caller)."""
    del length
    return summary_document(article, sentences, translations, algorithm=algorithm, model=model, date=date)


# An Arabic sentence or paragraph block of a document (the title block is a heading).
_AR_BLOCK = re.compile("^" + re.escape(RTL_OPEN) + r"\n\n(?!#)(.*)\n\n" + re.escape(RTL_CLOSE) + "$", re.MULTILINE)


def arabic_sentences_from_markdown(markdown: str) -> list[str]:
    """Recover the logical Arabic sentences from an exported summary (round-trip check)."""
    return [unescape_markdown(m.group(1)) for m in _AR_BLOCK.finditer(markdown)]


# --- the translation --------------------------------------------------------------------------

TRANSLATION_FORMATS = ("jsonl", "markdown", "text")


def translation_document(article: Article, english: Sequence[str | None], *, format: str,
                         model: str | None = None, marks: Sequence[tuple[int, str]] = ()) -> str:
    """The article and its English (`english[n]` for sentence number n, None when not
    translated) in one of TRANSLATION_FORMATS; `model` names the translation model."""
    if format == "jsonl":
        return translation_jsonl(article, english)
    if format == "markdown":
        return translation_markdown(article, english, model=model, marks=marks)
    if format == "text":
        return translation_text(article, english)
    raise ValueError(f"unknown format {format!r}; expected one of {', '.join(TRANSLATION_FORMATS)}")


def translation_jsonl(article: Article, english: Sequence[str | None], *, article_id: str | None = None,
                      summary: Sequence[int] | None = None) -> str:
    """One JSON object per sentence, in article order: its position, whether it is a heading,
    the Arabic (`ar`) and the English (`en`, null when untranslated). `qari batch` adds the
    article's id (`article`, first) and whether the sentence is in the summary (`summary`)."""
    rows = []
    chosen = set(summary or ())
    for s in article.sentences:
        heading = article.sections[s.id.section].paragraphs[s.id.paragraph].is_heading
        row: dict[str, object] = {} if article_id is None else {"article": article_id}
        row.update({"section": s.id.section, "paragraph": s.id.paragraph, "index": s.id.index,
                    "number": s.number, "heading": heading, "ar": s.text, "en": english[s.number]})
        if summary is not None:
            row["summary"] = s.number in chosen
        rows.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(rows)


def translation_text(article: Article, english: Sequence[str | None]) -> str:
    """The English, one block per paragraph; a sentence without a translation (no model
    installed) is given in Arabic, so the text is never blank."""
    paragraphs = []
    for paragraph in article.paragraphs:
        parts = [s.text if (en := english[s.number]) is None else en for s in paragraph.sentences]
        paragraphs.append(" ".join(parts).strip())
    return "\n\n".join(paragraphs)


def translation_markdown(article: Article, english: Sequence[str | None], *, model: str | None = None,
                         marks: Sequence[tuple[int, str]] = (), source: str | None = None,
                         summary: tuple[str, Sequence[int]] | None = None) -> str:
    """The article in both languages: the title (once, as the only level-1 heading), a metadata
    list, then every paragraph in Arabic followed by its English. An Arabic heading is a
    level-2 heading; its English is a bold line under it, not a second heading. A site byline
    above the headline ("Agency -") is a plain line, not a heading.

    `qari batch` writes its `.md` files here too: `source` names the article as the run does
    (its id, relative to the batch's SOURCE, so the file does not depend on where it ran), and
    with `summary` (algorithm, sentence numbers) a `## Summary` section (each sentence and its
    English, as in the summary document) comes before a `## Translation` section."""
    paragraphs = article.paragraphs
    title_paragraph = next((p for p in paragraphs if p.is_heading and p.text == article.title), None)
    lines = _title_block(article.title)
    if title_paragraph is not None:
        lines += _english_heading(title_paragraph, english)
    metadata = [("Source", source_label(article) if source is None else source), ("Model", model or NO_MODEL)]
    if summary is not None:
        chosen = [article.sentences[n] for n in summary[1] if 0 <= n < len(article.sentences)]
        metadata.append(("Summary", f"{summary[0]}, {summary_length(article, chosen)}"))
    lines += _metadata(metadata)
    if summary is not None:
        lines += ["## Summary", ""]
        for sentence in chosen:
            lines += _summary_entry(sentence, english[sentence.number])
        lines += ["## Translation", ""]
    for paragraph in paragraphs:
        if paragraph is title_paragraph:
            continue
        ar = escape_markdown(" ".join(s.text for s in paragraph.sentences))
        if paragraph.is_heading and not (paragraph.section == 0 and looks_like_byline(paragraph.text)):
            lines += _rtl(f"## {ar}") + _english_heading(paragraph, english)
        else:
            en = " ".join(english[s.number] or "" for s in paragraph.sentences).strip()
            lines += _rtl(ar) + [escape_markdown(_one_line(en)) if en else NO_TRANSLATION, ""]
    if marks:
        # The reader's marks (`m` in the reader): sentence number, note, and the sentence.
        lines += ["## Marks", ""]
        for number, note in marks:
            if 0 <= number < len(article.sentences):
                head = f"- Sentence {number + 1}" + (f" — {escape_markdown(_one_line(note))}" if note else "") + ":"
                lines += [head, ""] + _rtl(escape_markdown(article.sentences[number].text))
    return "\n".join(lines)


def _english_heading(paragraph, english: Sequence[str | None]) -> list[str]:
    en = " ".join(english[s.number] or "" for s in paragraph.sentences).strip()
    return [f"**{escape_markdown(_one_line(en))}**", ""] if en else []


# --- writing ----------------------------------------------------------------------------------

def write_text_atomic(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write `text` (UTF-8, `\n` line ends) to `path` atomically: see `write_atomic`. Control
    characters but tab and newline are written in caret notation (`reader.untrusted.visible`):
    the file is read in a terminal later."""
    text = visible(text)
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")), force=force)


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object], *, force: bool = False) -> Path:
    """Write a file through `write(handle)` (a binary file; seekable unless `path` is a
    character device or a FIFO) into a temporary file in the same folder and a rename, so a
    reader never sees a half-written file and a failure leaves any old file untouched.
    Without `force`, an existing file is never replaced (checked atomically with a hard link
    where the filesystem allows it).

    The new file gets the mode a new file gets from the umask (``0o666 & ~umask``), and a
    replaced file keeps its own mode. A special file at `path` is never replaced by a regular
    file: a character device (``/dev/null``, a terminal) or a FIFO with a reader is written
    into, as ``>`` would; a block device, a socket or a FIFO with no reader is refused."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ExportError(f"{target}: is a directory; give a file name")
    try:
        existing = target.stat()
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        return _write_into_special(target, write, existing.st_mode)
    if not force and existing is not None:
        raise ExportExists(f"{target}: already exists (use --force to overwrite)")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"{target}: cannot write, its folder does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write here ({exc.strerror or exc})") from None
    tmp = Path(tmp_name)
    try:
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
        with contextlib.suppress(OSError):  # a filesystem without modes keeps its own
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w+b") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise ExportExists(f"{target}: already exists (use --force to overwrite)") from None
            except OSError:
                os.replace(tmp, target)  # no hard links on this filesystem
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _umask() -> int:
    """The process umask, read without changing it where Linux tells it (``os.umask`` can only
    be read by setting it, which would race with threads creating files)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_into_special(target: Path, write: Callable[[BinaryIO], object], mode: int) -> Path:
    """Write into a character device or a FIFO (never replace it); refuse other special files."""
    import errno
    import fcntl

    if stat.S_ISBLK(mode):
        raise ExportError(f"{target}: is a block device; refusing to write into it")
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise ExportError(f"{target}: is not a regular file, a character device or a FIFO; refusing to write into it")
    try:
        # O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) instead of blocking forever
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise ExportError(f"{target}: is a FIFO that nobody reads; not written") from None
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    try:
        if not (stat.S_ISCHR(os.fstat(fd).st_mode) or stat.S_ISFIFO(os.fstat(fd).st_mode)):
            raise ExportError(f"{target}: changed while being opened; not written")
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            write(handle)
            handle.flush()
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    return target
