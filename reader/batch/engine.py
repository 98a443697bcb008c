"""Where a batch's articles run: the translation engine per process, threads, or Dask.

* in this process (default, :func:`run_local`): CTranslate2 with ``inter_threads`` x
  ``intra_threads`` filling the cores; with ``inter_threads > 1`` that many articles are
  translated at once from threads. ``workers > 1`` adds a process pool that loads, segments
  and summarizes ahead of translation.
* on Dask (:func:`run_dask`): every worker process loads the model once (a ``WorkerPlugin``
  warms it; :func:`_engine` caches it per process), runs whole articles and streams the
  rendered outputs back (``as_completed``); the client writes them, so resume works the same.
  Dask reschedules the articles of a worker that dies.

Separate because it is the only part that knows about threads, processes and Dask; what is
done to an article is :mod:`reader.batch.per_article`'s and what is written
:mod:`reader.batch.writer`'s.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from reader.batch.per_article import failure, prepare, prepare_or_error, process
from reader.batch.work import BatchError, BatchSettings, Item, Result, Task, error_line, sha256
from reader.batch.writer import Writer, pending_tasks

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
    from reader.translation.translate import NoModelError, load_translator, resolve_device, usable_cores

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
            from reader.translation.cache import TranslationCache

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
        return {"error": error_line(f"{type(exc).__name__}: {exc}")}
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


def run_local(items: list[Item], settings: BatchSettings, writer: Writer, *, translator: Any, workers: int,
               warn: Callable[[str], None]) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait

    from reader.translation.translate import DeviceError

    if translator == "load":
        from reader.translation.translate import NoModelError

        try:
            translator = load_engine(settings, cache=None if not settings.use_cache else "default")
        except DeviceError as exc:
            raise BatchError(str(exc), 2) from None
        except NoModelError as exc:  # installed but unloadable (a truncated model.bin)
            raise BatchError(str(exc).splitlines()[0]) from None
        if translator is None:
            from reader.translation.packages import NO_MODEL_HELP

            warn(NO_MODEL_HELP.splitlines()[0] + " Sentences are written with en=null (`qari models install ar en`).")
    model_key = getattr(translator, "model_key", None)
    threads = max(1, getattr(translator, "inter_threads", 1)) + (workers if workers > 1 else 0)
    # spawned, not forked: this process already runs CTranslate2's and OpenMP's threads
    prep_pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else None

    def one(task: Task, skip: str | None) -> Result:
        started = time.perf_counter()
        prepared = None
        if prep_pool is not None and task.kind != "url":
            got = prep_pool.submit(prepare_or_error, task, settings).result()
            if isinstance(got, str):
                return failure(task, got, started)
            prepared = got
        def advance(done: int, total: int) -> None:
            writer.progress.advance(task.id, done, total)

        try:
            result = process(task, settings, translator, prepared=prepared, skip_job=skip, progress=advance)
        except Exception as exc:  # noqa: BLE001 - an engine bug on one article must not stop the run
            return failure(task, f"internal error: {type(exc).__name__}: {exc}", started)
        result.timings["total"] = time.perf_counter() - started
        return result

    window = threads * 2
    pool = ThreadPoolExecutor(threads, thread_name_prefix="qari-batch")
    try:
        pending: set = set()
        for task, skip in pending_tasks(items, writer, model_key, url_skip=True):
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


def run_dask(items: list[Item], settings: BatchSettings, writer: Writer, *, client: Any, cluster: int | None,
              scheduler: str | None, warn: Callable[[str], None]) -> None:
    try:
        import distributed
    except ImportError:
        raise BatchError("--cluster and --scheduler need Dask: pip install 'qari[dask]'", 2) from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    own: list[Any] = []
    # A LocalCluster's nannies write their workers' settings (OMP_NUM_THREADS=1 and the like)
    # into this process's environment before each spawn: put it back when the run ends, so
    # whatever runs next in this process (a script's own translation, its subprocesses) does
    # not find CTranslate2 pinned to one thread.
    environ = dict(os.environ)
    try:
        if client is None:
            if cluster is not None:
                from reader.translation.translate import usable_cores

                cores = usable_cores()
                if settings.intra_threads is None:
                    settings = replace(settings, intra_threads=max(1, cores // max(1, cluster)))
                with warnings.catch_warnings():
                    # Its scheduler's (loopback) HTTP server takes another port when 8787 is
                    # taken, and says so in four lines of a Python warning: not the reader's news.
                    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use", category=UserWarning)
                    local = distributed.LocalCluster(n_workers=cluster, threads_per_worker=1, processes=True,
                                                     dashboard_address=None, silence_logs=logging.ERROR)
                own.append(local)
                client = distributed.Client(local)
            else:
                try:
                    client = distributed.Client(scheduler, timeout="15s")
                except (OSError, TimeoutError) as exc:
                    raise BatchError(f"cannot reach the Dask scheduler at {scheduler} ({error_line(str(exc))})") from None
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
        tasks = pending_tasks(items, writer, model_key, url_skip=True)
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
                result = failure(task, f"{type(exc).__name__}: {exc}", time.perf_counter())
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
        if cluster is not None and os.environ != environ:
            os.environ.clear()
            os.environ.update(environ)


def probe_scheduler(address: str) -> None:
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
