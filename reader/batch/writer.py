"""The client side of a batch: what is finished already, output files written atomically,
then the manifest row.

Separate because only the client writes (each output file with
:func:`reader.export.write_text_atomic`, then its manifest row), whichever engine ran the
article: a run killed at any moment leaves complete files only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from reader.batch.manifest import Manifest, storable
from reader.batch.progress import Progress
from reader.batch.work import (
    BatchError,
    BatchSettings,
    Item,
    Result,
    RunSummary,
    Task,
    error_line,
    job_key,
    output_names,
    sha256,
)
from reader.untrusted import quote_name, visible


def _file_hash(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


class Writer:
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
        row = self.finished.get(storable(article_id))
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


def _bad_item(item: Item, message: str) -> Result:
    return Result(item.id, item.source, "failed", error=error_line(message), timings={"total": 0.0})


def pending_tasks(items: Iterable[Item], writer: Writer, model_key: str | None,
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
