"""Which articles a batch has: files and folders, JSON-lines records, URL lists, unique ids.

Separate because this is where outside input is listed and read with bounds (a file by
``max_bytes``, a JSON line by 6x that, a URL list by :data:`MAX_URL_LIST`; FIFOs and devices in a
folder are skipped, never opened) before any article work starts; an item's ``load()`` reads
it on the client, so workers on other machines need no shared filesystem.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reader.batch.work import DEFAULT_MAX_BYTES, BatchError, Item, Task, sha256, too_big

DEFAULT_PATTERNS = ("*.txt", "*.html", "*.htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
MAX_URL_LINE = 8192  # bytes; a longer line in a URL list is not a URL
MAX_URL_LIST = 64 * 1024 * 1024  # bytes; a URL list is read up to this much (a million URLs)


def _file_task(article_id: str, path: Path, max_bytes: int) -> Task:
    from reader.article import ArticleError

    try:
        # O_NONBLOCK: a FIFO put where a file was listed must not block the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ArticleError(f"{path}: not a regular file")
            if info.st_size > max_bytes:
                raise ArticleError(too_big(str(path), info.st_size, max_bytes))
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise ArticleError(f"{path}: permission denied (cannot read the file)") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ArticleError(too_big(str(path), len(data), max_bytes))
    return Task(article_id, str(path), "bytes", data, path.suffix.lower() or ".txt", sha256(data))


def _text_task(article_id: str, source: str, text: str, max_bytes: int) -> Task:
    from reader.article import ArticleError

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ArticleError(too_big(source, size, max_bytes))
    return Task(article_id, source, "text", text, ".txt", sha256(text))


def discover(sources: Sequence[str], *, patterns: Sequence[str] = DEFAULT_PATTERNS, field: str = "text",
             id_field: str = "id", urls: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
             exclude: Path | None = None) -> list[Item]:
    """The articles of the sources, in a stable order, with unique ids.

    A folder is searched recursively for files matching ``patterns`` (hidden entries and
    ``exclude``, the output folder, skipped); a ``.jsonl``/``.ndjson`` file gives one article per
    line (``field`` holds the text, ``id_field`` the id, else ``FILE:LINE``); any other file is
    one article; ``urls`` is a file listing URLs (one a line, ``#`` comments). A source that does
    not exist raises :class:`BatchError` (code 2): it is a typo, not a bad article."""
    items: list[Item] = []
    excluded = exclude.resolve() if exclude else None
    for source in sources:
        path = Path(source).expanduser()
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                root_path = Path(root)
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                                 and (excluded is None or (root_path / d).resolve() != excluded))
                for name in sorted(files):
                    if name.startswith(".") or not _matches(name, patterns):
                        continue
                    if not _is_regular(root_path / name):  # a FIFO, socket or device: never opened
                        continue
                    found.append(root_path / name)
            for file in found:
                article_id = file.relative_to(path).as_posix()
                items.append(Item(article_id, str(file), functools.partial(_file_task, article_id, file, max_bytes)))
        elif path.is_file() and path.suffix.lower() in JSONL_SUFFIXES:
            items.extend(_jsonl_items(path, field, id_field, max_bytes))
        elif path.is_file():
            items.append(Item(path.name, str(path), functools.partial(_file_task, path.name, path, max_bytes)))
        elif path.exists():
            raise BatchError(f"{source}: not a file or folder", 2)
        else:
            raise BatchError(f"{source}: no such file or folder", 2)
    if urls is not None:
        items.extend(_url_items(urls))
    return _unique(items)


def _matches(name: str, patterns: Sequence[str]) -> bool:
    """Shell patterns, case-insensitively: ``*.txt`` takes ``NOTES.TXT`` too."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # unreadable: kept, so that the reason is reported for it


class _ReadTooMuch(Exception):
    """More than the ``total`` given to :func:`_bounded_lines` was read."""


def _bounded_lines(handle: Any, limit: int, total: int | None = None) -> Iterator[tuple[bytes, bool]]:
    """``(line, whole)`` for each line of a binary ``handle``; a line longer than ``limit``
    bytes is not read into memory: its first ``limit`` bytes come with ``whole`` False and the
    rest is skipped, ``limit`` bytes at a time. Past ``total`` bytes read in all (a FIFO or
    ``/dev/zero`` has no end) :class:`_ReadTooMuch` is raised."""
    read = 0

    def next_piece() -> bytes:
        nonlocal read
        piece = handle.readline(limit + 1)
        read += len(piece)
        if total is not None and read > total:
            raise _ReadTooMuch
        return piece

    while True:
        line = next_piece()
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, True
            continue
        yield line[:limit], False
        while line and not line.endswith(b"\n"):
            line = next_piece()


def _jsonl_items(path: Path, field: str, id_field: str, max_bytes: int) -> list[Item]:
    items: list[Item] = []
    # A record's JSON can be up to 6x its text (\uXXXX escapes) plus the other fields.
    line_limit = 6 * max_bytes + 64 * 1024
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BatchError(f"{path}: cannot read ({exc.strerror or exc})", 2) from None
    with handle:
        for number, (raw, whole) in enumerate(_bounded_lines(handle, line_limit), 1):
            if not raw.strip():
                continue
            default_id = f"{path.stem}:{number}"
            label = f"{path}:{number}"
            if not whole:
                items.append(Item(default_id, label, _fail(
                    label, f"line longer than {line_limit:,} bytes (the batch limit is {max_bytes:,}, see --max-bytes)")))
                continue
            try:
                record = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                items.append(Item(default_id, label, _fail(label, f"not a JSON object ({exc})")))
                continue
            except RecursionError:
                items.append(Item(default_id, label, _fail(label, "not a JSON object (nested too deeply)")))
                continue
            if not isinstance(record, dict):
                items.append(Item(default_id, label, _fail(label, "not a JSON object")))
                continue
            raw_id = record.get(id_field)
            article_id = str(raw_id) if isinstance(raw_id, (str, int)) and str(raw_id).strip() else default_id
            text = record.get(field)
            if not isinstance(text, str):
                what = "missing" if text is None else f"not a string ({type(text).__name__})"
                items.append(Item(article_id, label, _fail(label, f"the field {field!r} is {what}")))
                continue

            def load(a=article_id, s=label, t=text) -> Task:
                return _text_task(a, s, t, max_bytes)

            items.append(Item(article_id, label, load))
    return items


def _fail(label: str, message: str) -> Callable[[], Task]:
    def load() -> Task:
        from reader.article import ArticleError

        raise ArticleError(f"{label}: {message}")

    return load


def _url_items(urls: str) -> list[Item]:
    """The URLs of a list file (or FIFO, ``/dev/stdin``...), read with bounds: lines of at most
    :data:`MAX_URL_LINE` bytes (a longer one is a failed item), :data:`MAX_URL_LIST` in all."""
    def cannot(reason: object) -> BatchError:
        return BatchError(f"{urls}: cannot read the URL list ({reason})", 2)

    items = []
    try:
        with Path(urls).expanduser().open("rb") as handle:
            for number, (raw, whole) in enumerate(_bounded_lines(handle, MAX_URL_LINE, MAX_URL_LIST), 1):
                if not whole:
                    label = f"{urls}:{number}"
                    items.append(Item(label, label, _fail(label, f"line longer than {MAX_URL_LINE} bytes: not a URL")))
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise cannot(exc) from None
                items.extend(_url_item(line))
    except _ReadTooMuch:
        raise cannot(f"larger than {MAX_URL_LIST // 2**20} MiB") from None
    except OSError as exc:
        raise cannot(exc.strerror or exc) from None
    return items


def _url_item(line: str) -> list[Item]:
    """The item of one line of a URL list: none for a blank line or a ``#`` comment."""
    url = line.strip()
    if not url or url.startswith("#"):
        return []
    if not re.match(r"^https?://", url, re.I):
        return [Item(url, url, _fail(url, "not an http(s) URL"))]
    return [Item(url, url, functools.partial(Task, url, url, "url", url, ".html", None))]


def _renamed(load: Callable[[], Task], new_id: str) -> Task:
    """The task of a repeated id, under its new id."""
    return replace(load(), id=new_id)


def _unique(items: list[Item]) -> list[Item]:
    """Unique ids: a repeated id becomes ``ID~2``, ``ID~3``..., skipping any id that is taken
    (an article may be called ``dup~2`` itself: it keeps its name, the copy gets ``dup~3``)."""
    taken = {item.id for item in items}
    used: set[str] = set()
    out = []
    for item in items:
        if item.id in used:
            n = 2
            while f"{item.id}~{n}" in taken or f"{item.id}~{n}" in used:
                n += 1
            old_load = item.load
            new_id = f"{item.id}~{n}"
            item = Item(new_id, item.source, functools.partial(_renamed, old_load, new_id), item.error)
        used.add(item.id)
        out.append(item)
    return out
