"""One article of a batch: load it, summarize it, translate it, render its output files.

Separate because this is the part every engine runs the same way (in this process, in a
spawned preparing pool, on a Dask worker), so the outputs do not depend on where an article
ran. The files are written by :mod:`reader.export` (the reader's own writer) and loaded through
:func:`reader.article.article_from_bytes` (the reader's own loader).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reader.batch.work import BatchSettings, Result, Task, error_line, job_key, sha256, too_big

if TYPE_CHECKING:
    from reader.model import Article


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
"""One summary at a time per process: reader.summary.summarize shares one sumy stemmer, and NLTK's
Snowball ArabicStemmer keeps each call's state on the instance (``self.is_verb`` ...), so two
threads stemming at once get (and memoise) wrong stems -- seen as summaries that differ between
runs when two articles were prepared at once. Summaries take milliseconds; translation, which
runs in parallel, takes seconds."""


def prepare(task: Task, settings: BatchSettings) -> Prepared:
    """Load and summarize one article. Raises ``ArticleError`` for bad input."""
    from reader import article as article_mod
    from reader.summary.summarize import summarize_article

    started = time.perf_counter()
    input_hash = task.input_hash
    if task.kind == "url":
        from reader.web import fetch
        from reader.web.extract import kind_of_page

        try:
            page = fetch.fetch_url(str(task.data))
        except fetch.FetchError as exc:
            raise article_mod.ArticleError(str(exc)) from None
        if len(page) > settings.max_bytes:
            raise article_mod.ArticleError(too_big(task.source, len(page), settings.max_bytes))
        input_hash = sha256(bytes(page))
        art = article_mod.article_from_bytes(bytes(page), task.source, kind=kind_of_page(page),
                                             url=getattr(page, "url", task.source), encoding=settings.encoding)
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


def failure(task_or_item: Any, message: str, started: float) -> Result:
    return Result(task_or_item.id, task_or_item.source, "failed", getattr(task_or_item, "input_hash", None),
                  error=error_line(message), timings={"total": time.perf_counter() - started})


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
        return failure(task, str(exc), started)
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


def prepare_or_error(task: Task, settings: BatchSettings) -> Prepared | str:
    """For the process pool: a Prepared, or the one-line error of a bad article."""
    from reader.article import ArticleError

    try:
        return prepare(task, settings)
    except ArticleError as exc:
        return str(exc)
