"""Batch work: many articles translated and summarized into an output folder, resumably.

The unit of work is one article. Per article: load (decode, segment), summarize, translate
every sentence, render the outputs (JSONL: the ``qari translate`` schema plus ``article`` and
``summary`` per sentence; Markdown: summary then the bilingual text). Only the client writes:
each output file atomically (:func:`reader.export.write_text_atomic`), then the article's row
in the manifest (sqlite in OUTDIR). A run killed at any moment therefore leaves complete files
only, and a re-run skips an article when its manifest row says done for the same *job key*
(input bytes' hash + output settings + model key) and every output file still has the hash
recorded for it. Renaming a file changes its id, not its hash; changing its content, the model
or the summary settings makes it run again.

Where the work runs:

* in this process (default): CTranslate2 with ``inter_threads`` x ``intra_threads`` filling the
  cores; with ``inter_threads > 1`` that many articles are translated at once from threads.
  ``workers > 1`` adds a process pool that loads, segments and summarizes ahead of translation.
* on Dask (``client``): every worker process loads the model once (:class:`WorkerPlugin`
  warms it; :func:`_engine` caches it per process), runs whole articles and streams the
  rendered outputs back (``as_completed``); the client writes them, so resume works the same.
  Dask reschedules the articles of a worker that dies.

An article is translated on its own (never batched with another article's sentences), so its
output does not depend on which articles it ran beside, and a LocalCluster run is byte-identical
to the single-process one.

Inputs are someone else's: every read is bounded (a file by ``max_bytes``, a JSON line by 6x
that, a URL list by :data:`MAX_URL_LIST`; FIFOs and devices in a folder are skipped, never
opened), every id gets its own output names (:func:`output_stem`, :func:`_unique`), and one run
at a time holds OUTDIR (:func:`_lock_outdir`).

This module never imports Textual; Rich (already a dependency) draws the progress bar.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import sqlite3
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.model import Article

from reader.untrusted import one_line, quote_name, raw_stream, visible

OUTPUT_VERSION = 1
"""Bump when the rendered outputs change: finished articles are then done again."""

MANIFEST = "qari-batch.sqlite3"
DEFAULT_PATTERNS = ("*.txt", "*.html", "*.htm")
DEFAULT_MAX_BYTES = 5_000_000
FORMATS = {"jsonl": ".jsonl", "markdown": ".md"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
LOCK_FILE = ".qari-batch.lock"
MAX_URL_LINE = 8192  # bytes; a longer line in a URL list is not a URL
MAX_URL_LIST = 64 * 1024 * 1024  # bytes; a URL list is read up to this much (a million URLs)
_STEM_BYTES = 150  # a stem's UTF-8 bytes before its hash: names stay under 255 bytes


class BatchError(Exception):
    """The run cannot go on (unwritable OUTDIR, full disk, no scheduler...): one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# --- settings and tasks ----------------------------------------------------------------------

@dataclass(frozen=True)
class BatchSettings:
    """What is produced and how the engine runs. Only :meth:`output_key` fields change outputs."""

    formats: tuple[str, ...] = ("jsonl",)
    algorithm: str = "news"
    summary_count: int | None = None
    summary_ratio: float | None = None
    encoding: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    device: str = "cpu"
    compute_type: str | None = None
    inter_threads: int | None = None
    intra_threads: int | None = None
    batch_tokens: int | None = None
    use_cache: bool = True
    decoding: Any = None  # a reader.translate.DecodingOptions (library use, benchmarks); None = Argos's

    def output_key(self) -> str:
        return json.dumps({"v": OUTPUT_VERSION, "formats": sorted(self.formats), "algorithm": self.algorithm,
                           "count": self.summary_count, "ratio": self.summary_ratio, "encoding": self.encoding},
                          sort_keys=True)


@dataclass(frozen=True)
class Task:
    """One article to do, as sent to a worker: its bytes (read by the client, so workers on
    other machines need no shared filesystem), its text (a JSON-lines record) or its URL."""

    id: str
    source: str
    kind: str  # "bytes" | "text" | "url"
    data: bytes | str
    suffix: str = ".txt"
    input_hash: str | None = None  # None for a URL until fetched


@dataclass
class Item:
    """A discovered article: ``load()`` gives its Task (reading the file then), or raises
    ``ArticleError`` (unreadable, too big); ``error`` is a problem found while listing."""

    id: str
    source: str
    load: Callable[[], Task]
    error: str | None = None


@dataclass
class Result:
    """What comes back for one article (plain data: it crosses process boundaries)."""

    id: str
    source: str
    status: str  # "done" | "failed" | "unchanged"
    input_hash: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format -> text
    sentences: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    model_key: str | None = None
    worker: str = ""


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def job_key(input_hash: str, settings: BatchSettings, model_key: str | None) -> str:
    return sha256(f"{input_hash}\n{settings.output_key()}\n{model_key or 'no-model'}")


_UNSAFE = re.compile(r"[^\w.\-]+")
_HASHED = re.compile(r"-[0-9a-f]{10}$")


def output_stem(article_id: str) -> str:
    """A file-name-safe stem for an article id, different for every id.

    An id that is already a safe, short name is its own stem. Any other id (unsafe characters,
    over :data:`_STEM_BYTES` UTF-8 bytes, or itself ending like a hash) gets a slug plus
    ``-`` and 10 hex digits of its hash. Only the second kind ends in such a suffix, so an id
    equal to another id's stem ("a_b-0123456789") cannot take that id's files.
    """
    slug = _UNSAFE.sub("_", article_id).strip("._")
    cut = slug.encode("utf-8", "surrogatepass")[:_STEM_BYTES].decode("utf-8", "ignore") or "article"
    if cut != article_id or _HASHED.search(article_id):
        cut = f"{cut}-{sha256(article_id)[:10]}"
    return cut


def output_names(article_id: str, formats: Sequence[str]) -> dict[str, str]:
    stem = output_stem(article_id)
    return {fmt: stem + FORMATS[fmt] for fmt in formats}


# --- finding the articles --------------------------------------------------------------------

def _too_big(source: str, size: int, limit: int) -> str:
    return f"{source}: too big ({size:,} bytes; the batch limit is {limit:,}, see --max-bytes)"


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
                raise ArticleError(_too_big(str(path), info.st_size, max_bytes))
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise ArticleError(f"{path}: permission denied (cannot read the file)") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ArticleError(_too_big(str(path), len(data), max_bytes))
    return Task(article_id, str(path), "bytes", data, path.suffix.lower() or ".txt", sha256(data))


def _text_task(article_id: str, source: str, text: str, max_bytes: int) -> Task:
    from reader.article import ArticleError

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ArticleError(_too_big(source, size, max_bytes))
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
                items.append(Item(article_id, str(file), lambda f=file, a=article_id: _file_task(a, f, max_bytes)))
        elif path.is_file() and path.suffix.lower() in JSONL_SUFFIXES:
            items.extend(_jsonl_items(path, field, id_field, max_bytes))
        elif path.is_file():
            items.append(Item(path.name, str(path), lambda f=path, a=path.name: _file_task(a, f, max_bytes)))
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
    return [Item(url, url, lambda u=url: Task(u, u, "url", u, ".html", None))]


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
            item = Item(new_id, item.source, lambda f=old_load, a=new_id: replace(f(), id=a), item.error)
        used.add(item.id)
        out.append(item)
    return out


# --- one article -----------------------------------------------------------------------------

@dataclass
class Prepared:
    """An article loaded, segmented and summarized: everything but the translation."""

    id: str
    source: str
    input_hash: str
    article: Article
    summary: list[int]
    warnings: list[str]
    seconds: float


_SUMMARIZE_LOCK = threading.Lock()
"""One summary at a time per process: reader.summarize shares one sumy stemmer, and NLTK's
Snowball ArabicStemmer keeps each call's state on the instance (``self.is_verb`` ...), so two
threads stemming at once get (and memoise) wrong stems -- seen as summaries that differ between
runs when two articles were prepared at once. Summaries take milliseconds; translation, which
runs in parallel, takes seconds."""


def prepare(task: Task, settings: BatchSettings) -> Prepared:
    """Load and summarize one article. Raises ``ArticleError`` for bad input."""
    from reader import article as article_mod
    from reader.summarize import summarize_article

    started = time.perf_counter()
    input_hash = task.input_hash
    if task.kind == "url":
        from reader import fetch
        from reader.extract import kind_of_page

        try:
            data = fetch.fetch_url(str(task.data))
        except fetch.FetchError as exc:
            raise article_mod.ArticleError(str(exc)) from None
        if len(data) > settings.max_bytes:
            raise article_mod.ArticleError(_too_big(task.source, len(data), settings.max_bytes))
        input_hash = sha256(bytes(data))
        art = article_mod.article_from_bytes(bytes(data), task.source, kind=kind_of_page(data),
                                             url=getattr(data, "url", task.source), encoding=settings.encoding)
    elif task.kind == "text":
        art = article_mod.parse_text(str(task.data), task.source)
    else:
        # the same steps as load_article() on a file, from bytes the client read
        data = task.data if isinstance(task.data, bytes) else str(task.data).encode()
        kind = "html" if task.suffix in article_mod.HTML_SUFFIXES else "text"
        art = article_mod.article_from_bytes(data, task.source, kind=kind, encoding=settings.encoding)
    with _SUMMARIZE_LOCK:
        chosen = summarize_article(art, algorithm=settings.algorithm, count=settings.summary_count,
                                   ratio=settings.summary_ratio)
    return Prepared(task.id, task.source, input_hash or "", art, sorted(s.number for s in chosen),
                    list(art.warnings), time.perf_counter() - started)


def render(prep: Prepared, english: Sequence[str | None], model_name: str | None,
           formats: Sequence[str], settings: BatchSettings) -> dict[str, str]:
    """The output files' texts, written by ``reader.export`` (the reader's own writer, so a
    batch ``.md`` reads in a terminal renderer like a saved article). Nothing here depends on
    where or when the article ran (not even the folder it was read from: the article id is
    relative to its SOURCE)."""
    from reader.export import translation_jsonl, translation_markdown

    out: dict[str, str] = {}
    if "jsonl" in formats:
        out["jsonl"] = translation_jsonl(prep.article, english, article_id=prep.id, summary=prep.summary) + "\n"
    if "markdown" in formats:
        text = translation_markdown(prep.article, english, model=model_name, source=prep.id,
                                    summary=(settings.algorithm, prep.summary))
        out["markdown"] = text.rstrip("\n") + "\n"
    return out


def translate_prepared(prep: Prepared, translator: Any, settings: BatchSettings,
                       progress: Callable[[int, int], None] | None = None) -> list[str | None]:
    """The English of every sentence; `progress(done, total)` after each engine batch."""
    texts = [s.text for s in prep.article.sentences]
    if translator is None:
        return [None] * len(texts)
    if progress is None:
        return list(translator.translate(texts, use_cache=settings.use_cache))
    return list(translator.translate(texts, use_cache=settings.use_cache, progress=progress))


def _failure(task_or_item: Any, message: str, started: float) -> Result:
    return Result(task_or_item.id, task_or_item.source, "failed", getattr(task_or_item, "input_hash", None),
                  error=_one_line(message), timings={"total": time.perf_counter() - started})


def _one_line(message: str) -> str:
    line = " ".join(one_line(message).split())
    return line[:500]


def process(task: Task, settings: BatchSettings, translator: Any, *, prepared: Prepared | None = None,
            skip_job: str | None = None, progress: Callable[[int, int], None] | None = None) -> Result:
    """Prepare (unless given), translate and render one article; bad input is a failed Result.
    ``skip_job``: the job key finished before (URLs: known only after fetching). ``progress``:
    called with (sentences translated, sentences) while the article is translated."""
    from reader.article import ArticleError

    started = time.perf_counter()
    model_key = getattr(translator, "model_key", None)
    try:
        prep = prepared or prepare(task, settings)
    except ArticleError as exc:
        return _failure(task, str(exc), started)
    if skip_job is not None and job_key(prep.input_hash, settings, model_key) == skip_job:
        return Result(task.id, task.source, "unchanged", prep.input_hash, model_key=model_key)
    t1 = time.perf_counter()
    english = translate_prepared(prep, translator, settings, progress)
    t2 = time.perf_counter()
    outputs = render(prep, english, getattr(translator, "model_name", None), settings.formats, settings)
    t3 = time.perf_counter()
    return Result(prep.id, prep.source, "done", prep.input_hash, outputs, len(prep.article.sentences),
                  warnings=prep.warnings, model_key=model_key,
                  timings={"prepare": prep.seconds, "translate": t2 - t1, "render": t3 - t2})


def _prepare_or_error(task: Task, settings: BatchSettings) -> Prepared | str:
    """For the process pool: a Prepared, or the one-line error of a bad article."""
    from reader.article import ArticleError

    try:
        return prepare(task, settings)
    except ArticleError as exc:
        return str(exc)


# --- the engine per process ------------------------------------------------------------------

_ENGINES: dict[tuple, Any] = {}
_ENGINES_LOCK = threading.Lock()


MAX_INTER_THREADS = 4
"""Articles translated at once by default (more replicas cost memory and gain little)."""


def load_engine(settings: BatchSettings, *, cache: Any = "default", parallel: int | None = None,
                cores: int | None = None) -> Any:
    """An ArgosTranslator for the settings (device resolved, threads chosen), loaded, or None
    when no model is installed. Raises ``DeviceError`` for ``--device cuda`` without CUDA.

    Threads, unless the settings fix them: on the CPU ``inter_threads`` = ``parallel`` (the
    articles this process runs at once: a Dask worker's thread count) or min(cores, 4), and
    ``intra_threads`` = cores // inter_threads (never more than the engine's own default, 1 for
    tiny models). Measured with the base-size model on 2 busy cores (tests/benchmarks/
    bench_batch.py): two articles at once on one core each translate 1.66x faster than one
    article on two cores, whose threads wait for each other at every layer."""
    from reader.translate import NoModelError, load_translator, resolve_device, usable_cores

    device, compute_type = resolve_device(settings.device, settings.compute_type)
    cores = cores or usable_cores()
    inter = settings.inter_threads or parallel or (min(cores, MAX_INTER_THREADS) if device == "cpu" else 1)
    options: dict[str, Any] = {"device": device, "compute_type": compute_type, "inter_threads": inter}
    if settings.batch_tokens:
        options["batch_tokens"] = settings.batch_tokens
    if settings.decoding is not None:
        options["decoding"] = settings.decoding
    if cache != "default":
        options["cache"] = cache
    try:
        engine = load_translator("ar", "en", **options)
    except NoModelError:
        return None
    if settings.intra_threads:
        engine.intra_threads = settings.intra_threads
    else:
        engine.intra_threads = max(1, min(engine.intra_threads, cores // inter))
    engine.load()
    return engine


def _engine(settings: BatchSettings) -> Any:
    """The engine of this (Dask worker) process, loaded once; its cache lives in the worker's
    own local directory (each worker has its own translation cache)."""
    key = (settings.device, settings.compute_type, settings.inter_threads, settings.intra_threads,
           settings.batch_tokens, settings.decoding, settings.use_cache)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            from reader.cache import TranslationCache

            folder = None
            try:
                from distributed import get_worker

                folder = Path(get_worker().local_directory)
            except Exception:  # noqa: BLE001 - not in a worker: a private temp dir
                import tempfile

                folder = Path(tempfile.mkdtemp(prefix="qari-batch-worker-"))
            cache = TranslationCache(folder / "qari-translations.sqlite3") if settings.use_cache else None
            _ENGINES[key] = load_engine(settings, cache=cache, parallel=_worker_threads())
        return _ENGINES[key]


def _tune_malloc() -> None:
    """Undo, in a Dask worker, what Dask's nannies set for every worker (``MALLOC_TRIM_THRESHOLD_``):
    setting it turns off glibc's dynamic mmap threshold, so each of CTranslate2's large
    per-batch buffers is mmap'ed and unmapped again and page-faults in on every batch (measured:
    translation 2-4x slower). Raising the mmap and trim thresholds keeps those buffers in the
    heap, as in a plain process. glibc only; elsewhere nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)  # glibc's largest allowed value
        libc.mallopt(m_trim_threshold, 256 * 1024 * 1024)
    except (OSError, AttributeError):
        pass


_WARM_UP = "\n\n".join(f"قال المتحدث إن الاجتماع رقم {n} انتهى. وأضاف أن اللجنة ستجتمع مرة أخرى بعد {n} أيام."
                        for n in range(1, 7))
"""Long enough to be summarized (not returned whole), so the summarizer's imports happen."""


def _worker_threads() -> int | None:
    """How many tasks this Dask worker runs at once (its ``--nthreads``)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except Exception:  # noqa: BLE001 - not in a worker
        return None
    state = getattr(worker, "state", None)
    return getattr(state, "nthreads", None) or getattr(worker, "nthreads", None)


def worker_info(settings: BatchSettings) -> dict[str, Any]:
    """Which model this worker process uses (or why it cannot): checked on every worker
    before a Dask run, so machines with different models are caught at once."""
    _tune_malloc()
    try:
        engine = _engine(settings)
    except Exception as exc:  # noqa: BLE001 - reported to the client as one line
        return {"error": _one_line(f"{type(exc).__name__}: {exc}")}
    with contextlib.suppress(Exception):  # import the summarizer and segmenter now, not in the first article
        prepare(Task("warm-up", "<warm-up>", "text", _WARM_UP, ".txt", "warm-up"), settings)
    if engine is None:
        return {"model_key": None, "model_name": None}
    return {"model_key": engine.model_key, "model_name": engine.model_name, "device": engine.device,
            "intra_threads": engine.intra_threads, "inter_threads": engine.inter_threads}


def process_remote(task: Task, settings: BatchSettings, skip_job: str | None = None) -> Result:
    """A Dask task: one article with this worker's engine."""
    result = process(task, settings, _engine(settings), skip_job=skip_job)
    try:
        from distributed import get_worker

        result.worker = get_worker().address
    except Exception:  # noqa: BLE001
        pass
    return result


def _worker_plugin(settings: BatchSettings) -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class QariEngine(WorkerPlugin):
        """Loads the model when a worker starts (and when a restarted worker comes back)."""

        def __init__(self, settings: BatchSettings) -> None:
            self.settings = settings

        def setup(self, worker: Any) -> None:
            worker_info(self.settings)  # errors are reported by worker_info on the client's check

    return QariEngine(settings)


# --- the manifest ----------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    input_hash TEXT,
    job_key TEXT,
    outputs TEXT NOT NULL DEFAULT '{}',
    sentences INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    warnings TEXT,
    run INTEGER,
    finished REAL,
    seconds REAL,
    prepare_s REAL,
    translate_s REAL,
    write_s REAL,
    worker TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    status TEXT,
    mode TEXT,
    settings TEXT,
    articles INTEGER,
    done INTEGER,
    unchanged INTEGER,
    failed INTEGER,
    sentences INTEGER
);
"""


class Manifest:
    """Per-article status, one-line error and timings in ``OUTDIR/qari-batch.sqlite3``; every
    row is committed when its article's files are written."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / MANIFEST
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise BatchError(f"{self.path}: cannot write the run manifest ({_sqlite_reason(exc, outdir)})") from None

    def done_rows(self) -> dict[str, tuple[str, dict[str, str]]]:
        rows = self.conn.execute("SELECT id, job_key, outputs FROM articles WHERE status = 'done'").fetchall()
        return {r[0]: (r[1], json.loads(r[2] or "{}")) for r in rows}

    def start_run(self, mode: str, settings: BatchSettings, articles: int) -> int:
        cur = self._write("INSERT INTO runs (started, status, mode, settings, articles) VALUES (?, 'running', ?, ?, ?)",
                          (time.time(), mode, settings.output_key(), articles))
        return int(cur.lastrowid)

    def finish_run(self, run: int, status: str, counts: dict[str, int]) -> None:
        self._write("UPDATE runs SET finished = ?, status = ?, done = ?, unchanged = ?, failed = ?, sentences = ? "
                    "WHERE run = ?", (time.time(), status, counts["done"], counts["unchanged"], counts["failed"],
                                      counts["sentences"], run))

    def record(self, run: int, result: Result, key: str | None, outputs: dict[str, str], write_s: float) -> None:
        t = result.timings
        self._write(
            "INSERT OR REPLACE INTO articles (id, source, status, input_hash, job_key, outputs, sentences, error, "
            "warnings, run, finished, seconds, prepare_s, translate_s, write_s, worker) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result.id, result.source, result.status, result.input_hash, key, json.dumps(outputs, sort_keys=True),
             result.sentences, result.error, json.dumps(result.warnings, ensure_ascii=False) if result.warnings else None,
             run, time.time(), t.get("total"), t.get("prepare"), t.get("translate"), write_s, result.worker or None))

    def _write(self, sql: str, params: tuple) -> sqlite3.Cursor:
        params = tuple(_storable(p) if isinstance(p, str) else p for p in params)
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise BatchError(f"{self.path}: cannot write the run manifest ({_sqlite_reason(exc, self.path.parent)})") from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


def _storable(text: str) -> str:
    """``text`` as sqlite can store it: a file name's bytes that are not UTF-8 (surrogate-escaped
    by Python) as ``\\xff``, the same way each time so a rerun finds its row."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _sqlite_reason(exc: Exception, folder: Path) -> str:
    """sqlite's message, made concrete with the folder's own errno when it has one."""
    message = str(exc)
    if not os.access(folder, os.W_OK) or _read_only(folder):
        return "Read-only file system" if _read_only(folder) else "Permission denied"
    if "full" in message:
        return "No space left on device"
    return message


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


# --- progress --------------------------------------------------------------------------------

class Progress:
    """Articles and sentences done, rate and ETA for the whole run. Plain lines (at most one per
    ``interval`` seconds, plus the last) when the stream is not a terminal; Rich otherwise.

    Sentences count as they are translated (`advance`, from the worker threads of a local
    run), not only when their article is written: one article of 9,000 sentences would
    otherwise freeze the line and its ETA for minutes. The ETA is in sentences: what is left of
    the articles in flight, plus the articles not started at the average length so far."""

    def __init__(self, stream: Any = None, *, interval: float = 10.0, rich: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.total = 0
        self.done = self.unchanged = self.failed = self.sentences = 0
        self.started = time.monotonic()
        self._last = 0.0
        self._inflight: dict[str, tuple[int, int]] = {}  # article id -> (translated, sentences)
        self._lock = threading.Lock()
        use_rich = self.stream.isatty() if rich is None else rich
        self._rich: Any = None
        if use_rich:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(TextColumn("qari batch"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[info]}"), TimeRemainingColumn(),
                                      console=Console(file=raw_stream(self.stream)), transient=False)

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if self._rich is not None:
            self._rich.start()
            self._task = self._rich.add_task("batch", total=total, info="")

    def message(self, line: str) -> None:
        """One line about one article (it may name a file or id from outside: made safe here,
        since Rich writes to the terminal itself)."""
        line = one_line(line)
        if self._rich is not None:
            self._rich.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=self.stream, flush=True)

    def _rates(self) -> tuple[float, str]:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        inflight_done = sum(done for done, _ in self._inflight.values())
        rate = (self.sentences + inflight_done) / elapsed
        worked = self.done + self.failed
        left = self.total - worked - self.unchanged
        eta = "?"
        if left <= 0:
            eta = "0"
        elif worked or self._inflight:
            inflight_left = sum(total - done for done, total in self._inflight.values())
            known = self.done + len(self._inflight)
            average = (self.sentences + sum(total for _, total in self._inflight.values())) / max(1, known)
            not_started = max(0, left - len(self._inflight))
            seconds = (inflight_left + not_started * average) / rate if rate > 0 else None
            if seconds is not None:
                eta = time.strftime("%H:%M:%S", time.gmtime(seconds)) if seconds < 86400 else f"{seconds / 3600:.0f} h"
        return rate, eta

    def advance(self, article: str, done: int, total: int) -> None:
        """`done` of the `total` sentences of `article` are translated (any thread)."""
        with self._lock:
            self._inflight[article] = (done, total)
            self._report(final=False)

    def update(self, *, done: int = 0, unchanged: int = 0, failed: int = 0, sentences: int = 0,
               article: str | None = None) -> None:
        with self._lock:
            self._inflight.pop(article, None)
            self.done += done
            self.unchanged += unchanged
            self.failed += failed
            self.sentences += sentences
            self._report(final=True)

    def _report(self, *, final: bool) -> None:
        finished = self.done + self.unchanged + self.failed
        rate, eta = self._rates()
        sentences = self.sentences + sum(done for done, _ in self._inflight.values())
        if self._rich is not None:
            info = f"{sentences} sentences, {rate:.1f}/s, {self.failed} failed"
            self._rich.update(self._task, completed=finished, info=info)
            return
        now = time.monotonic()
        if not (final and finished >= self.total) and now - self._last < self.interval:
            return
        self._last = now
        print(f"qari: {finished}/{self.total} articles ({self.done} done, {self.unchanged} unchanged, "
              f"{self.failed} failed), {sentences} sentences, {rate:.2f} sentences/s, ETA {eta}",
              file=self.stream, flush=True)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()


# --- the run ---------------------------------------------------------------------------------

@dataclass
class RunSummary:
    articles: int = 0
    done: int = 0
    unchanged: int = 0
    failed: int = 0
    sentences: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"done": self.done, "unchanged": self.unchanged, "failed": self.failed, "sentences": self.sentences}


def _file_hash(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def _sweep_temp_files(outdir: Path) -> None:
    """Remove temp files a killed run left (write_text_atomic's ``.NAME.XXXX.tmp``)."""
    suffixes = tuple(FORMATS.values())
    for path in outdir.glob(".*.tmp"):
        name = path.name[1:]
        if any(suffix + "." in name for suffix in suffixes):
            with contextlib.suppress(OSError):
                path.unlink()


class _Writer:
    """The client side: checks what is finished, writes outputs atomically, then the manifest."""

    def __init__(self, outdir: Path, settings: BatchSettings, manifest: Manifest, run: int, progress: Progress,
                 summary: RunSummary, on_result: Callable[[Result], None] | None) -> None:
        self.outdir = outdir
        self.settings = settings
        self.manifest = manifest
        self.run = run
        self.progress = progress
        self.summary = summary
        self.on_result = on_result
        self.finished = manifest.done_rows()

    def finished_job(self, article_id: str) -> str | None:
        """The job key this article finished with, if its output files are all still intact."""
        row = self.finished.get(_storable(article_id))
        if row is None:
            return None
        key, outputs = row
        expected = output_names(article_id, self.settings.formats)
        if set(outputs) != set(expected.values()):
            return None
        for name, digest in outputs.items():
            if _file_hash(self.outdir / name) != digest:
                return None
        return key

    def unchanged(self, article_id: str, source: str) -> None:
        self.summary.unchanged += 1
        self.progress.update(unchanged=1)
        if self.on_result is not None:
            self.on_result(Result(article_id, source, "unchanged"))

    def write(self, result: Result) -> None:
        from reader.export import ExportError, write_text_atomic

        if result.status == "unchanged":
            self.unchanged(result.id, result.source)
            return
        started = time.perf_counter()
        written: dict[str, str] = {}
        key = None
        if result.status == "done":
            names = output_names(result.id, self.settings.formats)
            for fmt, name in names.items():
                text = visible(result.outputs[fmt])  # as write_text_atomic writes it (and hashed so)
                try:
                    write_text_atomic(self.outdir / name, text, force=True)
                except ExportError as exc:
                    raise BatchError(f"{exc}; stopped (finished articles are kept: run again to resume)") from None
                written[name] = sha256(text)
            key = job_key(result.input_hash or "", self.settings, result.model_key)
            self.summary.done += 1
            self.summary.sentences += result.sentences
            self.progress.update(done=1, sentences=result.sentences, article=result.id)
        else:
            self.summary.failed += 1
            self.summary.failures.append((result.id, result.error or "failed"))
            error = result.error or "failed"
            named = error.startswith((result.source, quote_name(result.source)))
            self.progress.message(f"qari: skipped {error}" if named else f"qari: skipped {quote_name(result.id)}: {error}")
            self.progress.update(failed=1, article=result.id)
        self.manifest.record(self.run, result, key, written, time.perf_counter() - started)
        if self.on_result is not None:
            self.on_result(result)


def run(sources: Sequence[str], outdir: str | os.PathLike, *, settings: BatchSettings | None = None,
        patterns: Sequence[str] = DEFAULT_PATTERNS, field: str = "text", id_field: str = "id",
        urls: str | None = None, workers: int = 1, client: Any = None, cluster: int | None = None,
        scheduler: str | None = None, translator: Any = "load", progress: Progress | None = None,
        on_result: Callable[[Result], None] | None = None, warn: Callable[[str], None] | None = None) -> RunSummary:
    """Run a batch; returns the counts. Raises :class:`BatchError` when the run cannot go on.

    Dask is used when ``client`` (a ``distributed.Client``), ``cluster`` (N worker processes of
    a LocalCluster) or ``scheduler`` (an address) is given; otherwise this process translates,
    with ``workers`` processes preparing articles when more than 1. ``translator``: "load" (the
    installed model, user cache), None (no translation) or an engine (tests, library use)."""
    settings = settings or BatchSettings()
    warn = warn or (lambda message: print(f"qari: warning: {one_line(message)}", file=sys.stderr))
    use_dask = client is not None or cluster is not None or scheduler is not None
    if not use_dask and isinstance(translator, str):  # a device that cannot work: say so before any write
        from reader.translate import DeviceError, resolve_device

        try:
            resolve_device(settings.device, settings.compute_type)
        except DeviceError as exc:
            raise BatchError(str(exc), 2) from None
    if scheduler is not None and client is None:
        _probe(scheduler)
    out = Path(outdir).expanduser()
    items = discover(sources, patterns=patterns, field=field, id_field=id_field, urls=urls,
                     max_bytes=settings.max_bytes, exclude=out)
    if not items:
        raise BatchError("no articles found in " + ", ".join(map(str, sources or [urls or ""]))
                         + f" (patterns: {' '.join(patterns)})", 2)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from None
    if not out.is_dir():
        raise BatchError(f"{out}: not a folder")
    lock = _lock_outdir(out)
    try:
        return _run_locked(out, items, settings, progress, warn, use_dask, client, cluster, scheduler,
                           translator, workers, on_result)
    finally:
        if lock is not None:
            lock.release()


class _OutdirLock:
    """An exclusive ``fcntl.flock`` on ``OUTDIR/`` :data:`LOCK_FILE` for one run; it ends with the
    process, however the process ends. The file is removed on release (while still locked), and
    a lock taken on a file that was removed meanwhile is retaken on the new one, so two runs
    can never each hold a lock on a different file."""

    def __init__(self, handle: Any, path: Path) -> None:
        self.handle, self.path = handle, path

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        self.handle.close()


def _lock_outdir(out: Path) -> _OutdirLock | None:
    """Lock OUTDIR for this run. Two runs into one folder would each sweep the other's temp
    files and interleave manifest rows; the second is refused with one line instead."""
    import fcntl

    path = out / LOCK_FILE
    for _attempt in range(20):
        try:
            handle = open(path, "a+b")  # noqa: SIM115 - held for the whole run
        except OSError:
            return None  # a folder nobody can write: the manifest says so in its own words
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise BatchError(f"{out}: another qari batch run is writing to this folder; "
                             "wait for it to finish or choose another OUTDIR") from None
        except OSError:
            handle.close()
            return None  # a filesystem without locks (some network mounts): run unlocked, as before
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except OSError:
            same = False
        if same:
            return _OutdirLock(handle, path)
        handle.close()  # the run that held it removed it as we locked: lock the new file
    return None


def _run_locked(out: Path, items: list[Item], settings: BatchSettings, progress: Progress | None,
                warn: Callable[[str], None], use_dask: bool, client: Any, cluster: Any, scheduler: Any,
                translator: Any, workers: int, on_result: Callable[[Result], None] | None) -> RunSummary:
    manifest = Manifest(out)
    summary = RunSummary(articles=len(items))
    progress = progress or Progress()
    started = time.perf_counter()
    run_id = None
    status = "failed"
    try:
        _sweep_temp_files(out)
        mode = "dask" if use_dask else ("workers" if workers > 1 else "process")
        run_id = manifest.start_run(mode, settings, len(items))
        writer = _Writer(out, settings, manifest, run_id, progress, summary, on_result)
        progress.start(len(items))
        if use_dask:
            _run_dask(items, settings, writer, client=client, cluster=cluster, scheduler=scheduler, warn=warn)
        else:
            _run_local(items, settings, writer, translator=translator, workers=workers, warn=warn)
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        progress.close()
        summary.seconds = time.perf_counter() - started
        if run_id is not None:
            with contextlib.suppress(BatchError):
                manifest.finish_run(run_id, status, summary.counts)
        manifest.close()
    return summary


def _bad_item(item: Item, message: str) -> Result:
    return Result(item.id, item.source, "failed", error=_one_line(message), timings={"total": 0.0})


def _tasks(items: Iterable[Item], writer: _Writer, model_key: str | None,
           url_skip: bool) -> Iterator[tuple[Task, str | None]]:
    """The tasks still to do, in order: finished articles (same job key, intact outputs) and
    unreadable ones are handled here, on the client, without a worker."""
    from reader.article import ArticleError

    for item in items:
        try:
            task = item.load()
        except ArticleError as exc:
            writer.write(_bad_item(item, str(exc)))
            continue
        previous = writer.finished_job(item.id)
        if task.input_hash is None:  # a URL: the worker compares after fetching
            yield task, previous if url_skip else None
            continue
        if previous is not None and previous == job_key(task.input_hash, writer.settings, model_key):
            writer.unchanged(item.id, item.source)
            continue
        yield task, None


def _run_local(items: list[Item], settings: BatchSettings, writer: _Writer, *, translator: Any, workers: int,
               warn: Callable[[str], None]) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait

    from reader.translate import DeviceError

    if translator == "load":
        from reader.translate import NoModelError

        try:
            translator = load_engine(settings, cache=None if not settings.use_cache else "default")
        except DeviceError as exc:
            raise BatchError(str(exc), 2) from None
        except NoModelError as exc:  # installed but unloadable (a truncated model.bin)
            raise BatchError(str(exc).splitlines()[0]) from None
        if translator is None:
            from reader.packages import NO_MODEL_HELP

            warn(NO_MODEL_HELP.splitlines()[0] + " Sentences are written with en=null (`qari models install ar en`).")
    model_key = getattr(translator, "model_key", None)
    threads = max(1, getattr(translator, "inter_threads", 1)) + (workers if workers > 1 else 0)
    # spawned, not forked: this process already runs CTranslate2's and OpenMP's threads
    prep_pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else None

    def one(task: Task, skip: str | None) -> Result:
        started = time.perf_counter()
        prepared = None
        if prep_pool is not None and task.kind != "url":
            got = prep_pool.submit(_prepare_or_error, task, settings).result()
            if isinstance(got, str):
                return _failure(task, got, started)
            prepared = got
        def advance(done: int, total: int) -> None:
            writer.progress.advance(task.id, done, total)

        try:
            result = process(task, settings, translator, prepared=prepared, skip_job=skip, progress=advance)
        except Exception as exc:  # noqa: BLE001 - an engine bug on one article must not stop the run
            return _failure(task, f"internal error: {type(exc).__name__}: {exc}", started)
        result.timings["total"] = time.perf_counter() - started
        return result

    window = threads * 2
    pool = ThreadPoolExecutor(threads, thread_name_prefix="qari-batch")
    try:
        pending: set = set()
        for task, skip in _tasks(items, writer, model_key, url_skip=True):
            pending.add(pool.submit(one, task, skip))
            if len(pending) >= window:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    writer.write(future.result())
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                writer.write(future.result())
    finally:
        # on an error or Ctrl-C: articles not started are dropped, the running ones end
        pool.shutdown(wait=True, cancel_futures=True)
        if prep_pool is not None:
            prep_pool.shutdown(wait=False, cancel_futures=True)
    for message in getattr(getattr(translator, "cache", None), "warnings", None) or ():
        warn(message)


def _run_dask(items: list[Item], settings: BatchSettings, writer: _Writer, *, client: Any, cluster: int | None,
              scheduler: str | None, warn: Callable[[str], None]) -> None:
    try:
        import distributed
    except ImportError:
        raise BatchError("--cluster and --scheduler need Dask: pip install 'qari[dask]'", 2) from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    own: list[Any] = []
    try:
        if client is None:
            if cluster is not None:
                from reader.translate import usable_cores

                cores = usable_cores()
                if settings.intra_threads is None:
                    settings = replace(settings, intra_threads=max(1, cores // max(1, cluster)))
                local = distributed.LocalCluster(n_workers=cluster, threads_per_worker=1, processes=True,
                                                 dashboard_address=None, silence_logs=logging.ERROR)
                own.append(local)
                client = distributed.Client(local)
            else:
                try:
                    client = distributed.Client(scheduler, timeout="15s")
                except (OSError, TimeoutError) as exc:
                    raise BatchError(f"cannot reach the Dask scheduler at {scheduler} ({_one_line(str(exc))})") from None
            own.append(client)
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=60)
        client.register_plugin(_worker_plugin(settings), name="qari-engine")
        infos = client.run(worker_info, settings)
        errors = {addr: i["error"] for addr, i in infos.items() if "error" in i}
        if errors:
            addr, message = next(iter(errors.items()))
            raise BatchError(f"Dask worker {addr}: {message}", 2)
        keys = {i["model_key"] for i in infos.values()}
        if len(keys) > 1:
            names = sorted({str(i["model_name"]) for i in infos.values()})
            raise BatchError("the Dask workers use different models (" + ", ".join(names)
                             + "); install the same model on every machine", 2)
        model_key = next(iter(keys)) if keys else None
        if model_key is None:
            warn("no Arabic→English model on the Dask workers; sentences are written with en=null")
        window = max(2, 2 * sum(client.nthreads().values()))
        queue = distributed.as_completed()
        tasks = _tasks(items, writer, model_key, url_skip=True)
        by_future: dict[Any, Task] = {}

        def submit_next() -> bool:
            for task, skip in tasks:
                future = client.submit(process_remote, task, settings, skip, pure=False,
                                       key=f"qari-{sha256(task.id)[:16]}-{time.monotonic_ns()}")
                by_future[future] = task
                queue.add(future)
                return True
            return False

        for _ in range(window):
            if not submit_next():
                break
        for future in queue:
            task = by_future.pop(future)
            try:
                result = future.result()
            except BatchError:
                raise
            except Exception as exc:  # noqa: BLE001 - a worker died on it repeatedly, or a bug
                result = _failure(task, f"{type(exc).__name__}: {exc}", time.perf_counter())
            future.release()
            if result.status == "done" and result.model_key != model_key:
                raise BatchError(f"Dask worker {result.worker}: a different model "
                                 "(install the same model on every machine)", 2)
            writer.write(result)
            submit_next()
    finally:
        for thing in reversed(own):
            with contextlib.suppress(Exception):
                thing.close()


def _probe(address: str) -> None:
    """Fail in a moment, not after the client's connect timeout, when nothing listens there."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        return
    try:
        with socket.create_connection((parts.hostname, parts.port or 8786), timeout=10):
            pass
    except OSError as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {address} ({exc.strerror or exc})") from None


def parse_cluster(value: str) -> int:
    """``local:N`` -> N (worker processes of a LocalCluster)."""
    match = re.fullmatch(r"local:(\d+)", value.strip())
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"--cluster takes local:N (N worker processes), not {value!r}")
    return int(match.group(1))
