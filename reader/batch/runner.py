"""A batch run from start to end: discover, lock OUTDIR, sweep, write, record the run.

Separate because it is the driver the CLI calls (:func:`run`): it holds OUTDIR for one run at
a time (:func:`_lock_outdir`), removes what a killed run left (:func:`_sweep_temp_files`), and
hands the articles to :mod:`reader.batch.engine`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reader.batch.engine import probe_scheduler, run_dask, run_local
from reader.batch.manifest import Manifest
from reader.batch.progress import Progress
from reader.batch.sources import DEFAULT_PATTERNS, discover
from reader.batch.work import FORMATS, BatchError, BatchSettings, Item, Result, RunSummary
from reader.batch.writer import Writer
from reader.untrusted import one_line

LOCK_FILE = ".qari-batch.lock"


def _sweep_temp_files(outdir: Path) -> None:
    """Remove temp files a killed run left (write_text_atomic's ``.NAME.XXXX.tmp``)."""
    suffixes = tuple(FORMATS.values())
    for path in outdir.glob(".*.tmp"):
        name = path.name[1:]
        if any(suffix + "." in name for suffix in suffixes):
            with contextlib.suppress(OSError):
                path.unlink()


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
        from reader.translation.translate import DeviceError, resolve_device

        try:
            resolve_device(settings.device, settings.compute_type)
        except DeviceError as exc:
            raise BatchError(str(exc), 2) from None
    if scheduler is not None and client is None:
        probe_scheduler(scheduler)
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
        writer = Writer(out, settings, manifest, run_id, progress, summary, on_result)
        progress.start(len(items))
        if use_dask:
            run_dask(items, settings, writer, client=client, cluster=cluster, scheduler=scheduler, warn=warn)
        else:
            run_local(items, settings, writer, translator=translator, workers=workers, warn=warn)
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
