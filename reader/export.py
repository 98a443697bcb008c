"""Markdown export of a summary, and atomic file writes.

The export holds logical text only (never shaped or reordered glyphs): Arabic paragraphs are
wrapped in `<p dir="rtl" lang="ar">` so Markdown renderers show them right-to-left, and a
reader of the raw file still sees plain Unicode text.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from reader.model import Article, Sentence, SentenceId


class ExportError(Exception):
    """Writing failed; the message is one line for the user."""


class ExportExists(ExportError, FileExistsError):
    """The target exists and overwriting was not asked for."""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    """Backslash-escape characters that Markdown would otherwise interpret."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    return re.sub(r"\\([\\`*_\[\]<>#|~])", r"\1", text)


def summary_markdown(
    article: Article,
    sentences: list[Sentence],
    translations: Mapping[SentenceId, str | None],
    *,
    algorithm: str,
    length: str,
    model: str | None,
    date: _dt.date | None = None,
) -> str:
    """The summary as Markdown: a metadata list, then each sentence in Arabic followed by its
    English translation (or a note that none is available)."""
    date = date or _dt.date.today()
    title = article.title or "Summary"
    lines = [
        f"# {escape_markdown(title)}",
        "",
        f"- Source: {escape_markdown(article.source)}",
        f"- Date: {date.isoformat()}",
        f"- Algorithm: {algorithm}",
        f"- Length: {length}",
        f"- Model: {escape_markdown(model) if model else 'none (no translation model installed)'}",
        "",
        "## Summary",
        "",
    ]
    for number, sentence in enumerate(sentences, 1):
        english = translations.get(sentence.id)
        lines.append(f"### {number}. Sentence {sentence.number + 1} (section {sentence.id.section + 1})")
        lines.append("")
        lines.append(f'<p dir="rtl" lang="ar">{html.escape(sentence.text, quote=False)}</p>')
        lines.append("")
        if english:
            lines.append(f"> {escape_markdown(english)}")
        else:
            lines.append("> *(no translation)*")
        lines.append("")
    return "\n".join(lines)


_AR_BLOCK = re.compile(r'^<p dir="rtl" lang="ar">(.*)</p>$', re.MULTILINE)


def arabic_sentences_from_markdown(markdown: str) -> list[str]:
    """Recover the logical Arabic sentences from an exported summary (round-trip check)."""
    return [html.unescape(m.group(1)) for m in _AR_BLOCK.finditer(markdown)]


def write_text_atomic(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write `text` to `path` through a temporary file in the same folder and a rename, so a
    reader never sees a half-written file and a failure leaves any old file untouched.
    Without `force`, an existing file is never replaced (checked atomically with a hard link
    where the filesystem allows it)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ExportError(f"{target}: is a directory; give a file name")
    if not force and target.exists():
        raise ExportExists(f"{target}: already exists (use --force to overwrite)")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"{target}: folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write here ({exc.strerror or exc})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
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
